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
//! `not_one_of = ["…"]`, `regex = "…"` (matched anywhere in the value),
//! `less_than = "…"` (as strings compare), `version_below = "…"`,
//! `version_at_least = "…"` (dotted versions, numerically),
//! `at_most = N`, `at_least = N` (whole numbers),
//! `build_older_than_days = N` (a `YYYYMMDDhhmmss` build id). `continue`
//! goes on to the next rule.
//!
//! A condition may look inside an annotation that holds JSON
//! (`json = "system.os.name"`, a path of object keys) and may read a
//! missing annotation as a value (`missing = "browser"`, as Antenna's
//! rules read a missing `ProcessType`); without `missing`, a missing
//! annotation matches only `exists = false`. A rule on `"*"` may require
//! several conditions at once: `all = [{ annotation = "…", equals = "…" },
//! …]`. `examples/throttle-antenna.toml` is Antenna's own rule set in this
//! form.

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
| one condition | `exists = true\|false`, `equals = "…"`, `one_of = ["…"]`, `not_one_of = ["…"]`, `regex = "…"` (anywhere in the value), `less_than = "…"` (string order), `version_below = "…"`, `version_at_least = "…"` (dotted, numeric), `at_most = N`, `at_least = N` (whole numbers), `build_older_than_days = N` (a `YYYYMMDDhhmmss` build id) |
| `json`, `missing` | optional, with a condition: `json = "a.b"` applies it to that path inside an annotation holding JSON; `missing = "…"` reads a missing annotation as that value |
| `all` | with annotation `"*"`: a list of conditions that must all hold, each an inline table with its own `annotation` (and `json`, `missing`) |
| `result` | `accept`, `defer` (stored, not queued), `reject` (nothing stored), `fake_accept` (answered as accepted, nothing stored) or `continue` (next rule) |
| `percent`, `otherwise` | optional split: `result` for `percent`% of matching crashes, `otherwise` for the rest |

See `examples/throttle-mozilla.toml`, and `examples/throttle-antenna.toml`
for Antenna's own rules.
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

/// The condition keys; a rule has exactly one (none for annotation "*",
/// or `all`).
const CONDITIONS: [&str; 12] = [
    "exists",
    "equals",
    "one_of",
    "not_one_of",
    "regex",
    "less_than",
    "version_below",
    "version_at_least",
    "at_most",
    "at_least",
    "build_older_than_days",
    "all",
];

#[derive(Debug, Clone)]
enum Condition {
    Always,
    Exists(bool),
    Equals(String),
    OneOf(Vec<String>),
    NotOneOf(Vec<String>),
    Regex(Regex),
    LessThan(String),
    VersionBelow(Vec<u64>),
    VersionAtLeast(Vec<u64>),
    AtMost(i64),
    AtLeast(i64),
    BuildOlderThanDays(i64),
    All(Vec<Check>),
}

/// A condition on one annotation (or a path inside it).
#[derive(Debug, Clone)]
struct Check {
    annotation: String,
    json: Option<Vec<String>>,
    missing: Option<String>,
    condition: Condition,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    check: Check,
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
            let text = |key: &str| {
                string_key(table, key, || {
                    err(format!("`{key}` must be a string"), Some(key))
                })
            };
            const OTHER_KEYS: [&str; 8] = [
                "name",
                "annotation",
                "result",
                "percent",
                "otherwise",
                "description",
                "json",
                "missing",
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
            let check = parse_check(table, &name, true, &|m, k| err(m, k))?;
            rules.push(Rule {
                name,
                check,
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

/// The string at `key`, if there is one; `bad` when it is not a string.
fn string_key(
    table: &dyn toml_edit::TableLike,
    key: &str,
    bad: impl FnOnce() -> RuleError,
) -> Result<Option<String>, RuleError> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => item.as_str().map(|s| Some(s.to_owned())).ok_or_else(bad),
    }
}

/// Parses one condition with its annotation: a rule's own (`top`), or an
/// entry of a rule's `all`.
fn parse_check(
    table: &dyn toml_edit::TableLike,
    name: &str,
    top: bool,
    err: &dyn Fn(String, Option<&str>) -> RuleError,
) -> Result<Check, RuleError> {
    let text = |key: &str| {
        string_key(table, key, || {
            err(format!("rule {name}: `{key}` must be a string"), Some(key))
        })
    };
    if !top {
        for (key, _) in table.iter() {
            if !CONDITIONS.contains(&key) && !["annotation", "json", "missing"].contains(&key) {
                return Err(err(
                    format!("rule {name}: unknown key `{key}` in an `all` condition"),
                    Some(key),
                ));
            }
        }
    }
    let annotation = text("annotation")?.ok_or_else(|| {
        err(
            format!("rule {name}: needs an `annotation` (or \"*\")"),
            None,
        )
    })?;
    let json = text("json")?.map(|p| p.split('.').map(str::to_owned).collect());
    let missing = text("missing")?;
    let conditions: Vec<&str> = CONDITIONS
        .into_iter()
        .filter(|k| table.contains_key(k))
        .collect();
    let condition = match (annotation.as_str(), conditions.as_slice()) {
        ("*", []) if top => Condition::Always,
        ("*", ["all"]) if top => {
            let list = table
                .get("all")
                .and_then(|i| i.as_array())
                .ok_or_else(|| err(format!("rule {name}: `all` must be a list of inline tables"), Some("all")))?;
            let mut checks = Vec::new();
            for entry in list.iter() {
                let entry = entry
                    .as_inline_table()
                    .ok_or_else(|| err(format!("rule {name}: `all` must be a list of inline tables"), Some("all")))?;
                let check = parse_check(entry, name, false, err)?;
                if check.annotation == "*" {
                    return Err(err(format!("rule {name}: an `all` condition needs its own annotation"), Some("all")));
                }
                checks.push(check);
            }
            Condition::All(checks)
        }
        ("*", [k, ..]) => return Err(err(format!("rule {name}: annotation \"*\" takes no condition but `all`"), Some(k))),
        (_, []) => return Err(err(format!("rule {name}: needs one condition (exists, equals, one_of, not_one_of, regex, less_than, version_below, version_at_least, at_most, at_least, build_older_than_days)"), None)),
        (_, [_, second, ..]) => return Err(err(format!("rule {name}: only one condition per rule"), Some(second))),
        (_, ["all"]) => return Err(err(format!("rule {name}: `all` goes with annotation \"*\""), Some("all"))),
        (_, [key]) => {
            let item = table.get(key).expect("present");
            let bad = |what: &str| err(format!("rule {name}: `{key}` must be {what}"), Some(key));
            let strings = || -> Result<Vec<String>, RuleError> {
                item.as_array()
                    .ok_or_else(|| bad("a list of strings"))?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("a list of strings")))
                    .collect()
            };
            match *key {
                "exists" => Condition::Exists(item.as_bool().ok_or_else(|| bad("true or false"))?),
                "equals" => Condition::Equals(item.as_str().ok_or_else(|| bad("a string"))?.to_owned()),
                "one_of" => Condition::OneOf(strings()?),
                "not_one_of" => Condition::NotOneOf(strings()?),
                "regex" => {
                    let pattern = item.as_str().ok_or_else(|| bad("a string"))?;
                    Condition::Regex(Regex::new(pattern).map_err(|e| err(format!("rule {name}: bad regex: {e}"), Some(key)))?)
                }
                "less_than" => Condition::LessThan(item.as_str().ok_or_else(|| bad("a string"))?.to_owned()),
                "version_below" => Condition::VersionBelow(version(item.as_str().ok_or_else(|| bad("a version string"))?)),
                "version_at_least" => Condition::VersionAtLeast(version(item.as_str().ok_or_else(|| bad("a version string"))?)),
                "at_most" => Condition::AtMost(item.as_integer().ok_or_else(|| bad("a whole number"))?),
                "at_least" => Condition::AtLeast(item.as_integer().ok_or_else(|| bad("a whole number"))?),
                _ => Condition::BuildOlderThanDays(item.as_integer().ok_or_else(|| bad("a whole number of days"))?),
            }
        }
    };
    Ok(Check {
        annotation,
        json,
        missing,
        condition,
    })
}

/// A whole number: a JSON integer (not a boolean), or, for an annotation
/// itself (`text`), text of one.
fn whole_number(v: &Value, text: bool) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if text => s.trim().parse().ok(),
        _ => None,
    }
}

impl Check {
    /// The value the condition reads: the annotation (or `missing` in its
    /// place), or the value at `json` inside it.
    fn value(&self, annotations: &Map<String, Value>) -> Option<Value> {
        let value = match (annotations.get(&self.annotation), &self.missing) {
            (Some(v), _) => v.clone(),
            (None, Some(m)) => Value::String(m.clone()),
            (None, None) => return None,
        };
        let Some(path) = &self.json else {
            return Some(value);
        };
        let mut doc: Value = match &value {
            Value::String(s) => serde_json::from_str(s).ok()?,
            other => other.clone(),
        };
        for key in path {
            doc = match doc {
                Value::Object(mut map) => map.remove(key)?,
                _ => return None,
            };
        }
        Some(doc)
    }

    fn matches(&self, annotations: &Map<String, Value>) -> bool {
        if let Condition::All(checks) = &self.condition {
            return checks.iter().all(|c| c.matches(annotations));
        }
        if matches!(self.condition, Condition::Always) {
            return true;
        }
        let value = self.value(annotations);
        if let Condition::Exists(want) = self.condition {
            return value.is_some() == want;
        }
        let Some(value) = value else {
            return false;
        };
        let v = annotation_text(&value);
        match &self.condition {
            Condition::Equals(want) => &v == want,
            Condition::OneOf(set) => set.contains(&v),
            Condition::NotOneOf(set) => !set.contains(&v),
            Condition::Regex(re) => re.is_match(&v),
            Condition::LessThan(limit) => v.as_str() < limit.as_str(),
            Condition::VersionBelow(limit) => version(&v) < *limit,
            Condition::VersionAtLeast(limit) => version(&v) >= *limit,
            Condition::AtMost(n) => {
                whole_number(&value, self.json.is_none()).is_some_and(|x| x <= *n)
            }
            Condition::AtLeast(n) => {
                whole_number(&value, self.json.is_none()).is_some_and(|x| x >= *n)
            }
            Condition::BuildOlderThanDays(days) => v
                .get(..8)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
                .is_some_and(|built| (Utc::now().date_naive() - built).num_days() > *days),
            Condition::Always | Condition::Exists(_) | Condition::All(_) => true,
        }
    }
}

impl Rule {
    fn matches(&self, annotations: &Map<String, Value>) -> bool {
        self.check.matches(annotations)
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

    /// Antenna's MOZILLA_RULES as its throttler.py states them, transcribed
    /// condition by condition, beside `examples/throttle-antenna.toml`.
    mod antenna {
        use super::*;

        pub enum Result {
            Fixed(Outcome),
            /// (result for a share of matches, result for the rest)
            Split(Outcome, Outcome),
        }

        /// Antenna's `safe_get`: the annotation as text, or the default.
        fn get(d: &Map<String, Value>, key: &str, default: &str) -> String {
            d.get(key).map_or(default.to_owned(), annotation_text)
        }

        fn old_buildid(d: &Map<String, Value>) -> bool {
            let b = get(d, "BuildID", "");
            if !Regex::new(r"^20\d{12}$").unwrap().is_match(&b) {
                return false;
            }
            NaiveDate::parse_from_str(&b[..8], "%Y%m%d")
                .is_ok_and(|built| (Utc::now().date_naive() - built).num_days() >= 730)
        }

        fn infobar(d: &Map<String, Value>) -> bool {
            let (p, i, v, b) = (
                get(d, "ProductName", ""),
                get(d, "SubmittedFromInfobar", ""),
                get(d, "Version", ""),
                get(d, "BuildID", ""),
            );
            if p.is_empty() || i.is_empty() || v.is_empty() || b.is_empty() {
                return false;
            }
            let prefixes = ["52.", "53.", "54.", "55.", "56.", "57.", "58.", "59."];
            p == "Firefox"
                && i == "true"
                && prefixes.iter().any(|x| v.starts_with(x))
                && b.as_str() < "20171226"
        }

        const PRODUCTS: [&str; 7] = [
            "Fenix",
            "Firefox",
            "Firefox Enterprise",
            "Focus",
            "MozillaVPN",
            "ReferenceBrowser",
            "Thunderbird",
        ];

        fn packagename(d: &Map<String, Value>) -> bool {
            let names: &[&str] = match get(d, "ProductName", "").as_str() {
                "Fenix" => &[
                    "org.mozilla.firefox",
                    "org.mozilla.firefox_beta",
                    "org.mozilla.fenix",
                ],
                "Focus" => &[
                    "org.mozilla.focus",
                    "org.mozilla.focus.beta",
                    "org.mozilla.focus.nightly",
                    "org.mozilla.klar",
                ],
                "ReferenceBrowser" => &["org.mozilla.reference.browser"],
                _ => &[],
            };
            !names.is_empty() && !names.contains(&get(d, "Android_PackageName", "None").as_str())
        }

        fn unsupported_windows(d: &Map<String, Value>) -> bool {
            let t = get(d, "TelemetryEnvironment", "");
            let Ok(Value::Object(t)) = serde_json::from_str::<Value>(&t) else {
                return false;
            };
            let os = t.get("system").and_then(|s| s.get("os"));
            let name = os.and_then(|o| o.get("name")).and_then(Value::as_str);
            let build = os
                .and_then(|o| o.get("windowsBuildNumber"))
                .and_then(Value::as_i64);
            name == Some("Windows_NT") && build.is_some_and(|b| b != 0 && b <= 9600)
        }

        /// The rules in order: name, condition, result. A rule on a key
        /// matches only crashes that have that key.
        #[allow(clippy::type_complexity)]
        pub fn rules() -> Vec<(
            &'static str,
            Box<dyn Fn(&Map<String, Value>) -> bool>,
            Result,
        )> {
            use Outcome::*;
            let key = |k: &'static str,
                       f: fn(&str) -> bool|
             -> Box<dyn Fn(&Map<String, Value>) -> bool> {
                Box::new(move |d| d.contains_key(k) && f(&get(d, k, "")))
            };
            vec![
                (
                    "has_old_buildid",
                    Box::new(old_buildid),
                    Result::Fixed(Reject),
                ),
                (
                    "has_hangid_and_browser",
                    Box::new(|d| {
                        d.contains_key("HangID") && get(d, "ProcessType", "browser") == "browser"
                    }),
                    Result::Fixed(Reject),
                ),
                ("infobar_is_true", Box::new(infobar), Result::Fixed(Reject)),
                (
                    "b2g",
                    Box::new(|d| get(d, "ProductName", "").to_lowercase() == "b2g"),
                    Result::Fixed(FakeAccept),
                ),
                (
                    "unsupported_product",
                    Box::new(|d| !PRODUCTS.contains(&get(d, "ProductName", "").as_str())),
                    Result::Fixed(Reject),
                ),
                (
                    "unsupported_packagename",
                    Box::new(packagename),
                    Result::Fixed(Reject),
                ),
                (
                    "throttleable_0",
                    key("Throttleable", |x| x == "0"),
                    Result::Fixed(Accept),
                ),
                (
                    "has_comments",
                    key("Comments", |_| true),
                    Result::Fixed(Accept),
                ),
                ("has_phc", key("PHCKind", |_| true), Result::Fixed(Accept)),
                (
                    "is_background",
                    key("ProcessType", |x| {
                        ["gpu", "plugin", "rdd", "socket", "utility"].contains(&x)
                    }),
                    Result::Fixed(Accept),
                ),
                (
                    "is_shutdownkill",
                    key("ipc_channel_error", |x| x == "ShutDownKill"),
                    Result::Split(Continue, Reject),
                ),
                (
                    "is_firefox_esr_unsupported_windows",
                    Box::new(|d| {
                        get(d, "ProductName", "") == "Firefox"
                            && get(d, "ReleaseChannel", "") == "esr"
                            && unsupported_windows(d)
                    }),
                    Result::Split(Continue, Reject),
                ),
                (
                    "is_alpha_beta_esr",
                    key("ReleaseChannel", |x| ["aurora", "beta", "esr"].contains(&x)),
                    Result::Fixed(Accept),
                ),
                (
                    "is_nightly",
                    key("ReleaseChannel", |x| x.starts_with("nightly")),
                    Result::Fixed(Accept),
                ),
                (
                    "is_firefox_desktop",
                    Box::new(|d| {
                        get(d, "ProductName", "") == "Firefox"
                            && get(d, "ReleaseChannel", "") == "release"
                    }),
                    Result::Split(Accept, Reject),
                ),
                (
                    "accept_everything",
                    Box::new(|_| true),
                    Result::Fixed(Accept),
                ),
            ]
        }

        /// Every (outcome, rule) Antenna can answer for `d`.
        pub fn possible(d: &Map<String, Value>) -> Vec<(Outcome, String)> {
            let mut out = Vec::new();
            for (name, condition, result) in rules() {
                if !condition(d) {
                    continue;
                }
                match result {
                    Result::Fixed(o) => {
                        out.push((o, name.to_owned()));
                        return out;
                    }
                    Result::Split(hit, miss) => {
                        for o in [hit, miss] {
                            if o != Outcome::Continue {
                                out.push((o, name.to_owned()));
                            }
                        }
                        if hit != Outcome::Continue && miss != Outcome::Continue {
                            return out;
                        }
                    }
                }
            }
            out.push((Outcome::Reject, "NO_MATCH".to_owned()));
            out
        }
    }

    #[test]
    fn the_antenna_example_decides_as_antennas_rules() {
        let r = rules(include_str!("../examples/throttle-antenna.toml")).unwrap();
        let win = |build: Value| {
            json!({"system": {"os": {"name": "Windows_NT", "windowsBuildNumber": build}}})
                .to_string()
        };
        let old = (Utc::now() - chrono::Duration::days(800))
            .format("%Y%m%d000000")
            .to_string();
        let edge = (Utc::now() - chrono::Duration::days(730))
            .format("%Y%m%d000000")
            .to_string();
        let young = (Utc::now() - chrono::Duration::days(729))
            .format("%Y%m%d000000")
            .to_string();
        let ff = |extra: Value| {
            let mut c = crash(json!({"ProductName": "Firefox", "ReleaseChannel": "release"}));
            c.extend(crash(extra));
            c
        };
        let table = vec![
            crash(json!({})),
            ff(json!({"BuildID": old})),
            ff(json!({"BuildID": edge})),
            ff(json!({"BuildID": young})),
            ff(json!({"BuildID": "2017120100"})),
            ff(json!({"HangID": "x"})),
            ff(json!({"HangID": "x", "ProcessType": "content"})),
            ff(json!({"HangID": "x", "ProcessType": "browser"})),
            ff(json!({"SubmittedFromInfobar": "true", "Version": "55.0", "BuildID": "2017120100"})),
            ff(json!({"SubmittedFromInfobar": "true", "Version": "60.0", "BuildID": "2017120100"})),
            ff(json!({"SubmittedFromInfobar": "true", "Version": "55.0", "BuildID": ""})),
            crash(json!({"ProductName": "B2G"})),
            crash(json!({"ProductName": "b2g", "Comments": "x"})),
            crash(json!({"ProductName": "Opera"})),
            crash(json!({"ProductName": "Fenix"})),
            crash(
                json!({"ProductName": "Fenix", "Android_PackageName": "org.mozilla.fenix.nightly"}),
            ),
            crash(
                json!({"ProductName": "Fenix", "Android_PackageName": "org.mozilla.firefox", "ReleaseChannel": "release"}),
            ),
            crash(json!({"ProductName": "Focus", "Android_PackageName": "org.mozilla.klar"})),
            crash(json!({"ProductName": "ReferenceBrowser", "Android_PackageName": "None"})),
            ff(json!({"Throttleable": "0"})),
            ff(json!({"Throttleable": 0})),
            ff(json!({"Throttleable": "1"})),
            ff(json!({"Comments": ""})),
            ff(json!({"PHCKind": "FreedPage"})),
            ff(json!({"ProcessType": "gpu"})),
            ff(json!({"ProcessType": "tab"})),
            ff(json!({"ipc_channel_error": "ShutDownKill"})),
            crash(json!({"ProductName": "Thunderbird", "ipc_channel_error": "ShutDownKill"})),
            ff(json!({"ReleaseChannel": "esr", "TelemetryEnvironment": win(json!(9600))})),
            ff(json!({"ReleaseChannel": "esr", "TelemetryEnvironment": win(json!(19045))})),
            ff(json!({"ReleaseChannel": "esr", "TelemetryEnvironment": win(json!(0))})),
            ff(json!({"ReleaseChannel": "esr", "TelemetryEnvironment": win(json!("9600"))})),
            ff(json!({"ReleaseChannel": "esr", "TelemetryEnvironment": "{not json"})),
            ff(json!({"ReleaseChannel": "beta"})),
            ff(json!({"ReleaseChannel": "aurora"})),
            ff(json!({"ReleaseChannel": "nightly-try"})),
            ff(json!({"ReleaseChannel": "default"})),
            crash(json!({"ProductName": "Firefox"})),
            crash(json!({"ProductName": "Thunderbird", "ReleaseChannel": "release"})),
            crash(json!({"ProductName": "MozillaVPN"})),
        ];
        for c in table {
            let possible = antenna::possible(&c);
            let mut seen = std::collections::BTreeSet::new();
            // Enough draws to see every branch, even a 10% split after a
            // 10% split (never seeing a 1% branch in 4,000: 0.99^4000 ≈ 4e-18).
            for _ in 0..4000 {
                let got = r.decide(&c);
                assert!(
                    possible.contains(&got),
                    "{c:?}: got {got:?}, Antenna: {possible:?}"
                );
                seen.insert(format!("{got:?}"));
            }
            assert_eq!(
                seen.len(),
                possible.len(),
                "{c:?}: saw {seen:?} of {possible:?}"
            );
        }
    }
}
