#!/usr/bin/env bash
# Emerging-crash benchmark (BENCHMARKS.md has the figures; timing never
# decides a test):
#
#   1. precision and recall of `query --emerging` over SEEDS synthetic
#      histories with planted truths (`generate-crashes --scenario
#      emerging`: a new signature in a new version, a tripled one, a
#      single-install crash loop, a release doubling the volume,
#      day-of-week swings, Zipf signatures), at SMALL_COUNT crashes each;
#   2. the latency of `crashkit query --emerging` (the whole process) over
#      BIG_COUNT crashes in the embedded index, p50/p95 over ITER runs,
#      with the planted truths checked there too.
#
# Usage: scripts/bench-emerging.sh [WORKDIR]   (needs ~8 GB free in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
SEEDS="${SEEDS:-10}"
SMALL_COUNT="${SMALL_COUNT:-50000}"
BIG_COUNT="${BIG_COUNT:-1000000}"
SIGNATURES="${SIGNATURES:-5000}"
ITER="${ITER:-10}"
cargo build --release --bin crashkit >&2
ck="$(pwd)/target/release/crashkit"

# Scores one run: prints "tp fp fn" for a report and its truth.
score() {
  python3 - "$1" "$2" <<'PY'
import json, sys
report, truth = (json.load(open(p)) for p in sys.argv[1:3])
want = {(s, "new") for s in truth["new"]} | {(s, "growing") for s in truth["growing"]}
got = {(s["signature"], s["kind"]) for s in report["signatures"]}
print(len(got & want), len(got - want), len(want - got))
PY
}

echo "== precision and recall over $SEEDS histories of $SMALL_COUNT crashes" >&2
: > "$work/small.tsv"
for seed in $(seq 1 "$SEEDS"); do
  rm -rf "$work/small-idx"
  "$ck" generate-crashes --scenario emerging --count "$SMALL_COUNT" --signatures "$SIGNATURES" \
    --seed "$seed" --truth "$work/small-truth.json" | "$ck" index --index "$work/small-idx" 2>/dev/null
  "$ck" query --index "$work/small-idx" --emerging --product Firefox --format json > "$work/small-report.json"
  echo "$seed $(score "$work/small-report.json" "$work/small-truth.json")" >> "$work/small.tsv"
done

echo "== $BIG_COUNT crashes" >&2
rm -rf "$work/big-idx"
"$ck" generate-crashes --scenario emerging --count "$BIG_COUNT" --signatures "$SIGNATURES" \
  --seed 100 --truth "$work/big-truth.json" > "$work/big.jsonl"
"$ck" index --index "$work/big-idx" < "$work/big.jsonl" 2> "$work/big-index.err"
"$ck" query --index "$work/big-idx" --emerging --product Firefox --format json > "$work/big-report.json"
big_score="$(score "$work/big-report.json" "$work/big-truth.json")"
: > "$work/big-times.txt"
for _ in $(seq 1 "$ITER"); do
  /usr/bin/time -f "%e %M" "$ck" query --index "$work/big-idx" --emerging --product Firefox \
    --format json > /dev/null 2>> "$work/big-times.txt"
done

python3 - "$work" "$SEEDS" "$SMALL_COUNT" "$BIG_COUNT" "$SIGNATURES" "$big_score" <<'PY'
import json, platform, statistics, subprocess, sys, datetime
work, seeds, small, big, signatures, big_score = sys.argv[1:]
rows = [list(map(int, l.split())) for l in open(f"{work}/small.tsv") if l.strip()]
tp = sum(r[1] for r in rows); fp = sum(r[2] for r in rows); fn = sum(r[3] for r in rows)
times = sorted(float(l.split()[0]) for l in open(f"{work}/big-times.txt") if l.strip())
rss = max(int(l.split()[1]) for l in open(f"{work}/big-times.txt") if l.strip()) // 1024
p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = round(int(open("/proc/meminfo").readline().split()[1]) / 1048576)
index_line = open(f"{work}/big-index.err").read().strip().splitlines()[-1]
report = json.load(open(f"{work}/big-report.json"))
btp, bfp, bfn = map(int, big_score.split())
print(f"## emerging: {datetime.date.today()} on {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores ({cpu}), {mem} GiB\n")
print(f"Precision and recall of `crashkit query --emerging --product Firefox` (7 days against the 28 before) "
      f"over {seeds} synthetic histories (`generate-crashes --scenario emerging`, seeds 1-{seeds}, {int(small):,} crashes "
      f"and {int(signatures):,} Zipf signatures each; planted: a new signature in a new version, one whose share triples, "
      f"and, as traps, a single-install crash loop, a release doubling the volume, weekend dips):\n")
print("| planted positives | flagged correctly | false alarms | missed | precision | recall |")
print("|---|---|---|---|---|---|")
prec = tp / (tp + fp) if tp + fp else 1.0
rec = tp / (tp + fn) if tp + fn else 1.0
print(f"| {tp + fn} | {tp} | {fp} | {fn} | {prec:.3f} | {rec:.3f} |\n")
print(f"Over {int(big):,} crashes in the embedded index ({index_line.replace('crashkit index: ', '')}; "
      f"{report['tested']:,} signatures tested, {len(report['signatures'])} flagged: {btp} planted, {bfp} false alarms, {bfn} missed): "
      f"`crashkit query --emerging` as a whole process, {len(times)} runs: **p50 {statistics.median(times) * 1000:.0f} ms**, "
      f"p95 {p95 * 1000:.0f} ms, peak RSS {rss} MiB.")
PY
