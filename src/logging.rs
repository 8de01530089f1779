//! Logs on stderr through `tracing`: human text or JSON lines.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` wins when set; otherwise
/// `level` (the log.level key) is used, and `-v`/`-q` move it up or down.
pub fn init(format: LogFormat, level: &str, verbose: u8, quiet: u8) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => EnvFilter::new(directives),
        _ => {
            let level = match (verbose, quiet) {
                (0, 0) => level,
                (1, _) => "debug",
                (2.., _) => "trace",
                (_, 1) => "warn",
                (_, _) => "error",
            };
            // rust-minidump's crates warn about oddities of individual dumps
            // that crashkit reports in processor notes; keep them quieter.
            // Tantivy narrates every commit and merge at info.
            let quiet_deps = "minidump=error,minidump_processor=error,minidump_unwind=error,breakpad_symbols=error,tantivy=warn";
            EnvFilter::try_new(format!("{level},{quiet_deps}"))
                .unwrap_or_else(|_| EnvFilter::new(format!("info,{quiet_deps}")))
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
}
