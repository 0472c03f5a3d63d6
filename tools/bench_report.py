#!/usr/bin/env python3
"""Writes the generated section of docs/PERFORMANCE.md from one scripts/bench.sh run.

Reads bench-results/ (our JSON lines and Google Benchmark JSON, the peers' RESULT lines) and
replaces what lies between the two markers below with: the machine, every command, our figures
beside the peers', the ratios and the targets of issue 14. Everything outside the markers is
written by hand and kept. A figure that is missing is said to be missing, never invented.
"""
import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys

BEGIN = "<!-- bench.sh: generated from here; edit tools/bench_report.py, not this section -->"
END = "<!-- bench.sh: generated up to here -->"


def json_lines(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
    return out


def results(path):
    """The peers' `RESULT key=value …` lines, as dicts."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                out.append(dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv))
    return out


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    ssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    return (f"{os.cpu_count()} × {cpu}, {mem_kb / 1048576:.0f} GiB, "
            f"{platform.system()} {platform.release()}, {ssl}, commit {commit or '?'}")


def ratio(ours, peer):
    return f"{ours / peer:.2f}×" if ours and peer else "n/a"


def verdict(value, limit, lower_is_better=True):
    if value is None:
        return "not measured"
    ok = value <= limit if lower_is_better else value >= limit
    return "met" if ok else "**missed**"


def handshake_section(res):
    ours = json_lines(os.path.join(res, "handshake.jsonl"))
    tls = results(os.path.join(res, "anchor-tls.txt"))
    floor_us = None
    floor_path = os.path.join(res, "anchor-floor.txt")
    if os.path.exists(floor_path):
        m = re.search(r"floor: ([0-9.]+) us per handshake", open(floor_path).read())
        floor_us = float(m.group(1)) if m else None
    lines = ["### Handshakes: `securechat bench handshake` beside `openssl s_server`", "",
             "| key, group, clients | ours: handshakes/s | ours: server CPU ms | s_server: conn/s | "
             "s_server: server CPU ms | ours ÷ s_server (target ≤ 0.5×) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for run in ours:
        cert = run["key"].replace("-", "")
        group = "X25519" if run["group"] == "x25519" else run["group"]
        peer = next((r for r in tls if r.get("cert") == cert and r.get("group") == group and
                     r.get("clients") == str(run["concurrency"]) and r.get("tickets") == "default"),
                    None)
        peer_ms = float(peer["server_cpu_ms_per_conn"]) if peer else None
        ours_ms = run["server_cpu_ms_per_handshake"]
        lines.append(
            f"| {run['key']}, {run['group']}, {run['concurrency']} | {run['handshakes_per_s']:.0f} | "
            f"{ours_ms:.3f} | {peer['conn_per_s'] if peer else 'n/a'} | "
            f"{f'{peer_ms:.3f}' if peer_ms else 'n/a'} | {ratio(ours_ms, peer_ms)} |")
    lines.append("")
    ed = next((r for r in ours if r["key"] == "ed25519" and r["group"] == "x25519" and
               r["concurrency"] == 1), None)
    if ed and floor_us:
        r = ed["server_cpu_ms_per_handshake"] * 1000 / floor_us
        lines.append(f"The crypto floor of one server-side handshake (Ed25519, X25519; "
                     f"`floor/run.sh`) printed {floor_us:.1f} µs in this run: ours is "
                     f"**{r:.2f}×** it (target ≤ 1.3×: {verdict(r, 1.3)}).")
    else:
        lines.append("The crypto floor was not measured in this run.")
    lines.append("")
    return lines


def idle_section(res):
    ours = json_lines(os.path.join(res, "idle.jsonl"))
    mqtt = [r for r in results(os.path.join(res, "anchor-mqtt.txt")) if r.get("mode") == "idle"]
    peer = next((r for r in mqtt if r.get("label") == "idle-mtls-ed"), None)
    peer_kb = float(peer["broker_kb_per_conn"]) * 1.024 if peer else None  # KiB → kB
    lines = ["### Idle sessions: `securechat bench idle` beside mosquitto", "",
             "| sessions | ours: server RSS before → after | ours: kB per session | still served | "
             "mosquitto (mTLS, Ed25519): kB per connection | ours ÷ mosquitto |",
             "| --- | --- | --- | --- | --- | --- |"]
    peer_text = f"{peer_kb:.1f} (at {peer['conns']})" if peer else "n/a"
    for run in ours:
        kb = run["server_rss_bytes_per_session"] / 1000
        lines.append(
            f"| {run['sessions']} | {run['server_rss_before_bytes'] / 1e6:.1f} → "
            f"{run['server_rss_after_bytes'] / 1e6:.1f} MB | {kb:.1f} | "
            f"{run['still_served']}/{run['still_served_asked']} | "
            f"{peer_text} | {ratio(kb, peer_kb)} |")
    lines.append("")
    at_10k = next((r for r in ours if r["sessions"] >= 10000), None)
    if at_10k:
        kb = at_10k["server_rss_bytes_per_session"] / 1000
        lines.append(f"Target ≤ 8 kB per session at 10,000 sessions: {kb:.1f} kB, "
                     f"{verdict(kb, 8.0)}.")
    else:
        most = max((r["sessions"] for r in ours), default=0)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        needed = 2 * (10000 + 16) + 256  # bench idle's sum: two per session in the server
        why = (f"10,000 sessions need {needed} descriptors and this machine's hard limit is "
               f"{hard}, which only CAP_SYS_RESOURCE could raise" if needed > hard
               else "it was not run at 10,000 in this run")
        lines.append(f"Target ≤ 8 kB per session at 10,000 sessions: not measured, since {why}; "
                     f"the largest run was {most} sessions.")
    lines.append("")
    return lines


def micro_section(res):
    path = os.path.join(res, "micro.json")
    if not os.path.exists(path):
        return ["### Micro-benchmarks", "", "Not run.", ""]
    data = json.load(open(path))
    lines = ["### Micro-benchmarks (`securechat_bench_micro`, mean of the repetitions)", "",
             "| benchmark | real time | CPU time | throughput |", "| --- | --- | --- | --- |"]
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "mean") != "mean":
            continue
        name = b.get("run_name", b["name"])
        unit = b.get("time_unit", "ns")
        real, cpu = b["real_time"], b["cpu_time"]
        if unit == "ns" and cpu >= 1000:
            real, cpu, unit = real / 1000, cpu / 1000, "µs"
        rate = ""
        if "bytes_per_second" in b:
            rate = f"{b['bytes_per_second'] / 1e6:.0f} MB/s"
        lines.append(f"| {name} | {real:.3g} {unit} | {cpu:.3g} {unit} | "
                     f"{rate} |")
    lines.append("")
    return lines


def relay_section(res):
    mqtt = [r for r in results(os.path.join(res, "anchor-mqtt.txt")) if r.get("mode") == "relay"]
    lines = ["### Relay and login storm", "",
             "Ours: not measured; `securechat bench relay` and `bench login` are not built yet, so "
             "the relay and login targets can be neither met nor missed. The peer's figures from "
             "this run, for the comparison to come (mosquitto signs nothing per message and stores "
             "nothing durably at QoS 1):", ""]
    if not mqtt:
        return lines + ["(mosquitto was not run.)", ""]
    lines += ["| label | pairs | QoS | window | rate | msg/s | p50 µs | p99 µs |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in mqtt:
        if not r.get("label", "").startswith("mtls"):
            continue
        lines.append(f"| {r['label']} | {r['pairs']} | {r['qos']} | {r['window']} | {r['rate']} | "
                     f"{r['msg_per_s']} | {r['p50_us']} | {r['p99_us']} |")
    lines.append("")
    return lines


def generated(res):
    started = open(os.path.join(res, "started.txt")).read().strip() \
        if os.path.exists(os.path.join(res, "started.txt")) else "?"
    commands = open(os.path.join(res, "commands.txt")).read().splitlines() \
        if os.path.exists(os.path.join(res, "commands.txt")) else []
    lines = [BEGIN, "", "## The last `scripts/bench.sh` run", "",
             f"Started {started} on {machine()}. The server ran with one I/O thread (`--io-threads 1`"
             f" is each scenario's default): `openssl s_server` and mosquitto are single-threaded, "
             f"so each side had one core for its connections and the load generator the other.",
             "", "Commands, in order:", "", "```sh"] + commands + ["```", ""]
    lines += handshake_section(res) + idle_section(res) + relay_section(res) + micro_section(res)
    lines.append(END)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--doc", required=True)
    args = ap.parse_args()
    text = open(args.doc).read()
    section = generated(args.results)
    if BEGIN in text and END in text:
        head = text[:text.index(BEGIN)]
        tail = text[text.index(END) + len(END):].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.doc, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
