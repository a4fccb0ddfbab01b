/*
 * payload.i - the packet payload as a zero-copy, read-only memoryview.
 *
 * The payload is borrowed memory of the C library (the queue's receive
 * buffer, or a retained packet's copy). A bare PyMemoryView_FromMemory
 * over it would let a view, or a slice of it, outlive that memory. So the
 * view is made over a tiny exporter object that holds a strong reference
 * to `owner`, chosen by the caller as whatever keeps the memory alive (the
 * Pythonic layer passes its Queue object, whose C handle it frees only
 * when no one references the Queue any more). Every memoryview made from
 * the view, and every slice, references the exporter, hence the owner.
 */

%{
typedef struct {
	PyObject_HEAD
	PyObject *owner;     /* strong: keeps `data` alive */
	const uint8_t *data; /* borrowed from the C library */
	Py_ssize_t len;
} pynfqueue_payload;

static int pynfqueue_payload_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
	static const uint8_t empty[1];
	pynfqueue_payload *p = (pynfqueue_payload *)self;

	/* readonly=1: a request for a writable buffer fails with BufferError.
	 * FillInfo takes a reference to self in view->obj, so there is
	 * nothing to undo per view and no bf_releasebuffer is needed. */
	return PyBuffer_FillInfo(view, self, (void *)(p->data ? p->data : empty), p->len, 1,
				 flags);
}

static PyBufferProcs pynfqueue_payload_as_buffer = {
	pynfqueue_payload_getbuffer, /* bf_getbuffer */
	NULL,                     /* bf_releasebuffer */
};

/* GC support: the owner may well reference the view back (a packet object
 * caching its payload view, held by a queue that is the owner). */
static int pynfqueue_payload_traverse(PyObject *self, visitproc visit, void *arg)
{
	Py_VISIT(((pynfqueue_payload *)self)->owner);
	return 0;
}

static int pynfqueue_payload_clear(PyObject *self)
{
	Py_CLEAR(((pynfqueue_payload *)self)->owner);
	return 0;
}

static void pynfqueue_payload_dealloc(PyObject *self)
{
	PyObject_GC_UnTrack(self);
	pynfqueue_payload_clear(self);
	PyObject_GC_Del(self);
}

static PyTypeObject pynfqueue_payload_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "nfqueue._nfqueue.PayloadBuffer",
	.tp_basicsize = sizeof(pynfqueue_payload),
	.tp_dealloc = pynfqueue_payload_dealloc,
	.tp_as_buffer = &pynfqueue_payload_as_buffer,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "Read-only buffer over a packet payload; keeps its owner alive.",
	.tp_traverse = pynfqueue_payload_traverse,
	.tp_clear = pynfqueue_payload_clear,
	/* no tp_new: only packet_payload() makes these */
};

static PyObject *pynfqueue_packet_payload(const nfqueue_packet *packet, PyObject *owner)
{
	const uint8_t *data;
	size_t len;
	pynfqueue_payload *exporter;
	PyObject *view;
	int rc = nfqueue_packet_payload(&data, &len, packet);

	if (rc == NFQUEUE_E_NOATTR)
		Py_RETURN_NONE;
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	/* Readied here, not in %init, whose return type differs between SWIG
	 * versions; a no-op once the type is ready. */
	if (PyType_Ready(&pynfqueue_payload_type) < 0)
		return NULL;
	exporter = PyObject_GC_New(pynfqueue_payload, &pynfqueue_payload_type);
	if (!exporter)
		return NULL;
	Py_INCREF(owner);
	exporter->owner = owner;
	exporter->data = data;
	exporter->len = (Py_ssize_t)len;
	PyObject_GC_Track((PyObject *)exporter);
	view = PyMemoryView_FromObject((PyObject *)exporter);
	Py_DECREF(exporter); /* the view holds it now */
	return view;
}

static PyObject *pynfqueue_packet_payload_bytes(const nfqueue_packet *packet)
{
	const uint8_t *data;
	size_t len;
	int rc = nfqueue_packet_payload(&data, &len, packet);

	if (rc == NFQUEUE_E_NOATTR)
		Py_RETURN_NONE;
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	return PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);
}
%}

%{
/*
 * The owner of a C queue for the Pythonic layer: frees it
 * (nfqueue_queue_free) when deallocated, and only then. Payload views
 * keep it alive, and so does the Queue object. Freeing in a finalizer
 * (weakref.finalize, __del__) would not do: in a reference cycle the
 * collector runs every finalizer before it deallocates anything, so
 * another object's __del__ could still read a view after such a
 * finalizer freed the receive buffer.
 */
typedef struct {
	PyObject_HEAD
	nfqueue_queue *queue;
} pynfqueue_owner;

static void pynfqueue_owner_dealloc(PyObject *self)
{
	nfqueue_queue_free(((pynfqueue_owner *)self)->queue);
	PyObject_Free(self);
}

static PyTypeObject pynfqueue_owner_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "nfqueue._nfqueue.QueueOwner",
	.tp_basicsize = sizeof(pynfqueue_owner),
	.tp_dealloc = pynfqueue_owner_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Frees its C queue when deallocated; payload views keep it alive.",
	/* no tp_new: only queue_owner() makes these */
};

static PyObject *pynfqueue_queue_owner(PyObject *queue)
{
	pynfqueue_owner *owner;
	void *q;

	if (PyType_Ready(&pynfqueue_owner_type) < 0)
		return NULL;
	if (!SWIG_IsOK(SWIG_ConvertPtr(queue, &q, SWIGTYPE_p_nfqueue_queue, 0))) {
		PyErr_SetString(PyExc_TypeError, "queue_owner() argument must be a queue handle");
		return NULL;
	}
	if (!q)
		return pynfqueue_raise(NFQUEUE_E_INVAL, "queue is NULL");
	owner = PyObject_New(pynfqueue_owner, &pynfqueue_owner_type);
	if (!owner)
		return NULL;
	owner->queue = (nfqueue_queue *)q;
	return (PyObject *)owner;
}
%}

/* queue_owner(q): the caller hands over freeing `q`; the owner frees it. */
%rename(queue_owner) pynfqueue_queue_owner;
PyObject *pynfqueue_queue_owner(PyObject *queue);

%ignore nfqueue_packet_payload;
%rename(packet_payload) pynfqueue_packet_payload;
%rename(packet_payload_bytes) pynfqueue_packet_payload_bytes;
PyObject *pynfqueue_packet_payload(const nfqueue_packet *packet, PyObject *owner);
PyObject *pynfqueue_packet_payload_bytes(const nfqueue_packet *packet);
