//! `[[alert]]` tables of the configuration: which emerging signatures to
//! tell whom about ([`DOC`] is their reference, in docs/configuration.md).

use std::ops::Range;

/// Which kinds of emerging signature a rule reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    New,
    Growing,
    Any,
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The emerging report's JSON, with the rule's name.
    Json,
    /// `{"text": …}`, as Slack's (and Mattermost's, Rocket.Chat's)
    /// incoming webhooks take it.
    Slack,
}

/// One `[[alert]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub product: String,
    pub kind: Wanted,
    pub min_count: u64,
    pub min_installs: u64,
    /// The URL, with `${NAME}` still to be read from the environment.
    pub webhook: String,
    pub payload: Payload,
    pub days: i64,
    pub baseline_days: i64,
}

/// Every `[[alert]]` table, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules(pub Vec<Rule>);

/// A table that cannot be used: which one (from 0) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub index: usize,
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// The reference of `[[alert]]` tables, for docs/configuration.md.
pub const DOC: &str = r#"
The rules of `crashkit alert` (run it from cron, e.g. hourly), one table
each. For each rule, alert runs the emerging-crash detector (`crashkit
query --emerging`) and POSTs the signatures it has not sent before to the
rule's webhook, one payload per rule:

```toml
[[alert]]
name = "firefox_new"          # keeps the rule's memory of what it sent (default alertN)
product = "Firefox"
kind = "new"                  # new, growing or any (the default)
min_count = 10                # crashes in the window (default 5)
min_installs = 3              # distinct installs in the window (default 0)
webhook = "https://hooks.slack.com/services/${SLACK_HOOK_SECRET}"
payload = "slack"             # json (the default: the emerging report) or slack ({"text": ...})
days = 7                      # the window (default 7)
baseline_days = 28            # the baseline before it (default 28)
```

`${NAME}` in `webhook` is read from the environment when the alert is
sent, so secrets stay out of the file. A signature is sent again for a
rule only when it comes back with the other kind, or after `days +
baseline_days`. Exit status: 0 nothing fired, 1 something fired, 2 a rule
failed (the others still ran).
"#;

const KEYS: [&str; 9] = [
    "name",
    "product",
    "kind",
    "min_count",
    "min_installs",
    "webhook",
    "payload",
    "days",
    "baseline_days",
];

impl Rules {
    pub fn from_toml(array: &toml_edit::ArrayOfTables) -> Result<Rules, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        for (index, table) in array.iter().enumerate() {
            let err = |message: String, key: Option<&str>| RuleError {
                index,
                span: key
                    .and_then(|k| table.key(k))
                    .and_then(|k| k.span())
                    .or_else(|| table.span()),
                message,
            };
            for (key, _) in table.iter() {
                if !KEYS.contains(&key) {
                    return Err(err(
                        format!("unknown key `{key}` (an alert has {})", KEYS.join(", ")),
                        Some(key),
                    ));
                }
            }
            let text = |key: &str| -> Result<Option<String>, RuleError> {
                match table.get(key) {
                    None => Ok(None),
                    Some(item) => item
                        .as_str()
                        .map(|s| Some(s.to_owned()))
                        .ok_or_else(|| err(format!("`{key}` must be a string"), Some(key))),
                }
            };
            let number = |key: &str, default: i64, range: Range<i64>| -> Result<i64, RuleError> {
                match table.get(key) {
                    None => Ok(default),
                    Some(item) => {
                        item.as_integer()
                            .filter(|n| range.contains(n))
                            .ok_or_else(|| {
                                err(
                                    format!(
                                        "`{key}` must be a whole number from {} to {}",
                                        range.start,
                                        range.end - 1
                                    ),
                                    Some(key),
                                )
                            })
                    }
                }
            };
            let name = text("name")?.unwrap_or_else(|| format!("alert{}", index + 1));
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(err(
                    format!("alert name {name:?} must be letters, digits, _ or -"),
                    Some("name"),
                ));
            }
            if rules.iter().any(|r| r.name == name) {
                return Err(err(format!("two alerts are named {name:?}"), Some("name")));
            }
            let product = text("product")?
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| err(format!("alert {name}: needs a `product`"), None))?;
            let kind = match text("kind")?.as_deref() {
                None | Some("any") => Wanted::Any,
                Some("new") => Wanted::New,
                Some("growing") => Wanted::Growing,
                Some(other) => {
                    return Err(err(
                        format!("alert {name}: kind {other:?} is not new, growing or any"),
                        Some("kind"),
                    ))
                }
            };
            let payload = match text("payload")?.as_deref() {
                None | Some("json") => Payload::Json,
                Some("slack") => Payload::Slack,
                Some(other) => {
                    return Err(err(
                        format!("alert {name}: payload {other:?} is not json or slack"),
                        Some("payload"),
                    ))
                }
            };
            let webhook = text("webhook")?
                .ok_or_else(|| err(format!("alert {name}: needs a `webhook` URL"), None))?;
            check_webhook(&webhook)
                .map_err(|m| err(format!("alert {name}: webhook: {m}"), Some("webhook")))?;
            rules.push(Rule {
                product,
                kind,
                min_count: number("min_count", 5, 1..1_000_000_001)? as u64,
                min_installs: number("min_installs", 0, 0..1_000_000_001)? as u64,
                webhook,
                payload,
                days: number("days", 7, 1..91)?,
                baseline_days: number("baseline_days", 28, 1..366)?,
                name,
            });
        }
        Ok(rules.into())
    }
}

impl From<Vec<Rule>> for Rules {
    fn from(rules: Vec<Rule>) -> Rules {
        Rules(rules)
    }
}

/// Checks a webhook template without reading the environment: an
/// http(s) URL once its `${NAME}`s are filled in.
fn check_webhook(template: &str) -> Result<(), String> {
    let filled = expand(template, |_| Some("x".to_owned()))?;
    let url =
        reqwest::Url::parse(&filled).map_err(|e| format!("{template:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{template:?} is not an http or https URL"));
    }
    Ok(())
}

/// `template` with each `${NAME}` replaced by `var(NAME)`; a missing
/// variable, or a `${` left open, is an error naming it.
pub fn expand(template: &str, var: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`${{` without its `}}` in {template:?}"))?;
        let name = &after[..end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("${{{name}}} is not an environment variable name"));
        }
        let value =
            var(name).ok_or_else(|| format!("the environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Rules, RuleError> {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        Rules::from_toml(doc["alert"].as_array_of_tables().unwrap())
    }

    #[test]
    fn rules_have_defaults_and_names() {
        let rules = parse(
            r#"
[[alert]]
product = "Firefox"
webhook = "https://example.com/hook/${SECRET}"

[[alert]]
name = "fenix_new"
product = "Fenix"
kind = "new"
min_count = 20
min_installs = 3
payload = "slack"
webhook = "http://127.0.0.1:9/x"
days = 3
baseline_days = 14
"#,
        )
        .unwrap();
        assert_eq!(
            rules.0[0],
            Rule {
                name: "alert1".into(),
                product: "Firefox".into(),
                kind: Wanted::Any,
                min_count: 5,
                min_installs: 0,
                webhook: "https://example.com/hook/${SECRET}".into(),
                payload: Payload::Json,
                days: 7,
                baseline_days: 28,
            }
        );
        assert_eq!(rules.0[1].kind, Wanted::New);
        assert_eq!(rules.0[1].payload, Payload::Slack);
        assert_eq!((rules.0[1].days, rules.0[1].baseline_days), (3, 14));
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        let cases = [
            ("webhook = \"https://x/\"", "needs a `product`"),
            ("product = \"F\"", "needs a `webhook`"),
            (
                "product = \"F\"\nwebhook = \"ftp://x/\"",
                "not an http or https URL",
            ),
            (
                "product = \"F\"\nwebhook = \"https://x/${A\"",
                "without its",
            ),
            (
                "product = \"F\"\nwebhook = \"https://x/\"\nkind = \"old\"",
                "not new, growing or any",
            ),
            (
                "product = \"F\"\nwebhook = \"https://x/\"\nmin_count = 0",
                "`min_count` must be",
            ),
            (
                "product = \"F\"\nwebhook = \"https://x/\"\nchannel = \"x\"",
                "unknown key `channel`",
            ),
            (
                "product = \"F\"\nwebhook = \"https://x/\"\nname = \"a b\"",
                "must be letters",
            ),
        ];
        for (body, want) in cases {
            let err = parse(&format!("[[alert]]\n{body}\n")).unwrap_err();
            assert!(err.message.contains(want), "{body}: {}", err.message);
        }
        let twice = "[[alert]]\nname = \"a\"\nproduct = \"F\"\nwebhook = \"https://x/\"\n";
        let err = parse(&format!("{twice}{twice}")).unwrap_err();
        assert_eq!(err.index, 1);
    }

    #[test]
    fn secrets_come_from_the_environment() {
        let env = |name: &str| (name == "HOOK").then(|| "s3cr3t".to_owned());
        assert_eq!(
            expand("https://h/${HOOK}/x", env).unwrap(),
            "https://h/s3cr3t/x"
        );
        assert_eq!(expand("https://h/plain", env).unwrap(), "https://h/plain");
        assert!(expand("https://h/${OTHER}", env)
            .unwrap_err()
            .contains("OTHER is not set"));
        assert!(expand("https://h/${a-b}", env).is_err());
    }
}
