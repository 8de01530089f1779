//! The HTTP API never panics and never answers 500 on what a client sends:
//! the input's first byte picks an endpoint, the rest is its query string
//! (percent-encoded except `&` and `=`, so parameters keep their shape) or,
//! for `POST /api/CrashSignature/` and `POST /api/Bugs/`, its body. Served
//! by the real router over an empty directory storage and embedded index.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use crashkit::config::Config;
use crashkit::search::{self, Mode};
use crashkit::storage::CrashStorage;
use crashkit::webapp::{router, Webapp};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const GETS: &[&str] = &[
    "/api/SuperSearch/",
    "/api/SuperSearchUnredacted/",
    "/api/SuperSearchFields/",
    "/api/VersionString/",
    "/api/Bugs/",
    "/api/SignaturesByBugs/",
    "/api/SignatureFirstDate/",
    "/api/MissingProcessedCrash/",
    "/api/RawCrash/",
    "/api/ProcessedCrash/",
    "/search/",
    "/search/csv",
    "/topcrashers/",
    "/signature/",
];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.settings.storage.url = dir.path().join("crashdata").display().to_string();
        config.settings.index.url = dir.path().join("index").display().to_string();
        std::fs::create_dir_all(dir.path().join("crashdata")).unwrap();
        let storage = CrashStorage::open(&config.settings.storage).unwrap();
        let index = search::open(&config.settings.index, Mode::Write).unwrap();
        let app = Webapp::new(
            &config,
            storage,
            index,
            None,
            crashkit::signature::Generator::builtin(),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Fixture {
            runtime,
            app: router(std::sync::Arc::new(app)),
            _dir: dir,
        }
    })
}

fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"&=-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let fx = fixture();
    let request = match pick as usize % (GETS.len() + 2) {
        n if n < GETS.len() => http::Request::get(format!("{}?{}", GETS[n], encode(rest)))
            .body(Body::empty())
            .unwrap(),
        n if n == GETS.len() => http::Request::post("/api/CrashSignature/")
            .header("content-type", "application/json")
            .body(Body::from(rest.to_vec()))
            .unwrap(),
        _ => http::Request::post("/api/Bugs/")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(rest.to_vec()))
            .unwrap(),
    };
    let uri = request.uri().clone();
    let response = fx
        .runtime
        .block_on(fx.app.clone().oneshot(request))
        .unwrap();
    let status = response.status().as_u16();
    assert!(
        status < 500 || status == 503,
        "{uri}: {status}"
    );
});
