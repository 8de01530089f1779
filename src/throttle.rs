//! Throttle rules: which crashes the collector accepts, defers, rejects or
//! fake-accepts, like Antenna's throttler.
//!
//! Rules come from the configuration file as an ordered list of
//! `[[throttle]]` tables; the first rule whose condition matches decides.
//! No matching rule rejects with the rule name `NO_MATCH`. Without any
//! rules, everything is accepted (rule `accept_everything`).
//!
//! ```toml
//! [[throttle]]
//! name = "sample_release"       # [a-z0-9_]+, recorded in metadata.throttle_rule
//! annotation = "ReleaseChannel" # or "*" for the whole crash (always matches)
//! equals = "release"            # exactly one condition, see below
//! result = "accept"             # accept | defer | reject | fake_accept | continue
//! percent = 10                  # optional: `result` for this share of matches ...
//! otherwise = "defer"           # ... and this result for the rest
//! ```
//!
//! Conditions: `exists = true|false`, `equals = "…"`, `one_of = ["…"]`,
//! `regex = "…"` (matched anywhere in the value), `version_below = "…"`,
//! `version_at_least = "…"` (dotted versions, numerically),
//! `build_older_than_days = N` (a `YYYYMMDDhhmmss` build id). `continue`
//! goes on to the next rule.

use std::ops::Range;

use chrono::{NaiveDate, Utc};
use rand::Rng;
use regex::Regex;
use serde_json::{Map, Value};

/// The rule format, for `config docs`.
pub const DOC: &str = r#"
The collector's throttle rules, in order; the first rule whose condition
matches decides, and no match rejects with rule `NO_MATCH`. Without rules
every crash is accepted (rule `accept_everything`). Each rule:

| key | meaning |
|---|---|
| `name` | `[a-z0-9_]+`, recorded in the raw crash's `metadata.throttle_rule` and in `Discarded=rule_<name>` |
| `annotation` | the annotation looked at, or `"*"` for the whole crash (always matches, takes no condition) |
| one condition | `exists = true\|false`, `equals = "…"`, `one_of = ["…"]`, `regex = "…"` (anywhere in the value), `version_below = "…"`, `version_at_least = "…"` (dotted, numeric), `build_older_than_days = N` (a `YYYYMMDDhhmmss` build id) |
| `result` | `accept`, `defer` (stored, not queued), `reject` (nothing stored), `fake_accept` (answered as accepted, nothing stored) or `continue` (next rule) |
| `percent`, `otherwise` | optional split: `result` for `percent`% of matching crashes, `otherwise` for the rest |

See `examples/throttle-mozilla.toml`.
"#;

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accept,
    Defer,
    Reject,
    FakeAccept,
    Continue,
}

impl Outcome {
    fn parse(s: &str) -> Result<Outcome, String> {
        Ok(match s {
            "accept" => Outcome::Accept,
            "defer" => Outcome::Defer,
            "reject" => Outcome::Reject,
            "fake_accept" => Outcome::FakeAccept,
            "continue" => Outcome::Continue,
            other => {
                return Err(format!(
                    "unknown result {other:?} (accept, defer, reject, fake_accept, continue)"
                ))
            }
        })
    }
}

/// The condition keys; a rule has exactly one (none for annotation "*").
const CONDITIONS: [&str; 7] = [
    "exists",
    "equals",
    "one_of",
    "regex",
    "version_below",
    "version_at_least",
    "build_older_than_days",
];

#[derive(Debug, Clone)]
enum Condition {
    Always,
    Exists(bool),
    Equals(String),
    OneOf(Vec<String>),
    Regex(Regex),
    VersionBelow(Vec<u64>),
    VersionAtLeast(Vec<u64>),
    BuildOlderThanDays(i64),
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    annotation: String,
    condition: Condition,
    result: Outcome,
    percent: Option<f64>,
    otherwise: Outcome,
}

/// The ordered rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

/// A rule that cannot be used: which rule (by position) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub index: usize,
    pub span: Option<Range<usize>>,
    pub message: String,
}

fn version(s: &str) -> Vec<u64> {
    s.split(['.', 'a', 'b', '-'])
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect()
}

fn annotation_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Rules {
    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules (everything is accepted).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Parses the `[[throttle]]` array of the configuration file.
    pub fn from_toml(array: &toml_edit::ArrayOfTables) -> Result<Rules, RuleError> {
        let mut rules = Vec::new();
        for (index, table) in array.iter().enumerate() {
            let err = |message: String, key: Option<&str>| RuleError {
                index,
                span: key
                    .and_then(|k| table.key(k))
                    .and_then(|k| k.span())
                    .or_else(|| table.span()),
                message,
            };
            let text = |key: &str| -> Result<Option<String>, RuleError> {
                match table.get(key) {
                    None => Ok(None),
                    Some(item) => item
                        .as_str()
                        .map(|s| Some(s.to_owned()))
                        .ok_or_else(|| err(format!("`{key}` must be a string"), Some(key))),
                }
            };
            const OTHER_KEYS: [&str; 6] = [
                "name",
                "annotation",
                "result",
                "percent",
                "otherwise",
                "description",
            ];
            for (key, _) in table.iter() {
                if !OTHER_KEYS.contains(&key) && !CONDITIONS.contains(&key) {
                    return Err(err(
                        format!("unknown key `{key}` in a throttle rule"),
                        Some(key),
                    ));
                }
            }
            let name =
                text("name")?.ok_or_else(|| err("a throttle rule needs a `name`".into(), None))?;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(err(
                    format!("rule name {name:?} must be [a-z0-9_]+"),
                    Some("name"),
                ));
            }
            let annotation = text("annotation")?.ok_or_else(|| {
                err(
                    format!("rule {name}: needs an `annotation` (or \"*\")"),
                    None,
                )
            })?;
            let result = Outcome::parse(
                &text("result")?
                    .ok_or_else(|| err(format!("rule {name}: needs a `result`"), None))?,
            )
            .map_err(|m| err(format!("rule {name}: {m}"), Some("result")))?;
            let percent = match table.get("percent") {
                None => None,
                Some(item) => {
                    let p = item
                        .as_float()
                        .or_else(|| item.as_integer().map(|i| i as f64))
                        .filter(|p| (0.0..=100.0).contains(p))
                        .ok_or_else(|| {
                            err(
                                format!("rule {name}: `percent` must be a number from 0 to 100"),
                                Some("percent"),
                            )
                        })?;
                    Some(p)
                }
            };
            let otherwise = match text("otherwise")? {
                Some(o) => Outcome::parse(&o)
                    .map_err(|m| err(format!("rule {name}: {m}"), Some("otherwise")))?,
                None if percent.is_some() => {
                    return Err(err(
                        format!("rule {name}: `percent` needs `otherwise`"),
                        Some("percent"),
                    ))
                }
                None => Outcome::Reject,
            };
            let conditions: Vec<&str> = CONDITIONS
                .into_iter()
                .filter(|k| table.contains_key(k))
                .collect();
            let condition = match (annotation.as_str(), conditions.as_slice()) {
                ("*", []) => Condition::Always,
                ("*", [k, ..]) => return Err(err(format!("rule {name}: annotation \"*\" takes no condition"), Some(k))),
                (_, []) => return Err(err(format!("rule {name}: needs one condition (exists, equals, one_of, regex, version_below, version_at_least, build_older_than_days)"), None)),
                (_, [_, second, ..]) => return Err(err(format!("rule {name}: only one condition per rule"), Some(second))),
                (_, [key]) => {
                    let item = table.get(key).expect("present");
                    let bad = |what: &str| err(format!("rule {name}: `{key}` must be {what}"), Some(key));
                    match *key {
                        "exists" => Condition::Exists(item.as_bool().ok_or_else(|| bad("true or false"))?),
                        "equals" => Condition::Equals(item.as_str().ok_or_else(|| bad("a string"))?.to_owned()),
                        "one_of" => Condition::OneOf(
                            item.as_array()
                                .ok_or_else(|| bad("a list of strings"))?
                                .iter()
                                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("a list of strings")))
                                .collect::<Result<_, _>>()?,
                        ),
                        "regex" => {
                            let pattern = item.as_str().ok_or_else(|| bad("a string"))?;
                            Condition::Regex(Regex::new(pattern).map_err(|e| err(format!("rule {name}: bad regex: {e}"), Some(key)))?)
                        }
                        "version_below" => Condition::VersionBelow(version(item.as_str().ok_or_else(|| bad("a version string"))?)),
                        "version_at_least" => Condition::VersionAtLeast(version(item.as_str().ok_or_else(|| bad("a version string"))?)),
                        _ => Condition::BuildOlderThanDays(item.as_integer().ok_or_else(|| bad("a whole number of days"))?),
                    }
                }
            };
            rules.push(Rule {
                name,
                annotation,
                condition,
                result,
                percent,
                otherwise,
            });
        }
        Ok(Rules { rules })
    }

    /// Decides for `annotations`: the outcome and the deciding rule's name.
    pub fn decide(&self, annotations: &Map<String, Value>) -> (Outcome, String) {
        if self.rules.is_empty() {
            return (Outcome::Accept, "accept_everything".into());
        }
        for rule in &self.rules {
            if !rule.matches(annotations) {
                continue;
            }
            let outcome = match rule.percent {
                Some(p) if rand::rng().random_range(0.0..100.0) >= p => rule.otherwise,
                _ => rule.result,
            };
            if outcome != Outcome::Continue {
                return (outcome, rule.name.clone());
            }
        }
        (Outcome::Reject, "NO_MATCH".into())
    }
}

impl Rule {
    fn matches(&self, annotations: &Map<String, Value>) -> bool {
        let value = annotations.get(&self.annotation).map(annotation_text);
        match (&self.condition, value) {
            (Condition::Always, _) => true,
            (Condition::Exists(want), v) => v.is_some() == *want,
            (_, None) => false,
            (Condition::Equals(want), Some(v)) => &v == want,
            (Condition::OneOf(set), Some(v)) => set.contains(&v),
            (Condition::Regex(re), Some(v)) => re.is_match(&v),
            (Condition::VersionBelow(limit), Some(v)) => version(&v) < *limit,
            (Condition::VersionAtLeast(limit), Some(v)) => version(&v) >= *limit,
            (Condition::BuildOlderThanDays(days), Some(v)) => v
                .get(..8)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
                .is_some_and(|built| (Utc::now().date_naive() - built).num_days() > *days),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(text: &str) -> Result<Rules, RuleError> {
        let doc = toml_edit::Document::parse(text).unwrap();
        Rules::from_toml(doc.get("throttle").unwrap().as_array_of_tables().unwrap())
    }

    fn crash(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn first_matching_rule_decides() {
        let r = rules(
            r#"
[[throttle]]
name = "has_comments"
annotation = "Comments"
exists = true
result = "accept"
[[throttle]]
name = "old_versions"
annotation = "Version"
version_below = "100.0"
result = "reject"
[[throttle]]
name = "nightly_beta"
annotation = "ReleaseChannel"
one_of = ["nightly", "beta"]
result = "accept"
[[throttle]]
name = "skip"
annotation = "*"
result = "continue"
[[throttle]]
name = "android"
annotation = "ProductName"
regex = "^Fenix|Focus"
result = "defer"
"#,
        )
        .unwrap();
        let cases = [
            (
                json!({"Comments": "hi", "Version": "1.0"}),
                Outcome::Accept,
                "has_comments",
            ),
            (json!({"Version": "99.9"}), Outcome::Reject, "old_versions"),
            (
                json!({"Version": "120.0", "ReleaseChannel": "beta"}),
                Outcome::Accept,
                "nightly_beta",
            ),
            (
                json!({"Version": "120.0", "ProductName": "Fenix"}),
                Outcome::Defer,
                "android",
            ),
            (json!({"Version": "120.0"}), Outcome::Reject, "NO_MATCH"),
        ];
        for (c, outcome, name) in cases {
            assert_eq!(
                r.decide(&crash(c.clone())),
                (outcome, name.to_string()),
                "{c}"
            );
        }
        assert_eq!(
            Rules::default().decide(&Map::new()),
            (Outcome::Accept, "accept_everything".into())
        );
    }

    #[test]
    fn percent_splits_and_build_age() {
        let r = rules("[[throttle]]\nname = \"sample\"\nannotation = \"*\"\nresult = \"accept\"\npercent = 0\notherwise = \"defer\"\n").unwrap();
        assert_eq!(r.decide(&Map::new()).0, Outcome::Defer);
        let r = rules("[[throttle]]\nname = \"old\"\nannotation = \"BuildID\"\nbuild_older_than_days = 30\nresult = \"reject\"\n").unwrap();
        assert_eq!(
            r.decide(&crash(json!({"BuildID": "20200101000000"}))).0,
            Outcome::Reject
        );
        let today = Utc::now().format("%Y%m%d000000").to_string();
        assert_eq!(r.decide(&crash(json!({ "BuildID": today }))).1, "NO_MATCH");
    }

    #[test]
    fn bad_rules_are_explained() {
        for (text, msg) in [
            ("[[throttle]]\nname = \"Bad Name\"\nannotation = \"*\"\nresult = \"accept\"\n", "must be [a-z0-9_]+"),
            ("[[throttle]]\nname = \"a\"\nannotation = \"X\"\nresult = \"accept\"\n", "needs one condition"),
            ("[[throttle]]\nname = \"a\"\nannotation = \"X\"\nequals = \"y\"\nresult = \"maybe\"\n", "unknown result"),
            ("[[throttle]]\nname = \"a\"\nannotation = \"X\"\nregex = \"(\"\nresult = \"accept\"\n", "bad regex"),
            ("[[throttle]]\nname = \"a\"\nannotation = \"*\"\nresult = \"accept\"\npercent = 10\n", "needs `otherwise`"),
            ("[[throttle]]\nname = \"a\"\nannotation = \"*\"\nresult = \"accept\"\ncolour = 1\n", "unknown key `colour`"),
        ] {
            let e = rules(text).unwrap_err();
            assert!(e.message.contains(msg), "{text}: {}", e.message);
            assert!(e.span.is_some());
        }
    }
}
