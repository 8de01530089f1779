#!/usr/bin/env bash
# Benchmark: what Socorro's processor rules cost per crash (issue 25's
# target: under 5% more CPU per crash than before them, on the mixed
# batch). Builds this tree and a baseline commit (release), makes one
# store of distinct crashes round robin over the testdata dumps, each with
# a realistic Firefox raw crash (the annotations of the rules' corpus,
# TelemetryEnvironment included), and runs `process --storage --jobs 1`
# with each build in turn, several rounds interleaved (this machine's speed
# drifts within minutes). Prints the figures; not a test.
#
#   scripts/bench-process-rules.sh [BASELINE_COMMIT] [CRASHES] [ROUNDS]
#   defaults: 3f94e0d (before the rules), 400 crashes, 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
baseline="${1:-3f94e0d}"
crashes="${2:-400}"
rounds="${3:-3}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/baseline" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
after="$PWD/target/release/crashkit"
git worktree add --quiet --detach "$work/baseline" "$baseline"
# The baseline's build is kept in target/bench-baseline, so a rerun is quick.
(cd "$work/baseline" && CARGO_TARGET_DIR="$OLDPWD/target/bench-baseline" cargo build --release --quiet)
before="$PWD/target/bench-baseline/release/crashkit"

python3 - "$work/store" "$crashes" > "$work/ids" <<'PY'
import glob, json, os, sys, uuid
root, n = sys.argv[1], int(sys.argv[2])
dumps = sorted(glob.glob("testdata/minidumps/*.dmp"))
corpus = [json.loads(l)["raw_crash"] for l in open("testdata/processor/corpus.jsonl")]
# The realistic ones: annotation values of the right types.
corpus = [c for c in corpus if all(not isinstance(v, (list, bool, int)) or k == "version" for k, v in c.items())]
day = "20261126"
for d in ("v1/dump", "v1/dump_names", f"v1/raw_crash/{day}"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
for i in range(n):
    cid = str(uuid.UUID(int=(i + 1) << 64))[:-7] + "0261126"
    open(os.path.join(root, "v1/dump", cid), "wb").write(open(dumps[i % len(dumps)], "rb").read())
    open(os.path.join(root, "v1/dump_names", cid), "w").write('["upload_file_minidump"]')
    raw = dict(corpus[i % len(corpus)])
    raw["uuid"] = cid
    raw["submitted_timestamp"] = "2026-11-26T18:06:14.123456+00:00"
    json.dump(raw, open(os.path.join(root, f"v1/raw_crash/{day}", cid), "w"))
    print(cid)
PY

cpu() { /usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true; awk '{print $1 + $2}' "$work/time"; }
run() { cpu sh -c "'$1' -q process --storage '$work/store' --symbols-path testdata/symbols --jobs 1 < '$work/ids'"; }
echo "round | before ($baseline) ms/crash | after ms/crash | after/before"
for r in $(seq "$rounds"); do
  b="$(run "$before")"
  a="$(run "$after")"
  printf '%s | %.2f | %.2f | %.3f\n' "$r" "$(echo "$b * 1000 / $crashes" | bc -l)" "$(echo "$a * 1000 / $crashes" | bc -l)" "$(echo "$a / $b" | bc -l)"
done
