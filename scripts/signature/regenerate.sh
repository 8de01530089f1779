#!/usr/bin/env bash
# Regenerates the signature agreement corpus and Socorro's answers for it:
#   testdata/signature/corpus.jsonl.gz            (make_corpus.py, deterministic)
#   testdata/signature/expected-mozilla.jsonl.gz  (siggen with Mozilla's lists)
#   testdata/signature/expected-builtin.jsonl.gz  (siggen with crashkit's built-in lists)
# Needs Python 3 and PyPI (siggen is installed into a throwaway venv) and
# Mozilla's lists in ../shared/siglists-mozilla (or MOZILLA_SIGLISTS).
set -euo pipefail
cd "$(dirname "$0")/../.."
mozilla="${MOZILLA_SIGLISTS:-../shared/siglists-mozilla}"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "siggen==2.2.20241029"
out=testdata/signature
python3 scripts/signature/make_corpus.py > "$venv/corpus.jsonl"
"$venv/bin/python" scripts/signature/run_siggen.py "$mozilla" < "$venv/corpus.jsonl" | gzip -9n > "$out/expected-mozilla.jsonl.gz"
"$venv/bin/python" scripts/signature/run_siggen.py src/signature/lists < "$venv/corpus.jsonl" | gzip -9n > "$out/expected-builtin.jsonl.gz"
gzip -9n < "$venv/corpus.jsonl" > "$out/corpus.jsonl.gz"
ls -l "$out"
