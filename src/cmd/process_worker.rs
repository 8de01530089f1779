//! `crashkit process-worker` (hidden): the child side of the processing
//! supervisor (`process::supervisor`). Reads crashes from stdin and writes,
//! for each, a summary line and a processed-crash line to stdout, until
//! stdin closes.

use std::io::{BufRead, Write};

use anyhow::Context;

use super::ExitStatus;
use crate::config::ProcessSettings;
use crate::process::supervisor::{receive, Summary};

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
    while let Some(request) = receive(input).context("reading a crash")? {
        let (id, raw, dumps) = (request.id.as_ref(), &request.raw, &request.dumps);
        let mut pc = runtime.block_on(processor.process(id, raw, dumps));
        pc.set_history(request.history);
        serde_json::to_writer(&mut *out, &Summary::of(&pc))?;
        out.write_all(b"\n")?;
        out.write_all(&pc.to_json())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(ExitStatus::Success)
}
