#!/usr/bin/python3
"""Reads a packet capture of SecureChat sessions (pcap, as tcpdump -w writes it) and reports what a
passive observer of the network saw (issue 13, scripts/evidence.sh):
  - every TCP connection to the server's port, reassembled per direction, cut into frames
    (docs/PROTOCOL.md section 1: u32 big-endian length, then a JSON object with a "type");
  - the frame types seen per direction, and the record sequence numbers of each direction;
  - whether any secret given with --secret appears anywhere: in the raw capture bytes, in any
    frame, or in any base64 field of a plaintext frame once decoded. Names given with --name
    (usernames) may appear only inside the certificates of `hello`/`server_hello`, which
    travel in the clear (docs/SECURITY.md L10); anywhere else they count as a leak.
Exit 0 when nothing leaked and the capture holds records; 1 otherwise.
Usage: tools/capture_check.py CAPTURE --port PORT [--secret LABEL=TEXT]... [--name USER]...
"""
import argparse
import base64
import binascii
import collections
import json
import struct
import sys


def packets(path):
    """(timestamp, link-layer bytes, link type) of each record of a pcap file."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit("capture_check: %s is not a pcap file (pcapng is not read: use tcpdump -w)" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    at = 24
    while at + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[at:at + 16])
        at += 16
        yield sec + frac / 1e6, data[at:at + incl], linktype
        at += incl


def tcp_segments(path, port):
    """((src, sport, dst, dport), seq, flags, payload) of each IPv4 TCP segment to or from port."""
    for _, frame, linktype in packets(path):
        if linktype == 1:  # Ethernet (loopback on Linux)
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked capture (-i any)
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            ip = frame[16:]
        elif linktype in (0, 108):  # BSD loopback / null
            ip = frame[4:]
        else:
            sys.exit("capture_check: link type %d is not read" % linktype)
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        if port not in (sport, dport):
            continue
        offset = (tcp[12] >> 4) * 4
        yield (src, sport, dst, dport), seq, tcp[13], tcp[offset:]


def streams(path, port):
    """Each direction's bytes, in order, keyed by (src, sport, dst, dport); retransmissions once."""
    first_seq, chunks = {}, collections.defaultdict(dict)
    for key, seq, flags, payload in tcp_segments(path, port):
        if flags & 0x02:  # SYN: the stream starts after it
            first_seq[key] = (seq + 1) & 0xFFFFFFFF
            continue
        if payload and key in first_seq:
            chunks[key].setdefault((seq - first_seq[key]) & 0xFFFFFFFF, payload)
    out = {}
    for key, parts in chunks.items():
        data, at = bytearray(), 0
        for offset in sorted(parts):
            piece = parts[offset]
            if offset > at:
                break  # a hole: the capture missed bytes; stop this direction here
            data += piece[at - offset:]
            at = max(at, offset + len(piece))
        out[key] = bytes(data)
    return out


def frames(stream):
    """The JSON objects of one direction, and the bytes left over (a frame cut by the capture)."""
    out, at = [], 0
    while at + 4 <= len(stream):
        n = struct.unpack(">I", stream[at:at + 4])[0]
        if at + 4 + n > len(stream):
            break
        try:
            out.append(json.loads(stream[at + 4:at + 4 + n].decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            out.append({"type": "<not JSON>"})
        at += 4 + n
    return out, len(stream) - at


def decoded_fields(obj, path=""):
    """(field path, bytes, is_base64_text) of every string in a frame, and its base64 decoding
    when it has one. A name of 5 letters can occur by chance in long base64 text, so names are
    looked for in decodings and in strings that are not base64 (main)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from decoded_fields(v, path + "." + k if path else k)
    elif isinstance(obj, list):
        for v in obj:
            yield from decoded_fields(v, path + "[]")
    elif isinstance(obj, str):
        try:
            decoded = base64.b64decode(obj, validate=True)
        except (binascii.Error, ValueError):
            decoded = None
        yield path, obj.encode("utf-8"), decoded is not None
        if decoded is not None:
            yield path, decoded, False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret", action="append", default=[], help="LABEL=TEXT that must appear nowhere")
    ap.add_argument("--name", action="append", default=[], help="a username: only in handshake certificates")
    args = ap.parse_args()

    raw = open(args.capture, "rb").read()
    by_dir = streams(args.capture, args.port)
    types = collections.Counter()
    connections = {k[:2] if k[3] == args.port else k[2:] for k in by_dir}
    record_seqs = collections.defaultdict(list)
    all_frames = []
    for key, data in sorted(by_dir.items()):
        direction = "c2s" if key[3] == args.port else "s2c"
        got, left = frames(data)
        for f in got:
            types[(direction, f.get("type", "<no type>"))] += 1
            if f.get("type") == "record" and isinstance(f.get("seq"), int):
                record_seqs[(key, direction)].append(f["seq"])
            all_frames.append(f)
        if left:
            print("note: %s %s:%d ends with %d bytes of a frame the capture cut" % (direction, key[0], key[1], left))

    print("capture: %s, %d bytes, %d TCP connections to port %d" % (args.capture, len(raw), len(connections), args.port))
    print("frame types seen:")
    for (direction, kind), n in sorted(types.items()):
        print("  %s %-14s %d" % (direction, kind, n))
    in_order = all(seqs == list(range(len(seqs))) for seqs in record_seqs.values())
    print("record seq: %d directions, each counting from 0 without a gap: %s"
          % (len(record_seqs), "yes" if in_order else "NO"))

    leaks = []
    needles = [(s.split("=", 1)[0], s.split("=", 1)[1], False) for s in args.secret]
    needles += [("username " + n, n, True) for n in args.name]
    for label, text, is_name in needles:
        needle = text.encode("utf-8")
        where = []
        if not is_name and needle in raw:
            where.append("the raw capture bytes")
        for f in all_frames:
            for path, value, is_base64_text in decoded_fields(f):
                if is_name and (is_base64_text or path == "certs[]"):
                    continue
                if needle in value:
                    where.append("%s field %s" % (f.get("type"), path))
        print("%-40s %s" % (label + ":", "FOUND in " + ", ".join(sorted(set(where))) if where else "not found"))
        if where:
            leaks.append(label)
    records = sum(n for (d, kind), n in types.items() if kind == "record")
    if records == 0:
        print("FAIL: the capture holds no record frame: nothing was captured to check")
        return 1
    if leaks or not in_order:
        print("FAIL: %s" % ("; ".join("%s appears in the capture" % l for l in leaks) or "record seq out of order"))
        return 1
    print("OK: %d frames, %d of them records; nothing given appears in the clear" % (len(all_frames), records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
