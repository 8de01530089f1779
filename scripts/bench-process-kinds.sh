#!/usr/bin/env bash
# Benchmark: CPU per crash of each testdata dump kind, crashkit against
# minidump-stackwalk (the target of issue 17: the thread-heavy dump should
# cost crashkit, symbols cached, at most 0.3x a minidump-stackwalk process
# that has no symbols, i.e. the unwind and the JSON, nothing else).
# Appends its figures to BENCHMARKS.md. Not a test.
#
#   scripts/bench-process-kinds.sh [COPIES]     default: 20 crashes of each kind
#   CRASHKIT=/path/to/crashkit LABEL="before …" scripts/bench-process-kinds.sh
#                                               another build, named in the heading
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-20}"
command -v minidump-stackwalk >/dev/null || cargo install minidump-stackwalk --version 0.27.0 --locked
if [ -z "${CRASHKIT:-}" ]; then
  cargo build --release --quiet
fi
crashkit="${CRASHKIT:-$PWD/target/release/crashkit}"
label="${LABEL:-commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' with changes')}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# CPU seconds (user + system) of a command and its children.
cpu() { /usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true; awk '{print $1 + $2}' "$work/time"; }

rows=""
for dump in testdata/minidumps/*.dmp; do
  kind="$(basename "$dump" .dmp)"
  store="$work/$kind"
  python3 - "$store" "$dump" "$copies" > "$work/$kind.ids" <<'PY'
import json, os, sys, uuid
root, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for d in ("v1/dump", "v1/dump_names", "v1/raw_crash/20261126"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
data = open(src, "rb").read()
for i in range(n):
    cid = str(uuid.UUID(int=(i + 1) << 64))[:-7] + "0261126"
    open(os.path.join(root, "v1/dump", cid), "wb").write(data)
    open(os.path.join(root, "v1/dump_names", cid), "w").write('["upload_file_minidump"]')
    json.dump({"uuid": cid}, open(os.path.join(root, "v1/raw_crash/20261126", cid), "w"))
    print(cid)
PY
  # crashkit: one long-running process, jobs 1, symbols parsed once.
  ck="$(cpu sh -c "'$crashkit' -q process --storage '$store' --symbols-path testdata/symbols --jobs 1 < '$work/$kind.ids'")"
  # minidump-stackwalk: a process per crash, with and without symbols.
  with="$(cpu sh -c "for i in \$(seq $copies); do minidump-stackwalk --json --symbols-path testdata/symbols '$dump'; done")"
  without="$(cpu sh -c "for i in \$(seq $copies); do minidump-stackwalk --json '$dump'; done")"
  rows="$rows$(printf '| %s | %.1f ms | %.1f ms | %.1f ms | %.2fx |' "$kind" \
    "$(echo "$ck * 1000 / $copies" | bc -l)" \
    "$(echo "$with * 1000 / $copies" | bc -l)" \
    "$(echo "$without * 1000 / $copies" | bc -l)" \
    "$(echo "$ck / $without" | bc -l)")"$'\n'
done

cpu_name="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  echo
  echo "## process, CPU per crash by dump kind: $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu_name), $(free -g | awk '/Mem:/ {print $2}') GiB ($label)"
  echo
  echo "$copies distinct crashes of each testdata dump; CPU (user + system, workers included) divided by crashes. crashkit: one \`process --storage --jobs 1\` run (symbols parsed once, then cached); minidump-stackwalk $(minidump-stackwalk --version 2>/dev/null | awk '{print $2}'): a process per crash with \`--json\`, with the testdata symbols and without any."
  echo
  echo "| dump | crashkit, symbols cached | minidump-stackwalk with symbols | minidump-stackwalk without symbols | crashkit / mdsw without |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
} | tee -a BENCHMARKS.md
