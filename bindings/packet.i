/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet.i - packets and queues as Python objects, mapped onto C's lifetime.
 *
 * C owns every rule of a packet's life (when a borrow ends, the default
 * verdict, retain and free). This file only makes Python's view of it
 * safe:
 *
 *   QueueOwner   holds the C queue and frees it (nfqueue_queue_free) when
 *                deallocated, and only then: packets and payload views
 *                keep it alive, so no Python object ever points into freed
 *                memory. It also holds the packets of the last pull, which
 *                C borrowed out until its next receive.
 *   PacketBase   one C packet handle (the Pythonic nfqueue.Packet is a
 *                subclass, made here without running Python code). It
 *                caches the packet's attributes, fetched in one call
 *                (nfqueue_packet_attrs), and its payload view while the
 *                borrow lasts. When C ends the borrow (the callback
 *                returned, the next receive started, close, release) the
 *                code that called C drops both, so the next use asks C,
 *                which answers NFQUEUE_E_EXPIRED. A retained packet that
 *                is garbage-collected is freed (nfqueue_packet_free).
 *   payload      a read-only memoryview over C's memory, made through an
 *                exporter that keeps the QueueOwner alive; released when
 *                the borrow ends.
 */

%{
#include <structmember.h>

#if PY_VERSION_HEX < 0x030A0000
static PyObject *pynfqueue_newref(PyObject *o)
{
	Py_INCREF(o);
	return o;
}
static PyObject *pynfqueue_xnewref(PyObject *o)
{
	Py_XINCREF(o);
	return o;
}
#define Py_NewRef(o) pynfqueue_newref((PyObject *)(o))
#define Py_XNewRef(o) pynfqueue_xnewref((PyObject *)(o))
#endif

/* ---- the queue owner ---- */

typedef struct {
	PyObject_HEAD
	nfqueue_queue *queue;
	PyTypeObject *packet_type; /* the class packets are made of */
	PyObject *pulled;          /* list: the last pull's packets, borrowed until C's next receive */
} pynfqueue_owner;

static PyTypeObject pynfqueue_owner_type;

/* ---- packets ---- */

typedef struct {
	PyObject_HEAD
	nfqueue_packet *packet;   /* NULL once a retained packet was freed */
	pynfqueue_owner *owner;   /* strong */
	PyObject *attrs;          /* tuple, cached while valid */
	PyObject *view;           /* memoryview of the borrowed payload */
	PyObject *copy;           /* bytes: the retained copy, or the replacement payload */
	PyObject *weakrefs;
	char retained;
	char freed_with_verdict;  /* after free: whether it had or got a verdict */
} pynfqueue_packet;

static PyTypeObject pynfqueue_packet_type;
static PyObject *pynfqueue_packet_base(void);

/* The C handle of a packet argument: NULL for None (C then reports
 * "packet is NULL"), PacketExpiredError once it was freed. */
static int pynfqueue_packet_arg(PyObject *obj, nfqueue_packet **out, const char *fn)
{
	pynfqueue_packet *pkt;

	*out = NULL;
	if (obj == Py_None)
		return 0;
	if (!PyObject_TypeCheck(obj, &pynfqueue_packet_type)) {
		PyErr_Format(PyExc_TypeError, "in method '%s', the packet argument must be an nfqueue.Packet, not '%.100s'",
			     fn, Py_TYPE(obj)->tp_name);
		return -1;
	}
	pkt = (pynfqueue_packet *)obj;
	if (!pkt->packet) {
		pynfqueue_raise(NFQUEUE_E_EXPIRED, "this packet was released: it can no longer be used");
		return -1;
	}
	*out = pkt->packet;
	return 0;
}

/* Release a memoryview if nobody holds a buffer exported from it (a
 * slice or an export keeps reading the memory, which the owner keeps
 * allocated). Keeps any exception being raised. */
static void pynfqueue_release_view(PyObject **view)
{
	PyObject *type, *value, *tb, *r;

	if (!*view)
		return;
	PyErr_Fetch(&type, &value, &tb);
	r = PyObject_CallMethod(*view, "release", NULL);
	if (r)
		Py_DECREF(r);
	else
		PyErr_Clear(); /* BufferError: exported; see above */
	Py_CLEAR(*view);
	PyErr_Restore(type, value, tb);
}

/* C ended this packet's borrow (or retained it past it): what was cached
 * from the receive buffer goes. A retained packet keeps its attributes,
 * which C copied along. */
static void pynfqueue_end_borrow(pynfqueue_packet *pkt)
{
	pynfqueue_release_view(&pkt->view);
	if (!pkt->retained)
		Py_CLEAR(pkt->attrs);
}

/* C started a receive, which ended the borrow of the last pull's packets. */
static void pynfqueue_end_pulled(pynfqueue_owner *owner)
{
	PyObject *pulled = owner->pulled;
	PyObject *type, *value, *tb;
	Py_ssize_t i, n;

	if (!pulled || (n = PyList_GET_SIZE(pulled)) == 0)
		return;
	PyErr_Fetch(&type, &value, &tb);
	for (i = 0; i < n; i++)
		pynfqueue_end_borrow((pynfqueue_packet *)PyList_GET_ITEM(pulled, i));
	/* Drops the references: a retained packet the program let go of is
	 * freed now (and gets the default verdict). */
	if (PyList_SetSlice(pulled, 0, n, NULL) < 0)
		PyErr_Clear();
	PyErr_Restore(type, value, tb);
}

/* A Python object for a packet C just handed out. */
static pynfqueue_packet *pynfqueue_packet_wrap(pynfqueue_owner *owner, nfqueue_packet *packet)
{
	pynfqueue_packet *pkt =
		(pynfqueue_packet *)owner->packet_type->tp_alloc(owner->packet_type, 0);

	if (!pkt)
		return NULL;
	pkt->packet = packet;
	Py_INCREF(owner);
	pkt->owner = owner;
	return pkt;
}

static int pynfqueue_packet_traverse(PyObject *self, visitproc visit, void *arg)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;

	Py_VISIT(Py_TYPE(self));
	Py_VISIT(pkt->owner);
	Py_VISIT(pkt->attrs);
	Py_VISIT(pkt->view);
	Py_VISIT(pkt->copy);
	return 0;
}

static int pynfqueue_packet_clear(PyObject *self)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;

	/* Not the owner: the C handle needs the queue until dealloc. */
	Py_CLEAR(pkt->attrs);
	Py_CLEAR(pkt->view);
	Py_CLEAR(pkt->copy);
	return 0;
}

static void pynfqueue_packet_dealloc(PyObject *self)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;
	PyTypeObject *type = Py_TYPE(self);

	PyObject_GC_UnTrack(self);
	if (pkt->weakrefs)
		PyObject_ClearWeakRefs(self);
	/* A retained packet is ours to free (C gives it the default verdict
	 * if it has none); a borrowed one is C's, which expires it. */
	if (pkt->retained && pkt->packet)
		nfqueue_packet_free(pkt->packet);
	pkt->packet = NULL;
	pynfqueue_packet_clear(self);
	Py_CLEAR(pkt->owner);
	/* A Python subclass's instances hold a reference to their class,
	 * which subtype_dealloc drops after this, as for any static base. */
	type->tp_free(self);
}

/* ---- attributes: one call into C per packet ---- */

static PyObject *pynfqueue_opt_u32(const nfqueue_attrs *a, uint32_t bit, uint32_t value)
{
	if (!(a->present & bit))
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLong(value);
}

static PyObject *pynfqueue_opt_bytes(const nfqueue_attrs *a, uint32_t bit, const uint8_t *data,
				     size_t len)
{
	if (!(a->present & bit) || !data)
		Py_RETURN_NONE;
	return PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);
}

/* The tuple nfqueue.packet reads by index (see _ATTRS there). */
static PyObject *pynfqueue_attrs_tuple(const nfqueue_attrs *a)
{
	PyObject *t = PyTuple_New(22);
	PyObject *v;
	int i = 0;

	if (!t)
		return NULL;
#define PUT(expr)                                \
	do {                                     \
		if (!(v = (expr))) {             \
			Py_DECREF(t);            \
			return NULL;             \
		}                                \
		PyTuple_SET_ITEM(t, i++, v);     \
	} while (0)
	PUT(PyLong_FromUnsignedLong(a->id));
	PUT(PyLong_FromUnsignedLong(a->queue_num));
	PUT(PyLong_FromUnsignedLong(a->hw_protocol));
	PUT(PyLong_FromLong(a->hook));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_MARK, a->mark));
	if (a->present & NFQUEUE_ATTR_TIMESTAMP)
		PUT(PyFloat_FromDouble((double)a->timestamp_sec + (double)a->timestamp_usec / 1e6));
	else
		PUT(Py_NewRef(Py_None));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_INDEV, a->ifindex[NFQUEUE_IFACE_IN]));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_OUTDEV, a->ifindex[NFQUEUE_IFACE_OUT]));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_PHYSINDEV, a->ifindex[NFQUEUE_IFACE_PHYSIN]));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_PHYSOUTDEV, a->ifindex[NFQUEUE_IFACE_PHYSOUT]));
	PUT(pynfqueue_opt_bytes(a, NFQUEUE_ATTR_HWADDR, a->hwaddr, a->hwaddr_len));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_UID, a->uid));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_GID, a->gid));
	if ((a->present & NFQUEUE_ATTR_SECCTX) && a->secctx) {
		size_t n = a->secctx_len;

		/* A label, not NUL-terminated by contract; the kernel's copy
		 * usually carries one. */
		while (n > 0 && a->secctx[n - 1] == '\0')
			n--;
		PUT(PyUnicode_DecodeUTF8(a->secctx, (Py_ssize_t)n, "surrogateescape"));
	} else {
		PUT(Py_NewRef(Py_None));
	}
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_SKBINFO, a->skbinfo));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_PRIORITY, a->priority));
	if (a->present & NFQUEUE_ATTR_VLAN)
		PUT(Py_BuildValue("(HH)", a->vlan_proto, a->vlan_tci));
	else
		PUT(Py_NewRef(Py_None));
	PUT(pynfqueue_opt_bytes(a, NFQUEUE_ATTR_L2HDR, a->l2hdr, a->l2hdr_len));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_CT_INFO, a->ct_info));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_CT_ID, a->ct_id));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_CT_STATUS, a->ct_status));
	PUT(pynfqueue_opt_u32(a, NFQUEUE_ATTR_ORIG_LEN, a->orig_len));
#undef PUT
	return t;
}

static PyObject *pynfqueue_packet_get_attrs(PyObject *self, void *closure)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;
	nfqueue_packet *p;
	nfqueue_attrs a;
	int rc;

	(void)closure;
	if (pkt->attrs)
		return Py_NewRef(pkt->attrs);
	if (pynfqueue_packet_arg(self, &p, "Packet._attrs") < 0)
		return NULL;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	rc = nfqueue_packet_attrs(&a, p);
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	pkt->attrs = pynfqueue_attrs_tuple(&a);
	return Py_XNewRef(pkt->attrs);
}

static PyObject *pynfqueue_packet_get_queue_num(PyObject *self, void *closure)
{
	pynfqueue_owner *owner = ((pynfqueue_packet *)self)->owner;

	(void)closure;
	if (!owner)
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLong(nfqueue_queue_num(owner->queue));
}

static PyGetSetDef pynfqueue_packet_getset[] = {
	{ "_attrs", pynfqueue_packet_get_attrs, NULL, "every attribute, one call into C", NULL },
	{ "_queue_num", pynfqueue_packet_get_queue_num, NULL, "the number of the queue", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* packet._verdict(v): nfqueue_packet_verdict as a method taking one int,
 * the hot path of accept() and drop() (no argument tuple to unpack). */
static PyObject *pynfqueue_packet_verdict_method(PyObject *self, PyObject *arg)
{
	nfqueue_packet *p;
	long verdict = PyLong_AsLong(arg);
	int rc;

	if (verdict == -1 && PyErr_Occurred())
		return NULL;
	if (verdict < INT_MIN || verdict > INT_MAX) {
		PyErr_SetString(PyExc_OverflowError, "verdict does not fit a C int");
		return NULL;
	}
	if (pynfqueue_packet_arg(self, &p, "Packet._verdict") < 0)
		return NULL;
	rc = nfqueue_packet_verdict(p, (int)verdict);
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	Py_RETURN_NONE;
}

static PyMethodDef pynfqueue_packet_methods[] = {
	{ "_verdict", pynfqueue_packet_verdict_method, METH_O, "nfqueue_packet_verdict" },
	{ NULL, NULL, 0, NULL },
};

static PyMemberDef pynfqueue_packet_members[] = {
	{ "_retained", T_BOOL, offsetof(pynfqueue_packet, retained), READONLY, "retain() was called" },
	{ NULL, 0, 0, 0, NULL },
};

static PyTypeObject pynfqueue_packet_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "nfqueue._nfqueue.PacketBase",
	.tp_basicsize = sizeof(pynfqueue_packet),
	.tp_dealloc = pynfqueue_packet_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "One C packet handle; nfqueue.Packet is its Pythonic subclass.",
	.tp_traverse = pynfqueue_packet_traverse,
	.tp_clear = pynfqueue_packet_clear,
	.tp_weaklistoffset = offsetof(pynfqueue_packet, weakrefs),
	.tp_getset = pynfqueue_packet_getset,
	.tp_members = pynfqueue_packet_members,
	.tp_methods = pynfqueue_packet_methods,
	/* no tp_new: only receiving makes packets */
};

/* ---- payload views ---- */

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
	 * FillInfo takes a reference to self in view->obj. */
	return PyBuffer_FillInfo(view, self, (void *)(p->data ? p->data : empty), p->len, 1,
				 flags);
}

static PyBufferProcs pynfqueue_payload_as_buffer = {
	pynfqueue_payload_getbuffer, /* bf_getbuffer */
	NULL,                        /* bf_releasebuffer */
};

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
	.tp_doc = "Read-only buffer over a packet payload; keeps its queue alive.",
	.tp_traverse = pynfqueue_payload_traverse,
	.tp_clear = pynfqueue_payload_clear,
};

static PyObject *pynfqueue_view(PyObject *owner, const uint8_t *data, size_t len)
{
	pynfqueue_payload *exporter = PyObject_GC_New(pynfqueue_payload, &pynfqueue_payload_type);
	PyObject *view;

	if (!exporter)
		return NULL;
	exporter->owner = Py_NewRef(owner);
	exporter->data = data;
	exporter->len = (Py_ssize_t)len;
	PyObject_GC_Track((PyObject *)exporter);
	view = PyMemoryView_FromObject((PyObject *)exporter);
	Py_DECREF(exporter); /* the view holds it now */
	return view;
}

/* The payload: a zero-copy view while borrowed (the same view each time),
 * bytes once retained or replaced, None without payload. */
static PyObject *pynfqueue_packet_payload(PyObject *self)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;
	nfqueue_packet *p;
	const uint8_t *data;
	size_t len;
	int rc;

	if (pynfqueue_packet_arg(self, &p, "packet_payload") < 0)
		return NULL;
	if (!p)
		return pynfqueue_raise(NFQUEUE_E_INVAL, "packet is NULL");
	if (pkt->copy)
		return Py_NewRef(pkt->copy);
	if (pkt->view && !pkt->retained)
		return Py_NewRef(pkt->view);
	rc = nfqueue_packet_payload(&data, &len, p);
	if (rc == NFQUEUE_E_NOATTR)
		Py_RETURN_NONE;
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	if (pkt->retained) {
		/* C's own copy, which lives as long as the handle: bytes, so
		 * no view of it can outlive a free. */
		pkt->copy = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);
		return Py_XNewRef(pkt->copy);
	}
	pkt->view = pynfqueue_view((PyObject *)pkt->owner, data, len);
	return Py_XNewRef(pkt->view);
}

/* ---- lifetime calls that Python's view of the packet must follow ---- */

static PyObject *pynfqueue_packet_retain(PyObject *self)
{
	nfqueue_packet *p;
	int rc;

	if (pynfqueue_packet_arg(self, &p, "packet_retain") < 0)
		return NULL;
	rc = nfqueue_packet_retain(p);
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	((pynfqueue_packet *)self)->retained = 1;
	Py_RETURN_NONE;
}

/* Free a retained packet (C gives the default verdict if it has none);
 * nothing for a borrowed one, which C owns, or one freed already. */
static PyObject *pynfqueue_packet_free(PyObject *self)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;

	if (self == Py_None)
		Py_RETURN_NONE;
	if (!PyObject_TypeCheck(self, &pynfqueue_packet_type)) {
		PyErr_Format(PyExc_TypeError, "in method 'packet_free', the packet argument must be an nfqueue.Packet, not '%.100s'",
			     Py_TYPE(self)->tp_name);
		return NULL;
	}
	if (!pkt->retained || !pkt->packet)
		Py_RETURN_NONE;
	/* C sends the default verdict only while the queue is open. */
	pkt->freed_with_verdict = nfqueue_packet_has_verdict(pkt->packet) ||
				  nfqueue_queue_fd(pkt->owner->queue) >= 0;
	nfqueue_packet_free(pkt->packet);
	pkt->packet = NULL;
	pynfqueue_release_view(&pkt->view);
	Py_CLEAR(pkt->copy);
	Py_CLEAR(pkt->attrs);
	Py_RETURN_NONE;
}

/* End a borrow now (nfqueue_packet_release: the default verdict if none). */
static PyObject *pynfqueue_packet_release(PyObject *self)
{
	nfqueue_packet *p;
	int rc;

	if (pynfqueue_packet_arg(self, &p, "packet_release") < 0)
		return NULL;
	rc = nfqueue_packet_release(p);
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	pynfqueue_end_borrow((pynfqueue_packet *)self);
	Py_RETURN_NONE;
}

/* (expired, verdict_given), as C tells them. An expired packet had its
 * verdict: C gave it the default one when the borrow ended. */
static PyObject *pynfqueue_packet_status(PyObject *self)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;
	nfqueue_packet *p;
	nfqueue_attrs a;
	int expired;

	if (PyObject_TypeCheck(self, &pynfqueue_packet_type) && !pkt->packet)
		return Py_BuildValue("(OO)", Py_True, pkt->freed_with_verdict ? Py_True : Py_False);
	if (pynfqueue_packet_arg(self, &p, "packet_status") < 0)
		return NULL;
	if (!p)
		return pynfqueue_raise(NFQUEUE_E_INVAL, "packet is NULL");
	memset(&a, 0, sizeof(a));
	a.size = offsetof(nfqueue_attrs, mark);
	expired = nfqueue_packet_attrs(&a, p) == NFQUEUE_E_EXPIRED;
	return Py_BuildValue("(OO)", expired ? Py_True : Py_False,
			     expired || nfqueue_packet_has_verdict(p) ? Py_True : Py_False);
}

/* What a verdict with a replacement payload leaves behind: the payload
 * reads back as bytes, never as a view of C's copy. */
static int pynfqueue_keep_replacement(pynfqueue_packet *pkt, const void *data, size_t len)
{
	PyObject *copy = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);

	if (!copy)
		return -1;
	Py_XSETREF(pkt->copy, copy);
	pynfqueue_release_view(&pkt->view);
	return 0;
}

/*
 * One verdict with what it carries, in one call: the mark (None: keep),
 * the replacement payload (None: keep), then the verdict, or with
 * queue_num >= 0 the packet sent to that queue (flags: NFQUEUE_QUEUE_BYPASS).
 * Holds the GIL throughout, so another thread's verdict on the same
 * retained packet cannot come in between.
 */
static PyObject *pynfqueue_packet_decide(PyObject *self, int verdict, PyObject *mark,
					 PyObject *payload, long queue_num, unsigned int flags)
{
	pynfqueue_packet *pkt = (pynfqueue_packet *)self;
	nfqueue_packet *p;
	Py_buffer buf;
	int have_buf = 0, rc = 0;
	PyObject *result = NULL;

	if (pynfqueue_packet_arg(self, &p, "packet_decide") < 0)
		return NULL;
	if (payload != Py_None) {
		if (PyObject_GetBuffer(payload, &buf, PyBUF_SIMPLE) < 0)
			return NULL;
		have_buf = 1;
	}
	if (mark != Py_None) {
		unsigned long m = PyLong_AsUnsignedLong(mark);

		if (m == (unsigned long)-1 && PyErr_Occurred())
			goto done;
		if (m > UINT32_MAX) {
			PyErr_SetString(PyExc_OverflowError, "mark does not fit 32 bits");
			goto done;
		}
		rc = nfqueue_packet_set_mark(p, (uint32_t)m);
	}
	if (rc == 0 && have_buf) {
		rc = nfqueue_packet_set_payload(p, buf.buf, (size_t)buf.len);
		if (rc == 0 && pynfqueue_keep_replacement(pkt, buf.buf, (size_t)buf.len) < 0)
			goto done;
	}
	if (rc == 0)
		rc = queue_num >= 0 ? nfqueue_packet_verdict_queue(p, (uint32_t)queue_num, flags)
				    : nfqueue_packet_verdict(p, verdict);
	if (rc < 0)
		pynfqueue_raise_last(rc);
	else
		result = Py_NewRef(Py_None);
done:
	if (have_buf)
		PyBuffer_Release(&buf);
	return result;
}

/* ---- the owner ---- */

static int pynfqueue_owner_traverse(PyObject *self, visitproc visit, void *arg)
{
	pynfqueue_owner *o = (pynfqueue_owner *)self;

	Py_VISIT(o->packet_type);
	Py_VISIT(o->pulled);
	return 0;
}

static int pynfqueue_owner_clear(PyObject *self)
{
	pynfqueue_owner *o = (pynfqueue_owner *)self;

	Py_CLEAR(o->pulled);
	return 0;
}

static void pynfqueue_owner_dealloc(PyObject *self)
{
	pynfqueue_owner *o = (pynfqueue_owner *)self;

	PyObject_GC_UnTrack(self);
	pynfqueue_owner_clear(self);
	Py_CLEAR(o->packet_type);
	/* Every packet and view of this queue is gone (each held us). */
	Py_BEGIN_ALLOW_THREADS
	nfqueue_queue_free(o->queue);
	Py_END_ALLOW_THREADS
	PyObject_GC_Del(self);
}

static PyTypeObject pynfqueue_owner_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "nfqueue._nfqueue.QueueOwner",
	.tp_basicsize = sizeof(pynfqueue_owner),
	.tp_dealloc = pynfqueue_owner_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "Frees its C queue when deallocated; packets and payload views keep it alive.",
	.tp_traverse = pynfqueue_owner_traverse,
	.tp_clear = pynfqueue_owner_clear,
	/* no tp_new: only queue_owner() makes these */
};

/* The owner argument of the receive calls: NULL with InvalidArgumentError
 * for None, TypeError for anything else. */
static pynfqueue_owner *pynfqueue_owner_arg(PyObject *obj, const char *fn)
{
	if (obj == Py_None) {
		pynfqueue_raise(NFQUEUE_E_INVAL, "queue is NULL");
		return NULL;
	}
	if (!PyObject_TypeCheck(obj, &pynfqueue_owner_type)) {
		PyErr_Format(PyExc_TypeError, "in method '%s', argument 1 must be a QueueOwner (queue_owner()), not '%.100s'",
			     fn, Py_TYPE(obj)->tp_name);
		return NULL;
	}
	return (pynfqueue_owner *)obj;
}

/* queue_owner(queue, packet_class): hand freeing `queue` over to the owner,
 * whose packets are made of `packet_class` (a subclass of PacketBase). */
static PyObject *pynfqueue_queue_owner(PyObject *queue, PyObject *packet_class)
{
	pynfqueue_owner *owner;
	void *q;

	if (!pynfqueue_packet_base())
		return NULL;
	Py_DECREF(&pynfqueue_packet_type);
	if (!SWIG_IsOK(SWIG_ConvertPtr(queue, &q, SWIGTYPE_p_nfqueue_queue, 0))) {
		PyErr_SetString(PyExc_TypeError, "queue_owner() argument 1 must be a queue handle");
		return NULL;
	}
	if (!PyType_Check(packet_class) ||
	    !PyType_IsSubtype((PyTypeObject *)packet_class, &pynfqueue_packet_type)) {
		PyErr_SetString(PyExc_TypeError, "queue_owner() argument 2 must be a subclass of PacketBase");
		return NULL;
	}
	if (!q)
		return pynfqueue_raise(NFQUEUE_E_INVAL, "queue is NULL");
	owner = PyObject_GC_New(pynfqueue_owner, &pynfqueue_owner_type);
	if (!owner)
		return NULL;
	owner->queue = (nfqueue_queue *)q;
	owner->packet_type = (PyTypeObject *)Py_NewRef(packet_class);
	owner->pulled = PyList_New(0);
	PyObject_GC_Track((PyObject *)owner);
	if (!owner->pulled) {
		owner->queue = NULL; /* not ours yet: the caller still frees it */
		Py_DECREF(owner);
		return NULL;
	}
	return (PyObject *)owner;
}

/* Close the owner's queue (C gives pending packets the default verdict);
 * on success the last pull's packets are expired, as C expired them. */
static PyObject *pynfqueue_owner_close(PyObject *self)
{
	pynfqueue_owner *owner = pynfqueue_owner_arg(self, "owner_close");
	int rc;

	if (!owner)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	rc = nfqueue_queue_close(owner->queue);
	Py_END_ALLOW_THREADS
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	pynfqueue_end_pulled(owner);
	Py_RETURN_NONE;
}
%}

%{
/* packet_base(): the PacketBase type, for nfqueue.Packet to subclass (a
 * function rather than module init code, whose form differs between SWIG
 * versions). */
static PyObject *pynfqueue_packet_base(void)
{
	if (PyType_Ready(&pynfqueue_packet_type) < 0 || PyType_Ready(&pynfqueue_payload_type) < 0 ||
	    PyType_Ready(&pynfqueue_owner_type) < 0)
		return NULL;
	return Py_NewRef((PyObject *)&pynfqueue_packet_type);
}
%}
%rename(packet_base) pynfqueue_packet_base;
PyObject *pynfqueue_packet_base(void);

%ignore nfqueue_packet_payload;
%ignore nfqueue_packet_retain;
%ignore nfqueue_packet_free;
%ignore nfqueue_packet_release;
%ignore nfqueue_packet_attrs;
%ignore nfqueue_attrs;
%rename(packet_payload) pynfqueue_packet_payload;
%rename(packet_retain) pynfqueue_packet_retain;
%rename(packet_free) pynfqueue_packet_free;
%rename(packet_release) pynfqueue_packet_release;
%rename(packet_status) pynfqueue_packet_status;
%rename(packet_decide) pynfqueue_packet_decide;
%rename(queue_owner) pynfqueue_queue_owner;
%rename(owner_close) pynfqueue_owner_close;
PyObject *pynfqueue_packet_payload(PyObject *packet);
PyObject *pynfqueue_packet_retain(PyObject *packet);
PyObject *pynfqueue_packet_free(PyObject *packet);
PyObject *pynfqueue_packet_release(PyObject *packet);
PyObject *pynfqueue_packet_status(PyObject *packet);
PyObject *pynfqueue_packet_decide(PyObject *packet, int verdict, PyObject *mark, PyObject *payload,
				  long queue_num, unsigned int flags);
PyObject *pynfqueue_queue_owner(PyObject *queue, PyObject *packet_class);
PyObject *pynfqueue_owner_close(PyObject *owner);

/* Every attribute in one call is the PacketBase._attrs property: the
 * counterpart of nfqueue_packet_attrs. */
%{
static PyObject *pynfqueue_packet_attrs(PyObject *packet)
{
	if (!PyObject_TypeCheck(packet, &pynfqueue_packet_type)) {
		nfqueue_packet *p;

		return pynfqueue_packet_arg(packet, &p, "packet_attrs") < 0
			       ? NULL
			       : pynfqueue_raise(NFQUEUE_E_INVAL, "packet is NULL");
	}
	return pynfqueue_packet_get_attrs(packet, NULL);
}
%}
%rename(packet_attrs) pynfqueue_packet_attrs;
PyObject *pynfqueue_packet_attrs(PyObject *packet);
