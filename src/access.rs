//! API tokens and their permissions, as `crashkit serve` checks them.
//!
//! Tokens are configured by their sha256 hash, never in clear, as
//! `[[serve.tokens]]` tables of the configuration file:
//!
//! ```toml
//! [[serve.tokens]]
//! name = "triage-bot"
//! sha256 = "<hex sha256 of the token>"
//! permissions = ["view_pii", "view_rawdump", "reprocess_crashes"]
//! ```
//!
//! A hash is not a secret: the file can live in version control. A token
//! presented in the `Auth-Token` header is hashed and compared with every
//! configured hash in constant time, so neither the comparison nor the
//! position of the match tells anything about the tokens.

use std::fmt;
use std::ops::Range;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token allows, under Socorro's permission names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// See protected fields of raw and processed crashes.
    ViewPii,
    /// Download dumps.
    ViewRawdump,
    /// Send crashes to the reprocessing queue.
    ReprocessCrashes,
}

impl Permission {
    pub const ALL: [Permission; 3] = [
        Permission::ViewPii,
        Permission::ViewRawdump,
        Permission::ReprocessCrashes,
    ];

    /// The name in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewPii => "view_pii",
            Permission::ViewRawdump => "view_rawdump",
            Permission::ReprocessCrashes => "reprocess_crashes",
        }
    }

    /// The name Crash Stats shows in its error messages.
    pub fn title(self) -> &'static str {
        match self {
            Permission::ViewPii => "View Personal Identifiable Information",
            Permission::ViewRawdump => "View Raw Dumps",
            Permission::ReprocessCrashes => "Reprocess Crashes",
        }
    }

    fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configured token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// Who holds it, for logs (the token itself is never logged).
    pub name: String,
    sha256: [u8; 32],
    pub permissions: Vec<Permission>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("permissions", &self.permissions)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// A token of `name` whose hash is `sha256_hex`.
    pub fn new(
        name: &str,
        sha256_hex: &str,
        permissions: Vec<Permission>,
    ) -> Result<Token, String> {
        let bytes = hex::decode(sha256_hex.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                "`sha256` must be 64 hex digits: the sha256 of the token (printf %s TOKEN | sha256sum)"
                    .to_owned()
            })?;
        Ok(Token {
            name: name.to_owned(),
            sha256: bytes,
            permissions,
        })
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// The hex sha256 of `token`, as a `[[serve.tokens]]` table wants it.
pub fn hash_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A mistake in a `[[serve.tokens]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// Which table (0-based).
    pub index: usize,
    /// Where in the file, for the line number.
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// The configured tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens(Vec<Token>);

impl Tokens {
    pub fn new(tokens: Vec<Token>) -> Tokens {
        Tokens(tokens)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Token> {
        self.0.iter()
    }

    /// The token `presented` is, if it is one: hashed, then compared with
    /// every configured hash in constant time.
    pub fn find(&self, presented: &str) -> Option<&Token> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for token in &self.0 {
            if bool::from(token.sha256.ct_eq(&digest)) && found.is_none() {
                found = Some(token);
            }
        }
        found
    }

    /// Parses the `[[serve.tokens]]` array of the configuration file.
    pub fn from_toml(array: &toml_edit::ArrayOfTables) -> Result<Tokens, TokenError> {
        let mut tokens = Vec::new();
        for (index, table) in array.iter().enumerate() {
            let err = |message: String, key: Option<&str>| TokenError {
                index,
                span: key
                    .and_then(|k| table.key(k))
                    .and_then(|k| k.span())
                    .or_else(|| table.span()),
                message,
            };
            for (key, _) in table.iter() {
                if !["name", "sha256", "permissions"].contains(&key) {
                    return Err(err(
                        format!("unknown key `{key}` (a token has name, sha256, permissions)"),
                        Some(key),
                    ));
                }
            }
            let text = |key: &str| -> Result<String, TokenError> {
                table
                    .get(key)
                    .and_then(|item| item.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("`{key}` must be a string"), Some(key)))
            };
            let name = text("name")?;
            let sha256 = text("sha256")?;
            let mut permissions = Vec::new();
            if let Some(item) = table.get("permissions") {
                let list = item.as_array().ok_or_else(|| {
                    err("`permissions` must be a list".into(), Some("permissions"))
                })?;
                for value in list {
                    let permission =
                        value.as_str().and_then(Permission::parse).ok_or_else(|| {
                            let known: Vec<&str> =
                                Permission::ALL.iter().map(|p| p.as_str()).collect();
                            err(
                                format!(
                                    "unknown permission {} (known: {})",
                                    value.to_string().trim(),
                                    known.join(", ")
                                ),
                                Some("permissions"),
                            )
                        })?;
                    if !permissions.contains(&permission) {
                        permissions.push(permission);
                    }
                }
            }
            permissions.sort();
            let token =
                Token::new(&name, &sha256, permissions).map_err(|m| err(m, Some("sha256")))?;
            if tokens.iter().any(|t: &Token| t.sha256 == token.sha256) {
                return Err(err(
                    format!("token {name:?} has the same hash as another token"),
                    Some("sha256"),
                ));
            }
            tokens.push(token);
        }
        Ok(Tokens(tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Tokens, TokenError> {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let serve = doc["serve"].as_table().unwrap();
        Tokens::from_toml(serve["tokens"].as_array_of_tables().unwrap())
    }

    #[test]
    fn tokens_are_found_by_their_hash_only() {
        let text = format!(
            "[[serve.tokens]]\nname = \"bot\"\nsha256 = \"{}\"\npermissions = [\"view_pii\", \"reprocess_crashes\"]\n\
             [[serve.tokens]]\nname = \"reader\"\nsha256 = \"{}\"\n",
            hash_hex("s3cret"),
            hash_hex("other")
        );
        let tokens = parse(&text).unwrap();
        let bot = tokens.find("s3cret").unwrap();
        assert_eq!(bot.name, "bot");
        assert!(bot.has(Permission::ViewPii) && bot.has(Permission::ReprocessCrashes));
        assert!(!bot.has(Permission::ViewRawdump));
        assert!(tokens.find("other").unwrap().permissions.is_empty());
        assert!(tokens.find("s3cre").is_none());
        assert!(
            tokens.find(&hash_hex("s3cret")).is_none(),
            "the hash is not the token"
        );
        assert!(!format!("{tokens:?}").contains(&hash_hex("s3cret")));
    }

    #[test]
    fn mistakes_are_named() {
        let e = parse("[[serve.tokens]]\nname = \"a\"\nsha256 = \"abc\"\n").unwrap_err();
        assert!(e.message.contains("64 hex digits"), "{e:?}");
        let e = parse(&format!(
            "[[serve.tokens]]\nname = \"a\"\nsha256 = \"{}\"\npermissions = [\"view_everything\"]\n",
            hash_hex("x")
        ))
        .unwrap_err();
        assert!(e.message.contains("view_everything"), "{e:?}");
        let e = parse("[[serve.tokens]]\nname = \"a\"\ntoken = \"x\"\n").unwrap_err();
        assert!(e.message.contains("unknown key `token`"), "{e:?}");
        let same = format!(
            "[[serve.tokens]]\nname = \"a\"\nsha256 = \"{0}\"\n[[serve.tokens]]\nname = \"b\"\nsha256 = \"{0}\"\n",
            hash_hex("x")
        );
        assert_eq!(parse(&same).unwrap_err().index, 1);
    }
}
