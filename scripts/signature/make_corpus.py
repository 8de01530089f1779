#!/usr/bin/env python3
"""Writes testdata/signature/corpus.jsonl: a broad, deterministic corpus of
crash data for checking crashkit's signatures against Socorro's.

Each line is one input for `crashkit signature` (siggen's crash-data shape,
or a processed crash with json_dump). The stacks are synthetic but shaped
like real ones: C++ (Windows, Linux, macOS), Rust panics, Java, OOMs,
aborts, shutdown hangs, IPC errors, truncation, and loosely typed input.
Frame names are crashkit's own inventions and common runtime functions.
"""
import json
import random
import sys

rng = random.Random(20261126)

CPP_FUNCS = [
    "mozilla::dom::Element::SetAttribute(nsAtom*, nsAString const&, bool)",
    "nsDocShell::LoadURI(nsDocShellLoadState*, bool)",
    "static void js::gc::GCRuntime::collect(bool, JS::GCReason)",
    "void std::vector<int, std::allocator<int> >::push_back(int const&)",
    "mozilla::Maybe<unsigned int>::value() const",
    "nsTArray_Impl<RefPtr<nsIRunnable>, nsTArrayInfallibleAllocator>::AppendElement<RefPtr<nsIRunnable> >(RefPtr<nsIRunnable>&&)",
    "`anonymous namespace'::ParentImpl::Alloc(mozilla::ipc::PBackgroundParent*)",
    "mozilla::(anonymous namespace)::RunWatchdog(void*)",
    "mozilla::ipc::MessageChannel::Send(mozilla::UniquePtr<IPC::Message, mozilla::DefaultDelete<IPC::Message> >)",
    "IPC::ParamTraits<nsTSubstring<char> >::Write(IPC::MessageWriter*, nsTSubstring<char> const&)",
    "mozilla::detail::RunnableFunction<mozilla::net::HttpChannelChild::OnStart()::$_12>::Run()",
    "mozilla::net::HttpChannelChild::OnStart()::$_12::operator()() const",
    "nsGlobalWindowInner::RunTimeoutHandler(mozilla::dom::Timeout*, nsIScriptContext*) [clone .cold.222]",
    "operator new(unsigned long)",
    "operator delete(void*)",
    "mozilla::Vector<char, 0ul, js::SystemAllocPolicy>::operator[](unsigned long)",
    "bool operator<(mozilla::TimeStamp const&, mozilla::TimeStamp const&)",
    "js::jit::MacroAssembler::call(js::jit::Label*) &",
    "nsIFrame::GetParent() const&",
    "Foo::Bar() const &",
    "Foo::Baz() &&",
    "Foo::isconst",
    "<name omitted>",
    "<unknown in nvwgf2umx.dll>",
    "mozilla::dom::Promise::MaybeResolve<int>(int&&)",
    "already_AddRefed<nsIURI> NS_NewURI(nsACString const&)",
    "static nsresult nsXPCWrappedJS::CallMethod(unsigned short, XPTMethodDescriptor const*, nsXPTCMiniVariant*)",
    "mozalloc_abort",
    "mozalloc_handle_oom(unsigned __int64)",
    "NS_ABORT_OOM(unsigned int)",
    "js::AutoEnterOOMUnsafeRegion::crash(char const*)",
    "js::CrashAtUnhandlableOOM(char const*)",
    "MOZ_CrashPrintf",
    "MOZ_Crash",
    "RtlUserThreadStart",
    "BaseThreadInitThunk",
    "KiUserExceptionDispatcher",
    "RtlDispatchException",
    "RaiseException",
    "_CxxThrowException",
    "__GI_raise",
    "raise",
    "abort",
    "__GI_abort",
    "__pthread_kill_implementation",
    "pthread_kill",
    "__restore_rt",
    "_sigtramp",
    "__assert_fail_base",
    "__GI___assert_fail",
    "__assert_fail",
    "malloc",
    "free",
    "memcpy",
    "__memmove_avx_unaligned_erms",
    "je_malloc",
    "arena_dalloc",
    "moz_xmalloc",
    "strlen",
    "_purecall",
    "std::terminate()",
    "__cxa_throw",
    "mozilla::detail::MutexImpl::lock()",
    "mozilla::detail::MutexImpl::mutexLock()",
    "NtWaitForAlertByThreadId",
    "RtlSleepConditionVariableSRW",
    "SleepConditionVariableSRW",
    "mozilla::detail::ConditionVariableImpl::wait(mozilla::detail::MutexImpl&)",
    "mozilla::CondVar::Wait()",
    "nsThread::ProcessNextEvent(bool, bool*)",
    "NS_ProcessNextEvent(nsIThread*, bool)",
    "mozilla::ipc::MessagePump::Run(base::MessagePump::Delegate*)",
    "MessageLoop::Run()",
    "nsBaseAppShell::Run()",
    "nsAppStartup::Run()",
    "XREMain::XRE_mainRun()",
    "XREMain::XRE_main(int, char**, mozilla::BootstrapConfig const&)",
    "XRE_main(int, char**, mozilla::BootstrapConfig const&)",
    "main",
    "__libc_start_call_main",
    "__libc_start_main_impl",
    "_start",
    "js_Interpret",
    "js::Interpret(JSContext*, js::RunState&)",
    "js::RunScript(JSContext*, js::RunState&)",
    "JS::Call(JSContext*, JS::Handle<JS::Value>, JS::Handle<JS::Value>, JS::HandleValueArray const&, JS::MutableHandle<JS::Value>)",
    "IPC::MessageReader::FatalError(char const*) const",
    "mozilla::ipc::FatalError(char const*, bool)",
    "-[NSApplication _crashOnException:]",
    "-[NSObject doesNotRecognizeSelector:]",
    "+[NSException raise:format:]",
    "objc_msgSend",
    "CFRunLoopRunSpecific",
    "google_breakpad::ExceptionHandler::HandleInvalidParameter(wchar_t const*, wchar_t const*, wchar_t const*, unsigned int, unsigned __int64)",
    "_invalid_parameter",
    "gfxFont::Draw(gfxTextRun const*, unsigned int, unsigned int, gfxPoint*, TextRunDrawParams const&, mozilla::gfx::ShapedTextFlags)",
    "mozilla::gfx::DrawTargetD2D1::Flush()",
    "D3D11CreateDevice",
    "nvwgf2umx.dll@0x12345",
    "  spaced   out   function  (int  ,  char *  )  ",
    "tab\tseparated\tname()",
    "unicode_\u00e9t\u00e9_function()",
    "very::long::namespace::path::" + "Segment::" * 25 + "Function()",
    "template<typename T> void apply<T>(T)",
    "void (anonymous namespace)::Helper::run() const",
    "mozilla::dom::(anonymous namespace)::Worker::operator()(int) const",
    "std::__1::function<void ()>::operator()() const",
    "std::_Function_handler<void (), Foo::Bar()::{lambda()#1}>::_M_invoke(std::_Any_data const&)",
    "(anonymous namespace)::Go(char*) [clone .isra.0] [clone .cold]",
    "Foo<Bar<Baz>>::qux<int>(std::map<int, int>)",
    "operator<<(std::ostream&, Foo const&)",
    "Foo::operator<(Foo const&) const",
    "Foo::operator()(int)",
    "a,b,c",
    "x *y &z",
    "const",
    "&",
    "   ",
]

RUST_FUNCS = [
    "core::panicking::panic_fmt",
    "core::panicking::panic",
    "core::panicking::panic_bounds_check",
    "core::result::unwrap_failed",
    "core::option::expect_failed",
    "core::option::unwrap_failed",
    "std::panicking::begin_panic<&str>",
    "std::panicking::begin_panic_handler::{{closure}}",
    "std::panicking::rust_panic_with_hook",
    "std::sys::backtrace::__rust_end_short_backtrace<std::panicking::begin_panic_handler::{closure_env#0}, !>",
    "rust_begin_unwind",
    "panic_abort::__rust_start_panic::abort",
    "std::process::abort",
    "std::sys::pal::unix::abort_internal",
    "alloc::alloc::handle_alloc_error",
    "alloc::raw_vec::capacity_overflow",
    "alloc::oom::oom",
    "gkrust_shared::panic_hook",
    "<style::values::specified::Length as core::clone::Clone>::clone::h0123456789abcdef",
    "webrender::renderer::Renderer::render::h8f2c1a9b7e6d5c43",
    "<core::iter::adapters::map::Map<I, F> as core::iter::traits::iterator::Iterator>::next",
    "<alloc::vec::Vec<T, A> as core::ops::drop::Drop>::drop",
    "my_crate::worker::process_item<u32>",
    "my_crate::worker::{{closure}}",
    "<env_logger::Logger as log::Log>::log::{{closure}}",
    "core::ptr::drop_in_place<alloc::sync::Arc<my_crate::State>>",
    "std::sys::pal::unix::thread::Thread::new::thread_start",
    "std::rt::lang_start_internal",
    "crashhelper::null_write",
    "crashhelper::main",
    "capacity_overflow",
    "panic",
    "panic_fmt",
    "expect_failed",
    "core::result::Result<T, E>::unwrap",
    "glean_core::dispatcher::global::launch<glean_core::set_upload_enabled::{closure_env#0}>",
]

RUST_FILES = [
    "/builds/worker/checkouts/gecko/gfx/wr/webrender/src/renderer/mod.rs",
    "hg:hg.mozilla.org/mozilla-central:servo/components/style/values/mod.rs:abcdef012345",
    "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs",
    "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs",
    "src/libcore/panicking.rs",
    "src/liballoc/raw_vec.rs",
    "src/libcore/option.rs",
    "/home/dev/my_crate/src/worker.rs",
]

CPP_FILES = [
    "hg:hg.mozilla.org/mozilla-central:dom/base/Element.cpp:0123456789ab",
    "/builds/worker/checkouts/gecko/xpcom/threads/nsThread.cpp",
    "c:\\builds\\moz2_slave\\m-cen-w32\\build\\src\\js\\src\\vm\\Interpreter.cpp",
    "git:github.com/rust-lang/rust:library/core/src/panicking.rs:90b35a62",
    "/usr/include/c++/12/bits/stl_vector.h",
    "s3:gecko-generated-sources:a/b/c.cpp:",
    "D:/path/with/trailing/slash/",
    "relative/path/file.c",
    "",
]

MODULES = ["xul.dll", "XUL", "libxul.so", "ntdll.dll", "KERNELBASE.dll", "kernel32.dll",
           "libc.so.6", "libpthread.so.0", "nvwgf2umx.dll", "firefox.exe", "[vdso]",
           "libglib-2.0.so.0", "d3d11.dll", "mozglue.dll", "crashhelper", "libsystem_kernel.dylib",
           "[stack]", "Windows.UI.dll", "AppKit", ""]


def maybe(p):
    return rng.random() < p


def frame(func=None, kind=None):
    f = {}
    kind = kind or rng.choice(["func"] * 8 + ["file", "module", "unloaded", "offset", "empty"])
    module = rng.choice(MODULES)
    if module:
        f["module"] = module
    f["offset"] = "0x%x" % rng.randrange(0, 1 << 40)
    if kind == "func":
        f["function"] = func or rng.choice(CPP_FUNCS)
        if maybe(0.6):
            f["file"] = rng.choice(CPP_FILES)
            f["line"] = rng.choice([rng.randrange(1, 5000), str(rng.randrange(1, 5000)), None])
    elif kind == "file":
        f.pop("module", None) if maybe(0.5) else None
        f["file"] = rng.choice(CPP_FILES + RUST_FILES)
        f["line"] = rng.choice([rng.randrange(1, 900), str(rng.randrange(1, 900)), 0, ""])
    elif kind == "module":
        pass
    elif kind == "unloaded":
        f.pop("module", None)
        f["unloaded_modules"] = rng.choice([
            [{"module": "evil.dll", "offsets": ["0x0000000000001234"]}],
            [{"module": "other.dll"}],
            [{"offsets": ["0x1"]}],
        ])
    elif kind == "offset":
        f.pop("module", None)
        f["offset"] = rng.choice(["0x0000000000000000", "0x00007ffe1234abcd", "00ff", "garbage", "0x"])
    elif kind == "empty":
        f = {}
    if maybe(0.1) and "function" in f:
        f["inlines"] = [
            {"function": rng.choice(CPP_FUNCS), "file": rng.choice(CPP_FILES), "line": rng.randrange(1, 999)}
            for _ in range(rng.randrange(1, 4))
        ]
    return f


def rust_frame(func):
    f = {"module": rng.choice(["xul.dll", "libxul.so", "crashhelper", "XUL"]),
         "function": func, "offset": "0x%x" % rng.randrange(1 << 30)}
    if maybe(0.85):
        f["file"] = rng.choice(RUST_FILES)
        f["line"] = rng.randrange(1, 3000)
    if maybe(0.1):
        f["inlines"] = [{"function": rng.choice(RUST_FUNCS), "file": rng.choice(RUST_FILES), "line": 12}]
    return f


def cpp_stack(n=None):
    n = n if n is not None else rng.randrange(0, 45)
    return [frame() for _ in range(n)]


def rust_stack():
    panic_top = [rust_frame(f) for f in rng.sample(RUST_FUNCS[:16], rng.randrange(2, 10))]
    user = [rust_frame(f) for f in rng.sample(RUST_FUNCS[16:], rng.randrange(1, 8))]
    return panic_top + user + cpp_stack(rng.randrange(0, 10))


def threads_with(crashing_stack, count=None):
    count = count or rng.randrange(1, 4)
    threads = [{"frames": cpp_stack(rng.randrange(0, 4))} for _ in range(count)]
    idx = rng.randrange(count)
    threads[idx] = {"frames": crashing_stack}
    if maybe(0.2):
        threads[idx]["last_error_value"] = rng.choice(["ERROR_COMMITMENT_LIMIT", "ERROR_NOT_ENOUGH_MEMORY", "ERROR_SUCCESS"])
    return threads, idx


def base(stack=None):
    threads, idx = threads_with(stack if stack is not None else cpp_stack())
    data = {"crashing_thread": idx, "threads": threads}
    if maybe(0.4):
        data["os"] = rng.choice(["Windows NT", "Linux", "Mac OS X", "Android"])
    if maybe(0.3):
        data["reason"] = rng.choice(["EXCEPTION_ACCESS_VIOLATION_READ", "SIGSEGV /SEGV_MAPERR", "EXCEPTION_STACK_OVERFLOW",
                                     "STATUS_DEVICE_DATA_ERROR", "EXCEPTION_IN_PAGE_ERROR_READ / STATUS_DEVICE_DATA_ERROR",
                                     "STATUS_FATAL_MEMORY_EXHAUSTION", "STATUS_NO_MEMORY", "SIGABRT"])
    return data


def java_trace():
    first = rng.choice([
        "java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference",
        "java.lang.IllegalStateException: Already finished",
        "java.lang.OutOfMemoryError",
        "java.lang.RuntimeException: Object@deadbeef is broken at @0badf00d",
        "android.view.WindowManager$BadTokenException: Unable to add window -- token null is not valid; is your activity running? " * rng.randrange(1, 4),
        "org.mozilla.gecko.GeckoThread$1: weird: nested: colons",
    ])
    rest = [
        "\tat org.mozilla.gecko.GeckoAppShell.handleMessage(GeckoAppShell.java:123)",
        "\tat android.os.Handler.dispatchMessage(Handler.java:99)",
        "\tat android.os.Looper.loop(Looper.java:154)",
    ]
    lines = [first] + rest[: rng.randrange(0, 4)]
    if maybe(0.1):
        lines.insert(1, "")
    return "\n".join(lines)


def java_exception():
    frames = [{"module": rng.choice(["org.mozilla.gecko.GeckoAppShell", "", None]),
               "function": rng.choice(["handleMessage", "run", ""]),
               "filename": rng.choice(["GeckoAppShell.java", "", None]), "lineno": 12, "in_app": True}
              for _ in range(rng.randrange(0, 4))]
    frames = [{k: v for k, v in f.items() if v is not None} for f in frames]
    st = {"type": rng.choice(["NullPointerException", "IllegalStateException", ""]),
          "module": rng.choice(["java.lang", "", "org.mozilla"]), "frames": frames}
    return {"exception": {"values": [{"stacktrace": st, "type": st["type"], "value": "msg"}]}}


def mutate_types(data):
    """Loosely typed input of the kinds real annotations produce."""
    choice = rng.randrange(14)
    t = data.get("threads") or [{}]
    if choice == 0:
        data["crashing_thread"] = str(data.get("crashing_thread", 0))
    elif choice == 1:
        data["crashing_thread"] = rng.choice([None, "x", 1.0, 2.7, True, -1, 99, " 0 ", [0], {}])
    elif choice == 2:
        data["threads"] = rng.choice([None, {}, {"0": {"frames": [{"function": "FromDictKey"}]}}, "abc", 5, [None], [[]]])
    elif choice == 3 and t and isinstance(t[0], dict):
        t[0]["frames"] = rng.choice([None, "abc", {"function": "x"}, 7, [], [1, 2], [{"function": 5}], [{"function": ["a"]}], [{"function": "f", "file": 3}], [{"module": 4}], [{"function": "f", "inlines": "xy"}], [{"function": "f", "inlines": 3}], [{"unloaded_modules": {"module": "a"}}], [{"unloaded_modules": "ab"}], [{"unloaded_modules": [5]}], [{"offset": 1234}], [{"offset": True}]])
        data["crashing_thread"] = 0
    elif choice == 4:
        data["oom_allocation_size"] = rng.choice([123, "4096", "1048576", "abc", 1.5, True, [], {}, None, "", 0, 262144, 262145, "-5"])
    elif choice == 5:
        data["abort_message"] = rng.choice([5, ["a", "b", "é", 3], {"x": 1}, True, 0.0, ["###!!! ABORT:"]])
    elif choice == 6:
        data["hang"] = rng.choice([0, 1, -1, "", "chrome", None, False, 2.5])
    elif choice == 7:
        data["async_shutdown_timeout"] = rng.choice([5, "[]", "\"str\"", "null", "5", {"phase": "x"}])
    elif choice == 8:
        data["ipc_channel_error"] = rng.choice([5, ["a"] * 120, {"a": 1}, True])
    elif choice == 9:
        data["ipc_message_name"] = rng.choice([5, ["a"], True])
    elif choice == 10:
        data["reason"] = rng.choice([5, ["STATUS_DEVICE_DATA_ERROR"], {"STATUS_DEVICE_DATA_ERROR": 1}, True])
    elif choice == 11:
        data["mdsw_status_string"] = rng.choice([5, True, ["x"]])
        data["threads"] = [{"frames": []}]
        data["crashing_thread"] = 0
    elif choice == 12:
        data["java_stack_trace"] = rng.choice([5, ["a"], {"a": 1}, True, "", "\n\n", "NoColonHere", "Cls: desc\n"])
    elif choice == 13:
        data["java_exception"] = rng.choice([5, "str", [1], {"exception": {}}, {"exception": {"values": [{"stacktrace": 5}]}},
                                             {"exception": {"values": [{"stacktrace": {"frames": [{"module": 5, "function": "f"}]}}]}},
                                             {"exception": {"values": [{"stacktrace": {"frames": 5}}]}}])
    return data


def processed(data):
    """The same crash as a processed crash, the shape `crashkit process` writes."""
    out = {"uuid": "de1bb258-cbbf-4589-a673-34f800160918", "signature": "old | signature",
           "json_dump": {"crash_info": {"crashing_thread": data.get("crashing_thread"), "type": data.get("reason"), "address": "0x0"},
                         "threads": data.get("threads"), "system_info": {"os": data.get("os"), "cpu_arch": "amd64"}}}
    for key in ["hang", "oom_allocation_size", "abort_message", "mdsw_status_string", "async_shutdown_timeout",
                "ipc_channel_error", "ipc_message_name", "additional_minidumps", "js_large_allocation_failure",
                "java_stack_trace", "java_exception"]:
        if key in data:
            out[key] = data[key]
    if maybe(0.2):
        out["json_dump"]["crash_info"].pop("crashing_thread")
    return out


def sample():
    kind = rng.randrange(20)
    if kind < 6:
        data = base()
    elif kind < 9:
        data = base(rust_stack())
    elif kind == 9:
        data = {"java_stack_trace": java_trace()}
    elif kind == 10:
        data = {"java_exception": java_exception()}
    elif kind == 11:
        data = base()
        data["oom_allocation_size"] = rng.choice([100, 262144, 262145, 10 ** 9, "123456", None])
        if maybe(0.3):
            data["js_large_allocation_failure"] = rng.choice(["Reporting", "Recovered"])
    elif kind == 12:
        data = base()
        data["abort_message"] = rng.choice([
            "###!!! ABORT: file foo.cpp:12",
            "[Parent 123, Main Thread] ###!!! ABORT: unexpected message: file dom/ipc/Foo.cpp:1234",
            "assertion failure: x > 0: file js/src/Foo.cpp, line 99",
            "unable to find a usable font (Schrift nicht gefunden) more",
            "unable to find a usable font ) weird (order",
            "caf\u00e9 \u2013 non-ascii \u00fcber message",
            "x" * 120,
            "  padded message  ",
            "###!!! ABORT:",
        ])
    elif kind == 13:
        data = base()
        data["async_shutdown_timeout"] = rng.choice([
            json.dumps({"phase": "profile-before-change", "conditions": [{"name": "b"}, {"name": "a"}]}),
            json.dumps({"phase": "xpcom-will-shutdown", "conditions": ["IndexedDB", "Cache"]}),
            json.dumps({"phase": 5, "conditions": []}),
            json.dumps({"conditions": [{"nom": "x"}]}),
            json.dumps({"phase": "p", "conditions": [{"name": 3}, "z"]}),
            json.dumps({"phase": "p", "conditions": "ab"}),
            "{not json",
            "",
        ])
    elif kind == 14:
        watchdog = [frame(kind="func", func="mozilla::(anonymous namespace)::RunWatchdog(void*)"), frame(kind="func", func="_pt_root")]
        rest = cpp_stack(rng.randrange(0, 12))
        threads = [{"frames": cpp_stack(rng.randrange(0, 20))}, {"frames": watchdog + rest}]
        data = {"crashing_thread": 1, "threads": threads}
    elif kind == 15:
        data = base()
        data["ipc_channel_error"] = rng.choice(["ShutDownKill", "Channel closing: too late to send/recv, messages will be lost" * 3, ""])
        data["additional_minidumps"] = rng.choice([["upload_file_minidump_browser"], ["upload_file_minidump_content"], [], "upload_file_minidump_browser"])
    elif kind == 16:
        data = base()
        data["ipc_message_name"] = rng.choice(["PContent::Msg_Foo", "PBrowser::Msg_Bar", ""])
    elif kind == 17:
        data = base()
        data["hang"] = rng.choice([-1, 1, "chrome", None])
    elif kind == 18:
        data = base(rng.choice([[], [{}], [{"module": "", "offset": ""}]]))
        data["mdsw_status_string"] = rng.choice(["OK", "ERROR_NO_THREAD_LIST", "ERROR_MINIDUMP_NOT_FOUND", ""])
    else:
        # Truncation: a long run of prefix-list frames.
        prefix_like = ["malloc", "memcpy", "core::panicking::panic_fmt", "MOZ_Crash", "mozalloc_abort",
                       "RtlAllocateHeap", "operator new(unsigned long)", "je_malloc", "moz_xmalloc"]
        stack = [frame(kind="func", func=rng.choice(prefix_like) + "_" * rng.randrange(0, 3)) for _ in range(30)]
        stack += [frame(kind="func", func="very::long::" * 20 + "tail()")]
        data = base(stack)
    if maybe(0.12):
        data = mutate_types(data)
    if "threads" in data and maybe(0.2):
        data = processed(data)
    return data


# Socorro's changes after October 2024 (see ../shared/socorro-signature/README.md):
# module names in square brackets, unprintable and non-ASCII characters
# dropped from the signature, `(anonymous namespace)` kept while arguments
# are removed, the ` in ` exception when collapsing types, and the
# `operator` exception. Each gets many cases, crossed with the C++
# operator family, nested templates in argument lists, `<X as Y>::method`
# outside .rs files, and odd characters in every field that reaches a
# signature.
OPERATORS = ["operator<", "operator<=", "operator<=>", "operator>", "operator>=", "operator<<",
             "operator>>", "operator<<=", "operator()", "operator[]", "operator->", "operator->*",
             "operator==", "operator!=", "operator new", "operator new[]", "operator delete",
             "operator delete[]", "operator bool", "operator const char*", "operator nsTString<char>",
             "operator mozilla::Span<unsigned char const>", "operator&&", "operator||", "operator,"]
CLASSES = ["", "Foo::", "mozilla::Maybe<int>::", "js::jit::CodePosition::", "nsTArray<RefPtr<nsIRunnable> >::",
           "(anonymous namespace)::Helper::", "mozilla::(anonymous namespace)::Impl<char>::", "`anonymous namespace'::X::"]
ARGS = ["", "()", "(int)", "(Foo const&)", "(std::map<int, std::vector<Foo<Bar> > > const&)",
        "((anonymous namespace)::Baz*)", "(mozilla::UniquePtr<IPC::Message, mozilla::DefaultDelete<IPC::Message> >)",
        "(char const*, (anonymous namespace)::State&)", "(void (*)(int), Foo<(anonymous namespace)::T>)",
        "(unsigned long) const", "(Foo const&) const &", "(a<b, c>, d) &&"]
RETURNS = ["", "bool ", "static void ", "mozilla::Span<T> ", "void* ", "std::strong_ordering "]
ODD = ["\t", "\n", "\r", "\x00", "\x07", "\x1b", "\x7f", "\u00e9", "\u00a0", "\u2028", "\u4e2d", "\U0001f600", "\x85", "\x1c"]
BRACKET_MODULES = ["[vdso]", "[stack]", "[heap]", "[anon:libc_malloc]", "[[double]]", "[unclosed", "closed]",
                   "[vvar]", "[x].so", "lib[odd].so", "[ space ]", ""]
AS_NAMES = ["<Foo as Bar>::method", "<mozilla::dom::Element as nsINode>::GetParent()",
            "<unknown in nvwgf2umx.dll>", "<unknown in [vdso]>", "Foo<T in Bar>::f(int)", "tmpl<x in y, z>::g",
            "<T as core::clone::Clone>::clone(T const&)", "Outer<<X as Y>::Z>::h()"]


def oddify(text):
    """Puts an odd character (control, non-ASCII, tab, newline) somewhere in text."""
    if not text or maybe(0.3):
        return text
    i = rng.randrange(len(text) + 1)
    return text[:i] + rng.choice(ODD) + text[i:]


def modern_function():
    kind = rng.randrange(5)
    if kind <= 1:
        name = rng.choice(RETURNS) + rng.choice(CLASSES) + rng.choice(OPERATORS) + rng.choice(ARGS)
    elif kind == 2:
        name = rng.choice(RETURNS) + rng.choice(CLASSES) + rng.choice(["Run", "f", "Get<int>"]) + rng.choice(ARGS)
    elif kind == 3:
        name = rng.choice(AS_NAMES)
    else:
        name = rng.choice(CPP_FUNCS)
    return oddify(name)


def modern_frame():
    f = {"offset": "0x%x" % rng.randrange(1 << 32)}
    module = rng.choice(BRACKET_MODULES + MODULES)
    if module:
        f["module"] = oddify(module)
    kind = rng.randrange(6)
    if kind <= 3:
        f["function"] = modern_function()
        if maybe(0.5):
            # Not a .rs file: C++ rules apply to `<X as Y>` names here.
            f["file"] = oddify(rng.choice(CPP_FILES + ["/src/lib.cpp", "hg:h:a/b.h:r"]))
            f["line"] = rng.randrange(1, 999)
    elif kind == 4:
        f["file"] = oddify(rng.choice(CPP_FILES + RUST_FILES))
        f["line"] = rng.randrange(1, 999)
    return f


def modern_sample():
    stack = [modern_frame() for _ in range(rng.randrange(1, 12))]
    if maybe(0.3):
        stack = [frame(kind="func", func=rng.choice(["malloc", "memcpy", "MOZ_Crash", "abort"]))] + stack
    data = base(stack)
    field = rng.randrange(8)
    if field == 0:
        data["abort_message"] = oddify(rng.choice(["###!!! ABORT: bad\tthing: file a.cpp:1", "assertion (x) failed", "caf\u00e9 bad"]))
    elif field == 1:
        data["ipc_channel_error"] = oddify(rng.choice(["ShutDownKill", "Channel error", "tab\there"]))
    elif field == 2:
        data["ipc_message_name"] = oddify(rng.choice(["PContent::Msg_Foo", "PBrowser::Msg_\u00e9"]))
    elif field == 3:
        data["async_shutdown_timeout"] = json.dumps({"phase": oddify("profile-before-change"),
                                                     "conditions": [{"name": oddify("IndexedDB")}, oddify("Cache\tStorage")]})
    elif field == 4:
        data["reason"] = oddify(rng.choice(["EXCEPTION_STACK_OVERFLOW", "SIGSEGV /SEGV_MAPERR"]))
    elif field == 5:
        data["hang"] = rng.choice([1, -1])
    elif field == 6:
        data = {"java_stack_trace": oddify(java_trace())}
    if "threads" in data and maybe(0.2):
        data = processed(data)
    return data


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
    # Fixed cases first: the example and a few exact shapes.
    fixed = [
        {"crashing_thread": 0, "threads": [{"frames": [{"function": "SomeFunc"}, {"function": "SomeOtherFunc"}]}]},
        {"crashing_thread": "0", "threads": [{"frames": [{"function": "js_Interpret", "line": "23"}]}]},
        {},
        {"threads": []},
        {"crashing_thread": 5, "threads": [{"frames": [{"function": "a"}]}]},
    ]
    for item in fixed:
        print(json.dumps(item))
    for _ in range(count):
        print(json.dumps(sample()))
    # After the original corpus, so its lines stay as they were.
    modern = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    for _ in range(modern):
        print(json.dumps(modern_sample()))


if __name__ == "__main__":
    main()
