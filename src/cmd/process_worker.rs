//! `crashkit process-worker` (hidden): the child side of the processing
//! supervisor (`process::supervisor`). Reads crashes from stdin and writes
//! an answer for each (its summary, then the processed crash) to stdout,
//! until stdin closes.

use std::io::{BufRead, Write};

use anyhow::Context;

use super::ExitStatus;
use crate::config::ProcessSettings;
use crate::process::supervisor::{receive, write_answer, Summary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The processing settings, as JSON (written by the supervisor).
    pub spec: String,
}

pub fn run(args: Args, input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings: ProcessSettings = serde_json::from_str(&args.spec).context("worker settings")?;
    let processor = crate::process::Processor::for_worker(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    while let Some(request) = receive(input).context("reading a crash")? {
        let (id, raw, dumps) = (request.id.as_ref(), &request.raw, &request.dumps);
        let mut pc = runtime.block_on(processor.process(id, raw, dumps));
        pc.set_history(request.history);
        write_answer(out, Summary::of(&pc), &pc.to_json())?;
    }
    Ok(ExitStatus::Success)
}
