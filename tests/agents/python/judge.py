# SPDX-License-Identifier: GPL-2.0-or-later
"""judge.py - what the Python agent does with each packet: find its rule in
the plan, report it, rewrite and mark it, and verdict it now or keep it for
later (held, verdicted from another thread, by a batch verdict, after the
queue closed, or through a handle that has expired on purpose).

The package has no separate "set mark" or "set payload" call: a mark and a
replacement payload travel with the verdict (packet.accept(mark=, payload=)),
as a Python user writes it. So the outcome of setting them is the outcome
of the verdict that carries them, and a packet kept for later carries them
to its later verdict.
"""
from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from typing import List, Optional

import nfqueue

import report
from plan import Plan, Rule
from report import Event, emit, error_message, error_name, outcome

_PLAIN = {"accept": nfqueue.Verdict.ACCEPT, "drop": nfqueue.Verdict.DROP,
          "repeat": nfqueue.Verdict.REPEAT, "stop": nfqueue.Verdict.STOP}


@dataclass
class Kept:
    """A packet kept past its callback, and what the plan said about it."""
    packet: "nfqueue.Packet"
    rule: Rule
    index: int
    id: int  # noted while the handle was valid: asking a stale one is a use
    payload: Optional[bytes] = None  # replacement payload for its later verdict


def give_verdict(packet: "nfqueue.Packet", verdict: str, rule: Rule,
                 mark: Optional[int] = None, payload: Optional[bytes] = None) -> None:
    """Verdict `packet` as the plan names it; raises the package's error."""
    if verdict == "none":
        return
    if verdict == "queue":
        packet.queue_to(rule.queue_num, bypass=rule.bypass, mark=mark, payload=payload)
    elif verdict == "accept":
        packet.accept(mark=mark, payload=payload)
    elif verdict == "repeat":
        packet.repeat(mark=mark, payload=payload)
    elif verdict == "stop":
        packet.stop(mark=mark, payload=payload)
    elif mark is None and payload is None:
        packet.drop()
    else:  # drop() takes neither: the generic form does
        packet.verdict(nfqueue.Verdict.DROP, mark=mark, payload=payload)


class Judge:
    def __init__(self, plan: Plan, hex_max: int, stale_at_callback: bool) -> None:
        self.plan = plan
        self.hex_max = hex_max
        # Whether a packet's callback starting means the earlier packets'
        # callbacks returned, so they expired (run); otherwise the consumer
        # calls use_stale() when its next receive call returned.
        self.stale_at_callback = stale_at_callback
        self.queue: Optional["nfqueue.Queue"] = None  # set once open, for batch verdicts
        self.next_index = 0
        self.main_thread = threading.get_ident()
        self.held: List[Kept] = []         # "hold": verdicted by close
        self.later: List[Kept] = []        # "later": filling up the next group
        self.batch: List[Kept] = []        # "batch": filling up the next group
        self.after_close: List[Kept] = []  # "after_close": verdict tried once closed
        # "expire": packets NOT retained, whose handles are kept to be used
        # (wrongly, on purpose) once they expired; with "late_by", only
        # once that many more packets were received.
        self.stale: List[Kept] = []
        # "verdicts": "together": this pulled batch's decisions, given in
        # one call by end_batch(), with the events they complete.
        self.together: List[tuple] = []
        self._later_thread: Optional[threading.Thread] = None

    def thread_label(self) -> str:
        return "main" if threading.get_ident() == self.main_thread else "other"

    # ---- one packet ----

    def on_packet(self, packet: "nfqueue.Packet") -> None:
        """The callback of run(), and what the other modes call per packet."""
        index = self.next_index
        self.next_index += 1
        self._use_late(index)
        if self.stale_at_callback:
            self.use_stale()  # an earlier packet's callback returned: expired
        try:
            view = packet.payload
            payload = None if view is None else bytes(view)
        except nfqueue.NfqueueError:
            payload = None  # no "contains" matches; the report names the error
        rule = self.plan.match(index, payload)
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000)  # a slow consumer: the kernel's messages pile up

        event: Event = {"event": "packet", "index": index}
        report.packet_members(event, packet, self.hex_max)  # before any change
        event["thread"] = self.thread_label()
        if rule.release:
            # End the borrow now: the default verdict goes at once, and the
            # handle must then report NFQUEUE_E_EXPIRED.
            outcome(packet.release, event, "release_result", "release_message")
            outcome(lambda: packet.payload, event, "after_release_result",
                    "after_release_message")
            event.update(verdict="none", result="ok")
            emit(event)
            return
        new_payload = self._new_payload(event, payload, rule)

        if rule.retain == "expire":
            # Not retained, no verdict: it expires with the default verdict.
            # Only its handle is kept, for use_stale().
            self.stale.append(Kept(packet, rule, index, packet.id))
            event.update(verdict="expire", result="ok")
            emit(event)
            return
        if rule.retain == "no" and self.plan.together and rule.verdict != "none":
            self.together.append((packet, event, rule, new_payload))
            return  # its event is written once end_batch() gave the verdicts
        if rule.retain == "no":
            self._verdict_now(event, packet, rule, new_payload)
            emit(event)
            return
        self._retain(event, packet, rule, index, new_payload)
        emit(event)
        if len(self.later) >= self.plan.group:
            self._start_later_group()
        if len(self.batch) >= self.plan.group:
            self._verdict_batch_group()

    def _new_payload(self, event: Event, payload: Optional[bytes], rule: Rule) -> Optional[bytes]:
        """The replacement payload the rule asks for (replace, then
        set_payload_len, as the C agent applies them), or None."""
        new: Optional[bytes] = None
        if rule.replace_from is not None and rule.replace_to is not None:
            at = -1 if payload is None else payload.find(rule.replace_from)
            if payload is None:
                event["rewrite_result"] = "NFQUEUE_E_NOATTR"  # copy mode meta: nothing to edit
            elif at < 0:
                event["rewrite_result"] = "not_found"
            else:
                buf = bytearray(payload)
                buf[at:at + len(rule.replace_to)] = rule.replace_to
                if rule.fix_checksums:
                    outcome(lambda: nfqueue.checksum.update(buf), event, "checksum_result")
                event["rewritten_hex"] = buf.hex()
                new = bytes(buf)
        if rule.set_payload_len is not None:
            # The packet's own bytes, cut or padded with zeros (all zeros
            # without a payload), to probe the size limit.
            new = (payload or b"")[:rule.set_payload_len].ljust(rule.set_payload_len, b"\0")
        return new

    def _payload_keys(self, rule: Rule) -> List[tuple]:
        """Where the outcome of setting the new payload is reported."""
        keys = []
        if rule.set_payload_len is not None:
            keys.append(("set_payload_result", "set_payload_message"))
        elif rule.replace_from is not None:
            keys.append(("rewrite_result", None))
        return keys

    def _verdict_now(self, event: Event, packet: "nfqueue.Packet", rule: Rule,
                     payload: Optional[bytes]) -> None:
        event["verdict"] = rule.verdict_label()
        if rule.verdict == "none":
            payload = None  # no verdict to carry it
        applied = self._payload_keys(rule) if payload is not None else []
        failure: Optional[nfqueue.NfqueueError] = None
        try:
            give_verdict(packet, rule.verdict, rule, rule.mark, payload)
        except nfqueue.PayloadTooLargeError as error:
            # Refused before the verdict was sent: the packet gets its
            # verdict unchanged, as with the C agent's failed set_payload.
            for key, message_key in applied:
                event[key] = error_name(error)
                if message_key:
                    event[message_key] = error_message(error)
            applied = []
            try:
                give_verdict(packet, rule.verdict, rule, rule.mark)
            except nfqueue.NfqueueError as again:
                failure = again
        except nfqueue.NfqueueError as error:
            failure = error
        event["result"] = "ok" if failure is None else error_name(failure)
        # What rode on the verdict shares its fate.
        for key, message_key in applied:
            event[key] = event["result"]
            if failure is not None and message_key:
                event[message_key] = error_message(failure)
        if rule.mark is not None and rule.verdict != "none":
            event["set_mark_result"] = event["result"]
        if rule.second_verdict is not None:
            outcome(lambda: give_verdict(packet, rule.second_verdict, rule),
                    event, "second_result")

    def _retain(self, event: Event, packet: "nfqueue.Packet", rule: Rule, index: int,
                payload: Optional[bytes]) -> None:
        event["verdict"] = rule.retain
        if not outcome(packet.retain, event, "result"):
            return
        if rule.retain == "free":
            # Let it go without a verdict, which gives the default verdict.
            packet.release()
            return
        kept = Kept(packet, rule, index, packet.id, payload)
        {"hold": self.held, "later": self.later, "batch": self.batch,
         "after_close": self.after_close}[rule.retain].append(kept)

    # ---- "later": a group verdicted in reverse order from another thread ----

    def _start_later_group(self) -> None:
        self.join_later()
        group, self.later = self.later, []
        self._later_thread = threading.Thread(target=self._verdict_later, args=(group,),
                                              name="later-verdicts")
        self._later_thread.start()

    def _verdict_later(self, group: List[Kept]) -> None:
        # Stop signals are for the main thread, which drives the queue (as
        # in the C agent); Python would run the handler there anyway, but
        # the kernel could otherwise interrupt this thread instead of the
        # main thread's wait.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        for kept in reversed(group):
            rule = kept.rule
            event: Event = {"event": "verdict", "index": kept.index, "id": kept.packet.id,
                            "verdict": rule.verdict_label()}
            outcome(lambda: give_verdict(kept.packet, rule.verdict, rule, rule.mark, kept.payload),
                    event, "result", "message")
            event["thread"] = self.thread_label()
            if rule.second_verdict is not None:
                outcome(lambda: give_verdict(kept.packet, rule.second_verdict, rule),
                        event, "second_result")
            emit(event)
        for kept in group:
            kept.packet.release()
        group.clear()

    def join_later(self) -> None:
        """Wait for a "later" group still being verdicted."""
        if self._later_thread is not None:
            self._later_thread.join()
            self._later_thread = None

    # ---- "batch": a group verdicted with one batch verdict ----

    def _verdict_batch_group(self) -> None:
        group, self.batch = self.batch, []
        rule = group[-1].rule
        up_to = group[-1].id
        assert self.queue is not None
        event: Event = {"event": "batch", "up_to_id": up_to, "count": len(group),
                        "verdict": rule.verdict_label()}
        if rule.mark is not None:
            event["mark"] = rule.mark
        outcome(lambda: self.queue.verdict_batch(up_to, verdict=_PLAIN[rule.verdict],
                                                 mark=rule.mark),
                event, "result")
        event["has_verdict"] = [kept.packet.verdict_given for kept in group]
        if rule.second_verdict is not None:
            outcome(lambda: give_verdict(group[0].packet, rule.second_verdict, rule),
                    event, "second_result")
        emit(event)

    # ---- "verdicts": "together": a pulled batch's verdicts in one call ----

    def end_batch(self) -> None:
        """After a pulled batch was handled: give every verdict the batch's
        packets wait for in one Queue.verdict_packets call, then write the
        "verdicts" event and the packets' own events."""
        together, self.together = self.together, []
        if not together:
            return
        assert self.queue is not None
        decisions = []
        for packet, _, rule, payload in together:
            if rule.verdict == "queue":
                decisions.append(nfqueue.Decision(packet, nfqueue.Verdict.ACCEPT, rule.mark,
                                                  payload, rule.queue_num, rule.bypass))
            else:
                decisions.append(nfqueue.Decision(packet, _PLAIN[rule.verdict], rule.mark,
                                                  payload))
        summary: Event = {"event": "verdicts", "count": len(together),
                          "ids": [packet.id for packet, _, _, _ in together]}
        try:
            self.queue.verdict_packets(decisions)
        except nfqueue.NfqueueError as error:
            summary.update(result=error_name(error), message=error_message(error),
                           bad_index=getattr(error, "index", 0))
        else:
            summary["result"] = "ok"
        emit(summary)
        for packet, event, rule, payload in together:
            event["verdict"] = rule.verdict_label()
            event["result"] = summary["result"]
            if payload is not None:
                for key, _ in self._payload_keys(rule):
                    event[key] = "ok" if key == "rewrite_result" else summary["result"]
            if rule.second_verdict is not None:
                outcome(lambda: give_verdict(packet, rule.second_verdict, rule),
                        event, "second_result")
            emit(event)

    # ---- "expire" and "after_close": verdicts the package must refuse ----

    def _use_late(self, index: int) -> None:
        """At the start of packet `index`: use the "late_by" handles due now."""
        due = [k for k in self.stale
               if k.rule.late_by is not None and k.index + k.rule.late_by <= index]
        if due:
            self.stale = [k for k in self.stale if k not in due]
            self._use(due)

    def use_stale(self, final: bool = False) -> None:
        """Use the handles of "expire" packets, which have expired by now:
        read the payload and try the verdict, and report both outcomes.
        Those with "late_by" wait for their packet, unless `final`."""
        stale = [k for k in self.stale if final or k.rule.late_by is None]
        self.stale = [k for k in self.stale if k not in stale]
        self._use(stale)

    def _use(self, stale: List[Kept]) -> None:
        for kept in stale:
            rule = kept.rule
            event: Event = {"event": "expired", "index": kept.index, "id": kept.id}
            outcome(lambda: kept.packet.payload, event, "payload_result",
                    "payload_message")
            event["verdict"] = rule.verdict_label()
            outcome(lambda: give_verdict(kept.packet, rule.verdict, rule),
                    event, "verdict_result", "verdict_message")
            emit(event)

    def verdict_after_close(self) -> None:
        """After close: try the verdict of each "after_close" packet."""
        for kept in self.after_close:
            rule = kept.rule
            event: Event = {"event": "verdict", "index": kept.index, "id": kept.id,
                            "verdict": rule.verdict_label()}
            outcome(lambda: give_verdict(kept.packet, rule.verdict, rule, rule.mark),
                    event, "result", "message")
            event["thread"] = self.thread_label()
            emit(event)

    def free_kept(self) -> None:
        """Let go of every packet still kept (after close, which gave each
        its default verdict)."""
        for kept_list in (self.held, self.later, self.batch, self.after_close, self.stale):
            for kept in kept_list:
                kept.packet.release()
            kept_list.clear()
