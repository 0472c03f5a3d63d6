"""A second implementation, in Python, of the end-to-end crypto of docs/PROTOCOL.md section 10.

Written from the spec text only (not from src/e2e), so that tests/vectors/e2e_v1.json, which
tools/make_e2e_vectors.py makes with it and tools/check_e2e_vectors.py re-derives with it, checks
the C++ implementation against an independent reading of the spec. It uses Debian 12's
python3-cryptography (38.0.4) and only APIs that exist there.

Section references are to docs/PROTOCOL.md.
"""
import hashlib
import hmac
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def u8(v: int) -> bytes:
    return struct.pack(">B", v)


def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def u64(v: int) -> bytes:
    return struct.pack(">Q", v)


# ---- keys and certificates ----

def cert_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def split_chain(field: bytes) -> list:
    """A certificate field (PROTOCOL.md §2.1): DER certificates concatenated, the leaf first."""
    out, at = [], 0
    while at < len(field):
        if field[at] != 0x30 or at + 2 > len(field):
            raise ValueError("not a DER certificate at byte %d" % at)
        n = field[at + 1]
        if n < 0x80:
            length, head = n, 2
        else:
            k = n & 0x7F
            length, head = int.from_bytes(field[at + 2:at + 2 + k], "big"), 2 + k
        if at + head + length > len(field):
            raise ValueError("a certificate runs past the field's end")
        out.append(field[at:at + head + length])
        at += head + length
    if not 1 <= len(out) <= 4:
        raise ValueError("a chain holds 1 to 4 certificates, not %d" % len(out))
    return out


def fingerprint(field: bytes) -> bytes:
    """fp_X: the SHA-256 of the leaf's DER (the device id); for a leaf alone, of the field."""
    return H(split_chain(field)[0])


def cert_public_key(pem: bytes) -> Ed25519PublicKey:
    key = x509.load_pem_x509_certificate(pem).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the vector certificates are Ed25519")
    return key


def load_signing_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the vector keys are Ed25519")
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)  # Ed25519 (RFC 8032) is deterministic


def verifies(pub: Ed25519PublicKey, data: bytes, sig: bytes) -> bool:
    try:
        pub.verify(sig, data)
        return True
    except Exception:  # cryptography raises InvalidSignature
        return False


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519(private: bytes, public: bytes) -> bytes:
    """X25519(priv, pub), RFC 7748; an all-zero output is refused (section 10)."""
    out = X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(public))
    if out == bytes(32):
        raise ValueError("X25519 gave the all-zero secret")
    return out


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


# ---- section 10.2: prekeys ----

KIND_SIGNED_PREKEY = 1
KIND_ONE_TIME_PREKEY = 2


def prekey_signed(kind: int, fp_owner: bytes, key_id: int, key: bytes, ts: int) -> bytes:
    assert len(fp_owner) == 32 and len(key) == 32
    return b"securechat/v1 e2e prekey\x00" + u8(kind) + fp_owner + u64(key_id) + key + u64(ts)


# ---- section 10.3: X3DH, authenticated by signatures ----

def x3dh_info(fp_a: bytes, fp_b: bytes, spk_id: int, opk_id: int, ek_pub: bytes) -> bytes:
    return b"securechat/v1 e2e x3dh\x00" + fp_a + fp_b + u64(spk_id) + u64(opk_id) + ek_pub


def x3dh_ikm(dh1: bytes, dh2: bytes | None) -> bytes:
    return b"\xff" * 32 + dh1 + (dh2 if dh2 is not None else b"")


def x3dh_sk(dh1: bytes, dh2: bytes | None, info: bytes) -> bytes:
    return hkdf(bytes(32), x3dh_ikm(dh1, dh2), info, 32)


def x3dh_initiator(ek_priv, spk_pub, opk_pub, fp_a, fp_b, spk_id, opk_id):
    """A's side: returns (dh1, dh2 or None, info, sk)."""
    dh1 = x25519(ek_priv, spk_pub)
    dh2 = x25519(ek_priv, opk_pub) if opk_id != 0 else None
    info = x3dh_info(fp_a, fp_b, spk_id, opk_id, x25519_public(ek_priv))
    return dh1, dh2, info, x3dh_sk(dh1, dh2, info)


def x3dh_responder(spk_priv, opk_priv, ek_pub, fp_a, fp_b, spk_id, opk_id):
    """B's side, from its private prekeys and the init fields."""
    dh1 = x25519(spk_priv, ek_pub)
    dh2 = x25519(opk_priv, ek_pub) if opk_id != 0 else None
    info = x3dh_info(fp_a, fp_b, spk_id, opk_id, ek_pub)
    return dh1, dh2, info, x3dh_sk(dh1, dh2, info)


# ---- section 10.4: the Double Ratchet ----

def kdf_rk(rk: bytes, dh_out: bytes):
    out = hkdf(rk, dh_out, b"securechat/v1 e2e root", 64)
    return out[:32], out[32:]


def kdf_ck(ck: bytes):
    """-> (mk, ck')"""
    return hmac_sha256(ck, b"\x01"), hmac_sha256(ck, b"\x02")


def message_key(mk: bytes):
    """-> (key (32), nonce (12))"""
    out = hkdf(bytes(32), mk, b"securechat/v1 e2e message", 44)
    return out[:32], out[32:]


class Ratchet:
    """Signal's Double Ratchet (revision 1, no header encryption) with the KDFs above. The fresh
    key pairs it needs are passed in (fixed in the vectors), not drawn. Each step gives, for one
    message, the root key current when its chain was made, the chain key it used and its mk."""

    def __init__(self):
        self.dhs_priv = None
        self.dhr = None
        self.rk = None
        self.rkr = None
        self.cks = None
        self.ckr = None
        self.ns = self.nr = self.pn = 0

    @classmethod
    def initiator(cls, sk: bytes, dhs_priv: bytes, spk_pub: bytes):
        r = cls()
        r.dhs_priv, r.dhr = dhs_priv, spk_pub
        r.init_dh = x25519(dhs_priv, spk_pub)
        r.rk, r.cks = kdf_rk(sk, r.init_dh)
        return r

    @classmethod
    def responder(cls, sk: bytes, spk_priv: bytes):
        r = cls()
        r.dhs_priv, r.rk = spk_priv, sk
        return r

    def dhs_pub(self) -> bytes:
        return x25519_public(self.dhs_priv)

    def encrypt_step(self):
        """-> (header (dh, pn, n), rk, ck, mk)"""
        header = (self.dhs_pub(), self.pn, self.ns)
        ck = self.cks
        mk, self.cks = kdf_ck(ck)
        self.ns += 1
        return header, self.rk, ck, mk

    def dh_ratchet(self, dh: bytes, next_dhs_priv: bytes):
        self.pn = self.ns
        self.ns = self.nr = 0
        self.dhr = dh
        self.rk, self.ckr = kdf_rk(self.rk, x25519(self.dhs_priv, self.dhr))
        self.rkr = self.rk  # the root key when the receiving chain was made (= the sender's rk)
        self.dhs_priv = next_dhs_priv
        self.rk, self.cks = kdf_rk(self.rk, x25519(self.dhs_priv, self.dhr))

    def decrypt_step(self, header, next_dhs_priv: bytes | None = None):
        """-> (rk, ck, mk) for a message whose header is (dh, pn, n); the vectors skip nothing,
        so this needs n to be the next one (skipped keys are the C++ tests' business)."""
        dh, pn, n = header
        if dh != self.dhr:
            if self.ckr is not None and pn != self.nr:
                raise ValueError("the vectors skip no message")
            if next_dhs_priv is None:
                raise ValueError("a DH step needs the next sending key pair")
            self.dh_ratchet(dh, next_dhs_priv)
        if n != self.nr:
            raise ValueError("the vectors skip no message")
        ck = self.ckr
        mk, self.ckr = kdf_ck(ck)
        self.nr += 1
        return self.rkr, ck, mk


# ---- section 10.5: envelopes ----

VERSION = 1
KIND_MESSAGE = 1
KIND_DELIVERED = 2
KIND_STORED = 3  # section 10.6: made by the server, never an envelope


def conv(user_a: str, user_b: str) -> bytes:
    a, b = sorted([user_a.encode(), user_b.encode()])
    if a == b:
        raise ValueError("the same name twice is not a conversation")
    return u8(len(a)) + a + u8(len(b)) + b


def head(conv_bytes, fp_s, fp_r, mid, seq, ts, dh, pn, n, init=None) -> bytes:
    """init = (spk_id, opk_id, ek) or None"""
    assert len(fp_s) == 32 and len(fp_r) == 32 and len(mid) == 16 and len(dh) == 32
    out = (u8(VERSION) + u8(KIND_MESSAGE) + conv_bytes + fp_s + fp_r + mid + u64(seq) + u64(ts) + dh
           + u32(pn) + u32(n))
    if init is None:
        return out + u8(0)
    spk_id, opk_id, ek = init
    assert len(ek) == 32
    return out + u8(1) + u64(spk_id) + u64(opk_id) + ek


def commitment(salt: bytes, text: bytes) -> bytes:
    assert len(salt) == 16
    return H(b"securechat/v1 e2e commitment\x00" + salt + text)


def seal(key: bytes, nonce: bytes, salt: bytes, text: bytes, head_bytes: bytes) -> bytes:
    """ct = AES-256-GCM ciphertext of salt || text followed by its 16-byte tag, ad = head."""
    return AESGCM(key).encrypt(nonce, salt + text, head_bytes)


def open_ct(key: bytes, nonce: bytes, ct: bytes, head_bytes: bytes):
    """-> (salt, text)"""
    pt = AESGCM(key).decrypt(nonce, ct, head_bytes)
    return pt[:16], pt[16:]


def message_signed(head_bytes: bytes, ct: bytes, commit: bytes) -> bytes:
    return b"securechat/v1 e2e message\x00" + head_bytes + H(ct) + commit


def message_envelope(head_bytes, commit, cert_s_der, ct, sig) -> bytes:
    return head_bytes + commit + u16(len(cert_s_der)) + cert_s_der + u32(len(ct)) + ct + u16(len(sig)) + sig


def delivered(conv_bytes, fp_s, fp_r, mid, seq, message_envelope_bytes, ts) -> bytes:
    return (u8(VERSION) + u8(KIND_DELIVERED) + conv_bytes + fp_s + fp_r + mid + u64(seq)
            + H(message_envelope_bytes) + u64(ts))


def delivered_signed(delivered_bytes: bytes) -> bytes:
    return b"securechat/v1 e2e delivered\x00" + delivered_bytes


def delivered_envelope(delivered_bytes, cert_r_der, sig) -> bytes:
    return delivered_bytes + u16(len(cert_r_der)) + cert_r_der + u16(len(sig)) + sig


def stored(fp_s, fp_r, mid, envelope_bytes, held, ts, expires) -> bytes:
    """Section 10.6: the server's statement that it committed this envelope for device R."""
    return (u8(VERSION) + u8(KIND_STORED) + fp_s + fp_r + mid + H(envelope_bytes) + u64(held) + u64(ts)
            + u64(expires))


def stored_signed(stored_bytes: bytes) -> bytes:
    return b"securechat/v1 e2e stored\x00" + stored_bytes


# ---- the scenario of tests/vectors/e2e_v1.json (docs/PROTOCOL.md section 9) ----

def derive_vectors(inp: dict, read) -> dict:
    """Every value of e2e_v1.json from its inputs; read(name) gives a file of the vector
    directory. Alice (device default) starts a session with bob (device phone) from his bundle,
    sends a1 and a2 (both with the init fields), bob opens both and answers b1 (his DH step),
    alice opens it (her DH step) and sends a3; bob states a1 delivered."""
    x = bytes.fromhex
    devices = {}
    for who, d in inp["devices"].items():
        pem = read(d["cert"])
        der = cert_der(pem)
        devices[who] = {"user": d["user"], "der": der, "fp": fingerprint(der), "key": load_signing_key(read(d["key"]))}
    alice, bob = devices["alice"], devices["bob"]
    v = {"fingerprints": {who: d["fp"].hex() for who, d in devices.items()}}

    # 10.2: bob's signed prekey and one one-time prekey
    prekeys = {}
    for name, kind in (("bob_spk", KIND_SIGNED_PREKEY), ("bob_otk", KIND_ONE_TIME_PREKEY)):
        p = inp[name]
        pub = x25519_public(x(p["private"]))
        signed = prekey_signed(kind, bob["fp"], p["key_id"], pub, p["ts"])
        prekeys[name] = pub
        v[name] = {"public": pub.hex(), "prekey_signed": signed.hex(), "sig": sign(bob["key"], signed).hex()}
    spk_id, opk_id = inp["bob_spk"]["key_id"], inp["bob_otk"]["key_id"]

    # 10.3: alice's X3DH with bob's bundle (with the one-time prekey), and one without
    ek_priv = x(inp["alice_ek_private"])
    ek_pub = x25519_public(ek_priv)
    dh1, dh2, info, sk = x3dh_initiator(ek_priv, prekeys["bob_spk"], prekeys["bob_otk"], alice["fp"], bob["fp"],
                                        spk_id, opk_id)
    v["x3dh"] = {"ek_public": ek_pub.hex(), "dh1": dh1.hex(), "dh2": dh2.hex(), "ikm": x3dh_ikm(dh1, dh2).hex(),
                 "info": info.hex(), "sk": sk.hex()}
    n = inp["no_otk"]
    n_dh1, _, n_info, n_sk = x3dh_initiator(x(n["ek_private"]), prekeys["bob_spk"], None, alice["fp"], bob["fp"],
                                            n["spk_id"], 0)
    v["x3dh_no_otk"] = {"ek_public": x25519_public(x(n["ek_private"])).hex(), "dh1": n_dh1.hex(),
                        "ikm": x3dh_ikm(n_dh1, None).hex(), "info": n_info.hex(), "sk": n_sk.hex()}

    # 10.4: ratchet initialisation
    a_next = [x(k) for k in inp["alice_ratchet_private"]]
    b_next = [x(k) for k in inp["bob_ratchet_private"]]
    ratchets = {"alice": Ratchet.initiator(sk, a_next.pop(0), prekeys["bob_spk"]), "bob": None}
    ra = ratchets["alice"]
    v["ratchet_init"] = {"dhs_public": ra.dhs_pub().hex(), "dh_out": ra.init_dh.hex(), "rk": ra.rk.hex(),
                         "cks": ra.cks.hex()}
    next_keys = {"alice": a_next, "bob": b_next}

    # 10.5: the messages, each opened by its receiver with the receiver's own state
    received_from_peer = {"alice": False, "bob": False}
    c = conv(alice["user"], bob["user"])
    v["conv"] = c.hex()
    v["messages"] = []
    envelopes = {}
    for m in inp["messages"]:
        s, r = devices[m["from"]], devices[m["to"]]
        sender = ratchets[m["from"]]
        (dh, pn, nn), rk, ck, mk = sender.encrypt_step()
        init = None
        if m["from"] == "alice" and not received_from_peer["alice"]:
            init = (spk_id, opk_id, ek_pub)
        key, nonce = message_key(mk)
        h = head(c, s["fp"], r["fp"], x(m["mid"]), m["seq"], m["ts"], dh, pn, nn, init)
        salt, text = x(m["salt"]), m["text"].encode()
        commit = commitment(salt, text)
        ct = seal(key, nonce, salt, text, h)
        signed = message_signed(h, ct, commit)
        sig = sign(s["key"], signed)
        env = message_envelope(h, commit, s["der"], ct, sig)
        envelopes[m["name"]] = env

        # the receiver: bob sets up from the init fields on the first; a new dh is a DH step
        if m["to"] == "bob" and ratchets["bob"] is None:
            _, _, _, b_sk = x3dh_responder(x(inp["bob_spk"]["private"]), x(inp["bob_otk"]["private"]), ek_pub,
                                           alice["fp"], bob["fp"], spk_id, opk_id)
            ratchets["bob"] = Ratchet.responder(b_sk, x(inp["bob_spk"]["private"]))
        receiver = ratchets[m["to"]]
        step_key = next_keys[m["to"]].pop(0) if dh != receiver.dhr else None
        r_rk, r_ck, r_mk = receiver.decrypt_step((dh, pn, nn), step_key)
        if (r_rk, r_ck, r_mk) != (rk, ck, mk):
            raise ValueError(f"{m['name']}: the receiver derives other keys than the sender")
        r_key, r_nonce = message_key(r_mk)
        if open_ct(r_key, r_nonce, ct, h) != (salt, text):
            raise ValueError(f"{m['name']}: the receiver cannot open it")
        received_from_peer[m["to"]] = True

        v["messages"].append({
            "name": m["name"], "dh": dh.hex(), "pn": pn, "n": nn, "init": 0 if init is None else 1,
            "rk": rk.hex(), "ck": ck.hex(), "mk": mk.hex(), "key": key.hex(), "nonce": nonce.hex(),
            "head": h.hex(), "commit": commit.hex(), "ct": ct.hex(), "signed": signed.hex(), "sig": sig.hex(),
            "envelope": env.hex()})

    # 10.5: bob's delivered statement for one of alice's messages
    d = inp["delivered"]
    of = next(m for m in inp["messages"] if m["name"] == d["of"])
    s, r = devices[of["from"]], devices[of["to"]]
    dl = delivered(c, s["fp"], r["fp"], x(of["mid"]), of["seq"], envelopes[d["of"]], d["ts"])
    dsigned = delivered_signed(dl)
    dsig = sign(r["key"], dsigned)
    v["delivered"] = {"envelope_sha256": H(envelopes[d["of"]]).hex(), "delivered": dl.hex(),
                      "dsigned": dsigned.hex(), "sig": dsig.hex(),
                      "envelope": delivered_envelope(dl, r["der"], dsig).hex()}

    # 10.6: the server's stored statement for the copy of one message kept for its recipient
    st = inp["stored"]
    of = next(m for m in inp["messages"] if m["name"] == st["of"])
    s, r = devices[of["from"]], devices[of["to"]]
    server_key = load_signing_key(read(inp["server"]["key"]))
    sb = stored(s["fp"], r["fp"], x(of["mid"]), envelopes[st["of"]], st["held"], st["ts"], st["expires"])
    ssigned = stored_signed(sb)
    v["stored"] = {"envelope_sha256": H(envelopes[st["of"]]).hex(), "stored": sb.hex(), "ssigned": ssigned.hex(),
                   "sig": sign(server_key, ssigned).hex()}
    return v
