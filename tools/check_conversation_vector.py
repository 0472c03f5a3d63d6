#!/usr/bin/python3
"""Independent check of tests/vectors/conversation_v1.jsonl and conversation_v1_chain.jsonl (bob's
device under an intermediate CA) against docs/PROTOCOL.md section 11.2.

Written from the spec, with tools/e2e_spec.py: parses every envelope field by field as section
10.5 lays it out (no trailing bytes), checks each certificate (fingerprint, each of a chain
issued by the next and the last by the vector CA, intermediates being CAs, CN,
extendedKeyUsage), every signature (message, stored, delivered) against its signer's
certificate, that stored and delivered statements match the copy sent, and the disclosure
against the reply's commitment. Prints ok/MISMATCH lines; exit 0 = all match.
Usage: tools/check_conversation_vector.py [VECTOR_DIR]
"""
import base64
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_spec as e  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

VEC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
failures = 0


def check(what, ok):
    global failures
    print(("ok       " if ok else "MISMATCH ") + what)
    failures += 0 if ok else 1


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, n):
        if self.at + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out

    def int(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def name(self):
        return self.take(self.int(">B")).decode()

    def done(self):
        return self.at == len(self.data)


ca = x509.load_pem_x509_certificate(open(os.path.join(VEC, "vector-ca.crt"), "rb").read())


def leaf(field, purpose):
    # A certificate field: the leaf, then intermediates, each signed by the next, the last by
    # the root (Ed25519, as the vector's CA; verify() raises when a signature does not hold).
    chain = [x509.load_der_x509_certificate(d) for d in e.split_chain(field)]
    for cert, issuer in zip(chain, chain[1:] + [ca]):
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes)
    for sub, issuer in zip(chain[1:], chain[2:] + [ca]):
        constraints = sub.extensions.get_extension_for_class(x509.BasicConstraints).value
        check("intermediate %s (issuer of %s) is a CA under %s" % (
            sub.subject.rfc4514_string(), chain[0].subject.rfc4514_string(), issuer.subject.rfc4514_string()),
            constraints.ca and sub.issuer == issuer.subject)
    cert = chain[0]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    check("certificate %s is for %s" % (cert.subject.rfc4514_string(), purpose),
          (ExtendedKeyUsageOID.CLIENT_AUTH if purpose == "client" else ExtendedKeyUsageOID.SERVER_AUTH) in eku)
    return cert, cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def parse_message(env):
    r = Reader(env)
    version, kind = r.int(">B"), r.int(">B")
    a, b = r.name(), r.name()
    fp_s, fp_r, mid = r.take(32), r.take(32), r.take(16)
    seq, ts = r.int(">Q"), r.int(">Q")
    r.take(32 + 8)  # dh, pn, n
    if r.int(">B") == 1:
        r.take(8 + 8 + 32)
    head = env[:r.at]
    commit = r.take(32)
    cert = r.take(r.int(">H"))
    ct = r.take(r.int(">I"))
    sig = r.take(r.int(">H"))
    assert version == 1 and kind == 1 and r.done()
    return dict(conv=(a, b), fp_s=fp_s, fp_r=fp_r, mid=mid, seq=seq, ts=ts, head=head, commit=commit,
                cert=cert, ct=ct, sig=sig)


def parse_delivered(env):
    r = Reader(env)
    version, kind = r.int(">B"), r.int(">B")
    a, b = r.name(), r.name()
    fp_s, fp_r, mid = r.take(32), r.take(32), r.take(16)
    seq, env_hash, ts = r.int(">Q"), r.take(32), r.int(">Q")
    body = env[:r.at]
    cert = r.take(r.int(">H"))
    sig = r.take(r.int(">H"))
    assert version == 1 and kind == 2 and r.done()
    return dict(conv=(a, b), fp_s=fp_s, fp_r=fp_r, mid=mid, seq=seq, hash=env_hash, ts=ts, body=body,
                cert=cert, sig=sig)


def check_vector(stem):
    lines = [json.loads(l) for l in open(os.path.join(VEC, stem + ".jsonl"), encoding="utf-8")]
    header = lines[0]
    me, peer, own = header["me"], header["peer"], bytes.fromhex(header["device"])
    check(stem + ": " + "header", header["transcript"] == "securechat/v1 conversation" and me != peer)
    conv = tuple(sorted([me, peer]))
    sent, commits = {}, {}
    for number, l in enumerate(lines[1:], start=2):
        kind = l["line"]
        if kind in ("sent", "received"):
            env = base64.b64decode(l["envelope"])
            m = parse_message(env)
            cert, user = leaf(m["cert"], "client")
            check(stem + ": " + "line %d: fp_S is the certificate's SHA-256" % number, e.fingerprint(m["cert"]) == m["fp_s"])
            check(stem + ": " + "line %d: conv is the header's" % number, m["conv"] == conv and user in conv)
            e.cert_public_key(cert.public_bytes(e.serialization.Encoding.PEM)).verify(
                m["sig"], e.message_signed(m["head"], m["ct"], m["commit"]))
            check(stem + ": " + "line %d: the message signature verifies" % number, True)
            if kind == "sent":
                check(stem + ": " + "line %d: sent by the header's device, to the line's" % number,
                      user == me and m["fp_s"] == own and m["fp_r"].hex() == l["device"])
                sent[(m["mid"], m["fp_r"], e.H(env))] = (m["seq"], l["to"])
            else:
                check(stem + ": " + "line %d: received from the line's user and device" % number,
                      user == l["from"] and m["fp_s"].hex() == l["device"] and m["fp_r"] == own)
            commits.setdefault(m["mid"], []).append(m["commit"])
        elif kind == "stored":
            cert, _ = leaf(base64.b64decode(l["server_cert"]), "server")
            fp_s, fp_r = bytes.fromhex(l["from_device"]), bytes.fromhex(l["device"])
            mid, env_hash = bytes.fromhex(l["mid"]), bytes.fromhex(l["envelope_sha256"])
            stored = (e.u8(1) + e.u8(3) + fp_s + fp_r + mid + env_hash + e.u64(l["held"]) + e.u64(l["stored_ts"])
                      + e.u64(l["expires"]))
            e.cert_public_key(cert.public_bytes(e.serialization.Encoding.PEM)).verify(
                base64.b64decode(l["sig"]), b"securechat/v1 e2e stored\x00" + stored)
            check(stem + ": " + "line %d: the stored signature verifies" % number, True)
            check(stem + ": " + "line %d: it matches a sent copy" % number,
                  fp_s == own and sent.get((mid, fp_r, env_hash), (0, None))[1] == l["to"])
        elif kind == "delivered":
            d = parse_delivered(base64.b64decode(l["envelope"]))
            cert, user = leaf(d["cert"], "client")
            check(stem + ": " + "line %d: fp_R is the certificate's and the line's" % number,
                  e.fingerprint(d["cert"]) == d["fp_r"] and d["fp_r"].hex() == l["device"] and user == l["to"])
            e.cert_public_key(cert.public_bytes(e.serialization.Encoding.PEM)).verify(
                d["sig"], e.delivered_signed(d["body"]))
            check(stem + ": " + "line %d: the delivered signature verifies" % number, True)
            check(stem + ": " + "line %d: it matches a sent copy" % number,
                  d["conv"] == conv and d["fp_s"] == own
                  and sent.get((d["mid"], d["fp_r"], d["hash"]), (None,))[0] == d["seq"])

    disclosure = json.load(open(os.path.join(VEC, stem + ".disclosure.json"), encoding="utf-8"))
    commit = e.commitment(bytes.fromhex(disclosure["salt"]), disclosure["text"].encode())
    check(stem + ": " + "the disclosure opens its message's commitment", commit in commits.get(bytes.fromhex(disclosure["mid"]), []))


# The transcript of a root-issued PKI, and the same conversation with bob under an
# intermediate CA (his certificate fields are chains, PROTOCOL.md section 2.1).
for stem in ("conversation_v1", "conversation_v1_chain"):
    check_vector(stem)
sys.exit(1 if failures else 0)
