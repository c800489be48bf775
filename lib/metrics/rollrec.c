/* rollrec.c - rollup points in a record (see rollrec.h).
 *
 * Layout: version 1; 0 for a gauge, 1 for a counter; the number of points
 * (16 bits, little endian); then for each of the five fields, in order,
 * the number of chunks (8 bits) and each chunk as its length (16 bits,
 * little endian) and its bytes.  Every field's chunks hold the same
 * times; a record whose fields disagree does not decode. */
#include "metrics/rollrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "metrics/chunk.h"

#define FIELDS 5

static double field(const struct cd_rollup *p, bool counter, int f)
{
	if (f == 0)
		return p->count;
	if (counter) {
		switch (f) {
		case 1: return p->increase;
		case 2: return (double)p->covered_ms;
		case 3: return p->rate_min;
		default: return p->rate_max;
		}
	}
	switch (f) {
	case 1: return p->min;
	case 2: return p->max;
	case 3: return p->sum;
	default: return p->last;
	}
}

/* false when a count or a time is out of its range (a corrupt record) */
static bool set_field(struct cd_rollup *p, bool counter, int f, double v)
{
	if (f == 0) {
		if (!(v >= 0 && v <= UINT32_MAX))
			return false;
		p->count = (uint32_t)v;
		return true;
	}
	if (counter) {
		switch (f) {
		case 1: p->increase = v; break;
		case 2:
			if (!(v >= 0 && v < 9e18))
				return false;
			p->covered_ms = (int64_t)v;
			break;
		case 3: p->rate_min = v; break;
		default: p->rate_max = v; break;
		}
		return true;
	}
	switch (f) {
	case 1: p->min = v; break;
	case 2: p->max = v; break;
	case 3: p->sum = v; break;
	default: p->last = v; break;
	}
	return true;
}

static void put_chunk(struct cd_buf *b, const struct cd_chunk_w *w)
{
	size_t len;
	const uint8_t *d = cd_chunk_data(w, &len);
	uint8_t l[2] = { (uint8_t)len, (uint8_t)(len >> 8) };
	cd_buf_add(b, l, 2);
	cd_buf_add(b, d, len);
}

int cd_rollrec_encode(const struct cd_rollup *p, size_t n, bool counter, uint8_t **out,
		      size_t *len)
{
	if (n == 0 || n > CD_ROLLREC_MAX_POINTS)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (p[i].t <= p[i - 1].t)
			return -EINVAL;
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	uint8_t hdr[4] = { 1, counter, (uint8_t)n, (uint8_t)(n >> 8) };
	cd_buf_add(&b, hdr, 4);
	struct cd_chunk_w *w = cd_malloc(sizeof(*w));
	for (int f = 0; f < FIELDS; f++) {
		size_t at = b.len;
		uint8_t chunks = 0;
		cd_buf_add(&b, &chunks, 1);
		cd_chunk_w_init(w);
		for (size_t i = 0; i < n; i++) {
			double v = field(&p[i], counter, f);
			if (cd_chunk_append(w, p[i].t, v) == -ENOSPC) {
				put_chunk(&b, w);
				chunks++;
				cd_chunk_w_init_exponent(w, cd_chunk_exponent(w));
				cd_chunk_append(w, p[i].t, v);
			}
		}
		put_chunk(&b, w);
		b.data[at] = (char)++chunks;
	}
	free(w);
	*len = b.len;
	*out = (uint8_t *)cd_buf_steal(&b);
	return 0;
}

int cd_rollrec_decode(const void *data, size_t len, bool *counter, struct cd_rollup **out,
		      size_t *np)
{
	const uint8_t *p = data, *end = p + len;
	if (len < 4 || p[0] != 1 || p[1] > 1)
		return -EINVAL;
	bool c = p[1];
	size_t n = (size_t)p[2] | (size_t)p[3] << 8;
	if (n == 0 || n > CD_ROLLREC_MAX_POINTS)
		return -EINVAL;
	p += 4;
	struct cd_rollup *r = cd_calloc(n, sizeof(*r));
	for (int f = 0; f < FIELDS; f++) {
		if (p >= end)
			goto bad;
		unsigned chunks = *p++;
		size_t i = 0;
		for (unsigned k = 0; k < chunks; k++) {
			if (end - p < 2)
				goto bad;
			size_t l = (size_t)p[0] | (size_t)p[1] << 8;
			p += 2;
			if ((size_t)(end - p) < l)
				goto bad;
			struct cd_chunk_r rd;
			if (cd_chunk_r_init(&rd, p, l))
				goto bad;
			p += l;
			int64_t t;
			double v;
			int got;
			while ((got = cd_chunk_next(&rd, &t, &v)) == 1) {
				if (i == n || (f == 0 && i && t <= r[i - 1].t) || (f && t != r[i].t))
					goto bad;
				r[i].t = t;
				if (!set_field(&r[i], c, f, v))
					goto bad;
				i++;
			}
			if (got < 0)
				goto bad;
		}
		if (i != n)
			goto bad;
	}
	if (p != end)
		goto bad;
	*counter = c;
	*out = r;
	*np = n;
	return 0;
bad:
	free(r);
	return -EINVAL;
}
