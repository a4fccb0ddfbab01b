/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue.i - the SWIG interface of libnfqueue for Python: the private
 * module `nfqueue._nfqueue`, which the pure-Python package `nfqueue` wraps.
 * The contract of this module is the list of functions in
 * capi/libnfqueue.map; Python names drop the `nfqueue_` / `NFQUEUE_` prefix
 * (nfqueue_queue_open -> queue_open, NFQUEUE_E_BUSY -> E_BUSY).
 *
 * Generated with `swig -python -noproxy -interface _nfqueue`: the C
 * extension itself is `nfqueue/_nfqueue*.so` and holds every function and
 * constant; no shadow .py module is generated or installed. Configs and
 * queues are plain SWIG pointer objects; packets are PacketBase objects.
 *
 * One file per concern:
 *   errors.i     negative status -> exception via nfqueue.errors
 *   arguments.i  out-parameters, buffers, handles
 *   packet.i     packet objects, payload views and the queue owner, kept
 *                in step with C's lifetime of each
 *   receive.i    run / dispatch (Python callbacks) and pull (lists)
 *   batch.i      per-packet verdicts in one call, and the queue's counters
 */
%module(package="nfqueue", threads="1") _nfqueue

%{
#include <nfqueue.h>
%}

/* threads="1" makes SWIG able to release the GIL; release it only around
 * queue-wide calls that talk to the kernel at length. run, dispatch, pull,
 * close through the owner and queue_free are hand-written and release it
 * themselves. Calls on one packet (getters, verdicts, packet_free) keep
 * it: they are short (a verdict is one non-blocking send, or none while
 * coalescing), and holding the GIL makes them atomic towards each other,
 * so no thread can free a retained packet while another is halfway
 * through giving it a verdict. */
%nothread;
%thread nfqueue_queue_open;
%thread nfqueue_queue_close;
%thread nfqueue_queue_verdict_batch;
%thread nfqueue_check_permission;

/* One rule for functions, types and constants alike. */
%rename("%(regex:/^(nfqueue|NFQUEUE)_(.*)/\\2/)s") "";

%include <stdint.i>

%include "errors.i"
%include "arguments.i"
%include "packet.i"
%include "receive.i"
%include "batch.i"

/* The header is the single source of functions and constants. */
%include "nfqueue.h"
