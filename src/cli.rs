//! The command-line tree. It also drives the generated shell completions
//! and man pages (`crashkit generate-assets`), so help text written here is
//! what users read everywhere.

use std::path::PathBuf;

use clap::{ArgAction, Parser, Subcommand};

use crate::cmd;
use crate::cmd::options::LogFormatArg;

/// crashkit: a crash-report pipeline compatible with Mozilla's Socorro.
///
/// Each job is a subcommand over one library; they read crash ids or
/// records from arguments or stdin and write data to stdout, so they chain
/// in shell pipelines. Logs and progress go to stderr. Exit status: 0 when
/// everything succeeded, 1 when some items failed, 2 on usage or
/// configuration errors.
#[derive(Debug, Parser)]
#[command(
    name = "crashkit",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Configuration file (TOML); see `crashkit config docs` for its keys.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "CRASHKIT_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Log more (-v: debug, -vv: trace).
    #[arg(short, long, global = true, help_heading = "Global options", action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Log less (-q: warnings and errors only, -qq: errors only).
    #[arg(short, long, global = true, help_heading = "Global options", action = ArgAction::Count)]
    pub quiet: u8,

    /// Log line format on stderr [default: the log.format key, else text].
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_enum,
        value_name = "FORMAT"
    )]
    pub log_format: Option<LogFormatArg>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the crash collector: an HTTP server crash reporters post to.
    ///
    /// Behaves like Mozilla's Antenna: POST /submit (multipart, gzip, JSON
    /// annotations, several dumps) answers CrashID=bp-<id> once the crash is
    /// saved; GET /__lbheartbeat__, /__heartbeat__, /__version__, /metrics.
    /// SIGTERM or SIGINT stops it after the requests in flight.
    #[command(after_help = "Examples:
  crashkit collect-serve --bind 0.0.0.0:8000 --storage s3://crashes/prod --queue redis://127.0.0.1:6379/0
  crashkit collect-serve --storage ./crashdata --process --index ./crashindex --symbols-path ./syms
  crashkit collect-serve --storage ./crashdata --print-ids | crashkit process --storage ./crashdata")]
    CollectServe(cmd::collect_serve::Args),

    /// Run the whole pipeline here, in seconds: collect, process, index, query.
    ///
    /// Starts the collector on a free loopback port, posts crashes made from
    /// the testdata dumps over HTTP, processes them with the bundled symbols,
    /// indexes them, and prints the top crashers and one stack; everything
    /// stays in --dir. With --collector URL --storage URL --index URL: a
    /// smoke test of a running installation (one crash, round trip).
    #[command(after_help = "Examples:
  crashkit demo
  crashkit demo --dir /tmp/crashkit-demo
  crashkit demo --collector http://127.0.0.1:8000 --storage ./crashdata --index ./crashindex")]
    Demo(cmd::demo::Args),

    /// Show, check and document the configuration.
    #[command(after_help = "Examples:
  crashkit --config prod.toml config show
  crashkit config check prod.toml
  crashkit config docs > docs/configuration.md")]
    Config(cmd::config::Args),

    /// Index processed crashes for Super Search.
    ///
    /// JSON Lines of processed crashes on stdin (`crashkit process --storage
    /// S --format json | crashkit index --index I`), or with --storage crash
    /// ids (arguments or stdin) or a --date/--since sweep. Indexing a crash
    /// again replaces it. --prune-older-than 26w drops old weeks.
    #[command(after_help = "Examples:
  crashkit process --storage ./crashdata --format json < ids.txt | crashkit index --index ./crashindex
  crashkit index --storage ./crashdata --since 2026-11-01 --index ./crashindex
  crashkit index --index ./crashindex --prune-older-than 26w")]
    Index(cmd::index::Args),

    /// Super Search: filter, facet and count crashes.
    ///
    /// Filters are FIELD=VALUE with Socorro's operators (=exact ~contains
    /// ^starts-with $ends-with @regex !not >, >=, <, <= __null__ __true__);
    /// the date defaults to the last 7 days. Over the local index
    /// (--index), Elasticsearch/OpenSearch, or a Crash Stats (--api).
    /// --topcrashers --product P ranks signatures; --emerging --product P
    /// finds the new and growing ones (an exact binomial test against the
    /// --baseline-days before, in installs; see `crashkit alert`).
    #[command(disable_version_flag = true)]
    #[command(after_help = "Examples:
  crashkit query 'signature=~OOM' 'date=>=2026-11-01' --facet platform
  crashkit query --topcrashers --product Firefox --days 7
  crashkit query --emerging --product Firefox --days 7 --baseline-days 28 --format json
  crashkit query 'product=Firefox' --format ids --limit all | crashkit reprocess --queue ./spool")]
    Query(cmd::query::Args),

    /// Run a self-hosted Crash Stats: Socorro's API and web pages.
    ///
    /// The API is Crash Stats' (/api/SuperSearch/, SuperSearchUnredacted,
    /// SuperSearchFields, RawCrash, ProcessedCrash, Reprocessing,
    /// CrashSignature, VersionString, Bugs, SignaturesByBugs,
    /// SignatureFirstDate, with Auth-Token tokens from [[serve.tokens]];
    /// public fields only without one), so crashstats-tools and `crashkit
    /// query --api` work against it. Pages: /report/index/<id>,
    /// /search/, /topcrashers/, /signature/. Binds to loopback unless told
    /// otherwise; SIGTERM or SIGINT stops it.
    #[command(after_help = "Examples:
  crashkit serve --storage ./crashdata --index ./crashindex --queue ./spool
  crashkit --config prod.toml serve --bind 0.0.0.0:8080 --storage s3://crashes/prod --index es+http://127.0.0.1:9200
  supersearch --host http://127.0.0.1:8080 --product=Firefox")]
    Serve(cmd::serve::Args),

    /// Process minidumps: stackwalk with symbols, derive Socorro's fields, sign.
    ///
    /// `crashkit process FILE.dmp` prints a human report of where it crashed
    /// (--format json: the processed crash). `crashkit process --storage URL
    /// [IDS…]` processes stored crashes (ids from arguments or stdin) and
    /// saves v1/processed_crash/<id>, one result line per crash as each
    /// finishes (--jobs at a time, so a large crash never idles the others).
    #[command(after_help = "Examples:
  crashkit process crash.dmp --symbols-path ./syms --symbols-url https://symbols.example.org/
  crashkit process --storage s3://crashes/prod --jobs 8 < ids.txt
  crashkit process --queue redis://127.0.0.1:6379/0 --storage s3://crashes/prod --index ./crashindex")]
    Process(cmd::process::Args),

    /// Send crashes back through processing.
    ///
    /// Crash ids from arguments or stdin, or --missing --date D (raw crashes
    /// of day D without a processed crash), go to the reprocessing queue
    /// (--priority: the priority queue), or with --api to a Crash Stats
    /// /api/Reprocessing/ endpoint. More than 10,000 need --allow-many.
    #[command(after_help = "Examples:
  crashkit reprocess --queue ./spool --ruleset regenerate_signature < ids.txt
  crashkit reprocess --queue ./spool --storage ./crashdata --missing --date 2026-11-30
  crashkit reprocess --api https://crash-stats.example.org bp-ce758713-…-261130")]
    Reprocess(cmd::reprocess::Args),

    /// Download crashes by id from a Crash Stats API, or from a storage.
    ///
    /// From a Crash Stats (--from https://…, token from CRASHSTATS_API_TOKEN
    /// in Auth-Token): the raw crash, its dumps (view_rawdump) and with
    /// --processed the processed crash, into --to in the v1 layout (so
    /// `process --storage` runs next; --layout crashstats-tools writes
    /// fetch-data's). From a storage URL: whole crashes, verified. Ids from
    /// arguments or stdin; what is there already is skipped unless
    /// --overwrite; 429 and 5xx are retried honouring Retry-After. Prints
    /// each crash id fetched.
    #[command(after_help = "Examples:
  crashkit fetch --from https://crash-stats.example.org --to ./crashes bp-ce758713-0b8d-4b7a-9f64-1a1e50261130
  crashkit query --api https://crash-stats.example.org 'signature=~OOM' --format ids | crashkit fetch --from https://crash-stats.example.org --to ./crashes --processed
  crashkit fetch --from s3://crash.data/prod --to ./crashes < ids.txt | crashkit process --storage ./crashes")]
    Fetch(cmd::fetch::Args),

    /// Copy crash data between storages, verified and resumable.
    ///
    /// Every crash of SRC (--date-range: of those days) into DST in the v1
    /// layout, --workers at a time: dump names, dumps, processed crash, raw
    /// crash last; each object checked after writing (S3's MD5 ETag, or read
    /// back); what DST holds identical already is skipped, so a killed run
    /// is finished by running it again. --from-layout reads Socorro's v2
    /// entropy, Antenna's filesystem or crashstats-tools' layout. Exit 1 if
    /// any crash failed.
    #[command(after_help = "Examples:
  crashkit migrate ./crashdata s3://crash.data.example/prod --workers 16
  crashkit migrate s3://old.bucket/socorro s3://new.bucket/prod --date-range 2026-11-01..2026-11-30 --dry-run
  crashkit migrate /srv/antenna-crashes ./crashdata --from-layout antenna-fs --delete-source")]
    Migrate(cmd::migrate::Args),

    /// Bug associations beside the index: import from Bugzilla, add, remove, show.
    ///
    /// What Crash Stats' /api/Bugs/ and /api/SignaturesByBugs/ answer.
    /// `import` is Socorro's hourly job: the bugs whose cf_crash_signature
    /// changed since the last run, paged and retried, each bug's
    /// `[@ signature]` list replacing its associations.
    #[command(after_help = "Examples:
  crashkit bugs --index ./crashindex import --bugzilla https://bugzilla.mozilla.org/rest
  crashkit bugs --index ./crashindex add 1234567 'OOM | small' 'OOM | large'
  crashkit bugs --index ./crashindex remove 1234567 'OOM | large'
  crashkit bugs --index ./crashindex show 'OOM | small'")]
    Bugs(cmd::bugs::Args),

    /// Find the crashes of a day that processing or indexing missed.
    ///
    /// Socorro's verifyprocessed: every raw crash of --date without a
    /// processed crash or a search document is recorded beside the index
    /// (/api/MissingProcessedCrash/), printed, and with --queue sent to
    /// processing; earlier records processed since are marked so.
    #[command(after_help = "Examples:
  crashkit verify --date 2026-11-30 --storage ./crashdata --index ./crashindex --queue ./spool
  crashkit verify --date 2026-11-30 --storage s3://crashes/prod --index es+http://127.0.0.1:9200")]
    Verify(cmd::verify::Args),

    /// Tell webhooks about new and growing signatures ([[alert]] rules).
    ///
    /// For each [[alert]] table of the configuration: the signatures of its
    /// product that `query --emerging` finds, less those the rule sent
    /// before (remembered beside the index), POSTed as one JSON (or Slack)
    /// payload; 5xx answers and timeouts are retried. One line per rule on
    /// stdout. Exit 0: nothing fired; 1: something fired; 2: a rule failed.
    #[command(after_help = "Examples:
  crashkit --config alerts.toml alert --index ./crashindex
  # crontab: every hour
  0 * * * * SLACK_HOOK_SECRET=... crashkit --config /etc/crashkit.toml alert --index /srv/crashindex")]
    Alert(cmd::alert::Args),

    /// Generate Socorro crash signatures from crash data on stdin.
    ///
    /// Input: one JSON object or JSON Lines, each a processed crash (with
    /// json_dump) or siggen's crash-data shape. Output: one
    /// {"signature", "proto_signature", "notes"} line per input, in order.
    /// A malformed line yields {"error": ...} in its place and exit status 1.
    #[command(after_help = "Examples:
  crashkit signature < processed-crash.json
  crashkit signature --siglists ./siglists < crashes.jsonl")]
    Signature(cmd::signature::Args),

    /// Write synthetic processed crashes as JSON Lines, for tests and benchmarks.
    #[command(hide = true)]
    GenerateCrashes(cmd::generate_crashes::Args),

    /// Process crashes sent by a supervising `crashkit process` (internal).
    #[command(hide = true)]
    ProcessWorker(cmd::process_worker::Args),

    /// Write shell completions, man pages and the configuration reference
    /// generated from this command-line definition.
    #[command(hide = true)]
    GenerateAssets(cmd::generate_assets::Args),
}

impl Cli {
    /// The clap command, for generators.
    pub fn command() -> clap::Command {
        <Cli as clap::CommandFactory>::command()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of one shell command: single quotes group, nothing else.
    fn words(command: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in command.chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        out.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            out.push(word);
        }
        out
    }

    #[test]
    fn every_example_in_help_parses() {
        let mut seen = 0;
        for sub in Cli::command().get_subcommands() {
            let Some(help) = sub.get_after_help() else {
                continue;
            };
            for line in help.to_string().lines().filter(|l| l.starts_with("  ")) {
                // Each command of a pipeline, without its redirections.
                for command in line.split('|') {
                    let command = command.split(['<', '>']).next().unwrap_or("");
                    let args = words(command.trim());
                    if args.first().map(String::as_str) != Some("crashkit") {
                        continue;
                    }
                    seen += 1;
                    if let Err(e) = Cli::try_parse_from(&args) {
                        panic!("{line}: {e}");
                    }
                }
            }
        }
        assert!(seen >= 20, "{seen} examples");
    }
}
