//! Query latency of a crashkit search index, in-process, for
//! scripts/bench-search.sh: the four benchmark queries, each run N times
//! after one warm-up run, printed as JSON `{"name": {"p50_ms", "p95_ms"}}`.
//!
//!     cargo run --release --example bench_search -- INDEX_URL END_DATE N

use std::io::Write;
use std::time::Instant;

use chrono::{Duration, NaiveTime};
use crashkit::search::{self, topcrashers, Mode, Search};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, end, n] = args.as_slice() else {
        anyhow::bail!("usage: bench_search INDEX_URL END_DATE(YYYY-MM-DD) N");
    };
    let n: usize = n.parse()?;
    let now = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d")?
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a time"))
        .and_utc();
    let index = search::open_url(&Default::default(), url, Mode::Read)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let day = |d: i64| search::fields::format_date(&(now - Duration::days(d)));
    let p = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let queries: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "a_facet_signature_product_7d",
            p(&[
                ("product", "Firefox".into()),
                ("date", format!(">={}", day(7))),
                ("date", format!("<{}", day(0))),
                ("_facets", "signature".into()),
                ("_results_number", "0".into()),
            ]),
        ),
        (
            "b_contains_signature_7d",
            p(&[
                ("signature", "~Flush".into()),
                ("date", format!(">={}", day(7))),
                ("date", format!("<{}", day(0))),
                ("_results_number", "100".into()),
                ("_facets_size", "0".into()),
            ]),
        ),
        (
            "c_histogram_day_28d",
            p(&[
                ("date", format!(">={}", day(28))),
                ("date", format!("<{}", day(0))),
                ("_facets", "_histogram.date".into()),
                ("_results_number", "0".into()),
            ]),
        ),
    ];
    let mut out = serde_json::Map::new();
    let mut measure =
        |name: &str, f: &mut dyn FnMut() -> anyhow::Result<u64>| -> anyhow::Result<()> {
            let total = f()?;
            let mut times: Vec<f64> = (0..n)
                .map(|_| {
                    let t = Instant::now();
                    f().map(|_| t.elapsed().as_secs_f64() * 1000.0)
                })
                .collect::<anyhow::Result<_>>()?;
            times.sort_by(f64::total_cmp);
            let pct = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
            out.insert(
                name.to_owned(),
                serde_json::json!({"p50_ms": pct(0.5), "p95_ms": pct(0.95), "matched": total}),
            );
            Ok(())
        };
    for (name, params) in &queries {
        let search = Search::parse(params, now)?;
        measure(name, &mut || {
            Ok(runtime.block_on(index.search(&search, None))?.total)
        })?;
    }
    let request = topcrashers::Request {
        product: "Firefox".into(),
        version: None,
        days: 7,
        limit: 50,
        filters: vec![],
        now,
    };
    measure("d_topcrashers_7d", &mut || {
        Ok(runtime
            .block_on(topcrashers::report(&*index, &request))?
            .total)
    })?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &out)?;
    writeln!(stdout)?;
    Ok(())
}
