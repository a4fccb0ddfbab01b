/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * errors.i - a negative status becomes a Python exception.
 *
 * The exception classes live in Python (nfqueue/errors.py), so their names,
 * bases and messages are plain Python; C only hands over the code and the
 * thread-local detail message, read right after the failing call. The
 * GIL being released and taken again around a call does not change the
 * thread, so the message read here is the one that call left.
 */

%{
/* nfqueue.errors._raise_status, imported on first use: importing it at
 * module init would be circular (nfqueue.errors imports this module). */
static PyObject *pynfqueue_raise_status_fn;

/* Raise the exception for `code` with `detail`; always returns NULL so a
 * caller can `return pynfqueue_raise(...)`. */
static PyObject *pynfqueue_raise(int code, const char *detail)
{
	PyObject *result, *message;

	if (!detail || !*detail)
		detail = nfqueue_strerror(code);
	/* Copied before any Python code runs: an import or a collection here
	 * may run finalizers that call the library and overwrite the
	 * thread-local message `detail` points to. */
	message = PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "replace");
	if (!message)
		return NULL;
	if (!pynfqueue_raise_status_fn) {
		PyObject *mod = PyImport_ImportModule("nfqueue.errors");

		if (mod) {
			pynfqueue_raise_status_fn = PyObject_GetAttrString(mod, "_raise_status");
			Py_DECREF(mod);
		}
		if (!pynfqueue_raise_status_fn) {
			/* Keep the library's error visible even if the Python side
			 * is broken; the import error says why the class is missing. */
			PyObject *type, *value, *tb, *why;

			PyErr_Fetch(&type, &value, &tb);
			why = value ? PyObject_Str(value) : NULL;
			PyErr_Format(PyExc_RuntimeError,
				     "%U (nfqueue status %d; nfqueue.errors unavailable: %S)",
				     message, code, why ? why : Py_None);
			Py_XDECREF(why);
			Py_XDECREF(type);
			Py_XDECREF(value);
			Py_XDECREF(tb);
			Py_DECREF(message);
			return NULL;
		}
	}
	result = PyObject_CallFunction(pynfqueue_raise_status_fn, "iO", code, message);
	Py_DECREF(message);
	if (result) {
		/* _raise_status must raise; returning is a bug on the Python side. */
		Py_DECREF(result);
		PyErr_Format(PyExc_SystemError, "nfqueue.errors._raise_status(%d) returned", code);
	}
	return NULL;
}

/* After a failing call on this thread: the detail is the library's message. */
static PyObject *pynfqueue_raise_last(int code)
{
	return pynfqueue_raise(code, nfqueue_last_error());
}
%}

/* Every int a function returns is a status unless listed below: None on
 * success, an exception otherwise. */
%typemap(out) int {
	if ($1 < 0) {
		pynfqueue_raise_last($1);
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}

/* ...except these, whose int is a value. */
%typemap(out) int nfqueue_queue_fd, int nfqueue_packet_hook, int nfqueue_abi_version {
	$result = PyLong_FromLong($1);
}
%typemap(out) int nfqueue_packet_has_verdict {
	$result = PyBool_FromLong($1);
}

/* stop() is async-signal-safe in C and therefore records no message: a
 * message left by an earlier call must not be reported as its reason. */
%typemap(out) int nfqueue_queue_stop {
	if ($1 < 0) {
		pynfqueue_raise($1, NULL);
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}

/* Attribute getters: an absent attribute is None, not an error. Their
 * out-parameter typemaps (arguments.i) add the value only when the status
 * is 0, so `None` is what is left when it is NFQUEUE_E_NOATTR. */
%typemap(out) int nfqueue_packet_mark, int nfqueue_packet_timestamp,
	int nfqueue_packet_ifindex, int nfqueue_packet_ifname, int nfqueue_packet_hwaddr,
	int nfqueue_packet_uid, int nfqueue_packet_gid, int nfqueue_packet_secctx,
	int nfqueue_packet_skbinfo, int nfqueue_packet_priority, int nfqueue_packet_orig_len,
	int nfqueue_packet_vlan, int nfqueue_packet_l2hdr, int nfqueue_packet_ct_info,
	int nfqueue_packet_ct_id, int nfqueue_packet_ct_status {
	if ($1 < 0 && $1 != NFQUEUE_E_NOATTR) {
		pynfqueue_raise_last($1);
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}
