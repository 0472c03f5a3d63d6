#!/usr/bin/python3
"""tools/capture_check.py can fail: on synthetic captures (pcap, Ethernet on loopback) of one TCP
connection to port 7000, it finds a secret sent in a plaintext frame, in a base64 field of a
frame, and a username outside the handshake's certificates; it passes a capture holding only a
handshake and records, and refuses one that holds no record. Exit 0 when all hold."""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "capture_check.py")
PORT = 7000


def frame(obj):
    payload = json.dumps(obj).encode()
    return struct.pack(">I", len(payload)) + payload


def packet(src_port, dst_port, seq, flags, payload):
    tcp = struct.pack(">HHIIBBHHH", src_port, dst_port, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1])) + tcp
    return b"\x00" * 12 + b"\x08\x00" + ip


def capture(client_frames, path):
    """A pcap of one connection: SYN, then each client frame in one segment (split in two for
    the first, as TCP may)."""
    records = [packet(40000, PORT, 100, 0x02, b"")]
    seq = 101
    data = b"".join(frame(f) for f in client_frames)
    for i in range(0, len(data), 37):  # segments that cut frames anywhere
        records.append(packet(40000, PORT, seq + i, 0x18, data[i:i + 37]))
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for r in records:
            out.write(struct.pack("<IIII", 0, 0, len(r), len(r)) + r)


def run(client_frames, *args):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.pcap")
        capture(client_frames, path)
        r = subprocess.run([sys.executable, CHECK, path, "--port", str(PORT), *args],
                           capture_output=True, text=True)
        return r.returncode, r.stdout


failures = 0


def expect(what, ok, output):
    global failures
    print(("ok       " if ok else "WRONG    ") + what)
    if not ok:
        print(output)
        failures += 1


cert_with_name = base64.b64encode(b"\x30\x82 CN=alice ...").decode()
hello = {"type": "hello", "certs": [cert_with_name], "nonce": base64.b64encode(b"n" * 32).decode()}
record = {"type": "record", "seq": 0, "ct": base64.b64encode(os.urandom(64)).decode()}
record1 = dict(record, seq=1)

code, out = run([hello, record, record1], "--secret", "pw=hunter2 long", "--name", "alice")
expect("a handshake and records pass; the name in a certificate is allowed", code == 0 and "OK:" in out, out)
expect("the frame types are reported", "c2s hello" in out and "c2s record         2" in out, out)

code, out = run([hello, {"type": "error", "code": "x", "message": "hunter2 long"}, record],
                "--secret", "pw=hunter2 long")
expect("a secret in a plaintext frame is found", code == 1 and "pw:" in out and "FOUND" in out, out)

hidden = dict(record, seq=1, ct=base64.b64encode(b"..hunter2 long..").decode())
code, out = run([hello, record, hidden], "--secret", "pw=hunter2 long")
expect("a secret in a base64 field is found once decoded", code == 1 and "FOUND" in out, out)

code, out = run([hello, record, {"type": "error", "code": "x", "message": "to alice"}], "--name", "alice")
expect("a username outside the certificates is found", code == 1 and "username alice" in out and "FOUND" in out, out)

code, out = run([hello, dict(record, seq=2)])
expect("records out of order fail", code == 1 and "out of order" in out, out)

code, out = run([hello])
expect("a capture without records fails", code == 1 and "no record" in out, out)
sys.exit(1 if failures else 0)
