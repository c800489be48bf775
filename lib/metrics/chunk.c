/* chunk.c - the chunk format of chunk.h.
 *
 * Deltas of deltas (of timestamps, of decimal values) are 0 as one bit,
 * else 1, a length in 6 bits and the zigzag-coded bits.
 *
 * Header (20 bytes): version 1; the way of the values (0 to 12: decimal
 * with that exponent, 255: xor); the sample count (16 bits, little
 * endian); the first timestamp and the first value (decimal: k; xor: the
 * double's bits), 64 bits each, little endian.  Then the bit stream, most
 * significant bit first. */
#include "metrics/chunk.h"

#include <errno.h>
#include <string.h>

#define HDR 20
#define XOR 255
#define MAX_E 12

static const double p10[MAX_E + 1] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
					1e10, 1e11, 1e12 };

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

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
	int64_t kk = (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
	double back = (double)kk / p10[e];
	if (dbits(back) != dbits(v))
		return false;
	*k = kk;
	return true;
}

int cd_chunk_value_exponent(double v)
{
	int64_t k;
	for (int e = 0; e <= MAX_E; e++)
		if (decimal(v, e, &k))
			return e;
	return -1;
}

/* ---- writing ---- */

struct bits { uint64_t v[4]; int n[4], k; };   /* a sample's fields, staged */

static void stage(struct bits *b, uint64_t v, int n)
{
	b->v[b->k] = n < 64 ? v & ((UINT64_C(1) << n) - 1) : v;
	b->n[b->k++] = n;
}

static int staged_bits(const struct bits *b)
{
	int s = 0;
	for (int i = 0; i < b->k; i++)
		s += b->n[i];
	return s;
}

static void put(struct cd_chunk_w *w, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, w->bits++)
		if ((v >> i) & 1)
			w->buf[w->bits / 8] |= (uint8_t)(0x80 >> (w->bits % 8));
}

/* A signed delta of delta: 0 as the bit 0; else 1, its length in 6 bits
 * (1 to 64) and its zigzag bits: a few ms of jitter takes about ten bits,
 * a counter's change what it needs and no bucket's more. */
static void stage_dod(struct bits *b, int64_t d)
{
	if (d == 0) {
		stage(b, 0, 1);
		return;
	}
	uint64_t z = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
	int n = 64 - __builtin_clzll(z);
	stage(b, 1, 1);
	stage(b, (uint64_t)(n & 63), 6);    /* 64 is written 0 */
	stage(b, z, n);
}

void cd_chunk_w_init(struct cd_chunk_w *w)
{
	cd_chunk_w_init_exponent(w, 0);
}

void cd_chunk_w_init_exponent(struct cd_chunk_w *w, int e_min)
{
	memset(w, 0, sizeof(*w));
	w->e = e_min < 0 ? 0 : e_min > MAX_E ? MAX_E : e_min;
	w->bits = HDR * 8;
}

int cd_chunk_exponent(const struct cd_chunk_w *w)
{
	return w->n ? w->e : -1;
}

int cd_chunk_append(struct cd_chunk_w *w, int64_t t, double v)
{
	if (w->n >= CD_CHUNK_MAX_SAMPLES)
		return -ENOSPC;
	if (w->n == 0) {
		int64_t k = 0;
		int e = w->e;
		while (e <= MAX_E && !decimal(v, e, &k))
			e++;
		w->e = e <= MAX_E ? e : -1;
		w->buf[0] = 1;
		w->buf[1] = (uint8_t)(w->e < 0 ? XOR : w->e);
		put64(w->buf + 4, (uint64_t)t);
		put64(w->buf + 12, w->e < 0 ? dbits(v) : (uint64_t)k);
		w->t = t;
		w->k = k;
		w->v = dbits(v);
		w->lead = -1;
		w->n = 1;
		w->buf[2] = 1;
		w->buf[3] = 0;
		return 0;
	}
	if (t <= w->t)
		return -EINVAL;
	struct bits b = { .k = 0 };
	int64_t dt = (int64_t)((uint64_t)t - (uint64_t)w->t);
	stage_dod(&b, (int64_t)((uint64_t)dt - (uint64_t)w->dt));
	int64_t k = 0, dk = 0;
	uint64_t x = 0;
	int lead = 0, trail = 0;
	struct bits bv = { .k = 0 };
	if (w->e >= 0) {
		if (!decimal(v, w->e, &k))
			return -ENOSPC;
		dk = (int64_t)((uint64_t)k - (uint64_t)w->k);
		stage_dod(&bv, (int64_t)((uint64_t)dk - (uint64_t)w->dk));
	} else {
		x = dbits(v) ^ w->v;
		if (x == 0) {
			stage(&bv, 0, 1);
		} else {
			lead = __builtin_clzll(x);
			trail = __builtin_ctzll(x);
			if (lead > 31)
				lead = 31;
			if (w->lead >= 0 && lead >= w->lead && trail >= w->trail) {
				stage(&bv, 2, 2);
				stage(&bv, x >> w->trail, 64 - w->lead - w->trail);
				lead = w->lead;
				trail = w->trail;
			} else {
				int sig = 64 - lead - trail;
				stage(&bv, 3, 2);
				stage(&bv, (uint64_t)lead, 5);
				stage(&bv, (uint64_t)(sig & 63), 6);   /* 64 is written 0 */
				stage(&bv, x >> trail, sig);
			}
		}
	}
	size_t need = (size_t)(staged_bits(&b) + staged_bits(&bv));
	if (w->bits + need > CD_CHUNK_MAX_BYTES * 8)
		return -ENOSPC;
	for (int i = 0; i < b.k; i++)
		put(w, b.v[i], b.n[i]);
	for (int i = 0; i < bv.k; i++)
		put(w, bv.v[i], bv.n[i]);
	w->t = t;
	w->dt = dt;
	if (w->e >= 0) {
		w->k = k;
		w->dk = dk;
	} else {
		w->v = dbits(v);
		if (x) {
			w->lead = lead;
			w->trail = trail;
		}
	}
	w->n++;
	w->buf[2] = (uint8_t)w->n;
	w->buf[3] = (uint8_t)(w->n >> 8);
	return 0;
}

const uint8_t *cd_chunk_data(const struct cd_chunk_w *w, size_t *len)
{
	*len = w->n ? (w->bits + 7) / 8 : 0;
	return w->buf;
}

/* ---- reading ---- */

static bool get(struct cd_chunk_r *r, int n, uint64_t *v)
{
	if (r->bit + (size_t)n > r->len * 8)
		return false;
	uint64_t x = 0;
	for (int i = 0; i < n; i++, r->bit++)
		x = x << 1 | ((r->p[r->bit / 8] >> (7 - r->bit % 8)) & 1);
	*v = x;
	return true;
}

static bool get_dod(struct cd_chunk_r *r, int64_t *d)
{
	uint64_t b, n, z;
	if (!get(r, 1, &b))
		return false;
	if (!b) {
		*d = 0;
		return true;
	}
	if (!get(r, 6, &n))
		return false;
	if (n == 0)
		n = 64;
	if (!get(r, (int)n, &z))
		return false;
	*d = (int64_t)((z >> 1) ^ (0 - (z & 1)));
	return true;
}

int cd_chunk_r_init(struct cd_chunk_r *r, const void *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	const uint8_t *p = data;
	if (len < HDR || len > CD_CHUNK_MAX_BYTES || p[0] != 1 || (p[1] > MAX_E && p[1] != XOR))
		return -EINVAL;
	r->p = p;
	r->len = len;
	r->n = (uint32_t)p[2] | (uint32_t)p[3] << 8;
	r->e = p[1] == XOR ? -1 : p[1];
	r->bit = HDR * 8;
	r->lead = -1;
	return r->n ? 0 : -EINVAL;
}

uint32_t cd_chunk_r_count(const struct cd_chunk_r *r)
{
	return r->n;
}

int cd_chunk_next(struct cd_chunk_r *r, int64_t *t, double *v)
{
	if (r->i >= r->n)
		return 0;
	if (r->i == 0) {
		r->t = (int64_t)get64(r->p + 4);
		uint64_t first = get64(r->p + 12);
		if (r->e >= 0) {
			r->k = (int64_t)first;
			*v = (double)r->k / p10[r->e];
		} else {
			r->v = first;
			*v = bitsd(first);
		}
		*t = r->t;
		r->i++;
		return 1;
	}
	int64_t dod;
	if (!get_dod(r, &dod))
		return -EINVAL;
	r->dt = (int64_t)((uint64_t)r->dt + (uint64_t)dod);
	r->t = (int64_t)((uint64_t)r->t + (uint64_t)r->dt);
	if (r->e >= 0) {
		if (!get_dod(r, &dod))
			return -EINVAL;
		r->dk = (int64_t)((uint64_t)r->dk + (uint64_t)dod);
		r->k = (int64_t)((uint64_t)r->k + (uint64_t)r->dk);
		*v = (double)r->k / p10[r->e];
	} else {
		uint64_t b, x;
		if (!get(r, 1, &b))
			return -EINVAL;
		if (b) {
			if (!get(r, 1, &b))
				return -EINVAL;
			if (!b) {          /* 10: the previous window */
				if (r->lead < 0 || !get(r, 64 - r->lead - r->trail, &x))
					return -EINVAL;
				r->v ^= x << r->trail;
			} else {           /* 11: a new window */
				uint64_t lead, sig;
				if (!get(r, 5, &lead) || !get(r, 6, &sig))
					return -EINVAL;
				if (sig == 0)
					sig = 64;
				if (lead + sig > 64 || !get(r, (int)sig, &x))
					return -EINVAL;
				r->lead = (int)lead;
				r->trail = (int)(64 - lead - sig);
				r->v ^= r->trail < 64 ? x << r->trail : 0;
			}
		}
		*v = bitsd(r->v);
	}
	*t = r->t;
	r->i++;
	return 1;
}
