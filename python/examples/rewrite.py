# SPDX-License-Identifier: GPL-2.0-or-later
"""Rewrite UDP datagrams of queue QUEUE on their way: replace the bytes
FROM with TO (of the same length) in the payload, fix the IP and UDP
checksums, and let the packet go on with its new payload.

    iptables -A OUTPUT -p udp --dport 5353 -j NFQUEUE --queue-num 1
    python rewrite.py 1 hello HOWDY
"""
import signal
import sys

import nfqueue
from nfqueue import checksum


def main(queue_num, old, new):
    if len(old) != len(new):
        sys.exit("FROM and TO must have the same length")

    def rewrite(packet):
        data = bytearray(packet.payload)
        at = data.find(old)
        if at < 0:
            packet.accept()
            return
        data[at:at + len(old)] = new
        checksum.update(data)  # the IPv4 header and the UDP checksum
        packet.accept(payload=data)

    with nfqueue.Queue(queue_num) as queue:
        signal.signal(signal.SIGTERM, lambda *_: queue.stop())
        try:
            queue.run(rewrite)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode())
