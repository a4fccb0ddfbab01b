// SPDX-License-Identifier: GPL-2.0-or-later

package main

// The verdict plan (PROTOCOL.md, "The verdict plan"): the --plan JSON
// read into rules, and the rule for each packet. A plan the agent does not
// fully understand is refused as a USAGE error, never half followed.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

var planVerdicts = []string{"accept", "drop", "repeat", "stop", "queue", "none"}
var planRetains = []string{"no", "hold", "later", "batch", "free", "after_close", "expire"}

type rule struct {
	// Selectors: the rule applies when every one present matches.
	index    *int64
	contains []byte
	// Actions.
	verdict       string
	queueNum      uint32
	bypass        bool
	mark          *uint32
	replaceFrom   []byte
	replaceTo     []byte
	fixChecksums  bool
	secondVerdict string // "" when none
	setPayloadLen *uint32
	retain        string
	delayMS       uint32
	release       bool
	lateBy        int64 // 0 when none
}

var acceptAll = &rule{verdict: "accept", fixChecksums: true, retain: "no"}

func (r *rule) matches(index int64, payload []byte) bool {
	if r.index != nil && *r.index != index {
		return false
	}
	if r.contains != nil && (payload == nil || !bytes.Contains(payload, r.contains)) {
		return false
	}
	return true
}

// label is "accept", "queue:2", "queue:2:bypass", ... as in the events.
func (r *rule) label(verdict string) string {
	if verdict == "queue" {
		s := "queue:" + strconv.FormatUint(uint64(r.queueNum), 10)
		if r.bypass {
			s += ":bypass"
		}
		return s
	}
	return verdict
}

type plan struct {
	rules    []*rule
	group    int
	together bool
}

func (p *plan) match(index int64, payload []byte) *rule {
	for _, r := range p.rules {
		if r.matches(index, payload) {
			return r
		}
	}
	return acceptAll
}

type planError string

func (e planError) Error() string { return string(e) }

func fail(format string, args ...any) error { return planError(fmt.Sprintf(format, args...)) }

func asInt(v any, what string, lo, hi int64) (int64, error) {
	n, ok := v.(json.Number)
	if ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= lo && i <= hi {
			return i, nil
		}
	}
	if hi == 1<<62 {
		return 0, fail("%s must be a non-negative integer", what)
	}
	return 0, fail("%s must be an integer in %d..%d", what, lo, hi)
}

func asU32(v any, what string) (uint32, error) {
	i, err := asInt(v, what, 0, 0xFFFFFFFF)
	return uint32(i), err
}

func asBool(v any, what string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fail("%s must be true or false", what)
	}
	return b, nil
}

func asHex(v any, what string) ([]byte, error) {
	s, ok := v.(string)
	if ok && s != "" {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fail("%s must be a non-empty string of hex digits", what)
}

func asChoice(v any, names []string, what string) (string, error) {
	s, ok := v.(string)
	if ok {
		for _, n := range names {
			if s == n {
				return s, nil
			}
		}
	}
	return "", fail("%s must be one of %s", what, strings.Join(names, ", "))
}

var ruleMembers = map[string]bool{
	"index": true, "contains": true, "verdict": true, "queue_num": true, "bypass": true,
	"mark": true, "replace": true, "fix_checksums": true, "second_verdict": true,
	"retain": true, "delay_ms": true, "set_payload_len": true, "release": true, "late_by": true,
}

func unknownMember(o map[string]any, known map[string]bool) string {
	var unknown []string
	for k := range o {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		return unknown[0]
	}
	return ""
}

func parseRule(v any) (*rule, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fail("each rule must be an object")
	}
	if k := unknownMember(o, ruleMembers); k != "" {
		return nil, fail("unknown rule member %q", k)
	}
	r := &rule{verdict: "accept", fixChecksums: true, retain: "no"}
	var err error
	get := func(key string, read func(any) error) {
		if err != nil {
			return
		}
		if x, ok := o[key]; ok {
			err = read(x)
		}
	}
	get("index", func(x any) error {
		i, e := asInt(x, "index", 0, 1<<62)
		r.index = &i
		return e
	})
	get("contains", func(x any) (e error) { r.contains, e = asHex(x, "contains"); return })
	get("verdict", func(x any) (e error) { r.verdict, e = asChoice(x, planVerdicts, "verdict"); return })
	get("queue_num", func(x any) (e error) { r.queueNum, e = asU32(x, "queue_num"); return })
	get("bypass", func(x any) (e error) { r.bypass, e = asBool(x, "bypass"); return })
	get("mark", func(x any) error {
		m, e := asU32(x, "mark")
		r.mark = &m
		return e
	})
	get("replace", func(x any) error {
		rep, ok := x.(map[string]any)
		if !ok || len(rep) != 2 || rep["from"] == nil || rep["to"] == nil {
			return fail(`replace needs exactly "from" and "to"`)
		}
		var e error
		if r.replaceFrom, e = asHex(rep["from"], "replace.from"); e != nil {
			return e
		}
		if r.replaceTo, e = asHex(rep["to"], "replace.to"); e != nil {
			return e
		}
		if len(r.replaceFrom) != len(r.replaceTo) {
			return fail("replace.from and replace.to must have the same length")
		}
		return nil
	})
	get("fix_checksums", func(x any) (e error) { r.fixChecksums, e = asBool(x, "fix_checksums"); return })
	get("second_verdict", func(x any) (e error) {
		r.secondVerdict, e = asChoice(x, planVerdicts, "second_verdict")
		return
	})
	get("retain", func(x any) (e error) { r.retain, e = asChoice(x, planRetains, "retain"); return })
	get("delay_ms", func(x any) (e error) { r.delayMS, e = asU32(x, "delay_ms"); return })
	get("set_payload_len", func(x any) error {
		n, e := asU32(x, "set_payload_len")
		r.setPayloadLen = &n
		return e
	})
	get("release", func(x any) (e error) { r.release, e = asBool(x, "release"); return })
	get("late_by", func(x any) (e error) {
		r.lateBy, e = asInt(x, "late_by", 1, 0xFFFFFFFF)
		return
	})
	if err != nil {
		return nil, err
	}
	// A released packet's fate is the default verdict: nothing else may
	// be asked of it, or the case would not say what it tests.
	if r.release && (r.verdict != "none" || r.retain != "no" || r.mark != nil ||
		r.replaceFrom != nil || r.secondVerdict != "" || r.setPayloadLen != nil) {
		return nil, fail(`release needs "verdict": "none" and takes no retain, mark, replace, ` +
			`second_verdict or set_payload_len`)
	}
	if r.lateBy != 0 && r.retain != "expire" {
		return nil, fail(`late_by needs "retain": "expire"`)
	}
	// Both try their verdict late, to see it refused: there must be one.
	if (r.retain == "after_close" || r.retain == "expire") && r.verdict == "none" {
		return nil, fail("retain %q needs a verdict to try late", r.retain)
	}
	if r.retain == "batch" && (r.verdict == "queue" || r.verdict == "none") {
		return nil, fail("a batch verdict must be accept, drop, repeat or stop")
	}
	return r, nil
}

var planMembers = map[string]bool{"group": true, "rules": true, "verdicts": true}

func parsePlan(text string) (*plan, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fail("--plan is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, fail("--plan is not valid JSON: more than one value")
	}
	o, ok := root.(map[string]any)
	if !ok {
		return nil, fail("--plan must be a JSON object")
	}
	if k := unknownMember(o, planMembers); k != "" {
		return nil, fail("unknown plan member %q: use group, rules, verdicts", k)
	}
	p := &plan{group: 1}
	if v, ok := o["verdicts"]; ok {
		s, err := asChoice(v, []string{"each", "together"}, "verdicts")
		if err != nil {
			return nil, err
		}
		p.together = s == "together"
	}
	if v, ok := o["group"]; ok {
		g, err := asInt(v, "group", 1, 4096)
		if err != nil {
			return nil, err
		}
		p.group = int(g)
	}
	if v, ok := o["rules"]; ok {
		list, ok := v.([]any)
		if !ok {
			return nil, fail("rules must be an array")
		}
		for _, item := range list {
			r, err := parseRule(item)
			if err != nil {
				return nil, err
			}
			p.rules = append(p.rules, r)
		}
	}
	return p, nil
}
