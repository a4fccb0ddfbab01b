// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Callback-driven C loops that the package serves with the pull call
// instead (no C code calls back into Go), and why.
var servedOtherwise = map[string]string{
	"nfqueue_queue_run":      "Run is built on nfqueue_queue_pull",
	"nfqueue_queue_dispatch": "TryRecv (pull without waiting) with FD",
}

// Getters whose values come from the one nfqueue_packet_attrs call a
// receive makes per packet, each with the Packet method that reads it.
var readFromAttrs = map[string]string{
	"nfqueue_packet_ct_id": "CtID", "nfqueue_packet_ct_info": "CtInfo",
	"nfqueue_packet_ct_status": "CtStatus", "nfqueue_packet_gid": "GID",
	"nfqueue_packet_hook": "Hook", "nfqueue_packet_hw_protocol": "HWProtocol",
	"nfqueue_packet_hwaddr": "HWAddr", "nfqueue_packet_id": "ID",
	"nfqueue_packet_ifindex": "IfIndex", "nfqueue_packet_l2hdr": "L2Hdr",
	"nfqueue_packet_mark": "Mark", "nfqueue_packet_orig_len": "OrigLen",
	"nfqueue_packet_priority": "Priority", "nfqueue_packet_queue_num": "QueueNum",
	"nfqueue_packet_secctx": "Secctx", "nfqueue_packet_skbinfo": "SkbInfo",
	"nfqueue_packet_timestamp": "Timestamp", "nfqueue_packet_uid": "UID",
	"nfqueue_packet_vlan": "VLAN",
}

// Every function the library exports (capi/libnfqueue.map) has a Go
// counterpart: a C call in the package's sources, or an entry above.
func TestEveryLibraryFunctionIsCovered(t *testing.T) {
	mapFile, err := os.ReadFile(filepath.Join("..", "capi", "libnfqueue.map"))
	if err != nil {
		t.Skipf("no version script beside the package (not a checkout): %v", err)
	}
	var sources strings.Builder
	for _, pattern := range []string{"*.go", "*.c"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources.Write(b)
		}
	}
	src := sources.String()
	symbols := regexp.MustCompile(`(?m)^\s*(nfqueue_[a-z0-9_]+);`).FindAllStringSubmatch(string(mapFile), -1)
	if len(symbols) < 50 {
		t.Fatalf("only %d symbols read from the version script", len(symbols))
	}
	for _, m := range symbols {
		name := m[1]
		if _, ok := servedOtherwise[name]; ok {
			continue
		}
		if method, ok := readFromAttrs[name]; ok {
			if !strings.Contains(src, "func (p *Packet) "+method+"(") {
				t.Errorf("%s: no Packet.%s", name, method)
			}
			continue
		}
		if !strings.Contains(src, "C."+name+"(") && !strings.Contains(src, name+"(") {
			t.Errorf("%s has no Go counterpart", name)
		}
	}
}
