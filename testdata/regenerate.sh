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
modes="null-write abort panic stack-overflow illegal-instruction divide-by-zero thread-null-write"
rm -rf minidumps symbols
mkdir -p minidumps symbols
for mode in $modes; do
  # The helper dies of the signal on purpose; its dump is what matters.
  "$bin" "$mode" "minidumps/$mode.dmp" 2>/dev/null || true
  [ -s "minidumps/$mode.dmp" ] || { echo "regenerate.sh: no dump for $mode" >&2; exit 1; }
done
dump_syms --store symbols "$bin" >/dev/null
libc="$(ldd "$bin" | awk '/libc.so.6/ {print $3}')"
dump_syms --store symbols "$libc" >/dev/null
find minidumps symbols -type f | sort | xargs ls -l
