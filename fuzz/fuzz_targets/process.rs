//! Processing never panics on a mutated minidump: each input is walked by
//! the in-process processor (with the testdata symbols) and becomes a
//! processed crash, with its stackwalk status and notes when it is unusable.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use crashkit::config::ProcessSettings;
use crashkit::process::Processor;
use crashkit::storage::{Dumps, RawCrash};
use libfuzzer_sys::fuzz_target;

fn processor() -> &'static (Processor, tokio::runtime::Runtime) {
    static P: OnceLock<(Processor, tokio::runtime::Runtime)> = OnceLock::new();
    P.get_or_init(|| {
        let settings = ProcessSettings {
            symbols_paths: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/symbols").into()],
            ..ProcessSettings::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (Processor::from_settings(&settings).unwrap(), runtime)
    })
}

fuzz_target!(|data: &[u8]| {
    let (processor, runtime) = processor();
    let mut dumps = Dumps::new();
    dumps.insert("upload_file_minidump".into(), Bytes::copy_from_slice(data));
    let pc = runtime.block_on(processor.process(None, &RawCrash::new(), &dumps));
    assert!(pc.get("success").is_some());
});
