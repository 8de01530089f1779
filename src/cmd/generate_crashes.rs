//! `crashkit generate-crashes` (hidden): synthetic processed crashes as
//! JSON Lines, deterministic from `--seed`, for tests and benchmarks.
//! `--scenario emerging` gives a history with planted new and growing
//! signatures (see `synth::emerging`), and `--truth FILE` says which.

use std::io::Write;

use chrono::{NaiveTime, Utc};

use super::{ExitStatus, UsageError};
use crate::synth::{emerging, Generator, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Zipf signatures over --weeks, several products.
    Zipf,
    /// 28 days of Firefox then 7 after a release, with planted new and
    /// growing signatures and a single-install crash loop.
    Emerging,
}

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
    /// What history to generate.
    #[arg(long, value_enum, default_value_t = Scenario::Zipf)]
    pub scenario: Scenario,
    /// With --scenario emerging: write the planted truths here (JSON).
    #[arg(long, value_name = "FILE", requires = "scenario")]
    pub truth: Option<std::path::PathBuf>,
}

pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let end = match &args.end {
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| UsageError(format!("--end {day:?}: expected YYYY-MM-DD")))?
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"))
            .and_utc(),
        None => Utc::now(),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    if args.scenario == Scenario::Emerging {
        let scenario = emerging::Scenario {
            seed: args.seed,
            end,
            baseline_days: 28,
            window_days: 7,
            count: args.count,
            signatures: args.signatures.max(1),
        };
        if let Some(path) = &args.truth {
            let truth = serde_json::to_string_pretty(&scenario.truth())?;
            std::fs::write(path, truth + "\n")
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        scenario.generate(|crash| {
            serde_json::to_writer(&mut out, &crash)?;
            out.write_all(b"\n")
        })?;
        out.flush()?;
        return Ok(ExitStatus::Success);
    }
    if args.truth.is_some() {
        return Err(UsageError("--truth goes with --scenario emerging".into()).into());
    }
    let mut generator = Generator::new(Spec {
        seed: args.seed,
        weeks: args.weeks,
        end,
        signatures: args.signatures.max(1),
        threads: args.threads,
        frames: args.frames,
    });
    for _ in 0..args.count {
        serde_json::to_writer(&mut out, &generator.crash())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
