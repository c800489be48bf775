/* wal.c - the samples written ahead, as bytes (see wal.h). */
#include "metrics/wal.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

size_t cd_wal_put(uint8_t *e, uint64_t id, int64_t t, double v)
{
	size_t k = cd_varint_put(e, id);
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	put_le64(&e[k], (uint64_t)t);
	put_le64(&e[k + 8], b);
	return k + 16;
}

const uint8_t *cd_wal_get(const uint8_t *p, const uint8_t *end, uint64_t *id, int64_t *t,
			  double *v)
{
	if (!cd_varint_get(&p, end, id) || end - p < 16)
		return NULL;
	*t = (int64_t)get_le64(p);
	uint64_t b = get_le64(p + 8);
	memcpy(v, &b, sizeof(*v));
	return p + 16;
}

void cd_wal_each(const void *data, size_t len,
		 void (*fn)(void *arg, int64_t id, int64_t t, double v), void *arg)
{
	if (!data || !len)        /* an empty row (SQLite gives no pointer for it) */
		return;
	const uint8_t *p = data, *end = p + len;
	uint64_t id;
	int64_t t;
	double v;
	while (p < end && (p = cd_wal_get(p, end, &id, &t, &v)))
		fn(arg, (int64_t)id, t, v);
}

static void count_one(void *arg, int64_t id, int64_t t, double v)
{
	(void)id, (void)t, (void)v;
	(*(uint64_t *)arg)++;
}

uint64_t cd_wal_count(const void *data, size_t len)
{
	uint64_t n = 0;
	cd_wal_each(data, len, count_one, &n);
	return n;
}

struct entry {
	size_t part, off, len;
	int64_t t;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int cd_wal_split(const void *data, size_t len, size_t (*part_of)(void *arg, uint64_t id),
		 int (*emit)(void *arg, size_t part, int64_t t0, const void *data, size_t len),
		 void *arg)
{
	if (!data || !len)
		return 0;
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	const uint8_t *base = data, *p = base, *end = p + len;
	uint64_t id;
	int64_t t;
	double v;
	for (const uint8_t *next; p < end && (next = cd_wal_get(p, end, &id, &t, &v)); p = next) {
		struct entry w = { part_of(arg, id), (size_t)(p - base), (size_t)(next - p), t };
		if (w.part != SIZE_MAX)
			CD_PUSH(e, n, cap, w);
	}
	if (n)
		qsort(e, n, sizeof(*e), entry_cmp);
	/* a part's entries copied together (no larger than the batch) */
	uint8_t *part = n ? cd_malloc(len) : NULL;
	int r = 0;
	for (size_t i = 0; !r && i < n;) {
		size_t j = i, plen = 0;
		int64_t t0 = INT64_MAX;
		for (; j < n && e[j].part == e[i].part; j++) {
			memcpy(part + plen, base + e[j].off, e[j].len);
			plen += e[j].len;
			t0 = e[j].t < t0 ? e[j].t : t0;
		}
		r = emit(arg, e[i].part, t0, part, plen);
		i = j;
	}
	free(part);
	free(e);
	return r;
}
