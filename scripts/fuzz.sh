#!/usr/bin/env bash
# Runs crashkit's fuzz targets with cargo-fuzz (installed if missing).
#   scripts/fuzz.sh [TARGET] [SECONDS]     default: every target, 120 s each
# The signature target is seeded with the agreement corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
seconds="${2:-120}"
targets="${1:-signature siglist_regex submission}"
mkdir -p fuzz/corpus/signature fuzz/corpus/siglist_regex fuzz/corpus/submission
if [ -z "$(ls -A fuzz/corpus/signature)" ]; then
  gzip -dc testdata/signature/corpus.jsonl.gz | split -l 1 - fuzz/corpus/signature/seed-
  cp src/signature/lists/*.txt fuzz/corpus/siglist_regex/
fi
if [ -z "$(ls -A fuzz/corpus/submission)" ]; then
  printf -- '--fuzzboundary\r\nContent-Disposition: form-data; name="ProductName"\r\n\r\nFirefox\r\n--fuzzboundary\r\nContent-Disposition: form-data; name="upload_file_minidump"; filename="a.dmp"\r\nContent-Type: application/octet-stream\r\n\r\nMDMP\r\n--fuzzboundary--\r\n' > fuzz/corpus/submission/seed-form
  printf -- '--fuzzboundary\r\nContent-Disposition: form-data; name="extra"\r\nContent-Type: application/json\r\n\r\n{"a": 1}\r\n--fuzzboundary--\r\n' > fuzz/corpus/submission/seed-json
fi
# Address sanitizer needs a nightly compiler; without one, fuzz uninstrumented for memory errors.
sanitizer=none
if rustc --version | grep -q nightly; then sanitizer=address; fi
for target in $targets; do
  (cd fuzz && cargo fuzz run "$target" --sanitizer "$sanitizer" -- -max_total_time="$seconds" -print_final_stats=1)
done
