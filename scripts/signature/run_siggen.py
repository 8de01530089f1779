#!/usr/bin/env python3
"""Runs Socorro's signature generation (the `siggen` package) over JSON
Lines on stdin and prints crashkit's output shape, one line per input.

Usage: run_siggen.py SIGLISTS_DIR < corpus.jsonl > expected.jsonl

siggen's SignatureRunWatchDog builds its own generator with the package's
bundled lists, whatever directory it is given; Socorro itself uses one set
of lists throughout. To reproduce Socorro, the bundled lists are pointed at
SIGLISTS_DIR for the duration of the run.
"""
import json
import sys
from functools import partial

import siggen.rules as rules
import siggen.siglists_utils as siglists_utils
from siggen.generator import SignatureGenerator
from siggen.utils import convert_to_crash_data

siglists_dir = sys.argv[1]
rules.get_signature_list_content = partial(siglists_utils.get_signature_list_content, source=siglists_dir)
generator = SignatureGenerator(signature_list_dir=siglists_dir)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    crash_data = json.loads(line)
    if "json_dump" in crash_data:
        crash_data = convert_to_crash_data(crash_data)
    result = generator.generate(crash_data)
    print(json.dumps({
        "signature": result.signature,
        "proto_signature": result.extra.get("proto_signature"),
        "notes": result.notes,
    }))
