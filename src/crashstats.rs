//! A client for a remote Crash Stats API (Socorro's webapp, or
//! `crashkit serve`): `Auth-Token` from `CRASHSTATS_API_TOKEN`, requests
//! retried on connection errors, 429 and 5xx with the shared policy.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::crash_id::CrashId;
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

impl CrashStatsError {
    /// The HTTP status of a refusal (403: the token lacks a permission,
    /// 404: no such crash or dump).
    pub fn status(&self) -> Option<u16> {
        match self {
            CrashStatsError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// What a refusal says: Crash Stats' `{"error": …}` message, else the
/// body's first 200 characters.
fn error_message(body: &[u8]) -> String {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        if let Some(Value::String(message)) = map.get("error") {
            return message.clone();
        }
    }
    String::from_utf8_lossy(body).chars().take(200).collect()
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
        self.get_json("/api/SuperSearch/", params).await
    }

    /// `GET /api/RawCrash/?crash_id=…&format=meta`: the annotations (public
    /// ones only without a `view_pii` token).
    pub async fn raw_crash(&self, id: &CrashId) -> Result<Map<String, Value>, CrashStatsError> {
        let params = [
            ("crash_id".to_owned(), id.to_string()),
            ("format".to_owned(), "meta".to_owned()),
        ];
        self.get_object("/api/RawCrash/", &params).await
    }

    /// `GET /api/RawCrash/?crash_id=…&format=raw&name=…`: one dump's bytes
    /// (needs `view_rawdump`); `upload_file_minidump` is asked for as `dump`.
    pub async fn dump(&self, id: &CrashId, name: &str) -> Result<Bytes, CrashStatsError> {
        let name = if name == "upload_file_minidump" {
            "dump"
        } else {
            name
        };
        let params = [
            ("crash_id".to_owned(), id.to_string()),
            ("format".to_owned(), "raw".to_owned()),
            ("name".to_owned(), name.to_owned()),
        ];
        let url = format!("{}/api/RawCrash/", self.base);
        self.send(&url, || self.http.get(&url).query(&params)).await
    }

    /// `GET /api/ProcessedCrash/?crash_id=…`.
    pub async fn processed_crash(
        &self,
        id: &CrashId,
    ) -> Result<Map<String, Value>, CrashStatsError> {
        let params = [
            ("crash_id".to_owned(), id.to_string()),
            ("format".to_owned(), "meta".to_owned()),
        ];
        self.get_object("/api/ProcessedCrash/", &params).await
    }

    async fn get_json(
        &self,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Value, CrashStatsError> {
        let url = format!("{}{path}", self.base);
        let body = self
            .send(&url, || self.http.get(&url).query(params))
            .await?;
        serde_json::from_slice(&body).map_err(|e| CrashStatsError::Malformed {
            url,
            message: e.to_string(),
        })
    }

    async fn get_object(
        &self,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Map<String, Value>, CrashStatsError> {
        match self.get_json(path, params).await? {
            Value::Object(map) => Ok(map),
            _ => Err(CrashStatsError::Malformed {
                url: format!("{}{path}", self.base),
                message: "expected a JSON object".into(),
            }),
        }
    }

    /// `POST /api/Reprocessing/` with these crash ids (Crash Stats takes
    /// at most 50 at once).
    pub async fn reprocess(&self, ids: &[CrashId]) -> Result<(), CrashStatsError> {
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
    ) -> Result<Bytes, CrashStatsError> {
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
                let body = match response.bytes().await {
                    Ok(body) => body,
                    // The connection broke while the answer came: a passing fault.
                    Err(e) => {
                        return Err(Verdict::Retry(
                            CrashStatsError::Unavailable {
                                url: url.clone(),
                                message: e.to_string(),
                            },
                            None,
                        ))
                    }
                };
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
                        body: error_message(&body),
                    })),
                }
            }
        })
        .await
    }
}
