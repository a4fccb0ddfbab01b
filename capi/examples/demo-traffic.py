#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Traffic and report for scripts/demo.

  demo-traffic.py send DROP_PORT MARK_PORT REWRITE_PORT > results.json
      Run inside the demo's network namespace: listen on the three UDP
      ports of 127.0.0.1, send two datagrams to each, and report what was
      sent and what arrived as JSON. Each datagram goes out from its own
      socket, so its source port says which datagram a reception (and a
      line of the filter's log) belongs to.

  demo-traffic.py table results.json filter.log
      Join the sends, the filter's verdicts and the receptions into the
      table the demo prints.
"""
import json
import re
import select
import socket
import sys
import time

HOST = "127.0.0.1"
# How long to wait for datagrams that should arrive. Loopback delivers in
# microseconds; the margin covers a loaded machine.
WAIT_SECONDS = 1.5
GRACE_SECONDS = 0.3


def udp_checksum_errors():
    """The UDP InCsumErrors counter of this namespace (/proc/net/snmp)."""
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    names, values = lines[0], lines[1]
    return int(values[names.index("InCsumErrors")])


def send(drop_port, mark_port, rewrite_port):
    plan = [
        (drop_port, "ping #1"),
        (mark_port, "hello #1"),
        (rewrite_port, "pin=1234"),
        (drop_port, "ping #2"),
        (mark_port, "hello #2"),
        (rewrite_port, "card 4111-1111"),
    ]
    csum_errors_before = udp_checksum_errors()

    receivers = {}
    for port in {drop_port, mark_port, rewrite_port}:
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r.bind((HOST, port))
        r.setblocking(False)
        receivers[r] = port

    sent = []
    senders = []
    for port, text in plan:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((HOST, 0))
        s.sendto(text.encode(), (HOST, port))
        senders.append(s)  # keep it open: its port must not be reused yet
        sent.append({"dport": port, "sport": s.getsockname()[1], "sent": text})

    expected = sum(1 for port, _ in plan if port != drop_port)
    got = {}
    start = time.monotonic()
    # Wait for what should come, and at least GRACE for what should not
    # (a dropped datagram arriving after all would be a bug worth showing).
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= WAIT_SECONDS or (len(got) >= expected and elapsed >= GRACE_SECONDS):
            break
        ready, _, _ = select.select(list(receivers), [], [], 0.05)
        for r in ready:
            data, (_, sport) = r.recvfrom(65535)
            got[(receivers[r], sport)] = data.decode(errors="replace")

    for row in sent:
        row["received"] = got.get((row["dport"], row["sport"]))
    for s in senders + list(receivers):
        s.close()
    json.dump({"packets": sent,
               "udp_checksum_errors": udp_checksum_errors() - csum_errors_before},
              sys.stdout, indent=1)


LOG_LINE = re.compile(r'packet id=(\d+) sport=(\d+) dport=(\d+) payload="(.*?)" '
                      r'verdict=(\w+)(?: mark=(0x[0-9a-f]+))?(?: rewritten="(.*)")?$')


def table(results_path, log_path):
    with open(results_path) as f:
        results = json.load(f)
    verdicts = {}
    with open(log_path) as f:
        for line in f:
            m = LOG_LINE.match(line.strip())
            if m:
                pid, sport, dport, _, verdict, mark, rewritten = m.groups()
                text = verdict
                if mark:
                    text += ", mark " + mark
                if rewritten is not None:
                    text += ", payload rewritten"
                verdicts[(int(dport), int(sport))] = f"{text} (id {pid})"

    rows = [("#", "to port", "sent", "filter's verdict", "receiver got")]
    for i, p in enumerate(results["packets"], 1):
        got = p["received"]
        rows.append((str(i), str(p["dport"]), f'"{p["sent"]}"',
                     verdicts.get((p["dport"], p["sport"]), "(never queued)"),
                     "(nothing)" if got is None else f'"{got}"'))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print()
    errors = results["udp_checksum_errors"]
    if errors == 0:
        print("  UDP checksum errors at the receiver: 0 (nfqueue_checksum_update fixed the"
              " rewritten datagrams;\n  without it the receiving kernel would discard them)")
    else:
        print(f"  UDP checksum errors at the receiver: {errors}: datagrams with bad checksums"
              " were discarded")


def main(argv):
    if len(argv) == 5 and argv[1] == "send":
        send(*(int(a) for a in argv[2:]))
    elif len(argv) == 4 and argv[1] == "table":
        table(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
