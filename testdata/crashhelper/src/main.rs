//! crashhelper: crashes in a named, non-inlined function and writes a real
//! minidump of the crash, for crashkit's test data.
//!
//!   crashhelper MODE OUT.dmp
//!
//! MODE is one of: null-write, abort, panic, stack-overflow,
//! illegal-instruction, divide-by-zero, thread-null-write.
//!
//! The process re-executes itself as a minidump server (minidumper), then
//! the original process attaches a crash handler (crash-handler) that asks
//! the server to write the dump when the crash happens, and crashes.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const MODES: [&str; 8] = [
    "null-write",
    "abort",
    "panic",
    "stack-overflow",
    "illegal-instruction",
    "divide-by-zero",
    "thread-null-write", "many-threads",
];

#[inline(never)]
fn crash_null_write() {
    let p: *mut u32 = black_box(std::ptr::null_mut());
    unsafe { std::ptr::write_volatile(p, 0xdead) };
}

#[inline(never)]
fn crash_abort() {
    std::process::abort();
}

#[inline(never)]
fn crash_panic(depth: u32) {
    let items: Vec<u32> = black_box(vec![1, 2, 3]);
    // Release build with panic = "abort": the panic aborts the process.
    let index = black_box(depth as usize + 10);
    black_box(items[index]);
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn crash_stack_overflow(depth: u64) -> u64 {
    let buffer = black_box([depth; 512]);
    black_box(crash_stack_overflow(black_box(depth + 1))) + buffer[(depth % 512) as usize]
}

#[inline(never)]
fn crash_illegal_instruction() {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!("ud2")
    };
}

#[inline(never)]
fn crash_divide_by_zero() {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        let zero: u64 = black_box(0);
        std::arch::asm!("div {0}", in(reg) zero, inout("rax") 1u64 => _, inout("rdx") 0u64 => _);
    }
}

#[inline(never)]
fn worker_crash(id: usize) {
    black_box(id);
    crash_null_write();
}

#[inline(never)]
fn crash_on_secondary_thread() {
    let mut handles = Vec::new();
    for id in 0..12 {
        handles.push(std::thread::Builder::new().name(format!("worker-{id}")).spawn(move || {
            if id == 7 {
                std::thread::sleep(Duration::from_millis(200));
                worker_crash(id);
            }
            loop {
                std::thread::park();
            }
        }).expect("spawn"));
    }
    for h in handles {
        let _ = h.join();
    }
}

fn run_server(socket: &str, out: PathBuf) {
    struct Handler {
        out: PathBuf,
        done: &'static AtomicBool,
    }
    impl minidumper::ServerHandler for Handler {
        fn create_minidump_file(&self) -> Result<(std::fs::File, PathBuf), std::io::Error> {
            Ok((std::fs::File::create(&self.out)?, self.out.clone()))
        }
        fn on_minidump_created(
            &self,
            result: Result<minidumper::MinidumpBinary, minidumper::Error>,
        ) -> minidumper::LoopAction {
            match result {
                Ok(mut binary) => {
                    use std::io::Write;
                    let _ = binary.file.flush();
                }
                Err(e) => eprintln!("crashhelper: writing the minidump failed: {e}"),
            }
            self.done.store(true, Ordering::SeqCst);
            minidumper::LoopAction::Exit
        }
        fn on_message(&self, _kind: u32, _buffer: Vec<u8>) {}
    }
    static DONE: AtomicBool = AtomicBool::new(false);
    let mut server = minidumper::Server::with_name(minidumper::SocketName::Abstract(socket)).expect("minidump server starts");
    let shutdown = AtomicBool::new(false);
    server
        .run(Box::new(Handler { out, done: &DONE }), &shutdown, Some(Duration::from_secs(30)))
        .expect("minidump server runs");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--server" {
        run_server(&args[2], PathBuf::from(&args[3]));
        return;
    }
    if args.len() != 3 || !MODES.contains(&args[1].as_str()) {
        eprintln!("usage: crashhelper MODE OUT.dmp   (MODE: {})", MODES.join(", "));
        std::process::exit(2);
    }
    let mode = args[1].clone();
    let socket = format!("crashhelper-{}", std::process::id());
    let exe = std::env::current_exe().expect("own path");
    let mut server = std::process::Command::new(exe)
        .args(["--server", &socket, &args[2]])
        .spawn()
        .expect("server process starts");
    let client = loop {
        if let Ok(client) = minidumper::Client::with_name(minidumper::SocketName::Abstract(&socket)) {
            break client;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _handler = crash_handler::CrashHandler::attach(unsafe {
        crash_handler::make_crash_event(move |context: &crash_handler::CrashContext| {
            crash_handler::CrashEventResult::Handled(client.request_dump(context).is_ok())
        })
    })
    .expect("crash handler attaches");

    match mode.as_str() {
        "null-write" => crash_null_write(),
        "abort" => crash_abort(),
        "panic" => crash_panic(black_box(1)),
        "stack-overflow" => {
            // On a thread with a small stack, so the dump stays small.
            let overflow = std::thread::Builder::new()
                .name("overflow".into())
                .stack_size(256 * 1024)
                .spawn(|| black_box(crash_stack_overflow(0)))
                .expect("spawn");
            let _ = overflow.join();
        }
        "illegal-instruction" => crash_illegal_instruction(),
        "divide-by-zero" => crash_divide_by_zero(),
        "thread-null-write" => crash_on_secondary_thread(),
        "many-threads" => crash_with_many_threads(),
        _ => unreachable!("mode checked above"),
    }
    // Only reached if the crash did not happen.
    let _ = server.kill();
    eprintln!("crashhelper: {mode} did not crash");
    std::process::exit(3);
}

/// Waits `depth` frames deep, as a thread of a large program blocked in
/// its work would.
#[inline(never)]
fn wait_deep(depth: u32, ready: &std::sync::Barrier) -> u32 {
    if depth == 0 {
        ready.wait();
        loop {
            std::thread::park();
        }
    }
    black_box(wait_deep(black_box(depth - 1), ready)) + 1
}

/// 120 threads parked 20 to 79 frames deep (the shape of a browser's
/// parent process), then a null write on the main thread: the
/// thread-heavy dump of the processing benchmark.
#[inline(never)]
fn crash_with_many_threads() {
    const THREADS: u32 = 120;
    let ready = std::sync::Arc::new(std::sync::Barrier::new(THREADS as usize + 1));
    for id in 0..THREADS {
        let ready = ready.clone();
        std::thread::Builder::new()
            .name(format!("pool-{id}"))
            .spawn(move || black_box(wait_deep(20 + id % 60, &ready)))
            .expect("spawn");
    }
    ready.wait();
    crash_null_write();
}
