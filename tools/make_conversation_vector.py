#!/usr/bin/python3
"""Makes tests/vectors/conversation_v1.jsonl (and conversation_v1.disclosure.json): alice's
transcript (docs/PROTOCOL.md section 11) of her conversation with bob, with the vector PKI's
Ed25519 keys (vector-client = alice, vector-bob = bob's device "phone", vector-server): one
message from alice with the server's stored statement and bob's delivered statement, and bob's
reply, which the disclosure opens. Built with tools/e2e_spec.py (written from the spec, not from
src/). conversation_v1_chain.jsonl (and its disclosure) is the same conversation with bob's device
under the intermediate CA of generate-chain-pki.sh, so bob's certificate fields are chains. ct is
sealed with fixed keys (the verifier does not open it). Ed25519 is deterministic, so
running this again writes the same bytes.
Usage: tools/make_conversation_vector.py [VECTOR_DIR]
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_spec as e  # noqa: E402

VEC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
T = 1798761600000  # 2027-01-01T00:00:00Z
WEEK = 7 * 24 * 3600 * 1000


def read(name):
    return open(os.path.join(VEC, name), "rb").read()


def b64(data):
    return base64.b64encode(data).decode()


def line(obj):
    # The writer's spelling (nlohmann's dump): keys sorted, no whitespace, UTF-8.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stored_signed(fp_s, fp_r, mid, env_hash, held, ts, expires):
    stored = e.u8(1) + e.u8(3) + fp_s + fp_r + mid + env_hash + e.u64(held) + e.u64(ts) + e.u64(expires)
    return b"securechat/v1 e2e stored\x00" + stored


def message(key, cert_der, fp_s, fp_r, mid, seq, ts, salt, text, init):
    conv = e.conv("alice", "bob")
    head = e.head(conv, fp_s, fp_r, mid, seq, ts, e.x25519_public(bytes([seq + 1]) * 32), 0, 0, init)
    ct = e.seal(bytes([0x33]) * 32, bytes([0x44]) * 12, salt, text.encode(), head)
    commit = e.commitment(salt, text.encode())
    sig = e.sign(key, e.message_signed(head, ct, commit))
    return e.message_envelope(head, commit, cert_der, ct, sig)


def write_vector(stem, bob_der, bob_key):
    alice_der = e.cert_der(read("vector-client.crt"))
    server_der = e.cert_der(read("vector-server.crt"))
    alice_key = e.load_signing_key(read("vector-client.key"))
    server_key = e.load_signing_key(read("vector-server.key"))
    fp_a, fp_b = e.fingerprint(alice_der), e.fingerprint(bob_der)
    conv = e.conv("alice", "bob")

    mid1 = bytes([0x11]) * 16
    hello = message(alice_key, alice_der, fp_a, fp_b, mid1, 1, T, bytes([0x22]) * 16, "hello bob",
                    (7, 0, e.x25519_public(bytes([0x09]) * 32)))
    held, stored_ts, expires = 1, T + 10, T + 10 + WEEK
    stored_sig = e.sign(server_key, stored_signed(fp_a, fp_b, mid1, e.H(hello), held, stored_ts, expires))
    delivered = e.delivered(conv, fp_a, fp_b, mid1, 1, hello, T + 20)
    delivered_env = e.delivered_envelope(delivered, bob_der, e.sign(bob_key, e.delivered_signed(delivered)))
    mid2 = bytes([0x55]) * 16
    reply_salt = bytes([0x66]) * 16
    reply = message(bob_key, bob_der, fp_b, fp_a, mid2, 1, T + 30, reply_salt, "hi alice", None)

    lines = [
        {"transcript": "securechat/v1 conversation", "me": "alice", "device": fp_a.hex(), "peer": "bob",
         "created": T - 1000},
        {"line": "sent", "ts": T, "to": "bob", "device": fp_b.hex(), "envelope": b64(hello)},
        {"line": "stored", "ts": T + 11, "to": "bob", "device": fp_b.hex(), "from_device": fp_a.hex(),
         "mid": mid1.hex(), "envelope_sha256": e.H(hello).hex(), "held": held, "stored_ts": stored_ts,
         "expires": expires, "sig": b64(stored_sig), "server_cert": b64(server_der)},
        {"line": "delivered", "ts": T + 21, "to": "bob", "device": fp_b.hex(), "envelope": b64(delivered_env)},
        {"line": "received", "ts": T + 31, "from": "bob", "device": fp_b.hex(), "envelope": b64(reply)},
        {"line": "warning", "ts": T + 40, "code": "device_added", "user": "bob", "device": "phone",
         "old_fingerprint": "", "fingerprint": fp_b.hex(), "message": "bob has a new device"},
    ]
    with open(os.path.join(VEC, stem + ".jsonl"), "w", encoding="utf-8") as out:
        for obj in lines:
            out.write(line(obj) + "\n")
    with open(os.path.join(VEC, stem + ".disclosure.json"), "w", encoding="utf-8") as out:
        out.write(line({"disclosure": "securechat/v1 disclosure", "mid": mid2.hex(), "salt": reply_salt.hex(),
                        "text": "hi alice"}) + "\n")


def main():
    write_vector("conversation_v1", e.cert_der(read("vector-bob.crt")), e.load_signing_key(read("vector-bob.key")))
    # The same conversation with bob's device under an intermediate CA: each of bob's
    # certificate fields is his leaf's DER then the intermediate's (PROTOCOL.md section 2.1).
    write_vector("conversation_v1_chain", e.cert_der(read("vector-bob-sub.crt")) + e.cert_der(read("vector-sub-ca.crt")),
                 e.load_signing_key(read("vector-bob-sub.key")))


if __name__ == "__main__":
    main()
