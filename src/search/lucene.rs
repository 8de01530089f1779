//! Lucene's regular-expression syntax (what Elasticsearch's `regexp` query
//! and Super Search's `@` operator take), translated to the `regex` crate's
//! syntax for the embedded index, so `@` means the same on every backend.
//!
//! Lucene regexps always match the whole value. Supported: `.`, `?`, `+`,
//! `*`, `{n}`, `{n,}`, `{n,m}`, `|`, `( )`, `[...]` with ranges and `^`
//! negation, `"..."` literal strings, `\` escapes, and the `@` (any string)
//! and `#` (empty language) operators. `^` and `$` are ordinary characters.
//! Lucene's complement `~`, intersection `&` and numeric intervals `<n-m>`
//! have no equivalent here and are refused with a message saying how to
//! write the character literally; so are unbalanced groups and brackets.

use std::fmt::Write;

/// A Lucene regexp that crashkit cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid regular expression {pattern:?}: {message}")]
pub struct RegexError {
    pub pattern: String,
    pub message: String,
}

/// The `regex`-crate pattern equivalent to the Lucene regexp `pattern`,
/// without anchors: callers match it against whole values (Tantivy's
/// regex queries always do; elsewhere wrap it with [`anchored`]).
pub fn to_rust(pattern: &str) -> Result<String, RegexError> {
    let fail = |message: String| RegexError {
        pattern: pattern.to_owned(),
        message,
    };
    let mut out = String::from("(?:");
    let mut chars = pattern.chars().peekable();
    let mut depth = 0usize;
    // Whether the last item can take a quantifier.
    let mut quantifiable = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    return Err(fail("a trailing \\ escapes nothing".into()));
                };
                push_literal(&mut out, next);
                quantifiable = true;
            }
            '"' => {
                let mut literal = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(ch) => literal.push(ch),
                        None => return Err(fail("unterminated \"...\" string".into())),
                    }
                }
                out.push_str("(?:");
                for ch in literal.chars() {
                    push_literal(&mut out, ch);
                }
                out.push(')');
                quantifiable = true;
            }
            '.' => {
                out.push_str("(?s:.)");
                quantifiable = true;
            }
            '@' => {
                out.push_str("(?s:.*)");
                quantifiable = true;
            }
            '#' => {
                // The empty language: matches nothing at all.
                out.push_str("[^\\x00-\\x{10FFFF}]");
                quantifiable = true;
            }
            '(' => {
                depth += 1;
                out.push_str("(?:");
                quantifiable = false;
            }
            ')' => {
                if depth == 0 {
                    return Err(fail("unbalanced )".into()));
                }
                depth -= 1;
                out.push(')');
                quantifiable = true;
            }
            '|' => {
                out.push('|');
                quantifiable = false;
            }
            '*' | '+' | '?' => {
                if !quantifiable {
                    return Err(fail(format!("{c} follows nothing it could repeat")));
                }
                out.push(c);
                quantifiable = false;
            }
            '{' => {
                if !quantifiable {
                    return Err(fail("{ follows nothing it could repeat".into()));
                }
                let mut body = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) if ch.is_ascii_digit() || ch == ',' => body.push(ch),
                        _ => return Err(fail("a repetition is {n}, {n,} or {n,m}".into())),
                    }
                }
                let mut parts = body.splitn(2, ',');
                let low = parts.next().unwrap_or_default();
                let high = parts.next();
                let bad = low.is_empty()
                    || high.is_some_and(|h| {
                        !h.is_empty() && h.parse::<u32>().ok() < low.parse::<u32>().ok()
                    });
                if bad || low.parse::<u32>().map_or(true, |n| n > 1000) {
                    return Err(fail(format!("bad repetition {{{body}}}")));
                }
                write!(out, "{{{body}}}").expect("writing to a String");
                quantifiable = false;
            }
            '[' => {
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                let mut first = true;
                loop {
                    match chars.next() {
                        None => return Err(fail("unterminated [...] class".into())),
                        Some(']') if !first => break,
                        Some('\\') => match chars.next() {
                            Some(ch) => push_class_literal(&mut out, ch),
                            None => return Err(fail("unterminated [...] class".into())),
                        },
                        Some('-') if !first && chars.peek() != Some(&']') => out.push('-'),
                        Some(ch) => push_class_literal(&mut out, ch),
                    }
                    first = false;
                }
                out.push(']');
                quantifiable = true;
            }
            '~' | '&' => {
                return Err(fail(format!(
                    "the {c} operator is not supported; write \\{c} for the character"
                )))
            }
            '<' => return Err(fail(
                "numeric intervals <n-m> are not supported; write \\< or \"<\" for the character"
                    .into(),
            )),
            _ => {
                push_literal(&mut out, c);
                quantifiable = true;
            }
        }
    }
    if depth != 0 {
        return Err(fail("unbalanced (".into()));
    }
    out.push(')');
    regex::Regex::new(&anchored(&out)).map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
}

fn push_class_literal(out: &mut String, c: char) {
    if matches!(c, '[' | ']' | '\\' | '^' | '-' | '&' | '~') {
        out.push('\\');
    }
    out.push(c);
}

/// `pattern` made to match whole values only.
pub fn anchored(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

/// The unanchored `regex`-crate pattern of what `~`, `^` and `$` describe:
/// contains, starts with, ends with `text`.
pub fn wildcard(text: &str, prefix_any: bool, suffix_any: bool) -> String {
    let any = "(?s:.*)";
    format!(
        "{}{}{}",
        if prefix_any { any } else { "" },
        regex::escape(text),
        if suffix_any { any } else { "" }
    )
}

/// `text` quoted for an Elasticsearch `wildcard` query (`*` and `?` and `\` escaped).
pub fn escape_wildcard(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(&anchored(&to_rust(pattern).unwrap()))
            .unwrap()
            .is_match(text)
    }

    #[test]
    fn lucene_regexps_match_the_whole_value() {
        assert!(matches("mozilla::.*::function", "mozilla::js::function"));
        assert!(!matches("js", "js::break"));
        assert!(matches(r#"f.."(bar)""#, "foo(bar)"));
        assert!(matches("a^b$", "a^b$"));
        assert!(matches("[a-c]+x{2}", "abcxx"));
        assert!(matches("@OOM@", "OOM | small"));
        assert!(matches(r"js\<T\>", "js<T>"));
        assert!(!matches("#", ""));
        assert!(matches("(ab|cd)?e", "e"));
        assert!(matches("[^a]b", "xb"));
    }

    #[test]
    fn unsupported_or_broken_regexps_are_refused() {
        for bad in [
            "(ab", "ab)", "[ab", "*a", "a{2,1}", "<1-5>", "~a", "a&b", "\"x", "a\\",
        ] {
            assert!(to_rust(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcards_are_literal() {
        let re = regex::Regex::new(&anchored(&wildcard("a.b", true, false))).unwrap();
        assert!(re.is_match("xxa.b") && !re.is_match("xxaxb") && !re.is_match("a.bx"));
        assert_eq!(escape_wildcard("a*b?c\\"), "a\\*b\\?c\\\\");
    }
}
