// SPDX-License-Identifier: GPL-2.0-or-later

package main

// How the agent writes its events (PROTOCOL.md, "What the agent
// reports"): one JSON object per line, members in the order they were
// added, written whole under a lock so lines of goroutines never mix.

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"sync"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

type member struct {
	key   string
	value any
}

// event is one JSON object whose members keep their order.
type event struct{ members []member }

func newEvent(name string) *event {
	return &event{members: []member{{"event", name}}}
}

func (e *event) set(key string, value any) *event {
	for i := range e.members {
		if e.members[i].key == key {
			e.members[i].value = value
			return e
		}
	}
	e.members = append(e.members, member{key, value})
	return e
}

func (e *event) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, m := range e.members {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(m.key)
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}

var emitLock sync.Mutex

func (e *event) emit() {
	line, err := json.Marshal(e)
	if err != nil {
		line, _ = json.Marshal(map[string]string{"event": "error", "call": "agent", "name": "json",
			"message": err.Error()})
	}
	emitLock.Lock()
	defer emitLock.Unlock()
	_, _ = os.Stdout.Write(append(line, '\n'))
}

// The protocol names errors as nfqueue.h does.
var errorNames = []struct {
	sentinel error
	name     string
}{
	{nfqueue.ErrPermission, "NFQUEUE_E_PERM"},
	{nfqueue.ErrNotFound, "NFQUEUE_E_NOENT"},
	{nfqueue.ErrInterrupted, "NFQUEUE_E_INTR"},
	{nfqueue.ErrIO, "NFQUEUE_E_IO"},
	{nfqueue.ErrAgain, "NFQUEUE_E_AGAIN"},
	{nfqueue.ErrNoMem, "NFQUEUE_E_NOMEM"},
	{nfqueue.ErrBusy, "NFQUEUE_E_BUSY"},
	{nfqueue.ErrInvalid, "NFQUEUE_E_INVAL"},
	{nfqueue.ErrNoAttr, "NFQUEUE_E_NOATTR"},
	{nfqueue.ErrTooBig, "NFQUEUE_E_TOOBIG"},
	{nfqueue.ErrUnsupported, "NFQUEUE_E_NOTSUP"},
	{nfqueue.ErrNoBufs, "NFQUEUE_E_NOBUFS"},
	{nfqueue.ErrClosed, "NFQUEUE_E_CLOSED"},
	{nfqueue.ErrVerdictGiven, "NFQUEUE_E_VERDICT_GIVEN"},
	{nfqueue.ErrExpired, "NFQUEUE_E_EXPIRED"},
	{nfqueue.ErrStopped, "NFQUEUE_E_STOPPED"},
	{nfqueue.ErrCallback, "NFQUEUE_E_CALLBACK"},
}

// errorName is "NFQUEUE_E_BUSY" for a busy error; "UNKNOWN" for a code
// the table lacks, so a case expecting a name fails visibly.
func errorName(err error) string {
	for _, n := range errorNames {
		if errors.Is(err, n.sentinel) {
			return n.name
		}
	}
	return "UNKNOWN"
}

// result is "ok" or the error's name: the outcome of a call.
func result(err error) string {
	if err == nil {
		return "ok"
	}
	return errorName(err)
}

// message is the library's detail message, as it wrote it.
func message(err error) string {
	var e *nfqueue.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func errorCode(err error) int {
	var e *nfqueue.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// outcome puts result(err) under key, and the message under messageKey
// when it failed (and messageKey is not "").
func (e *event) outcome(err error, key, messageKey string) bool {
	e.set(key, result(err))
	if err != nil && messageKey != "" {
		e.set(messageKey, message(err))
	}
	return err == nil
}

func errorEvent(call string, err error) *event {
	var e *nfqueue.Error
	if errors.As(err, &e) && e.Op != "" {
		call = e.Op
	}
	return newEvent("error").set("call", call).set("code", errorCode(err)).
		set("name", errorName(err)).set("message", message(err))
}

func hexOrNil(b []byte, ok bool) any {
	if !ok {
		return nil
	}
	return hex.EncodeToString(b)
}

func u32OrNil(v uint32, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// packetMembers adds every metadata member of a "packet" event.
func packetMembers(e *event, p *nfqueue.Packet, hexMax int) {
	e.set("id", p.ID()).set("queue", p.QueueNum()).set("hw_protocol", p.HWProtocol()).
		set("hook", int(p.Hook()))
	e.set("mark", u32OrNil(p.Mark()))
	if ts, ok := p.Timestamp(); ok {
		e.set("timestamp", []int64{ts.Unix(), int64(ts.Nanosecond() / 1000)})
	} else {
		e.set("timestamp", nil)
	}
	for _, dev := range []struct {
		which     nfqueue.Iface
		key, name string
	}{
		{nfqueue.IfaceIn, "indev", "indev_name"},
		{nfqueue.IfaceOut, "outdev", "outdev_name"},
		{nfqueue.IfacePhysIn, "physindev", "physindev_name"},
		{nfqueue.IfacePhysOut, "physoutdev", "physoutdev_name"},
	} {
		index, ok := p.IfIndex(dev.which)
		e.set(dev.key, u32OrNil(index, ok))
		name, err := p.IfName(dev.which)
		switch {
		case err == nil:
			e.set(dev.name, name)
		case errors.Is(err, nfqueue.ErrNoAttr):
			e.set(dev.name, nil)
		default:
			e.set(dev.name, errorName(err))
		}
	}
	e.set("hwaddr", hexOrNil(p.HWAddr()))
	e.set("uid", u32OrNil(p.UID()))
	e.set("gid", u32OrNil(p.GID()))
	if s, ok := p.Secctx(); ok {
		e.set("secctx", s)
	} else {
		e.set("secctx", nil)
	}
	if v, ok := p.SkbInfo(); ok {
		e.set("skbinfo", uint32(v))
	} else {
		e.set("skbinfo", nil)
	}
	e.set("priority", u32OrNil(p.Priority()))
	if proto, tci, ok := p.VLAN(); ok {
		e.set("vlan", map[string]uint16{"proto": proto, "tci": tci})
	} else {
		e.set("vlan", nil)
	}
	e.set("l2hdr", hexOrNil(p.L2Hdr()))
	e.set("ct_info", u32OrNil(p.CtInfo()))
	e.set("ct_id", u32OrNil(p.CtID()))
	e.set("ct_status", u32OrNil(p.CtStatus()))
	e.set("orig_len", u32OrNil(p.OrigLen()))
	payload, err := p.PayloadErr()
	switch {
	case err == nil:
		e.set("payload_len", len(payload))
		e.set("payload_hex", hex.EncodeToString(payload[:min(len(payload), hexMax)]))
	case errors.Is(err, nfqueue.ErrNoAttr):
		e.set("payload_len", nil).set("payload_hex", nil)
	default:
		e.set("payload_len", errorName(err)).set("payload_hex", nil)
	}
}
