/*
 * nfqueue.i - the SWIG interface of libnfqueue for Python: the private
 * module `nfqueue._nfqueue`, which the pure-Python package `nfqueue` wraps.
 * The contract of this module is the list of functions in
 * capi/libnfqueue.map; Python names drop the `nfqueue_` / `NFQUEUE_` prefix
 * (nfqueue_queue_open -> queue_open, NFQUEUE_E_BUSY -> E_BUSY).
 *
 * Generated with `swig -python -noproxy -interface _nfqueue`: the C
 * extension itself is `nfqueue/_nfqueue*.so` and holds every function and
 * constant; no shadow .py module is generated or installed, and opaque
 * handles are plain SWIG pointer objects (they own nothing).
 *
 * One file per concern:
 *   errors.i     negative status -> exception via nfqueue.errors
 *   arguments.i  out-parameters, buffers, handles
 *   payload.i    zero-copy payload views that keep their owner alive
 *   receive.i    run / dispatch (Python callbacks) and pull (lists)
 */
%module(package="nfqueue", threads="1") _nfqueue

%{
#include <nfqueue.h>
%}

/* threads="1" makes SWIG able to release the GIL; release it only around
 * queue-wide calls that talk to the kernel at length. run, dispatch, pull
 * and queue_free are hand-written (receive.i, arguments.i) and release it
 * themselves. Calls on one packet (getters, verdicts, packet_free) keep
 * it: they are short (a verdict is one non-blocking send), and holding
 * the GIL makes them atomic towards each other, so no thread can free a
 * retained packet while another is halfway through giving it a verdict. */
%nothread;
%thread nfqueue_queue_open;
%thread nfqueue_queue_close;
%thread nfqueue_queue_verdict_batch;

/* One rule for functions, types and constants alike. */
%rename("%(regex:/^(nfqueue|NFQUEUE)_(.*)/\\2/)s") "";

%include <stdint.i>

%include "errors.i"
%include "arguments.i"
%include "payload.i"
%include "receive.i"

/* The header is the single source of functions and constants. */
%include "nfqueue.h"
