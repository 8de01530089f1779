#!/usr/bin/env bash
# Runs crashkit's fuzz targets with cargo-fuzz (installed if missing).
#   scripts/fuzz.sh [TARGET] [SECONDS]     default: every target, 600 s each
# Seeds: the signature agreement corpus, the built-in signature lists, two
# submissions, Super Search parameters, the example configuration files and
# the small testdata minidumps.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
seconds="${2:-600}"
targets="${1:-signature siglist_regex submission query config process api}"
mkdir -p fuzz/corpus/signature fuzz/corpus/siglist_regex fuzz/corpus/submission \
  fuzz/corpus/query fuzz/corpus/config fuzz/corpus/process fuzz/corpus/api
if [ -z "$(ls -A fuzz/corpus/signature)" ]; then
  gzip -dc testdata/signature/corpus.jsonl.gz | split -l 1 - fuzz/corpus/signature/seed-
  cp src/signature/lists/*.txt fuzz/corpus/siglist_regex/
fi
if [ -z "$(ls -A fuzz/corpus/submission)" ]; then
  printf -- '--fuzzboundary\r\nContent-Disposition: form-data; name="ProductName"\r\n\r\nFirefox\r\n--fuzzboundary\r\nContent-Disposition: form-data; name="upload_file_minidump"; filename="a.dmp"\r\nContent-Type: application/octet-stream\r\n\r\nMDMP\r\n--fuzzboundary--\r\n' > fuzz/corpus/submission/seed-form
  printf -- '--fuzzboundary\r\nContent-Disposition: form-data; name="extra"\r\nContent-Type: application/json\r\n\r\n{"a": 1}\r\n--fuzzboundary--\r\n' > fuzz/corpus/submission/seed-json
fi
if [ -z "$(ls -A fuzz/corpus/query)" ]; then
  printf 'product=Firefox\nsignature=~OOM\ndate=>=2026-11-01\ndate=<2026-12-01\n_facets=signature\n_aggs.signature=platform\n' > fuzz/corpus/query/seed-facets
  printf 'signature=@js::.*[Gg]c\n_histogram.date=product\n_histogram_interval.date=1d\n_results_number=50\n_sort=-date\n' > fuzz/corpus/query/seed-regex
  printf 'uptime=>10\n_cardinality.install_time\nversion=!140.0\nplatform=__null__\n' > fuzz/corpus/query/seed-ops
fi
if [ -z "$(ls -A fuzz/corpus/api)" ]; then
  printf '\000product=Firefox&signature=~OOM&_facets=url&_columns=user_comments&_sort=-url' > fuzz/corpus/api/seed-supersearch
  printf '\003product=Firefox&channel=beta&build_id=20261101000000' > fuzz/corpus/api/seed-versionstring
  printf '\016{"jobs": [{"os": "Linux", "crashing_thread": 0, "threads": [{"frames": [{"function": "f"}]}]}]}' > fuzz/corpus/api/seed-crashsignature
  printf '\007page=2' > fuzz/corpus/api/seed-missing
fi
if [ -z "$(ls -A fuzz/corpus/config)" ]; then
  cp examples/*.toml fuzz/corpus/config/
  printf '[storage]\nurl = "s3://bucket/prefix"\nretries = 3\n[queue]\nlease_secs = 600\n[log]\nlevel = "crashkit=debug"\n' > fuzz/corpus/config/seed-keys
fi
if [ -z "$(ls -A fuzz/corpus/process)" ]; then
  for dump in null-write abort panic divide-by-zero illegal-instruction; do
    cp "testdata/minidumps/$dump.dmp" fuzz/corpus/process/
  done
fi
# Address sanitizer needs a nightly compiler; without one, fuzz uninstrumented for memory errors.
sanitizer=none
if rustc --version | grep -q nightly; then sanitizer=address; fi
for target in $targets; do
  (cd fuzz && cargo fuzz run "$target" --sanitizer "$sanitizer" -- -max_total_time="$seconds" -timeout=60 -print_final_stats=1)
done
