//! `GET /api/`: the page documenting every endpoint of the API, its
//! parameters and the permission it needs, as Crash Stats' own `/api/`
//! page does. Rendered from `templates/api.html` (askama, autoescaped);
//! a test checks that every `/api/` route is documented here.

use askama::Template;

use crate::access::Permission;

/// One parameter of an endpoint.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    /// What it takes: `string`, `list of strings`, `integer`, ….
    pub kind: &'static str,
    pub about: &'static str,
}

/// One endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// The name in `/api/<name>/`.
    pub name: &'static str,
    pub methods: &'static str,
    /// The permission the endpoint needs at all (others may widen answers).
    pub permission: Option<Permission>,
    /// Paragraphs separated by blank lines.
    pub about: &'static str,
    pub params: &'static [Param],
    /// A path to try.
    pub example: &'static str,
}

const fn p(name: &'static str, required: bool, kind: &'static str, about: &'static str) -> Param {
    Param {
        name,
        required,
        kind,
        about,
    }
}

/// Every endpoint, by name.
pub static ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "Bugs",
        methods: "GET, POST",
        permission: None,
        about: "The bugs filed for the signatures, and every other signature those bugs are filed for: {\"hits\": [{\"id\", \"signature\"}], \"total\"}, sorted by bug. With POST the signatures come as a form body.\n\nThe associations come from `crashkit bugs import` (Bugzilla's Crash Signature field) or `crashkit bugs add`.",
        params: &[p("signatures", true, "list of strings", "Signatures to look up (at most 1,000).")],
        example: "/api/Bugs/?signatures=OOM%20%7C%20small",
    },
    Endpoint {
        name: "CrashSignature",
        methods: "POST",
        permission: None,
        about: "Signature generation for crash data you send: a JSON body {\"jobs\": [CRASH_DATA, …]} in siggen's crash-data shape (os, crashing_thread, threads with frames, reason, java_stack_trace, …; at most 1,000 jobs), answered {\"results\": [{\"signature\", \"notes\", \"extra\"}]} with the signature lists processing uses. A request header Debug: 1 adds each result's debug_log.\n\nOpen to every origin (CORS).",
        params: &[],
        example: "/api/CrashSignature/",
    },
    Endpoint {
        name: "MissingProcessedCrash",
        methods: "GET",
        permission: None,
        about: "The crashes `crashkit verify` found without a processed crash or a search document, oldest first, 1,000 a page: {\"results\": [{\"crash_id\", \"is_processed\", \"created\"}], \"count\", \"next\", \"previous\"}.",
        params: &[p("page", false, "integer", "The page, from 1.")],
        example: "/api/MissingProcessedCrash/",
    },
    Endpoint {
        name: "ProcessedCrash",
        methods: "GET",
        permission: None,
        about: "The processed crash. Without the View Personal Identifiable Information permission, only the fields Socorro's schema marks public.",
        params: &[p("crash_id", true, "string", "The crash id.")],
        example: "/api/ProcessedCrash/?crash_id=",
    },
    Endpoint {
        name: "RawCrash",
        methods: "GET",
        permission: None,
        about: "The crash annotations and collector metadata (format=meta; only public annotations without View Personal Identifiable Information), or a dump's bytes (format=raw, which needs View Raw Dumps; name=upload_file_minidump or dump for the main dump, memory_report, or another dump's name).",
        params: &[
            p("crash_id", true, "string", "The crash id."),
            p("format", false, "meta or raw", "meta (the default) or raw."),
            p("name", false, "string", "With format=raw: which dump."),
        ],
        example: "/api/RawCrash/?crash_id=",
    },
    Endpoint {
        name: "Reprocessing",
        methods: "POST",
        permission: Some(Permission::ReprocessCrashes),
        about: "Sends crashes back through processing: crash_ids as form fields or a JSON body, each an id or id:ruleset (default, regenerate_signature), at most 1,000. Answers true.",
        params: &[p("crash_ids", true, "list of strings", "The crash ids.")],
        example: "/api/Reprocessing/",
    },
    Endpoint {
        name: "SignatureFirstDate",
        methods: "GET",
        permission: None,
        about: "When and in which build each signature was first seen: {\"hits\": [{\"signature\", \"first_date\", \"first_build\"}], \"total\"}, from indexed crashes that have a build id.",
        params: &[p("signatures", true, "list of strings", "Signatures to look up (at most 1,000).")],
        example: "/api/SignatureFirstDate/?signatures=OOM%20%7C%20small",
    },
    Endpoint {
        name: "SignaturesByBugs",
        methods: "GET",
        permission: None,
        about: "The signatures the bugs are filed for: {\"hits\": [{\"id\", \"signature\"}], \"total\"}.",
        params: &[p("bug_ids", true, "list of integers", "Bug ids (at most 1,000).")],
        example: "/api/SignaturesByBugs/?bug_ids=1",
    },
    Endpoint {
        name: "SuperSearch",
        methods: "GET",
        permission: None,
        about: "Searches and aggregates crash reports. Every field of SuperSearchFields is a filter (field=value, with the operators ~ ^ $ @ = ! > >= < <= and __null__, __true__; a repeated field is OR, different fields AND; date defaults to the last 7 days).\n\nWithout View Personal Identifiable Information, protected fields are left out: a filter on one is ignored, and they are removed from _columns, _sort, _facets and aggregations, as in Socorro's public Super Search. With it, everything.",
        params: &[
            p("<field>", false, "list of strings", "A filter on any field of SuperSearchFields."),
            p("_columns", false, "list of strings", "The fields each hit holds (default uuid, date, signature, product, version)."),
            p("_sort", false, "list of strings", "Sort fields, - for descending (default -date)."),
            p("_facets", false, "list of strings", "Fields to count values of (default signature)."),
            p("_facets_size", false, "integer", "Buckets per facet (default 50, at most 10,000)."),
            p("_results_number", false, "integer", "Hits per page (default 100, at most 1,000)."),
            p("_results_offset", false, "integer", "Hits to skip; offset + number at most 10,000."),
            p("_aggs.<field>", false, "list of strings", "Facets inside each bucket of <field> (also _aggs.<a>.<b>)."),
            p("_histogram.<field>", false, "list of strings", "A histogram of a date or number field, with facets inside its buckets."),
            p("_histogram_interval.<field>", false, "string", "The histogram's interval: day, week, hour, 6h, … for dates; a number for numbers."),
        ],
        example: "/api/SuperSearch/?product=Firefox&_facets=platform",
    },
    Endpoint {
        name: "SuperSearchFields",
        methods: "GET",
        permission: None,
        about: "Every Super Search field: name, description, query_type, data_validation_type, namespace, in_database_name, permissions_needed, storage_mapping, ….",
        params: &[],
        example: "/api/SuperSearchFields/",
    },
    Endpoint {
        name: "SuperSearchUnredacted",
        methods: "GET",
        permission: Some(Permission::ViewPii),
        about: "SuperSearch over every field, protected ones included.",
        params: &[p("<as SuperSearch>", false, "", "Every parameter of SuperSearch.")],
        example: "/api/SuperSearchUnredacted/?product=Firefox",
    },
    Endpoint {
        name: "VersionString",
        methods: "GET",
        permission: None,
        about: "The versions indexed crashes of a product, channel and build carry, most common first: {\"hits\": [{\"version_string\"}], \"total\"}. On the beta and aurora channels only b versions when there are any, else only rc ones.",
        params: &[
            p("product", true, "string", "The product."),
            p("channel", true, "string", "The release channel."),
            p("build_id", true, "string", "The build id, YYYYMMDDHHMMSS."),
        ],
        example: "/api/VersionString/?product=Firefox&channel=release&build_id=20261101000000",
    },
];

/// What the template sees of an endpoint.
struct Shown {
    name: &'static str,
    methods: &'static str,
    permission: Option<&'static str>,
    about: &'static str,
    params: &'static [Param],
    example: &'static str,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage<'a> {
    endpoints: Vec<Shown>,
    base_url: &'a str,
}

/// The page's body for a server reached at `base_url`.
pub fn render(base_url: &str) -> Result<String, askama::Error> {
    ApiPage {
        endpoints: ENDPOINTS
            .iter()
            .map(|e| Shown {
                name: e.name,
                methods: e.methods,
                permission: e.permission.map(Permission::title),
                about: e.about,
                params: e.params,
                example: e.example,
            })
            .collect(),
        base_url,
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows() {
        let page = render("http://x\"><script>").unwrap();
        assert!(!page.contains("<script>"));
        assert!(
            page.contains("&#34;&#62;&#60;script&#62;")
                || page.contains("&quot;&gt;&lt;script&gt;")
        );
        for e in ENDPOINTS {
            assert!(page.contains(&format!("id=\"{}\"", e.name)), "{}", e.name);
        }
        assert!(page.contains("View Personal Identifiable Information"));
    }

    #[test]
    fn every_api_route_is_documented() {
        let router = include_str!("mod.rs");
        let routes = regex::Regex::new(r#""/api/([A-Za-z]+)/""#).unwrap();
        let routed: std::collections::BTreeSet<&str> = routes
            .captures_iter(router)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let documented: std::collections::BTreeSet<&str> =
            ENDPOINTS.iter().map(|e| e.name).collect();
        assert_eq!(routed, documented);
        assert!(routed.len() >= 12);
    }

    #[test]
    fn endpoints_are_sorted_and_unique() {
        let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
