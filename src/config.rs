//! Configuration: one TOML file, `CRASHKIT_<SECTION>_<KEY>` environment
//! variables and command-line flags, in rising order of precedence.
//!
//! Every key is declared once, in the [`settings!`] table below; the typed
//! [`Settings`] struct, the loader, `config show` and `config docs` are all
//! generated from that one table, so the documentation cannot drift from
//! what the code reads. Unknown keys are errors that name the key and its
//! line. Secrets (keys marked `#[secret]`) are read from the environment
//! only, never from the file, and are redacted wherever values are shown.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a value came from, for `config show` and for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// A line of the configuration file.
    File { path: PathBuf, line: usize },
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Env(var) => write!(f, "env {var}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A configuration problem; the command exits with status 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: invalid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}:{line}:{column}: unknown key `{key}`{hint}", path.display())]
    UnknownKey {
        path: PathBuf,
        key: String,
        line: usize,
        column: usize,
        hint: String,
    },
    #[error("{}:{line}: `{key}` is a secret and is read from the environment only: set {env} instead", path.display())]
    SecretInFile {
        path: PathBuf,
        key: String,
        line: usize,
        env: String,
    },
    #[error("{}:{line}: throttle rule {number}: {message}", path.display())]
    Throttle {
        path: PathBuf,
        line: usize,
        number: usize,
        message: String,
    },
    #[error("{}:{line}: [[alert]] table {number}: {message}", path.display())]
    Alert {
        path: PathBuf,
        line: usize,
        number: usize,
        message: String,
    },
    #[error("{}:{line}: [[serve.tokens]] table {number}: {message}", path.display())]
    Token {
        path: PathBuf,
        line: usize,
        number: usize,
        message: String,
    },
    #[error("unknown environment variable {var}{hint}")]
    UnknownEnv { var: String, hint: String },
    #[error("{origin}: invalid value for `{key}`: {message}")]
    InvalidValue {
        key: String,
        origin: Source,
        message: String,
    },
}

/// The raw form of a value before it is parsed into its type.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    /// A value from the TOML file.
    Toml(&'a toml_edit::Value),
    /// A value from the environment or a flag.
    Text(&'a str),
}

/// A type that a configuration key can have.
pub trait Value: Sized {
    /// The type as `config docs` names it.
    fn kind() -> String;
    /// Parses a raw value.
    fn parse(raw: Raw<'_>) -> Result<Self, String>;
    /// The value as `config show` prints it (`None` when unset).
    fn render(&self) -> Option<String>;
}

impl Value for String {
    fn kind() -> String {
        "string".into()
    }
    fn parse(raw: Raw<'_>) -> Result<Self, String> {
        match raw {
            Raw::Text(s) => Ok(s.to_owned()),
            Raw::Toml(v) => v
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("expected a string, found {}", v.type_name())),
        }
    }
    fn render(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }
}

impl Value for bool {
    fn kind() -> String {
        "boolean".into()
    }
    fn parse(raw: Raw<'_>) -> Result<Self, String> {
        match raw {
            Raw::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                other => Err(format!("expected true or false, found {other:?}")),
            },
            Raw::Toml(v) => v
                .as_bool()
                .ok_or_else(|| format!("expected a boolean, found {}", v.type_name())),
        }
    }
    fn render(&self) -> Option<String> {
        Some(self.to_string())
    }
}

macro_rules! unsigned_value {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn kind() -> String {
                "integer".into()
            }
            fn parse(raw: Raw<'_>) -> Result<Self, String> {
                let n: i64 = match raw {
                    Raw::Text(s) => s
                        .trim()
                        .parse()
                        .map_err(|_| format!("expected a whole number, found {s:?}"))?,
                    Raw::Toml(v) => v
                        .as_integer()
                        .ok_or_else(|| format!("expected an integer, found {}", v.type_name()))?,
                };
                <$t>::try_from(n).map_err(|_| format!("{n} is out of range (0 to {})", <$t>::MAX))
            }
            fn render(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}
unsigned_value!(u32, u64);

impl Value for Vec<String> {
    fn kind() -> String {
        "list of strings".into()
    }
    fn parse(raw: Raw<'_>) -> Result<Self, String> {
        match raw {
            // Environment and flags: comma-separated.
            Raw::Text(s) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()),
            Raw::Toml(v) => {
                let array = v.as_array().ok_or_else(|| {
                    format!("expected a list of strings, found {}", v.type_name())
                })?;
                array
                    .iter()
                    .map(|item| {
                        item.as_str().map(str::to_owned).ok_or_else(|| {
                            format!("expected a string in the list, found {}", item.type_name())
                        })
                    })
                    .collect()
            }
        }
    }
    fn render(&self) -> Option<String> {
        let items: Vec<String> = self.iter().map(|s| format!("{s:?}")).collect();
        Some(format!("[{}]", items.join(", ")))
    }
}

impl<T: Value> Value for Option<T> {
    fn kind() -> String {
        format!("{} (optional)", T::kind())
    }
    fn parse(raw: Raw<'_>) -> Result<Self, String> {
        match raw {
            Raw::Text("") => Ok(None),
            _ => T::parse(raw).map(Some),
        }
    }
    fn render(&self) -> Option<String> {
        self.as_ref().and_then(Value::render)
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log aggregation.
    Json,
}

impl Value for LogFormat {
    fn kind() -> String {
        "\"text\" | \"json\"".into()
    }
    fn parse(raw: Raw<'_>) -> Result<Self, String> {
        match String::parse(raw)?.as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected \"text\" or \"json\", found {other:?}")),
        }
    }
    fn render(&self) -> Option<String> {
        Some(match self {
            LogFormat::Text => "\"text\"".into(),
            LogFormat::Json => "\"json\"".into(),
        })
    }
}

/// One key of the configuration, as declared in the settings table.
#[derive(Debug, Clone, Copy)]
pub struct KeyDef {
    /// The `[section]` of the file.
    pub section: &'static str,
    /// The key within the section.
    pub name: &'static str,
    /// The type, as documented.
    pub kind: fn() -> String,
    /// What the key means, for users.
    pub doc: &'static str,
    /// Whether the value is a secret: environment only, always redacted.
    pub secret: bool,
}

impl KeyDef {
    /// `section.name`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }

    /// The environment variable that sets this key.
    pub fn env_var(&self) -> String {
        format!("CRASHKIT_{}_{}", self.section, self.name).to_ascii_uppercase()
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A typed handle on one key: where it lives in [`Settings`] and its name.
#[derive(Clone, Copy)]
pub struct Key<T: 'static> {
    /// `section.name`.
    pub path: &'static str,
    field: fn(&mut Settings) -> &mut T,
}

impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)
    }
}

/// Declares every configuration key once: section structs, defaults, the
/// [`KEYS`] table and the generic setters all come from here.
macro_rules! settings {
    ($(
        $(#[doc = $sdoc:literal])+
        [$section:ident] $Section:ident {
            $(
                $(#[doc = $doc:literal])+
                $(#[$flag:ident])*
                $key:ident: $ty:ty = $default:expr;
            )+
        }
    )+) => {
        $(
            $(#[doc = $sdoc])+
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            pub struct $Section {
                $( $(#[doc = $doc])+ pub $key: $ty, )+
            }

            impl Default for $Section {
                fn default() -> Self {
                    Self { $( $key: $default, )+ }
                }
            }
        )+

        /// Every setting, typed.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Settings {
            $( pub $section: $Section, )+
        }

        /// Every key, in declaration order.
        pub static KEYS: &[KeyDef] = &[
            $( $( KeyDef {
                section: stringify!($section),
                name: stringify!($key),
                kind: <$ty as Value>::kind,
                doc: concat!($($doc),+),
                secret: false $(|| str_eq(stringify!($flag), "secret"))*,
            }, )+ )+
        ];

        /// A typed handle on every key, for flags:
        /// `config.set_flag(keys::process::jobs, "--jobs", Some(4))`.
        #[allow(non_upper_case_globals)]
        pub mod keys {
            use super::*;
            $(
                #[doc = concat!("Keys of `[", stringify!($section), "]`.")]
                pub mod $section {
                    use super::*;
                    $(
                        #[doc = concat!("`", stringify!($section), ".", stringify!($key), "`")]
                        pub const $key: Key<$ty> = Key {
                            path: concat!(stringify!($section), ".", stringify!($key)),
                            field: |s| &mut s.$section.$key,
                        };
                    )+
                }
            )+
        }

        /// Section docs, in declaration order.
        pub static SECTIONS: &[(&str, &str)] = &[
            $( (stringify!($section), concat!($($sdoc),+)), )+
        ];

        impl Settings {
            fn set_raw(&mut self, def: &KeyDef, raw: Raw<'_>) -> Result<(), String> {
                match (def.section, def.name) {
                    $( $( (stringify!($section), stringify!($key)) => {
                        self.$section.$key = <$ty as Value>::parse(raw)?;
                    } )+ )+
                    _ => return Err(format!("no such key {}", def.path())),
                }
                Ok(())
            }

            fn render(&self, def: &KeyDef) -> Option<String> {
                match (def.section, def.name) {
                    $( $( (stringify!($section), stringify!($key)) => self.$section.$key.render(), )+ )+
                    _ => None,
                }
            }
        }
    };
}

settings! {
    /// Where crash data is stored.
    [storage] StorageSettings {
        /// Crash storage location: a directory path or file:///path (the embedded default), or s3://bucket/prefix.
        url: String = String::from("./crashdata");
        /// S3 endpoint for S3-compatible stores, for example http://127.0.0.1:8333. Unset: AWS's endpoint for the region.
        s3_endpoint: Option<String> = None;
        /// S3 region. Unset: AWS_REGION or AWS_DEFAULT_REGION, else us-east-1.
        s3_region: Option<String> = None;
        /// Path-style S3 addressing (endpoint/bucket/key). Needed for bucket names with periods over TLS and for most S3-compatible stores.
        s3_path_style: bool = true;
        /// S3 access key id. Unset: AWS_ACCESS_KEY_ID or the provider chain (web identity, ECS, instance metadata).
        #[secret]
        s3_access_key_id: Option<String> = None;
        /// S3 secret access key. Unset: AWS_SECRET_ACCESS_KEY or the provider chain.
        #[secret]
        s3_secret_access_key: Option<String> = None;
        /// S3 session token for temporary credentials. Unset: AWS_SESSION_TOKEN or the provider chain.
        #[secret]
        s3_session_token: Option<String> = None;
        /// Retries of a failed S3 request (with exponential backoff) before it is reported as failed.
        retries: u32 = 5;
        /// Seconds after which a request is no longer retried, whatever the retry count.
        retry_timeout_secs: u64 = 60;
    }
    /// The crash collector (`collect-serve`).
    [collector] CollectorSettings {
        /// Address to listen on; loopback unless told otherwise. --bind overrides it.
        bind: String = String::from("127.0.0.1:8000");
        /// Largest request body on the wire in MiB (compressed size for gzip); over it: HTTP 413.
        max_body_mb: u64 = 25;
        /// Largest body after gzip decoding in MiB; a gzip bomb stops here with HTTP 413.
        max_decompressed_mb: u64 = 100;
        /// Largest annotation or JSON part in MiB; over it: HTTP 413. Dumps are bounded by the body limits only, as in Antenna.
        max_part_mb: u64 = 20;
        /// Submissions whose bodies are read at once beyond their first 64 KiB; more wait their turn. Dumps stream into storage as they arrive, so each holds little memory (up to 1 MiB of a dump on a directory, 5 MiB on S3, plus its annotations); the cap bounds concurrent storage work. A client still sending its first 64 KiB (a slow one) holds no place.
        max_in_flight: u32 = 16;
        /// Seconds a crash may take to save, storage retries included (and the limit of each write of a dump into storage while it streams in); then, or when storage fails in a way that can pass (S3 down, disk full), the answer is HTTP 503 with Retry-After, and nothing is answered with a CrashID that was not saved.
        save_timeout_secs: u64 = 30;
        /// Seconds a client may stay silent while sending its body before the request is dropped.
        idle_timeout_secs: u64 = 60;
        /// Slowest body a client may send, in bytes per second averaged over collector.rate_window_secs; a slower client is dropped (HTTP 408). 0: no minimum.
        min_bytes_per_sec: u64 = 512;
        /// Seconds over which collector.min_bytes_per_sec is measured.
        rate_window_secs: u64 = 20;
        /// Annotations dropped from every crash (with a collector note).
        remove_annotations: Vec<String> = vec![
            "Email".to_owned(),
            "TelemetryClientId".to_owned(),
            "TelemetryServerURL".to_owned(),
            "TelemetrySessionId".to_owned(),
        ];
        /// Bearer token that allows a client to supply its own crash id (the `uuid` annotation). Unset: client ids are refused.
        #[secret]
        api_token: Option<String> = None;
    }
    /// Minidump processing: symbols, signatures, limits.
    [process] ProcessSettings {
        /// Local symbol directories in Breakpad layout (<debug_file>/<DEBUG_ID>/<debug_file>.sym), searched in order. --symbols-path replaces the list.
        symbols_paths: Vec<String> = Vec::new();
        /// Symbol server base URLs (Tecken/Breakpad layout), tried in order after the local directories. --symbols-url replaces the list.
        symbols_urls: Vec<String> = Vec::new();
        /// Headers for symbol servers, each "URL-PREFIX Name: value" (e.g. "https://symbols.example.org/ Auth-Token: ${TECKEN_TOKEN}" for Tecken's private symbols): sent only to URLs starting with the prefix, redirects included. ${NAME} is read from the environment when processing starts, so tokens stay out of the file.
        symbols_headers: Vec<String> = Vec::new();
        /// Directory for symbol files downloaded from symbol servers. Unset: the user cache directory ($XDG_CACHE_HOME or ~/.cache)/crashkit/symbols.
        symbols_cache_dir: Option<String> = None;
        /// Size cap of the symbol download cache in MiB; the least recently used files are removed beyond it.
        symbols_cache_max_mb: u64 = 4096;
        /// Seconds a symbol server's "not found" is remembered before asking again.
        symbols_negative_ttl_secs: u64 = 3600;
        /// Seconds a symbol server's failure (timeout, 5xx, refused connection) is remembered before asking again: a server that is down costs one timeout per module in this window.
        symbols_error_ttl_secs: u64 = 60;
        /// Seconds one symbol file may take to download from a server, retries included.
        symbols_timeout_secs: u64 = 60;
        /// Seconds one crash may take to process before its worker is killed and the crash marked failed.
        timeout_secs: u64 = 120;
        /// Address-space limit of each processing worker in MiB (0: none); a crash that needs more is marked failed.
        memory_limit_mb: u64 = 8192;
        /// Crashes processed in parallel. Unset: the number of CPU cores.
        jobs: Option<u32> = None;
        /// Signature list directory (Socorro's format). Unset: crashkit's built-in lists.
        siglists: Option<String> = None;
        /// Crash Stats VersionString API (e.g. https://crash-stats.mozilla.org/api/VersionString/) asked for the real version of Firefox and Thunderbird beta and aurora builds. Unset: "b0" is appended, as Socorro does when the lookup finds nothing.
        version_string_api: Option<String> = None;
    }
    /// The processing queue between the collector and the workers.
    [queue] QueueSettings {
        /// Queue location: a spool directory path or file:///path (embedded), or redis://host:port/db. Unset: no queue. --queue overrides it.
        url: Option<String> = None;
        /// Seconds a pulled message is leased to a worker; after that another worker may take it over. Keep it above process.timeout_secs.
        lease_secs: u64 = 300;
        /// Deliveries after which a message goes to the dead-letter list instead of being processed again.
        max_deliveries: u32 = 5;
        /// Milliseconds an idle worker waits before asking the queue again.
        poll_interval_ms: u64 = 500;
    }
    /// The search index (`index`, `query`, and indexing in the pipeline).
    [index] IndexSettings {
        /// Search index location: a directory (the embedded Tantivy index, the default), or es+http://host:9200, es+https://..., opensearch+http://... for Elasticsearch or OpenSearch. --index overrides it.
        url: String = String::from("./crashindex");
        /// Memory of the embedded index writer in MiB, shared by the weekly partitions it has open (at most 10, each given a tenth and at least 15 MiB).
        writer_memory_mb: u64 = 400;
        /// Documents indexed between commits; a commit makes them visible to readers.
        commit_docs: u64 = 10000;
        /// Documents per Elasticsearch bulk request.
        bulk_docs: u64 = 1000;
        /// Elasticsearch/OpenSearch user for basic authentication (the password comes from CRASHKIT_INDEX_PASSWORD).
        username: Option<String> = None;
        /// Elasticsearch/OpenSearch password for basic authentication.
        #[secret]
        password: Option<String> = None;
        /// Elasticsearch API key (sent as Authorization: ApiKey <key>).
        #[secret]
        api_key: Option<String> = None;
        /// Seconds after which a search-engine request is no longer retried (429, 5xx, connection errors).
        retry_timeout_secs: u64 = 60;
    }
    /// The self-hosted Crash Stats (`serve`): its API and web pages. API tokens are `[[serve.tokens]]` tables (see below).
    [serve] ServeSettings {
        /// Address to listen on; loopback unless told otherwise. --bind overrides it.
        bind: String = String::from("127.0.0.1:8080");
        /// Most crashes one `ids` or `csv` download of the search page lists.
        max_download_rows: u64 = 10000;
        /// Longest a request may take, in seconds; a slower one is answered 503 with Retry-After (its search may finish in the background, on the bounded blocking pool).
        request_timeout_secs: u64 = 30;
    }
    /// Logging on stderr.
    [log] LogSettings {
        /// Log line format: "text" for people, "json" for log aggregation. The --log-format flag overrides it.
        format: LogFormat = LogFormat::Text;
        /// Log filter: a level, target=level directives, or both, comma-separated (e.g. "info" or "info,crashkit::collector=debug"). RUST_LOG and -v/-q override it.
        level: String = String::from("info");
    }
}

/// The effective configuration: typed settings and where each value came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The typed values.
    pub settings: Settings,
    /// The collector's throttle rules (`[[throttle]]` tables of the file).
    pub throttle: crate::throttle::Rules,
    throttle_source: Option<Source>,
    /// The rules of `crashkit alert` (`[[alert]]` tables of the file).
    pub alerts: crate::alert_rules::Rules,
    /// The API tokens of `serve` (`[[serve.tokens]]` tables of the file).
    pub tokens: crate::access::Tokens,
    sources: BTreeMap<String, Source>,
}

impl Config {
    /// Loads the defaults, then `file` (if any), then `CRASHKIT_*` variables
    /// from `env`. Flags are applied afterwards with [`Config::set_flag`].
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(path) = file {
            config.apply_file(path)?;
        }
        config.apply_env(env)?;
        Ok(config)
    }

    /// Validates a configuration file on its own (`config check`).
    pub fn check_file(path: &Path) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        config.apply_file(path)?;
        config.check()?;
        Ok(config)
    }

    /// Where the value of `key` (`section.name`) came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).cloned().unwrap_or(Source::Default)
    }

    /// Sets `key` to a value a command-line flag gave, already typed by
    /// the argument parser; `config show` then names the flag.
    pub fn set_flag<T>(&mut self, key: Key<T>, flag: &str, value: T) {
        *(key.field)(&mut self.settings) = value;
        self.sources
            .insert(key.path.to_owned(), Source::Flag(flag.to_owned()));
    }

    /// Sets `key` when a flag gave a value.
    pub fn set_flag_opt<T>(&mut self, key: Key<T>, flag: &str, value: Option<T>) {
        if let Some(value) = value {
            self.set_flag(key, flag, value);
        }
    }

    /// Checks what single keys cannot: the rules between keys, and values
    /// whose syntax belongs to another component (the log filter). Run by
    /// `config check` and by every command before it starts work.
    pub fn check(&self) -> Result<(), ConfigError> {
        let s = &self.settings;
        let invalid = |key: &str, message: String| ConfigError::InvalidValue {
            key: key.to_owned(),
            origin: self.source(key),
            message,
        };
        if s.queue.lease_secs <= s.process.timeout_secs {
            return Err(invalid(
                "queue.lease_secs",
                format!(
                    "{} must be above process.timeout_secs ({}, {}): a crash still being processed would be handed to a second worker",
                    s.queue.lease_secs,
                    s.process.timeout_secs,
                    self.source("process.timeout_secs")
                ),
            ));
        }
        if s.process.jobs == Some(0) {
            return Err(invalid("process.jobs", "must be at least 1".into()));
        }
        if s.collector.max_in_flight == 0 {
            return Err(invalid(
                "collector.max_in_flight",
                "must be at least 1".into(),
            ));
        }
        if s.process.timeout_secs == 0 {
            return Err(invalid("process.timeout_secs", "must be at least 1".into()));
        }
        if let Err(e) = s.log.level.parse::<tracing_subscriber::filter::Targets>() {
            return Err(invalid(
                "log.level",
                format!("{:?} is not a log filter: {e}", s.log.level),
            ));
        }
        Ok(())
    }

    fn set(&mut self, def: &KeyDef, raw: Raw<'_>, source: Source) -> Result<(), ConfigError> {
        self.settings
            .set_raw(def, raw)
            .map_err(|message| ConfigError::InvalidValue {
                key: def.path(),
                origin: source.clone(),
                message,
            })?;
        self.sources.insert(def.path(), source);
        Ok(())
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let position = |span: Option<std::ops::Range<usize>>| {
            let start = span.map_or(0, |s| s.start).min(text.len());
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, column)
        };
        for (section_key, item) in doc.as_table().iter() {
            let section_span = doc.as_table().key(section_key).and_then(|k| k.span());
            if section_key == "throttle" {
                let Some(array) = item.as_array_of_tables() else {
                    let (line, _) = position(section_span);
                    return Err(ConfigError::Throttle {
                        path: path.to_owned(),
                        line,
                        number: 0,
                        message: "throttle rules are [[throttle]] tables".into(),
                    });
                };
                self.throttle = crate::throttle::Rules::from_toml(array).map_err(|e| {
                    ConfigError::Throttle {
                        path: path.to_owned(),
                        line: position(e.span).0,
                        number: e.index + 1,
                        message: e.message,
                    }
                })?;
                let (line, _) = position(section_span);
                self.throttle_source = Some(Source::File {
                    path: path.to_owned(),
                    line,
                });
                continue;
            }
            if section_key == "alert" {
                let Some(array) = item.as_array_of_tables() else {
                    return Err(ConfigError::Alert {
                        path: path.to_owned(),
                        line: position(section_span).0,
                        number: 0,
                        message: "alert rules are [[alert]] tables".into(),
                    });
                };
                self.alerts = crate::alert_rules::Rules::from_toml(array).map_err(|e| {
                    ConfigError::Alert {
                        path: path.to_owned(),
                        line: position(e.span).0,
                        number: e.index + 1,
                        message: e.message,
                    }
                })?;
                continue;
            }
            let Some(table) = item.as_table_like().filter(|_| is_section(section_key)) else {
                let (line, column) = position(section_span.or_else(|| item.span()));
                let known: Vec<&str> = SECTIONS.iter().map(|(s, _)| *s).collect();
                return Err(ConfigError::UnknownKey {
                    path: path.to_owned(),
                    key: section_key.to_owned(),
                    line,
                    column,
                    hint: hint(section_key, &known, "sections"),
                });
            };
            for (name, value) in table.iter() {
                let key_span = table.key(name).and_then(|k| k.span());
                let (line, column) = position(key_span.clone().or_else(|| value.span()));
                if section_key == "serve" && name == "tokens" {
                    let Some(array) = value.as_array_of_tables() else {
                        return Err(ConfigError::Token {
                            path: path.to_owned(),
                            line,
                            number: 0,
                            message: "tokens are [[serve.tokens]] tables".into(),
                        });
                    };
                    self.tokens = crate::access::Tokens::from_toml(array).map_err(|e| {
                        ConfigError::Token {
                            path: path.to_owned(),
                            line: position(e.span).0,
                            number: e.index + 1,
                            message: e.message,
                        }
                    })?;
                    continue;
                }
                let full = format!("{section_key}.{name}");
                let Some(def) = KEYS
                    .iter()
                    .find(|d| d.section == section_key && d.name == name)
                else {
                    let known: Vec<&str> = KEYS
                        .iter()
                        .filter(|d| d.section == section_key)
                        .map(|d| d.name)
                        .collect();
                    return Err(ConfigError::UnknownKey {
                        path: path.to_owned(),
                        key: full,
                        line,
                        column,
                        hint: hint(name, &known, &format!("keys in [{section_key}]")),
                    });
                };
                if def.secret {
                    return Err(ConfigError::SecretInFile {
                        path: path.to_owned(),
                        key: full,
                        line,
                        env: def.env_var(),
                    });
                }
                let source = Source::File {
                    path: path.to_owned(),
                    line,
                };
                let Some(value) = value.as_value() else {
                    return Err(ConfigError::InvalidValue {
                        key: full,
                        origin: source,
                        message: "expected a value, found a table".into(),
                    });
                };
                self.set(def, Raw::Toml(value), source)?;
            }
        }
        Ok(())
    }

    fn apply_env(
        &mut self,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (var, value) in env {
            let Some(rest) = var.strip_prefix("CRASHKIT_") else {
                continue;
            };
            if let Some(def) = KEYS.iter().find(|d| d.env_var() == var) {
                self.set(def, Raw::Text(&value), Source::Env(var.clone()))?;
            } else if SECTIONS
                .iter()
                .any(|(s, _)| rest.starts_with(&format!("{}_", s.to_ascii_uppercase())))
            {
                // A variable in a known section's namespace that names no key
                // is almost certainly a typo; say so rather than ignore it.
                let known: Vec<String> = KEYS.iter().map(KeyDef::env_var).collect();
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                return Err(ConfigError::UnknownEnv {
                    hint: hint(&var, &known, "variables"),
                    var,
                });
            }
        }
        Ok(())
    }

    /// `config show`: every key with its effective value and source, secrets redacted.
    pub fn show(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        match &self.throttle_source {
            Some(source) => writeln!(w, "# throttle: {} rules  # {source}\n", self.throttle.len())?,
            None => writeln!(w, "# throttle: no rules (accept everything)  # default\n")?,
        }
        let names: Vec<&str> = self.tokens.iter().map(|t| t.name.as_str()).collect();
        writeln!(
            w,
            "# serve.tokens: {} tokens ({})\n",
            names.len(),
            names.join(", ")
        )?;
        for (section, _) in SECTIONS {
            writeln!(w, "[{section}]")?;
            for def in KEYS.iter().filter(|d| d.section == *section) {
                let value = self.settings.render(def);
                let source = self.source(&def.path());
                match (value, def.secret) {
                    (None, _) => writeln!(w, "# {} (unset)", def.name)?,
                    (Some(_), true) => writeln!(w, "{} = \"<redacted>\"  # {source}", def.name)?,
                    (Some(v), false) => writeln!(w, "{} = {v}  # {source}", def.name)?,
                }
            }
            writeln!(w)?;
        }
        Ok(())
    }

    /// `config show --format json`: `{"section.key": {"value", "source"}}`, secrets redacted.
    pub fn show_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for def in KEYS {
            let value = match (self.settings.render(def), def.secret) {
                (None, _) => serde_json::Value::Null,
                (Some(_), true) => "<redacted>".into(),
                (Some(v), false) => toml_to_json(&v),
            };
            out.insert(
                def.path(),
                serde_json::json!({"value": value, "source": self.source(&def.path()).to_string()}),
            );
        }
        serde_json::Value::Object(out)
    }
}

fn toml_to_json(rendered: &str) -> serde_json::Value {
    // Rendered values are TOML literals: quoted strings, booleans, integers.
    serde_json::from_str(rendered).unwrap_or_else(|_| rendered.into())
}

fn is_section(name: &str) -> bool {
    // `throttle` is handled before sections are looked up.
    SECTIONS.iter().any(|(s, _)| *s == name)
}

/// `config docs`: every key with its type, default, variable and meaning, as Markdown.
pub fn docs(mut w: impl std::io::Write) -> std::io::Result<()> {
    let defaults = Settings::default();
    writeln!(w, "# crashkit configuration keys")?;
    writeln!(w)?;
    writeln!(
        w,
        "Generated by `crashkit config docs`. Precedence: flags > environment > file (`--config` or CRASHKIT_CONFIG) > defaults."
    )?;
    writeln!(
        w,
        "Unknown keys are errors. Secret keys are read from the environment only and are never shown."
    )?;
    for (section, doc) in SECTIONS {
        writeln!(w)?;
        writeln!(w, "## [{section}]")?;
        writeln!(w)?;
        writeln!(w, "{}", doc.trim())?;
        writeln!(w)?;
        writeln!(w, "| key | type | default | environment | meaning |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for def in KEYS.iter().filter(|d| d.section == *section) {
            let default = defaults
                .render(def)
                .map_or_else(|| "(unset)".to_owned(), |v| format!("`{v}`"));
            let secret = if def.secret {
                " Secret: environment only."
            } else {
                ""
            };
            writeln!(
                w,
                "| `{}` | {} | {} | `{}` | {}{} |",
                def.path(),
                (def.kind)().replace('|', "\\|"),
                default.replace('|', "\\|"),
                def.env_var(),
                def.doc.trim(),
                secret
            )?;
        }
    }
    writeln!(w)?;
    writeln!(w, "## [[throttle]]")?;
    writeln!(w)?;
    writeln!(w, "{}", crate::throttle::DOC.trim())?;
    writeln!(w)?;
    writeln!(w, "## [[alert]]")?;
    writeln!(w)?;
    writeln!(w, "{}", crate::alert_rules::DOC.trim())?;
    writeln!(w)?;
    writeln!(w, "## [[serve.tokens]]")?;
    writeln!(w)?;
    writeln!(w, "{}", TOKENS_DOC.trim())?;
    Ok(())
}

const TOKENS_DOC: &str = r#"
API tokens of `crashkit serve`, one table each, by their sha256 (a hash is
not a secret, so the file can live in version control):

```toml
[[serve.tokens]]
name = "triage-bot"                 # for logs; the token itself is never logged
sha256 = "<hex sha256 of the token>" # printf %s "$TOKEN" | sha256sum
permissions = ["view_pii", "view_rawdump", "reprocess_crashes"]
```

Clients send the token in the `Auth-Token` header. Without one, the API
answers only public fields. `view_pii` shows protected fields,
`view_rawdump` allows dump downloads, `reprocess_crashes` allows
`POST /api/Reprocessing/`. An unknown token is refused with HTTP 403.
"#;

/// A "did you mean" suffix for a misspelt name, or a list of the known ones.
fn hint(name: &str, known: &[&str], what: &str) -> String {
    let best = known
        .iter()
        .map(|k| {
            (
                strsim::levenshtein(&name.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .min();
    match best {
        Some((d, k)) if d <= 3 => format!(" (did you mean `{k}`?)"),
        _ if known.is_empty() => String::new(),
        _ => format!(" (known {what}: {})", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn file_env_and_flags_stack_in_order() {
        let f = write("[storage]\nurl = \"/from/file\"\nretries = 3\n");
        let env = [
            ("CRASHKIT_STORAGE_RETRIES".to_string(), "7".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let mut c = Config::load(Some(f.path()), env).unwrap();
        assert_eq!(c.settings.storage.url, "/from/file");
        assert_eq!(c.settings.storage.retries, 7);
        assert_eq!(
            c.source("storage.retries"),
            Source::Env("CRASHKIT_STORAGE_RETRIES".into())
        );
        assert!(matches!(
            c.source("storage.url"),
            Source::File { line: 2, .. }
        ));
        c.set_flag(keys::storage::url, "--storage", "s3://b/p".into());
        assert_eq!(c.settings.storage.url, "s3://b/p");
        assert_eq!(c.source("storage.url"), Source::Flag("--storage".into()));
        assert_eq!(c.source("log.level"), Source::Default);
    }

    #[test]
    fn flags_are_typed_values_not_text() {
        let mut c = Config::default();
        let dirs = vec!["/syms/a,b".to_owned(), "/syms/c".to_owned()];
        c.set_flag(keys::process::symbols_paths, "--symbols-path", dirs.clone());
        assert_eq!(
            c.settings.process.symbols_paths, dirs,
            "a comma stays in its path"
        );
        assert_eq!(
            c.source("process.symbols_paths"),
            Source::Flag("--symbols-path".into())
        );
        c.set_flag_opt(keys::process::jobs, "--jobs", None);
        assert_eq!(c.source("process.jobs"), Source::Default);
    }

    #[test]
    fn rules_between_keys_and_the_log_filter_are_checked() {
        let f = write("[queue]\nlease_secs = 60\n[process]\ntimeout_secs = 120\n");
        let err = Config::check_file(f.path()).unwrap_err().to_string();
        assert!(
            err.contains(":2: invalid value for `queue.lease_secs`")
                && err.contains("above process.timeout_secs (120"),
            "{err}"
        );
        let env = [(
            "CRASHKIT_LOG_LEVEL".to_string(),
            "crashkit=loud".to_string(),
        )];
        let err = Config::load(None, env).unwrap().check().unwrap_err();
        assert!(
            err.to_string()
                .contains("env CRASHKIT_LOG_LEVEL: invalid value for `log.level`"),
            "{err}"
        );
        assert!(Config::default().check().is_ok());
    }

    #[test]
    fn misspelt_key_names_key_and_line() {
        let f = write("# comment\n[storage]\nurl = \"x\"\n  retires = 3\n");
        let err = Config::check_file(f.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                ConfigError::UnknownKey {
                    line: 4,
                    column: 3,
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("unknown key `storage.retires`"), "{msg}");
        assert!(msg.contains("did you mean `retries`"), "{msg}");
    }

    #[test]
    fn unknown_section_and_top_level_key_are_errors() {
        let err = Config::check_file(write("[storag]\nurl = \"x\"\n").path()).unwrap_err();
        assert!(err.to_string().contains("unknown key `storag`"), "{err}");
        assert!(err.to_string().contains("did you mean `storage`"), "{err}");
        let err = Config::check_file(write("url = \"x\"\n").path()).unwrap_err();
        assert!(
            matches!(err, ConfigError::UnknownKey { line: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn wrong_types_are_reported_with_position() {
        let err = Config::check_file(write("[storage]\nretries = \"many\"\n").path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(":2: invalid value for `storage.retries`: expected an integer"),
            "{msg}"
        );
        let err = Config::check_file(write("[storage]\nretries = -1\n").path()).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let err = Config::check_file(write("[log]\nformat = \"xml\"\n").path()).unwrap_err();
        assert!(
            err.to_string().contains("expected \"text\" or \"json\""),
            "{err}"
        );
        let err = Config::check_file(write("[storage\n").path()).unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err}");
    }

    #[test]
    fn secrets_never_come_from_the_file_and_are_never_shown() {
        let f = write("[storage]\ns3_secret_access_key = \"hunter2\"\n");
        let err = Config::check_file(f.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY"),
            "{err}"
        );
        assert!(!err.to_string().contains("hunter2"));

        let env = [(
            "CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY".to_string(),
            "hunter2".to_string(),
        )];
        let c = Config::load(None, env).unwrap();
        assert_eq!(
            c.settings.storage.s3_secret_access_key.as_deref(),
            Some("hunter2")
        );
        let mut shown = Vec::new();
        c.show(&mut shown).unwrap();
        let shown = String::from_utf8(shown).unwrap();
        assert!(shown.contains("s3_secret_access_key = \"<redacted>\"  # env CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY"), "{shown}");
        assert!(!shown.contains("hunter2"));
        assert!(!c.show_json().to_string().contains("hunter2"));
    }

    #[test]
    fn misspelt_environment_variable_is_an_error() {
        let env = [("CRASHKIT_STORAGE_URLL".to_string(), "x".to_string())];
        let err = Config::load(None, env).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean `CRASHKIT_STORAGE_URL`"),
            "{err}"
        );
        // CRASHKIT_CONFIG and variables outside the known sections are not keys.
        let env = [("CRASHKIT_CONFIG".to_string(), "x".to_string())];
        assert!(Config::load(None, env).is_ok());
    }

    #[test]
    fn docs_list_every_key() {
        let mut out = Vec::new();
        docs(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        for def in KEYS {
            assert!(
                out.contains(&format!("`{}`", def.path())),
                "{} missing",
                def.path()
            );
            assert!(out.contains(&def.env_var()));
        }
        assert!(
            out.contains("| `storage.url` | string | `\"./crashdata\"` |"),
            "{out}"
        );
    }

    #[test]
    fn every_key_round_trips_its_default_through_the_file() {
        // The rendered default of every non-secret key is valid TOML for that key.
        let defaults = Settings::default();
        let mut text = String::new();
        for (section, _) in SECTIONS {
            text.push_str(&format!("[{section}]\n"));
            for def in KEYS.iter().filter(|d| d.section == *section && !d.secret) {
                if let Some(v) = defaults.render(def) {
                    text.push_str(&format!("{} = {v}\n", def.name));
                }
            }
        }
        let c = Config::check_file(write(&text).path()).unwrap();
        assert_eq!(c.settings, defaults);
    }
}
