//! Signature lists in Socorro's file format.
//!
//! A directory holds four files: `irrelevant_signature_re.txt`,
//! `prefix_signature_re.txt`, `signatures_with_line_numbers_re.txt` (one
//! Python regex per line) and `signature_sentinels.txt` (exact frame
//! strings). Lines are stripped; blank lines and lines starting with `#`
//! are skipped; the regex lines of a file are joined with `|` and matched
//! at the start of a frame only. crashkit ships its own lists (see
//! `docs/signature-lists.md`); `--siglists DIR` loads others, Mozilla's
//! included.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::pyre;
use super::pyval::strip;

/// The four lists, compiled.
#[derive(Debug, Clone)]
pub struct SignatureLists {
    pub irrelevant: Regex,
    pub prefix: Regex,
    pub line_numbers: Regex,
    pub sentinels: Vec<String>,
    /// Where the lists came from, for notes and messages.
    pub source: String,
}

/// A list that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Pattern {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

const IRRELEVANT: &str = "irrelevant_signature_re";
const PREFIX: &str = "prefix_signature_re";
const LINE_NUMBERS: &str = "signatures_with_line_numbers_re";
const SENTINELS: &str = "signature_sentinels";

/// crashkit's built-in lists, compiled into the binary.
const BUILTIN: [(&str, &str); 4] = [
    (
        IRRELEVANT,
        include_str!("lists/irrelevant_signature_re.txt"),
    ),
    (PREFIX, include_str!("lists/prefix_signature_re.txt")),
    (
        LINE_NUMBERS,
        include_str!("lists/signatures_with_line_numbers_re.txt"),
    ),
    (SENTINELS, include_str!("lists/signature_sentinels.txt")),
];

/// The meaningful lines of a list file, with their 1-based line numbers.
fn lines_of(text: &str) -> Vec<(usize, String)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, strip(l).to_owned()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn compile(path: &Path, text: &str) -> Result<Regex, ListError> {
    let lines = lines_of(text);
    let patterns: Vec<String> = lines.iter().map(|(_, l)| l.clone()).collect();
    pyre::compile_joined(&patterns).map_err(|(i, e)| ListError::Pattern {
        path: path.to_owned(),
        line: lines.get(i).map_or(0, |(n, _)| *n),
        message: format!(
            "cannot compile {:?}: {}",
            patterns.get(i).map_or("", |p| p),
            e.0
        ),
    })
}

impl SignatureLists {
    /// crashkit's built-in lists (compiled once per process).
    pub fn builtin() -> SignatureLists {
        static LISTS: LazyLock<SignatureLists> = LazyLock::new(|| {
            SignatureLists::from_texts("built-in", |name| {
                Ok(BUILTIN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default())
            })
            .expect("built-in signature lists compile (checked by tests)")
        });
        LISTS.clone()
    }

    /// The lists in `dir`; every one of the four files must exist.
    pub fn from_dir(dir: &Path) -> Result<SignatureLists, ListError> {
        SignatureLists::from_texts(&dir.display().to_string(), |name| {
            let path = dir.join(format!("{name}.txt"));
            let bytes = std::fs::read(&path).map_err(|source| ListError::Read {
                path: path.clone(),
                source,
            })?;
            String::from_utf8(bytes).map_err(|e| ListError::Read {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
            })
        })
    }

    fn from_texts(
        source: &str,
        read: impl Fn(&str) -> Result<String, ListError>,
    ) -> Result<SignatureLists, ListError> {
        let path = |name: &str| Path::new(source).join(format!("{name}.txt"));
        Ok(SignatureLists {
            irrelevant: compile(&path(IRRELEVANT), &read(IRRELEVANT)?)?,
            prefix: compile(&path(PREFIX), &read(PREFIX)?)?,
            line_numbers: compile(&path(LINE_NUMBERS), &read(LINE_NUMBERS)?)?,
            sentinels: lines_of(&read(SENTINELS)?)
                .into_iter()
                .map(|(_, l)| l)
                .collect(),
            source: source.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_compile_and_work() {
        let lists = SignatureLists::builtin();
        assert!(lists.irrelevant.is_match("__GI_raise"));
        assert!(lists.prefix.is_match("malloc"));
        assert!(!lists.prefix.is_match("my_app::do_work"));
        assert!(lists
            .sentinels
            .iter()
            .any(|s| s == "core::panicking::panic_fmt"));
    }

    #[test]
    fn a_bad_line_is_named_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in BUILTIN {
            std::fs::write(dir.path().join(format!("{name}.txt")), text).unwrap();
        }
        std::fs::write(
            dir.path().join("prefix_signature_re.txt"),
            "# comment\nmalloc\n\n  free  \nfoo(?=bar)\n",
        )
        .unwrap();
        let err = SignatureLists::from_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("prefix_signature_re.txt:5: cannot compile \"foo(?=bar)\""),
            "{err}"
        );
        assert!(err.contains("lookahead"), "{err}");

        std::fs::remove_file(dir.path().join("signature_sentinels.txt")).unwrap();
        std::fs::write(dir.path().join("prefix_signature_re.txt"), "malloc\n").unwrap();
        let err = SignatureLists::from_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("signature_sentinels.txt"), "{err}");
    }

    #[test]
    fn mozillas_lists_load_when_present() {
        // ../shared is beside the repository in development and CI.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/siglists-mozilla");
        if !dir.is_dir() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs ../shared/siglists-mozilla"
            );
            return;
        }
        let lists = SignatureLists::from_dir(&dir).unwrap();
        assert!(lists.prefix.is_match("<name omitted>"));
        assert!(lists
            .irrelevant
            .is_match("<env_logger::Logger as log::Log>::log::{{closure}}"));
        assert!(lists.line_numbers.is_match("js_Interpret"));
    }
}
