/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capabilities.h - what the C agent declares in its "ready" event
 * (tests/conformance/PROTOCOL.md, "Capabilities"): libnfqueue does
 * everything the protocol knows, so every name of every kind.
 */
#ifndef AGENT_CAPABILITIES_H
#define AGENT_CAPABILITIES_H

#define AGENT_PROTOCOL 2

#define AGENT_CAPABILITIES \
	"{\"options\":[\"copy-mode\",\"copy-range\",\"max-len\",\"rcvbuf\"," \
	"\"no-enobufs\",\"default-verdict\",\"netns\",\"adopt-socket\",\"batch-size\"," \
	"\"payload-hex-max\",\"interruptible\"]," \
	"\"modes\":[\"run\",\"dispatch\",\"pull\"]," \
	"\"flags\":[\"fail-open\",\"conntrack\",\"gso\",\"uid-gid\",\"secctx\"]," \
	"\"verdicts\":[\"accept\",\"drop\",\"repeat\",\"stop\",\"queue\",\"none\"]," \
	"\"retain\":[\"hold\",\"later\",\"batch\",\"free\",\"after_close\",\"expire\"]," \
	"\"plan\":[\"index\",\"contains\",\"queue_num\",\"bypass\",\"mark\",\"replace\"," \
	"\"fix_checksums\",\"second_verdict\",\"set_payload_len\",\"delay_ms\",\"release\"," \
	"\"late_by\",\"group\",\"verdicts\"]," \
	"\"attributes\":[\"orig_len\",\"mark\",\"timestamp\",\"indev\",\"outdev\",\"physindev\"," \
	"\"physoutdev\",\"ifnames\",\"hwaddr\",\"uid\",\"gid\",\"secctx\",\"skbinfo\",\"priority\"," \
	"\"vlan\",\"l2hdr\",\"ct\"]," \
	"\"reports\":[\"enobufs\"]}"

#endif
