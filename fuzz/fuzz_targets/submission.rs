//! The collector's submission parser never panics, whatever the body: each
//! input is tried as a plain and as a gzip body, split into uneven chunks.
#![no_main]

use bytes::Bytes;
use crashkit::collector::submission::{parse, Headers, Limits};
use crashkit::storage::{CrashStorage, MemoryStore};
use libfuzzer_sys::fuzz_target;

const BOUNDARY: &str = "fuzzboundary";

fuzz_target!(|data: &[u8]| {
    // Timers on: dump writes into storage have a deadline.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let storage = CrashStorage::new(std::sync::Arc::new(MemoryStore::default()));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    for gzip in [false, true] {
        let chunks: Vec<std::io::Result<Bytes>> = data
            .chunks(7 + data.len() % 13)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let body = Box::pin(futures::stream::iter(chunks));
        let headers = Headers {
            content_type: Some(&content_type),
            content_encoding: gzip.then_some("gzip"),
            content_length: Some(data.len() as u64),
        };
        let limits = Limits {
            wire: 1 << 20,
            decompressed: 1 << 20,
            part: 1 << 16,
            write_timeout: std::time::Duration::from_secs(30),
        };
        let _ = runtime.block_on(parse(headers, body, limits, &storage));
    }
});
