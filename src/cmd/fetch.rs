//! `crashkit fetch --from URL --to DIR [IDS…]`: crashes by id from a Crash
//! Stats API (or another storage) into a storage, so `process --storage`
//! runs on them next.

use std::io::{BufRead, Write};
use std::time::Instant;

use anyhow::Context;
use futures::StreamExt;

use super::migrate::{bytes, open_store, LayoutArg};
use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
use crate::crashstats;
use crate::fetch::{Fetch, FetchError, Parts};
use crate::migrate::Migration;
use crate::storage::layout::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WriteLayout {
    /// Socorro's v1/ layout: `crashkit process --storage DIR` reads it.
    V1,
    /// crashstats-tools' fetch-data layout.
    CrashstatsTools,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Crash ids (any pasted form); none: one per line on stdin.
    #[arg(value_name = "IDS")]
    pub ids: Vec<String>,

    /// Where from: a Crash Stats (https://crash-stats.example.org, token
    /// from CRASHSTATS_API_TOKEN), or a storage (directory, s3:// URL).
    #[arg(long, value_name = "URL")]
    pub from: String,

    /// Where to (storage.url): a directory, file:// or s3:// URL.
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,

    /// Fetch the raw crashes (the default; as crashstats-tools' fetch-data).
    #[arg(long, overrides_with = "no_raw")]
    pub raw: bool,

    /// Skip the raw crashes (annotations).
    #[arg(long, overrides_with = "raw")]
    pub no_raw: bool,

    /// Fetch the dumps (the default; they need a token with view_rawdump).
    #[arg(long, overrides_with = "no_dumps")]
    pub dumps: bool,

    /// Skip the dumps.
    #[arg(long, overrides_with = "dumps")]
    pub no_dumps: bool,

    /// Also fetch the processed crashes.
    #[arg(long, overrides_with = "no_processed")]
    pub processed: bool,

    /// Skip the processed crashes (the default).
    #[arg(long, overrides_with = "processed")]
    pub no_processed: bool,

    /// Crashes fetched at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workers: usize,

    /// Fetch again what is already at the destination.
    #[arg(long)]
    pub overwrite: bool,

    /// The layout to write.
    #[arg(long, value_enum, default_value_t = WriteLayout::V1)]
    pub layout: WriteLayout,

    /// With a storage --from: its layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::V1)]
    pub from_layout: LayoutArg,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::storage::url, "--to", args.to.clone());
}

fn is_api(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

pub fn run(
    args: Args,
    config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if args.workers == 0 || args.workers > 64 {
        return Err(UsageError("--workers: 1 to 64".into()).into());
    }
    let (ids, mut failed) = super::collect_ids(&args.ids, input);
    let dest = open_store(&config, &config.settings.storage.url)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let started = Instant::now();
    let progress = super::progress_bar(ids.len(), "{bar:30} {pos}/{len} crashes · ETA {eta}")
        .filter(|_| ids.len() > 1);
    let say = |line: String| match &progress {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    };
    let total = ids.len();
    let (mut done, mut skipped, mut errors) = (0usize, 0usize, 0usize);
    let mut written = 0u64;
    if is_api(&args.from) {
        let parts = Parts {
            raw: !args.no_raw,
            dumps: !args.no_dumps,
            processed: args.processed,
        };
        if !parts.raw && !parts.dumps && !parts.processed {
            return Err(UsageError(
                "nothing to fetch: --no-raw --no-dumps without --processed".into(),
            )
            .into());
        }
        let client = crashstats::Client::new(&args.from)?;
        if parts.dumps && !client.has_token() {
            eprintln!("crashkit fetch: no CRASHSTATS_API_TOKEN: dumps need a token with view_rawdump; asking anyway");
        }
        let layout = match args.layout {
            WriteLayout::V1 => Layout::V1,
            WriteLayout::CrashstatsTools => Layout::CrashstatsTools,
        };
        let fetch = Fetch::new(client, dest, layout, parts, args.overwrite);
        let mut said_refused = false;
        runtime.block_on(async {
            let mut results = futures::stream::iter(ids)
                .map(|id| {
                    let fetch = &fetch;
                    async move {
                        let result = fetch.fetch(&id).await;
                        (id, result)
                    }
                })
                .buffer_unordered(args.workers);
            while let Some((id, result)) = results.next().await {
                if fetch.dumps_refused() && !said_refused {
                    said_refused = true;
                    say("crashkit fetch: the server refused a dump (403): the token lacks the view_rawdump permission; dumps are skipped from now on".into());
                }
                match result {
                    Ok(f) => {
                        for note in &f.notes {
                            say(format!("crashkit fetch: {id}: {note}"));
                        }
                        written += f.bytes;
                        if f.raw || f.dumps > 0 || f.processed {
                            done += 1;
                        } else {
                            skipped += 1;
                        }
                        writeln!(out, "{id}")?;
                    }
                    // A refused token is refused for every crash: one
                    // message, and the run stops (10,000 ids must not
                    // mean 10,000 failed requests).
                    Err(FetchError::Remote(e)) if e.status() == Some(403) => {
                        errors += 1;
                        say(format!(
                            "crashkit fetch: {id}: {e}\ncrashkit fetch: stopping: the token is unknown or lacks the permission named above (CRASHSTATS_API_TOKEN)"
                        ));
                        break;
                    }
                    Err(e) => {
                        errors += 1;
                        say(format!("crashkit fetch: {id}: {e}"));
                    }
                }
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
            }
            anyhow::Ok(())
        })?;
        if parts.dumps && fetch.dumps_refused() {
            failed = true;
        }
    } else {
        if args.layout != WriteLayout::V1 || args.no_raw || args.no_dumps || args.processed {
            return Err(UsageError(
                "from a storage, fetch copies whole crashes into the v1 layout: --layout, --no-raw, --no-dumps and --processed apply to a Crash Stats --from".into(),
            )
            .into());
        }
        let migration = Migration {
            source: open_store(&config, &args.from)?,
            layout: args.from_layout.into(),
            dest,
            dry_run: false,
            delete_source: false,
        };
        let mut ids_out = Vec::new();
        let report = runtime.block_on(migration.run(ids, args.workers, |id, result| {
            match result {
                Ok(_) => ids_out.push(id.clone()),
                Err(e) => say(format!("crashkit fetch: {id}: {e}")),
            }
            if let Some(bar) = &progress {
                bar.inc(1);
            }
        }));
        for id in &ids_out {
            writeln!(out, "{id}")?;
        }
        done = report.crashes_copied as usize;
        skipped = report.crashes_skipped as usize;
        errors = report.crashes_failed as usize;
        written = report.objects.bytes;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    eprintln!(
        "crashkit fetch: {total} crashes: {done} fetched, {skipped} already there, {errors} failed; {} in {:.1} s",
        bytes(written),
        started.elapsed().as_secs_f64()
    );
    Ok(if failed || errors > 0 {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_urls_are_told_from_storage_urls() {
        assert!(super::is_api("https://crash-stats.mozilla.org"));
        assert!(super::is_api("http://127.0.0.1:8080/"));
        assert!(!super::is_api("s3://crashes/prod"));
        assert!(!super::is_api("./crashes"));
    }

    /// fetch-data's `--raw/--no-raw`, `--dumps/--no-dumps` and
    /// `--processed/--no-processed`: the last one given wins.
    #[test]
    fn fetch_datas_flags_are_taken_the_last_one_winning() {
        use clap::Parser;
        let args = |flags: &[&str]| {
            let mut argv = vec!["crashkit", "fetch", "--from", "https://x.example"];
            argv.extend(flags);
            match crate::cli::Cli::try_parse_from(argv).unwrap().command {
                crate::cli::Command::Fetch(a) => (!a.no_raw, !a.no_dumps, a.processed),
                _ => unreachable!("fetch parses as fetch"),
            }
        };
        assert_eq!(args(&[]), (true, true, false));
        assert_eq!(
            args(&["--no-raw", "--raw", "--no-dumps", "--processed"]),
            (true, false, true)
        );
        assert_eq!(
            args(&[
                "--raw",
                "--no-raw",
                "--dumps",
                "--processed",
                "--no-processed"
            ]),
            (false, true, false)
        );
    }
}
