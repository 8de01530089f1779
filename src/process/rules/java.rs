//! Socorro's `java` rule: the Java stack trace, raw (protected: exception
//! messages can carry personal data) and without the message (public).

use serde_json::Value;

use super::{Crash, Outcome};
use crate::signature::pyval::truthy;

/// A Java stack trace read as Socorro's `libjava` reads it: the exception
/// class and message, its frames, and what follows (`Caused by:`,
/// `Suppressed:`), which is never made public.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JavaStackTrace {
    pub exception_class: String,
    pub exception_message: String,
    pub stack: Vec<String>,
    pub additional: Vec<String>,
}

impl JavaStackTrace {
    /// The class and the frames, without any message.
    pub fn to_public_string(&self) -> String {
        let frames: Vec<String> = self.stack.iter().map(|l| format!("\t{l}")).collect();
        format!("{}\n{}", self.exception_class, frames.join("\n"))
    }
}

/// Parses a `JavaStackTrace` annotation; `None` when it is malformed (a
/// stack line without its tab, or no text).
pub fn parse(text: &str) -> Option<JavaStackTrace> {
    use crate::signature::pyval::{splitlines, strip};
    if text.is_empty() {
        return None;
    }
    let lines = splitlines(text);
    let mut trace = JavaStackTrace::default();
    let mut stage = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if strip(line).is_empty() {
            continue;
        }
        match stage {
            0 => {
                let (class, mut message) = match line.split_once(':') {
                    Some((c, m)) => (c.to_owned(), m.to_owned()),
                    None => (line.to_owned(), String::new()),
                };
                while i < lines.len() && !lines[i].starts_with("\tat ") {
                    message.push('\n');
                    message.push_str(lines[i]);
                    i += 1;
                }
                trace.exception_class = strip(&class).to_owned();
                trace.exception_message = strip(&message).to_owned();
                stage = 1;
            }
            1 => {
                let rest = line.strip_prefix('\t')?;
                trace.stack.push(rest.to_owned());
                let next = lines.get(i).copied().unwrap_or("");
                let next = strip(next);
                if next.starts_with("Suppressed:") || next.starts_with("Caused by:") {
                    stage = 2;
                }
            }
            _ => trace.additional.push(line.to_owned()),
        }
    }
    Some(trace)
}

/// `JavaStackTraceRule`: `java_stack_trace_raw` as sent, `java_stack_trace`
/// without the exception message (`malformed` when it cannot be read).
pub fn java_stack_trace(c: &mut Crash<'_>) -> Outcome {
    let Some(raw) = c.raw.get("JavaStackTrace").filter(|v| truthy(v)).cloned() else {
        return Ok(());
    };
    c.pc.insert("java_stack_trace_raw".into(), raw.clone());
    let text = raw.as_str().ok_or("AttributeError")?;
    let public = match parse(text) {
        Some(trace) => trace.to_public_string(),
        None => {
            c.note("JavaStackTrace: malformed JavaStackTrace");
            "malformed".to_owned()
        }
    };
    c.pc.insert("java_stack_trace".into(), Value::from(public));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_never_reaches_the_public_form() {
        let text = "java.lang.IllegalStateException: secret user@example.com\n\tat a.B.c(B.java:1)\nCaused by: x: more secret\n\tat d.E.f(E.java:2)";
        let trace = parse(text).unwrap();
        assert_eq!(trace.exception_message, "secret user@example.com");
        assert_eq!(
            trace.to_public_string(),
            "java.lang.IllegalStateException\n\tat a.B.c(B.java:1)"
        );
        assert_eq!(trace.additional.len(), 2);
        assert!(parse("E: m\n\tat a\nno tab").is_none());
    }
}
