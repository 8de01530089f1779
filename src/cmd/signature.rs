//! `crashkit signature`: Socorro signature generation on stdin.
//!
//! Input: one JSON object (pretty-printed or not) or JSON Lines, each a
//! processed crash (with `json_dump`) or siggen's crash-data shape. Output:
//! one `{"signature", "proto_signature", "notes"}` line per input, in
//! order. A malformed input line yields `{"error": ...}` in its place and a
//! message on stderr; the stream goes on and the exit status is 1.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use serde_json::{json, Value};

use super::ExitStatus;
use crate::signature::Generator;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory with Socorro-format signature lists
    /// (irrelevant_signature_re.txt, prefix_signature_re.txt,
    /// signature_sentinels.txt, signatures_with_line_numbers_re.txt);
    /// default: crashkit's built-in lists.
    #[arg(long, value_name = "DIR")]
    pub siglists: Option<PathBuf>,
}

pub fn run(args: Args, input: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let generator = Generator::from_dir(args.siglists.as_deref())
        .map_err(|e| super::UsageError(format!("signature lists: {e}")))?;
    let mut failed = false;
    let mut emit =
        |what: &str, value: Result<Value, String>, out: &mut dyn Write| -> anyhow::Result<()> {
            let line = match value {
                Ok(Value::Object(crash)) => {
                    // Written directly so the fields keep their documented order.
                    serde_json::to_writer(&mut *out, &generator.generate(&crash))?;
                    out.write_all(b"\n")?;
                    return Ok(());
                }
                Ok(other) => {
                    failed = true;
                    let msg = format!("{what}: expected a JSON object, found {}", kind(&other));
                    eprintln!("crashkit signature: {msg}");
                    json!({ "error": msg })
                }
                Err(e) => {
                    failed = true;
                    let msg = format!("{what}: invalid JSON: {e}");
                    eprintln!("crashkit signature: {msg}");
                    json!({ "error": msg })
                }
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
            Ok(())
        };

    // The first non-blank line decides: a whole JSON value on it means JSON
    // Lines; otherwise the input is one (multi-line) JSON document.
    super::note_reading_stdin("crashes (JSON)");
    let mut lines = input.lines();
    let mut number = 0usize;
    let first = loop {
        match lines.next() {
            None => return Ok(ExitStatus::Success),
            Some(line) => {
                number += 1;
                let line = line.context("reading stdin")?;
                if !line.trim().is_empty() {
                    break line;
                }
            }
        }
    };
    match serde_json::from_str::<Value>(&first) {
        Ok(value) => {
            emit(&format!("line {number}"), Ok(value), out)?;
            for line in lines {
                number += 1;
                let line = line.context("reading stdin")?;
                if line.trim().is_empty() {
                    continue;
                }
                let parsed = serde_json::from_str::<Value>(&line).map_err(|e| e.to_string());
                emit(&format!("line {number}"), parsed, out)?;
            }
        }
        Err(_) => {
            let mut document = first;
            for line in lines {
                document.push('\n');
                document.push_str(&line.context("reading stdin")?);
            }
            let parsed = serde_json::from_str::<Value>(&document).map_err(|e| e.to_string());
            emit("input", parsed, out)?;
        }
    }
    Ok(if failed {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
