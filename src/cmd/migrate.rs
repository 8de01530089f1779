//! `crashkit migrate SRC DST`: copy crash data between storages, verified
//! and resumable, from any layout crashkit reads into `v1`.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use super::{ExitStatus, UsageError};
use crate::config::Config;
use crate::migrate::{self, Migration, Report};
use crate::storage::layout::Layout;
use crate::storage::{CrashStorage, ObjectStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// Socorro's v1/ layout (what crashkit writes).
    V1,
    /// Socorro's older v2/raw_crash/<xxx>/<YYYYMMDD>/<id>.
    V2Entropy,
    /// Antenna's filesystem layout: <YYYYMMDD>/raw_crash/<id>.json, ….
    AntennaFs,
    /// crashstats-tools' fetch-data layout: raw_crash/<YYYYMMDD>/<id>, ….
    CrashstatsTools,
}

impl From<LayoutArg> for Layout {
    fn from(arg: LayoutArg) -> Layout {
        match arg {
            LayoutArg::V1 => Layout::V1,
            LayoutArg::V2Entropy => Layout::V2Entropy,
            LayoutArg::AntennaFs => Layout::AntennaFs,
            LayoutArg::CrashstatsTools => Layout::CrashstatsTools,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the crashes are: a directory, file:// or s3:// URL.
    #[arg(value_name = "SRC")]
    pub source: String,

    /// Where they go (always the v1 layout): a directory, file:// or s3:// URL.
    #[arg(value_name = "DST")]
    pub dest: String,

    /// The source's layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::V1)]
    pub from_layout: LayoutArg,

    /// Only the crashes of these days (by crash id): YYYY-MM-DD..YYYY-MM-DD
    /// (both included) or one YYYY-MM-DD.
    #[arg(long, value_name = "FIRST..LAST")]
    pub date_range: Option<String>,

    /// Crashes copied at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub workers: usize,

    /// Count what would be copied; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Delete each crash from the source once its copy is verified.
    #[arg(long)]
    pub delete_source: bool,
}

/// Parses `FIRST..LAST` or one day into the days it covers.
fn date_range(text: &str) -> Result<Vec<NaiveDate>, UsageError> {
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            UsageError(format!(
                "--date-range {text:?}: expected YYYY-MM-DD..YYYY-MM-DD or YYYY-MM-DD"
            ))
        })
    };
    let (first, last) = match text.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let day = parse(text)?;
            (day, day)
        }
    };
    if last < first {
        return Err(UsageError(format!(
            "--date-range {text:?}: the last day is before the first"
        )));
    }
    if (last - first).num_days() > 3660 {
        return Err(UsageError(format!(
            "--date-range {text:?}: more than ten years"
        )));
    }
    Ok(migrate::days(first, last))
}

/// The object store of `url`, with the other storage settings of `config`.
pub(super) fn open_store(config: &Config, url: &str) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let mut settings = config.settings.storage.clone();
    settings.url = url.to_owned();
    let storage = CrashStorage::open(&settings).with_context(|| format!("opening {url}"))?;
    Ok(storage.objects().clone())
}

/// Human sizes: 1.5 MB, 3.4 GB.
pub(super) fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.2} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n if n >= 1e3 => format!("{:.1} kB", n / 1e3),
        n => format!("{n} B"),
    }
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let days = args.date_range.as_deref().map(date_range).transpose()?;
    if args.workers == 0 || args.workers > 256 {
        return Err(UsageError("--workers: 1 to 256".into()).into());
    }
    let migration = Migration {
        source: open_store(&config, &args.source)?,
        layout: args.from_layout.into(),
        dest: open_store(&config, &args.dest)?,
        dry_run: args.dry_run,
        delete_source: args.delete_source,
    };
    if migration.source.location() == migration.dest.location() {
        return Err(UsageError("SRC and DST are the same storage".into()).into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let started = Instant::now();
    let ids = runtime
        .block_on(migration.list(days.as_deref()))
        .with_context(|| format!("listing {}", migration.source.location()))?;
    let progress = super::progress_bar(
        ids.len(),
        "{bar:30} {pos}/{len} crashes · {msg} · ETA {eta}",
    );
    let (mut objects, mut written) = (0u64, 0u64);
    let report: Report = runtime.block_on(migration.run(ids, args.workers, |id, result| {
        match result {
            Ok(tally) => {
                objects += tally.objects_copied + tally.objects_skipped;
                written += tally.bytes;
            }
            Err(e) => {
                let line = format!("crashkit migrate: {id}: {e}");
                match &progress {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(bar) = &progress {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{:.0} objects/s · {}/s",
                objects as f64 / secs,
                bytes((written as f64 / secs) as u64)
            ));
            bar.inc(1);
        }
    }));
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    let verb = if args.dry_run { "would copy" } else { "copied" };
    let o = report.objects;
    writeln!(
        out,
        "crashkit migrate: {} crashes: {} {verb}, {} already there, {} failed; objects: {} {verb} ({} by the server), {} skipped{}; {} {verb} in {secs:.1} s ({:.0} objects/s, {}/s)",
        report.crashes_copied + report.crashes_skipped + report.crashes_failed,
        report.crashes_copied,
        report.crashes_skipped,
        report.crashes_failed,
        o.objects_copied,
        o.objects_server_copied,
        o.objects_skipped,
        if args.delete_source && !args.dry_run {
            format!(", {} deleted from the source", o.objects_deleted)
        } else {
            String::new()
        },
        bytes(o.bytes),
        (o.objects_copied + o.objects_skipped) as f64 / secs.max(0.001),
        bytes((o.bytes as f64 / secs.max(0.001)) as u64),
    )?;
    Ok(if report.crashes_failed > 0 {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_are_days_both_included() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            date_range("2026-11-29..2026-12-01").unwrap(),
            [d("2026-11-29"), d("2026-11-30"), d("2026-12-01")]
        );
        assert_eq!(date_range("2026-11-29").unwrap(), [d("2026-11-29")]);
        for bad in [
            "2026-12-01..2026-11-01",
            "yesterday",
            "2026-11-01..",
            "2000-01-01..2026-01-01",
        ] {
            assert!(date_range(bad).is_err(), "{bad}");
        }
    }
}
