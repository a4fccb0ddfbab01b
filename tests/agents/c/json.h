/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - the little JSON the C agent needs: a reader for the --plan
 * argument and a line writer for its events (tests/conformance/PROTOCOL.md).
 *
 * Not a general JSON library: numbers are integers (the plan has no
 * fractions), and the reader keeps the whole tree in memory.
 */
#ifndef AGENT_JSON_H
#define AGENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	long long integer;
	char *string;           /* JSON_STRING: NUL-terminated, unescaped */
	struct json **items;    /* JSON_ARRAY and JSON_OBJECT values */
	char **keys;            /* JSON_OBJECT keys, parallel to items */
	size_t count;
};

/* Parse `text`; NULL on a syntax error, with a reason in *error (static). */
struct json *json_parse(const char *text, const char **error);
void json_free(struct json *value);
/* The member `key` of an object, or NULL. */
const struct json *json_get(const struct json *object, const char *key);

/* The value of one hex digit, or -1 if `c` is not one. */
int json_hex_digit(char c);

/* ---- writing one event line ---- */

struct line {
	char *buf;
	size_t len, cap;
	bool first; /* no comma before the next member */
};

/* Start an object: {"event":"<event>" */
void line_begin(struct line *l, const char *event);
void line_null(struct line *l, const char *key);
void line_bool(struct line *l, const char *key, bool value);
void line_int(struct line *l, const char *key, long long value);
void line_str(struct line *l, const char *key, const char *value);
void line_strn(struct line *l, const char *key, const char *value, size_t len);
void line_hex(struct line *l, const char *key, const uint8_t *data, size_t len);
/* A raw JSON fragment as the value (an array or object built by hand). */
void line_raw(struct line *l, const char *key, const char *json);
/* Close the object and write it as one line to stdout, atomically with
 * respect to other threads, flushed at once (the suite reads it live). */
void line_emit(struct line *l);

/* Report a bad command line or plan as PROTOCOL.md says (an "error" event
 * with "call":"usage", "name":"USAGE"; the message is `fmt` with `arg`)
 * and exit with status 64. Shared by every C agent. */
void line_usage_error(const char *fmt, const char *arg) __attribute__((noreturn));

#endif
