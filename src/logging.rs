//! Logs on stderr through `tracing`: human text or JSON lines.

use std::io::IsTerminal;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` wins when set; otherwise
/// `level` (the log.level key) is used, and `-v`/`-q` move it up or down.
/// Filters are a level, target=level directives, or both, comma-separated
/// (`info,crashkit::collector=debug`); a filter that does not parse logs
/// at info.
///
/// (`tracing-subscriber`'s `EnvFilter` would also take span and field
/// filters, but its regular expressions switch every `regex` in the
/// program to building full DFAs, which made each start of crashkit
/// spend some 10 ms compiling the signature lists.)
pub fn init(format: LogFormat, level: &str, verbose: u8, quiet: u8) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => parse(&directives),
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
            parse(&format!("{level},{quiet_deps}"))
        }
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let registry = tracing_subscriber::registry();
    let _ = match format {
        LogFormat::Text => registry
            .with(
                layer
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(layer.json().with_current_span(false).with_filter(filter))
            .try_init(),
    };
}

fn parse(directives: &str) -> Targets {
    directives
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter;

    #[test]
    fn filters_take_a_level_and_per_target_levels() {
        let f = parse("warn,crashkit::collector=debug");
        assert_eq!(f.default_level(), Some(LevelFilter::WARN));
        assert!(f.would_enable("crashkit::collector", &tracing::Level::DEBUG));
        assert!(!f.would_enable("crashkit::process", &tracing::Level::INFO));
        assert_eq!(
            parse("crashkit=loud").default_level(),
            Some(LevelFilter::INFO)
        );
    }
}
