/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batch.i - the queue-wide calls that fill or read a C struct:
 *
 *   queue_verdict_packets(queue, decisions)   nfqueue_queue_verdict_packets;
 *       `decisions` is a sequence of (packet, verdict, mark, payload,
 *       queue_num, bypass) tuples: mark and payload None to keep them,
 *       queue_num -1 for a plain verdict. One message for all; if C
 *       refuses one, nothing is sent and the exception's `index` names it.
 *   queue_stats(queue) -> dict                nfqueue_queue_stats
 */

%{
/* One decision tuple into a spec; the payload's buffer is held in *buf
 * (buf->obj NULL when there is none) until the call is over. */
static int pynfqueue_spec(nfqueue_verdict_spec *spec, Py_buffer *buf, PyObject *item,
			  Py_ssize_t index)
{
	PyObject *packet, *mark, *payload;
	int verdict, bypass;
	long queue_num;
	nfqueue_packet *p;

	memset(spec, 0, sizeof(*spec));
	buf->obj = NULL;
	spec->size = sizeof(*spec);
	if (!PyTuple_Check(item) ||
	    !PyArg_ParseTuple(item, "OiOOlp", &packet, &verdict, &mark, &payload, &queue_num, &bypass)) {
		if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
			PyErr_Clear();
			PyErr_Format(PyExc_TypeError,
				     "decision %zd must be a (packet, verdict, mark, payload, queue_num, bypass) tuple",
				     index);
		}
		return -1;
	}
	if (pynfqueue_packet_arg(packet, &p, "queue_verdict_packets") < 0)
		return -1;
	spec->packet = p;
	spec->verdict = verdict;
	if (mark != Py_None) {
		unsigned long m = PyLong_AsUnsignedLong(mark);

		if (m == (unsigned long)-1 && PyErr_Occurred())
			return -1;
		if (m > UINT32_MAX) {
			PyErr_Format(PyExc_OverflowError, "decision %zd: mark does not fit 32 bits", index);
			return -1;
		}
		spec->flags |= NFQUEUE_SPEC_MARK;
		spec->mark = (uint32_t)m;
	}
	if (payload != Py_None) {
		if (PyObject_GetBuffer(payload, buf, PyBUF_SIMPLE) < 0) {
			buf->obj = NULL;
			return -1;
		}
		spec->flags |= NFQUEUE_SPEC_PAYLOAD;
		spec->payload = buf->buf;
		spec->payload_len = (size_t)buf->len;
	}
	if (queue_num >= 0) {
		if (queue_num > (long)NFQUEUE_QUEUE_NUM_MAX) {
			PyErr_Format(PyExc_OverflowError, "decision %zd: queue_num out of range", index);
			return -1;
		}
		spec->flags |= NFQUEUE_SPEC_QUEUE | (bypass ? NFQUEUE_SPEC_BYPASS : 0);
		spec->queue_num = (uint32_t)queue_num;
	}
	return 0;
}

static PyObject *pynfqueue_queue_verdict_packets(nfqueue_queue *queue, PyObject *decisions)
{
	PyObject *seq = PySequence_Fast(decisions, "decisions must be a sequence");
	nfqueue_verdict_spec *specs = NULL;
	Py_buffer *bufs = NULL;
	Py_ssize_t n, i;
	size_t bad = 0;
	PyObject *result = NULL;
	int rc;

	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	specs = PyMem_New(nfqueue_verdict_spec, n ? n : 1);
	bufs = PyMem_New(Py_buffer, n ? n : 1);
	if (!specs || !bufs) {
		PyErr_NoMemory();
		goto done;
	}
	for (i = 0; i < n; i++)
		bufs[i].obj = NULL;
	for (i = 0; i < n; i++)
		if (pynfqueue_spec(&specs[i], &bufs[i], PySequence_Fast_GET_ITEM(seq, i), i) < 0)
			goto done;
	rc = nfqueue_queue_verdict_packets(&bad, queue, specs, (size_t)n);
	if (rc < 0) {
		PyObject *type, *value, *tb, *index;

		pynfqueue_raise_last(rc);
		PyErr_Fetch(&type, &value, &tb);
		PyErr_NormalizeException(&type, &value, &tb);
		index = PyLong_FromSize_t(bad);
		if (value && index)
			PyObject_SetAttrString(value, "index", index);
		Py_XDECREF(index);
		PyErr_Restore(type, value, tb);
		goto done;
	}
	/* Replaced payloads read back as bytes, as after a single verdict. */
	for (i = 0; i < n; i++)
		if (bufs[i].obj &&
		    pynfqueue_keep_replacement((pynfqueue_packet *)PyTuple_GET_ITEM(PySequence_Fast_GET_ITEM(seq, i), 0),
					       bufs[i].buf, (size_t)bufs[i].len) < 0)
			goto done;
	result = Py_NewRef(Py_None);
done:
	for (i = 0; bufs && i < n; i++)
		if (bufs[i].obj)
			PyBuffer_Release(&bufs[i]);
	PyMem_Free(specs);
	PyMem_Free(bufs);
	Py_DECREF(seq);
	return result;
}

static PyObject *pynfqueue_queue_stats(nfqueue_queue *queue)
{
	nfqueue_stats s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	rc = nfqueue_queue_stats(&s, queue);
	if (rc < 0)
		return pynfqueue_raise_last(rc);
	return Py_BuildValue("{sIsIsKsKsIsIsKsKsKsK}", "portid", s.portid, "waiting", s.waiting,
			     "queue_dropped", (unsigned long long)s.queue_dropped,
			     "user_dropped", (unsigned long long)s.user_dropped,
			     "id_sequence", s.id_sequence, "rcvbuf", s.rcvbuf,
			     "enobufs", (unsigned long long)s.enobufs,
			     "skipped", (unsigned long long)s.skipped,
			     "verdict_errors", (unsigned long long)s.verdict_errors,
			     "unstored", (unsigned long long)s.unstored);
}
%}

%ignore nfqueue_queue_verdict_packets;
%ignore nfqueue_queue_stats;
%ignore nfqueue_verdict_spec;
%ignore nfqueue_stats;
%rename(queue_verdict_packets) pynfqueue_queue_verdict_packets;
%rename(queue_stats) pynfqueue_queue_stats;
PyObject *pynfqueue_queue_verdict_packets(nfqueue_queue *queue, PyObject *decisions);
PyObject *pynfqueue_queue_stats(nfqueue_queue *queue);
