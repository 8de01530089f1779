//! `crashkit signature`: Socorro's signatures, checked against Socorro's
//! own answers (Socorro's signature code at commit 7e28d72b5ffb, run by
//! scripts/signature/regenerate.sh) on the corpus in testdata/signature/.

use std::io::Read;

use crate::{crashkit, repo, stderr, stdout};

fn gunzip(path: &str) -> String {
    let file = std::fs::File::open(repo().join(path)).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Runs `crashkit signature ARGS` with `input` on stdin.
fn signature(args: &[&str], input: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    crate::with_stdin(crashkit(dir.path()).arg("signature").args(args), input)
}

#[test]
fn the_issue_example() {
    let out = signature(
        &[],
        r#"{"crashing_thread":0,"threads":[{"frames":[{"function":"SomeFunc"},{"function":"SomeOtherFunc"}]}]}"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"signature\":\"SomeFunc\",\"proto_signature\":\"SomeFunc | SomeOtherFunc\",\"notes\":[]}\n"
    );
}

fn agree_with_socorro(args: &[&str], expected: &str) {
    let corpus = gunzip("testdata/signature/corpus.jsonl.gz");
    let expected = gunzip(expected);
    let out = signature(args, &corpus);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let theirs: Vec<serde_json::Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours.len(), theirs.len());
    let inputs: Vec<&str> = corpus.lines().collect();
    let mut differences = Vec::new();
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        for field in ["signature", "proto_signature"] {
            if a[field] != b[field] {
                differences.push(format!(
                    "input {}: {field}\n  crashkit: {}\n  socorro:  {}\n  input: {:.300}",
                    i + 1,
                    a[field],
                    b[field],
                    inputs[i]
                ));
            }
        }
        // Notes agree too, except the wording of JSON parse errors (serde's, not Python's).
        let notes = |v: &serde_json::Value| -> Vec<String> {
            v["notes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .filter(|n| !n.contains("Error parsing AsyncShutdownTimeout"))
                .collect()
        };
        if notes(a) != notes(b) {
            differences.push(format!(
                "input {}: notes\n  crashkit: {:?}\n  socorro:  {:?}",
                i + 1,
                notes(a),
                notes(b)
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn agrees_with_socorro_on_the_corpus_with_builtin_lists() {
    agree_with_socorro(&[], "testdata/signature/expected-builtin.jsonl.gz");
}

#[test]
fn agrees_with_socorro_on_the_corpus_with_mozillas_lists() {
    let lists = repo().join("../shared/siglists-mozilla");
    if !lists.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs ../shared/siglists-mozilla"
        );
        eprintln!("skipping: ../shared/siglists-mozilla is not beside the repository");
        return;
    }
    agree_with_socorro(
        &["--siglists", lists.to_str().unwrap()],
        "testdata/signature/expected-mozilla.jsonl.gz",
    );
}

#[test]
fn a_malformed_line_is_reported_in_place_and_the_stream_goes_on() {
    let input = "{\"threads\":[{\"frames\":[{\"function\":\"A\"}]}]}\n{oops\n\n[1,2]\n{\"threads\":[{\"frames\":[{\"function\":\"B\"}]}]}\n";
    let out = signature(&[], input);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["signature"], "A");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("line 2: invalid JSON"),
        "{}",
        lines[1]
    );
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("line 4: expected a JSON object"));
    assert_eq!(lines[3]["signature"], "B");
    assert!(stderr(&out).contains("line 2: invalid JSON"));
}

#[test]
fn a_pretty_printed_processed_crash_is_one_input() {
    let input = r#"{
  "uuid": "de1bb258-cbbf-4589-a673-34f800160918",
  "json_dump": {
    "crash_info": {"crashing_thread": 1, "type": "EXCEPTION_STACK_OVERFLOW"},
    "threads": [
      {"frames": [{"function": "idle"}]},
      {"frames": [{"function": "recurse(int)", "file": "a.cpp", "line": 3}, {"function": "main"}]}
    ]
  }
}"#;
    let out = signature(&[], input);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["signature"], "stackoverflow | recurse");
    assert_eq!(v["proto_signature"], "recurse | main");
}

#[test]
fn java_signatures_have_no_proto_signature() {
    let out = signature(
        &[],
        r#"{"java_stack_trace": "java.lang.NullPointerException: boom\n\tat org.example.Foo.bar(Foo.java:12)"}"#,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        v["signature"],
        "java.lang.NullPointerException: boom at org.example.Foo.bar(Foo.java)"
    );
    assert!(v["proto_signature"].is_null());
}

#[test]
fn a_broken_list_directory_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = signature(&["--siglists", dir.path().to_str().unwrap()], "{}");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("irrelevant_signature_re.txt"),
        "{}",
        stderr(&out)
    );
}
