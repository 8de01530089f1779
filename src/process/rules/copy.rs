//! `CopyFromRawCrashRule`: every field of the [field table](crate::processed_crash)
//! that names a source annotation is copied from it, coerced to the
//! field's type the way Socorro coerces it:
//!
//! - boolean: `1`/`true` and `0`/`false` (any case), else a note;
//! - integer: Python's `int()` of the value, else a note;
//! - number: Python's `float()`, else a note;
//! - string: the value with trailing whitespace stripped;
//! - object: the value (JSON text decoded) when its types fit the field's
//!   [shape](super::shape), else a note.
//!
//! An absent annotation leaves the field out, unless the field has a
//! default. A value Socorro's coercion raises on (a JSON list where a
//! number is wanted, a number where a string is) fails the whole rule
//! there, as it does in Socorro.

use serde_json::{Number, Value};

use super::shape::{JAVA_EXCEPTION_SHAPE, TELEMETRY_ENVIRONMENT_SHAPE};
use super::{Crash, Outcome, Raised};
use crate::processed_crash::{self as fields, Default, Kind};
use crate::signature::pyval::{self, is_space, to_str};

/// `CopyFromRawCrashRule`: the annotations of the field table, coerced
/// as the module doc says.
pub fn copy_from_raw_crash(c: &mut Crash<'_>) -> Outcome {
    // Socorro decodes an object annotation only when it is text, and
    // checks whatever it decoded last: a JSON object sent as one is
    // checked as the previous text was, or fails the rule if none was.
    let mut last_decoded: Option<Value> = None;
    for field in fields::FIELDS {
        let Some(annotation) = field.annotation else {
            continue;
        };
        let Some(value) = c.raw.get(annotation).cloned() else {
            if let Some(Default::False) = field.default {
                c.pc.insert(field.name.into(), Value::Bool(false));
            }
            continue;
        };
        match field.kind {
            Kind::Boolean => match to_str(&value).to_lowercase().as_str() {
                "1" | "true" => {
                    c.pc.insert(field.name.into(), Value::Bool(true));
                }
                "0" | "false" => {
                    c.pc.insert(field.name.into(), Value::Bool(false));
                }
                other => c.note(format!("{annotation} has non-boolean value {other}")),
            },
            Kind::Integer => match python_int(&value)? {
                Some(n) => {
                    c.pc.insert(field.name.into(), n);
                }
                None => c.note(format!("{annotation} has a non-int value")),
            },
            Kind::Number => match python_float(&value)? {
                Some(n) => {
                    c.pc.insert(field.name.into(), n);
                }
                None => c.note(format!("{annotation} has a non-float value")),
            },
            Kind::String => {
                let text = value.as_str().ok_or("AttributeError")?;
                c.pc.insert(
                    field.name.into(),
                    Value::from(text.trim_end_matches(is_space)),
                );
            }
            Kind::Object => {
                if let Value::String(text) = &value {
                    match serde_json::from_str::<Value>(text) {
                        Ok(decoded) => last_decoded = Some(decoded),
                        Err(_) => {
                            c.note(format!("{annotation} value is malformed json"));
                            continue;
                        }
                    }
                }
                let decoded = last_decoded.clone().ok_or("UnboundLocalError")?;
                let shape = match field.name {
                    "java_exception" => &*JAVA_EXCEPTION_SHAPE,
                    _ => &*TELEMETRY_ENVIRONMENT_SHAPE,
                };
                if shape.admits(&decoded) {
                    c.pc.insert(field.name.into(), decoded);
                } else {
                    c.note(format!("{annotation} value is malformed {}", field.name));
                }
            }
            Kind::Array => {}
        }
    }
    Ok(())
}

/// Python's `int(value)` as a JSON number: `Ok(None)` where Python raises
/// ValueError (bad text), `Err` where it raises TypeError (a list, a dict).
pub fn python_int(value: &Value) -> Result<Option<Value>, Raised> {
    match pyval::to_int(value) {
        Ok(n) => Ok(big_int(n)),
        Err(pyval::IntError::Type(_)) => Err("TypeError"),
        Err(_) => Ok(None),
    }
}

/// An integer as JSON; one beyond 64 bits, which Python would keep, is
/// treated as unreadable.
pub fn big_int(n: i128) -> Option<Value> {
    Number::from_i128(n).map(Value::Number)
}

/// Python's `float(value)`, with the same split of failures as [`python_int`].
pub fn python_float(value: &Value) -> Result<Option<Value>, Raised> {
    let f = match value {
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => match parse_float(s) {
            Some(f) => f,
            None => return Ok(None),
        },
        _ => return Err("TypeError"),
    };
    // JSON holds no infinity or NaN; Python would write them, crashkit
    // reports the value as unreadable.
    Ok(Number::from_f64(f).map(Value::Number))
}

/// Python's `float(str)`: surrounding whitespace, an optional sign, digits
/// with single underscores between them, a fraction and an exponent.
fn parse_float(text: &str) -> Option<f64> {
    let text = text.trim_matches(is_space);
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.len() + 1 < lower.len() {
        return None;
    }
    if ["inf", "infinity", "nan"].contains(&unsigned) {
        return lower.parse::<f64>().ok();
    }
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'_' {
            let digit = |j: Option<&u8>| j.is_some_and(u8::is_ascii_digit);
            if !digit(i.checked_sub(1).and_then(|j| bytes.get(j))) || !digit(bytes.get(i + 1)) {
                return None;
            }
        } else if !(b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
            return None;
        }
    }
    text.replace('_', "").parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_read_as_python_reads_them() {
        assert_eq!(python_int(&json!(" 42 ")).unwrap(), Some(json!(42)));
        assert_eq!(python_int(&json!("1_000")).unwrap(), Some(json!(1000)));
        assert_eq!(python_int(&json!("4.5")).unwrap(), None);
        assert_eq!(python_int(&json!(4.9)).unwrap(), Some(json!(4)));
        assert_eq!(python_int(&json!(true)).unwrap(), Some(json!(1)));
        assert_eq!(python_int(&json!([1])), Err("TypeError"));
        assert_eq!(python_float(&json!("1.5e3")).unwrap(), Some(json!(1500.0)));
        assert_eq!(python_float(&json!(" 2 ")).unwrap(), Some(json!(2.0)));
        assert_eq!(python_float(&json!("1__0")).unwrap(), None);
        assert_eq!(python_float(&json!("abc")).unwrap(), None);
        assert_eq!(python_float(&json!({})), Err("TypeError"));
    }
}
