#!/usr/bin/env bash
# Benchmark: crashkit process against minidump-stackwalk run once per crash
# (the way Socorro runs it), on the same crashes, symbols and parallelism.
# Appends its figures to BENCHMARKS.md. Not a test: nothing here passes or fails.
#
#   scripts/bench-process.sh [CRASHES] [SYMBOL_MB]     default: 200 crashes, 40 MB symbol file
set -euo pipefail
cd "$(dirname "$0")/.."
crashes="${1:-200}"
sym_mb="${2:-40}"
jobs="$(nproc)"
command -v minidump-stackwalk >/dev/null || cargo install minidump-stackwalk --locked
cargo build --release --quiet
crashkit="$PWD/target/release/crashkit"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A symbol file of realistic size for the crashing module: the real
# crashhelper symbols, followed by synthetic functions (with line records
# and unwind rules) far above the real code, so every symbol file parse
# costs what a large product's would while lookups still hit real code.
python3 - "$work/symbols" "$sym_mb" <<'PY'
import glob, os, shutil, sys
out_root, target_mb = sys.argv[1], int(sys.argv[2])
shutil.copytree("testdata/symbols", out_root)
path = glob.glob(os.path.join(out_root, "crashhelper", "*", "crashhelper.sym"))[0]
with open(path) as f:
    lines = f.read().splitlines()
head = [l for l in lines if l.startswith(("MODULE", "INFO", "FILE", "INLINE_ORIGIN"))]
funcs = [l for l in lines if not l.startswith(("MODULE", "INFO", "FILE", "INLINE_ORIGIN", "PUBLIC", "STACK"))]
public = [l for l in lines if l.startswith("PUBLIC")]
stack = [l for l in lines if l.startswith("STACK")]
nfile = sum(1 for l in head if l.startswith("FILE"))
extra_funcs, extra_stack = [], []
addr, size, i = 0x10000000, 0, 0
while size < target_mb * 1024 * 1024:
    name = "synthetic::module_%d::Type<T>::function_%d(unsigned long, char const*)" % (i // 100, i)
    block = ["FUNC %x 80 0 %s" % (addr, name)]
    block += ["%x 10 %d %d" % (addr + 16 * k, 100 + k, i % max(nfile, 1)) for k in range(8)]
    cfi = ["STACK CFI INIT %x 80 .cfa: $rsp 8 + .ra: .cfa -8 + ^" % addr, "STACK CFI %x .cfa: $rsp 16 +" % (addr + 4)]
    extra_funcs += block
    extra_stack += cfi
    size += sum(len(l) + 1 for l in block + cfi)
    addr += 0x80
    i += 1
with open(path, "w") as f:
    f.write("\n".join(head + funcs + extra_funcs + public + stack + extra_stack) + "\n")
print("symbol file: %.1f MB, %d synthetic functions" % (os.path.getsize(path) / 1e6, i))
PY
sym_size="$(du -m "$(ls "$work"/symbols/crashhelper/*/crashhelper.sym)" | cut -f1)"

# The crashes: the seven real dumps, round robin, as stored crashes.
python3 - "$work/storage" "$crashes" > "$work/ids" <<'PY'
import glob, json, os, sys, uuid
root, n = sys.argv[1], int(sys.argv[2])
dumps = sorted(glob.glob("testdata/minidumps/*.dmp"))
for i in range(n):
    cid = str(uuid.UUID(int=(i + 1) << 64))[:-7] + "0261126"
    src = dumps[i % len(dumps)]
    for d in ("v1/dump", "v1/dump_names", "v1/raw_crash/20261126"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    with open(src, "rb") as f, open(os.path.join(root, "v1/dump", cid), "wb") as g:
        g.write(f.read())
    with open(os.path.join(root, "v1/dump_names", cid), "w") as g:
        g.write('["upload_file_minidump"]')
    with open(os.path.join(root, "v1/raw_crash/20261126", cid), "w") as g:
        json.dump({"uuid": cid, "submitted_timestamp": "2026-11-26T12:00:00.000000+00:00"}, g)
    print(cid)
PY

now() { date +%s.%N; }
mkdir -p "$work/mdsw-out"
t0="$(now)"
xargs -P "$jobs" -I{} sh -c 'minidump-stackwalk --json --symbols-path "$1/symbols" "$1/storage/v1/dump/$2" > "$1/mdsw-out/$2.json" 2>/dev/null' _ "$work" {} < "$work/ids"
t1="$(now)"
"$crashkit" -q process --storage "$work/storage" --symbols-path "$work/symbols" --jobs "$jobs" < "$work/ids" > "$work/crashkit.out"
t2="$(now)"
mdsw_s="$(echo "$t1 - $t0" | bc -l)"
ck_s="$(echo "$t2 - $t1" | bc -l)"
mdsw_rate="$(echo "$crashes / $mdsw_s" | bc -l)"
ck_rate="$(echo "$crashes / $ck_s" | bc -l)"
ratio="$(echo "$ck_rate / $mdsw_rate" | bc -l)"
ok="$(grep -c $'\tOK\t' "$work/crashkit.out" || true)"

# Single-crash latency: median of 7 runs each, null-write.dmp.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one="testdata/minidumps/null-write.dmp"
single_mdsw="$(for _ in 1 2 3 4 5 6 7; do s="$(now)"; minidump-stackwalk --json --symbols-path "$work/symbols" "$one" >/dev/null 2>&1; e="$(now)"; echo "$e - $s" | bc -l; done | median)"
single_ck="$(for _ in 1 2 3 4 5 6 7; do s="$(now)"; "$crashkit" -q process "$one" --symbols-path "$work/symbols" --format json >/dev/null 2>&1 || true; e="$(now)"; echo "$e - $s" | bc -l; done | median)"
single_ratio="$(echo "$single_ck / $single_mdsw" | bc -l)"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mdsw_version="$(minidump-stackwalk --version 2>/dev/null | head -1)"
{
  echo
  echo "## process: $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo
  echo "$crashes crashes (the 7 testdata dumps, round robin) from one build; symbol file for the crashing module ${sym_size} MB; parallelism $jobs. $mdsw_version run once per crash with \`--json\` (as Socorro runs it) vs \`crashkit process --storage\` (release build, $ok of $crashes processed OK)."
  echo
  echo "| | minidump-stackwalk per crash | crashkit process --storage | ratio |"
  echo "|---|---|---|---|"
  printf '| batch wall time | %.2f s | %.2f s | |\n' "$mdsw_s" "$ck_s"
  printf '| batch throughput | %.1f crashes/s | %.1f crashes/s | %.1fx |\n' "$mdsw_rate" "$ck_rate" "$ratio"
  printf '| single crash (median of 7) | %.3f s | %.3f s | %.2fx |\n' "$single_mdsw" "$single_ck" "$single_ratio"
} | tee -a BENCHMARKS.md
