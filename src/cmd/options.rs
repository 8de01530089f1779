//! Options that several subcommands share, defined once: how processing is
//! shaped (wherever processing runs: `process`, `collect-serve --process`),
//! and the command-line forms of library enums.

use crate::config::{keys, Config};
use crate::process::worker::Ruleset;

/// Every option that shapes processing.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Processing options")]
pub struct ProcessingArgs {
    /// Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths).
    #[arg(long = "symbols-path", value_name = "DIR")]
    pub symbols_paths: Vec<String>,

    /// Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls).
    #[arg(long = "symbols-url", value_name = "URL")]
    pub symbols_urls: Vec<String>,

    /// Download cache for symbol servers (process.symbols_cache_dir).
    #[arg(long, value_name = "DIR")]
    pub symbols_cache: Option<String>,

    /// Signature lists directory in Socorro's format (process.siglists); default: built-in lists.
    #[arg(long, value_name = "DIR")]
    pub siglists: Option<String>,

    /// Crashes processed in parallel (process.jobs); default: CPU cores.
    #[arg(long, short = 'j', value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

impl ProcessingArgs {
    /// Puts the options given into the configuration, as flags.
    pub fn apply(&self, config: &mut Config) {
        if !self.symbols_paths.is_empty() {
            let paths = self.symbols_paths.clone();
            config.set_flag(keys::process::symbols_paths, "--symbols-path", paths);
        }
        if !self.symbols_urls.is_empty() {
            let urls = self.symbols_urls.clone();
            config.set_flag(keys::process::symbols_urls, "--symbols-url", urls);
        }
        let cache = self.symbols_cache.clone().map(Some);
        config.set_flag_opt(keys::process::symbols_cache_dir, "--symbols-cache", cache);
        let siglists = self.siglists.clone().map(Some);
        config.set_flag_opt(keys::process::siglists, "--siglists", siglists);
        config.set_flag_opt(keys::process::jobs, "--jobs", self.jobs.map(Some));
    }

    /// The first option given, for refusing them where nothing is processed.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            (!self.symbols_paths.is_empty(), "--symbols-path"),
            (!self.symbols_urls.is_empty(), "--symbols-url"),
            (self.symbols_cache.is_some(), "--symbols-cache"),
            (self.siglists.is_some(), "--siglists"),
            (self.jobs.is_some(), "--jobs"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// What processing a stored crash does, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesetArg {
    /// Stackwalk, derive every field, sign.
    Default,
    /// Recompute only the signature from the stored processed crash.
    #[value(name = "regenerate_signature")]
    RegenerateSignature,
}

impl From<RulesetArg> for Ruleset {
    fn from(arg: RulesetArg) -> Ruleset {
        match arg {
            RulesetArg::Default => Ruleset::Default,
            RulesetArg::RegenerateSignature => Ruleset::RegenerateSignature,
        }
    }
}

/// Log line format, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormatArg {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log aggregation.
    Json,
}

impl From<LogFormatArg> for crate::config::LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Text => crate::config::LogFormat::Text,
            LogFormatArg::Json => crate::config::LogFormat::Json,
        }
    }
}
