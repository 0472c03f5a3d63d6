#!/usr/bin/python3
"""Makes tests/vectors/e2e_v1.json: the end-to-end crypto of docs/PROTOCOL.md section 10 with
fixed inputs, computed by tools/e2e_spec.py (a Python implementation written from the spec, not
from src/e2e). tools/check_e2e_vectors.py re-derives it and E2eVectors.MatchTheSpecByteForByte
checks the C++ implementation against it. Also makes tests/vectors/e2e_messages_v1.json, one of
each wire message of section 2.4 carrying those keys and envelopes, in its canonical encoding
(section 1), which tools/check_vectors.py re-derives and E2eMessages.* check the C++ codec with.
Run once; the outputs are committed.
Usage: tools/make_e2e_vectors.py [VECTOR_DIR]
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_spec  # noqa: E402

CLOCK = 1798761600000  # 2027-01-01T00:00:00Z, as in protocol_v1.json
DAY = 24 * 3600 * 1000


def fill(byte: int, n: int = 32) -> str:
    return (bytes([byte]) * n).hex()


def run(byte0: int, n: int = 16) -> str:
    return bytes(range(byte0, byte0 + n)).hex()


INPUTS = {
    "ca_cert": "vector-ca.crt",
    "devices": {
        "alice": {"user": "alice", "device": "default", "cert": "vector-client.crt", "key": "vector-client.key"},
        "bob": {"user": "bob", "device": "phone", "cert": "vector-bob.crt", "key": "vector-bob.key"},
    },
    "bob_spk": {"key_id": 7, "private": fill(0x33), "ts": CLOCK - DAY},
    "bob_otk": {"key_id": 42, "private": fill(0x34), "ts": CLOCK - DAY + 1000},
    "alice_ek_private": fill(0x31),
    # the fresh ratchet pairs, in the order each side draws them: alice's at initialisation and
    # at her DH step (on b1); bob's at his DH steps (on a1, then on a3)
    "alice_ratchet_private": [fill(0x32), fill(0x36)],
    "bob_ratchet_private": [fill(0x35), fill(0x38)],
    "messages": [
        {"name": "a1", "from": "alice", "to": "bob", "seq": 1, "ts": CLOCK, "mid": run(0xa0), "salt": run(0x40),
         "text": "Hello Bob, this is end to end"},
        {"name": "a2", "from": "alice", "to": "bob", "seq": 2, "ts": CLOCK + 1000, "mid": run(0xb0),
         "salt": run(0x50), "text": "A second one before any reply"},
        {"name": "b1", "from": "bob", "to": "alice", "seq": 1, "ts": CLOCK + 5000, "mid": run(0xc0),
         "salt": run(0x60), "text": "Grüße, Alice ✓"},
        {"name": "a3", "from": "alice", "to": "bob", "seq": 3, "ts": CLOCK + 9000, "mid": run(0xd0),
         "salt": run(0x70), "text": "And one after the ratchet step"},
    ],
    "delivered": {"of": "a1", "by": "bob", "ts": CLOCK + 2000},
    # the server's statement (section 10.6) for the copy of a1 it keeps for bob's phone
    "server": {"cert": "vector-server.crt", "key": "vector-server.key"},
    "stored": {"of": "a1", "held": 17, "ts": CLOCK + 500, "expires": CLOCK + 500 + 14 * DAY},
    "no_otk": {"ek_private": fill(0x37), "spk_id": 7, "opk_id": 0},
}

DESCRIPTION = (
    "SecureChat protocol v1, end to end between users (docs/PROTOCOL.md sections 9 and 10). Inputs: the "
    "vector PKI (alice = vector-client, device default; bob = vector-bob, device phone), fixed X25519 "
    "private keys, key ids, clocks, mids, salts and texts. Alice starts an X3DH session from bob's bundle "
    "(signed prekey + one one-time prekey), sends a1 and a2 (init fields in both), bob answers b1 (a DH "
    "ratchet step), alice sends a3 after hers; bob states a1 delivered; the server (vector-server) states a1 "
    "stored for bob's phone (section 10.6). x3dh_no_otk is a setup with "
    "opk_id 0. For each message: rk = the root key when its chain was made, ck = the chain key it used "
    "(before KDF_CK), mk, the message key and nonce, head, commit, ct (AES-GCM ciphertext || 16-byte tag), "
    "signed, sig (Ed25519, deterministic) and the envelope, all hex. Made by tools/make_e2e_vectors.py, "
    "checked by tools/check_e2e_vectors.py (ctest e2e_vectors_independent_check) and by the C++ test "
    "E2eVectors.MatchTheSpecByteForByte.")


MESSAGES_DESCRIPTION = (
    "SecureChat protocol v1, the end-to-end wire messages (docs/PROTOCOL.md sections 2.4 and 9), carrying "
    "the keys, certificate and envelope of e2e_v1.json. Each payload is the canonical encoding (section 1: "
    "keys sorted, no whitespace) of type plus fields; tests/unit/proto/messages_e2e_test.cpp checks the C++ "
    "codec against it and tools/check_vectors.py re-derives it from the fields. Made by "
    "tools/make_e2e_vectors.py.")


def wire_messages(inp, val, read):
    b64 = lambda h: base64.b64encode(bytes.fromhex(h)).decode()  # noqa: E731
    fp_a, fp_b = val["fingerprints"]["alice"], val["fingerprints"]["bob"]
    spk, otk = inp["bob_spk"], inp["bob_otk"]
    a1 = next(m for m in inp["messages"] if m["name"] == "a1")
    a1_env = next(m for m in val["messages"] if m["name"] == "a1")["envelope"]
    st = inp["stored"]
    cert = base64.b64encode(e2e_spec.cert_der(read(inp["devices"]["bob"]["cert"]))).decode()
    spk_fields = {"spk_id": spk["key_id"], "spk": b64(val["bob_spk"]["public"]), "spk_ts": spk["ts"],
                  "spk_sig": b64(val["bob_spk"]["sig"])}
    out = {
        "prekeys": ("prekeys", dict(id=1, **spk_fields, one_time=[
            {"key_id": otk["key_id"], "key": b64(val["bob_otk"]["public"]), "ts": otk["ts"],
             "sig": b64(val["bob_otk"]["sig"])}])),
        "prekeys_status_query": ("prekeys", {"id": 2, "spk_id": 0, "spk": "", "spk_ts": 0, "spk_sig": "",
                                             "one_time": []}),
        "prekey_status": ("prekey_status", {"id": 1, "spk_id": spk["key_id"], "spk_ts": spk["ts"],
                                            "one_time_left": 1}),
        "devices": ("devices", {"id": 3, "user": "bob"}),
        "device_list": ("device_list", {"id": 3, "user": "bob", "devices": [{"device": fp_b, "name": "phone"}]}),
        "bundle": ("bundle", {"id": 4, "user": "bob", "device": fp_b}),
        "key_bundle": ("key_bundle", dict(id=4, user="bob", device=fp_b, cert=cert, **spk_fields,
                                          otk_id=otk["key_id"], otk=b64(val["bob_otk"]["public"]),
                                          otk_ts=otk["ts"], otk_sig=b64(val["bob_otk"]["sig"]))),
        "key_bundle_no_otk": ("key_bundle", dict(id=5, user="bob", device=fp_b, cert=cert, **spk_fields,
                                                 otk_id=0, otk="", otk_ts=0, otk_sig="")),
        "send": ("send", {"id": 6, "to": "bob", "device": fp_b, "mid": b64(a1["mid"]), "body": b64(a1_env)}),
        "envelope": ("envelope", {"from": "alice", "device": fp_a, "mid": b64(a1["mid"]), "held": st["held"],
                                  "ts": st["ts"], "body": b64(a1_env)}),
        "stored": ("stored", {"id": 6, "held": st["held"], "ts": st["ts"], "expires": st["expires"],
                              "sig": b64(val["stored"]["sig"])}),
        "received": ("received", {"id": 7, "held": [st["held"]]}),
    }
    messages = {}
    for name, (type_, fields) in out.items():
        payload = json.dumps(dict(fields, type=type_), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        messages[name] = {"type": type_, "fields": fields, "payload": payload}
    return messages


def main():
    vec = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
    read = lambda name: open(os.path.join(vec, name), "rb").read()  # noqa: E731
    doc = {"description": DESCRIPTION, "inputs": INPUTS, "values": e2e_spec.derive_vectors(INPUTS, read)}
    with open(os.path.join(vec, "e2e_v1.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.join(vec, "e2e_v1.json"))
    doc = {"description": MESSAGES_DESCRIPTION, "messages": wire_messages(INPUTS, doc["values"], read)}
    with open(os.path.join(vec, "e2e_messages_v1.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.join(vec, "e2e_messages_v1.json"))


if __name__ == "__main__":
    main()
