//! Translating and compiling a signature-list line never panics: it either
//! compiles or is refused with a message.
#![no_main]

use crashkit::signature::pyre;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if let Ok(re) = pyre::compile_joined(&lines) {
            let _ = re.is_match(text);
        }
    }
});
