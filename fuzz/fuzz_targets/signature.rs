//! Signature generation never panics, whatever the crash data.
//!
//! Input that is a JSON object is signed as it is; any other bytes become
//! the function, file and module names of a synthetic stack, so the frame
//! normalisation sees arbitrary strings too.
#![no_main]

use crashkit::signature::Generator;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::LazyLock;

static GENERATOR: LazyLock<Generator> = LazyLock::new(Generator::builtin);

fuzz_target!(|data: &[u8]| {
    let crash = match serde_json::from_slice::<Value>(data) {
        Ok(Value::Object(map)) => map,
        _ => {
            let text = String::from_utf8_lossy(data);
            let mut parts = text.split('\u{1}');
            let frames: Vec<Value> = text
                .lines()
                .map(|line| {
                    json!({
                        "function": line,
                        "file": parts.next().unwrap_or(""),
                        "module": parts.next().unwrap_or(""),
                        "line": line.len(),
                        "inlines": [{"function": line.chars().rev().collect::<String>()}],
                    })
                })
                .collect();
            json!({
                "crashing_thread": 0,
                "threads": [{"frames": frames}],
                "abort_message": text,
                "async_shutdown_timeout": text,
                "java_stack_trace": if data.first() == Some(&b'J') { Value::from(text.as_ref()) } else { Value::Null },
            })
            .as_object()
            .cloned()
            .unwrap_or_default()
        }
    };
    let signature = GENERATOR.generate(&crash);
    assert!(signature.signature.chars().count() <= 255);
});
