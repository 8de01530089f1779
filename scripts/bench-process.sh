#!/usr/bin/env bash
# Benchmark: crashkit process against minidump-stackwalk run once per crash
# (the way Socorro runs it), on the same mixed batch of crashes, at three
# sizes of the crashing module's symbol file, at parallelism 2 (and crashkit
# at 1 too, for how it scales). Appends its figures to BENCHMARKS.md.
# Not a test: nothing here passes or fails.
#
#   scripts/bench-process.sh [CRASHES] [SYMBOL_MBS]   default: 200 crashes; "5 40 200" MB
#   CRASHKIT=/path/to/crashkit LABEL="before …" scripts/bench-process.sh   another build
#
# minidump-stackwalk parses the symbol file for every crash, so at the large
# sizes it runs on the first min(CRASHES, max(16, 4000 / MB)) crashes of the
# batch (a rate is a rate; the batch is round robin over every dump kind).
set -euo pipefail
cd "$(dirname "$0")/.."
crashes="${1:-200}"
sizes="${2:-5 40 200}"
jobs=2
command -v minidump-stackwalk >/dev/null || cargo install minidump-stackwalk --version 0.27.0 --locked
if [ -z "${CRASHKIT:-}" ]; then
  cargo build --release --quiet
fi
crashkit="${CRASHKIT:-$PWD/target/release/crashkit}"
label="${LABEL:-commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' with changes')}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The crashes: every testdata dump, round robin, as stored crashes.
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

rows=""
for mb in $sizes; do
  rm -rf "$work/symbols"
  # A symbol file of this size for the crashing module: the real
  # crashhelper symbols, followed by synthetic functions (with line records
  # and unwind rules) far above the real code, so every symbol file parse
  # costs what a large product's would while lookups still hit real code.
  python3 - "$work/symbols" "$mb" <<'PY'
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

  n_mdsw=$(( 4000 / mb )); [ "$n_mdsw" -lt 16 ] && n_mdsw=16; [ "$n_mdsw" -gt "$crashes" ] && n_mdsw="$crashes"
  rm -rf "$work/mdsw-out"; mkdir -p "$work/mdsw-out"
  t0="$(now)"
  head -n "$n_mdsw" "$work/ids" | xargs -P "$jobs" -I{} sh -c 'minidump-stackwalk --json --symbols-path "$1/symbols" "$1/storage/v1/dump/$2" > "$1/mdsw-out/$2.json" 2>/dev/null' _ "$work" {}
  t1="$(now)"
  mdsw_rate="$(echo "$n_mdsw / ($t1 - $t0)" | bc -l)"

  ck() {
    rm -rf "$work/storage/v1/processed_crash"
    local s e
    s="$(now)"
    "$crashkit" -q process --storage "$work/storage" --symbols-path "$work/symbols" --jobs "$1" < "$work/ids" > "$work/crashkit.out"
    e="$(now)"
    echo "$crashes / ($e - $s)" | bc -l
  }
  ck2="$(ck 2)"
  ok="$(grep -c $'\tOK\t' "$work/crashkit.out" || true)"
  ck1="$(ck 1)"

  # One crash, symbols parsed in the run: median of 5, null-write.dmp.
  one="testdata/minidumps/null-write.dmp"
  single_mdsw="$(for _ in 1 2 3 4 5; do s="$(now)"; minidump-stackwalk --json --symbols-path "$work/symbols" "$one" >/dev/null 2>&1; e="$(now)"; echo "$e - $s" | bc -l; done | median)"
  single_ck="$(for _ in 1 2 3 4 5; do s="$(now)"; "$crashkit" -q process "$one" --symbols-path "$work/symbols" --format json >/dev/null 2>&1 || true; e="$(now)"; echo "$e - $s" | bc -l; done | median)"

  rows="$rows$(printf '| %s MB | %.1f/s (%s crashes) | %.1f/s | **%.1fx** | %.1f/s | %.2fx | %.3f s | %.3f s | %.2fx | %s of %s |' \
    "$sym_size" "$mdsw_rate" "$n_mdsw" "$ck2" "$(echo "$ck2 / $mdsw_rate" | bc -l)" "$ck1" "$(echo "$ck2 / $ck1" | bc -l)" \
    "$single_mdsw" "$single_ck" "$(echo "$single_ck / $single_mdsw" | bc -l)" "$ok" "$crashes")"$'\n'
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mdsw_version="$(minidump-stackwalk --version 2>/dev/null | head -1)"
kinds="$(ls testdata/minidumps/*.dmp | xargs -n1 basename | sed 's/\.dmp$//' | paste -sd, - | sed 's/,/, /g')"
{
  echo
  echo "## process, mixed batch at three symbol sizes: $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB ($label)"
  echo
  echo "$crashes distinct crashes, round robin over the testdata dumps ($kinds); the crashing module's symbol file grown to each size. $mdsw_version run once per crash with \`--json\` (as Socorro runs it), $jobs at a time, vs \`crashkit process --storage\` (release build) at \`--jobs 2\` and \`--jobs 1\`, each run from the first crash to the last (its workers' start and symbol parsing included)."
  echo
  echo "| symbols | minidump-stackwalk, 2 at a time | crashkit --jobs 2 | ratio | crashkit --jobs 1 | jobs 2 / jobs 1 | one crash: minidump-stackwalk | one crash: crashkit | ratio | crashkit OK |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
} | tee -a BENCHMARKS.md
