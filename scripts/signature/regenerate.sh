#!/usr/bin/env bash
# Regenerates the signature agreement corpus and Socorro's answers for it:
#   testdata/signature/corpus.jsonl.gz            (make_corpus.py, deterministic)
#   testdata/signature/expected-mozilla.jsonl.gz  (Socorro with Mozilla's lists)
#   testdata/signature/expected-builtin.jsonl.gz  (Socorro with crashkit's built-in lists)
# The reference is Socorro's signature code at commit 7e28d72b5ffb, with its
# runner, in ../shared/socorro-signature (SOCORRO_SIGNATURE to point
# elsewhere); it needs Python 3 and glom from PyPI (installed into a
# throwaway venv at the version Socorro pins). Mozilla's lists come from
# ../shared/siglists-mozilla (or MOZILLA_SIGLISTS).
set -euo pipefail
cd "$(dirname "$0")/../.."
mozilla="$(realpath "${MOZILLA_SIGLISTS:-../shared/siglists-mozilla}")"
socorro="$(realpath "${SOCORRO_SIGNATURE:-../shared/socorro-signature}")"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "glom==25.12.0"
out=testdata/signature
python3 scripts/signature/make_corpus.py > "$venv/corpus.jsonl"
"$venv/bin/python" "$socorro/run.py" "$mozilla" < "$venv/corpus.jsonl" | gzip -9n > "$out/expected-mozilla.jsonl.gz"
"$venv/bin/python" "$socorro/run.py" "$PWD/src/signature/lists" < "$venv/corpus.jsonl" | gzip -9n > "$out/expected-builtin.jsonl.gz"
gzip -9n < "$venv/corpus.jsonl" > "$out/corpus.jsonl.gz"
ls -l "$out"
