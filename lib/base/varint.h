/* varint.h - the one owner of cordon's variable-length integers, as
 * SQLite keeps one sqlite3PutVarint/sqlite3GetVarint pair for its whole
 * engine: the block format's counts and lengths (metrics/block.c), the
 * series numbers of the samples written ahead (metrics/mstore.c), and
 * Prometheus remote write's protobuf fields (metrics/rwrite.c) are all
 * LEB128: 7 bits a byte, the lowest first, the top bit set on every byte
 * but the last.  Zigzag maps a signed integer to one whose small
 * magnitudes, either sign, have few bits (protobuf's sint64; the block
 * format's deltas of deltas). */
#ifndef CD_VARINT_H
#define CD_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define CD_VARINT_MAX 10           /* bytes of a 64-bit value at most */

/* v into out: its length in bytes (1 to CD_VARINT_MAX). */
size_t cd_varint_put(uint8_t out[CD_VARINT_MAX], uint64_t v);
/* v appended to b: 0, or cd_buf_add's error past b's limit. */
int cd_varint_add(struct cd_buf *b, uint64_t v) __attribute__((warn_unused_result));
/* The varint at *p, which may not reach end: true with *v and *p moved
 * past it; false, *p anywhere in [its start, end], when it runs to end
 * or does not fit 64 bits (more than 10 bytes, or a 10th above 1). */
bool cd_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);

static inline uint64_t cd_zigzag(int64_t d)
{
	return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

static inline int64_t cd_unzigzag(uint64_t z)
{
	return (int64_t)((z >> 1) ^ (0 - (z & 1)));
}

#endif
