# SPDX-License-Identifier: GPL-2.0-or-later
"""IP protocol numbers and their names, as ``Packet.__str__`` reports them.

The names are the keywords of IANA's "Assigned Internet Protocol Numbers"
registry for 0..140, plus 255. NetfilterQueue 1.1 publishes this table
as ``netfilterqueue.PROTOCOLS``, and programs print or compare its
values, so two spellings follow the registry as NetfilterQueue shipped
it rather than as it reads today: 4 is "IP" (now "IPv4"), and the five
numbers the registry gives no keyword carry their description instead.
"""
from __future__ import annotations

from typing import Dict

# Keywords in protocol-number order, ten to a line (0-9, 10-19, ...).
# "*" marks a number without a keyword, named in _DESCRIBED below.
_KEYWORDS = """
    HOPOPT ICMP IGMP GGP IP ST TCP CBT EGP IGP
    BBN-RCC-MON NVP-II PUP ARGUS EMCON XNET CHAOS UDP MUX DCN-MEAS
    HMP PRM XNS-IDP TRUNK-1 TRUNK-2 LEAF-1 LEAF-2 RDP IRTP ISO-TP4
    NETBLT MFE-NSP MERIT-INP DCCP 3PC IDPR XTP DDP IDPR-CMTP TP++
    IL IPv6 SDRP IPv6-Route IPv6-Frag IDRP RSVP GRE DSR BNA
    ESP AH I-NLSP SWIPE NARP MOBILE TLSP SKIP IPv6-ICMP IPv6-NoNxt
    IPv6-Opts * CFTP * SAT-EXPAK KRYPTOLAN RVD IPPC * SAT-MON
    VISA IPCV CPNX CPHB WSN PVP BR-SAT-MON SUN-ND WB-MON WB-EXPAK
    ISO-IP VMTP SECURE-VMTP VINES TTP NSFNET-IGP DGP TCF EIGRP OSPFIGP
    Sprite-RPC LARP MTP AX.25 IPIP MICP SCC-SP ETHERIP ENCAP *
    GMTP IFMP PNNI PIM ARIS SCPS QNX A/N IPComp SNP
    Compaq-Peer IPX-in-IP VRRP PGM * L2TP DDX IATP STP SRP
    UTI SMP SM PTP ISIS FIRE CRTP CRUDP SSCOPMCE IPLT
    SPS PIPE SCTP FC RSVP-E2E-IGNORE Mobility UDPLite MPLS-in-IP manet HIP
    Shim6
"""

_DESCRIBED = {
    61: "any host internal protocol",
    63: "any local network",
    68: "any distributed file system",
    99: "any private encryption scheme",
    114: "any 0-hop protocol",
}


def _table() -> Dict[int, str]:
    table = {}
    for number, keyword in enumerate(_KEYWORDS.split()):
        table[number] = _DESCRIBED[number] if keyword == "*" else keyword
    assert len(table) == 141 and set(_DESCRIBED) <= set(table)
    table[255] = "Reserved"
    return table


PROTOCOLS: Dict[int, str] = _table()
