//! `crashkit generate-crashes` (hidden): synthetic processed crashes as
//! JSON Lines, deterministic from `--seed`, for tests and benchmarks.

use std::io::Write;

use chrono::{NaiveTime, Utc};

use super::{ExitStatus, UsageError};
use crate::synth::{Generator, Spec};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many crashes.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// The random seed: the same seed gives the same crashes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Crash dates spread over this many weeks before --end.
    #[arg(long, default_value_t = 8)]
    pub weeks: u32,
    /// The last day (YYYY-MM-DD; default: now).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub end: Option<String>,
    /// Distinct signatures (Zipf-distributed).
    #[arg(long, default_value_t = 5000)]
    pub signatures: usize,
    /// Threads per json_dump.
    #[arg(long, default_value_t = 8)]
    pub threads: usize,
    /// Frames per thread.
    #[arg(long, default_value_t = 16)]
    pub frames: usize,
}

pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let end = match &args.end {
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| UsageError(format!("--end {day:?}: expected YYYY-MM-DD")))?
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"))
            .and_utc(),
        None => Utc::now(),
    };
    let mut generator = Generator::new(Spec {
        seed: args.seed,
        weeks: args.weeks,
        end,
        signatures: args.signatures.max(1),
        threads: args.threads,
        frames: args.frames,
    });
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    for _ in 0..args.count {
        serde_json::to_writer(&mut out, &generator.crash())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
