//! Redis Streams: the scale-out queue.
//!
//! One stream per queue (`<prefix>:queue:<name>`) with one consumer group
//! shared by all workers; each worker process is its own consumer. A pull
//! first takes over messages whose lease ran out (`XAUTOCLAIM` with the
//! lease as minimum idle time), then reads new ones (`XREADGROUP`); an ack
//! is `XACK` plus `XDEL`, after the processed crash is saved. Delivery
//! counts come from `XPENDING`. Dead letters go to `<prefix>:dead`.
//! URL: `redis://host:port/db`, optionally `?prefix=NAME` (default `crashkit`).

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamPendingCountReply, StreamReadReply};
use redis::{AsyncCommands, Value};

use super::{Delivery, Queue, QueueError, QueueName, Result};

const GROUP: &str = "crashkit-workers";

/// A queue in Redis Streams.
pub struct RedisQueue {
    conn: ConnectionManager,
    prefix: String,
    consumer: String,
    url: String,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn redis_err(e: redis::RedisError) -> QueueError {
    let transient = e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || matches!(e.code(), Some("LOADING" | "TRYAGAIN" | "MASTERDOWN"));
    QueueError::Redis {
        message: e.to_string(),
        transient,
    }
}

/// Acks and give-backs are idempotent, so they are retried through a
/// passing fault (a restart, a failover) for up to this long; the rest are
/// not, and their callers decide.
const IDEMPOTENT_RETRY: Duration = Duration::from_secs(30);

/// Runs an idempotent command until it succeeds, fails for good, or
/// [`IDEMPOTENT_RETRY`] has passed.
async fn idempotent<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    crate::retry::run(
        crate::retry::Policy::with_deadline(IDEMPOTENT_RETRY),
        || {
            let fut = attempt();
            async move {
                fut.await.map_err(|e| {
                    if e.is_transient() {
                        crate::retry::Verdict::Retry(e, None)
                    } else {
                        crate::retry::Verdict::Fail(e)
                    }
                })
            }
        },
    )
    .await
}

impl RedisQueue {
    /// Connects and makes sure every stream and the consumer group exist.
    pub async fn connect(url: &str) -> Result<RedisQueue> {
        let (base, prefix) = match url.split_once("?prefix=") {
            Some((b, p)) if !p.is_empty() => (b, p.to_owned()),
            _ => (url, "crashkit".to_owned()),
        };
        let client = redis::Client::open(base).map_err(|e| QueueError::InvalidUrl {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(30)))
            .set_number_of_retries(5);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(redis_err)?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        let queue = RedisQueue {
            conn,
            prefix,
            consumer: format!(
                "{host}-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            url: base.to_owned(),
        };
        for q in QueueName::ALL {
            let created: redis::RedisResult<Value> = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(queue.key(q))
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM")
                .query_async(&mut queue.conn.clone())
                .await;
            if let Err(e) = created {
                if e.code() != Some("BUSYGROUP") {
                    return Err(redis_err(e));
                }
            }
        }
        Ok(queue)
    }

    /// Claims a delivered message back for this consumer, as idle for
    /// `idle_ms`, with its delivery count set to `retry_count` if given.
    async fn reclaim(
        &self,
        delivery: &Delivery,
        idle_ms: u64,
        retry_count: Option<u32>,
    ) -> Result<()> {
        idempotent(|| async {
            let mut cmd = redis::cmd("XCLAIM");
            cmd.arg(self.key(delivery.queue))
                .arg(GROUP)
                .arg(&self.consumer)
                .arg(0)
                .arg(&delivery.receipt)
                .arg("IDLE")
                .arg(idle_ms);
            if let Some(count) = retry_count {
                cmd.arg("RETRYCOUNT").arg(count);
            }
            let _: Value = cmd
                .arg("JUSTID")
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            Ok(())
        })
        .await
    }

    fn key(&self, q: QueueName) -> String {
        format!("{}:queue:{}", self.prefix, q.as_str())
    }

    fn dead_key(&self) -> String {
        format!("{}:dead", self.prefix)
    }

    async fn delivery_count(&self, q: QueueName, id: &str) -> Result<u32> {
        let reply: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(self.key(q))
            .arg(GROUP)
            .arg(id)
            .arg(id)
            .arg(1)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(reply.ids.first().map_or(1, |p| p.times_delivered as u32))
    }
}

fn body_of(map: &std::collections::HashMap<String, Value>) -> String {
    match map.get("body") {
        Some(v) => redis::from_redis_value_ref::<String>(v).unwrap_or_default(),
        None => String::new(),
    }
}

#[async_trait]
impl Queue for RedisQueue {
    async fn publish_raw(&self, queue: QueueName, body: &str) -> Result<()> {
        let _: String = self
            .conn
            .clone()
            .xadd(self.key(queue), "*", &[("body", body)])
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    async fn pull(&self, max: usize, lease: Duration) -> Result<Vec<Delivery>> {
        let mut out = Vec::new();
        let lease_ms = lease.as_millis().max(1) as u64;
        for q in QueueName::ALL {
            if out.len() >= max {
                break;
            }
            // Messages whose lease ran out come back first.
            let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(self.key(q))
                .arg(GROUP)
                .arg(&self.consumer)
                .arg(lease_ms)
                .arg("0-0")
                .arg("COUNT")
                .arg(max - out.len())
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            for entry in claimed.claimed {
                let deliveries = self.delivery_count(q, &entry.id).await?;
                out.push(Delivery {
                    queue: q,
                    body: body_of(&entry.map),
                    deliveries,
                    receipt: entry.id,
                });
            }
            if out.len() >= max {
                break;
            }
            let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(&self.consumer)
                .arg("COUNT")
                .arg(max - out.len())
                .arg("STREAMS")
                .arg(self.key(q))
                .arg(">")
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            for key in reply.map(|r| r.keys).unwrap_or_default() {
                for entry in key.ids {
                    out.push(Delivery {
                        queue: q,
                        body: body_of(&entry.map),
                        deliveries: 1,
                        receipt: entry.id,
                    });
                }
            }
        }
        Ok(out)
    }

    async fn ack(&self, delivery: &Delivery) -> Result<()> {
        let key = self.key(delivery.queue);
        idempotent(|| async {
            let mut conn = self.conn.clone();
            let _: i64 = conn
                .xack(&key, GROUP, &[&delivery.receipt])
                .await
                .map_err(redis_err)?;
            let _: i64 = conn
                .xdel(&key, &[&delivery.receipt])
                .await
                .map_err(redis_err)?;
            Ok(())
        })
        .await
    }

    async fn nack(&self, delivery: &Delivery) -> Result<()> {
        // Make it look long idle, so the next XAUTOCLAIM takes it at once.
        self.reclaim(delivery, u64::from(u32::MAX), None).await
    }

    async fn retry_later(
        &self,
        delivery: &Delivery,
        delay: Duration,
        lease: Duration,
    ) -> Result<()> {
        // Idle for lease - delay: XAUTOCLAIM (lease as minimum idle) takes
        // it again after `delay`. RETRYCOUNT undoes this delivery's count.
        let idle = lease.saturating_sub(delay).as_millis() as u64;
        let count = delivery.deliveries.saturating_sub(1);
        self.reclaim(delivery, idle, Some(count)).await
    }

    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> Result<()> {
        let deliveries = delivery.deliveries.to_string();
        let fields = [
            ("body", delivery.body.as_str()),
            ("queue", delivery.queue.as_str()),
            ("deliveries", deliveries.as_str()),
            ("reason", reason),
        ];
        let _: String = self
            .conn
            .clone()
            .xadd(self.dead_key(), "*", &fields)
            .await
            .map_err(redis_err)?;
        self.ack(delivery).await
    }

    async fn backlog(&self, queue: QueueName) -> Result<u64> {
        let len: u64 = self
            .conn
            .clone()
            .xlen(self.key(queue))
            .await
            .map_err(redis_err)?;
        Ok(len)
    }

    async fn dead_letters(&self) -> Result<Vec<String>> {
        let reply: redis::streams::StreamRangeReply = self
            .conn
            .clone()
            .xrange_all(self.dead_key())
            .await
            .map_err(redis_err)?;
        Ok(reply.ids.iter().map(|e| body_of(&e.map)).collect())
    }

    fn location(&self) -> String {
        format!("{} (prefix {})", self.url, self.prefix)
    }
}
