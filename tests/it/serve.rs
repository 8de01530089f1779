//! `crashkit serve`: the real binary over crashes the demo collected,
//! processed and indexed, asked by a raw HTTP client written here (every
//! endpoint, with and without each permission), by crashstats-tools'
//! commands (`supersearch`, `supersearchfacet`, `fetch-data`, `reprocess`)
//! and `crashkit query --api`, and by a real browser: headless Chromium
//! loads each page (`--dump-dom` gives the DOM it built, which the tests
//! assert on) and saves screenshots under target/tmp/screenshots/.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::collector::raw_request;
use crate::{crashkit, have, run, stderr, stdout};

/// Permissions of the test's tokens; each token's value is `<name>-secret`.
pub const TOKENS: &[(&str, &[&str])] = &[
    ("pii", &["view_pii"]),
    ("dumps", &["view_rawdump"]),
    ("reprocess", &["reprocess_crashes"]),
    ("all", &["view_pii", "view_rawdump", "reprocess_crashes"]),
];

/// What only `view_pii` may see: values the demo puts in URL and Comments.
const SECRETS: &[&str] = &["private.example", "typing my password"];

pub fn secret(name: &str) -> String {
    format!("{name}-secret")
}

/// A demo's data served by `crashkit serve`; stopped when dropped.
pub struct Site {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    child: Child,
    pub addr: String,
    /// The index serve reads: the demo's embedded one, or Elasticsearch.
    pub index: String,
}

impl Site {
    pub fn start() -> Site {
        Site::start_on(None)
    }

    /// The demo's data served from `es` (an Elasticsearch/OpenSearch
    /// index URL the demo's crashes are indexed into), or from the demo's
    /// embedded index.
    pub fn start_on(es: Option<String>) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("demo");
        let out = crate::demo(tmp.path(), &dir);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let mut config = String::new();
        for (name, permissions) in TOKENS {
            let quoted: Vec<String> = permissions.iter().map(|p| format!("{p:?}")).collect();
            config.push_str(&format!(
                "[[serve.tokens]]\nname = {name:?}\nsha256 = {:?}\npermissions = [{}]\n\n",
                crashkit::access::hash_hex(&secret(name)),
                quoted.join(", ")
            ));
        }
        let index = es.unwrap_or_else(|| dir.join("index").display().to_string());
        add_crash_with_every_protected_field(&dir, &index);
        if !index.starts_with(&dir.display().to_string()) {
            let since = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%d");
            let out = run(crashkit(tmp.path())
                .args(["index", "--index", &index, "--storage"])
                .arg(dir.join("crashdata"))
                .args(["--since", &since.to_string()]));
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        let config_file = tmp.path().join("serve.toml");
        std::fs::write(&config_file, config).unwrap();
        let mut child = crashkit(tmp.path())
            .arg("--config")
            .arg(&config_file)
            .args(["serve", "--bind", "127.0.0.1:0", "--storage"])
            .arg(dir.join("crashdata"))
            .arg("--index")
            .arg(&index)
            .arg("--queue")
            .arg(dir.join("spool"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.strip_prefix("crashkit serve: listening on http://") {
                break rest.to_owned();
            }
        };
        // Keep draining the log so the server never blocks on stderr.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Site {
            _tmp: tmp,
            dir,
            child,
            addr,
            index,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn storage(&self) -> PathBuf {
        self.dir.join("crashdata")
    }

    /// `GET path` with the token of `token` (a name of [`TOKENS`], or any
    /// other string sent as it is).
    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        self.request("GET", path, token, None)
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        form: Option<&str>,
    ) -> (u16, Vec<u8>) {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(token) = token {
            let value = if TOKENS.iter().any(|(n, _)| *n == token) {
                secret(token)
            } else {
                token.to_owned()
            };
            head.push_str(&format!("Auth-Token: {value}\r\n"));
        }
        let body = form.unwrap_or_default();
        if form.is_some() {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(body);
        let r = raw_request(&self.addr, head.as_bytes());
        (r.status, r.body)
    }

    /// `POST path` with a JSON body and extra header lines (`Name: value`).
    pub fn post_json(&self, path: &str, body: &str, extra: &[&str]) -> crate::collector::Response {
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for line in extra {
            head.push_str(&format!("{line}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(body);
        raw_request(&self.addr, head.as_bytes())
    }

    /// Every crash id the demo stored, sorted.
    pub fn crash_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.storage().join("v1/processed_crash"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        ids
    }

    pub fn raw_crash(&self, id: &str) -> Value {
        crate::collector::raw_crash(&self.storage(), id)
    }

    pub fn processed_crash(&self, id: &str) -> Value {
        let path = self.storage().join("v1/processed_crash").join(id);
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// A crash the reporter sent protected annotations with.
    pub fn crash_with_secrets(&self) -> String {
        self.crash_ids()
            .into_iter()
            .find(|id| self.raw_crash(id).get("URL").is_some())
            .expect("the demo sends URL with some crashes")
    }

    /// Messages waiting in the spool's reprocessing queue.
    pub fn reprocessing_backlog(&self) -> Vec<String> {
        let ready = self.dir.join("spool/reprocessing/ready");
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir(ready) {
            for entry in entries {
                out.push(std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
            }
        }
        out
    }

    /// `crashkit query` over the index the site serves.
    pub fn query(&self, args: &[&str]) -> String {
        let out = run(crashkit(&self.dir)
            .arg("query")
            .arg("--index")
            .arg(&self.index)
            .args(args));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

fn leaks(body: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(body);
    SECRETS.iter().copied().find(|s| text.contains(s))
}

/// Every key anywhere in `value`.
fn keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// The crash [`add_crash_with_every_protected_field`] stores.
const PROTECTED_CRASH: &str = "5ec7e75e-0000-4000-8000-000000000000";

/// Stores, processes and indexes a crash whose processed crash holds
/// every protected field a crash can carry, each protected value marked
/// `SECRET` (Socorro's rules copy and derive them, so the marks travel).
fn add_crash_with_every_protected_field(dir: &Path, index: &str) -> String {
    use std::io::Write;
    let today = chrono::Utc::now();
    let id = format!("{}0{}", &PROTECTED_CRASH[..29], today.format("%y%m%d"));
    let storage = dir.join("crashdata");
    let memory_report = serde_json::json!({
        "version": 1, "hasMozMallocUsableSize": true,
        "reports": [{"process": "SECRET-process (pid 1)", "path": "resident", "kind": 2, "units": 0, "amount": 1}]
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(memory_report.to_string().as_bytes()).unwrap();
    let raw = serde_json::json!({
        "uuid": id,
        "submitted_timestamp": today.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
        "version": 2,
        "metadata": {"user_agent": "SECRET-user-agent", "payload": "multipart", "collector_notes": [],
                     "dump_checksums": {}, "payload_compressed": "0", "payload_size": 1, "throttle_rule": "x"},
        "ProductName": "Protected", "Version": "1.0", "ReleaseChannel": "release", "BuildID": "20261201000000",
        "URL": "https://SECRET-url.example/", "Comments": "SECRET-comment",
        "DumperError": "SECRET-dumper", "GleanClientId": "SECRET-glean", "GMPLibraryPath": "SECRET-gmp",
        "RemoteType": "SECRET-remote", "SubmittedFromInfobar": "1",
        "JavaStackTrace": "java.lang.Error: SECRET-java-message\n\tat a.B.c(B.java:1)",
        "MozCrashReason": "byte index SECRET-moz-reason",
        "PHCKind": "SECRET-phc-kind", "PHCBaseAddress": "4096", "PHCUsableSize": "8",
        "PHCAllocStack": "SECRET-alloc", "PHCFreeStack": "SECRET-free",
        "Breadcrumbs": serde_json::json!([{"message": "SECRET-crumb", "category": "c"}]).to_string(),
        "JavaException": serde_json::json!({"exception": {"values": [{"stacktrace": {
            "frames": [], "module": "m", "type": "T", "value": "SECRET-java-exception"}}]}}).to_string(),
        "TelemetryEnvironment": serde_json::json!({"profile": {"creationDate": 1},
            "settings": {"defaultSearchEngine": "public-search-engine"}}).to_string(),
    });
    let day = format!("20{}", &id[30..]);
    let write = |key: String, bytes: &[u8]| {
        let path = storage.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write(
        format!("v1/dump_names/{id}"),
        br#"["memory_report","upload_file_minidump"]"#,
    );
    let dump = std::fs::read(crate::repo().join("testdata/minidumps/null-write.dmp")).unwrap();
    write(format!("v1/dump/{id}"), &dump);
    write(format!("v1/memory_report/{id}"), &gz.finish().unwrap());
    write(
        format!("v1/raw_crash/{day}/{id}"),
        raw.to_string().as_bytes(),
    );
    let out = run(crashkit(dir)
        .args(["process", "--storage"])
        .arg(&storage)
        .args(["--jobs", "1", &id]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(crashkit(dir)
        .args(["index", "--index", index])
        .arg("--storage")
        .arg(&storage)
        .arg(&id));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    id
}

#[test]
fn no_protected_field_of_the_processed_crash_leaves_without_view_pii() {
    use crashkit::processed_crash::{Permission, FIELDS};
    let site = Site::start();
    let id = site
        .crash_ids()
        .into_iter()
        .find(|i| i.starts_with(&PROTECTED_CRASH[..29]))
        .unwrap();
    let stored = site.processed_crash(&id);
    let protected: Vec<&str> = FIELDS
        .iter()
        .filter(|f| f.permission == Permission::Protected)
        .map(|f| f.name)
        .collect();
    // The crash carries the protected fields a crash with a minidump and
    // a memory report can have (a Mac's boot arguments, a guard-page
    // access and a memory report that failed to read are not among them).
    let carried: Vec<&str> = protected
        .iter()
        .copied()
        .filter(|f| stored.get(*f).is_some())
        .collect();
    let absent: Vec<&str> = protected
        .iter()
        .copied()
        .filter(|f| !carried.contains(f))
        .collect();
    assert_eq!(
        absent,
        [
            "has_guard_page_access",
            "mac_boot_args",
            "memory_report_error"
        ],
        "protected fields the test crash does not carry"
    );
    let signature = stored["signature"].as_str().unwrap().to_owned();
    let quoted: String = form_urlencoded::byte_serialize(signature.as_bytes()).collect();
    let mut columns = String::new();
    for field in crashkit::search::fields::FIELDS {
        columns.push_str(&format!("&_columns={}", field.name));
    }
    let paths = [
        format!("/api/ProcessedCrash/?crash_id={id}"),
        format!("/api/RawCrash/?crash_id={id}&format=meta"),
        format!("/api/SuperSearch/?product=Protected{columns}&_facets=signature"),
        "/api/SuperSearch/?product=Protected&_facets=url&_facets=user_comments".to_owned(),
        format!("/report/index/{id}"),
        "/search/?product=Protected".to_owned(),
        format!("/search/csv?product=Protected{columns}"),
        format!("/signature/?signature={quoted}"),
        "/topcrashers/?product=Protected".to_owned(),
        "/".to_owned(),
    ];
    for caller in [None, Some("dumps"), Some("reprocess")] {
        let who = caller.unwrap_or("no token");
        for path in &paths {
            let (status, body) = site.get(path, caller);
            assert!(status == 200 || status == 400, "{who} {path}: {status}");
            let text = String::from_utf8_lossy(&body);
            if let Some(at) = text.find("SECRET") {
                let around: String = text[at.saturating_sub(120)..].chars().take(200).collect();
                panic!("{who} {path}: a protected value: …{around}…");
            }
        }
        let (_, body) = site.get(&paths[0], caller);
        let processed = json(&body);
        for field in &protected {
            assert!(processed.get(*field).is_none(), "{who}: {field} served");
        }
    }
    // With view_pii the processed crash comes whole, protected fields included.
    let (_, body) = site.get(&paths[0], Some("pii"));
    let processed = json(&body);
    for field in &carried {
        assert_eq!(processed[*field], stored[*field], "view_pii: {field}");
    }
}

#[test]
fn super_search_treats_protected_fields_as_socorro() {
    super_search_treats_protected_fields_as_socorro_on(&Site::start());
}

fn super_search_treats_protected_fields_as_socorro_on(site: &Site) {
    let total = |path: &str, token: Option<&str>| {
        let (status, body) = site.get(path, token);
        assert_eq!(
            status,
            200,
            "{path} {token:?}: {}",
            String::from_utf8_lossy(&body)
        );
        json(&body)
    };
    let url_query = "/api/SuperSearch/?product=Protected&url=~nothing-like-it&_columns=url&_columns=uuid&_facets=url&_sort=-url";
    // Without view_pii: the filter on url is no parameter, url is out of
    // the columns and the facets.
    for token in [None, Some("dumps")] {
        let answer = total(url_query, token);
        assert_eq!(answer["total"], 1, "{token:?}");
        assert!(answer["hits"][0].get("url").is_none(), "{token:?}");
        assert!(answer["hits"][0]["uuid"].is_string(), "{token:?}");
        assert!(answer["facets"].get("url").is_none(), "{token:?}");
        assert_eq!(leaks(&serde_json::to_vec(&answer).unwrap()), None);
        let (status, body) = site.get("/api/SuperSearchUnredacted/?product=Protected", token);
        assert_eq!(status, 403, "{token:?}");
        assert!(String::from_utf8_lossy(&body).contains("View Personal Identifiable Information"));
    }
    // With view_pii, on both endpoints: filtered, returned and faceted.
    for path in [
        url_query.to_owned(),
        url_query.replace("/SuperSearch/", "/SuperSearchUnredacted/"),
    ] {
        assert_eq!(total(&path, Some("pii"))["total"], 0, "{path}");
        let path = path.replace("nothing-like-it", "SECRET-url");
        let answer = total(&path, Some("pii"));
        assert_eq!(answer["total"], 1, "{path}");
        assert_eq!(answer["hits"][0]["url"], "https://SECRET-url.example/");
        assert_eq!(answer["facets"]["url"][0]["count"], 1);
    }
    // Unknown fields stay a 400 naming the parameter, for everyone.
    let (status, body) = site.get("/api/SuperSearch/?no_such_field=1", None);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("no_such_field"));

    // /api/ documents every endpoint.
    let (status, body) = site.get("/api/", None);
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&body);
    for name in [
        "SuperSearch",
        "SuperSearchUnredacted",
        "SuperSearchFields",
        "Bugs",
        "SignaturesByBugs",
        "SignatureFirstDate",
        "CrashSignature",
        "VersionString",
        "MissingProcessedCrash",
        "RawCrash",
        "ProcessedCrash",
        "Reprocessing",
    ] {
        assert!(
            page.contains(&format!("id=\"{name}\"")),
            "/api/ lacks {name}"
        );
    }

    // SuperSearchFields: every field, in Socorro's shape.
    let fields = total("/api/SuperSearchFields/", None);
    let fields = fields.as_object().unwrap();
    assert_eq!(fields.len(), crashkit::search::fields::FIELDS.len());
    assert!(fields.len() >= 150);
    assert_eq!(
        fields["url"]["permissions_needed"],
        serde_json::json!(["crashstats.view_pii"])
    );
    assert_eq!(
        fields["signature"]["permissions_needed"],
        serde_json::json!([])
    );
    assert_eq!(fields["signature"]["has_full_version"], true);
    assert_eq!(fields["platform"]["in_database_name"], "os_name");
    assert_eq!(
        fields["memory_explicit"]["namespace"],
        "processed_crash.memory_measures"
    );
    assert_eq!(fields["uptime_ts"]["query_type"], "float");
    assert_eq!(fields["date"]["query_type"], "date");
    for (name, field) in fields {
        for key in [
            "name",
            "description",
            "query_type",
            "data_validation_type",
            "namespace",
            "in_database_name",
            "permissions_needed",
            "storage_mapping",
            "is_exposed",
            "is_returned",
            "has_full_version",
            "form_field_choices",
        ] {
            assert!(field.get(key).is_some(), "{name} lacks {key}");
        }
    }
}

#[test]
fn crash_signature_and_version_string_answer_as_socorro() {
    crash_signature_and_version_string_answer_as_socorro_on(&Site::start());
}

fn crash_signature_and_version_string_answer_as_socorro_on(site: &Site) {
    // CrashSignature: the signature `crashkit signature` gives the same job.
    let job = serde_json::json!({
        "os": "Windows NT",
        "crashing_thread": 0,
        "threads": [{"frames": [
            {"frame": 0, "function": "KiFastSystemCallRet", "module": "ntdll.dll"},
            {"frame": 1, "function": "nsThread::ProcessNextEvent(bool, bool*)", "module": "xul.dll",
             "file": "hg:hg.mozilla.org/mozilla-central:xpcom/threads/nsThread.cpp:abc", "line": 10},
            {"frame": 2, "function": "js::RunScript", "module": "xul.dll"},
        ]}],
    });
    let expected = {
        let out = crate::with_stdin(crashkit(&site.dir).arg("signature"), &job.to_string());
        json(&out.stdout)
    };
    let body = serde_json::json!({"jobs": [job, {"java_stack_trace": "java.lang.Error: x\n\tat a.B.c(B.java:1)"}]});
    let r = site.post_json("/api/CrashSignature/", &body.to_string(), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r
        .head
        .to_ascii_lowercase()
        .contains("access-control-allow-origin: *"));
    let answer = json(&r.body);
    let first = &answer["results"][0];
    assert_eq!(first["signature"], expected["signature"]);
    assert_eq!(first["notes"], expected["notes"]);
    assert_eq!(
        first["extra"]["proto_signature"],
        expected["proto_signature"]
    );
    assert!(
        first["extra"]["normalized_frames"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert!(first.get("debug_log").is_none());
    assert_eq!(
        answer["results"][1]["signature"],
        "java.lang.Error: x at a.B.c(B.java)"
    );
    assert!(answer["results"][1]["extra"]
        .get("proto_signature")
        .is_none());
    let r = site.post_json("/api/CrashSignature/", &body.to_string(), &["Debug: 1"]);
    assert!(!json(&r.body)["results"][0]["debug_log"]
        .as_array()
        .unwrap()
        .is_empty());
    for (bad, says) in [
        ("{}", "no jobs specified"),
        ("{\"jobs\": []}", "no jobs specified"),
        ("{\"jobs\": [1]}", "job 0 is not an object"),
        ("{\"jobs\": 3}", "jobs"),
        ("not json", "not JSON"),
    ] {
        let r = site.post_json("/api/CrashSignature/", bad, &[]);
        assert_eq!(r.status, 400, "{bad}");
        assert!(String::from_utf8_lossy(&r.body).contains(says), "{bad}");
        assert!(
            r.head
                .to_ascii_lowercase()
                .contains("access-control-allow-origin: *"),
            "{bad}"
        );
    }
    let preflight = raw_request(
        &site.addr,
        format!(
            "OPTIONS /api/CrashSignature/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nOrigin: https://x.example\r\nAccess-Control-Request-Method: POST\r\n\r\n",
            site.addr
        )
        .as_bytes(),
    );
    assert_eq!(preflight.status, 200);
    assert!(preflight
        .head
        .to_ascii_lowercase()
        .contains("access-control-allow-methods: post"));

    // VersionString: the versions indexed crashes of a product, channel
    // and build carry.
    let crash = site.processed_crash(&site.crash_ids()[0]);
    let path = format!(
        "/api/VersionString/?product={}&channel={}&build_id={}",
        crash["product"].as_str().unwrap(),
        crash["release_channel"].as_str().unwrap().to_uppercase(),
        crash["build"].as_str().unwrap()
    );
    let (status, body) = site.get(&path, None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer = json(&body);
    let versions: Vec<&str> = answer["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["version_string"].as_str().unwrap())
        .collect();
    assert!(
        versions.contains(&crash["version"].as_str().unwrap()),
        "{versions:?}"
    );
    assert_eq!(answer["total"], versions.len());
    let (status, body) = site.get(
        "/api/VersionString/?product=Firefox&channel=beta&build_id=20000101000000",
        None,
    );
    assert_eq!(
        (status, json(&body)),
        (200, serde_json::json!({"hits": [], "total": 0}))
    );
    let (status, body) = site.get(
        "/api/VersionString/?product=Firefox&channel=beta&build_id=x",
        None,
    );
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("build_id"));
    let (status, body) = site.get("/api/VersionString/?product=Firefox&channel=beta", None);
    assert_eq!(status, 400);
    assert_eq!(
        json(&body),
        serde_json::json!({"errors": {"build_id": ["This field is required."]}})
    );
}

#[test]
fn without_a_token_no_protected_field_or_dump_leaves_the_server() {
    let site = Site::start();
    let id = site.crash_with_secrets();
    let stored_raw = site.raw_crash(&id);
    let stored_processed = site.processed_crash(&id);
    let dump = std::fs::read(site.storage().join("v1/dump").join(&id)).unwrap();
    let has = |token: Option<&str>, permission: &str| {
        token.is_some_and(|t| {
            TOKENS
                .iter()
                .any(|(n, ps)| *n == t && ps.contains(&permission))
        })
    };
    let callers: Vec<Option<&str>> = std::iter::once(None)
        .chain(TOKENS.iter().map(|(n, _)| Some(*n)))
        .collect();
    for caller in callers {
        let who = caller.unwrap_or("no token");
        // Super Search: every indexed field is public.
        let (status, body) = site.get(
            "/api/SuperSearch/?_columns=uuid&_columns=signature&_facets=platform",
            caller,
        );
        assert_eq!(status, 200, "{who}");
        assert_eq!(leaks(&body), None, "{who}");
        assert_eq!(json(&body)["total"], 43, "{who}");

        // Annotations: all of them with view_pii, the public ones otherwise.
        let (status, body) = site.get(&format!("/api/RawCrash/?crash_id={id}&format=meta"), caller);
        assert_eq!(status, 200, "{who}");
        if has(caller, "view_pii") {
            assert_eq!(json(&body), stored_raw, "{who}");
        } else {
            assert_eq!(leaks(&body), None, "{who}");
            let raw = json(&body);
            for key in raw.as_object().unwrap().keys() {
                assert!(
                    crashkit::webapp::public::RAW_CRASH.contains(&key.as_str()),
                    "{who}: {key} is not public"
                );
            }
            assert!(raw.get("metadata").is_none(), "{who}");
            assert_eq!(raw["ProductName"], stored_raw["ProductName"], "{who}");
        }

        // The dump: its bytes with view_rawdump, 403 otherwise.
        let (status, body) = site.get(
            &format!("/api/RawCrash/?crash_id={id}&format=raw&name=dump"),
            caller,
        );
        if has(caller, "view_rawdump") {
            assert_eq!(status, 200, "{who}");
            assert!(body == dump, "{who}: the dump differs from the stored one");
        } else {
            assert_eq!(status, 403, "{who}");
            assert!(
                String::from_utf8_lossy(&body).contains("View Raw Dumps"),
                "{who}"
            );
        }

        // The processed crash: whole with view_pii; otherwise no key the
        // schema does not mark public, however deep.
        let (status, body) = site.get(&format!("/api/ProcessedCrash/?crash_id={id}"), caller);
        assert_eq!(status, 200, "{who}");
        let processed = json(&body);
        if has(caller, "view_pii") {
            assert_eq!(processed, stored_processed, "{who}");
        } else {
            let mut seen = BTreeSet::new();
            keys(&processed, &mut seen);
            for protected in [
                "registers",
                "handles",
                "thread_id",
                "proc_limits",
                "soft_errors",
            ] {
                assert!(!seen.contains(protected), "{who}: {protected} leaked");
            }
            assert_eq!(
                processed["signature"], stored_processed["signature"],
                "{who}"
            );
            assert_eq!(
                processed["json_dump"]["crashing_thread"]["frames"][0]["function"],
                stored_processed["json_dump"]["crashing_thread"]["frames"][0]["function"],
                "{who}"
            );
        }

        // Reprocessing: reprocess_crashes only.
        let before = site.reprocessing_backlog().len();
        let (status, body) = site.request(
            "POST",
            "/api/Reprocessing/",
            caller,
            Some(&format!("crash_ids={id}")),
        );
        if has(caller, "reprocess_crashes") {
            assert_eq!((status, json(&body)), (200, Value::Bool(true)), "{who}");
            assert_eq!(site.reprocessing_backlog().len(), before + 1, "{who}");
        } else {
            assert_eq!(status, 403, "{who}");
            assert!(
                String::from_utf8_lossy(&body).contains("Reprocess Crashes"),
                "{who}"
            );
            assert_eq!(site.reprocessing_backlog().len(), before, "{who}");
        }
    }

    // A token that is not configured is refused everywhere.
    for path in [
        "/api/SuperSearch/".to_owned(),
        format!("/api/RawCrash/?crash_id={id}"),
        format!("/api/ProcessedCrash/?crash_id={id}"),
    ] {
        assert_eq!(site.get(&path, Some("not-a-token")).0, 403, "{path}");
    }
    assert_eq!(
        site.request(
            "POST",
            "/api/Reprocessing/",
            Some("not-a-token"),
            Some("crash_ids=x")
        )
        .0,
        403
    );

    // The pages are public: they never show what only view_pii may read.
    let signature = stored_processed["signature"].as_str().unwrap().to_owned();
    let quoted: String = form_urlencoded::byte_serialize(signature.as_bytes()).collect();
    for path in [
        "/".to_owned(),
        format!("/report/index/{id}"),
        "/search/?product=Firefox&_facets=url".to_owned(),
        "/search/?product=Firefox".to_owned(),
        "/search/csv?product=Firefox&_columns=uuid&_columns=signature".to_owned(),
        format!("/signature/?signature={quoted}"),
        "/topcrashers/?product=Firefox".to_owned(),
    ] {
        let (status, body) = site.get(&path, None);
        assert!(status == 200 || status == 400, "{path}: {status}");
        assert_eq!(leaks(&body), None, "{path}");
    }
}

#[test]
fn bad_requests_get_clear_errors_that_name_the_parameter() {
    let site = Site::start();
    let id = site.crash_ids().remove(0);
    let error = |path: &str| {
        let (status, body) = site.get(path, Some("all"));
        let value = json(&body);
        (
            status,
            value["error"].as_str().unwrap_or_default().to_owned(),
            value,
        )
    };
    let (status, message, _) = error("/api/ProcessedCrash/?crash_id=../../etc/passwd");
    assert_eq!(status, 400);
    assert!(message.contains("crash_id"), "{message}");
    let (status, message, _) =
        error("/api/RawCrash/?crash_id=00000000-0000-4000-8000-000000261201");
    assert_eq!(status, 404);
    assert!(message.contains("Not found"), "{message}");
    let (status, _, value) = error("/api/RawCrash/");
    assert_eq!(status, 400);
    assert!(value["errors"]["crash_id"].is_array(), "{value}");
    let (status, message, _) = error(&format!(
        "/api/RawCrash/?crash_id={id}&format=raw&name=../processed_crash"
    ));
    assert_eq!(status, 400);
    assert!(message.contains("name"), "{message}");
    let (status, message, _) = error(&format!("/api/RawCrash/?crash_id={id}&format=xml"));
    assert_eq!(status, 400);
    assert!(message.contains("format"), "{message}");
    for (param, query) in [
        ("_results_number", "_results_number=1001"),
        ("nosuchfield", "nosuchfield=1"),
        ("_facets", "_facets=nosuchfield"),
        ("signature", "signature=@(unclosed"),
        ("date", "date=%3Eyesterday-ish"),
        // Past Elasticsearch's result window, as Socorro refuses it.
        ("_results_offset", "_results_offset=10000"),
        // Billions of buckets between two build ids: refused, not built
        // (it used to tie the server up).
        ("_histogram.build_id", "_histogram.build_id=product"),
    ] {
        let (status, message, _) = error(&format!("/api/SuperSearch/?{query}"));
        assert_eq!(status, 400, "{query}");
        assert!(message.contains(param), "{query}: {message}");
    }
    let (status, message, _) = error("/api/NoSuchThing/");
    assert_eq!(status, 404);
    assert!(message.contains("NoSuchThing"), "{message}");
    // Reprocessing: bad ids and rulesets are refused whole, nothing queued.
    for form in [
        "crash_ids=not-a-crash".to_owned(),
        format!("crash_ids={id}:no_such_ruleset"),
        String::new(),
    ] {
        let (status, body) = site.request("POST", "/api/Reprocessing/", Some("all"), Some(&form));
        assert_eq!(status, 400, "{form}: {}", String::from_utf8_lossy(&body));
    }
    assert!(site.reprocessing_backlog().is_empty());
    // The ruleset of `<id>:<ruleset>` travels with the message.
    let (status, _) = site.request(
        "POST",
        "/api/Reprocessing/",
        Some("all"),
        Some(&format!("crash_ids={id}:regenerate_signature")),
    );
    assert_eq!(status, 200);
    let queued = site.reprocessing_backlog();
    assert!(
        queued.len() == 1 && queued[0].contains("regenerate_signature") && queued[0].contains(&id),
        "{queued:?}"
    );
    // Pages say what is wrong in HTML.
    let (status, body) = site.get("/report/index/not-a-crash-id", None);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("not a valid crash id"));
    let (status, _) = site.get("/report/index/00000000-0000-4000-8000-000000261201", None);
    assert_eq!(status, 404);
    let (status, body) = site.get("/search/?_results_number=5000", None);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("_results_number"));
}

/// Where crashstats-tools' commands are, if installed (required in CI).
fn crashstats_tools() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CRASHKIT_TEST_CRASHSTATS_TOOLS") {
        return Some(PathBuf::from(dir));
    }
    if !have("supersearch") {
        return None;
    }
    let out = Command::new("sh")
        .args(["-c", "command -v supersearch"])
        .output()
        .unwrap();
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.parent().map(Path::to_owned)
}

/// Runs a crashstats-tools command with `token` (a [`TOKENS`] name) in
/// CRASHSTATS_API_TOKEN; its exit status and output.
fn tool(bin: &Path, name: &str, token: Option<&str>, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(bin.join(name));
    cmd.args(args).stdin(Stdio::null()).env("COLUMNS", "200");
    match token {
        Some(t) => cmd.env("CRASHSTATS_API_TOKEN", secret(t)),
        None => cmd.env_remove("CRASHSTATS_API_TOKEN"),
    };
    let out = cmd.output().unwrap_or_else(|e| panic!("{name}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn crashstats_tools_and_query_api_work_against_serve() {
    if crashstats_tools().is_some() {
        crashstats_tools_and_query_api_work_against_serve_on(&Site::start());
    }
}

fn crashstats_tools_and_query_api_work_against_serve_on(site: &Site) {
    let bin = crashstats_tools().expect("crashstats-tools");
    let host = site.url("");
    let expected: BTreeSet<String> = site
        .query(&["product=Firefox", "--format", "ids", "--limit", "all"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(expected.len() > 10, "{expected:?}");

    // supersearch: the crash ids, paged by the tool.
    let (ok, out, err) = tool(
        &bin,
        "supersearch",
        None,
        &["--host", &host, "--num", "all", "--product=Firefox"],
    );
    assert!(ok, "{err}");
    let found: BTreeSet<String> = out.lines().map(|l| l.trim().to_owned()).collect();
    assert_eq!(found, expected);

    // --_return_query: no Elasticsearch query to return, said clearly.
    // (The tool asks only with a token; a 400 naming the parameter.)
    let (ok, out, err) = tool(
        &bin,
        "supersearch",
        Some("pii"),
        &["--host", &host, "--product=Firefox", "--_return_query=true"],
    );
    assert!(!ok, "{out}");
    assert!(
        err.contains("400") && err.contains("_return_query"),
        "{out}{err}"
    );

    // crashkit query --api: the same crashes, through the same API.
    let out = run(crashkit(&site.dir).args([
        "query",
        "--api",
        &host,
        "product=Firefox",
        "--format",
        "ids",
        "--limit",
        "all",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let via_api: BTreeSet<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(via_api, expected);

    // supersearchfacet: the facet table, as the index counts it.
    let (ok, out, err) = tool(
        &bin,
        "supersearchfacet",
        None,
        &[
            "--host",
            &host,
            "--_facets=signature",
            "--product=Firefox",
            "--format=tab",
        ],
    );
    assert!(ok, "{err}");
    let table: Vec<(String, u64)> = out
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(term, _)| *term != "signature")
        .map(|(term, count)| (term.to_owned(), count.trim().parse().unwrap()))
        .collect();
    let facets = json(
        site.query(&[
            "product=Firefox",
            "--facet",
            "signature",
            "--format",
            "json",
            "--limit",
            "0",
        ])
        .as_bytes(),
    );
    let mut want: Vec<(String, u64)> = facets["facets"]["signature"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["term"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect();
    want.push(("total".into(), expected.len() as u64));
    assert_eq!(table, want, "{out}");

    // fetch-data: raw crash, dumps and processed crash, byte-identical dumps.
    let some: Vec<String> = expected.iter().take(3).cloned().collect();
    let into = site.dir.join("fetched");
    let mut args = vec![
        "--host",
        &host,
        "--raw",
        "--dumps",
        "--processed",
        into.to_str().unwrap(),
    ];
    args.extend(some.iter().map(String::as_str));
    let (ok, _, err) = tool(&bin, "fetch-data", Some("all"), &args);
    assert!(ok, "{err}");
    for id in &some {
        let dump = std::fs::read(into.join("upload_file_minidump").join(id)).unwrap();
        let stored = std::fs::read(site.storage().join("v1/dump").join(id)).unwrap();
        assert!(dump == stored, "{id}: fetched dump differs");
        let raw: Value = serde_json::from_slice(
            &std::fs::read(
                into.join("raw_crash")
                    .join(format!("20{}", &id[30..]))
                    .join(id),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(raw, site.raw_crash(id));
        let processed: Value =
            serde_json::from_slice(&std::fs::read(into.join("processed_crash").join(id)).unwrap())
                .unwrap();
        assert_eq!(processed, site.processed_crash(id));
    }
    // A token without view_rawdump: the tool is told, and no dump is written.
    let into = site.dir.join("fetched-without-permission");
    let mut args = vec!["--host", &host, "--raw", "--dumps", into.to_str().unwrap()];
    args.push(&some[0]);
    let (ok, out, err) = tool(&bin, "fetch-data", Some("pii"), &args);
    assert!(!ok, "{out}");
    assert!(err.contains("403") || out.contains("403"), "{out}{err}");
    assert!(!into.join("upload_file_minidump").join(&some[0]).exists());

    // reprocess: onto the reprocessing queue, with the permission only.
    let mut args = vec!["--host", &host, "--sleep", "0"];
    args.extend(some.iter().map(String::as_str));
    let (ok, out, err) = tool(&bin, "reprocess", Some("pii"), &args);
    assert!(!ok, "{out}");
    assert!(err.contains("Reprocess Crashes"), "{err}");
    assert!(site.reprocessing_backlog().is_empty());
    let (ok, out, err) = tool(&bin, "reprocess", Some("reprocess"), &args);
    assert!(ok && out.contains("Done!"), "{out}{err}");
    let queued = site.reprocessing_backlog();
    assert_eq!(queued.len(), some.len());
    for id in &some {
        assert!(
            queued.iter().any(|m| m.contains(id.as_str())),
            "{id} not queued"
        );
    }
}

/// Headless Chromium, if installed (required in CI).
fn chromium() -> Option<String> {
    if let Ok(path) = std::env::var("CRASHKIT_TEST_CHROMIUM") {
        return Some(path);
    }
    have("chromium").then(|| "chromium".to_owned())
}

struct Browser {
    bin: String,
    profile: tempfile::TempDir,
}

impl Browser {
    fn command(&self, width: u32, height: u32) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", self.profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .stdin(Stdio::null());
        cmd
    }

    /// The DOM the browser built from `url`.
    fn dom(&self, url: &str) -> String {
        let out = self
            .command(1280, 1800)
            .arg("--dump-dom")
            .arg(url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A screenshot of `url` in target/tmp/screenshots/`name`.png.
    fn screenshot(&self, url: &str, name: &str, width: u32, height: u32) {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{name}.png"));
        let out = self
            .command(width, height)
            .arg(format!("--screenshot={}", file.display()))
            .arg(url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let png = std::fs::read(&file).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}: an empty screenshot"
        );
    }
}

/// The rows of the table with `id` in `dom`: each row's cell texts.
fn table_rows(dom: &str, id: &str) -> Vec<Vec<String>> {
    let start = dom
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &dom[start..start + dom[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    let tags = regex::Regex::new(r"<[^>]+>").unwrap();
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    let cell = cell.split("</td>").next().unwrap();
                    tags.replace_all(cell, "")
                        .replace("&amp;", "&")
                        .trim()
                        .to_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn pages_in_a_real_browser() {
    let Some(bin) = chromium() else {
        return;
    };
    let browser = Browser {
        bin,
        profile: tempfile::tempdir().unwrap(),
    };
    let site = Site::start();
    // A crash in a worker thread: its stack, and the other 12 threads folded.
    let threaded = site
        .crash_ids()
        .into_iter()
        .find(|id| site.processed_crash(id)["thread_count"] == 13)
        .expect("the demo posts thread-null-write.dmp");

    // The report: the stack's functions with their source lines.
    let url = site.url(&format!("/report/index/{threaded}"));
    let dom = browser.dom(&url);
    assert!(
        dom.contains("<h1 id=\"signature\">crashhelper::crash_null_write</h1>"),
        "{dom}"
    );
    let frames = table_rows(&dom, "crashing-frames");
    assert_eq!(frames[0][1], "crashhelper");
    assert_eq!(frames[0][2], "crashhelper::crash_null_write");
    assert_eq!(frames[0][3], "testdata/crashhelper/src/main.rs:31");
    assert_eq!(frames[1][2], "crashhelper::worker_crash");
    assert_eq!(dom.matches("<details><summary>Thread").count(), 12);
    assert!(
        dom.contains("<dd>8 worker-7</dd>"),
        "the crashing thread is named"
    );
    assert_eq!(table_rows(&dom, "missing-symbols")[0][0], "linux-vdso.so.1");
    browser.screenshot(&url, "report", 1280, 1800);
    browser.screenshot(&url, "report-phone", 390, 1600);

    // Super Search: the total, the hits, the signature facet.
    let firefox: Vec<String> = site
        .query(&["product=Firefox", "--format", "ids", "--limit", "all"])
        .lines()
        .map(str::to_owned)
        .collect();
    let url = site.url("/search/?product=Firefox&_facets=signature&_facets=version");
    let dom = browser.dom(&url);
    assert!(
        dom.contains(&format!("<h2 id=\"total\">{} crashes</h2>", firefox.len())),
        "{dom}"
    );
    let hits = table_rows(&dom, "hits");
    assert_eq!(hits.len(), firefox.len());
    for row in &hits {
        assert!(firefox.contains(&row[0]), "{row:?}");
        assert_eq!(row[3], "Firefox");
    }
    let facet = table_rows(&dom, "facet-signature");
    let counted: u64 = facet.iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    assert_eq!(counted, firefox.len() as u64);
    assert!(
        dom.contains("<form class=\"search card\""),
        "the form is there"
    );
    browser.screenshot(&url, "search", 1280, 1800);

    // A submitted form lands on the shareable Super Search address.
    let dom = browser.dom(&site.url("/search/?f=product&op=&v=Firefox&f=&op=&v="));
    assert_eq!(table_rows(&dom, "hits").len(), firefox.len());

    // Top crashers: one row per signature, ranked by count.
    let url = site.url("/topcrashers/?product=Firefox&days=7");
    let dom = browser.dom(&url);
    let rows = table_rows(&dom, "topcrashers");
    assert_eq!(rows.len(), facet.len());
    assert_eq!(rows[0][0], "1");
    assert_eq!(rows[0][2], facet[0][0], "the top signature ranks first");
    // Nothing emerges without a baseline: the demo's crashes are all new.
    assert_eq!(rows[0][3], "", "no emerging flag");
    assert_eq!(rows[0][4], facet[0][1]);
    browser.screenshot(&url, "topcrashers", 1280, 1200);

    // The signature page: one chart point per day, adding up to the crashes.
    let quoted: String =
        form_urlencoded::byte_serialize(b"crashhelper::crash_null_write").collect();
    let url = site.url(&format!("/signature/?signature={quoted}&days=7"));
    let dom = browser.dom(&url);
    let points =
        regex::Regex::new(r#"<circle class="point" data-date="([0-9-]+)" data-count="(\d+)""#)
            .unwrap();
    let counts: Vec<u64> = points
        .captures_iter(&dom)
        .map(|c| c[2].parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 7);
    let total = site
        .query(&[
            "signature==crashhelper::crash_null_write",
            "--format",
            "ids",
            "--limit",
            "all",
        ])
        .lines()
        .count() as u64;
    assert_eq!(counts.iter().sum::<u64>(), total);
    assert_eq!(
        *counts.last().unwrap(),
        total,
        "the demo's crashes are today's"
    );
    assert!(!table_rows(&dom, "facet-platform").is_empty());
    browser.screenshot(&url, "signature", 1280, 1400);
}

/// Dockerflow's health routes, as load balancers and orchestrators poll
/// them: `/__lbheartbeat__` does no work, `/__heartbeat__` checks storage,
/// index and queue (500 naming what failed), `/__version__` says what runs.
#[test]
fn health_routes_answer_as_dockerflow_asks() {
    let site = Site::start();
    assert_eq!(site.get("/__lbheartbeat__", None).0, 200);
    let (status, body) = site.get("/__heartbeat__", None);
    assert_eq!(
        (status, json(&body)),
        (200, serde_json::json!({"errors": []}))
    );
    let version = json(&site.get("/__version__", None).1);
    assert_eq!(version["source"], "crashkit");
    assert!(version["version"].is_string() && version["commit"].is_string());
    // The queue gone (its spool replaced by a file): the heartbeat says so.
    let spool = site.dir.join("spool");
    std::fs::rename(&spool, site.dir.join("spool.moved")).unwrap();
    std::fs::write(&spool, b"not a directory").unwrap();
    let (status, body) = site.get("/__heartbeat__", None);
    let errors = json(&body)["errors"].clone();
    assert_eq!(status, 500, "{errors}");
    assert!(errors[0].as_str().unwrap().starts_with("queue"), "{errors}");
    assert_eq!(site.get("/__lbheartbeat__", None).0, 200);
}

/// A Bugzilla REST double: `bugs` bugs with crash signatures, served in
/// pages as `limit`/`offset` ask; the first request fails with a 502.
/// Returns its base URL and the query strings it was asked.
fn bugzilla_double(
    bugs: Vec<(u64, String)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/rest", listener.local_addr().unwrap());
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = asked.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let len = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..len]).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            let query = target
                .split_once('?')
                .map(|(_, q)| q.to_owned())
                .unwrap_or_default();
            seen.lock().unwrap().push(query.clone());
            let (status, body) = if n == 0 {
                ("502 Bad Gateway", "upstream down".to_owned())
            } else {
                let get = |k: &str| {
                    form_urlencoded::parse(query.as_bytes())
                        .find(|(key, _)| key == k)
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                };
                let (offset, limit) = (get("offset").unwrap_or(0), get("limit").unwrap_or(20));
                let page: Vec<Value> = bugs
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|(id, sig)| serde_json::json!({"id": id, "cf_crash_signature": sig}))
                    .collect();
                ("200 OK", serde_json::json!({ "bugs": page }).to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, asked)
}

#[test]
fn bugs_and_first_dates_as_crash_stats_answers_them() {
    bugs_and_first_dates_as_crash_stats_answers_them_on(&Site::start());
}

fn bugs_and_first_dates_as_crash_stats_answers_them_on(site: &Site) {
    let index = site.index.clone();
    let crash = site.processed_crash(&site.crash_ids()[0]);
    let signature = crash["signature"].as_str().unwrap().to_owned();
    let quoted: String = form_urlencoded::byte_serialize(signature.as_bytes()).collect();

    // 502 bugs (two pages of 500), one of them filed for the demo's
    // signature and another one; the double fails once first.
    let mut bugs: Vec<(u64, String)> = (1..=501)
        .map(|i| (100 + i, format!("[@ sig{i}]")))
        .collect();
    bugs.push((9001, format!("[@ {signature}]\r\n[@ OOM | small]")));
    let (bugzilla, asked) = bugzilla_double(bugs);
    let import = |extra: &[&str]| {
        let out = run(crashkit(&site.dir)
            .args(["bugs", "--index"])
            .arg(&index)
            .args(["import", "--bugzilla", &bugzilla])
            .args(extra));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let said = import(&[]);
    assert!(
        said.contains("bugs read: 502, associations added: 503, removed: 0"),
        "{said}"
    );
    // The server sees the import without a restart.
    let (status, body) = site.get(&format!("/api/Bugs/?signatures={quoted}"), None);
    assert_eq!(status, 200);
    assert_eq!(
        json(&body),
        serde_json::json!({"total": 2, "hits": [
            {"id": 9001, "signature": "OOM | small"},
            {"id": 9001, "signature": signature},
        ]})
    );
    let form = format!("signatures={quoted}");
    let (status, body) = site.request("POST", "/api/Bugs/", None, Some(&form));
    assert_eq!(
        (status, json(&body)["total"].clone()),
        (200, Value::from(2))
    );
    let (_, body) = site.get("/api/SignaturesByBugs/?bug_ids=9001&bug_ids=101", None);
    assert_eq!(json(&body)["total"], 3);
    assert_eq!(site.get("/api/SignaturesByBugs/?bug_ids=x", None).0, 400);
    let (status, body) = site.get("/api/Bugs/", None);
    assert_eq!(status, 400);
    assert_eq!(
        json(&body),
        serde_json::json!({"errors": {"signatures": ["This field is required."]}})
    );

    // The next run asks only for what changed since the last one (an hour
    // of overlap), and the pages went by limit and offset.
    {
        let asked = asked.lock().unwrap();
        assert_eq!(asked.len(), 3, "{asked:?}");
        assert!(asked[2].contains("offset=500"), "{asked:?}");
        assert!(asked[1].contains("chfieldfrom=1970-01-01"), "{asked:?}");
    }
    import(&[]);
    let last = asked.lock().unwrap().last().unwrap().clone();
    let from = form_urlencoded::parse(last.as_bytes())
        .find(|(k, _)| k == "chfieldfrom")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let from = chrono::DateTime::parse_from_rfc3339(&from).unwrap();
    let ago = chrono::Utc::now().signed_duration_since(from);
    assert!(
        ago > chrono::Duration::minutes(59) && ago < chrono::Duration::minutes(65),
        "{last}"
    );

    // add, remove and show, for trackers that are not Bugzilla.
    let bugs_cmd = |args: &[&str]| {
        let out = run(crashkit(&site.dir)
            .args(["bugs", "--index"])
            .arg(&index)
            .args(args));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    bugs_cmd(&["add", "77", &signature]);
    bugs_cmd(&["remove", "9001", "OOM | small"]);
    assert_eq!(
        bugs_cmd(&["show", &signature]),
        format!("77\t{signature}\n9001\t{signature}\n")
    );

    // First dates: kept as the demo's crashes were indexed.
    let (status, body) = site.get(
        &format!("/api/SignatureFirstDate/?signatures={quoted}&signatures=never-seen"),
        None,
    );
    assert_eq!(status, 200);
    let answer = json(&body);
    assert_eq!(answer["total"], 1, "{answer}");
    let hit = &answer["hits"][0];
    assert_eq!(hit["signature"], signature.as_str());
    assert!(hit["first_build"].as_str().unwrap().len() == 14, "{hit}");
    let first = chrono::DateTime::parse_from_rfc3339(hit["first_date"].as_str().unwrap()).unwrap();
    let date =
        chrono::DateTime::parse_from_rfc3339(crash["date_processed"].as_str().unwrap()).unwrap();
    assert!(first <= date, "{first} after {date}");
}

#[test]
fn verify_records_what_processing_missed_and_serve_lists_it() {
    verify_records_what_processing_missed_and_serve_lists_it_on(&Site::start());
}

fn verify_records_what_processing_missed_and_serve_lists_it_on(site: &Site) {
    use crashkit::crash_id::{CrashId, Throttle};
    let storage = site.storage();
    let source = site.crash_ids()[0].clone();
    let day = format!("20{}", &source[30..]);
    let date = chrono::NaiveDate::parse_from_str(&day, "%Y%m%d").unwrap();
    let copy = |to: &str, processed: bool| {
        let raw = std::fs::read(storage.join(format!("v1/raw_crash/{day}/{source}"))).unwrap();
        let raw = String::from_utf8(raw).unwrap().replace(&source, to);
        let write = |key: String, bytes: &[u8]| {
            let path = storage.join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        };
        write(format!("v1/raw_crash/{day}/{to}"), raw.as_bytes());
        for key in ["dump_names", "dump"] {
            let bytes = std::fs::read(storage.join(format!("v1/{key}/{source}"))).unwrap();
            write(format!("v1/{key}/{to}"), &bytes);
        }
        if processed {
            let text =
                std::fs::read_to_string(storage.join(format!("v1/processed_crash/{source}")))
                    .unwrap()
                    .replace(&source, to);
            write(format!("v1/processed_crash/{to}"), text.as_bytes());
        }
    };
    let unprocessed = CrashId::generate(Throttle::Accept, date).to_string();
    let unindexed = CrashId::generate(Throttle::Accept, date).to_string();
    copy(&unprocessed, false);
    copy(&unindexed, true);
    let verify = || {
        let out = run(crashkit(&site.dir)
            .args(["verify", "--date", &date.to_string(), "--storage"])
            .arg(&storage)
            .arg("--index")
            .arg(&site.index)
            .arg("--queue")
            .arg(site.dir.join("spool")));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        out
    };
    let out = verify();
    let mut want = vec![unprocessed.clone(), unindexed.clone()];
    want.sort();
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), want);
    assert!(
        stderr(&out).contains("1 without a processed crash, 1 not indexed, 2 sent to processing"),
        "{}",
        stderr(&out)
    );
    let queued = std::fs::read_dir(site.dir.join("spool/standard/ready"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(queued >= 2, "{queued} messages in the standard queue");

    let listed = |site: &Site| {
        let r = raw_request(
            &site.addr,
            format!(
                "GET /api/MissingProcessedCrash/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                site.addr
            )
            .as_bytes(),
        );
        assert_eq!(r.status, 200);
        assert!(r
            .head
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: *"));
        json(&r.body)
    };
    let answer = listed(site);
    assert_eq!(answer["count"], 2);
    assert_eq!(answer["next"], Value::Null);
    assert_eq!(answer["previous"], Value::Null);
    for r in answer["results"].as_array().unwrap() {
        assert!(
            want.contains(&r["crash_id"].as_str().unwrap().to_owned()),
            "{r}"
        );
        assert_eq!(r["is_processed"], false);
        assert!(r["created"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(site.get("/api/MissingProcessedCrash/?page=x", None).0, 400);

    // Processed and indexed since: the next sweep marks them.
    let out = run(crashkit(&site.dir)
        .args(["process", "--storage"])
        .arg(&storage)
        .args(["--jobs", "1", &unprocessed]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(crashkit(&site.dir)
        .args(["index", "--index", &site.index])
        .arg("--storage")
        .arg(&storage)
        .args([&unprocessed, &unindexed]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = verify();
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("2 found missing before are done now"),
        "{}",
        stderr(&out)
    );
    let answer = listed(site);
    assert!(answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["is_processed"] == true));
}

/// The endpoints and tools above, with serve reading Elasticsearch/OpenSearch.
#[test]
fn every_endpoint_on_elasticsearch() {
    let Ok(url) = std::env::var("CRASHKIT_TEST_ES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but CRASHKIT_TEST_ES_URL is not (scripts/test.sh starts osmem-server)"
        );
        eprintln!("skipped: CRASHKIT_TEST_ES_URL is not set");
        return;
    };
    let es = format!(
        "{}/site{}",
        url.trim_end_matches('/'),
        uuid::Uuid::new_v4().simple()
    );
    let site = Site::start_on(Some(es));
    super_search_treats_protected_fields_as_socorro_on(&site);
    crash_signature_and_version_string_answer_as_socorro_on(&site);
    bugs_and_first_dates_as_crash_stats_answers_them_on(&site);
    verify_records_what_processing_missed_and_serve_lists_it_on(&site);
    if crashstats_tools().is_some() {
        crashstats_tools_and_query_api_work_against_serve_on(&site);
    }
}
