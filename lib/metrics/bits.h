/* bits.h - bit streams, most significant bit first, as the block format
 * (block.h) writes its times and values: a writer into a bounded buffer,
 * and a reader that never reads past the end of its bytes.
 *
 * The reader's steps are inline: the block decoder runs them a few times
 * a row, in its loops.  A look (cd_bitr_peek) gives the next 57 bits at
 * least from one unaligned load, 0s past the end; what is taken of them
 * is checked against the bits left. */
#ifndef CD_BITS_H
#define CD_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"

struct cd_bitw {
	struct cd_buf *b;
	uint64_t acc;              /* bits not yet written, right-aligned */
	int nacc;
	int err;                   /* the first failed write (its buffer full) */
};

/* The low n bits of v (0 to 64) written; after a failed write, nothing. */
void cd_bitw_put(struct cd_bitw *w, uint64_t v, int n);
/* The bits left written out, the last byte padded with 0s: 0, or the
 * first failed write's code (-E2BIG past the buffer's limit). */
int cd_bitw_end(struct cd_bitw *w);

struct cd_bitr {
	const uint8_t *p;
	size_t len, bit;           /* its bytes; the bits read */
};

#define CD_BITR_LOOK 57            /* bits a look gives at least (64 less a byte's 7) */

/* The next bits, most significant first: CD_BITR_LOOK of them at least,
 * 0s past the end (never read). */
static inline uint64_t cd_bitr_peek(const struct cd_bitr *r)
{
	size_t byte = r->bit >> 3;
	uint64_t x = 0;
	if (byte + 8 <= r->len) {          /* the usual case: eight bytes there */
		memcpy(&x, r->p + byte, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		x = __builtin_bswap64(x);
#endif
	} else {
		for (size_t i = 0; byte + i < r->len; i++)
			x |= (uint64_t)r->p[byte + i] << (56 - 8 * i);
	}
	return x << (r->bit & 7);
}

/* The bits not yet read. */
static inline size_t cd_bitr_left(const struct cd_bitr *r)
{
	return r->len * 8 - r->bit;
}

/* n bits (0 to 64) into *v: false, nothing read, past the end. */
static inline bool cd_bitr_get(struct cd_bitr *r, int n, uint64_t *v)
{
	if ((size_t)n > cd_bitr_left(r))
		return false;
	if (n > CD_BITR_LOOK) {            /* two looks */
		uint64_t hi = cd_bitr_peek(r) >> 32;
		r->bit += 32;
		*v = hi << (n - 32) | cd_bitr_peek(r) >> (96 - n);
		r->bit += (size_t)n - 32;
		return true;
	}
	*v = n == 0 ? 0 : cd_bitr_peek(r) >> (64 - n);
	r->bit += (size_t)n;
	return true;
}

#endif
