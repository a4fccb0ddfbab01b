/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runs.c - sending a run of like verdicts as one batch verdict.
 *
 * A program that gives every packet its own verdict, in order, mostly
 * gives the same one (accept). The kernel handles one verdict message per
 * packet slower than one batch message for many (NFQNL_MSG_VERDICT_BATCH:
 * "every packet up to this id"), so the coalesced verdicts of such a run
 * leave as one batch message. That is exact only when the kernel holds no
 * other packet up to the run's last id: every packet before the run must
 * have its verdict ahead of it. The queue keeps that boundary, `settled`:
 * every packet the kernel queued with an id up to it has a verdict sent or
 * collected before anything that follows. A verdict extends the run only
 * if it is for the packet right after the boundary; anything else ends the
 * run, which then leaves as it is (one message, or a batch if longer).
 *
 * The boundary is set at the start of each batch, when the packets handed
 * out before have all been settled, and only when no retained packet is
 * still waiting for its verdict (it would be covered too). Packets the
 * kernel queued but whose messages were lost (a full socket buffer; a gap
 * in the ids) would also be covered: they first get the default verdict,
 * in a batch message of their own, which settles them sooner than close
 * would. All of it runs with the queue's lock held.
 */
#include "internal.h"

/* True if packet id `a` is `b` or older; ids wrap around at 2^32. */
static bool id_at_or_before(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) >= 0;
}

static bool retained_waiting_locked(const struct nfqueue_queue *q)
{
	const struct nfqueue_packet *p;

	for (p = q->retained; p; p = p->next)
		if (!atomic_load(&p->has_verdict))
			return true;
	return false;
}

void nfqueue__runs_new_batch_locked(struct nfqueue_queue *q, bool kept, uint32_t first_kept_id)
{
	uint32_t boundary = kept ? first_kept_id - 1 : q->last_id;

	q->run.open = false;
	q->run.boundary_known = false;
	if (!q->config.coalesce || !q->received_any || retained_waiting_locked(q))
		return;
	if (q->lost_before && id_at_or_before(q->lost_before, boundary + 1)) {
		/* Lost packets are the only ones left up to the boundary. */
		nfqueue__put_batch_locked(q, boundary, q->config.default_verdict);
		q->lost_before = 0;
	}
	q->run.settled = boundary;
	q->run.boundary_known = true;
}

void nfqueue__runs_received_locked(struct nfqueue_queue *q, uint32_t id)
{
	/* Ids come in order; one skipped is a packet whose message was lost. */
	if (q->received_any ? id != q->last_id + 1 : id != 1)
		if (!q->lost_before)
			q->lost_before = id;
	q->received_any = true;
}

bool nfqueue__runs_absorb_locked(struct nfqueue_queue *q, uint32_t id, uint32_t verdict)
{
	struct nfqueue__run *run = &q->run;

	if (!run->boundary_known || id != run->settled + 1)
		return false;
	if (run->open && run->verdict != verdict)
		nfqueue__runs_end_locked(q);
	if (!run->open) {
		run->open = true;
		run->first = id;
		run->verdict = verdict;
	}
	run->settled = id;
	return true;
}

void nfqueue__runs_note_single_locked(struct nfqueue_queue *q, uint32_t id)
{
	/* A verdict of its own for the next packet moves the boundary too. */
	if (q->run.boundary_known && id == q->run.settled + 1)
		q->run.settled = id;
}

void nfqueue__runs_note_batch_locked(struct nfqueue_queue *q, uint32_t up_to_id)
{
	if (q->run.boundary_known && id_at_or_before(q->run.settled, up_to_id))
		q->run.settled = up_to_id;
}

void nfqueue__runs_end_locked(struct nfqueue_queue *q)
{
	struct nfqueue__run *run = &q->run;

	if (!run->open)
		return;
	run->open = false; /* first: what follows appends a message itself */
	if (run->first == run->settled)
		nfqueue__put_single_locked(q, run->first, run->verdict);
	else
		nfqueue__put_batch_locked(q, run->settled, (int)run->verdict);
}
