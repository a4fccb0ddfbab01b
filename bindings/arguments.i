/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arguments.i - how C parameters look from Python.
 *
 *   out-parameters   become the return value (None when the attribute is
 *                    absent: the getter's status typemap in errors.i left
 *                    None there and `result` is NFQUEUE_E_NOATTR);
 *   (data, len)      are any bytes-like object, through Py_buffer, held
 *                    for the duration of the call and released in freearg;
 *   handles          are SWIG pointer objects for configs and queues; the
 *                    *_free functions also clear the object they are given,
 *                    so a second free or a later call passes NULL (an
 *                    error) instead of a dangling pointer. Packets are
 *                    PacketBase objects (packet.i).
 *
 * Integers use SWIG's own checks: a non-int is a TypeError, a value out of
 * the C type's range an OverflowError.
 */

/* ---- handles created by the library ---- */

%typemap(in, numinputs=0) nfqueue_config **out (nfqueue_config *temp = NULL) {
	$1 = &temp;
}
%typemap(argout) nfqueue_config **out {
	Py_DECREF($result);
	$result = SWIG_NewPointerObj(*$1, $*1_descriptor, 0);
	if (!$result) {
		nfqueue_config_free(*$1);
		SWIG_fail;
	}
}

%typemap(in, numinputs=0) nfqueue_queue **out (nfqueue_queue *temp = NULL) {
	$1 = &temp;
}
%typemap(argout) nfqueue_queue **out {
	Py_DECREF($result);
	$result = SWIG_NewPointerObj(*$1, $*1_descriptor, 0);
	if (!$result) {
		nfqueue_queue_free(*$1);
		SWIG_fail;
	}
}

/* ---- packets: PacketBase objects (packet.i), None for NULL ---- */

%typemap(in) nfqueue_packet *packet, const nfqueue_packet *packet {
	if (pynfqueue_packet_arg($input, (nfqueue_packet **)&$1, "$symname") < 0)
		SWIG_fail;
}

/* ---- attribute and config getters: set the value only when the status is 0 ---- */

%typemap(in, numinputs=0) uint32_t *out (uint32_t temp = 0) {
	$1 = &temp;
}
%typemap(argout) uint32_t *out {
	if (result == 0) {
		Py_DECREF($result);
		$result = PyLong_FromUnsignedLong(*$1);
		if (!$result)
			SWIG_fail;
	}
}

%typemap(in, numinputs=0) int *out (int temp = 0) {
	$1 = &temp;
}
%typemap(argout) int *out {
	if (result == 0) {
		Py_DECREF($result);
		$result = PyLong_FromLong(*$1);
		if (!$result)
			SWIG_fail;
	}
}

%typemap(in, numinputs=0) (int *out_mode, uint32_t *out_range) (int mode = 0, uint32_t range = 0) {
	$1 = &mode;
	$2 = &range;
}
%typemap(argout) (int *out_mode, uint32_t *out_range) {
	if (result == 0) {
		Py_DECREF($result);
		$result = Py_BuildValue("(iI)", *$1, *$2);
		if (!$result)
			SWIG_fail;
	}
}

/* The namespace path a config holds, or None. */
%typemap(in, numinputs=0) const char **out (const char *text = NULL) {
	$1 = ($1_ltype)&text;
}
%typemap(argout) const char **out {
	if (result == 0) {
		Py_DECREF($result);
		$result = *$1 ? PyUnicode_DecodeFSDefault(*$1) : Py_NewRef(Py_None);
		if (!$result)
			SWIG_fail;
	}
}

%typemap(in, numinputs=0) (int64_t *out_sec, int64_t *out_usec)
	(int64_t sec = 0, int64_t usec = 0) {
	$1 = &sec;
	$2 = &usec;
}
%typemap(argout) (int64_t *out_sec, int64_t *out_usec) {
	if (result == 0) {
		Py_DECREF($result);
		$result = Py_BuildValue("(LL)", (long long)*$1, (long long)*$2);
		if (!$result)
			SWIG_fail;
	}
}

%typemap(in, numinputs=0) (uint16_t *out_proto, uint16_t *out_tci)
	(uint16_t proto = 0, uint16_t tci = 0) {
	$1 = &proto;
	$2 = &tci;
}
%typemap(argout) (uint16_t *out_proto, uint16_t *out_tci) {
	if (result == 0) {
		Py_DECREF($result);
		$result = Py_BuildValue("(HH)", *$1, *$2);
		if (!$result)
			SWIG_fail;
	}
}

/* Interface names are bytes to the kernel; decode them as the os module
 * does (socket.if_indextoname too), so no name is ever undecodable. */
%typemap(in, numinputs=0) (char *out, size_t size) (char name[NFQUEUE_IFNAMSIZ]) {
	name[0] = '\0';
	$1 = name;
	$2 = sizeof(name);
}
%typemap(argout) (char *out, size_t size) {
	if (result == 0) {
		Py_DECREF($result);
		$result = PyUnicode_DecodeFSDefault($1);
		if (!$result)
			SWIG_fail;
	}
}

/* Borrowed bytes (hwaddr, l2hdr) are copied: they live only as long as the
 * packet, which Python cannot see. payload.i offers the zero-copy view. */
%typemap(in, numinputs=0) (const uint8_t **out, size_t *out_len)
	(const uint8_t *data = NULL, size_t len = 0) {
	$1 = ($1_ltype)&data; /* SWIG drops the const of a pointer to pointer */
	$2 = &len;
}
%typemap(argout) (const uint8_t **out, size_t *out_len) {
	if (result == 0) {
		Py_DECREF($result);
		$result = PyBytes_FromStringAndSize((const char *)*$1, (Py_ssize_t)*$2);
		if (!$result)
			SWIG_fail;
	}
}

/* The security context is a label, not NUL-terminated by contract, but
 * the kernel's copy usually carries one: strip it. */
%typemap(in, numinputs=0) (const char **out, size_t *out_len)
	(const char *text = NULL, size_t len = 0) {
	$1 = ($1_ltype)&text;
	$2 = &len;
}
%typemap(argout) (const char **out, size_t *out_len) {
	if (result == 0) {
		size_t n = *$2;

		while (n > 0 && (*$1)[n - 1] == '\0')
			n--;
		Py_DECREF($result);
		$result = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)n, "surrogateescape");
		if (!$result)
			SWIG_fail;
	}
}

/* ---- byte buffers ----
 * As CPython's own "y*" / "w*" argument converters do, any failure to get
 * the buffer is a TypeError naming what was wanted. */

%typemap(in) (const void *data, size_t len) (Py_buffer view, int have_view = 0) {
	if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0) {
		PyErr_Clear();
		PyErr_Format(PyExc_TypeError,
			     "in method '$symname', argument $argnum must be a bytes-like object, not '%.100s'",
			     Py_TYPE($input)->tp_name);
		SWIG_fail;
	}
	have_view = 1;
	$1 = view.buf;
	$2 = (size_t)view.len;
}
%typemap(freearg) (const void *data, size_t len) {
	if (have_view$argnum)
		PyBuffer_Release(&view$argnum);
}

%typemap(in) (uint8_t *data, size_t len) (Py_buffer view, int have_view = 0) {
	if (PyObject_GetBuffer($input, &view, PyBUF_WRITABLE) < 0) {
		PyErr_Clear();
		PyErr_Format(PyExc_TypeError,
			     "in method '$symname', argument $argnum must be a writable bytes-like object (bytearray, writable memoryview), not '%.100s'",
			     Py_TYPE($input)->tp_name);
		SWIG_fail;
	}
	have_view = 1;
	$1 = (uint8_t *)view.buf;
	$2 = (size_t)view.len;
}
%typemap(freearg) (uint8_t *data, size_t len) {
	if (have_view$argnum)
		PyBuffer_Release(&view$argnum);
}

/* ---- freeing handles ----
 * Hand-written so the Python object can be cleared after the free: the
 * generated wrapper would only see the C pointer. */

%{
/* Convert `obj` (None or a SWIG pointer of `type`) and forget the pointer
 * in the Python object. Returns 0 and the pointer in *out, or -1 with a
 * TypeError set. */
static int pynfqueue_take_handle(PyObject *obj, swig_type_info *type, const char *fn, void **out)
{
	SwigPyObject *sobj;

	*out = NULL;
	if (obj == Py_None)
		return 0;
	if (!SWIG_IsOK(SWIG_ConvertPtr(obj, out, type, 0))) {
		PyErr_Format(PyExc_TypeError, "in method '%s', argument 1 of type '%s'", fn,
			     type->str);
		return -1;
	}
	sobj = SWIG_Python_GetSwigThis(obj);
	if (sobj)
		sobj->ptr = NULL;
	return 0;
}

static PyObject *pynfqueue_config_free(PyObject *config)
{
	void *p;

	if (pynfqueue_take_handle(config, SWIGTYPE_p_nfqueue_config, "config_free", &p) < 0)
		return NULL;
	nfqueue_config_free((nfqueue_config *)p);
	Py_RETURN_NONE;
}

static PyObject *pynfqueue_queue_free(PyObject *queue)
{
	void *p;

	if (pynfqueue_take_handle(queue, SWIGTYPE_p_nfqueue_queue, "queue_free", &p) < 0)
		return NULL;
	/* Closing sends verdicts for pending packets: do not hold the GIL. */
	Py_BEGIN_ALLOW_THREADS
	nfqueue_queue_free((nfqueue_queue *)p);
	Py_END_ALLOW_THREADS
	Py_RETURN_NONE;
}

%}

%ignore nfqueue_config_free;
%ignore nfqueue_queue_free;
%rename(config_free) pynfqueue_config_free;
%rename(queue_free) pynfqueue_queue_free;
PyObject *pynfqueue_config_free(PyObject *config);
PyObject *pynfqueue_queue_free(PyObject *queue);
