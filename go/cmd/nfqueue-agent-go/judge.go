// SPDX-License-Identifier: GPL-2.0-or-later

package main

// What the agent does with each packet: find its rule, report it, rewrite
// and mark it, and verdict it now or keep it for later (held, verdicted
// from another goroutine, by a batch verdict, after the queue closed,
// through a handle that expired on purpose, or all of a batch in one call).
//
// The package has no separate "set mark" or "set payload" call: a mark and
// a new payload travel with the verdict (p.Accept(nfqueue.WithMark(7))),
// as a Go program writes it. So the outcome of setting them is the
// outcome of the verdict that carries them.

import (
	"bytes"
	"errors"
	"sync"
	"time"

	nfqueue "github.com/nfqueue/nfqueue/go"
)

// kept is a packet kept past its handling, and what the plan said of it.
type kept struct {
	packet  *nfqueue.Packet
	rule    *rule
	index   int64
	id      uint32 // noted while the handle was valid
	payload []byte // a new payload for its later verdict
	due     int64  // late_by: used at the start of packet `due`; -1: at once
}

// pending is a packet of a "together" batch awaiting the one call.
type pending struct {
	kept
	event *event
}

type judge struct {
	plan            *plan
	queue           *nfqueue.Queue
	hexMax          int
	staleAtCallback bool // run, dispatch: a packet expires when its handling ends
	nextIndex       int64

	held, later, batch, afterClose, stale []*kept
	together                              []*pending
	laterWG                               sync.WaitGroup
}

var plainVerdicts = map[string]nfqueue.Verdict{
	"accept": nfqueue.Accept, "drop": nfqueue.Drop, "repeat": nfqueue.Repeat, "stop": nfqueue.Stop,
}

// give verdicts p as the plan names it, with what rides on the verdict.
func give(p *nfqueue.Packet, verdict string, r *rule, mark *uint32, payload []byte) error {
	var opts []nfqueue.Option
	if mark != nil {
		opts = append(opts, nfqueue.WithMark(*mark))
	}
	if payload != nil {
		opts = append(opts, nfqueue.WithPayload(payload))
	}
	switch verdict {
	case "none":
		return nil
	case "queue":
		return p.QueueTo(r.queueNum, r.bypass, opts...)
	}
	return p.Verdict(plainVerdicts[verdict], opts...)
}

// handle judges one packet; it reports whether the agent keeps the
// *Packet (so that a receive must not reuse it) and whether it retained it.
func (j *judge) handle(p *nfqueue.Packet, thread string) (keep, retained bool) {
	index := j.nextIndex
	j.nextIndex++
	if j.staleAtCallback {
		j.useStale(func(k *kept) bool { return k.due < 0 }) // an earlier handling ended
	}
	j.useStale(func(k *kept) bool { return k.due >= 0 && k.due <= index })
	payload := p.Payload()
	r := j.plan.match(index, payload)
	if r.delayMS > 0 {
		time.Sleep(time.Duration(r.delayMS) * time.Millisecond) // a slow consumer
	}

	e := newEvent("packet").set("index", index)
	packetMembers(e, p, j.hexMax) // before any change
	e.set("thread", thread)

	if r.release {
		// Ended now: it gets the default verdict, the handle expires.
		e.outcome(p.Release(), "release_result", "release_message")
		_, err := p.PayloadErr()
		e.outcome(err, "after_release_result", "after_release_message")
		e.set("verdict", "none").set("result", "ok")
		e.emit()
		return false, false
	}
	newPayload := j.newPayload(e, payload, r)

	if j.plan.together && r.retain == "no" && r.verdict != "none" {
		if r.replaceFrom != nil && newPayload != nil && r.setPayloadLen == nil {
			e.set("rewrite_result", "ok") // handed to the call
		}
		j.together = append(j.together, &pending{kept{packet: p, rule: r, index: index, id: p.ID(),
			payload: newPayload}, e})
		return true, false
	}
	switch r.retain {
	case "expire":
		// Not retained, no verdict: it expires with the default verdict.
		// Only the handle is kept, to be used (wrongly, on purpose) later.
		k := &kept{packet: p, rule: r, index: index, id: p.ID(), due: -1}
		if r.lateBy > 0 {
			k.due = index + r.lateBy
		}
		j.stale = append(j.stale, k)
		e.set("verdict", "expire").set("result", "ok")
		e.emit()
		return true, false
	case "no":
		j.verdictNow(e, p, r, newPayload)
		e.emit()
		return false, false
	}
	e.set("verdict", r.retain)
	if _, err := p.Retain(); !e.outcome(err, "result", "") {
		e.emit()
		return false, false
	}
	e.emit()
	k := &kept{packet: p, rule: r, index: index, id: p.ID(), payload: newPayload, due: -1}
	switch r.retain {
	case "free":
		_ = p.Release() // no verdict: the free gives the default verdict
	case "hold":
		j.held = append(j.held, k)
	case "later":
		j.later = append(j.later, k)
	case "batch":
		j.batch = append(j.batch, k)
	case "after_close":
		j.afterClose = append(j.afterClose, k)
	}
	if len(j.later) >= j.plan.group {
		j.startLaterGroup()
	}
	if len(j.batch) >= j.plan.group {
		j.verdictBatchGroup()
	}
	return true, true
}

// newPayload is the replacement the rule asks for (replace, then
// set_payload_len, as the C agent applies them), or nil.
func (j *judge) newPayload(e *event, payload []byte, r *rule) []byte {
	var out []byte
	if r.replaceFrom != nil {
		at := -1
		if payload != nil {
			at = bytes.Index(payload, r.replaceFrom)
		}
		switch {
		case payload == nil:
			e.set("rewrite_result", "NFQUEUE_E_NOATTR") // copy mode meta: nothing to edit
		case at < 0:
			e.set("rewrite_result", "not_found")
		default:
			out = bytes.Clone(payload)
			copy(out[at:], r.replaceTo)
			if r.fixChecksums {
				e.outcome(nfqueue.UpdateChecksums(out), "checksum_result", "")
			}
			e.set("rewritten_hex", hexOrNil(out, true))
		}
	}
	if r.setPayloadLen != nil {
		// The packet's own bytes, cut or padded with zeros.
		out = make([]byte, *r.setPayloadLen)
		copy(out, payload)
	}
	return out
}

func (j *judge) verdictNow(e *event, p *nfqueue.Packet, r *rule, payload []byte) {
	e.set("verdict", r.label(r.verdict))
	if r.verdict == "none" {
		payload = nil // no verdict to carry it
	}
	payloadKey, payloadMessage := "", ""
	if payload != nil {
		if r.setPayloadLen != nil {
			payloadKey, payloadMessage = "set_payload_result", "set_payload_message"
		} else {
			payloadKey = "rewrite_result"
		}
	}
	err := give(p, r.verdict, r, r.mark, payload)
	if errors.Is(err, nfqueue.ErrTooBig) && payloadKey != "" {
		// Refused before anything was sent: the packet gets its verdict
		// unchanged, as the C agent's failed set_payload leaves it.
		e.outcome(err, payloadKey, payloadMessage)
		payloadKey = ""
		err = give(p, r.verdict, r, r.mark, nil)
	}
	e.outcome(err, "result", "")
	if payloadKey != "" {
		e.outcome(err, payloadKey, payloadMessage) // what rode on the verdict shares its fate
	}
	if r.mark != nil && r.verdict != "none" {
		e.set("set_mark_result", result(err))
	}
	if r.secondVerdict != "" {
		e.outcome(give(p, r.secondVerdict, r, nil, nil), "second_result", "")
	}
}

// ---- "later": a group verdicted newest first from another goroutine ----

func (j *judge) startLaterGroup() {
	j.joinLater()
	group := j.later
	j.later = nil
	j.laterWG.Add(1)
	go func() {
		defer j.laterWG.Done()
		for i := len(group) - 1; i >= 0; i-- {
			k := group[i]
			e := newEvent("verdict").set("index", k.index).set("id", k.packet.ID()).
				set("verdict", k.rule.label(k.rule.verdict))
			e.outcome(give(k.packet, k.rule.verdict, k.rule, k.rule.mark, k.payload), "result", "message")
			e.set("thread", "other")
			if k.rule.secondVerdict != "" {
				e.outcome(give(k.packet, k.rule.secondVerdict, k.rule, nil, nil), "second_result", "")
			}
			e.emit()
		}
		for _, k := range group {
			_ = k.packet.Release()
		}
	}()
}

func (j *judge) joinLater() { j.laterWG.Wait() }

// ---- "batch": a group verdicted with one batch verdict ----

func (j *judge) verdictBatchGroup() {
	group := j.batch
	j.batch = nil
	last := group[len(group)-1]
	r := last.rule
	e := newEvent("batch").set("up_to_id", last.id).set("count", len(group)).
		set("verdict", r.label(r.verdict))
	var err error
	if r.mark != nil {
		e.set("mark", *r.mark)
		err = j.queue.VerdictBatchMark(last.id, plainVerdicts[r.verdict], *r.mark)
	} else {
		err = j.queue.VerdictBatch(last.id, plainVerdicts[r.verdict])
	}
	e.outcome(err, "result", "")
	has := make([]bool, len(group))
	for i, k := range group {
		has[i] = k.packet.HasVerdict()
	}
	e.set("has_verdict", has)
	if r.secondVerdict != "" {
		e.outcome(give(group[0].packet, r.secondVerdict, r, nil, nil), "second_result", "")
	}
	e.emit()
	for _, k := range group {
		_ = k.packet.Release()
	}
}

// ---- "together": a pulled batch's verdicts in one call ----

func (j *judge) verdictsTogether() {
	if len(j.together) == 0 {
		return
	}
	specs := make([]nfqueue.VerdictSpec, len(j.together))
	ids := make([]uint32, len(j.together))
	for i, pv := range j.together {
		r := pv.rule
		s := &specs[i]
		s.Packet = pv.packet
		s.Verdict = plainVerdicts[r.verdict]
		if r.verdict == "queue" {
			s.ToQueue, s.QueueNum, s.Bypass = true, r.queueNum, r.bypass
		}
		if r.mark != nil {
			s.SetMark, s.Mark = true, *r.mark
		}
		s.Payload = pv.payload
		ids[i] = pv.id
	}
	err := j.queue.VerdictPackets(specs)
	for _, pv := range j.together {
		r := pv.rule
		pv.event.set("verdict", r.label(r.verdict))
		pv.event.outcome(err, "result", "")
		if r.secondVerdict != "" {
			pv.event.outcome(give(pv.packet, r.secondVerdict, r, nil, nil), "second_result", "")
		}
		pv.event.emit()
	}
	e := newEvent("verdicts").set("count", len(j.together)).set("ids", ids)
	e.outcome(err, "result", "")
	if err != nil {
		var ve *nfqueue.VerdictError
		if errors.As(err, &ve) {
			e.set("bad_index", ve.Index)
		}
		e.set("message", message(err))
	}
	e.emit()
	j.together = j.together[:0]
}

// ---- "expire" and "after_close": verdicts the package must refuse ----

// useStale uses the stale handles that due() picks: reads the payload and
// tries the verdict through each, and reports both outcomes.
func (j *judge) useStale(due func(*kept) bool) {
	rest := j.stale[:0]
	for _, k := range j.stale {
		if !due(k) {
			rest = append(rest, k)
			continue
		}
		e := newEvent("expired").set("index", k.index).set("id", k.id)
		_, err := k.packet.PayloadErr()
		e.outcome(err, "payload_result", "payload_message")
		e.set("verdict", k.rule.label(k.rule.verdict))
		e.outcome(give(k.packet, k.rule.verdict, k.rule, nil, nil), "verdict_result", "verdict_message")
		e.emit()
	}
	j.stale = rest
}

func (j *judge) useDueStale() { j.useStale(func(k *kept) bool { return k.due < 0 }) }
func (j *judge) useAllStale() { j.useStale(func(*kept) bool { return true }) }

// verdictAfterClose tries the verdict of each "after_close" packet.
func (j *judge) verdictAfterClose() {
	for _, k := range j.afterClose {
		e := newEvent("verdict").set("index", k.index).set("id", k.id).
			set("verdict", k.rule.label(k.rule.verdict))
		e.outcome(give(k.packet, k.rule.verdict, k.rule, k.rule.mark, nil), "result", "message")
		e.set("thread", "main")
		e.emit()
	}
}

// freeKept lets go of every packet still retained (after close, which
// gave each its default verdict).
func (j *judge) freeKept() {
	for _, list := range [][]*kept{j.held, j.later, j.batch, j.afterClose} {
		for _, k := range list {
			_ = k.packet.Release()
		}
	}
	j.held, j.later, j.batch, j.afterClose, j.stale = nil, nil, nil, nil, nil
}
