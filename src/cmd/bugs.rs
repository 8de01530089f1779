//! `crashkit bugs`: bug associations beside the index, as Socorro's
//! `BugAssociation` table: `import` from Bugzilla (its hourly job), `add`
//! and `remove` for trackers that are not Bugzilla, `show` to read them.
//! `serve` answers `/api/Bugs/` and `/api/SignaturesByBugs/` from them, and
//! sees changes without a restart.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use clap::Subcommand;

use super::ExitStatus;
use crate::bugs::{self, Bugzilla};
use crate::config::{keys, Config};
use crate::search::facts::{bugs_and_related, BugAssociation};
use crate::search::{self, Mode};

/// Where `bugs import` reads a Bugzilla API key from.
pub const API_KEY_ENV: &str = "CRASHKIT_BUGZILLA_API_KEY";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The search index the associations live beside (index.url).
    #[arg(long, value_name = "URL", global = true)]
    pub index: Option<String>,

    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Read bugs whose crash signatures changed since the last run from a
    /// Bugzilla REST API and make their associations match
    /// (`[@ signature]` values of cf_crash_signature). An API key, when
    /// needed, comes from CRASHKIT_BUGZILLA_API_KEY.
    Import {
        /// Bugzilla's REST root, e.g. https://bugzilla.mozilla.org/rest.
        #[arg(long, value_name = "URL")]
        bugzilla: String,
        /// Ask for bugs changed since this day instead of since the last run.
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<chrono::NaiveDate>,
        /// Give up on Bugzilla after failing this long (seconds).
        #[arg(long, value_name = "SECS", default_value_t = 300)]
        timeout: u64,
    },
    /// Associate a bug with one or more signatures.
    Add {
        bug: u64,
        #[arg(required = true)]
        signatures: Vec<String>,
    },
    /// Remove a bug's association with one or more signatures.
    Remove {
        bug: u64,
        #[arg(required = true)]
        signatures: Vec<String>,
    },
    /// Print the bugs of signatures (and those bugs' other signatures) as
    /// tab-separated `bug<TAB>signature` lines.
    Show {
        #[arg(required = true)]
        signatures: Vec<String>,
    },
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let index = search::open(&config.settings.index, Mode::Read)?;
    let facts = index.facts();
    let pairs = |bug: u64, signatures: &[String]| -> Vec<BugAssociation> {
        signatures
            .iter()
            .map(|s| BugAssociation {
                bug_id: bug,
                signature: s.trim().to_owned(),
            })
            .collect()
    };
    runtime.block_on(async {
        match args.action {
            Action::Import {
                bugzilla,
                since,
                timeout,
            } => {
                let api_key = std::env::var(API_KEY_ENV).ok().filter(|k| !k.is_empty());
                let client = Bugzilla::new(&bugzilla, api_key, Duration::from_secs(timeout));
                let since = since.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
                let done = bugs::import(&client, facts, since, Utc::now()).await?;
                writeln!(
                    out,
                    "bugs read: {}, associations added: {}, removed: {}",
                    done.bugs, done.added, done.removed
                )?;
            }
            Action::Add { bug, signatures } => {
                facts.change_bugs(&pairs(bug, &signatures), &[]).await?;
            }
            Action::Remove { bug, signatures } => {
                facts.change_bugs(&[], &pairs(bug, &signatures)).await?;
            }
            Action::Show { signatures } => {
                for a in bugs_and_related(facts, &signatures).await? {
                    writeln!(out, "{}\t{}", a.bug_id, a.signature)?;
                }
            }
        }
        Ok(ExitStatus::Success)
    })
}
