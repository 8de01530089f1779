//! A client for a remote Crash Stats API (Socorro's webapp, or
//! `crashkit serve`): `Auth-Token` from `CRASHSTATS_API_TOKEN`, requests
//! retried on connection errors, 429 and 5xx with the shared policy.

use std::time::Duration;

use serde_json::Value;

use crate::retry::{self, Verdict};

/// A Crash Stats failure.
#[derive(Debug, thiserror::Error)]
pub enum CrashStatsError {
    #[error("{url}: {message}")]
    Unavailable { url: String, message: String },
    /// A 4xx: the request or the token is wrong.
    #[error("{url}: HTTP {status}: {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url}: the answer is not JSON: {message}")]
    Malformed { url: String, message: String },
}

/// A Crash Stats instance.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
    policy: retry::Policy,
}

impl Client {
    /// A client of `base` (`https://crash-stats.example.org`), with the
    /// token of `CRASHSTATS_API_TOKEN` when set.
    pub fn new(base: &str) -> Result<Client, CrashStatsError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("crashkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CrashStatsError::Unavailable {
                url: base.to_owned(),
                message: format!("cannot set up the HTTP client: {e}"),
            })?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            token: std::env::var("CRASHSTATS_API_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
            http,
            policy: retry::Policy::with_deadline(Duration::from_secs(120)),
        })
    }

    /// Whether a token was found in `CRASHSTATS_API_TOKEN`.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// `GET /api/SuperSearch/` with Super Search parameters.
    pub async fn super_search(
        &self,
        params: &[(String, String)],
    ) -> Result<Value, CrashStatsError> {
        let url = format!("{}/api/SuperSearch/", self.base);
        let text = self
            .send(&url, || self.http.get(&url).query(params))
            .await?;
        serde_json::from_str(&text).map_err(|e| CrashStatsError::Malformed {
            url,
            message: e.to_string(),
        })
    }

    /// `POST /api/Reprocessing/` with these crash ids (Crash Stats takes
    /// at most 50 at once).
    pub async fn reprocess(&self, ids: &[crate::crash_id::CrashId]) -> Result<(), CrashStatsError> {
        let url = format!("{}/api/Reprocessing/", self.base);
        let body: Vec<String> = ids.iter().map(|id| format!("crash_ids={id}")).collect();
        let body = body.join("&");
        self.send(&url, || {
            self.http
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
        })
        .await
        .map(|_| ())
    }

    /// Sends the request `build` makes, with the token, retrying passing
    /// faults (connection errors, 429, 5xx); the body of a 2xx answer.
    async fn send(
        &self,
        url: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<String, CrashStatsError> {
        retry::run(self.policy, || {
            let mut request = build();
            if let Some(token) = &self.token {
                request = request.header("Auth-Token", token);
            }
            let url = url.to_owned();
            async move {
                let response = request.send().await.map_err(|e| {
                    Verdict::Retry(
                        CrashStatsError::Unavailable {
                            url: url.clone(),
                            message: e.to_string(),
                        },
                        None,
                    )
                })?;
                let status = response.status().as_u16();
                let retry_after = retry::retry_after(response.headers());
                let body = response.text().await.unwrap_or_default();
                match status {
                    200..=299 => Ok(body),
                    429 | 500..=599 => Err(Verdict::Retry(
                        CrashStatsError::Unavailable {
                            url,
                            message: format!("HTTP {status}"),
                        },
                        retry_after,
                    )),
                    _ => Err(Verdict::Fail(CrashStatsError::Refused {
                        url,
                        status,
                        body,
                    })),
                }
            }
        })
        .await
    }
}
