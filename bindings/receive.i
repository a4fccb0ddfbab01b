/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * receive.i - how packets reach Python, on a QueueOwner (packet.i):
 *
 *   queue_run(owner, callback)            nfqueue_queue_run; None once stopped
 *   queue_dispatch(owner, callback)       nfqueue_queue_dispatch; the count
 *   queue_pull(owner, max, timeout_ms)    nfqueue_queue_pull; a list of
 *                                         packets ([] on timeout), None once
 *                                         stopped
 *
 * The GIL is released while C waits; the trampoline takes it back only to
 * call the callable with a packet object, and ends that object's borrow
 * when the callable returns, which is when C ends it. The callable's
 * return value is ignored; an exception it raises ends the run (C keeps
 * the packets not handed out yet for the next receive) and propagates.
 *
 * Queues are opened interruptible: when a signal arrives during a wait, C
 * returns NFQUEUE_E_INTR and Python's signal handlers run here at once
 * (PyErr_CheckSignals). One that raises (KeyboardInterrupt) ends the call
 * with its exception; otherwise the call goes on, with the rest of its
 * timeout.
 */

%{
#include <time.h>

#if PY_VERSION_HEX < 0x03090000
#define PyObject_CallOneArg(fn, arg) PyObject_CallFunctionObjArgs((fn), (arg), NULL)
#endif

/* What one run or dispatch shares with its C callback; on the wrapper's
 * stack, since the callback runs only while the wrapper waits. */
struct pynfqueue_callback {
	pynfqueue_owner *owner;
	PyObject *callable;
	PyThreadState *thread;                   /* saved while C runs */
	PyObject *exc_type, *exc_value, *exc_tb; /* the callable's exception */
};

static int pynfqueue_trampoline(nfqueue_packet *packet, void *userdata)
{
	struct pynfqueue_callback *cb = userdata;
	pynfqueue_packet *pkt;
	PyObject *ret = NULL;

	PyEval_RestoreThread(cb->thread);
	/* A run or dispatch started: C ended the last pull's borrows. */
	if (PyList_GET_SIZE(cb->owner->pulled))
		pynfqueue_end_pulled(cb->owner);
	pkt = pynfqueue_packet_wrap(cb->owner, packet);
	if (pkt) {
		ret = PyObject_CallOneArg(cb->callable, (PyObject *)pkt);
		/* C ends the borrow when we return. */
		pynfqueue_end_borrow(pkt);
		Py_DECREF(pkt); /* a retained packet let go of is freed now */
	}
	if (ret)
		Py_DECREF(ret);
	else
		PyErr_Fetch(&cb->exc_type, &cb->exc_value, &cb->exc_tb);
	cb->thread = PyEval_SaveThread();
	return ret ? 0 : 1; /* 1 ends the run; the wrapper raises the exception */
}

static int pynfqueue_callback_init(struct pynfqueue_callback *cb, PyObject *owner,
				   PyObject *callable, const char *fn)
{
	memset(cb, 0, sizeof(*cb));
	if (!PyCallable_Check(callable)) {
		PyErr_Format(PyExc_TypeError, "%s() argument 2 must be callable, not '%.100s'", fn,
			     Py_TYPE(callable)->tp_name);
		return -1;
	}
	cb->owner = pynfqueue_owner_arg(owner, fn);
	if (!cb->owner)
		return -1;
	cb->callable = callable; /* borrowed: the caller's arguments hold it */
	return 0;
}

/* After a receive call: did C start receiving (and so end the last
 * pull's borrows)? Not when it refused to begin. */
static int pynfqueue_received(int rc)
{
	return rc != NFQUEUE_E_BUSY && rc != NFQUEUE_E_INVAL && rc != NFQUEUE_E_CLOSED;
}

static PyObject *pynfqueue_queue_run(PyObject *owner, PyObject *callable)
{
	struct pynfqueue_callback cb;
	PyObject *error = NULL;
	int rc;

	if (pynfqueue_callback_init(&cb, owner, callable, "queue_run") < 0)
		return NULL;
	for (;;) {
		cb.thread = PyEval_SaveThread();
		rc = nfqueue_queue_run(cb.owner->queue, pynfqueue_trampoline, &cb);
		PyEval_RestoreThread(cb.thread);
		if (cb.exc_type) {
			PyErr_Restore(cb.exc_type, cb.exc_value, cb.exc_tb);
			return NULL;
		}
		if (rc == NFQUEUE_E_INTR) {
			if (PyErr_CheckSignals() < 0)
				return NULL;
			continue; /* C kept its batch: go on where it left off */
		}
		break;
	}
	if (rc < 0)
		error = pynfqueue_raise_last(rc); /* NULL, with the exception set */
	if (pynfqueue_received(rc))
		pynfqueue_end_pulled(cb.owner);
	if (rc < 0)
		return error;
	Py_RETURN_NONE;
}

static PyObject *pynfqueue_queue_dispatch(PyObject *owner, PyObject *callable)
{
	struct pynfqueue_callback cb;
	size_t count = 0;
	int rc;

	if (pynfqueue_callback_init(&cb, owner, callable, "queue_dispatch") < 0)
		return NULL;
	cb.thread = PyEval_SaveThread();
	rc = nfqueue_queue_dispatch(&count, cb.owner->queue, pynfqueue_trampoline, &cb);
	PyEval_RestoreThread(cb.thread);
	if (cb.exc_type) {
		PyErr_Restore(cb.exc_type, cb.exc_value, cb.exc_tb);
		return NULL;
	}
	if (rc < 0) {
		pynfqueue_raise_last(rc);
		if (pynfqueue_received(rc))
			pynfqueue_end_pulled(cb.owner);
		return NULL;
	}
	pynfqueue_end_pulled(cb.owner);
	return PyLong_FromSize_t(count);
}

static int64_t pynfqueue_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static PyObject *pynfqueue_queue_pull(PyObject *owner_obj, size_t max, int timeout_ms)
{
	pynfqueue_owner *owner = pynfqueue_owner_arg(owner_obj, "queue_pull");
	nfqueue_packet *small[64];
	nfqueue_packet **out = small;
	int64_t deadline = timeout_ms < 0 ? -1 : pynfqueue_now_ms() + timeout_ms;
	size_t count = 0, i;
	PyObject *list = NULL;
	int rc, wait = timeout_ms;

	if (!owner)
		return NULL;
	/* pull never returns more than the batch size: asking for more
	 * changes nothing but the size of the array allocated here. */
	if (max > NFQUEUE_BATCH_SIZE_MAX)
		max = NFQUEUE_BATCH_SIZE_MAX;
	if (max > sizeof(small) / sizeof(small[0])) {
		out = PyMem_New(nfqueue_packet *, max);
		if (!out)
			return PyErr_NoMemory();
	}
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		rc = nfqueue_queue_pull(out, max, &count, owner->queue, wait);
		Py_END_ALLOW_THREADS
		if (rc != NFQUEUE_E_INTR)
			break;
		pynfqueue_end_pulled(owner);
		if (PyErr_CheckSignals() < 0)
			goto done;
		if (deadline >= 0) {
			int64_t left = deadline - pynfqueue_now_ms();

			wait = left > 0 ? (int)left : 0;
		}
	}
	if (rc == NFQUEUE_E_STOPPED) {
		pynfqueue_end_pulled(owner);
		list = Py_NewRef(Py_None);
		goto done;
	}
	if (rc < 0) {
		pynfqueue_raise_last(rc);
		if (pynfqueue_received(rc))
			pynfqueue_end_pulled(owner);
		goto done;
	}
	pynfqueue_end_pulled(owner);
	list = PyList_New((Py_ssize_t)count);
	if (!list)
		goto done;
	for (i = 0; i < count; i++) {
		pynfqueue_packet *pkt = pynfqueue_packet_wrap(owner, out[i]);

		if (!pkt || PyList_Append(owner->pulled, (PyObject *)pkt) < 0) {
			Py_XDECREF(pkt);
			Py_CLEAR(list);
			goto done;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, (PyObject *)pkt);
	}
done:
	if (out != small)
		PyMem_Free(out);
	return list;
}
%}

%ignore nfqueue_queue_run;
%ignore nfqueue_queue_dispatch;
%ignore nfqueue_queue_pull;
%ignore nfqueue_callback;
%rename(queue_run) pynfqueue_queue_run;
%rename(queue_dispatch) pynfqueue_queue_dispatch;
%rename(queue_pull) pynfqueue_queue_pull;
PyObject *pynfqueue_queue_run(PyObject *owner, PyObject *callable);
PyObject *pynfqueue_queue_dispatch(PyObject *owner, PyObject *callable);
PyObject *pynfqueue_queue_pull(PyObject *owner, size_t max, int timeout_ms);
