//! Python's meaning of JSON values, as Socorro's signature code sees them.
//!
//! Socorro generates signatures in Python over loosely typed JSON: a line
//! number may arrive as `23` or `"23"`, a crashing thread as a string, an
//! annotation as a number. To give the same signature for the same input,
//! crashkit reads values the way Python would: truthiness, `str()`, `int()`,
//! `in`, and the exceptions Python raises on the wrong type, which Socorro
//! turns into "Rule failed" notes.

use serde_json::{Map, Value};

/// A Python exception raised inside a rule; the rule's note carries its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyErr {
    pub message: String,
    /// An IndexError or KeyError, which one of Socorro's rules handles apart.
    pub lookup: bool,
}

impl PyErr {
    /// A TypeError, AttributeError or ValueError.
    pub fn new(message: impl Into<String>) -> PyErr {
        PyErr {
            message: message.into(),
            lookup: false,
        }
    }

    /// An IndexError or KeyError.
    pub fn lookup(message: impl Into<String>) -> PyErr {
        PyErr {
            message: message.into(),
            lookup: true,
        }
    }
}

pub type PyResult<T> = Result<T, PyErr>;

/// Python's type name of a JSON value.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `bool(v)`.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `bool(d.get(key))` for an optional value.
pub fn truthy_opt(v: Option<&Value>) -> bool {
    v.is_some_and(truthy)
}

/// `dict.get(key)`: `None` (Python's) when missing.
pub fn get<'a>(map: &'a Map<String, Value>, key: &str) -> &'a Value {
    map.get(key).unwrap_or(&Value::Null)
}

/// `obj.get(key)` where `obj` may be any value: only dicts have `.get`.
pub fn get_attr<'a>(obj: &'a Value, key: &str) -> PyResult<&'a Value> {
    match obj {
        Value::Object(map) => Ok(get(map, key)),
        other => Err(no_attribute(other, "get")),
    }
}

pub fn no_attribute(v: &Value, attr: &str) -> PyErr {
    PyErr::new(format!(
        "'{}' object has no attribute '{attr}'",
        type_name(v)
    ))
}

pub fn not_iterable(v: &Value) -> PyErr {
    PyErr::new(format!("'{}' object is not iterable", type_name(v)))
}

/// `str(v)`.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// `repr(v)`, close to Python's for JSON values.
pub fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => float_repr(f),
            _ => n.to_string(),
        },
        Value::String(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::from(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                        out.push_str(&format!("\\x{:02x}", c as u32))
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", repr(&Value::String(k.clone())), repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn float_repr(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e16 {
        format!("{f:.1}")
    } else if f.abs() >= 1e16 || (f != 0.0 && f.abs() < 1e-4) {
        let s = format!("{f:e}");
        // Rust: 1e16, 1.5e-5; Python: 1e+16, 1.5e-05.
        match s.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else {
        f.to_string()
    }
}

/// Whether `c` is whitespace to Python's `str.isspace()`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `int(v)`: the integer Python would make, `Err` with Python's message
/// otherwise. `Ok(None)` never happens; the error distinguishes TypeError
/// (wrong type) from ValueError (bad text) through [`IntError`].
pub fn to_int(v: &Value) -> Result<i128, IntError> {
    match v {
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                Ok(f.trunc() as i128)
            }
        }
        Value::String(s) => parse_int(s, 10).ok_or_else(|| {
            IntError::Value(format!(
                "invalid literal for int() with base 10: {}",
                repr(v)
            ))
        }),
        other => Err(IntError::Type(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            type_name(other)
        ))),
    }
}

/// Why `int()` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntError {
    /// TypeError: not a number or string.
    Type(String),
    /// ValueError: a string that is not an integer.
    Value(String),
}

impl IntError {
    pub fn message(&self) -> &str {
        match self {
            IntError::Type(m) | IntError::Value(m) => m,
        }
    }
}

/// Python's `int(s, base)` syntax for base 10 and 16: surrounding
/// whitespace, a sign, an optional `0x` prefix (base 16), and `_` between
/// digits. Values beyond i128 saturate (they only ever index or compare).
pub fn parse_int(s: &str, base: u32) -> Option<i128> {
    let digits = int_digits(s, base)?;
    let (neg, digits) = digits;
    let mut value: i128 = 0;
    for d in digits.chars() {
        let d = i128::from(d.to_digit(base)?);
        value = value.saturating_mul(i128::from(base)).saturating_add(d);
    }
    Some(if neg { -value } else { value })
}

/// The sign and bare digits (no prefix, no underscores) of an integer literal.
fn int_digits(s: &str, base: u32) -> Option<(bool, String)> {
    let s = strip(s);
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut rest = rest;
    let mut prefixed = false;
    if base == 16 {
        if let Some(r) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            rest = r;
            prefixed = true;
        }
    }
    if prefixed {
        rest = rest.strip_prefix('_').unwrap_or(rest); // "0x_ff" is allowed
    }
    // digit+ ("_" digit+)*
    let parts: Vec<&str> = rest.split('_').collect();
    let valid = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii() && c.is_digit(base)));
    if !valid {
        return None;
    }
    let out = parts.concat();
    Some((neg, out))
}

/// Socorro's `strip_leading_zeros`: `hex(int(text, 16))` for a string that
/// is a base-16 integer, else the value as it was (`str()` of it).
pub fn strip_leading_zeros(v: &Value) -> String {
    if let Value::String(s) = v {
        if let Some((neg, digits)) = int_digits(s, 16) {
            let trimmed = digits.trim_start_matches('0').to_ascii_lowercase();
            let body = if trimmed.is_empty() { "0" } else { &trimmed };
            let sign = if neg && body != "0" { "-" } else { "" };
            return format!("{sign}0x{body}");
        }
    }
    to_str(v)
}

/// `needle in container` for a string needle.
pub fn contains(container: &Value, needle: &str) -> PyResult<bool> {
    match container {
        Value::String(s) => Ok(s.contains(needle)),
        Value::Array(items) => Ok(items.iter().any(|i| i.as_str() == Some(needle))),
        Value::Object(map) => Ok(map.contains_key(needle)),
        other => Err(PyErr::new(format!(
            "argument of type '{}' is not iterable",
            type_name(other)
        ))),
    }
}

/// Follows a glom path (`a.b.0.c`): dict keys, list indices (negative from
/// the end); `None` where glom would fall back to its default.
pub fn glom<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(map) => map.get(seg)?,
            Value::Array(items) => {
                let i: i64 = seg.parse().ok()?;
                let idx = if i < 0 { items.len() as i64 + i } else { i };
                items.get(usize::try_from(idx).ok()?)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

/// `s.splitlines()`.
pub fn splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            lines.push(&s[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = chars.peek() {
                    chars.next();
                    end = j + 1;
                }
            }
            start = end;
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness_and_str_follow_python() {
        for (v, t) in [
            (json!(null), false),
            (json!(0), false),
            (json!(0.0), false),
            (json!(""), false),
            (json!([]), false),
            (json!({}), false),
            (json!("0"), true),
            (json!(-1), true),
            (json!([0]), true),
        ] {
            assert_eq!(truthy(&v), t, "{v}");
        }
        assert_eq!(to_str(&json!(23)), "23");
        assert_eq!(to_str(&json!(23.0)), "23.0");
        assert_eq!(to_str(&json!(1.5)), "1.5");
        assert_eq!(to_str(&json!(1e20)), "1e+20");
        assert_eq!(to_str(&json!(true)), "True");
        assert_eq!(to_str(&json!(null)), "None");
        assert_eq!(to_str(&json!(["a", 1])), "['a', 1]");
        assert_eq!(to_str(&json!({"a": "it's"})), "{'a': \"it's\"}");
    }

    #[test]
    fn int_follows_python() {
        assert_eq!(to_int(&json!(" 23 ")), Ok(23));
        assert_eq!(to_int(&json!("1_000")), Ok(1000));
        assert_eq!(to_int(&json!(2.9)), Ok(2));
        assert_eq!(to_int(&json!(true)), Ok(1));
        assert!(matches!(to_int(&json!("2.5")), Err(IntError::Value(_))));
        assert!(matches!(to_int(&json!("_1")), Err(IntError::Value(_))));
        assert!(matches!(to_int(&json!("1__0")), Err(IntError::Value(_))));
        assert!(matches!(to_int(&json!(null)), Err(IntError::Type(_))));
        assert!(matches!(to_int(&json!([1])), Err(IntError::Type(_))));
    }

    #[test]
    fn leading_zeros_are_stripped_like_hex_int() {
        for (input, out) in [
            (json!("0x0000000000032ec0"), "0x32ec0"),
            (json!("0X00AB"), "0xab"),
            (json!("0x0"), "0x0"),
            (json!("00ff"), "0xff"),
            (json!("0x_ff"), "0xff"),
            (json!("-0x10"), "-0x10"),
            (json!("zz"), "zz"),
            (json!(""), ""),
            (json!(1234), "1234"),
        ] {
            assert_eq!(strip_leading_zeros(&input), out, "{input}");
        }
    }

    #[test]
    fn splitlines_and_glom() {
        assert_eq!(
            splitlines("a\r\nb\rc\n\nd\x0be"),
            vec!["a", "b", "c", "", "d", "e"]
        );
        assert_eq!(splitlines("a\n"), vec!["a"]);
        assert!(splitlines("").is_empty());
        let v = json!({"threads": [{"frames": [1]}, {"frames": [2]}]});
        assert_eq!(glom(&v, "threads.1.frames.0"), Some(&json!(2)));
        assert_eq!(glom(&v, "threads.-1.frames.0"), Some(&json!(2)));
        assert_eq!(glom(&v, "threads.2"), None);
        assert_eq!(glom(&v, "threads.x"), None);
    }
}
