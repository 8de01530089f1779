//! Processing in supervised worker processes, so a hostile dump cannot take
//! crashkit down.
//!
//! rust-minidump is careful, but a dump is attacker-controlled input and
//! stackwalking one can in principle spin or allocate without end. Each
//! crash is therefore processed by a `crashkit process-worker` child: the
//! parent sends the raw crash and the dumps over a pipe and waits for the
//! processed crash at most `process.timeout_secs`; the child runs under an
//! address-space limit (`process.memory_limit_mb`, `RLIMIT_AS`). A worker
//! that times out is killed, one that dies (out of memory, or any crash) is
//! reaped, and either way the crash gets a processed crash whose
//! stackwalk failed as minidump-stackwalk's does when it is killed (exit
//! status -9, a note), and the next crash gets a fresh worker.
//! Workers are reused between crashes, so each keeps its parsed symbols.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tracing::warn;

use super::{Processed, ProcessedCrash, Processor};
use crate::config::ProcessSettings;
use crate::crash_id::CrashId;
use crate::storage::{Dumps, RawCrash};

/// Status of a crash whose worker ran out of time.
pub const TIMEOUT_STATUS: &str = "ERROR_TIMEOUT";
/// Status of a crash whose worker died.
pub const WORKER_DIED_STATUS: &str = "ERROR_WORKER_DIED";

/// A pool of worker processes.
pub struct Pool {
    exe: PathBuf,
    spec: String,
    timeout: Duration,
    memory_limit: Option<u64>,
    idle: Mutex<Vec<Worker>>,
    /// Builds the processed crash of a crash no worker could process.
    fallback: Processor,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    /// The worker's answers, each a header line and the processed crash.
    answers: Receiver<io::Result<Answer>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pool {
    /// A pool of workers running `exe process-worker` with `settings`.
    pub fn new(exe: PathBuf, settings: &ProcessSettings, fallback: Processor) -> io::Result<Pool> {
        let spec = serde_json::to_string(settings).map_err(io::Error::other)?;
        Ok(Pool {
            exe,
            spec,
            timeout: Duration::from_secs(settings.timeout_secs.max(1)),
            memory_limit: memory_limit(settings),
            idle: Mutex::new(Vec::new()),
            fallback,
        })
    }

    /// The pool the settings describe, running crashkit's own executable
    /// as its workers.
    /// The first worker is started before the pool's own processor is
    /// built, so the two set up (the signature lists compiled, each) at once.
    pub fn from_settings(settings: &ProcessSettings) -> Result<Pool, super::SetupError> {
        let exe = std::env::current_exe().map_err(super::SetupError::Executable)?;
        let spec = serde_json::to_string(settings)
            .map_err(|e| super::SetupError::Executable(io::Error::other(e)))?;
        let first = spawn_worker(&exe, &spec, memory_limit(settings)).ok();
        let local = super::Processor::from_settings(settings)?;
        let pool = Pool::new(exe, settings, local).map_err(super::SetupError::Executable)?;
        if let (Some(worker), Ok(mut idle)) = (first, pool.idle.lock()) {
            idle.push(worker);
        }
        Ok(pool)
    }

    /// The in-process processor, for work that needs no stackwalking
    /// (re-signing a stored processed crash).
    pub fn local(&self) -> &Processor {
        &self.fallback
    }

    fn spawn(&self) -> io::Result<Worker> {
        spawn_worker(&self.exe, &self.spec, self.memory_limit)
    }

    /// Processes one crash in a worker, within the time and memory limits.
    pub fn process(&self, id: Option<&CrashId>, raw: &RawCrash, dumps: &Dumps) -> ProcessedCrash {
        let processed = self.process_json(id, raw, dumps, &[]);
        match serde_json::from_slice::<Value>(&processed.json) {
            Ok(Value::Object(pc)) => pc,
            // process_json only returns what parsed as an object.
            _ => self
                .fallback
                .failed(
                    id,
                    raw,
                    dumps,
                    WORKER_DIED_STATUS,
                    "the worker's answer is not a processed crash",
                )
                .into_map(),
        }
    }

    /// Processes one crash like [`Pool::process`], and gives the processed
    /// crash as the JSON the worker wrote (what storage keeps, byte for
    /// byte) with the few fields callers look at: a large crash is never
    /// parsed into maps here only to be written out again. `history` is
    /// the crash's `processor_history` (its earlier runs, when reprocessed).
    pub fn process_json(
        &self,
        id: Option<&CrashId>,
        raw: &RawCrash,
        dumps: &Dumps,
        history: &[Value],
    ) -> ProcessedJson {
        let fallback = |status: &str, note: &str| {
            let mut pc = self.fallback.failed(id, raw, dumps, status, note);
            pc.set_history(history.to_vec());
            ProcessedJson::of(&pc)
        };
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut worker = match idle.map_or_else(|| self.spawn(), Ok) {
            Ok(w) => w,
            Err(e) => {
                return fallback(
                    WORKER_DIED_STATUS,
                    &format!("cannot start a processing worker: {e}"),
                );
            }
        };
        if let Err(e) = send(&mut worker.stdin, id, raw, dumps, history) {
            let note = self.died(worker, id, &format!("sending the crash: {e}"));
            return fallback(WORKER_DIED_STATUS, &note);
        }
        match worker.answers.recv_timeout(self.timeout) {
            // The worker's own JSON, whole (all its bytes came): an object.
            Ok(Ok(answer)) if answer.json.starts_with(b"{") && answer.json.ends_with(b"}") => {
                if let Ok(mut idle) = self.idle.lock() {
                    idle.push(worker);
                }
                ProcessedJson {
                    json: answer.json.into(),
                    summary: answer.summary,
                }
            }
            Ok(Ok(_)) => {
                let what = "the worker's answer is not a processed crash";
                fallback(WORKER_DIED_STATUS, &self.died(worker, id, what))
            }
            Err(RecvTimeoutError::Timeout) => {
                drop(worker); // kills it
                warn!(
                    crash_id = id.map_or("-", CrashId::as_str),
                    "processing timed out; worker killed"
                );
                fallback(
                    TIMEOUT_STATUS,
                    &format!(
                        "processing took longer than {} s; the worker was stopped",
                        self.timeout.as_secs()
                    ),
                )
            }
            Ok(Err(e)) => fallback(WORKER_DIED_STATUS, &self.died(worker, id, &e.to_string())),
            Err(RecvTimeoutError::Disconnected) => {
                fallback(WORKER_DIED_STATUS, &self.died(worker, id, "no answer"))
            }
        }
    }

    /// Reaps a dead (or useless) worker; the note for its crash.
    fn died(&self, mut worker: Worker, id: Option<&CrashId>, what: &str) -> String {
        let _ = worker.child.kill();
        let status = worker
            .child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        let limit = self.memory_limit.map_or_else(String::new, |l| {
            format!("; the memory limit is {} MiB", l >> 20)
        });
        warn!(
            crash_id = id.map_or("-", CrashId::as_str),
            "processing worker died: {what} ({status})"
        );
        format!("the processing worker died ({status}): {what}{limit}")
    }
}

/// The address-space limit of the workers, if any.
fn memory_limit(settings: &ProcessSettings) -> Option<u64> {
    (settings.memory_limit_mb > 0).then(|| settings.memory_limit_mb.saturating_mul(1 << 20))
}

/// Starts `exe process-worker spec`, under `memory_limit`.
fn spawn_worker(
    exe: &std::path::Path,
    spec: &str,
    memory_limit: Option<u64>,
) -> io::Result<Worker> {
    let mut cmd = Command::new(exe);
    cmd.arg("process-worker")
        .arg(spec)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(limit) = memory_limit {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let rl = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("no worker stdin"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no worker stdout"))?;
    let (tx, answers) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let result = read_answer(&mut reader);
            let stop = result.is_err();
            if tx.send(result).is_err() || stop {
                break;
            }
        }
    });
    Ok(Worker {
        child,
        stdin,
        answers,
    })
}

/// A worker's answer for one crash: a line `{"bytes": N, "summary": …}`,
/// then the processed crash's N bytes of JSON and a newline.
struct Answer {
    summary: Summary,
    json: Vec<u8>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AnswerHeader {
    bytes: usize,
    summary: Summary,
}

/// A processed crash larger than this is not a worker's answer.
const MAX_ANSWER_BYTES: usize = 1 << 30;

/// Writes an answer for the supervisor to read.
pub fn write_answer(out: &mut dyn Write, summary: Summary, json: &[u8]) -> io::Result<()> {
    let header = AnswerHeader {
        bytes: json.len(),
        summary,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    out.write_all(json)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Reads one whole answer; the end of input, even within one, is an
/// error (the worker exited, perhaps while writing).
fn read_answer(reader: &mut impl BufRead) -> io::Result<Answer> {
    let exited = || io::Error::new(io::ErrorKind::UnexpectedEof, "worker exited");
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        return Err(exited());
    }
    let header: AnswerHeader =
        serde_json::from_slice(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    if header.bytes > MAX_ANSWER_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("an answer of {} bytes", header.bytes),
        ));
    }
    // Sized once: the whole crash is read into it without regrowing.
    let mut json = vec![0; header.bytes + 1];
    reader.read_exact(&mut json).map_err(|_| exited())?;
    if json.pop() != Some(b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "an answer without its newline",
        ));
    }
    Ok(Answer {
        summary: header.summary,
        json,
    })
}

/// The fields of a processed crash that callers of the pool look at.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub success: Option<Value>,
    #[serde(default)]
    pub signature: Option<Value>,
    #[serde(default)]
    pub mdsw_status_string: Option<Value>,
}

impl Summary {
    /// The summary of a processed crash just built.
    pub fn of(pc: &Processed) -> Summary {
        let field = |k: &str| pc.get(k).cloned();
        Summary {
            success: field("success"),
            signature: field("signature"),
            mdsw_status_string: field("mdsw_status_string"),
        }
    }

    /// Whether the minidump was stackwalked (`mdsw_status_string` OK).
    /// Socorro's `success` says only that every rule ran, which it always
    /// does; a crash whose dump could not be walked is what callers count
    /// as failed.
    pub fn stackwalked(&self) -> bool {
        self.status() == Some("OK")
    }

    pub fn signature(&self) -> Option<&str> {
        self.signature.as_ref().and_then(Value::as_str)
    }

    pub fn status(&self) -> Option<&str> {
        self.mdsw_status_string.as_ref().and_then(Value::as_str)
    }
}

/// A processed crash as JSON (compact, keys sorted: what storage keeps),
/// with its [`Summary`].
#[derive(Debug, Clone)]
pub struct ProcessedJson {
    pub json: bytes::Bytes,
    pub summary: Summary,
}

impl ProcessedJson {
    /// The JSON of a processed crash built here.
    pub fn of(pc: &Processed) -> ProcessedJson {
        ProcessedJson {
            json: pc.to_json().into(),
            summary: Summary::of(pc),
        }
    }

    /// The JSON of a processed crash read and amended here (re-signed).
    pub fn of_map(pc: &ProcessedCrash) -> ProcessedJson {
        // Maps are BTreeMaps, so keys come out sorted, as the workers write them.
        let json = serde_json::to_vec(pc)
            .expect("JSON values always serialize")
            .into();
        let field = |k: &str| pc.get(k).cloned();
        ProcessedJson {
            json,
            summary: Summary {
                success: field("success"),
                signature: field("signature"),
                mdsw_status_string: field("mdsw_status_string"),
            },
        }
    }
}

/// The request: one JSON line `{"id", "raw", "dumps": [[name, len], …],
/// "history"}`, then the dumps' bytes back to back.
fn send(
    w: &mut ChildStdin,
    id: Option<&CrashId>,
    raw: &RawCrash,
    dumps: &Dumps,
    history: &[Value],
) -> io::Result<()> {
    let sizes: Vec<(&String, usize)> = dumps.iter().map(|(n, b)| (n, b.len())).collect();
    let header = json!({
        "id": id.map(CrashId::as_str), "raw": raw, "dumps": sizes, "history": history,
    });
    // Built first, written at once: the pipe is not buffered.
    let mut line = serde_json::to_vec(&header).map_err(io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    for bytes in dumps.values() {
        w.write_all(bytes)?;
    }
    w.flush()
}

/// One request, as the worker reads it.
pub struct Request {
    pub id: Option<CrashId>,
    pub raw: RawCrash,
    pub dumps: Dumps,
    /// The crash's `processor_history`.
    pub history: Vec<Value>,
}

/// One request as the worker reads it; `None` at the end of input.
pub fn receive(r: &mut dyn BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    #[derive(serde::Deserialize)]
    struct Header {
        id: Option<CrashId>,
        raw: RawCrash,
        dumps: Vec<(String, usize)>,
        #[serde(default)]
        history: Vec<Value>,
    }
    let header: Header = serde_json::from_str(&line).map_err(io::Error::other)?;
    let mut dumps = Dumps::new();
    for (name, len) in header.dumps {
        let mut bytes = vec![0; len];
        r.read_exact(&mut bytes)?;
        dumps.insert(name, bytes.into());
    }
    Ok(Some(Request {
        id: header.id,
        raw: header.raw,
        dumps,
        history: header.history,
    }))
}
