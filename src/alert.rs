//! `crashkit alert`: runs the emerging-crash detector for each `[[alert]]`
//! rule and POSTs what is new to the rule's webhook.
//!
//! What each rule sent is remembered beside the index (its facts' state,
//! key `alert.<name>`): a signature is sent again for a rule only when it
//! comes back with the other kind, or after the rule's `days` plus
//! `baseline_days` have passed since it was sent. A webhook that answers
//! 5xx or 429, or does not answer in time, is retried; one that answers
//! another 4xx is not. Nothing is remembered for a payload that was not
//! delivered, so the next run sends it again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use crate::alert_rules::{Payload, Rule, Rules, Wanted};
use crate::retry::{self, Policy, Verdict};
use crate::search::emerging::{self, Kind, Report, Row};
use crate::search::{SearchError, SearchIndex};

/// Why a rule could not run or deliver.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The webhook's `${NAME}` cannot be filled in.
    #[error("webhook: {0}")]
    Secret(String),
    /// The webhook refused the payload, or kept failing until the deadline.
    #[error("webhook: {0}")]
    Webhook(String),
}

/// What one rule did.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing new to say.
    Quiet,
    /// Sent these signatures.
    Fired(Vec<Row>),
    Failed(AlertError),
}

/// One signature a rule has sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sent {
    signature: String,
    kind: Kind,
    at: DateTime<Utc>,
}

/// How webhooks are called.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub client: reqwest::Client,
    pub policy: Policy,
}

impl Delivery {
    /// A client with a 10 s time limit per request, retried for a minute.
    pub fn new() -> Result<Delivery, AlertError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("crashkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AlertError::Webhook(e.to_string()))?;
        Ok(Delivery {
            client,
            policy: Policy::with_deadline(Duration::from_secs(60)),
        })
    }
}

fn state_key(rule: &Rule) -> String {
    format!("alert.{}", rule.name)
}

/// Runs `rule` at `now`: detects, keeps what is new for it, sends it.
pub async fn run_rule(
    index: &dyn SearchIndex,
    rule: &Rule,
    delivery: &Delivery,
    env: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Outcome {
    match try_rule(index, rule, delivery, env, now).await {
        Ok(rows) if rows.is_empty() => Outcome::Quiet,
        Ok(rows) => Outcome::Fired(rows),
        Err(e) => Outcome::Failed(e),
    }
}

async fn try_rule(
    index: &dyn SearchIndex,
    rule: &Rule,
    delivery: &Delivery,
    env: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, AlertError> {
    let url = crate::alert_rules::expand(&rule.webhook, env).map_err(AlertError::Secret)?;
    let mut report = emerging::report(
        index,
        &emerging::Request {
            product: rule.product.clone(),
            days: rule.days,
            baseline_days: rule.baseline_days,
            min_count: rule.min_count,
            filters: Vec::new(),
            now,
            time_limit: None,
        },
    )
    .await?;
    let remember = chrono::Duration::days(rule.days + rule.baseline_days);
    let mut sent: Vec<Sent> = match index.facts().state(&state_key(rule)).await? {
        // A memory that cannot be read is started again (at worst, a
        // signature is sent twice), not a reason to stay silent.
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Vec::new(),
    };
    sent.retain(|s| now - s.at < remember);
    report.signatures.retain(|row| {
        let wanted = match rule.kind {
            Wanted::Any => true,
            Wanted::New => row.kind == Kind::New,
            Wanted::Growing => row.kind == Kind::Growing,
        };
        wanted
            && row.installs >= rule.min_installs
            && !sent
                .iter()
                .any(|s| s.signature == row.signature && s.kind == row.kind)
    });
    if report.signatures.is_empty() {
        return Ok(Vec::new());
    }
    let body = match rule.payload {
        Payload::Json => json_payload(rule, &report),
        Payload::Slack => slack_payload(rule, &report),
    };
    post(delivery, &url, &body).await?;
    sent.extend(report.signatures.iter().map(|row| Sent {
        signature: row.signature.clone(),
        kind: row.kind,
        at: now,
    }));
    let text = serde_json::to_string(&sent).expect("sent records serialize");
    index.facts().set_state(&state_key(rule), &text).await?;
    Ok(report.signatures)
}

/// The report of what is new for `rule`, with the rule's name.
fn json_payload(rule: &Rule, report: &Report) -> Value {
    let mut body = serde_json::to_value(report).expect("reports serialize");
    body["rule"] = json!(rule.name);
    body
}

/// Slack's text escapes.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One message of Slack's `mrkdwn`: a heading, then a line per signature.
fn slack_payload(rule: &Rule, report: &Report) -> Value {
    let mut text = format!(
        "*{} emerging signature{} of {}* (alert {}; window {} to {})",
        report.signatures.len(),
        if report.signatures.len() == 1 {
            ""
        } else {
            "s"
        },
        slack_escape(&report.product),
        slack_escape(&rule.name),
        report.window.from.get(..10).unwrap_or(&report.window.from),
        report.window.to.get(..10).unwrap_or(&report.window.to),
    );
    for row in report.signatures.iter().take(SLACK_ROWS) {
        let growth = row
            .ratio
            .map(|r| format!(", {r:.1}x its share"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n• {} `{}`: {} crashes, {} installs{growth}, score {:.1}, versions {}",
            row.kind.as_str(),
            slack_escape(&row.signature).replace('`', "'"),
            row.count,
            row.installs,
            row.score,
            slack_escape(&row.versions.join(", ")),
        ));
    }
    if report.signatures.len() > SLACK_ROWS {
        text.push_str(&format!(
            "\n… and {} more (`crashkit query --emerging --product {}` lists them)",
            report.signatures.len() - SLACK_ROWS,
            slack_escape(&report.product).replace('`', "'"),
        ));
    }
    json!({ "text": text })
}

/// Signatures listed in one Slack message; the others are counted.
const SLACK_ROWS: usize = 20;

async fn post(delivery: &Delivery, url: &str, body: &Value) -> Result<(), AlertError> {
    // The URL may hold a secret: messages name its host only.
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    retry::run(delivery.policy, || async {
        let sent = delivery
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                let status = answer.status();
                let message = format!("{host} answered {status}");
                if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    Err(Verdict::Retry(
                        AlertError::Webhook(message),
                        retry::retry_after(answer.headers()),
                    ))
                } else {
                    Err(Verdict::Fail(AlertError::Webhook(message)))
                }
            }
            Err(e) => Err(Verdict::Retry(
                AlertError::Webhook(format!("{host}: {}", e.without_url())),
                None,
            )),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::emerging::Period;

    fn report() -> Report {
        let period = || Period {
            from: "2026-11-29T12:00:00.000000+00:00".into(),
            to: "2026-12-06T12:00:00.000000+00:00".into(),
            crashes: 10,
            installs: 9,
        };
        Report {
            product: "Firefox".into(),
            window: period(),
            baseline: period(),
            unit: "installs",
            tested: 3,
            signatures: vec![Row {
                signature: "Foo<T> & Bar".into(),
                kind: Kind::New,
                count: 12,
                baseline_count: 0,
                ratio: None,
                installs: 11,
                first_seen: None,
                versions: vec!["141.0".into()],
                score: 4.5,
            }],
        }
    }

    #[test]
    fn slack_messages_escape_and_list_each_signature() {
        let rule = Rules::default();
        assert!(rule.0.is_empty());
        let rule = Rule {
            name: "ff".into(),
            product: "Firefox".into(),
            kind: Wanted::Any,
            min_count: 5,
            min_installs: 0,
            webhook: "https://x/".into(),
            payload: Payload::Slack,
            days: 7,
            baseline_days: 28,
        };
        let mut long = report();
        long.signatures = (0..25)
            .map(|i| Row {
                signature: format!("s{i}"),
                ..report().signatures[0].clone()
            })
            .collect();
        let text = slack_payload(&rule, &long)["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(text.lines().count(), 1 + SLACK_ROWS + 1, "{text}");
        assert!(text
            .ends_with("… and 5 more (`crashkit query --emerging --product Firefox` lists them)"));
        let body = slack_payload(&rule, &report());
        assert_eq!(
            body["text"],
            "*1 emerging signature of Firefox* (alert ff; window 2026-11-29 to 2026-12-06)\n\
             • new `Foo&lt;T&gt; &amp; Bar`: 12 crashes, 11 installs, score 4.5, versions 141.0"
        );
        let body = json_payload(&rule, &report());
        assert_eq!(body["rule"], "ff");
        assert_eq!(body["signatures"][0]["kind"], "new");
        assert_eq!(body["window"]["from"], "2026-11-29T12:00:00.000000+00:00");
    }
}
