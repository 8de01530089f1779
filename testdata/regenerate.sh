#!/usr/bin/env bash
# Regenerates crashkit's real minidumps and symbols from the crashhelper
# program (testdata/crashhelper): builds it, crashes it once per mode, and
# dumps Breakpad symbols for it and for the C library it ran with.
#
#   testdata/regenerate.sh
#
# Needs a Rust toolchain and dump_syms (installed with cargo if missing).
# Linux x86_64 only: the dumps are of this machine's processes.
set -euo pipefail
cd "$(dirname "$0")"
command -v dump_syms >/dev/null || cargo install dump_syms --locked
(cd crashhelper && cargo build --release)
bin=crashhelper/target/release/crashhelper
modes="null-write abort panic stack-overflow illegal-instruction divide-by-zero thread-null-write many-threads"
rm -rf minidumps symbols
mkdir -p minidumps symbols
for mode in $modes; do
  # The helper dies of the signal on purpose; its dump is what matters.
  "$bin" "$mode" "minidumps/$mode.dmp" 2>/dev/null || true
  [ -s "minidumps/$mode.dmp" ] || { echo "regenerate.sh: no dump for $mode" >&2; exit 1; }
done
dump_syms --store symbols "$bin" >/dev/null
# Source paths in the symbols are made relative, so reports read the same
# wherever the repository is cloned.
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src/"
sed -i -e "s|^FILE \([0-9]*\) $PWD/|FILE \1 testdata/|" -e "s|^FILE \([0-9]*\) $registry|FILE \1 cargo-registry/|" symbols/crashhelper/*/crashhelper.sym
# The C library: its unwind info (STACK CFI) comes from the library itself,
# its function names and lines from Debian's separate debug file (libc6-dbg),
# merged into one symbol file under the library's own name and debug id.
libc="$(ldd "$bin" | awk '/libc.so.6/ {print $3}')"
build_id="$(readelf -n "$libc" | awk '/Build ID/ {print $3}')"
debug="/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug"
[ -f "$debug" ] || apt-get install -y libc6-dbg >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dump_syms --store "$tmp/lib" "$libc" >/dev/null
dump_syms --store "$tmp/dbg" "$debug" >/dev/null
lib_sym="$(find "$tmp/lib" -name '*.sym')"
dbg_sym="$(find "$tmp/dbg" -name '*.sym')"
out="symbols/libc.so.6/$(basename "$(dirname "$lib_sym")")"
mkdir -p "$out"
{ head -n 1 "$lib_sym"; grep -v -e '^MODULE' -e '^STACK' "$dbg_sym"; grep '^STACK' "$lib_sym"; } > "$out/libc.so.6.sym"
find minidumps symbols -type f | sort | xargs ls -l
