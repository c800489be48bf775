/* flowagg.c - flow records per minute and key (see flowagg.h). */
#include "agent/flowagg.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cd_flow_verdict_names[] = {
	"allowed", "dropped", "rejected", "would-drop", "would-reject",
};
const char *const cd_flow_seen_names[] = { "source", "destination", "both" };

struct entry {
	struct cd_flowkey k;
	struct cd_flowcount c;
	json_t *desc;
	char *text;                /* its key in the map */
};

/* the dropped attempts of a minute */
struct attempts {
	struct cd_map m;
	char **text;               /* the map's keys */
	size_t n, cap;
};

struct cd_flowagg {
	struct entry *e;
	size_t n, cap, max;
	struct cd_map by_key;
	/* the attempts of the minute attempts_minute, and of the one before
	 * it (a retransmission a minute's end splits is the same attempt) */
	struct attempts now, before;
	size_t max_attempts;
	int64_t attempts_minute;
	uint64_t overflow;
};

struct cd_flowagg *cd_flowagg_new(size_t max_keys, size_t max_attempts)
{
	struct cd_flowagg *a = cd_calloc(1, sizeof(*a));
	a->max = max_keys;
	a->max_attempts = max_attempts;
	cd_map_init_exact(&a->by_key);
	cd_map_init_exact(&a->now.m);
	cd_map_init_exact(&a->before.m);
	return a;
}

static void attempts_clear(struct attempts *s)
{
	cd_map_free(&s->m);
	cd_map_init_exact(&s->m);
	for (size_t i = 0; i < s->n; i++)
		free(s->text[i]);
	s->n = 0;
}

void cd_flowagg_free(struct cd_flowagg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		json_decref(a->e[i].desc);
		free(a->e[i].text);
	}
	free(a->e);
	cd_map_free(&a->by_key);
	attempts_clear(&a->now);
	attempts_clear(&a->before);
	cd_map_free(&a->now.m);
	cd_map_free(&a->before.m);
	free(a->now.text);
	free(a->before.text);
	free(a);
}

static void hex(char *p, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = d[b[i] >> 4];
		p[2 * i + 1] = d[b[i] & 15];
	}
	p[2 * n] = 0;
}

/* bytes into a key: an address as its family and its bytes (v4's
 * unused bytes zero, whatever the struct held) */
static size_t put_addr(uint8_t *b, const struct cd_addr *a)
{
	b[0] = a->family;
	memset(b + 1, 0, 16);
	memcpy(b + 1, a->b, a->family == 4 ? 4 : 16);
	return 17;
}

/* A key as map text without printf (this runs for every event): its
 * fields' bytes in hex. */
#define KEY_BYTES 55
static void key_hex(const struct cd_flowkey *k, char out[2 * KEY_BYTES + 1])
{
	uint8_t b[KEY_BYTES];
	size_t n = 0;
	memcpy(b + n, &k->minute, 8);
	n += 8;
	n += put_addr(b + n, &k->src);
	n += put_addr(b + n, &k->dst);
	b[n++] = k->proto;
	memcpy(b + n, &k->port, 2);
	n += 2;
	b[n++] = (uint8_t)k->verdict;
	memcpy(b + n, &k->rule, 4);
	n += 4;
	memcpy(b + n, &k->staged, 4);
	n += 4;
	b[n++] = (uint8_t)k->seen;
	hex(out, b, n);
}

void cd_flow_pair_key(const struct cd_addr *src, const struct cd_addr *dst, uint8_t proto,
		      uint16_t port, char out[CD_FLOW_PAIR_KEY])
{
	uint8_t b[37];
	size_t n = put_addr(b, src);
	n += put_addr(b + n, dst);
	b[n++] = proto;
	memcpy(b + n, &port, 2);
	hex(out, b, n + 2);
}

struct cd_flowcount *cd_flowagg_at(struct cd_flowagg *a, const struct cd_flowkey *k,
				   json_t *(*describe)(void *ctx), void *ctx)
{
	char kt[2 * KEY_BYTES + 1];
	key_hex(k, kt);
	size_t i;
	if (cd_map_get(&a->by_key, kt, &i))
		return &a->e[i].c;
	if (a->n >= a->max) {
		a->overflow++;
		return NULL;
	}
	char *t = cd_strdup(kt);
	if (a->n == a->cap) {
		/* the map borrows the keys' text, not the entries: they move freely */
		a->cap = a->cap ? a->cap * 2 : 64;
		a->e = cd_realloc(a->e, a->cap * sizeof(*a->e));
	}
	json_t *d = describe ? describe(ctx) : NULL;
	a->e[a->n] = (struct entry){ .k = *k, .desc = d ? d : json_object(), .text = t };
	cd_map_put(&a->by_key, t, a->n, NULL);
	return &a->e[a->n++].c;
}

bool cd_flowagg_attempt(struct cd_flowagg *a, int64_t minute, const struct cd_addr *src,
			const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			uint32_t tell)
{
	if (minute != a->attempts_minute) {
		attempts_clear(&a->before);
		if (minute == a->attempts_minute + 60000) {
			struct attempts t = a->before;   /* the minute's become the last's */
			a->before = a->now;
			a->now = t;
		} else {
			attempts_clear(&a->now);
		}
		a->attempts_minute = minute;
	}
	char s[33], d[33];
	hex(s, src->b, src->family == 4 ? 4 : 16);
	hex(d, dst->b, dst->family == 4 ? 4 : 16);
	char *t = cd_asprintf("%s %s %u %u %u %u", s, d, proto, sport, dport, tell);
	bool seen = cd_map_get(&a->now.m, t, NULL) || cd_map_get(&a->before.m, t, NULL);
	if (seen || a->now.n >= a->max_attempts) {
		free(t);               /* past the bound: not remembered, each counted */
		return !seen;
	}
	CD_PUSH(a->now.text, a->now.n, a->now.cap, t);
	cd_map_put(&a->now.m, t, 0, NULL);
	return true;
}

static json_t *proto_json(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return json_string("tcp");
	case IPPROTO_UDP: return json_string("udp");
	case IPPROTO_ICMP: return json_string("icmp");
	case IPPROTO_ICMPV6: return json_string("icmpv6");
	default: return json_integer(p);
	}
}

static json_t *record_of(struct entry *e)
{
	char s[CD_ADDR_STRLEN], d[CD_ADDR_STRLEN];
	json_t *r = e->desc;
	e->desc = NULL;
	json_t *src = json_object_get(r, "source"), *dst = json_object_get(r, "destination");
	if (!json_is_object(src))
		json_object_set_new(r, "source", src = json_pack("{s:n}", "workload"));
	if (!json_is_object(dst))
		json_object_set_new(r, "destination", dst = json_pack("{s:n}", "workload"));
	json_object_set_new(src, "ip", json_string(cd_addr_fmt(&e->k.src, s)));
	json_object_set_new(dst, "ip", json_string(cd_addr_fmt(&e->k.dst, d)));
	json_object_set_new(r, "minute", json_integer(e->k.minute));
	json_object_set_new(r, "seen_at", json_string(cd_flow_seen_names[e->k.seen]));
	json_object_set_new(r, "protocol", proto_json(e->k.proto));
	json_object_set_new(r, "port", e->k.port ? json_integer(e->k.port) : json_null());
	json_object_set_new(r, "verdict", json_string(cd_flow_verdict_names[e->k.verdict]));
	json_object_set_new(r, "connections", json_integer((json_int_t)e->c.connections));
	json_object_set_new(r, "bytes_out", json_integer((json_int_t)e->c.bytes_out));
	json_object_set_new(r, "bytes_in", json_integer((json_int_t)e->c.bytes_in));
	json_object_set_new(r, "packets_out", json_integer((json_int_t)e->c.packets_out));
	json_object_set_new(r, "packets_in", json_integer((json_int_t)e->c.packets_in));
	return r;
}

static int by_minute(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	return a->k.minute < b->k.minute ? -1 : a->k.minute > b->k.minute;
}

size_t cd_flowagg_take(struct cd_flowagg *a, int64_t before,
		       void (*fn)(void *ctx, json_t *record), void *ctx)
{
	size_t taken = 0, k = 0;
	if (a->n)
		qsort(a->e, a->n, sizeof(*a->e), by_minute);
	for (size_t i = 0; i < a->n; i++) {
		if (a->e[i].k.minute < before) {
			fn(ctx, record_of(&a->e[i]));
			free(a->e[i].text);
			taken++;
		} else {
			a->e[k++] = a->e[i];
		}
	}
	a->n = k;
	/* the map again, over those kept */
	cd_map_free(&a->by_key);
	cd_map_init_exact(&a->by_key);
	for (size_t i = 0; i < a->n; i++)
		cd_map_put(&a->by_key, a->e[i].text, i, NULL);
	return taken;
}

size_t cd_flowagg_keys(const struct cd_flowagg *a)
{
	return a->n;
}

uint64_t cd_flowagg_overflow(const struct cd_flowagg *a)
{
	return a->overflow;
}
