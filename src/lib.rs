//! crashkit: a crash-report pipeline compatible with Mozilla's Socorro.
//!
//! The library does all the work; the `crashkit` binary only parses the
//! command line, runs one of [`cmd`]'s subcommands and maps the outcome to
//! an exit status. Modules are named after the domain: [`collector`],
//! [`process`], [`webapp`] (the self-hosted Crash Stats), [`migrate`]
//! (storage to storage), [`fetch`] (from a Crash Stats), [`synth`]
//! (synthetic crashes) on top; [`storage`],
//! [`queue`], [`signature`], [`search`] (the Super Search index and
//! queries), [`crashstats`] (the client of a remote Crash Stats),
//! [`logging`] below them; then [`config`]; and at the bottom the shared
//! plumbing: [`crash_id`], [`fsutil`] (durable file writes), [`retry`] (the
//! one retry policy of remote clients), [`metrics`] (the Prometheus
//! registry), [`throttle`] (the collector's rule language),
//! [`alert_rules`] (the `[[alert]]` tables) and [`access`] (API tokens and
//! permissions). [`alert`] (emerging-crash webhooks) sits on top.
//! Dependencies point down; docs/architecture.md has the map.

pub mod access;
pub mod alert;
pub mod alert_rules;
pub mod bugs;
pub mod cli;
pub mod cmd;
pub mod collector;
pub mod config;
pub mod crash_id;
pub mod crashstats;
pub mod fetch;
pub mod fsutil;
pub mod logging;
pub mod metrics;
pub mod migrate;
pub mod process;
pub mod processed_crash;
pub mod queue;
pub mod retry;
pub mod search;
pub mod signature;
pub mod storage;
pub mod synth;
pub mod throttle;
pub mod verify;
pub mod webapp;

/// The layering of docs/architecture.md, checked on the source: a module
/// uses only modules of lower layers, nothing outside the edge uses the
/// command line, and no module opens a sibling's internals with
/// `pub(crate)`.
#[cfg(test)]
mod architecture {
    use std::path::Path;

    /// Layers from the bottom; the edge (`cli`, `cmd`, the binary) may use all.
    const LAYERS: &[&[&str]] = &[
        &[
            "crash_id",
            "fsutil",
            "retry",
            "metrics",
            "throttle",
            "alert_rules",
            "access",
            "processed_crash",
        ],
        &["config"],
        &[
            "storage",
            "queue",
            "signature",
            "search",
            "crashstats",
            "logging",
        ],
        &[
            "collector",
            "process",
            "synth",
            "webapp",
            "migrate",
            "fetch",
            "bugs",
            "verify",
            "alert",
        ],
    ];

    fn layer(module: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&module))
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn dependencies_point_down() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let uses = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
        let mut problems = Vec::new();
        for file in files {
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let module = rel.split('/').next().unwrap().trim_end_matches(".rs");
            if matches!(module, "cli" | "cmd" | "bin" | "lib") {
                continue;
            }
            let own = layer(module).unwrap_or_else(|| panic!("{module} is in no layer"));
            let text = std::fs::read_to_string(&file).unwrap();
            if text.contains("pub(crate) mod") {
                problems.push(format!("{rel}: pub(crate) mod opens internals"));
            }
            for used in uses.captures_iter(&text) {
                let used = &used[1];
                if used == module {
                    continue;
                }
                match layer(used) {
                    Some(l) if l < own => {}
                    _ => problems.push(format!("{rel}: {module} uses {used}")),
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
