# SPDX-License-Identifier: GPL-2.0-or-later
"""Drop every UDP datagram of queue QUEUE whose payload holds PATTERN,
accept the rest; on Ctrl+C or SIGTERM print what was judged and what the
kernel lost (the queue's own counters).

    iptables -A OUTPUT -p udp --dport 5353 -j NFQUEUE --queue-num 1
    python drop_matching.py 1 secret
"""
import signal
import sys

import nfqueue

UDP_PAYLOAD = 28  # IPv4 header (no options) and UDP header


def main(queue_num, pattern):
    judged = {"accepted": 0, "dropped": 0}

    def judge(packet):
        if pattern in bytes(packet.payload[UDP_PAYLOAD:]):
            packet.drop()
            judged["dropped"] += 1
        else:
            packet.accept()
            judged["accepted"] += 1

    with nfqueue.Queue(queue_num) as queue:
        signal.signal(signal.SIGTERM, lambda *_: queue.stop())
        try:
            queue.run(judge)
        except KeyboardInterrupt:
            pass
        stats = queue.stats()
    print(f"accepted {judged['accepted']}, dropped {judged['dropped']}; "
          f"lost by the kernel: {stats.user_dropped} (socket buffer), "
          f"{stats.queue_dropped} (queue full)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2].encode())
