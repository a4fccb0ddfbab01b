/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - how the C agent describes packets and errors in its events.
 */
#ifndef AGENT_REPORT_H
#define AGENT_REPORT_H

#include <stddef.h>

#include <nfqueue.h>

#include "json.h"

/* "NFQUEUE_E_BUSY" for -16, "ok" for 0, "UNKNOWN" for codes the header lacks. */
const char *error_name(int code);

/* "ok", or the error's name: the "result" of a call. */
const char *result_name(int code);

/* Every metadata member of a "packet" event, for `packet`. The payload's
 * first `hex_max` bytes go into payload_hex. */
void report_packet(struct line *l, const nfqueue_packet *packet, size_t hex_max);

/* Emit {"event":"error","call":...,"code":...,"name":...,"message":...}
 * for a failed library call, with nfqueue_last_error() as the message. */
void report_error(const char *call, int code);

#endif
