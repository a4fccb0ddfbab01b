/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.c - a small recursive-descent JSON reader and a one-line writer.
 */
#include "json.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader ---- */

struct reader {
	const char *p;
	const char *error;
	int depth;
};

static struct json *parse_value(struct reader *r);

static void skip_space(struct reader *r)
{
	while (*r->p && isspace((unsigned char)*r->p))
		r->p++;
}

static struct json *new_value(enum json_type type)
{
	struct json *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

static bool append(struct json *v, char *key, struct json *item)
{
	struct json **items = realloc(v->items, (v->count + 1) * sizeof(*items));

	if (!items)
		return false;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		char **keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));

		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->count] = key;
	}
	v->items[v->count++] = item;
	return true;
}

int json_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads a string at r->p (which is at the opening quote). \u escapes
 * beyond ASCII are kept as '?': the plan only carries ASCII and hex. */
static char *parse_string(struct reader *r)
{
	size_t cap = 16, len = 0;
	char *s = malloc(cap);

	if (!s) {
		r->error = "out of memory";
		return NULL;
	}
	r->p++;
	while (*r->p != '"') {
		char c = *r->p++;

		if (c == '\0') {
			r->error = "unterminated string";
			free(s);
			return NULL;
		}
		if (c == '\\') {
			char e = *r->p++;

			switch (e) {
			case '"': case '\\': case '/': c = e; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int i, code = 0;

				for (i = 0; i < 4; i++) {
					int d = json_hex_digit(r->p[i]);

					if (d < 0) {
						r->error = "bad \\u escape";
						free(s);
						return NULL;
					}
					code = code * 16 + d;
				}
				r->p += 4;
				c = code < 0x80 ? (char)code : '?';
				break;
			}
			default:
				r->error = "bad escape";
				free(s);
				return NULL;
			}
		}
		if (len + 2 > cap) {
			char *bigger = realloc(s, cap *= 2);

			if (!bigger) {
				free(s);
				r->error = "out of memory";
				return NULL;
			}
			s = bigger;
		}
		s[len++] = c;
	}
	r->p++;
	s[len] = '\0';
	return s;
}

static struct json *parse_container(struct reader *r, bool object)
{
	struct json *v = new_value(object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (!v) {
		r->error = "out of memory";
		return NULL;
	}
	r->p++;
	skip_space(r);
	if (*r->p == close) {
		r->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct json *item;

		skip_space(r);
		if (object) {
			if (*r->p != '"') {
				r->error = "expected a member name";
				goto fail;
			}
			key = parse_string(r);
			if (!key)
				goto fail;
			skip_space(r);
			if (*r->p != ':') {
				free(key);
				r->error = "expected ':'";
				goto fail;
			}
			r->p++;
		}
		item = parse_value(r);
		if (!item || !append(v, key, item)) {
			free(key);
			json_free(item);
			if (!r->error)
				r->error = "out of memory";
			goto fail;
		}
		skip_space(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			return v;
		}
		r->error = object ? "expected ',' or '}'" : "expected ',' or ']'";
		goto fail;
	}
fail:
	json_free(v);
	return NULL;
}

static struct json *parse_value(struct reader *r)
{
	struct json *v;

	if (++r->depth > 32) {
		r->error = "nested too deeply";
		return NULL;
	}
	skip_space(r);
	switch (*r->p) {
	case '{':
		v = parse_container(r, true);
		break;
	case '[':
		v = parse_container(r, false);
		break;
	case '"': {
		char *s = parse_string(r);

		v = s ? new_value(JSON_STRING) : NULL;
		if (v)
			v->string = s;
		else
			free(s);
		break;
	}
	default:
		if (!strncmp(r->p, "null", 4)) {
			r->p += 4;
			v = new_value(JSON_NULL);
		} else if (!strncmp(r->p, "true", 4) || !strncmp(r->p, "false", 5)) {
			bool t = *r->p == 't';

			r->p += t ? 4 : 5;
			v = new_value(JSON_BOOL);
			if (v)
				v->boolean = t;
		} else if (*r->p == '-' || isdigit((unsigned char)*r->p)) {
			char *end;
			long long n = strtoll(r->p, &end, 10);

			if (*end == '.' || *end == 'e' || *end == 'E') {
				r->error = "only integers are supported";
				return NULL;
			}
			r->p = end;
			v = new_value(JSON_INT);
			if (v)
				v->integer = n;
		} else {
			r->error = "unexpected character";
			return NULL;
		}
	}
	r->depth--;
	if (!v && !r->error)
		r->error = "out of memory";
	return v;
}

struct json *json_parse(const char *text, const char **error)
{
	struct reader r = { .p = text };
	struct json *v = parse_value(&r);

	if (v) {
		skip_space(&r);
		if (*r.p) {
			json_free(v);
			v = NULL;
			r.error = "trailing characters after the value";
		}
	}
	if (error)
		*error = r.error;
	return v;
}

void json_free(struct json *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->count; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	free(v);
}

const struct json *json_get(const struct json *o, const char *key)
{
	size_t i;

	if (!o || o->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < o->count; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

/* ---- writer ---- */

static void put(struct line *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		char *bigger;

		while (l->len + n + 1 > cap)
			cap *= 2;
		bigger = realloc(l->buf, cap);
		if (!bigger) {
			/* An agent that cannot report is useless: say so and stop. */
			fputs("nfqueue-agent-c: out of memory\n", stderr);
			abort();
		}
		l->buf = bigger;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct line *l, const char *fmt, ...)
{
	char small[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	put(l, small, (size_t)n < sizeof(small) ? (size_t)n : sizeof(small) - 1);
}

static void put_quoted(struct line *l, const char *s, size_t n)
{
	size_t i;

	put(l, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			put(l, "\\", 1);
			put(l, (const char *)&c, 1);
		} else if (c < 0x20 || c >= 0x7f) {
			putf(l, "\\u%04x", c);
		} else {
			put(l, (const char *)&c, 1);
		}
	}
	put(l, "\"", 1);
}

static void key(struct line *l, const char *k)
{
	if (!l->first)
		put(l, ",", 1);
	l->first = false;
	put_quoted(l, k, strlen(k));
	put(l, ":", 1);
}

void line_begin(struct line *l, const char *event)
{
	l->len = 0;
	l->first = true;
	put(l, "{", 1);
	line_str(l, "event", event);
}

void line_null(struct line *l, const char *k)
{
	key(l, k);
	put(l, "null", 4);
}

void line_bool(struct line *l, const char *k, bool value)
{
	key(l, k);
	put(l, value ? "true" : "false", value ? 4 : 5);
}

void line_int(struct line *l, const char *k, long long value)
{
	key(l, k);
	putf(l, "%lld", value);
}

void line_str(struct line *l, const char *k, const char *value)
{
	line_strn(l, k, value, strlen(value));
}

void line_strn(struct line *l, const char *k, const char *value, size_t len)
{
	key(l, k);
	put_quoted(l, value, len);
}

void line_hex(struct line *l, const char *k, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	key(l, k);
	put(l, "\"", 1);
	for (i = 0; i < len; i++) {
		char pair[2] = { digits[data[i] >> 4], digits[data[i] & 15] };

		put(l, pair, 2);
	}
	put(l, "\"", 1);
}

void line_raw(struct line *l, const char *k, const char *json)
{
	key(l, k);
	put(l, json, strlen(json));
}

static pthread_mutex_t stdout_lock = PTHREAD_MUTEX_INITIALIZER;

void line_usage_error(const char *fmt, const char *arg)
{
	char message[512];
	struct line l = { 0 };

	snprintf(message, sizeof(message), fmt, arg);
	line_begin(&l, "error");
	line_str(&l, "call", "usage");
	line_int(&l, "code", 0);
	line_str(&l, "name", "USAGE");
	line_str(&l, "message", message);
	line_emit(&l);
	free(l.buf);
	exit(64);
}

void line_emit(struct line *l)
{
	put(l, "}\n", 2);
	pthread_mutex_lock(&stdout_lock);
	fwrite(l->buf, 1, l->len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&stdout_lock);
}
