//! The processing queue: crash ids from the collector (and `reprocess`) to
//! processing workers, at least once, without loops.
//!
//! Three named queues are pulled in order: priority, standard,
//! reprocessing. A pulled message is leased to one consumer; it is acked
//! after its processed crash is saved, and a lease that runs out makes it
//! deliverable again, with its delivery count raised. A message delivered
//! more times than a worker allows goes to the dead-letter list instead of
//! round again, so a poison crash can never loop. Backends: [`Spool`] (a
//! directory, the embedded default) and [`RedisQueue`] (Redis Streams with a
//! consumer group), both passing `conformance.rs`.

mod redis;
mod spool;

#[cfg(test)]
mod conformance;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::crash_id::CrashId;

pub use self::redis::RedisQueue;
pub use spool::Spool;

/// The three queues, in the order workers pull them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    Priority,
    Standard,
    Reprocessing,
}

impl QueueName {
    pub const ALL: [QueueName; 3] = [
        QueueName::Priority,
        QueueName::Standard,
        QueueName::Reprocessing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Priority => "priority",
            QueueName::Standard => "standard",
            QueueName::Reprocessing => "reprocessing",
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Version of the message format.
pub const MESSAGE_VERSION: u32 = 1;

/// What a queue carries: a crash id and, for reprocessing, a ruleset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub v: u32,
    pub crash_id: CrashId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
}

impl Message {
    pub fn new(crash_id: CrashId, ruleset: Option<String>) -> Message {
        Message {
            v: MESSAGE_VERSION,
            crash_id,
            ruleset,
        }
    }

    /// The body as stored in the queue.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("messages serialize")
    }
}

/// One pulled message, leased to this consumer until acked, nacked or expired.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub queue: QueueName,
    /// The body as published: a [`Message`] as JSON, or anything else.
    pub body: String,
    /// How many times the message has been delivered, this time included.
    pub deliveries: u32,
    /// Backend token for ack and nack.
    pub receipt: String,
}

impl Delivery {
    /// The message, if the body is one. Socorro's queues carry a literal
    /// `test` message to check the pipeline; it is not a message.
    pub fn message(&self) -> Option<Message> {
        serde_json::from_str(&self.body).ok().or_else(|| {
            CrashId::parse(self.body.trim())
                .ok()
                .map(|id| Message::new(id, None))
        })
    }

    /// Whether this is the literal test message, to be acked and dropped.
    pub fn is_test(&self) -> bool {
        self.body.trim() == "test"
    }
}

/// A queue failure.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue {url:?}: {message}")]
    InvalidUrl { url: String, message: String },
    #[error("queue I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A Redis failure; `transient` when the server could not be reached
    /// or did not answer (a restart, a network fault), so trying again
    /// later can succeed.
    #[error("redis: {message}")]
    Redis { message: String, transient: bool },
}

impl QueueError {
    /// Whether the failure may pass by itself (see [`QueueError::Redis`]).
    pub fn is_transient(&self) -> bool {
        match self {
            QueueError::Redis { transient, .. } => *transient,
            QueueError::Io(e) => matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::StorageFull
            ),
            QueueError::InvalidUrl { .. } => false,
        }
    }

    /// Whether the queue's location itself is wrong (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, QueueError::InvalidUrl { .. })
    }
}

pub type Result<T, E = QueueError> = std::result::Result<T, E>;

/// The queue contract both backends fulfil.
#[async_trait]
pub trait Queue: Send + Sync + fmt::Debug {
    /// Adds a body to a queue.
    async fn publish_raw(&self, queue: QueueName, body: &str) -> Result<()>;
    /// Leases up to `max` messages for `lease`, priority first, then
    /// standard, then reprocessing. Every consumer of a queue uses the same
    /// lease (Redis applies it as the idle time after which another
    /// consumer may take a message over).
    async fn pull(&self, max: usize, lease: Duration) -> Result<Vec<Delivery>>;
    /// Removes a delivered message for good. Acking twice is harmless.
    async fn ack(&self, delivery: &Delivery) -> Result<()>;
    /// Gives a message back for redelivery now.
    async fn nack(&self, delivery: &Delivery) -> Result<()>;
    /// Gives a message back for redelivery after `delay` (at most the
    /// `lease` its consumers use), without counting this delivery: for a
    /// failure that says nothing about the crash (a storage outage), so
    /// that waiting it out never dead-letters a healthy crash.
    async fn retry_later(
        &self,
        delivery: &Delivery,
        delay: Duration,
        lease: Duration,
    ) -> Result<()>;
    /// Moves a message to the dead-letter list (and acks it).
    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> Result<()>;
    /// Messages waiting or leased in a queue.
    async fn backlog(&self, queue: QueueName) -> Result<u64>;
    /// The dead-letter list's bodies.
    async fn dead_letters(&self) -> Result<Vec<String>>;
    /// Where the queue is, for messages.
    fn location(&self) -> String;
}

/// Publishes a crash id.
pub async fn publish(queue: &dyn Queue, name: QueueName, message: &Message) -> Result<()> {
    queue.publish_raw(name, &message.encode()).await
}

/// Opens the queue a URL names: `redis://host:port/db`, or a spool directory
/// (a path or `file:///path`).
pub async fn open(url: &str) -> Result<Box<dyn Queue>> {
    let url = url.trim();
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        Ok(Box::new(RedisQueue::connect(url).await?))
    } else if let Some(path) = url.strip_prefix("file://") {
        Ok(Box::new(Spool::open(path)?))
    } else if url.contains("://") || url.is_empty() {
        Err(QueueError::InvalidUrl {
            url: url.into(),
            message: "use a spool directory path, file:///path or redis://host:port/db".into(),
        })
    } else {
        Ok(Box::new(Spool::open(url)?))
    }
}
