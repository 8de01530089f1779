//! `crashkit process-worker` (hidden): the child side of the processing
//! supervisor (`process::supervisor`). Reads crashes from stdin, writes one
//! processed crash per line to stdout, until stdin closes.

use std::io::{BufRead, Write};

use anyhow::Context;

use super::ExitStatus;
use crate::config::ProcessSettings;
use crate::process::supervisor::receive;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The processing settings, as JSON (written by the supervisor).
    pub spec: String,
}

pub fn run(args: Args, input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings: ProcessSettings = serde_json::from_str(&args.spec).context("worker settings")?;
    let processor = crate::process::Processor::from_settings(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    while let Some((id, raw, dumps)) = receive(input).context("reading a crash")? {
        let pc = runtime.block_on(processor.process(id.as_ref(), &raw, &dumps));
        serde_json::to_writer(&mut *out, &pc)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(ExitStatus::Success)
}
