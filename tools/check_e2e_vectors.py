#!/usr/bin/python3
"""Independent check of tests/vectors/e2e_v1.json against docs/PROTOCOL.md section 10.

Re-derives every value from the inputs with tools/e2e_spec.py (a Python implementation written
from the spec, not from src/e2e), then checks what can be checked without it: the certificates
(fingerprint = SHA-256 of the DER, issued by the vector CA, names and device), every signature
against the public key of the signer's certificate, each envelope parsed field by field as
section 10.5 lays it out (no trailing bytes) and opened with the recorded key and nonce, and the
X3DH secret with an HKDF built from hmac alone; and that the key_bundle, send and envelope of
e2e_messages_v1.json carry this conversation (the bundle checked as a client checks it, section
10.2). Prints ok/MISMATCH lines; exit 0 = all match.
Usage: tools/check_e2e_vectors.py [VECTOR_DIR]
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_spec as e  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

VEC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
doc = json.load(open(os.path.join(VEC, "e2e_v1.json"), encoding="utf-8"))
inp, val = doc["inputs"], doc["values"]
x = bytes.fromhex
failures = []


def read(name):
    return open(os.path.join(VEC, name), "rb").read()


def check(name, got, want):
    if got != want:
        failures.append(name)
        print(f"MISMATCH {name}\n  got  {got}\n  want {want}")
    else:
        print(f"ok  {name}")


def compare(path, got, want):
    """Every leaf of the re-derived values against the file's."""
    if isinstance(want, dict) and isinstance(got, dict):
        check(f"{path} has the same members", sorted(got), sorted(want))
        for k in sorted(set(got) & set(want)):
            compare(f"{path}.{k}", got[k], want[k])
    elif isinstance(want, list) and isinstance(got, list):
        check(f"{path} has {len(want)} entries", len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            compare(f"{path}[{w.get('name', i) if isinstance(w, dict) else i}]", g, w)
    else:
        check(path, got, want)


# 1. every value, re-derived from the inputs
compare("values", e.derive_vectors(inp, read), val)

# 2. the certificates: fingerprints, issuer, names (section 10.1)
ca = x509.load_pem_x509_certificate(read(inp["ca_cert"]))
certs, ders, pubs = {}, {}, {}
for who, d in sorted(inp["devices"].items()):
    pem = read(d["cert"])
    cert = x509.load_pem_x509_certificate(pem)
    certs[who], ders[who], pubs[who] = cert, e.cert_der(pem), e.cert_public_key(pem)
    check(f"{who}: fingerprint = SHA-256 of the certificate DER", hashlib.sha256(ders[who]).hexdigest(),
          val["fingerprints"][who])
    check(f"{who}: certificate issued by the vector CA",
          e.verifies(ca.public_key(), cert.tbs_certificate_bytes, cert.signature), True)
    check(f"{who}: CN is the user", cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, d["user"])
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    check(f"{who}: extendedKeyUsage clientAuth", ExtendedKeyUsageOID.CLIENT_AUTH in eku, True)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    devs = [u[len("urn:securechat:device:"):] for u in uris if u.startswith("urn:securechat:device:")]
    check(f"{who}: device name from the SAN URI (or default)", devs[0] if devs else "default", d["device"])

# 3. every signature against the signer's certificate key, and one that must fail
for name in ("bob_spk", "bob_otk"):
    check(f"{name}: sig verifies with bob's certificate key",
          e.verifies(pubs["bob"], x(val[name]["prekey_signed"]), x(val[name]["sig"])), True)
    kind = e.KIND_SIGNED_PREKEY if name == "bob_spk" else e.KIND_ONE_TIME_PREKEY
    check(f"{name}: prekey_signed layout", val[name]["prekey_signed"],
          (b"securechat/v1 e2e prekey\0" + bytes([kind]) + x(val["fingerprints"]["bob"])
           + struct.pack(">Q", inp[name]["key_id"]) + x(val[name]["public"]) + struct.pack(">Q", inp[name]["ts"])).hex())
bad = bytearray(x(val["bob_spk"]["prekey_signed"]))
bad[-1] ^= 1
check("a prekey signature over other bytes does not verify", e.verifies(pubs["bob"], bytes(bad), x(val["bob_spk"]["sig"])),
      False)
check("bob's prekey signature does not verify with alice's key",
      e.verifies(pubs["alice"], x(val["bob_spk"]["prekey_signed"]), x(val["bob_spk"]["sig"])), False)


# 4. the X3DH secret with an HKDF from hmac alone (RFC 5869)
def hkdf_stdlib(salt, ikm, info, n):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]


for case in ("x3dh", "x3dh_no_otk"):
    c = val[case]
    check(f"{case}: sk = HKDF (hmac only)", hkdf_stdlib(bytes(32), x(c["ikm"]), x(c["info"]), 32).hex(), c["sk"])
    check(f"{case}: ikm = 32 x 0xFF || DH1 [|| DH2]", c["ikm"], "ff" * 32 + c["dh1"] + c.get("dh2", ""))
spk_id, opk_id = inp["bob_spk"]["key_id"], inp["bob_otk"]["key_id"]
check("x3dh: info layout", val["x3dh"]["info"],
      (b"securechat/v1 e2e x3dh\0" + x(val["fingerprints"]["alice"]) + x(val["fingerprints"]["bob"])
       + struct.pack(">QQ", spk_id, opk_id) + x(val["x3dh"]["ek_public"])).hex())
check("x3dh_no_otk: info has opk_id 0", val["x3dh_no_otk"]["info"][-(32 + 8) * 2:-32 * 2], "00" * 8)


# 5. each envelope parsed as section 10.5 lays it out, opened with the recorded key and nonce
class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("short")
        out, self.i = self.b[self.i:self.i + n], self.i + n
        return out

    def int(self, n):
        return int.from_bytes(self.take(n), "big")

    def done(self):
        return self.i == len(self.b)


def parse_conv(r):
    a = r.take(r.int(1)).decode()
    b = r.take(r.int(1)).decode()
    return a, b


msgs = {m["name"]: m for m in inp["messages"]}
for mv in val["messages"]:
    m, name = msgs[mv["name"]], mv["name"]
    env = Reader(x(mv["envelope"]))
    check(f"{name}: version 1, kind 1", (env.int(1), env.int(1)), (1, 1))
    check(f"{name}: conv = (alice, bob)", parse_conv(env), ("alice", "bob"))
    check(f"{name}: fp_S, fp_R", (env.take(32).hex(), env.take(32).hex()),
          (val["fingerprints"][m["from"]], val["fingerprints"][m["to"]]))
    check(f"{name}: mid, seq, ts", (env.take(16).hex(), env.int(8), env.int(8)), (m["mid"], m["seq"], m["ts"]))
    check(f"{name}: dh, pn, n", (env.take(32).hex(), env.int(4), env.int(4)), (mv["dh"], mv["pn"], mv["n"]))
    init = env.int(1)
    check(f"{name}: init", init, mv["init"])
    if init == 1:
        check(f"{name}: spk_id, opk_id, ek", (env.int(8), env.int(8), env.take(32).hex()),
              (spk_id, opk_id, val["x3dh"]["ek_public"]))
    head_bytes = x(mv["envelope"])[:env.i]
    check(f"{name}: head is the envelope's first bytes", head_bytes.hex(), mv["head"])
    check(f"{name}: commit", env.take(32).hex(), mv["commit"])
    check(f"{name}: cert_S is the sender's certificate", env.take(env.int(2)), ders[m["from"]])
    ct = env.take(env.int(4))
    check(f"{name}: ct", ct.hex(), mv["ct"])
    sig = env.take(env.int(2))
    check(f"{name}: sig", sig.hex(), mv["sig"])
    check(f"{name}: no trailing bytes", env.done(), True)
    salt, text = e.open_ct(x(mv["key"]), x(mv["nonce"]), ct, head_bytes)
    check(f"{name}: ct opens to salt || text", (salt.hex(), text.decode()), (m["salt"], m["text"]))
    check(f"{name}: commit = H(label || salt || text)",
          hashlib.sha256(b"securechat/v1 e2e commitment\0" + salt + text).hexdigest(), mv["commit"])
    signed = b"securechat/v1 e2e message\0" + head_bytes + hashlib.sha256(ct).digest() + x(mv["commit"])
    check(f"{name}: signed layout", signed.hex(), mv["signed"])
    check(f"{name}: sig verifies with the sender's certificate key", e.verifies(pubs[m["from"]], signed, sig), True)
check("a1 and a2 carry the init fields, b1 and a3 do not", [mv["init"] for mv in val["messages"]], [1, 1, 0, 0])
check("b1 and a3 each start a new chain (n 0, pn = the peer's sent count)",
      [(mv["pn"], mv["n"]) for mv in val["messages"]], [(0, 0), (0, 1), (0, 0), (2, 0)])

dv, d = val["delivered"], inp["delivered"]
of = msgs[d["of"]]
of_env = x(next(mv["envelope"] for mv in val["messages"] if mv["name"] == d["of"]))
r = Reader(x(dv["envelope"]))
check("delivered: version 1, kind 2", (r.int(1), r.int(1)), (1, 2))
check("delivered: conv", parse_conv(r), ("alice", "bob"))
check("delivered: fp_S (the message's sender), fp_R", (r.take(32).hex(), r.take(32).hex()),
      (val["fingerprints"][of["from"]], val["fingerprints"][of["to"]]))
check("delivered: mid, seq", (r.take(16).hex(), r.int(8)), (of["mid"], of["seq"]))
check("delivered: H(message envelope)", r.take(32).hex(), hashlib.sha256(of_env).hexdigest())
check("delivered: ts", r.int(8), d["ts"])
check("delivered: the statement is the envelope's first bytes", x(dv["envelope"])[:r.i].hex(), dv["delivered"])
check("delivered: cert_R", r.take(r.int(2)), ders[d["by"]])
dsig = r.take(r.int(2))
check("delivered: sig", dsig.hex(), dv["sig"])
check("delivered: no trailing bytes", r.done(), True)
check("delivered: dsigned layout", dv["dsigned"], (b"securechat/v1 e2e delivered\0" + x(dv["delivered"])).hex())
check("delivered: sig verifies with bob's certificate key", e.verifies(pubs[d["by"]], x(dv["dsigned"]), dsig), True)

# 5b. the server's stored statement (section 10.6), field by field, signed by the server's key
sv, st = val["stored"], inp["stored"]
of = msgs[st["of"]]
of_env = x(next(mv["envelope"] for mv in val["messages"] if mv["name"] == st["of"]))
r = Reader(x(sv["stored"]))
check("stored: version 1, kind 3", (r.int(1), r.int(1)), (1, 3))
check("stored: fp_S (the sending device), fp_R (the device it is kept for)", (r.take(32).hex(), r.take(32).hex()),
      (val["fingerprints"][of["from"]], val["fingerprints"][of["to"]]))
check("stored: mid", r.take(16).hex(), of["mid"])
check("stored: H(envelope)", r.take(32).hex(), hashlib.sha256(of_env).hexdigest())
check("stored: held, ts, expires", (r.int(8), r.int(8), r.int(8)), (st["held"], st["ts"], st["expires"]))
check("stored: no trailing bytes", r.done(), True)
check("stored: ssigned layout", sv["ssigned"], (b"securechat/v1 e2e stored\0" + x(sv["stored"])).hex())
server_pub = x509.load_pem_x509_certificate(read(inp["server"]["cert"])).public_key()
check("stored: sig verifies with the server certificate's key",
      e.verifies(server_pub, x(sv["ssigned"]), x(sv["sig"])), True)
check("stored: not with bob's", e.verifies(pubs["bob"], x(sv["ssigned"]), x(sv["sig"])), False)

# 6. the wire messages of e2e_messages_v1.json carry this conversation: a client checks the
# key_bundle as section 10.2 says (the certificate is the device, both signatures verify over
# prekey_signed built from the bundle's own fields), and send/envelope carry a1's envelope.
wire = json.load(open(os.path.join(VEC, "e2e_messages_v1.json"), encoding="utf-8"))["messages"]
kb = wire["key_bundle"]["fields"]
kb_der = base64.b64decode(kb["cert"])
kb_pub = x509.load_der_x509_certificate(kb_der).public_key()
check("key_bundle: device = SHA-256 of its cert", hashlib.sha256(kb_der).hexdigest(), kb["device"])
for kind, prefix in ((e.KIND_SIGNED_PREKEY, "spk"), (e.KIND_ONE_TIME_PREKEY, "otk")):
    signed = e.prekey_signed(kind, bytes.fromhex(kb["device"]), kb[f"{prefix}_id"], base64.b64decode(kb[prefix]),
                             kb[f"{prefix}_ts"])
    check(f"key_bundle: {prefix}_sig verifies (section 10.2)",
          e.verifies(kb_pub, signed, base64.b64decode(kb[f"{prefix}_sig"])), True)
a1_env = next(mv["envelope"] for mv in val["messages"] if mv["name"] == "a1")
for name in ("send", "envelope"):
    check(f"{name}: body is a1's envelope", base64.b64decode(wire[name]["fields"]["body"]).hex(), a1_env)
    check(f"{name}: mid is a1's", base64.b64decode(wire[name]["fields"]["mid"]).hex(), msgs["a1"]["mid"])
check("envelope: device is alice's", wire["envelope"]["fields"]["device"], val["fingerprints"]["alice"])
check("envelope: held and ts are the stored statement's", (wire["envelope"]["fields"]["held"],
      wire["envelope"]["fields"]["ts"]), (st["held"], st["ts"]))
sf = wire["stored"]["fields"]
check("stored: the answer carries the statement's held, ts, expires and sig",
      (sf["held"], sf["ts"], sf["expires"], base64.b64decode(sf["sig"]).hex()),
      (st["held"], st["ts"], st["expires"], sv["sig"]))
check("received: names the held id", wire["received"]["fields"]["held"], [st["held"]])

# 7. the X25519 of this library against RFC 7748 section 6.1
rfc_a = x("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
rfc_b_pub = x("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
check("X25519 (RFC 7748 6.1)", e.x25519(rfc_a, rfc_b_pub).hex(),
      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

if failures:
    print(f"{len(failures)} mismatches")
    sys.exit(1)
print("all end-to-end vectors match")
