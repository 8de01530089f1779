//! HTML for the pages: escaping, the page frame with its inline style
//! sheet, and the few building blocks every page uses (tables, notices).
//! Every value that comes from a crash goes through [`esc`] or [`attr`].

use std::fmt::Write;

/// `text` safe inside an element.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` safe inside a quoted attribute.
pub fn attr(text: &str) -> String {
    esc(text)
}

/// `text` as one query-string value.
pub fn url_value(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A query string of `params`.
pub fn query_string(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --line: #d9dce1; --bg: #f6f7f9; --accent: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #20232a; color: #fff; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: baseline; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; word-break: break-word; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
.card > h2:first-child { margin-top: .2rem; }
a { color: var(--accent); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef0f3; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
dl.fields { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; word-break: break-word; }
details { margin: .4rem 0; }
summary { cursor: pointer; font-weight: 600; }
.notice { background: #fff8e1; border: 1px solid #f0d58c; border-radius: 6px; padding: .7rem 1rem; margin-bottom: 1rem; }
.error { background: #fdecea; border-color: #f5b7b1; }
.muted { color: var(--muted); }
form.search .row { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .4rem; }
form.search select, form.search input[type=text] { font: inherit; padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
form.search input[type=text] { flex: 1 1 12rem; min-width: 8rem; }
button { font: inherit; padding: .35rem .9rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
.facets { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.up { color: #137333; } .down { color: #b3261e; }
svg.chart { width: 100%; height: auto; max-height: 320px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
@media (max-width: 640px) {
  main { padding: .6rem; }
  dl.fields { grid-template-columns: 1fr; }
  dl.fields dt { margin-top: .4rem; }
  th, td { padding: .3rem .35rem; }
  .wide { display: none; }
}
"#;

/// A whole page: `title`, the search box prefilled with `query`, `body`.
pub fn page(title: &str, query: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · crashkit</title><style>{STYLE}</style></head><body>\
         <header><a class=\"brand\" href=\"/\">crashkit Crash Stats</a>\
         <a href=\"/search/\">Super Search</a><a href=\"/topcrashers/\">Top Crashers</a><a href=\"/emerging/\">Emerging</a>\
         <form action=\"/search/\" method=\"get\" role=\"search\" style=\"margin-left:auto\">\
         <input type=\"text\" name=\"signature\" value=\"{}\" placeholder=\"signature\" aria-label=\"signature\" \
         style=\"padding:.2rem .4rem;border-radius:4px;border:0\"></form></header>\
         <main>{body}</main></body></html>\n",
        esc(title),
        attr(query),
    );
    out
}

/// A highlighted message.
pub fn notice(text: &str) -> String {
    format!("<div class=\"notice\">{}</div>", esc(text))
}

/// A highlighted error message.
pub fn error_notice(text: &str) -> String {
    format!(
        "<div class=\"notice error\" role=\"alert\">{}</div>",
        esc(text)
    )
}

/// A table with `head` (already HTML) and `rows` of already-HTML cells.
pub fn table(id: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table id=\"{}\"><thead><tr>", attr(id));
    for h in head {
        let class = if h.starts_with("num:") {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", esc(h.trim_start_matches("num:")));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if head.get(i).is_some_and(|h| h.starts_with("num:")) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        let p = page("a<b", "\"><script>", "<p>ok</p>");
        assert!(p.contains("<title>a&lt;b · crashkit</title>"));
        assert!(!p.contains("\"><script>"));
        assert_eq!(url_value("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
