#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/e2e_envelope_fuzz (scripts/fuzz.sh): every envelope and
certificate field of the conversation vectors, and the DER of every vector certificate.
Usage: tools/e2e_fuzz_seeds.py OUT_DIR VECTOR_DIR
"""
import base64
import glob
import json
import os
import sys

out, vectors = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
seeds = []
for name in sorted(glob.glob(os.path.join(vectors, "conversation_v1*.jsonl"))):
    for line in open(name, encoding="utf-8"):
        obj = json.loads(line)
        for key in ("envelope", "server_cert"):
            if key in obj:
                seeds.append(base64.b64decode(obj[key]))
for name in sorted(glob.glob(os.path.join(vectors, "vector-*.crt"))):
    body = "".join(l for l in open(name).read().splitlines() if l and not l.startswith("-----"))
    seeds.append(base64.b64decode(body))

def der(name):
    body = "".join(l for l in open(os.path.join(vectors, name)).read().splitlines()
                   if l and not l.startswith("-----"))
    return base64.b64decode(body)


if os.path.exists(os.path.join(vectors, "vector-sub-ca.crt")):  # a chain field: leaf, intermediate
    seeds.append(der("vector-bob-sub.crt") + der("vector-sub-ca.crt"))
for i, seed in enumerate(seeds):
    with open(os.path.join(out, "seed-%02d" % i), "wb") as f:
        f.write(seed)
print("e2e_fuzz_seeds: %d seeds in %s" % (len(seeds), out))
