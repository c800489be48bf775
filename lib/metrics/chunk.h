/* chunk.h - a series' samples compressed, a chunk at a time: the format
 * the metrics store keeps on disk (and the PostgreSQL back end of a later
 * issue in its rows).
 *
 * Timestamps (epoch ms) are kept as deltas of deltas, as Gorilla and
 * Prometheus do, but each with its own length rather than in a few fixed
 * buckets: a collector's 20 s with a few ms of jitter takes about ten
 * bits, not Prometheus's sixteen.  Values, losslessly, in one of
 * two ways chosen when a chunk starts:
 *  - decimal: every value is k / 10^e exactly (bit for bit), k a 63-bit
 *    integer and e from 0 to 12 fixed for the chunk, and the deltas of
 *    deltas of k are kept as the timestamps' are.  Byte
 *    and operation counters (e = 0) and seconds made from nanoseconds
 *    (e = 9) are of this kind: their float bits are noise to XOR, their
 *    integers are not;
 *  - xor: anything else, as Gorilla: the XOR with the previous value,
 *    its meaningful bits only.
 * A value the chunk's way cannot hold ends the chunk (-ENOSPC): the
 * writer starts another.  The reader trusts nothing: every read is
 * bounded by the chunk's length, and a chunk that does not decode says so. */
#ifndef CD_CHUNK_H
#define CD_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CD_CHUNK_MAX_BYTES 2048   /* a chunk's largest size */
#define CD_CHUNK_MAX_SAMPLES 0xffff

struct cd_chunk_w {
	uint8_t buf[CD_CHUNK_MAX_BYTES];
	size_t bits;               /* written so far, header included */
	uint32_t n;
	int64_t t, dt;             /* the last timestamp and delta */
	int e;                     /* decimal: the exponent; -1: xor */
	int64_t k, dk;             /* decimal: the last integer and delta */
	uint64_t v;                /* xor: the last value's bits */
	int lead, trail;           /* xor: the last meaningful window */
};

void cd_chunk_w_init(struct cd_chunk_w *w);
/* The same, for decimal values with an exponent of at least e_min (the
 * one the series' last chunk needed: a series settles on its precision). */
void cd_chunk_w_init_exponent(struct cd_chunk_w *w, int e_min);
/* The chunk's decimal exponent, -1 for xor or an empty chunk. */
int cd_chunk_exponent(const struct cd_chunk_w *w);
/* The smallest exponent that holds v as a decimal, or -1. */
int cd_chunk_value_exponent(double v);
/* Append a sample.  0; -ENOSPC when the chunk is full or the value is
 * not of its kind (start a new chunk with it); -EINVAL when t is not
 * after the last timestamp. */
int cd_chunk_append(struct cd_chunk_w *w, int64_t t_ms, double v);
/* The chunk's bytes so far (valid until the next append). */
const uint8_t *cd_chunk_data(const struct cd_chunk_w *w, size_t *len);

struct cd_chunk_r {
	const uint8_t *p;
	size_t len, bit;           /* bits read so far */
	uint32_t n, i;
	int64_t t, dt;
	int e;
	int64_t k, dk;
	uint64_t v;
	int lead, trail;
};

/* Read a chunk: 0, or -EINVAL when its header is not one. */
int cd_chunk_r_init(struct cd_chunk_r *r, const void *data, size_t len);
uint32_t cd_chunk_r_count(const struct cd_chunk_r *r);
/* The next sample: 1, 0 at the end, -EINVAL when the chunk is corrupt. */
int cd_chunk_next(struct cd_chunk_r *r, int64_t *t_ms, double *v);

#endif
