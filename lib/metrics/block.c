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

/* ---- bits out ---- */

struct bw {
	struct cd_buf *b;
	uint64_t acc;              /* bits not yet written, right-aligned */
	int nacc;
	int err;                   /* the first failed write (its buffer full) */
};

static void put(struct bw *w, uint64_t v, int n)
{
	if (n <= 0 || w->err)
		return;
	if (n < 64)
		v &= (UINT64_C(1) << n) - 1;
	while (n > 0) {
		int take = n < 64 - w->nacc ? n : 64 - w->nacc;
		uint64_t part = take == 64 ? v : (v >> (n - take)) & ((UINT64_C(1) << take) - 1);
		w->acc = take == 64 ? part : (w->acc << take) | part;
		w->nacc += take;
		n -= take;
		if (w->nacc == 64) {
			uint8_t o[8];
			for (int i = 0; i < 8; i++)
				o[i] = (uint8_t)(w->acc >> (56 - 8 * i));
			w->err = cd_buf_add(w->b, o, 8);
			w->acc = 0;
			w->nacc = 0;
			if (w->err)
				return;
		}
	}
}

/* The bits left written out: 0, or the first failed write's code. */
static int put_end(struct bw *w)
{
	if (w->nacc && !w->err) {
		uint8_t o[8];
		uint64_t a = w->acc << (64 - w->nacc);
		int n = (w->nacc + 7) / 8;
		for (int i = 0; i < n; i++)
			o[i] = (uint8_t)(a >> (56 - 8 * i));
		w->err = cd_buf_add(w->b, o, (size_t)n);
	}
	w->acc = 0;
	w->nacc = 0;
	return w->err;
}

static void put_dod(struct bw *w, int64_t d, int *len)
{
	if (d == 0) {
		put(w, 0, 1);
		return;
	}
	uint64_t z = cd_zigzag(d);
	int n = 64 - __builtin_clzll(z);
	if (*len && n <= *len && n >= *len - 5) {
		put(w, 2, 2);
		put(w, z, *len);
		return;
	}
	put(w, 3, 2);
	put(w, (uint64_t)(n & 63), 6);    /* 64 is written 0 */
	put(w, z, n - 1);
	*len = n;
}

static void put_rice(struct bw *w, uint64_t z, int k)
{
	uint64_t q = z >> k;
	if (q >= RICE_ESC) {
		int n = 64 - __builtin_clzll(z);
		put(w, (UINT64_C(1) << RICE_ESC) - 1, RICE_ESC);
		put(w, (uint64_t)(n & 63), 6);
		put(w, z, n - 1);
		return;
	}
	put(w, ((UINT64_C(1) << q) - 1) << 1, (int)q + 1);
	put(w, z, k);
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

static void put_xor(struct bw *w, struct xor_state *s, uint64_t bits)
{
	uint64_t x = bits ^ s->v;
	s->v = bits;
	if (x == 0) {
		put(w, 0, 1);
		return;
	}
	int lead = __builtin_clzll(x), trail = __builtin_ctzll(x);
	if (lead > 31)
		lead = 31;
	if (s->lead >= 0 && lead >= s->lead && trail >= s->trail) {
		put(w, 2, 2);
		put(w, x >> s->trail, 64 - s->lead - s->trail);
		return;
	}
	int sig = 64 - lead - trail;
	put(w, 3, 2);
	put(w, (uint64_t)lead, 5);
	put(w, (uint64_t)(sig & 63), 6);  /* 64 is written 0 */
	put(w, x >> trail, sig);
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
	struct bw w = { .b = &body };
	if (!dense)
		for (size_t i = 0; i < nrows; i++)
			put(&w, c->present[i * st] != 0, 1);
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
				put(&w, xs.v = dbits(v), 64);
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
		put(&w, zs[0], 64);
		int klen = 0;
		for (size_t i = 1; i < nz; i++) {
			if (rk >= 0)
				put_rice(&w, zs[i], rk);
			else
				put_dod(&w, cd_unzigzag(zs[i]), &klen);
		}
		free(zs);
	}
	int r = put_end(&w);
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
	struct bw w = { .b = &tb };
	put(&w, (uint64_t)t[0], 64);
	int64_t dt = 0;
	int tlen = 0;
	for (size_t i = 1; i < nrows; i++) {
		int64_t d = (int64_t)((uint64_t)t[i] - (uint64_t)t[i - 1]);
		put_dod(&w, (int64_t)((uint64_t)d - (uint64_t)dt), &tlen);
		dt = d;
	}
	r = r ? r : put_end(&w);
	r = r ? r : cd_varint_add(out, tb.len);
	r = r ? r : cd_buf_add(out, tb.data, tb.len);
	cd_buf_free(&tb);
	for (size_t c = 0; !r && c < ncols; c++)
		r = encode_column(out, &cols[c], nrows);
	return r;
}

/* ---- bits in ---- */

struct br {
	const uint8_t *p;
	size_t len, bit;           /* bytes; bits read so far */
};

static bool get(struct br *r, int n, uint64_t *v)
{
	if (n == 0) {
		*v = 0;
		return true;
	}
	if (r->bit + (size_t)n > r->len * 8)
		return false;
	size_t byte = r->bit >> 3;
	int off = (int)(r->bit & 7);
	uint64_t x = 0;
	if (r->len - byte >= 8) {          /* the usual case: eight bytes at once */
		memcpy(&x, r->p + byte, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		x = __builtin_bswap64(x);
#endif
	} else {
		for (size_t i = 0; i < r->len - byte; i++)
			x |= (uint64_t)r->p[byte + i] << (56 - 8 * i);
	}
	x <<= off;
	if (off + n > 64)
		x |= (uint64_t)r->p[byte + 8] >> (8 - off);
	*v = n == 64 ? x : x >> (64 - n);
	r->bit += (size_t)n;
	return true;
}

static bool get_dod(struct br *r, int64_t *d, int *len)
{
	uint64_t b, n, z;
	if (!get(r, 1, &b))
		return false;
	if (!b) {
		*d = 0;
		return true;
	}
	if (!get(r, 1, &b))
		return false;
	if (!b) {                  /* 10: in the last length */
		if (!*len || !get(r, *len, &z))
			return false;
	} else {                   /* 11: a length, the bits but the top one */
		if (!get(r, 6, &n))
			return false;
		if (n == 0)
			n = 64;
		if (!get(r, (int)n - 1, &z))
			return false;
		z |= UINT64_C(1) << (n - 1);
		*len = (int)n;
	}
	*d = cd_unzigzag(z);
	return true;
}

static bool get_rice(struct br *r, int k, int64_t *d)
{
	size_t avail = r->len * 8 - r->bit;
	int n = avail < RICE_ESC + 1 ? (int)avail : RICE_ESC + 1;
	uint64_t x, z;
	if (!n || !get(r, n, &x))
		return false;
	r->bit -= (size_t)n;       /* a peek: the ones, then what follows */
	int q = __builtin_clzll(~(x << (64 - n)));
	if (q >= RICE_ESC) {
		uint64_t len;
		r->bit += RICE_ESC;
		if (!get(r, 6, &len))
			return false;
		if (len == 0)
			len = 64;
		if (!get(r, (int)len - 1, &z))
			return false;
		z |= UINT64_C(1) << (len - 1);
	} else {
		if (q >= n)        /* no 0 before the end */
			return false;
		r->bit += (size_t)q + 1;
		if (!get(r, k, &z))
			return false;
		z |= (uint64_t)q << k;
	}
	*d = cd_unzigzag(z);
	return true;
}

static bool get_xor(struct br *r, struct xor_state *s)
{
	uint64_t b, x;
	if (!get(r, 1, &b))
		return false;
	if (!b)
		return true;
	if (!get(r, 1, &b))
		return false;
	if (!b) {                  /* 10: the last window */
		if (s->lead < 0 || !get(r, 64 - s->lead - s->trail, &x))
			return false;
		s->v ^= x << s->trail;
		return true;
	}
	uint64_t lead, sig;        /* 11: a new window */
	if (!get(r, 5, &lead) || !get(r, 6, &sig))
		return false;
	if (sig == 0)
		sig = 64;
	if (lead + sig > 64 || !get(r, (int)sig, &x))
		return false;
	s->lead = (int)lead;
	s->trail = (int)(64 - lead - sig);
	s->v ^= s->trail < 64 ? x << s->trail : 0;
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

int cd_block_times(const struct cd_block *b, int64_t *t)
{
	struct br r = { .p = b->p + b->toff, .len = b->tlen };
	uint64_t first;
	if (!get(&r, 64, &first))
		return -EINVAL;
	t[0] = (int64_t)first;
	int64_t dt = 0;
	int len = 0;
	for (size_t i = 1; i < b->nrows; i++) {
		int64_t dod;
		if (!get_dod(&r, &dod, &len))
			return -EINVAL;
		dt = (int64_t)((uint64_t)dt + (uint64_t)dod);
		t[i] = (int64_t)((uint64_t)t[i - 1] + (uint64_t)dt);
		if (t[i] <= t[i - 1])
			return -EINVAL;    /* times only go forward */
	}
	return 0;
}

uint64_t cd_block_col_id(const struct cd_block *b, size_t i)
{
	const uint8_t *p = b->p + b->coff, *end = b->p + b->len;
	struct colhdr c = { 0 };
	for (size_t k = 0; k <= i && k < b->ncols; k++)
		column_at(&p, end, &c);      /* checked by cd_block_open */
	return c.id;
}

int cd_block_column(const struct cd_block *b, uint64_t id, double *v, uint8_t *present)
{
	const uint8_t *p = b->p + b->coff, *end = b->p + b->len;
	struct colhdr c;
	size_t k = 0;
	for (; k < b->ncols; k++) {
		if (!column_at(&p, end, &c))
			return -EINVAL;
		if (c.id == id)
			break;
	}
	if (k == b->ncols)
		return -ENOENT;
	struct br r = { .p = c.body, .len = c.len };
	size_t count = b->nrows;
	if (c.dense) {
		memset(present, 1, b->nrows);
	} else {
		count = 0;
		for (size_t i = 0; i < b->nrows; i++) {
			uint64_t f;
			if (!get(&r, 1, &f))
				return -EINVAL;
			present[i] = (uint8_t)f;
			count += f;
		}
		if (!count)
			return -EINVAL;
	}
	bool first = true;
	int64_t kk = 0, dk = 0;
	int klen = 0;
	struct xor_state xs = { .lead = -1 };
	for (size_t i = 0; i < b->nrows; i++) {
		if (!present[i])
			continue;
		if (first) {
			uint64_t x;
			if (!get(&r, 64, &x))
				return -EINVAL;
			xs.v = x;
			kk = (int64_t)x;
		} else if (c.mode == XOR) {
			if (!get_xor(&r, &xs))
				return -EINVAL;
		} else {
			int64_t dod;
			if (c.rice >= 0 ? !get_rice(&r, c.rice, &dod) : !get_dod(&r, &dod, &klen))
				return -EINVAL;
			dk = (int64_t)((uint64_t)dk + (uint64_t)dod);
			kk = (int64_t)((uint64_t)kk + (uint64_t)dk);
		}
		v[i] = c.mode == XOR ? bitsd(xs.v) : (double)kk / p10[c.mode];
		first = false;
	}
	return (int)count;
}
