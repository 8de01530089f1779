#!/usr/bin/env bash
# Search benchmark, side by side with DuckDB holding the same rows
# (BENCHMARKS.md has the figures; timing never decides a test):
#
#   1. index rate of full processed crashes (json_dump of FULL_THREADS
#      threads x FULL_FRAMES frames) from JSON Lines on stdin, with the peak
#      memory of `crashkit index`; DuckDB loading the same file;
#   2. QUERY_ROWS crashes over 8 weeks (smaller json_dump) in both, then
#      p50/p95 over ITER runs of: (a) a 7-day facet on signature with a
#      product filter, (b) a contains filter on signature, (c) a 28-day
#      histogram per day, (d) top crashers for 7 days with the previous
#      period; peak memory of one `crashkit query`;
#   3. the same queries on osmem-server over OSMEM_ROWS crashes, for reference.
#
# Usage: scripts/bench-search.sh [WORKDIR]   (needs ~15 GB free in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
FULL_ROWS="${FULL_ROWS:-100000}"
FULL_THREADS="${FULL_THREADS:-8}"
FULL_FRAMES="${FULL_FRAMES:-16}"
QUERY_ROWS="${QUERY_ROWS:-1000000}"
OSMEM_ROWS="${OSMEM_ROWS:-100000}"
ITER="${ITER:-100}"
end="$(date -u +%Y-%m-%d)"

python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
cargo build --release --bin crashkit --example bench_search >&2
ck="$repo/target/release/crashkit"
bench="$repo/target/release/examples/bench_search"

peak_rss() { awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1"; }

echo "== generating $FULL_ROWS full crashes" >&2
"$ck" generate-crashes --count "$FULL_ROWS" --seed 1 --end "$end" --threads "$FULL_THREADS" --frames "$FULL_FRAMES" > "$work/full.jsonl"
full_mb=$(( $(stat -c %s "$work/full.jsonl") / 1048576 ))
echo "== indexing them" >&2
rm -rf "$work/full-idx"
cat "$work/full.jsonl" > /dev/null  # page cache warm for both tools
/usr/bin/time -v "$ck" index --index "$work/full-idx" < "$work/full.jsonl" 2> "$work/full-index.err"
full_rate="$(grep -o '([0-9]*/s)' "$work/full-index.err" | tr -d '()/s')"
full_rss="$(peak_rss "$work/full-index.err")"
duck_full="$(python3 - "$work/full.jsonl" <<'EOF'
import sys, time, duckdb
db = duckdb.connect()
t = time.time()
db.execute(f"CREATE TABLE c AS SELECT * FROM read_json('{sys.argv[1]}', format='newline_delimited', maximum_object_size=100000000)")
n = db.execute("SELECT count(*) FROM c").fetchone()[0]
print(f"{n / (time.time() - t):.0f}")
EOF
)"

echo "== generating $QUERY_ROWS crashes for the queries" >&2
"$ck" generate-crashes --count "$QUERY_ROWS" --seed 2 --end "$end" --threads 1 --frames 4 > "$work/query.jsonl"
query_mb=$(( $(stat -c %s "$work/query.jsonl") / 1048576 ))
rm -rf "$work/idx"
/usr/bin/time -v "$ck" index --index "$work/idx" < "$work/query.jsonl" 2> "$work/query-index.err"
query_rate="$(grep -o '([0-9]*/s)' "$work/query-index.err" | tr -d '()/s')"
query_index_rss="$(peak_rss "$work/query-index.err")"

echo "== queries: crashkit" >&2
"$bench" "$work/idx" "$end" "$ITER" > "$work/crashkit.json"
/usr/bin/time -v "$ck" query --index "$work/idx" product=Firefox --facet signature --limit 0 > /dev/null 2> "$work/query.err"
query_rss="$(peak_rss "$work/query.err")"
echo "== queries: duckdb" >&2
python3 scripts/bench_search_duckdb.py "$work/query.jsonl" "$end" "$ITER" > "$work/duckdb.json"

echo "== osmem-server over $OSMEM_ROWS crashes" >&2
osmem_bin="$(python3 -c 'import os, osmem_server; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))' 2>/dev/null || true)"
[ -x "$osmem_bin" ] || { python3 -m pip install --quiet osmem-server; osmem_bin="$(python3 -c 'import os, osmem_server; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))')"; }
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
setsid "$osmem_bin" -addr "127.0.0.1:$port" -no-stdin-watch > "$work/osmem.log" 2>&1 &
osmem_pid=$!
trap 'kill -KILL -- "-$osmem_pid" 2>/dev/null || kill -KILL "$osmem_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
head -n "$OSMEM_ROWS" "$work/query.jsonl" > "$work/osmem.jsonl"
"$ck" index --index "es+http://127.0.0.1:$port" < "$work/osmem.jsonl" 2> "$work/osmem-index.err"
osmem_rate="$(grep -o '([0-9]*/s)' "$work/osmem-index.err" | tr -d '()/s')"
"$bench" "es+http://127.0.0.1:$port" "$end" 20 > "$work/osmem.json"
osmem_rss="$(ps -o rss= -p "$(pgrep -f "osmem-server -addr 127.0.0.1:$port" | head -1)" | awk '{printf "%.0f", $1/1024}')"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mem="$(free -g | awk '/Mem:/ {print $2}')"
python3 - "$work" "$end" "$cpu" "$mem" "$FULL_ROWS" "$full_mb" "$full_rate" "$full_rss" "$duck_full" \
  "$QUERY_ROWS" "$query_mb" "$query_rate" "$query_index_rss" "$query_rss" "$OSMEM_ROWS" "$osmem_rate" "$osmem_rss" "$ITER" <<'EOF'
import json, sys
(work, end, cpu, mem, full_rows, full_mb, full_rate, full_rss, duck_full,
 query_rows, query_mb, query_rate, query_index_rss, query_rss, osmem_rows, osmem_rate, osmem_rss, iters) = sys.argv[1:]
ck = json.load(open(f"{work}/crashkit.json"))
dk = json.load(open(f"{work}/duckdb.json"))
os_ = json.load(open(f"{work}/osmem.json"))
import datetime
print(f"## search: {datetime.date.today()} on 2 cores ({cpu}), {mem} GiB\n")
print(f"Index rate: {int(full_rows):,} full processed crashes ({full_mb} MB of JSON Lines, json_dump included) on stdin into the embedded index: "
      f"**{int(full_rate):,} crashes/s**, peak RSS {full_rss} MiB; DuckDB `read_json` of the same file into a table: {int(duck_full):,} rows/s.\n")
print(f"Query set: {int(query_rows):,} crashes over 8 weeks ({query_mb} MB), indexed at {int(query_rate):,} crashes/s (peak RSS {query_index_rss} MiB); "
      f"DuckDB holds the same rows ({dk['_rows']:,}, loaded in {dk['_load_s']} s) in an in-memory table. Latency over {iters} runs after a warm-up, in-process for both "
      f"(crashkit: the library's search on the embedded index; DuckDB: its Python API). Peak RSS of one `crashkit query --facet signature` process: {query_rss} MiB.\n")
print("| query | crashkit p50 | crashkit p95 | DuckDB p50 | DuckDB p95 | matched (crashkit / DuckDB) |")
print("|---|---|---|---|---|---|")
names = {
    "a_facet_signature_product_7d": "(a) 7-day facet on signature, product=Firefox",
    "b_contains_signature_7d": "(b) signature contains `Flush`, 7 days, 100 hits by -date",
    "c_histogram_day_28d": "(c) 28-day histogram per day",
    "d_topcrashers_7d": "(d) top crashers, 7 days, with the previous 7",
}
for key, label in names.items():
    c, d = ck[key], dk[key]
    print(f"| {label} | {c['p50_ms']:.1f} ms | {c['p95_ms']:.1f} ms | {d['p50_ms']:.1f} ms | {d['p95_ms']:.1f} ms | {c['matched']:,} / {d['matched']:,} |")
print(f"\nFor reference, osmem-server (an in-memory OpenSearch-API server for tests, not a production engine) with the first {int(osmem_rows):,} of those crashes, "
      f"through the same `Elastic` backend: indexed at {int(osmem_rate):,} crashes/s, server RSS {osmem_rss} MiB afterwards; p50/p95 over 20 runs:\n")
print("| query | p50 | p95 | matched |")
print("|---|---|---|---|")
for key, label in names.items():
    o = os_[key]
    print(f"| {label} | {o['p50_ms']:.1f} ms | {o['p95_ms']:.1f} ms | {o['matched']:,} |")
EOF
