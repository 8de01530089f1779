//! One retry policy for clients of remote services: a bounded number of
//! attempts, exponential backoff with full jitter, a cap on any
//! `Retry-After` the server asks for, and one overall deadline after which
//! no new attempt starts.

use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff; it doubles each time up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No attempt starts later than this after the first.
    pub deadline: Duration,
}

impl Policy {
    /// A policy giving up after `deadline`.
    pub fn with_deadline(deadline: Duration) -> Policy {
        Policy {
            attempts: 8,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            deadline,
        }
    }
}

/// Jittered exponential delays: each is drawn from zero to a bound that
/// doubles from `base_delay` up to `max_delay` ("full jitter"). For loops
/// that wait between polls of a backend that failed, as [`run`] does
/// between attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    bound: Duration,
    policy: Policy,
}

impl Backoff {
    pub fn new(policy: Policy) -> Backoff {
        Backoff {
            bound: policy.base_delay,
            policy,
        }
    }

    /// The next delay to wait.
    pub fn next_delay(&mut self) -> Duration {
        let delay = rand::rng().random_range(Duration::ZERO..=self.bound);
        self.bound = (self.bound * 2).min(self.policy.max_delay);
        delay
    }

    /// Starts again from the first delay, after a success.
    pub fn reset(&mut self) {
        self.bound = self.policy.base_delay;
    }
}

/// What an attempt's failure means.
pub enum Verdict<E> {
    /// Worth another try (a timeout, a 429, a 5xx), maybe after the delay
    /// the server asked for.
    Retry(E, Option<Duration>),
    /// Final (a 4xx, a bad request).
    Fail(E),
}

/// The delay a `Retry-After: <seconds>` header asks for.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Runs `attempt` until it succeeds, fails for good, or the policy is
/// exhausted; then returns the last error.
pub async fn run<T, E, F, Fut>(policy: Policy, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Verdict<E>>>,
{
    let started = Instant::now();
    let mut backoff = Backoff::new(policy);
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Verdict::Fail(e)) => return Err(e),
            Err(Verdict::Retry(e, asked)) => {
                let jittered = backoff.next_delay();
                let wait = asked.map_or(jittered, |a| a.min(policy.max_delay));
                if tries >= policy.attempts || started.elapsed() + wait > policy.deadline {
                    return Err(e);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn quick(attempts: u32) -> Policy {
        Policy {
            attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            deadline: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn retries_passing_faults_then_succeeds() {
        let calls = Cell::new(0);
        let out: Result<u32, &str> = run(quick(5), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(Verdict::Retry("busy", Some(Duration::from_secs(3600))))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        // A Retry-After of an hour is capped at max_delay.
        assert_eq!(out, Ok(3));
    }

    #[tokio::test]
    async fn stops_at_a_final_error_or_the_attempt_limit() {
        let calls = Cell::new(0);
        let out: Result<(), &str> = run(quick(5), || {
            calls.set(calls.get() + 1);
            async { Err(Verdict::Fail("bad request")) }
        })
        .await;
        assert_eq!((out, calls.get()), (Err("bad request"), 1));
        let calls = Cell::new(0);
        let out: Result<(), &str> = run(quick(3), || {
            calls.set(calls.get() + 1);
            async { Err(Verdict::Retry("down", None)) }
        })
        .await;
        assert_eq!((out, calls.get()), (Err("down"), 3));
    }
}
