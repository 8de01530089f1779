//! Python regular expressions on the `regex` crate.
//!
//! Signature lists are written in Python's `re` dialect, and Socorro matches
//! them with `re.match` (anchored at the start only). The dialects differ in
//! places real lists hit: Python reads `\<` and `\>` as literal angle
//! brackets (the `regex` crate as word boundaries), a `{` that does not
//! start a repetition is a literal, `$` also matches before a trailing
//! newline, `\Z` is the very end, `[` inside a class is a literal, and any
//! punctuation may be escaped. [`translate`] rewrites one pattern into the
//! `regex` crate's syntax with Python's meaning; features the crate cannot
//! express (lookaround, backreferences, conditionals, atomic groups,
//! possessive quantifiers) are refused with a clear message.

use std::fmt::Write as _;

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

/// A pattern translated to the `regex` crate's syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The pattern, without any leading global flags.
    pub body: String,
    /// Global flags (`(?i)` and friends) that Python applies to the whole
    /// expression, already mapped to the crate's letters.
    pub global_flags: String,
}

/// Rewrites one Python pattern. Global flags are returned apart, since
/// Python applies them to the whole joined expression.
pub fn translate(pattern: &str) -> Result<Translated, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut t = Translator {
        chars: &chars,
        pos: 0,
        out: String::new(),
        global_flags: String::new(),
        depth: 0,
        can_repeat: false,
    };
    t.run()?;
    if t.depth != 0 {
        return Err(PatternError("missing ), unterminated subpattern".into()));
    }
    Ok(Translated {
        body: t.out,
        global_flags: t.global_flags,
    })
}

struct Translator<'a> {
    chars: &'a [char],
    pos: usize,
    out: String,
    global_flags: String,
    depth: usize,
    /// Whether the last item can take a quantifier.
    can_repeat: bool,
}

fn err<T>(msg: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError(msg.into()))
}

/// The regex crate's escaped form of a literal character.
fn literal(c: char) -> String {
    let mut buf = [0u8; 4];
    regex::escape(c.encode_utf8(&mut buf))
}

impl Translator<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => {
                    let piece = self.escape(false)?;
                    self.out.push_str(&piece);
                }
                '[' => self.class()?,
                '(' => self.group()?,
                ')' => {
                    if self.depth == 0 {
                        return err("unbalanced parenthesis");
                    }
                    self.depth -= 1;
                    self.out.push(')');
                    self.can_repeat = true;
                }
                '*' | '+' | '?' => {
                    self.quantifier_check()?;
                    self.out.push(c);
                    self.lazy_or_possessive()?;
                }
                '{' => {
                    if let Some((quant, len)) = self.repetition() {
                        self.quantifier_check()?;
                        self.out.push_str(&quant);
                        self.pos += len;
                        self.lazy_or_possessive()?;
                    } else {
                        self.out.push_str("\\{");
                        self.can_repeat = true;
                    }
                }
                '}' => {
                    self.out.push_str("\\}");
                    self.can_repeat = true;
                }
                '$' => {
                    // Python: end of string, or before a newline that ends it.
                    self.out.push_str("(?:\\n?\\z)");
                    self.can_repeat = true;
                }
                '|' => {
                    self.out.push('|');
                    self.can_repeat = false;
                }
                '^' => {
                    self.out.push('^');
                    self.can_repeat = true;
                }
                '.' => {
                    self.out.push('.');
                    self.can_repeat = true;
                }
                other => {
                    self.out.push_str(&literal(other));
                    self.can_repeat = true;
                }
            }
        }
        Ok(())
    }

    /// Python refuses a quantifier with nothing to repeat, or right after another.
    fn quantifier_check(&mut self) -> Result<(), PatternError> {
        if !self.can_repeat {
            return err(format!(
                "nothing to repeat at position {}",
                self.pos.saturating_sub(1)
            ));
        }
        self.can_repeat = false;
        Ok(())
    }

    fn lazy_or_possessive(&mut self) -> Result<(), PatternError> {
        match self.peek(0) {
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
            }
            Some('+') => return err("possessive quantifiers are not supported"),
            _ => {}
        }
        Ok(())
    }

    /// At a `{` (already consumed): the repetition it starts, if it is one,
    /// as the crate writes it, and how many characters it spans after `{`.
    fn repetition(&self) -> Option<(String, usize)> {
        let mut i = self.pos;
        let mut lo = String::new();
        while let Some(c) = self.chars.get(i).filter(|c| c.is_ascii_digit()) {
            lo.push(*c);
            i += 1;
        }
        let mut hi = None;
        if self.chars.get(i) == Some(&',') {
            i += 1;
            let mut h = String::new();
            while let Some(c) = self.chars.get(i).filter(|c| c.is_ascii_digit()) {
                h.push(*c);
                i += 1;
            }
            hi = Some(h);
        }
        if self.chars.get(i) != Some(&'}') || (lo.is_empty() && hi.is_none()) {
            return None;
        }
        let lo_n = if lo.is_empty() { "0".to_string() } else { lo };
        let quant = match hi {
            None => format!("{{{lo_n}}}"),
            Some(h) if h.is_empty() => format!("{{{lo_n},}}"),
            Some(h) => format!("{{{lo_n},{h}}}"),
        };
        Some((quant, i + 1 - self.pos))
    }

    /// After a `\` (consumed), outside (`in_class` false) or inside a class.
    fn escape(&mut self, in_class: bool) -> Result<String, PatternError> {
        let Some(c) = self.peek(0) else {
            return err("bad escape (end of pattern)");
        };
        self.pos += 1;
        if !in_class {
            self.can_repeat = true;
        }
        let piece = match c {
            'd' | 'D' | 's' | 'S' | 'w' | 'W' => format!("\\{c}"),
            'b' if in_class => "\\x08".into(),
            'b' | 'B' | 'A' => {
                if !in_class {
                    self.can_repeat = false;
                }
                format!("\\{c}")
            }
            'Z' if !in_class => {
                self.can_repeat = false;
                "\\z".into()
            }
            'n' | 't' | 'r' | 'f' | 'v' | 'a' => format!("\\{c}"),
            'x' => {
                let hex: String = (0..2).filter_map(|i| self.peek(i)).collect();
                if hex.len() != 2 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                    return err(format!("incomplete escape \\x{hex}"));
                }
                self.pos += 2;
                format!("\\x{{{hex}}}")
            }
            'u' | 'U' => {
                let n = if c == 'u' { 4 } else { 8 };
                let hex: String = (0..n).filter_map(|i| self.peek(i)).collect();
                if hex.chars().count() != n || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                    return err(format!("incomplete escape \\{c}{hex}"));
                }
                self.pos += n;
                let code = u32::from_str_radix(&hex, 16).unwrap_or(u32::MAX);
                match char::from_u32(code) {
                    Some(ch) => literal(ch),
                    None => return err(format!("bad escape \\{c}{hex}")),
                }
            }
            '0'..='7' if c == '0' || in_class || self.octal_len() == 2 => {
                // Octal: \0, \0NN, or three octal digits.
                let mut digits = String::from(c);
                while digits.len() < 3 {
                    match self.peek(0) {
                        Some(d @ '0'..='7') => {
                            digits.push(d);
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                if code > 0o377 {
                    return err(format!(
                        "octal escape value \\{digits} outside of range 0-0o377"
                    ));
                }
                format!("\\x{{{code:x}}}")
            }
            '1'..='9' => return err("backreferences are not supported"),
            'N' => return err("named character escapes (\\N{...}) are not supported"),
            c if c.is_ascii_alphanumeric() => return err(format!("bad escape \\{c}")),
            // Any other character escaped is itself.
            other => literal(other),
        };
        Ok(piece)
    }

    /// How many octal digits follow the current one (for `\NNN` detection).
    fn octal_len(&self) -> usize {
        (0..2)
            .take_while(|&i| matches!(self.peek(i), Some('0'..='7')))
            .count()
    }

    /// After a `[` (consumed): a character class.
    fn class(&mut self) -> Result<(), PatternError> {
        let mut out = String::from("[");
        if self.peek(0) == Some('^') {
            self.pos += 1;
            out.push('^');
        }
        let mut first = true;
        let mut prev_dash = false;
        loop {
            let Some(c) = self.peek(0) else {
                return err("unterminated character set");
            };
            self.pos += 1;
            match c {
                ']' if !first => break,
                '\\' => {
                    let piece = self.escape(true)?;
                    out.push_str(&piece);
                    prev_dash = false;
                }
                '-' => {
                    let at_edge = first || self.peek(0) == Some(']') || prev_dash;
                    out.push_str(if at_edge { "\\-" } else { "-" });
                    prev_dash = !at_edge;
                }
                '[' | ']' | '&' | '~' | '^' => {
                    out.push('\\');
                    out.push(c);
                    prev_dash = false;
                }
                other => {
                    out.push(other);
                    prev_dash = false;
                }
            }
            first = false;
        }
        out.push(']');
        self.out.push_str(&out);
        self.can_repeat = true;
        Ok(())
    }

    /// After a `(` (consumed): a group or an inline construct.
    fn group(&mut self) -> Result<(), PatternError> {
        if self.peek(0) != Some('?') {
            self.depth += 1;
            self.out.push('(');
            self.can_repeat = false;
            return Ok(());
        }
        let start = self.pos - 1;
        self.pos += 1;
        match self.peek(0) {
            Some(':') => {
                self.pos += 1;
                self.depth += 1;
                self.out.push_str("(?:");
                self.can_repeat = false;
            }
            Some('#') => {
                // A comment: skipped.
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == ')' {
                        return Ok(());
                    }
                }
                return err("missing ), unterminated comment");
            }
            Some('P') if self.peek(1) == Some('<') => {
                self.pos += 2;
                let mut name = String::new();
                loop {
                    match self.peek(0) {
                        Some('>') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) if c.is_alphanumeric() || c == '_' => {
                            name.push(c);
                            self.pos += 1;
                        }
                        _ => return err("bad character in group name"),
                    }
                }
                if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                    return err(format!("bad character in group name '{name}'"));
                }
                self.depth += 1;
                let _ = write!(self.out, "(?P<{name}>");
                self.can_repeat = false;
            }
            Some('P') if self.peek(1) == Some('=') => {
                return err("backreferences are not supported")
            }
            Some('=') | Some('!') => return err("lookahead assertions are not supported"),
            Some('<') if matches!(self.peek(1), Some('=') | Some('!')) => {
                return err("lookbehind assertions are not supported")
            }
            Some('(') => return err("conditional groups are not supported"),
            Some('>') => return err("atomic groups are not supported"),
            _ => self.flags(start)?,
        }
        Ok(())
    }

    /// Inline flags `(?aiLmsux)`, `(?flags:...)` or `(?flags-flags:...)`.
    fn flags(&mut self, start: usize) -> Result<(), PatternError> {
        let mut on = String::new();
        let mut off = String::new();
        let mut negating = false;
        loop {
            let Some(c) = self.peek(0) else {
                return err("missing -, : or )");
            };
            self.pos += 1;
            match c {
                'i' | 'm' | 's' => {
                    if negating {
                        off.push(c)
                    } else {
                        on.push(c)
                    }
                }
                'u' => {}
                'a' | 'L' | 'x' => {
                    return err(format!("the (?{c}) flag is not supported"));
                }
                '-' if !negating => negating = true,
                ':' => {
                    self.depth += 1;
                    self.out.push_str("(?");
                    self.out.push_str(&on);
                    if !off.is_empty() {
                        self.out.push('-');
                        self.out.push_str(&off);
                    }
                    self.out.push(':');
                    self.can_repeat = false;
                    return Ok(());
                }
                ')' if !negating => {
                    // A global flag group: Python allows it only at the very start.
                    if start != 0 {
                        return err("global flags not at the start of the expression");
                    }
                    self.global_flags.push_str(&on);
                    return Ok(());
                }
                other => return err(format!("unknown flag {other:?}")),
            }
        }
    }
}

/// Compiles lines Socorro-style: all lines joined with `|`, matched at the
/// start only (`re.match`). An empty list matches everything, as
/// `re.compile("")` does.
pub fn compile_joined(lines: &[String]) -> Result<regex::Regex, (usize, PatternError)> {
    let mut bodies = Vec::with_capacity(lines.len());
    let mut global = String::new();
    for (i, line) in lines.iter().enumerate() {
        let t = translate(line).map_err(|e| (i, e))?;
        if !t.global_flags.is_empty() && i != 0 {
            return Err((
                i,
                PatternError("global flags not at the start of the expression".into()),
            ));
        }
        global.push_str(&t.global_flags);
        // Each line alone must compile, so an error names its line.
        let single = if t.global_flags.is_empty() {
            t.body.clone()
        } else {
            format!("(?{}){}", t.global_flags, t.body)
        };
        regex::RegexBuilder::new(&single)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| (i, PatternError(first_line(&e.to_string()))))?;
        bodies.push(t.body);
    }
    let flags = if global.is_empty() {
        String::new()
    } else {
        format!("(?{global})")
    };
    let joined = format!("{flags}\\A(?:{})", bodies.join("|"));
    regex::RegexBuilder::new(&joined)
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|e| (0, PatternError(first_line(&e.to_string()))))
}

fn first_line(msg: &str) -> String {
    msg.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_owned())
        .unwrap_or_else(|| msg.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(patterns: &[&str], text: &str) -> bool {
        let lines: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        compile_joined(&lines).unwrap().is_match(text)
    }

    #[test]
    fn python_escapes_mean_literals() {
        assert!(matches(&[r"\<name omitted\>"], "<name omitted>"));
        assert!(matches(
            &[r"\-\[NSObject doesNotRecognizeSelector:\]"],
            "-[NSObject doesNotRecognizeSelector:]"
        ));
        assert!(matches(&[r"a\ b\#c\'d"], "a b#c'd"));
        assert!(matches(&[r"\x41\u00e9\101\0"], "Aé\u{41}\0"));
    }

    #[test]
    fn braces_are_literal_unless_a_repetition() {
        assert!(matches(
            &["<env_logger::Logger as log::Log>::log::{{closure}}"],
            "<env_logger::Logger as log::Log>::log::{{closure}}"
        ));
        assert!(matches(
            &["{virtual override thunk}"],
            "{virtual override thunk}"
        ));
        assert!(matches(&["@0x[0-9a-fA-F]{2,}"], "@0x1f"));
        assert!(!matches(&["@0x[0-9a-fA-F]{2,}"], "@0x1"));
        assert!(matches(&["a{,2}b"], "aab"));
        assert!(matches(&["a{}"], "a{}"));
        assert!(matches(&["x{1,3"], "x{1,3"));
    }

    #[test]
    fn match_is_anchored_at_the_start_only() {
        assert!(matches(&["foo"], "foobar"));
        assert!(!matches(&["foo"], "a foo"));
        assert!(matches(&["bar", "foo"], "foo::x"));
        assert!(matches(&[], "anything"), "an empty list matches everything");
    }

    #[test]
    fn dollar_allows_one_trailing_newline() {
        assert!(matches(&["handle_error$"], "handle_error"));
        assert!(matches(&["handle_error$"], "handle_error\n"));
        assert!(!matches(&["handle_error$"], "handle_error2"));
        assert!(!matches(&[r"a\Z"], "a\n"));
    }

    #[test]
    fn classes_keep_python_meaning() {
        assert!(matches(&["[[]x"], "[x"));
        assert!(matches(&["[]a]+$"], "]a]"));
        assert!(matches(&["[a&&b]"], "&"));
        assert!(matches(
            &["[-+]\\[NSException raise"],
            "+[NSException raise"
        ));
        assert!(matches(&["[a-c]"], "b"));
        assert!(matches(&[r"[\b]"], "\x08"));
    }

    #[test]
    fn flags_and_groups() {
        assert!(matches(&["(?i)foo"], "FOO"));
        assert!(
            matches(&["(?i)foo", "bar"], "BAR"),
            "leading global flags apply to every line"
        );
        assert!(matches(&["(?i:foo)bar"], "FOObar"));
        assert!(!matches(&["(?i:foo)bar"], "FOOBAR"));
        assert!(matches(&["(?P<n>ab)+(?#comment)c"], "ababc"));
    }

    #[test]
    fn unsupported_and_invalid_patterns_are_refused() {
        for (bad, why) in [
            ("a(?=b)", "lookahead"),
            ("(?<=a)b", "lookbehind"),
            (r"(a)\1", "backreferences"),
            ("(?P=n)", "backreferences"),
            ("*a", "nothing to repeat"),
            ("a**", "nothing to repeat"),
            ("[abc", "unterminated"),
            ("(ab", "missing )"),
            ("ab)", "unbalanced"),
            (r"\q", "bad escape"),
            ("a++", "possessive"),
        ] {
            let e = translate(bad).unwrap_err();
            assert!(e.0.contains(why), "{bad}: {}", e.0);
        }
        let lines = vec!["a".to_string(), "(?i)b".to_string()];
        assert_eq!(compile_joined(&lines).unwrap_err().0, 1);
    }
}
