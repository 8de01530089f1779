//! The processor rules against Socorro's: every crash of
//! `testdata/processor/corpus.jsonl` goes through crashkit's rules and
//! through Socorro's own processor (`../shared/socorro-processor/run.py`,
//! the reference), both given the same stackwalk of the same minidumps,
//! and the processed crashes must agree field by field.
//!
//! The oracle runs in the Python that `CRASHKIT_TEST_SOCORRO_PYTHON`
//! names (scripts/test.sh makes a venv with the oracle's requirements);
//! without it the test is skipped, except in CI where it fails.
//!
//! Only what changes from run to run is set aside: the processing times,
//! the time in the first note, crashkit's own `schema_version`, and the
//! directory `signature_debug` names for the signature lists (the oracle
//! reads the same lists from its own copy).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};

use crashkit::config::ProcessSettings;
use crashkit::process::rules::Stackwalk;
use crashkit::process::Processor;
use crashkit::storage::Dumps;

use super::repo;

const STACKWALK_VERSION: &str = "minidump-stackwalk replay (socorro-processor run.py)";

fn oracle_dir() -> PathBuf {
    repo().join("../shared/socorro-processor")
}

/// The oracle's Python, or `None` (skipped) outside CI.
fn oracle_python() -> Option<PathBuf> {
    match std::env::var_os("CRASHKIT_TEST_SOCORRO_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but CRASHKIT_TEST_SOCORRO_PYTHON is not (scripts/test.sh sets it)"
            );
            eprintln!("skipping: CRASHKIT_TEST_SOCORRO_PYTHON is not set");
            None
        }
    }
}

/// minidump-processor's own JSON for a dump: the stackwalk both sides get.
fn stackwalk(path: &Path, runtime: &tokio::runtime::Runtime) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let dump = minidump::Minidump::read(bytes.as_slice()).unwrap();
    let supplier =
        breakpad_symbols::SimpleSymbolSupplier::new(vec![repo().join("testdata/symbols")]);
    let symbolizer = breakpad_symbols::Symbolizer::new(supplier);
    let state = runtime
        .block_on(minidump_processor::process_minidump_with_options(
            &dump,
            &symbolizer,
            minidump_processor::ProcessorOptions::default(),
        ))
        .unwrap();
    let mut printed = Vec::new();
    state.print_json(&mut printed, false).unwrap();
    serde_json::from_slice(&printed).unwrap()
}

/// A processed crash with what changes from run to run set aside.
fn comparable(mut pc: Map<String, Value>) -> Map<String, Value> {
    for key in ["started_datetime", "completed_datetime", "schema_version"] {
        pc.remove(key);
    }
    if let Some(Value::String(notes)) = pc.get_mut("processor_notes") {
        let rest = notes.split_once('\n').map_or("", |(_, rest)| rest);
        *notes = format!(">>> Start processing\n{rest}");
    }
    if let Some(Value::String(debug)) = pc.get_mut("signature_debug") {
        *debug = debug
            .lines()
            .map(|l| {
                if l.contains("using signature lists from ") {
                    "SignatureGenerationRule: using included signature lists"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    pc
}

#[test]
fn differential_against_socorros_processor() {
    differential(None);
}

/// The same with a VersionString API that knows every beta build (the
/// oracle's lookup answers the same version).
#[test]
fn differential_with_a_version_string_api() {
    differential(Some("147.0b3"));
}

/// A VersionString API answering `version` to every request, on a free
/// loopback port, for as long as the test runs.
fn version_string_api(version: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/api/VersionString/",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let body = json!({"hits": [{"version_string": version}], "total": 1}).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn differential(beta_version: Option<&'static str>) {
    let Some(python) = oracle_python() else {
        return;
    };
    let corpus = std::fs::read_to_string(repo().join("testdata/processor/corpus.jsonl")).unwrap();
    let items: Vec<Value> = corpus
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // The stackwalk of every minidump, shared by both sides.
    let mut walked: BTreeMap<String, Value> = BTreeMap::new();
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("in.jsonl");
    let mut lines = String::new();
    for item in &items {
        let mut json_dumps = Map::new();
        for (name, path) in item["dumps"].as_object().unwrap() {
            let path = path.as_str().unwrap();
            let full = repo().join(path);
            let is_minidump = name.starts_with("upload_file_minidump");
            if is_minidump && std::fs::metadata(&full).unwrap().len() > 0 {
                let json_dump = walked
                    .entry(path.to_owned())
                    .or_insert_with(|| stackwalk(&full, &runtime))
                    .clone();
                json_dumps.insert(name.clone(), json_dump);
            }
        }
        let dumps: Map<String, Value> = item["dumps"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), json!(repo().join(v.as_str().unwrap()))))
            .collect();
        let line =
            json!({"raw_crash": item["raw_crash"], "dumps": dumps, "json_dumps": json_dumps});
        lines.push_str(&serde_json::to_string(&line).unwrap());
        lines.push('\n');
    }
    std::fs::write(&batch, lines).unwrap();

    let out = dir.path().join("out.jsonl");
    let mut oracle = Command::new(python);
    oracle
        .arg(oracle_dir().join("run.py"))
        .arg("--batch")
        .arg(&batch)
        .arg("--out")
        .arg(&out);
    if let Some(version) = beta_version {
        oracle.args(["--beta-version", version]);
    }
    let status = oracle.status().expect("the oracle runs");
    assert!(status.success(), "the oracle failed on a crash");
    let expected: Vec<Map<String, Value>> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(expected.len(), items.len());

    let settings = ProcessSettings {
        siglists: Some(
            oracle_dir()
                .join("socorro/signature/siglists")
                .display()
                .to_string(),
        ),
        version_string_api: beta_version.map(version_string_api),
        ..ProcessSettings::default()
    };
    let processor = Processor::from_settings(&settings).unwrap();
    let (mut fields, mut differences) = (0, Vec::new());
    for (item, want) in items.iter().zip(expected) {
        let name = item["name"].as_str().unwrap();
        let raw = item["raw_crash"].as_object().unwrap().clone();
        let mut dumps = Dumps::new();
        let mut walks = BTreeMap::new();
        for (dump, path) in item["dumps"].as_object().unwrap() {
            let path = path.as_str().unwrap();
            dumps.insert(
                dump.clone(),
                std::fs::read(repo().join(path)).unwrap().into(),
            );
            if let Some(json_dump) = walked
                .get(path)
                .filter(|_| dump.starts_with("upload_file_minidump"))
            {
                walks.insert(dump.clone(), Stackwalk::of_json(json_dump.clone()));
            }
        }
        let got = runtime
            .block_on(processor.process_walked(&raw, &dumps, walks, "oracle", STACKWALK_VERSION))
            .into_map();
        let (got, want) = (comparable(got), comparable(want));
        let keys: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
        for key in keys {
            fields += 1;
            if got.get(key) != want.get(key) {
                let show = |v: Option<&Value>| {
                    v.map_or("(absent)".to_owned(), |v| {
                        let s = v.to_string();
                        s.chars().take(300).collect()
                    })
                };
                differences.push(format!(
                    "{name}: {key}:\n  crashkit: {}\n  socorro:  {}",
                    show(got.get(key)),
                    show(want.get(key))
                ));
            }
        }
    }
    eprintln!(
        "{} crashes, {fields} field values compared, {} differ",
        items.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} of {fields} field values differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// Reads Socorro's processed-crash schema with the oracle's Python: each
/// field's name, type, nullability, permission, source annotation and
/// default, in the schema's order, and the type shapes of the two JSON
/// annotations in the notation of `process::rules::shape`.
const SCHEMA_FACTS: &str = r#"
import json, sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
letters = {"null": "N", "boolean": "B", "string": "S", "integer": "I", "number": "F",
           "object": "O", "array": "A"}
def types(n):
    t = n["type"]
    return t if isinstance(t, list) else [t]
def shape(n):
    out = "".join(letters[t] for t in types(n))
    props = n.get("properties") or {}
    patterns = n.get("pattern_properties") or {}
    if props or patterns:
        parts = [f"{k}={shape(v)}" for k, v in props.items()]
        parts += [f"*={shape(v)}" for v in patterns.values()]
        out += "{" + ",".join(parts) + "}"
    if "items" in n:
        out += "[" + shape(n["items"]) + "]"
    return out
fields = []
for name, p in s["properties"].items():
    node = s["definitions"][p["$ref"].split("/")[-1]] if "$ref" in p else p
    ts = types(node)
    fields.append({"name": name, "kind": [t for t in ts if t != "null"][0],
                   "nullable": "null" in ts, "public": p.get("permissions") == ["public"],
                   "annotation": p.get("source_annotation"), "default": p.get("default")})
shapes = {d: shape(s["definitions"][d]) for d in ("java_exception", "telemetry_environment")}
print(json.dumps({"fields": fields, "shapes": shapes}))
"#;

#[test]
fn the_field_table_is_socorros_schema() {
    use crashkit::processed_crash::{Default, Permission, FIELDS};
    let Some(python) = oracle_python() else {
        return;
    };
    let schema = oracle_dir().join("socorro/schemas/processed_crash.schema.yaml");
    let out = Command::new(python)
        .arg("-c")
        .arg(SCHEMA_FACTS)
        .arg(&schema)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let facts: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = facts["fields"].as_array().unwrap();
    let got: Vec<Value> = FIELDS
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "kind": f.kind.name(),
                "nullable": f.nullable,
                "public": f.permission == Permission::Public,
                "annotation": f.annotation,
                "default": f.default.map(|d| match d { Default::False => false }),
            })
        })
        .collect();
    assert_eq!(got.len(), 166, "Socorro's schema has 166 fields");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w, "field table entry differs from Socorro's schema");
    }
    assert_eq!(got.len(), want.len());
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    use crashkit::process::rules::shape::{JAVA_EXCEPTION, TELEMETRY_ENVIRONMENT};
    assert_eq!(compact(JAVA_EXCEPTION), facts["shapes"]["java_exception"]);
    assert_eq!(
        compact(TELEMETRY_ENVIRONMENT),
        facts["shapes"]["telemetry_environment"]
    );
}

/// crashkit writes `json_dump` once, from the stackwalk, and its rules
/// read a skeleton of it; given the stackwalker's whole JSON instead (as
/// Socorro's rules are), they must make the same processed crash. Every
/// corpus crash with a minidump, both ways.
#[test]
fn the_written_json_dump_and_the_whole_one_make_the_same_crash() {
    let corpus = std::fs::read_to_string(repo().join("testdata/processor/corpus.jsonl")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let settings = ProcessSettings {
        symbols_paths: vec![repo().join("testdata/symbols").display().to_string()],
        ..ProcessSettings::default()
    };
    let processor = Processor::from_settings(&settings).unwrap();
    let version = crashkit::process::stackwalk_version();
    let mut compared = 0;
    for line in corpus.lines() {
        let item: Value = serde_json::from_str(line).unwrap();
        let name = item["name"].as_str().unwrap();
        let raw = item["raw_crash"].as_object().unwrap().clone();
        let mut dumps = Dumps::new();
        let mut walks = BTreeMap::new();
        for (dump, path) in item["dumps"].as_object().unwrap() {
            let full = repo().join(path.as_str().unwrap());
            dumps.insert(dump.clone(), std::fs::read(&full).unwrap().into());
            if dump.starts_with("upload_file_minidump") && !dumps[dump].is_empty() {
                walks.insert(dump.clone(), Stackwalk::of_json(stackwalk(&full, &runtime)));
            }
        }
        if walks.is_empty() {
            continue;
        }
        let written = runtime
            .block_on(processor.process(None, &raw, &dumps))
            .into_map();
        let whole = runtime
            .block_on(processor.process_walked(&raw, &dumps, walks, "host", version))
            .into_map();
        let (mut written, mut whole) = (comparable(written), comparable(whole));
        // The writer sorts Linux process limits, which the stackwalker
        // lists in hash order; the stackwalks themselves are compared by
        // the json_dump unit test.
        for pc in [&mut written, &mut whole] {
            pc.remove("json_dump");
            for (key, value) in pc.iter_mut() {
                if key.starts_with("upload_file_minidump") {
                    if let Some(entry) = value.as_object_mut() {
                        entry.remove("json_dump");
                    }
                }
            }
        }
        assert_eq!(written, whole, "{name}");
        compared += 1;
    }
    assert!(compared >= 25, "{compared} crashes compared");
}
