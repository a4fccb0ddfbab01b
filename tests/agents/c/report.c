/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.c - packet metadata and errors as members of JSON events.
 *
 * An attribute the kernel did not send is written as null, never as 0;
 * any other failure of a getter is written as the error's name, so a
 * mistake in the library shows up in the report instead of a made-up value.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

const char *error_name(int code)
{
	switch (code) {
	case NFQUEUE_OK: return "NFQUEUE_OK";
	case NFQUEUE_E_PERM: return "NFQUEUE_E_PERM";
	case NFQUEUE_E_NOENT: return "NFQUEUE_E_NOENT";
	case NFQUEUE_E_INTR: return "NFQUEUE_E_INTR";
	case NFQUEUE_E_IO: return "NFQUEUE_E_IO";
	case NFQUEUE_E_AGAIN: return "NFQUEUE_E_AGAIN";
	case NFQUEUE_E_NOMEM: return "NFQUEUE_E_NOMEM";
	case NFQUEUE_E_BUSY: return "NFQUEUE_E_BUSY";
	case NFQUEUE_E_INVAL: return "NFQUEUE_E_INVAL";
	case NFQUEUE_E_NOATTR: return "NFQUEUE_E_NOATTR";
	case NFQUEUE_E_TOOBIG: return "NFQUEUE_E_TOOBIG";
	case NFQUEUE_E_NOTSUP: return "NFQUEUE_E_NOTSUP";
	case NFQUEUE_E_NOBUFS: return "NFQUEUE_E_NOBUFS";
	case NFQUEUE_E_CLOSED: return "NFQUEUE_E_CLOSED";
	case NFQUEUE_E_VERDICT_GIVEN: return "NFQUEUE_E_VERDICT_GIVEN";
	case NFQUEUE_E_EXPIRED: return "NFQUEUE_E_EXPIRED";
	case NFQUEUE_E_STOPPED: return "NFQUEUE_E_STOPPED";
	case NFQUEUE_E_CALLBACK: return "NFQUEUE_E_CALLBACK";
	}
	return "UNKNOWN";
}

const char *result_name(int code)
{
	return code == 0 ? "ok" : error_name(code);
}

static void u32_member(struct line *l, const char *key, int rc, uint32_t value)
{
	if (rc == 0)
		line_int(l, key, value);
	else if (rc == NFQUEUE_E_NOATTR)
		line_null(l, key);
	else
		line_str(l, key, error_name(rc));
}

static void bytes_member(struct line *l, const char *key, int rc, const uint8_t *data, size_t len)
{
	if (rc == 0)
		line_hex(l, key, data, len);
	else if (rc == NFQUEUE_E_NOATTR)
		line_null(l, key);
	else
		line_str(l, key, error_name(rc));
}

static void iface_members(struct line *l, const nfqueue_packet *p, int which,
			  const char *key, const char *name_key)
{
	char name[NFQUEUE_IFNAMSIZ];
	uint32_t index = 0;
	int rc = nfqueue_packet_ifindex(&index, p, which);

	u32_member(l, key, rc, index);
	rc = nfqueue_packet_ifname(name, sizeof(name), p, which);
	if (rc == 0)
		line_str(l, name_key, name);
	else if (rc == NFQUEUE_E_NOATTR)
		line_null(l, name_key);
	else
		line_str(l, name_key, error_name(rc));
}

void report_packet(struct line *l, const nfqueue_packet *p, size_t hex_max)
{
	const uint8_t *data = NULL;
	const char *text = NULL;
	uint32_t u = 0;
	uint16_t proto = 0, tci = 0;
	int64_t sec = 0, usec = 0;
	size_t len = 0;
	int rc;

	line_int(l, "id", nfqueue_packet_id(p));
	line_int(l, "queue", nfqueue_packet_queue_num(p));
	line_int(l, "hw_protocol", nfqueue_packet_hw_protocol(p));
	line_int(l, "hook", nfqueue_packet_hook(p));
	rc = nfqueue_packet_mark(&u, p);
	u32_member(l, "mark", rc, u);

	rc = nfqueue_packet_timestamp(&sec, &usec, p);
	if (rc == 0) {
		char pair[64];

		snprintf(pair, sizeof(pair), "[%lld,%lld]", (long long)sec, (long long)usec);
		line_raw(l, "timestamp", pair);
	} else if (rc == NFQUEUE_E_NOATTR) {
		line_null(l, "timestamp");
	} else {
		line_str(l, "timestamp", error_name(rc));
	}

	iface_members(l, p, NFQUEUE_IFACE_IN, "indev", "indev_name");
	iface_members(l, p, NFQUEUE_IFACE_OUT, "outdev", "outdev_name");
	iface_members(l, p, NFQUEUE_IFACE_PHYSIN, "physindev", "physindev_name");
	iface_members(l, p, NFQUEUE_IFACE_PHYSOUT, "physoutdev", "physoutdev_name");

	rc = nfqueue_packet_hwaddr(&data, &len, p);
	bytes_member(l, "hwaddr", rc, data, len);
	rc = nfqueue_packet_uid(&u, p);
	u32_member(l, "uid", rc, u);
	rc = nfqueue_packet_gid(&u, p);
	u32_member(l, "gid", rc, u);
	rc = nfqueue_packet_secctx(&text, &len, p);
	if (rc == 0)
		line_strn(l, "secctx", text, len);
	else
		bytes_member(l, "secctx", rc, NULL, 0);
	rc = nfqueue_packet_skbinfo(&u, p);
	u32_member(l, "skbinfo", rc, u);
	rc = nfqueue_packet_priority(&u, p);
	u32_member(l, "priority", rc, u);

	rc = nfqueue_packet_vlan(&proto, &tci, p);
	if (rc == 0) {
		char pair[64];

		snprintf(pair, sizeof(pair), "{\"proto\":%u,\"tci\":%u}", proto, tci);
		line_raw(l, "vlan", pair);
	} else {
		bytes_member(l, "vlan", rc, NULL, 0);
	}
	rc = nfqueue_packet_l2hdr(&data, &len, p);
	bytes_member(l, "l2hdr", rc, data, len);
	rc = nfqueue_packet_ct_info(&u, p);
	u32_member(l, "ct_info", rc, u);
	rc = nfqueue_packet_ct_id(&u, p);
	u32_member(l, "ct_id", rc, u);
	rc = nfqueue_packet_ct_status(&u, p);
	u32_member(l, "ct_status", rc, u);

	rc = nfqueue_packet_orig_len(&u, p);
	u32_member(l, "orig_len", rc, u);
	rc = nfqueue_packet_payload(&data, &len, p);
	if (rc == 0) {
		line_int(l, "payload_len", (long long)len);
		line_hex(l, "payload_hex", data, len < hex_max ? len : hex_max);
	} else {
		u32_member(l, "payload_len", rc, 0);
		line_null(l, "payload_hex");
	}
}

void report_error(const char *call, int code)
{
	struct line l = { 0 };

	line_begin(&l, "error");
	line_str(&l, "call", call);
	line_int(&l, "code", code);
	line_str(&l, "name", error_name(code));
	line_str(&l, "message", nfqueue_last_error());
	line_emit(&l);
	free(l.buf);
}
