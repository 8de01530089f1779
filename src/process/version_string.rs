//! `BetaVersionRule`'s lookup: the real version of a beta or aurora build,
//! from a Crash Stats `VersionString` API (`process.version_string_api`,
//! Socorro's `BETAVERSIONRULE_VERSION_STRING_API`).
//!
//! Firefox and Thunderbird send `147.0` from a beta build; Crash Stats
//! knows it as `147.0b3`. Answers are cached as Socorro caches them: a
//! found version for 24 hours, "not known" for 30 minutes, at most 5,000
//! entries. A request that keeps failing (timeouts, 5xx) is retried within
//! a deadline; then the rule fails for that crash with a note, and nothing
//! is cached, so the next crash asks again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::retry::{self, Policy, Verdict};

const MAX_ENTRIES: usize = 5_000;
const FOUND_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const NOT_FOUND_TTL: Duration = Duration::from_secs(30 * 60);

/// What a lookup said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The real version.
    Found(String),
    /// The API does not know the build (yet).
    Unknown,
    /// The API could not be asked (it kept failing).
    Failed,
}

/// Looks up and caches real beta versions.
pub struct VersionStrings {
    url: String,
    client: reqwest::Client,
    cache: Mutex<HashMap<String, (Option<String>, Instant)>>,
}

impl VersionStrings {
    /// A lookup against the `VersionString` API at `url`.
    pub fn new(url: &str, timeout: Duration) -> Result<VersionStrings, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(VersionStrings {
            url: url.to_owned(),
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The real version of `product`'s build `build_id` on `channel`.
    pub async fn lookup(&self, product: &str, channel: &str, build_id: &str) -> Answer {
        let key = format!("{product}:{channel}:{build_id}");
        if let Some((answer, expires)) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            if expires > Instant::now() {
                return answer.map_or(Answer::Unknown, Answer::Found);
            }
        }
        let policy = Policy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            deadline: Duration::from_secs(10),
        };
        let query = [
            ("product", product),
            ("channel", channel),
            ("build_id", build_id),
        ];
        let result = retry::run(policy, || async {
            let response = self
                .client
                .get(&self.url)
                .query(&query)
                .send()
                .await
                .map_err(|e| Verdict::Retry(e.to_string(), None))?;
            let status = response.status();
            if status.is_server_error() || status.as_u16() == 429 {
                let wait = retry::retry_after(response.headers());
                return Err(Verdict::Retry(format!("HTTP {status}"), wait));
            }
            if !status.is_success() {
                // Socorro reads any other answer as "no versions".
                return Ok(None);
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| Verdict::Retry(e.to_string(), None))?;
            // An answer that is not JSON is read as "no versions".
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            Ok(body["hits"][0]["version_string"]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_owned))
        })
        .await;
        match result {
            Ok(version) => {
                let ttl = if version.is_some() {
                    FOUND_TTL
                } else {
                    NOT_FOUND_TTL
                };
                if let Ok(mut cache) = self.cache.lock() {
                    if cache.len() >= MAX_ENTRIES {
                        let now = Instant::now();
                        cache.retain(|_, (_, expires)| *expires > now);
                        if cache.len() >= MAX_ENTRIES {
                            cache.clear();
                        }
                    }
                    cache.insert(key, (version.clone(), Instant::now() + ttl));
                }
                version.map_or(Answer::Unknown, Answer::Found)
            }
            Err(e) => {
                tracing::warn!("VersionString lookup at {} failed: {e}", self.url);
                Answer::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A VersionString API that answers 503 first, then `body` with 200,
    /// counting the requests it gets.
    async fn api(body: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/api/VersionString/",
            listener.local_addr().unwrap()
        );
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let answer = if n == 0 {
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else {
                    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
                };
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        (url, count)
    }

    #[tokio::test]
    async fn a_passing_fault_is_retried_and_answers_are_cached() {
        let (url, count) = api(r#"{"hits": [{"version_string": "147.0b3"}], "total": 1}"#).await;
        let lookup = VersionStrings::new(&url, Duration::from_secs(5)).unwrap();
        let answer = lookup.lookup("Firefox", "beta", "20261120101010").await;
        assert_eq!(answer, Answer::Found("147.0b3".into()));
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "one 503, one answer"
        );
        let again = lookup.lookup("Firefox", "beta", "20261120101010").await;
        assert_eq!(again, answer);
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "the second came from the cache"
        );
    }

    #[tokio::test]
    async fn no_hits_is_unknown_and_no_server_is_a_failure() {
        let (url, _) = api(r#"{"hits": [], "total": 0}"#).await;
        let lookup = VersionStrings::new(&url, Duration::from_secs(5)).unwrap();
        assert_eq!(lookup.lookup("Firefox", "beta", "1").await, Answer::Unknown);
        let closed = VersionStrings::new(
            "http://127.0.0.1:9/api/VersionString/",
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(closed.lookup("Firefox", "beta", "1").await, Answer::Failed);
    }
}
