/* rollrec.h - rollup points kept together: a record of the store's 5-minute
 * and 1-hour tiers (a series' points of one UTC day).
 *
 * Each field of the points (a gauge's count, min, max, sum and last; a
 * counter's count, increase, time covered, lowest and highest rate) is
 * written as chunks of its own (chunk.h), on the steps' times: the times
 * take a bit a point, and each field compresses as what it is. */
#ifndef CD_ROLLREC_H
#define CD_ROLLREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/rollup.h"

#define CD_ROLLREC_MAX_POINTS 4096

/* Encode n points (times ascending, n from 1 to CD_ROLLREC_MAX_POINTS):
 * 0 and a new buffer in *out, or -EINVAL. */
int cd_rollrec_encode(const struct cd_rollup *p, size_t n, bool counter, uint8_t **out,
		      size_t *len);
/* Decode a record: 0 with *n points in *out (the caller frees), or
 * -EINVAL when it is not one (nothing in *out). */
int cd_rollrec_decode(const void *data, size_t len, bool *counter, struct cd_rollup **out,
		      size_t *n);

#endif
