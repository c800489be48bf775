/* block.c - the block format of block.h.
 *
 * Layout: version 1; the rows and the columns (varints); the times' byte
 * length (varint) and their bit stream; then each column: its id
 * (varint), its way (0 to 12: decimal with that exponent, 255: xor), 1
 * when every row has a value or 0, its byte length (varint) and its bit
 * stream: a flag a row when not every row has a value, then the first
 * value in 64 bits (decimal: k; xor: the double's bits) and the others.
 * Bit streams are most significant bit first.
 *
 * A delta of delta (of times, of decimal values) is 0 as the bit 0;
 * else its zigzag bits, as 10 and the bits in the length of the last one
 * given in full when they fit in it (and it is not more than 5 bits
 * longer), else as 11, the length in 6 bits and the bits but the top one
 * (which is 1).  The first time is 64 bits.
 *
 * A decimal column whose deltas of deltas are noise of a steady size (a
 * counter's: CPU time, bytes) is written with a Rice code instead, when
 * that is shorter: way 64 + e, then the code's k in a byte; each zigzag
 * value z as z >> k in unary (that many 1s, then a 0) and its k low bits,
 * or, when z >> k is 16 or more, sixteen 1s, z's length in 6 bits and its
 * bits but the top one.  A collector's jitter makes the length of the
 * last value a poor guess; one k for the column costs about 2 bits less a
 * value on such counters, and the encoder takes whichever is shorter. */
#include "metrics/block.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"

#define XOR 255
#define MAX_E 12
#define RICE 64                    /* 64 + e: decimal, Rice-coded */
#define RICE_ESC 16

static const double p10[MAX_E + 1] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
					1e10, 1e11, 1e12 };

static uint64_t dbits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	return b;
}

static double bitsd(uint64_t b)
{
	double v;
	memcpy(&v, &b, sizeof(v));
	return v;
}

/* v as k / 10^e, bit for bit, with |k| < 2^62. */
static bool decimal(double v, int e, int64_t *k)
{
	double x = v * p10[e];
	if (!(x > -4.6e18 && x < 4.6e18))     /* also NaN and the infinities */
		return false;
	int64_t kk = llrint(x);   /* not x + 0.5: past 2^52 that rounds an odd x up */
	if (dbits((double)kk / p10[e]) != dbits(v))
		return false;
	*k = kk;
	return true;
}

int cd_block_exponent(double v, int from)
{
	int64_t k;
	for (int e = from < 0 ? 0 : from; e <= MAX_E; e++)
		if (decimal(v, e, &k))
			return e;
	return -1;
}

/* ---- out ---- */

static void put_dod(struct cd_bitw *w, int64_t d, int *len)
{
	if (d == 0) {
		cd_bitw_put(w, 0, 1);
		return;
	}
	uint64_t z = cd_zigzag(d);
	int n = 64 - __builtin_clzll(z);
	if (*len && n <= *len && n >= *len - 5) {
		cd_bitw_put(w, 2, 2);
		cd_bitw_put(w, z, *len);
		return;
	}
	cd_bitw_put(w, 3, 2);
	cd_bitw_put(w, (uint64_t)(n & 63), 6);    /* 64 is written 0 */
	cd_bitw_put(w, z, n - 1);
	*len = n;
}

static void put_rice(struct cd_bitw *w, uint64_t z, int k)
{
	uint64_t q = z >> k;
	if (q >= RICE_ESC) {
		int n = 64 - __builtin_clzll(z);
		cd_bitw_put(w, (UINT64_C(1) << RICE_ESC) - 1, RICE_ESC);
		cd_bitw_put(w, (uint64_t)(n & 63), 6);
		cd_bitw_put(w, z, n - 1);
		return;
	}
	cd_bitw_put(w, ((UINT64_C(1) << q) - 1) << 1, (int)q + 1);
	cd_bitw_put(w, z, k);
}

/* The bits of zs[0..n) as put_dod writes them. */
static uint64_t cost_dod(const uint64_t *zs, size_t n)
{
	uint64_t bits = 0;
	int len = 0;
	for (size_t i = 0; i < n; i++) {
		if (!zs[i]) {
			bits++;
			continue;
		}
		int l = 64 - __builtin_clzll(zs[i]);
		if (len && l <= len && l >= len - 5) {
			bits += 2 + (uint64_t)len;
		} else {
			bits += 2 + 6 + (uint64_t)l - 1;
			len = l;
		}
	}
	return bits;
}

static uint64_t cost_rice(const uint64_t *zs, size_t n, int k)
{
	uint64_t bits = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t q = zs[i] >> k;
		bits += q < RICE_ESC ? q + 1 + (uint64_t)k
				     : RICE_ESC + 6 + (uint64_t)(63 - __builtin_clzll(zs[i]));
	}
	return bits;
}

/* The best k near the median of the values' lengths (not their mean: a
 * reset or a jump would make it), or -1 when the adaptive code of
 * put_dod is as short. */
static int choose_rice(const uint64_t *zs, size_t n)
{
	if (n < 8)
		return -1;
	size_t hist[65] = { 0 }, seen = 0;
	for (size_t i = 0; i < n; i++)
		hist[zs[i] ? 64 - __builtin_clzll(zs[i]) : 0]++;
	int median = 0;
	while (median < 64 && (seen += hist[median]) < (n + 1) / 2)
		median++;
	uint64_t best = cost_dod(zs, n);
	int bk = -1;
	for (int k = median > 3 ? median - 3 : 0; k <= median + 1 && k <= 62; k++) {
		uint64_t c = cost_rice(zs, n, k);
		if (c < best) {
			best = c;
			bk = k;
		}
	}
	return bk;
}

struct xor_state {
	uint64_t v;
	int lead, trail;           /* the last meaningful window; lead < 0: none */
};

static void put_xor(struct cd_bitw *w, struct xor_state *s, uint64_t bits)
{
	uint64_t x = bits ^ s->v;
	s->v = bits;
	if (x == 0) {
		cd_bitw_put(w, 0, 1);
		return;
	}
	int lead = __builtin_clzll(x), trail = __builtin_ctzll(x);
	if (lead > 31)
		lead = 31;
	if (s->lead >= 0 && lead >= s->lead && trail >= s->trail) {
		cd_bitw_put(w, 2, 2);
		cd_bitw_put(w, x >> s->trail, 64 - s->lead - s->trail);
		return;
	}
	int sig = 64 - lead - trail;
	cd_bitw_put(w, 3, 2);
	cd_bitw_put(w, (uint64_t)lead, 5);
	cd_bitw_put(w, (uint64_t)(sig & 63), 6);  /* 64 is written 0 */
	cd_bitw_put(w, x >> trail, sig);
	s->lead = lead;
	s->trail = trail;
}

/* (a column's or the times' bits: at most 96 a row, with its presence
 * bit and an escaped Rice code, and a header) */
#define BODY_MAX ((size_t)CD_BLOCK_MAX_ROWS * 12 + 64)

static int encode_column(struct cd_buf *out, const struct cd_block_col *c, size_t nrows)
{
	size_t st = c->stride ? c->stride : 1;
	int e = 0, was;
	bool dense = true;
	/* the smallest exponent that holds every value; a value held at 10^2
	 * may not be at 10^3 (k past 2^53), so until no value raises it */
	do {
		was = e;
		for (size_t i = 0; i < nrows && e >= 0; i++) {
			if (c->present && !c->present[i * st]) {
				dense = false;
				continue;
			}
			int64_t k;
			if (!decimal(c->v[i * st], e, &k))
				e = cd_block_exponent(c->v[i * st], e + 1);
		}
	} while (e >= 0 && e != was);
	if (c->present)
		for (size_t i = 0; i < nrows && dense; i++)
			dense = c->present[i * st] != 0;
	struct cd_buf body;
	cd_buf_init(&body, BODY_MAX);
	struct cd_bitw w = { .b = &body };
	if (!dense)
		for (size_t i = 0; i < nrows; i++)
			cd_bitw_put(&w, c->present[i * st] != 0, 1);
	/* decimal: the zigzag deltas of deltas, zs[0] the first k */
	uint64_t *zs = e >= 0 ? cd_malloc(nrows * sizeof(*zs)) : NULL;
	size_t nz = 0;
	int64_t k = 0, dk = 0;
	struct xor_state xs = { .lead = -1 };
	for (size_t i = 0; i < nrows; i++) {
		if (!dense && !c->present[i * st])
			continue;
		double v = c->v[i * st];
		if (e < 0) {
			if (nz++ == 0)
				cd_bitw_put(&w, xs.v = dbits(v), 64);
			else
				put_xor(&w, &xs, dbits(v));
			continue;
		}
		int64_t kk = 0;
		decimal(v, e, &kk);
		if (nz == 0) {
			zs[nz++] = (uint64_t)kk;
		} else {
			int64_t d = (int64_t)((uint64_t)kk - (uint64_t)k);
			zs[nz++] = cd_zigzag((int64_t)((uint64_t)d - (uint64_t)dk));
			dk = d;
		}
		k = kk;
	}
	int rk = -1;
	if (e >= 0) {
		rk = choose_rice(zs + 1, nz - 1);
		cd_bitw_put(&w, zs[0], 64);
		int klen = 0;
		for (size_t i = 1; i < nz; i++) {
			if (rk >= 0)
				put_rice(&w, zs[i], rk);
			else
				put_dod(&w, cd_unzigzag(zs[i]), &klen);
		}
		free(zs);
	}
	int r = cd_bitw_end(&w);
	r = r ? r : cd_varint_add(out, c->id);
	uint8_t m[3] = { (uint8_t)(e < 0 ? XOR : rk >= 0 ? RICE + e : e), dense, (uint8_t)rk };
	r = r ? r : cd_buf_add(out, m, rk >= 0 ? 3 : 2);
	r = r ? r : cd_varint_add(out, body.len);
	if (!r && body.len)
		r = cd_buf_add(out, body.data, body.len);
	cd_buf_free(&body);
	return r;
}

int cd_block_encode(struct cd_buf *out, const int64_t *t, size_t nrows,
		    const struct cd_block_col *cols, size_t ncols)
{
	if (nrows == 0 || nrows > CD_BLOCK_MAX_ROWS || ncols == 0 || ncols > CD_BLOCK_MAX_COLS)
		return -EINVAL;
	for (size_t i = 1; i < nrows; i++)
		if (t[i] <= t[i - 1])
			return -EINVAL;
	for (size_t c = 0; c < ncols; c++) {
		size_t st = cols[c].stride ? cols[c].stride : 1, i = 0;
		while (cols[c].present && i < nrows && !cols[c].present[i * st])
			i++;
		if (i == nrows)
			return -EINVAL;
	}
	uint8_t version = 1;
	int r = cd_buf_add(out, &version, 1);
	r = r ? r : cd_varint_add(out, nrows);
	r = r ? r : cd_varint_add(out, ncols);
	struct cd_buf tb;
	cd_buf_init(&tb, BODY_MAX);
	struct cd_bitw w = { .b = &tb };
	cd_bitw_put(&w, (uint64_t)t[0], 64);
	int64_t dt = 0;
	int tlen = 0;
	for (size_t i = 1; i < nrows; i++) {
		int64_t d = (int64_t)((uint64_t)t[i] - (uint64_t)t[i - 1]);
		put_dod(&w, (int64_t)((uint64_t)d - (uint64_t)dt), &tlen);
		dt = d;
	}
	r = r ? r : cd_bitw_end(&w);
	r = r ? r : cd_varint_add(out, tb.len);
	r = r ? r : cd_buf_add(out, tb.data, tb.len);
	cd_buf_free(&tb);
	for (size_t c = 0; !r && c < ncols; c++)
		r = encode_column(out, &cols[c], nrows);
	return r;
}

/* ---- in ---- */

/* (the decoder's steps, inlined into its loops: a row is a few dozen
 * instructions) */
#define HOT static inline __attribute__((always_inline))
#define LOOK CD_BITR_LOOK

/* The rare codes longer than one look: a delta of delta of more than 50
 * bits, a Rice code's escape.  n bits (1 to 64) after skip, with the top
 * one of them set when top. */
static bool get_long(struct cd_bitr *r, unsigned skip, int n, bool top, uint64_t *z)
{
	if ((size_t)skip > cd_bitr_left(r))
		return false;
	r->bit += skip;
	if (!cd_bitr_get(r, top ? n - 1 : n, z))
		return false;
	if (top)
		*z |= UINT64_C(1) << (n - 1);
	return true;
}

/* A delta of delta as put_dod writes it, from one look when it fits (a
 * time's, a decimal's: nearly always): peek's 0s past the end are never
 * taken, one check of the length used against the bits left. */
HOT bool get_dod(struct cd_bitr *r, int64_t *d, int *len)
{
	uint64_t x = cd_bitr_peek(r), z;
	size_t used;
	int n;
	if (!(x >> 63)) {                  /* 0 */
		z = 0;
		used = 1;
	} else if (!(x >> 62 & 1)) {       /* 10: in the last length */
		n = *len;
		if (!n)
			return false;
		if (n + 2 > LOOK) {
			if (!get_long(r, 2, n, false, &z))
				return false;
			*d = cd_unzigzag(z);
			return true;
		}
		z = x << 2 >> (64 - n);
		used = (size_t)n + 2;
	} else {                           /* 11: a length, the bits but the top one */
		n = (int)(x >> 56 & 63);
		if (n == 0)
			n = 64;
		if (n + 7 > LOOK) {
			if (!get_long(r, 8, n, true, &z))
				return false;
			*len = n;
			*d = cd_unzigzag(z);
			return true;
		}
		z = x << 8 >> 1 >> (64 - n) | UINT64_C(1) << (n - 1);
		used = (size_t)n + 7;
		*len = n;
	}
	if (used > cd_bitr_left(r))
		return false;
	r->bit += used;
	*d = cd_unzigzag(z);
	return true;
}

/* A Rice code of k (0 to 62) as put_rice writes it. */
HOT bool get_rice(struct cd_bitr *r, int k, int64_t *d)
{
	uint64_t x = cd_bitr_peek(r), z;
	int q = __builtin_clzll(~x | 1);   /* the ones (63: as many as escape) */
	if (q >= RICE_ESC) {               /* sixteen 1s, a length, the bits */
		uint64_t n;
		if ((size_t)RICE_ESC + 6 > cd_bitr_left(r))
			return false;
		n = x << RICE_ESC >> 58;
		if (!get_long(r, RICE_ESC + 6, n ? (int)n : 64, true, &z))
			return false;
	} else if (q + 1 + k <= LOOK) {
		size_t used = (size_t)q + 1 + (size_t)k;
		if (used > cd_bitr_left(r))        /* (a 0 of peek's past the end) */
			return false;
		z = x << (q + 1) >> 1 >> (63 - k) | (uint64_t)q << k;
		r->bit += used;
	} else {
		if (!get_long(r, (unsigned)q + 1, k, false, &z))
			return false;
		z |= (uint64_t)q << k;
	}
	*d = cd_unzigzag(z);
	return true;
}

/* A value of a xor column: x the last value's bits; lead and trail its
 * meaningful window (lead < 0: none yet). */
HOT bool get_xor(struct cd_bitr *r, uint64_t *x, int *lead, int *trail)
{
	uint64_t b, d;
	if (!cd_bitr_get(r, 1, &b))
		return false;
	if (!b)
		return true;
	if (!cd_bitr_get(r, 1, &b))
		return false;
	if (!b) {                  /* 10: the last window */
		if (*lead < 0 || !cd_bitr_get(r, 64 - *lead - *trail, &d))
			return false;
		*x ^= d << *trail;
		return true;
	}
	uint64_t l, sig;           /* 11: a new window */
	if (!cd_bitr_get(r, 5, &l) || !cd_bitr_get(r, 6, &sig))
		return false;
	if (sig == 0)
		sig = 64;
	if (l + sig > 64 || !cd_bitr_get(r, (int)sig, &d))
		return false;
	*lead = (int)l;
	*trail = (int)(64 - l - sig);
	*x ^= *trail < 64 ? d << *trail : 0;
	return true;
}

struct colhdr {
	uint64_t id;
	int mode;                  /* the exponent, or XOR */
	int rice;                  /* the Rice code's k, or -1 */
	bool dense;
	const uint8_t *body;
	size_t len;
};

/* The column at *p (advanced past it): false when it does not parse. */
static bool column_at(const uint8_t **p, const uint8_t *end, struct colhdr *c)
{
	uint64_t len;
	if (!cd_varint_get(p, end, &c->id) || end - *p < 2)
		return false;
	uint8_t dense = (*p)[1];
	c->mode = (*p)[0];
	c->dense = dense;
	c->rice = -1;
	*p += 2;
	if (dense > 1 || (c->mode > MAX_E && c->mode != XOR && (c->mode < RICE || c->mode > RICE + MAX_E)))
		return false;
	if (c->mode >= RICE && c->mode != XOR) {
		if (*p == end || **p > 62)
			return false;
		c->mode -= RICE;
		c->rice = *(*p)++;
	}
	if (!cd_varint_get(p, end, &len) || len > (uint64_t)(end - *p))
		return false;
	c->body = *p;
	c->len = (size_t)len;
	*p += len;
	return true;
}

int cd_block_open(struct cd_block *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	const uint8_t *p = data, *end = p + len;
	uint64_t nrows, ncols, tlen;
	if (len < 1 || *p++ != 1 || !cd_varint_get(&p, end, &nrows) ||
	    !cd_varint_get(&p, end, &ncols) ||
	    nrows == 0 || nrows > CD_BLOCK_MAX_ROWS || ncols == 0 || ncols > CD_BLOCK_MAX_COLS ||
	    !cd_varint_get(&p, end, &tlen) || tlen > (uint64_t)(end - p) ||
	    nrows > tlen * 8 + 1 ||   /* a row's time takes a bit at least... */
	    nrows * ncols > 8 * (uint64_t)len + ncols)   /* ...and each cell of a column
	                                                  * (a value's, or its absence's) */
		return -EINVAL;
	b->p = data;
	b->len = len;
	b->nrows = (size_t)nrows;
	b->ncols = (size_t)ncols;
	b->toff = (size_t)(p - (const uint8_t *)data);
	b->tlen = (size_t)tlen;
	p += tlen;
	b->coff = (size_t)(p - (const uint8_t *)data);
	for (size_t i = 0; i < b->ncols; i++) {
		struct colhdr c;
		if (!column_at(&p, end, &c))
			return -EINVAL;
	}
	return p == end ? 0 : -EINVAL;
}

uint64_t cd_block_col_id(const struct cd_block *b, size_t i)
{
	const uint8_t *p = b->p + b->coff, *end = b->p + b->len;
	struct colhdr c = { 0 };
	for (size_t k = 0; k <= i && k < b->ncols; k++)
		column_at(&p, end, &c);      /* checked by cd_block_open */
	return c.id;
}

/* ---- reading row by row: the one decoder of times and columns ---- */

static void cur_start(struct cd_block_cur *c, const struct colhdr *h, size_t nrows)
{
	*c = (struct cd_block_cur){ .id = h->id, .found = true, .mode = h->mode, .rice = h->rice,
				    .dense = h->dense, .first = true, .lead = -1,
				    .flags = { h->body, h->len, 0 },
				    /* the values after a flag a row */
				    .vals = { h->body, h->len, h->dense ? 0 : nrows } };
	if (c->vals.bit > h->len * 8)
		c->vals.bit = h->len * 8;  /* (no values: the first read fails) */
}

/* The next n rows of the times into t: false when they do not decode.
 * (The state in locals: the loop runs in registers.) */
static bool times_run(struct cd_block_iter *it, int64_t *t, size_t n)
{
	struct cd_bitr r = it->tb;
	int64_t last = it->t, dt = it->dt;
	int len = it->tlen;
	size_t i = 0;
	bool ok = true;
	if (n && it->row == 0) {
		uint64_t first = 0;
		ok = cd_bitr_get(&r, 64, &first);
		last = t[i++] = (int64_t)first;
	}
	for (; ok && i < n; i++) {
		int64_t dod, next;
		if (!get_dod(&r, &dod, &len)) {
			ok = false;
			break;
		}
		dt = (int64_t)((uint64_t)dt + (uint64_t)dod);
		next = (int64_t)((uint64_t)last + (uint64_t)dt);
		if (next <= last) {
			ok = false;        /* times only go forward */
			break;
		}
		last = t[i] = next;
	}
	it->tb = r;
	it->t = last;
	it->dt = dt;
	it->tlen = len;
	return ok;
}

/* The column's next n rows into v and present: false when they do not
 * decode. */
static bool col_run(struct cd_block_cur *c, double *v, uint8_t *present, size_t n)
{
	if (!c->found) {
		memset(present, 0, n);
		return true;
	}
	struct cd_bitr flags = c->flags, vals = c->vals;
	int64_t k = c->k, dk = c->dk;
	uint64_t x = c->x;
	int klen = c->klen, lead = c->lead, trail = c->trail;
	const int mode = c->mode, rice = c->rice;
	const bool dense = c->dense;
	bool first = c->first, ok = true;
	const double scale = mode == XOR ? 1 : p10[mode];
	size_t i = 0;
	/* a dense decimal column after its first value (nearly every
	 * column): loops of one code each, no flag, no branch a row */
	if (dense && !first && mode != XOR) {
		memset(present, 1, n);
		if (rice >= 0) {
			for (; ok && i < n; i++) {
				int64_t dod = 0;   /* (after an error: a batch dropped) */
				ok = get_rice(&vals, rice, &dod);
				dk = (int64_t)((uint64_t)dk + (uint64_t)dod);
				k = (int64_t)((uint64_t)k + (uint64_t)dk);
				v[i] = (double)k / scale;
			}
		} else {
			for (; ok && i < n; i++) {
				int64_t dod = 0;
				ok = get_dod(&vals, &dod, &klen);
				dk = (int64_t)((uint64_t)dk + (uint64_t)dod);
				k = (int64_t)((uint64_t)k + (uint64_t)dk);
				v[i] = (double)k / scale;
			}
		}
		i = n;                     /* (done, or not ok) */
	}
	for (; i < n; i++) {
		uint64_t f = 1;
		if (!dense && !cd_bitr_get(&flags, 1, &f)) {
			ok = false;
			break;
		}
		present[i] = (uint8_t)f;
		if (!f)
			continue;
		if (first) {
			if (!cd_bitr_get(&vals, 64, &x)) {
				ok = false;
				break;
			}
			k = (int64_t)x;
			first = false;
		} else if (mode == XOR) {
			if (!get_xor(&vals, &x, &lead, &trail)) {
				ok = false;
				break;
			}
		} else {
			int64_t dod;
			if (rice >= 0 ? !get_rice(&vals, rice, &dod) : !get_dod(&vals, &dod, &klen)) {
				ok = false;
				break;
			}
			dk = (int64_t)((uint64_t)dk + (uint64_t)dod);
			k = (int64_t)((uint64_t)k + (uint64_t)dk);
		}
		v[i] = mode == XOR ? bitsd(x) : (double)k / scale;
	}
	c->flags = flags;
	c->vals = vals;
	c->k = k;
	c->dk = dk;
	c->x = x;
	c->klen = klen;
	c->lead = lead;
	c->trail = trail;
	c->first = first;
	return ok;
}

int cd_block_iter_init(struct cd_block_iter *it, const struct cd_block *b, const uint64_t *ids,
		       struct cd_block_cur *cols, size_t n)
{
	*it = (struct cd_block_iter){ .tb = { b->p + b->toff, b->tlen, 0 }, .nrows = b->nrows,
				      .col = cols, .ncols = n };
	for (size_t k = 0; k < n; k++)
		cols[k] = (struct cd_block_cur){ .id = ids ? ids[k] : 0 };
	const uint8_t *p = b->p + b->coff, *end = b->p + b->len;
	size_t left_to_find = n;
	for (size_t i = 0; left_to_find && i < b->ncols; i++) {
		struct colhdr h;
		if (!column_at(&p, end, &h)) {
			it->err = -EINVAL;
			return -EINVAL;
		}
		for (size_t k = 0; k < n; k++)
			if (!cols[k].found && (ids ? h.id == ids[k] : k == i)) {
				cur_start(&cols[k], &h, b->nrows);
				left_to_find--;
				break;
			}
	}
	return 0;
}

int cd_block_iter_fill(struct cd_block_iter *it)
{
	if (it->err || it->row == it->nrows)
		return it->err;
	size_t n = it->nrows - it->row < CD_BLOCK_BATCH ? it->nrows - it->row : CD_BLOCK_BATCH;
	if (!times_run(it, it->bt, n))
		return it->err = -EINVAL;
	for (size_t k = 0; k < it->ncols; k++)
		if (!col_run(&it->col[k], it->col[k].bv, it->col[k].bp, n))
			return it->err = -EINVAL;
	it->row += n;
	it->bn = n;
	it->bi = 0;
	return 1;
}

int cd_block_iter_next(struct cd_block_iter *it, int64_t *t)
{
	if (it->bi == it->bn) {
		int r = cd_block_iter_fill(it);
		if (r <= 0)
			return r;
	}
	size_t i = it->bi++;
	for (size_t k = 0; k < it->ncols; k++) {
		it->col[k].present = it->col[k].bp[i];
		it->col[k].v = it->col[k].bv[i];
	}
	*t = it->bt[i];
	return 1;
}

int cd_block_each(const struct cd_block *b,
		  void (*fn)(void *arg, size_t col, uint64_t id, int64_t t, double v), void *arg)
{
	struct cd_block_cur *cols = cd_malloc(b->ncols * sizeof(*cols));
	struct cd_block_iter it;
	int64_t t;
	int r = cd_block_iter_init(&it, b, NULL, cols, b->ncols);
	if (!r)
		while ((r = cd_block_iter_next(&it, &t)) > 0)
			for (size_t k = 0; fn && k < b->ncols; k++)
				if (cols[k].present)
					fn(arg, k, cols[k].id, t, cols[k].v);
	free(cols);
	return r;
}

int cd_block_times(const struct cd_block *b, int64_t *t)
{
	struct cd_block_iter it;
	cd_block_iter_init(&it, b, NULL, NULL, 0);
	return times_run(&it, t, b->nrows) ? 0 : -EINVAL;
}

int cd_block_column(const struct cd_block *b, uint64_t id, double *v, uint8_t *present)
{
	const uint8_t *p = b->p + b->coff, *end = b->p + b->len;
	struct colhdr h;
	size_t k = 0;
	for (; k < b->ncols; k++) {
		if (!column_at(&p, end, &h))
			return -EINVAL;
		if (h.id == id)
			break;
	}
	if (k == b->ncols)
		return -ENOENT;
	struct cd_block_cur c;
	cur_start(&c, &h, b->nrows);
	if (!col_run(&c, v, present, b->nrows))
		return -EINVAL;
	size_t count = 0;
	for (size_t i = 0; i < b->nrows; i++)
		count += present[i];
	return count ? (int)count : -EINVAL;
}
