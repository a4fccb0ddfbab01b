/*
 * receive.i - the three ways packets reach Python:
 *
 *   queue_run(q, callback) -> int        blocks until stop(); 0 when stopped,
 *                                        or the callback's non-zero int
 *   queue_dispatch(q, callback) -> int   handles what is ready; the count
 *   queue_pull(q, max, timeout_ms) -> list of packet handles
 *
 * The GIL is released while C waits for the kernel; the C callback takes
 * it back (PyGILState_Ensure) only to call the Python callable. The
 * callback receives a borrowed packet handle: valid until it returns.
 * It returns None or 0 to go on; a non-zero int ends the run (which
 * returns that int) or the dispatch. If it raises, the run ends and the
 * exception propagates out of queue_run/queue_dispatch unchanged.
 *
 * The C waits retry when a signal interrupts them, so Python signal
 * handlers (Ctrl+C's KeyboardInterrupt among them) run only once the
 * next packet reaches the callback; end a queue_run from a handler with
 * queue_stop(). The Pythonic layer waits in Python instead (_wakeup.py).
 */

%{
/* What one run or dispatch shares with its C callback. Lives on the
 * wrapper's stack: the callback runs only while the wrapper waits. */
struct pynfqueue_callback {
	PyObject *callable;
	PyObject *exc_type, *exc_value, *exc_tb; /* the callable's exception */
	int stopped;                             /* ended by a non-zero return */
	int value;                               /* ...which was this */
};

/* An int for C: None counts as 0; anything else must be an int that fits. */
static int pynfqueue_callback_result(PyObject *ret, int *out)
{
	long v;

	*out = 0;
	if (ret == Py_None)
		return 0;
	if (!PyLong_Check(ret)) {
		PyErr_Format(PyExc_TypeError, "the packet callback must return None or an int, not '%.100s'",
			     Py_TYPE(ret)->tp_name);
		return -1;
	}
	v = PyLong_AsLong(ret);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (v < INT_MIN || v > INT_MAX) {
		PyErr_Format(PyExc_OverflowError, "the packet callback returned %ld, which is not a C int", v);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int pynfqueue_trampoline(nfqueue_packet *packet, void *userdata)
{
	struct pynfqueue_callback *cb = userdata;
	PyGILState_STATE gil = PyGILState_Ensure();
	PyObject *handle, *ret = NULL;
	int value = 1; /* any non-zero ends the run; the wrapper sees why */

	handle = SWIG_NewPointerObj(packet, SWIGTYPE_p_nfqueue_packet, 0);
	if (handle) {
		ret = PyObject_CallFunctionObjArgs(cb->callable, handle, NULL);
		Py_DECREF(handle);
	}
	if (ret && pynfqueue_callback_result(ret, &value) == 0) {
		if (value) {
			cb->stopped = 1;
			cb->value = value;
		}
	} else {
		PyErr_Fetch(&cb->exc_type, &cb->exc_value, &cb->exc_tb);
		value = 1;
	}
	Py_XDECREF(ret);
	PyGILState_Release(gil);
	return value;
}

static int pynfqueue_callback_init(struct pynfqueue_callback *cb, PyObject *callable, const char *fn)
{
	memset(cb, 0, sizeof(*cb));
	if (!PyCallable_Check(callable)) {
		PyErr_Format(PyExc_TypeError, "%s() argument 2 must be callable, not '%.100s'", fn,
			     Py_TYPE(callable)->tp_name);
		return -1;
	}
	cb->callable = callable; /* borrowed: the caller's arguments hold it */
	return 0;
}

/* After the C call: the callable's exception wins over the status it caused. */
static int pynfqueue_callback_raised(struct pynfqueue_callback *cb)
{
	if (!cb->exc_type)
		return 0;
	PyErr_Restore(cb->exc_type, cb->exc_value, cb->exc_tb);
	return 1;
}

static PyObject *pynfqueue_queue_run(nfqueue_queue *queue, PyObject *callable)
{
	struct pynfqueue_callback cb;
	int rc;

	if (pynfqueue_callback_init(&cb, callable, "queue_run") < 0)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	rc = nfqueue_queue_run(queue, pynfqueue_trampoline, &cb);
	Py_END_ALLOW_THREADS
	if (pynfqueue_callback_raised(&cb))
		return NULL;
	if (cb.stopped && rc == cb.value)
		return PyLong_FromLong(rc); /* the callback's own value, even if negative */
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	return PyLong_FromLong(rc);
}

static PyObject *pynfqueue_queue_dispatch(nfqueue_queue *queue, PyObject *callable)
{
	struct pynfqueue_callback cb;
	size_t count = 0;
	int rc;

	if (pynfqueue_callback_init(&cb, callable, "queue_dispatch") < 0)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	rc = nfqueue_queue_dispatch(&count, queue, pynfqueue_trampoline, &cb);
	Py_END_ALLOW_THREADS
	if (pynfqueue_callback_raised(&cb))
		return NULL;
	if (rc < 0 && !(cb.stopped && rc == cb.value))
		return pynfqueue_raise_last(rc);
	return PyLong_FromSize_t(count);
}

static PyObject *pynfqueue_queue_pull(nfqueue_queue *queue, size_t max, int timeout_ms)
{
	nfqueue_packet *small[64];
	nfqueue_packet **out = small;
	size_t count = 0, i;
	PyObject *list = NULL;
	int rc;

	/* pull never returns more than the batch size: asking for more
	 * changes nothing but the size of the array allocated here. */
	if (max > NFQUEUE_BATCH_SIZE_MAX)
		max = NFQUEUE_BATCH_SIZE_MAX;
	if (max > sizeof(small) / sizeof(small[0])) {
		out = PyMem_New(nfqueue_packet *, max);
		if (!out)
			return PyErr_NoMemory();
	}
	Py_BEGIN_ALLOW_THREADS
	rc = nfqueue_queue_pull(out, max, &count, queue, timeout_ms);
	Py_END_ALLOW_THREADS
	if (rc < 0) {
		pynfqueue_raise_last(rc);
		goto done;
	}
	list = PyList_New((Py_ssize_t)count);
	if (!list)
		goto done;
	for (i = 0; i < count; i++) {
		PyObject *handle = SWIG_NewPointerObj(out[i], SWIGTYPE_p_nfqueue_packet, 0);

		if (!handle) {
			Py_CLEAR(list);
			goto done;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, handle);
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
PyObject *pynfqueue_queue_run(nfqueue_queue *queue, PyObject *callable);
PyObject *pynfqueue_queue_dispatch(nfqueue_queue *queue, PyObject *callable);
PyObject *pynfqueue_queue_pull(nfqueue_queue *queue, size_t max, int timeout_ms);
