//! Frame normalisation: how Socorro turns one stack frame into the string
//! that signatures are made of (its `CSignatureTool`).
//!
//! Precedence: the function (with C++ rules, or Rust rules when the source
//! file ends in `.rs`), else `file#line`, else the module, else the first
//! unloaded module, else `@<offset>`, else nothing.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::lists::SignatureLists;
use super::pyval::{self, get, get_attr, not_iterable, to_str, truthy, PyErr, PyResult};

/// Frames considered per stack, inlined frames included.
pub const MAX_FRAMES: usize = 40;

static LAMBDA_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"::\$_\d+::").expect("valid regex"));
static RUST_HASH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"::h[0-9a-fA-F]+(\n?)\z").expect("valid regex"));

/// Socorro's `parse_source_file`: the path inside a VCS-annotated source
/// file name (`hg:host/repo:path:rev`), a Windows path after its drive
/// letter, an absolute POSIX path as is, or nothing.
pub fn parse_source_file(file: &str) -> Option<&str> {
    if file.is_empty() {
        return None;
    }
    let parts: Vec<&str> = file.split(':').collect();
    match parts.len() {
        4 => Some(parts[2]),
        2 => Some(parts[1]),
        _ if file.starts_with('/') => Some(file),
        _ => None,
    }
}

/// Socorro's `replace_enclosed_slices`: each outermost `open … close`
/// span (an unclosed one runs to the end; a stray `close` is text) is
/// replaced by what `replace` makes of the text since the previous span
/// and the span itself, brackets included.
pub fn replace_enclosed(
    s: &str,
    open: char,
    close: char,
    replace: impl Fn(&str, &str) -> String,
) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut start, mut previous_end) = (0usize, 0usize, 0usize);
    let emit = |start: usize, end: usize, previous_end: &mut usize, out: &mut String| {
        let before = &s[*previous_end..start];
        out.push_str(before);
        out.push_str(&replace(before, &s[start..end]));
        *previous_end = end;
    };
    for (i, c) in s.char_indices() {
        if c == open {
            if depth == 0 {
                start = i;
            }
            depth += 1;
        } else if c == close && depth > 0 {
            depth -= 1;
            if depth == 0 {
                emit(start, i + c.len_utf8(), &mut previous_end, &mut out);
            }
        }
    }
    if depth > 0 {
        emit(start, s.len(), &mut previous_end, &mut out);
    }
    out.push_str(&s[previous_end..]);
    out
}

/// Socorro's `collapse_types` for C++: template arguments become `<T>`,
/// except `<name omitted>`, spans holding ` as ` or ` in ` (`<unknown in
/// foo.dll>`), the characters after `operator` (`operator<`, `operator<=>`),
/// and `IPC::ParamTraits<…>`, whose inside is collapsed in turn.
pub fn collapse_types(function: &str) -> String {
    replace_enclosed(function, '<', '>', |before, inside| {
        let kept = inside == "<name omitted>"
            || inside.contains(" as ")
            || inside.contains(" in ")
            || before.ends_with("operator");
        if kept {
            inside.to_owned()
        } else if before.ends_with("IPC::ParamTraits") {
            // Python's inside[1:-1]: the first and the last character go,
            // whatever the last is (an unclosed span ends the text).
            let mut inner = inside.chars();
            inner.next();
            inner.next_back();
            format!("<{}>", collapse_types(inner.as_str()))
        } else {
            "<T>".to_owned()
        }
    })
}

/// Socorro's `collapse_arguments`: argument lists are dropped, except
/// `(anonymous namespace)` and what follows `operator` (`operator()`).
pub fn collapse_arguments(function: &str) -> String {
    replace_enclosed(function, '(', ')', |before, inside| {
        if inside == "(anonymous namespace)" || before.ends_with("operator") {
            inside.to_owned()
        } else {
            String::new()
        }
    })
}

/// Drops a leading `static`, return type and similar: splits on spaces
/// outside `()`, `{}`, `[]`, `<>` and `` `…' `` and keeps the last token
/// (re-joining a trailing `(args)` or `[clone …]` written after a space).
pub fn drop_prefix_and_return_type(function: &str) -> PyResult<String> {
    let closing = |open: char| match open {
        '(' => ')',
        '{' => '}',
        '[' => ']',
        '<' => '>',
        _ => '\'',
    };
    let mut tokens: Vec<String> = Vec::new();
    let mut levels: Vec<char> = Vec::new();
    let mut current = String::new();
    for c in function.chars() {
        if matches!(c, '(' | '{' | '[' | '<' | '`') {
            levels.push(c);
            current.push(c);
        } else if matches!(c, ')' | '}' | ']' | '>' | '\'') {
            if levels.last().is_some_and(|&o| closing(o) == c) {
                levels.pop();
            }
            current.push(c);
        } else if !levels.is_empty() {
            current.push(c);
        } else if c == ' ' {
            tokens.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    while tokens.len() > 1
        && tokens
            .last()
            .is_some_and(|t| t.starts_with('(') || t.starts_with("[clone"))
    {
        let last = tokens.pop().unwrap_or_default();
        let before = tokens.pop().unwrap_or_default();
        tokens.push(format!("{before} {last}"));
    }
    tokens
        .pop()
        .ok_or_else(|| PyErr::lookup("list index out of range"))
}

/// Removes spaces before `*`, `&` and `,`; then puts one space after each comma.
fn fix_spacing(function: &str) -> String {
    let chars: Vec<char> = function.chars().collect();
    let mut out = String::with_capacity(function.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && matches!(chars.get(i + 1), Some('*' | '&' | ',')) {
            continue;
        }
        out.push(c);
    }
    let chars: Vec<char> = out.chars().collect();
    let mut spaced = String::with_capacity(out.len());
    for (i, &c) in chars.iter().enumerate() {
        spaced.push(c);
        if c == ',' && chars.get(i + 1) != Some(&' ') {
            spaced.push(' ');
        }
    }
    spaced
}

fn with_line(function: String, line: &Value, lists: &SignatureLists) -> String {
    if lists.line_numbers.is_match(&function) {
        format!("{function}:{}", to_str(line))
    } else {
        function
    }
}

/// C and C++ rules.
pub fn normalize_cpp(function: &str, line: &Value, lists: &SignatureLists) -> PyResult<String> {
    let mut f = function.to_owned();
    for qualifier in ["const", "const&", "const &", "&&", "&"] {
        if let Some(stripped) = f.strip_suffix(qualifier) {
            f = pyval::strip(stripped).to_owned();
        }
    }
    if !f.contains("::operator") {
        f = drop_prefix_and_return_type(&f)?;
    }
    f = f.replace("`anonymous namespace'", "(anonymous namespace)");
    f = LAMBDA_NUMBER.replace_all(&f, "::$$::").into_owned();
    f = collapse_types(&f);
    f = collapse_arguments(&f);
    if f.contains("clone .cold") {
        f = replace_enclosed(&f, '[', ']', |_, _| String::new());
    }
    let f = with_line(f, line, lists);
    Ok(fix_spacing(&f))
}

/// Rust rules: like C++, without the C++-only cases, and the `::h<hash>`
/// suffix of legacy-mangled symbols dropped.
pub fn normalize_rust(function: &str, line: &Value, lists: &SignatureLists) -> PyResult<String> {
    let mut f = drop_prefix_and_return_type(function)?;
    f = replace_enclosed(&f, '<', '>', |_, inside| {
        if inside.contains(" as ") {
            inside.to_owned()
        } else {
            "<T>".to_owned()
        }
    });
    f = replace_enclosed(&f, '(', ')', |_, _| String::new());
    let f = fix_spacing(&with_line(f, line, lists));
    Ok(RUST_HASH.replace(&f, "$1").into_owned())
}

/// The frame fields Socorro looks at, as Python values.
#[derive(Debug, Clone, Default)]
pub struct FrameFields {
    pub module: Value,
    pub function: Value,
    pub file: Value,
    pub line: Value,
    pub offset: Value,
    pub unloaded_modules: Value,
}

fn as_str<'a>(v: &'a Value, attr: &str) -> PyResult<&'a str> {
    v.as_str().ok_or_else(|| pyval::no_attribute(v, attr))
}

/// One frame as a signature string (empty when it has nothing to offer).
pub fn normalize_frame(frame: &FrameFields, lists: &SignatureLists) -> PyResult<String> {
    if truthy(&frame.function) {
        let is_rust = truthy(&frame.file)
            && parse_source_file(as_str(&frame.file, "split")?)
                .unwrap_or("")
                .ends_with(".rs");
        let function = as_str(&frame.function, "endswith")?;
        return if is_rust {
            normalize_rust(function, &frame.line, lists)
        } else {
            normalize_cpp(function, &frame.line, lists)
        };
    }
    if truthy(&frame.file) && truthy(&frame.line) {
        let file = as_str(&frame.file, "rstrip")?.trim_end_matches(['/', '\\']);
        let base = if file.contains('\\') {
            file.rsplit('\\').next()
        } else {
            file.rsplit('/').next()
        };
        return Ok(format!("{}#{}", base.unwrap_or(""), to_str(&frame.line)));
    }
    if truthy(&frame.module) {
        return Ok(as_str(&frame.module, "strip")?
            .trim_matches(['[', ']'])
            .to_owned());
    }
    if truthy(&frame.unloaded_modules) {
        let first = match &frame.unloaded_modules {
            Value::Array(items) => items[0].clone(),
            Value::String(s) => Value::String(s.chars().take(1).collect()),
            Value::Object(_) => return Err(PyErr::lookup("0")),
            other => {
                return Err(PyErr::new(format!(
                    "'{}' object is not subscriptable",
                    pyval::type_name(other)
                )))
            }
        };
        let module = get_attr(&first, "module")?;
        return Ok(format!("(unloaded {})", to_str(module)));
    }
    if truthy(&frame.offset) {
        return Ok(format!("@{}", pyval::strip_leading_zeros(&frame.offset)));
    }
    Ok(String::new())
}

/// Rust 1.34's panic symbols lacked their module path; Socorro restores it
/// so that sentinels still match (bug 1544246).
fn fix_missing_module(file: &Value, function: &Value) -> PyResult<Option<&'static str>> {
    let path = if truthy(file) {
        parse_source_file(as_str(file, "split")?)
    } else {
        None
    };
    if matches!(function, Value::Array(_) | Value::Object(_)) {
        return Err(PyErr::new(format!(
            "unhashable type: '{}'",
            pyval::type_name(function)
        )));
    }
    let (Some(path), Some(function)) = (path, function.as_str()) else {
        return Ok(None);
    };
    Ok(match (path, function) {
        ("src/liballoc/raw_vec.rs", "capacity_overflow") => {
            Some("alloc::raw_vec::capacity_overflow")
        }
        ("src/libcore/option.rs", "expect_failed") => Some("core::option::expect_failed"),
        ("src/libcore/panicking.rs", "panic_bounds_check") => {
            Some("core::panicking::panic_bounds_check")
        }
        ("src/libcore/panicking.rs", "panic_fmt") => Some("core::panicking::panic_fmt"),
        ("src/libcore/panicking.rs", "panic") => Some("core::panicking::panic"),
        ("src/libcore/slice/mod.rs", "slice_index_order_fail") => {
            Some("core::slice::slice_index_order_fail")
        }
        ("src/libstd/panicking.rs", "begin_panic_fmt") => Some("std::panicking::begin_panic_fmt"),
        ("src/libstd/panicking.rs", "continue_panic_fmt") => {
            Some("std::panicking::continue_panic_fmt")
        }
        ("src/libstd/panicking.rs", "rust_panic_with_hook") => {
            Some("std::panicking::rust_panic_with_hook")
        }
        _ => None,
    })
}

/// Python's `for x in v`: list items, string characters, dict keys.
fn py_iter(v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Array(items) => Ok(items.clone()),
        Value::String(s) => Ok(s.chars().map(|c| Value::String(c.to_string())).collect()),
        Value::Object(m) => Ok(m.keys().map(|k| Value::String(k.clone())).collect()),
        other => Err(not_iterable(other)),
    }
}

fn object(v: &Value) -> PyResult<&Map<String, Value>> {
    v.as_object().ok_or_else(|| pyval::no_attribute(v, "get"))
}

/// The first [`MAX_FRAMES`] frames of a thread (each inline frame before
/// its parent), normalised. Module names are lower-cased on Windows.
/// Frames are read one at a time, as Socorro's generator does, so a
/// malformed frame beyond the window never matters.
pub fn frame_list(
    thread: &Value,
    lower_case_modules: bool,
    lists: &SignatureLists,
) -> PyResult<Vec<String>> {
    let Some(frames) = object(thread)?.get("frames") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut push = |mut fields: FrameFields| -> PyResult<()> {
        if let Some(fixed) = fix_missing_module(&fields.file, &fields.function)? {
            fields.function = Value::String(fixed.to_owned());
        }
        if lower_case_modules && truthy(&fields.module) {
            fields.module = Value::String(as_str(&fields.module, "lower")?.to_lowercase());
        }
        out.push(normalize_frame(&fields, lists)?);
        Ok(())
    };
    let mut produced = 0;
    'frames: for frame in py_iter(frames)? {
        if produced == MAX_FRAMES {
            break;
        }
        let map = object(&frame)?;
        let inlines = get(map, "inlines");
        let inlines = if truthy(inlines) {
            py_iter(inlines)?
        } else {
            Vec::new()
        };
        for inline in &inlines {
            if produced == MAX_FRAMES {
                break 'frames;
            }
            let inline = object(inline)?;
            push(FrameFields {
                module: get(map, "module").clone(),
                function: get(inline, "function").clone(),
                file: get(inline, "file").clone(),
                line: get(inline, "line").clone(),
                offset: get(map, "offset").clone(),
                unloaded_modules: Value::Null,
            })?;
            produced += 1;
        }
        if produced == MAX_FRAMES {
            break;
        }
        push(FrameFields {
            module: get(map, "module").clone(),
            function: get(map, "function").clone(),
            file: get(map, "file").clone(),
            line: get(map, "line").clone(),
            offset: get(map, "offset").clone(),
            unloaded_modules: get(map, "unloaded_modules").clone(),
        })?;
        produced += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lists() -> SignatureLists {
        SignatureLists::builtin()
    }

    #[test]
    fn cpp_rules() {
        let cases = [
            // (function, normalised)
            ("Foo::Bar(int, char*) const", "Foo::Bar"),
            ("Foo::Bar() const&", "Foo::Bar"),
            ("Foo::Bar() const &", "Foo::Bar"),
            ("Foo::Bar() &&", "Foo::Bar"),
            ("Foo::Bar() &", "Foo::Bar"),
            (
                "static void * Alloc<Base>::malloc(unsigned __int64)",
                "Alloc<T>::malloc",
            ),
            (
                "`anonymous namespace'::Helper::Run()",
                "(anonymous namespace)::Helper::Run",
            ),
            (
                "ns::(anonymous namespace)::Run(int)",
                "ns::(anonymous namespace)::Run",
            ),
            (
                "Outer::Method()::$_37::operator()() const",
                "Outer::Method::$::operator()",
            ),
            (
                "std::map<int, std::vector<int> >::find(int const&)",
                "std::map<T>::find",
            ),
            ("bool operator<(A const&, B const&)", "operator<"),
            ("Foo::operator()(int)", "Foo::operator()"),
            // The exception keeps the outer brackets; the inner ones still collapse.
            (
                "IPC::ParamTraits<nsTSubstring<char> >::Write(M*)",
                "IPC::ParamTraits<nsTSubstring<T> >::Write",
            ),
            ("<name omitted>", "<name omitted>"),
            ("<unknown in foo.dll>", "<unknown in foo.dll>"),
            ("Go(char*) [clone .isra.0] [clone .cold]", "Go  "),
            // A space before the arguments survives, as in Socorro.
            ("run (int a, int b)", "run "),
            ("Cast<A *,B &>(x)", "Cast<T>"),
            ("f(a,b) *x", "*x"),
            ("x *y &z", "&z"),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize_cpp(input, &Value::Null, &lists()).unwrap(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn spacing_is_tidied() {
        assert_eq!(fix_spacing("a , b *c &d"), "a, b*c&d");
        assert_eq!(fix_spacing("f<a,b>"), "f<a, b>");
    }

    #[test]
    fn qualifiers_empty_the_name_and_fail_like_python() {
        // "const" strips to nothing; Socorro then indexes an empty token list.
        let err = normalize_cpp("const", &Value::Null, &lists()).unwrap_err();
        assert!(err.lookup);
    }

    #[test]
    fn rust_rules() {
        let cases = [
            (
                "webrender::Renderer::render::h8f2c1a9b7e6d5c43",
                "webrender::Renderer::render",
            ),
            (
                "<T as core::clone::Clone>::clone",
                "<T as core::clone::Clone>::clone",
            ),
            (
                "<alloc::vec::Vec<T, A> as Drop>::drop",
                "<alloc::vec::Vec<T, A> as Drop>::drop",
            ),
            (
                "core::ptr::drop_in_place<my::State>",
                "core::ptr::drop_in_place<T>",
            ),
            ("my::work(u32, &str)", "my::work"),
            ("my::work::{{closure}}", "my::work::{{closure}}"),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize_rust(input, &Value::Null, &lists()).unwrap(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn line_numbers_are_appended_for_listed_functions() {
        assert_eq!(
            normalize_cpp("js_Interpret", &json!(23), &lists()).unwrap(),
            "js_Interpret:23"
        );
        assert_eq!(
            normalize_cpp("js_Interpret", &json!("23"), &lists()).unwrap(),
            "js_Interpret:23"
        );
        assert_eq!(
            normalize_cpp("js_Interpret", &Value::Null, &lists()).unwrap(),
            "js_Interpret:None"
        );
    }

    #[test]
    fn frames_without_a_function() {
        let f = |v: Value| {
            let fields = FrameFields {
                module: v["module"].clone(),
                function: v["function"].clone(),
                file: v["file"].clone(),
                line: v["line"].clone(),
                offset: v["offset"].clone(),
                unloaded_modules: v["unloaded_modules"].clone(),
            };
            normalize_frame(&fields, &lists()).unwrap()
        };
        assert_eq!(
            f(json!({"file": "c:\\src\\a\\b.cpp", "line": 7})),
            "b.cpp#7"
        );
        assert_eq!(f(json!({"file": "/src/a/b.cpp/", "line": "7"})), "b.cpp#7");
        assert_eq!(
            f(json!({"file": "/src/b.cpp", "line": 0, "module": "libxul.so"})),
            "libxul.so"
        );
        assert_eq!(f(json!({"module": "[vdso]"})), "vdso");
        assert_eq!(
            f(json!({"unloaded_modules": [{"module": "evil.dll"}]})),
            "(unloaded evil.dll)"
        );
        assert_eq!(f(json!({"unloaded_modules": [{}]})), "(unloaded None)");
        assert_eq!(f(json!({"offset": "0x0000000000032ec0"})), "@0x32ec0");
        assert_eq!(f(json!({"offset": "bogus"})), "@bogus");
        assert_eq!(f(json!({})), "");
        assert_eq!(
            f(json!({"function": "f", "file": "hg:h/r:src/lib.rs:abc"})),
            "f"
        );
    }

    #[test]
    fn inlines_come_before_their_frame_and_the_window_is_forty() {
        let mut frames = vec![
            json!({"function": "outer", "inlines": [{"function": "in1"}, {"function": "in2"}]}),
        ];
        frames.extend((0..50).map(|i| json!({"function": format!("f{i}")})));
        // A malformed frame beyond the window is never looked at.
        frames.push(json!(5));
        let list = frame_list(&json!({"frames": frames}), false, &lists()).unwrap();
        assert_eq!(list.len(), MAX_FRAMES);
        assert_eq!(&list[..4], ["in1", "in2", "outer", "f0"]);
    }

    #[test]
    fn windows_modules_are_lower_cased_and_rust_134_panics_get_their_module() {
        let list = frame_list(
            &json!({"frames": [{"module": "NTDLL.DLL"}]}),
            true,
            &lists(),
        )
        .unwrap();
        assert_eq!(list, ["ntdll.dll"]);
        let list = frame_list(
            &json!({"frames": [{"function": "panic_fmt", "file": "/src/libcore/panicking.rs"}]}),
            false,
            &lists(),
        )
        .unwrap();
        assert_eq!(list, ["panic_fmt"]);
        let list = frame_list(&json!({"frames": [{"function": "panic_fmt", "file": "hg:h:src/libcore/panicking.rs:r"}]}), false, &lists()).unwrap();
        assert_eq!(list, ["core::panicking::panic_fmt"]);
    }

    #[test]
    fn collapse_keeps_socorros_exceptions() {
        assert_eq!(collapse_types("a<b<c>>d"), "a<T>d");
        assert_eq!(collapse_types("a<b"), "a<T>");
        assert_eq!(collapse_types("x<y as Z>::f"), "x<y as Z>::f");
        assert_eq!(
            collapse_types("<unknown in foo.dll>"),
            "<unknown in foo.dll>"
        );
        assert_eq!(collapse_types("Foo::operator<=>"), "Foo::operator<=>");
        assert_eq!(collapse_types("operator<<<int>"), "operator<<<int>");
        assert_eq!(
            collapse_types("IPC::ParamTraits<nsTSubstring<char> >::Write"),
            "IPC::ParamTraits<nsTSubstring<T> >::Write"
        );
        assert_eq!(collapse_arguments("f(int)::g(a, b)"), "f::g");
        assert_eq!(
            collapse_arguments("ns::(anonymous namespace)::Run(int)"),
            "ns::(anonymous namespace)::Run"
        );
        assert_eq!(
            collapse_arguments("Foo::operator()(int)"),
            "Foo::operator()"
        );
        assert_eq!(collapse_arguments("a)b(c"), "a)b");
    }
}
