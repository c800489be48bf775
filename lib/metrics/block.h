/* block.h - samples compressed a block at a time: the format the metrics
 * store keeps (and the PostgreSQL back end of a later issue holds in its
 * rows).
 *
 * A block holds rows of times and columns of values: the series of one
 * object collected together share their times, which are written once
 * (a libvirt domain's twelve series, read at one instant).  A column is
 * one series' values (or one field of its rollups); it may miss some
 * rows.  Times are kept as deltas of deltas, as Gorilla and Prometheus
 * do, each in the length of the last one given in full when it fits (a
 * collector's few ms of jitter take eight bits).  Values, losslessly,
 * in one of two ways chosen per column:
 *  - decimal: every value is k / 10^e exactly (bit for bit), k a 63-bit
 *    integer, e from 0 to 12 for the column, and the deltas of deltas of
 *    k are kept as the times' are, or by one Rice code for the column
 *    when that is shorter (a counter's noise of a steady size).  Byte and request counters (e = 0)
 *    and seconds made from nanoseconds (e = 9) are of this kind: their
 *    float bits are noise to XOR, their integers are not;
 *  - xor: anything else, as Gorilla: the XOR with the previous value,
 *    its meaningful bits only.
 * A column is found by its id without decoding the others.  The reader
 * trusts nothing: every read is bounded by the block's length, and a
 * block that does not decode says so. */
#ifndef CD_BLOCK_H
#define CD_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define CD_BLOCK_MAX_ROWS 65535
#define CD_BLOCK_MAX_COLS 65535
/* A block the store writes, at most (a group of the catalog's series has
 * a few hundred KiB at 240 rows) */
#define CD_BLOCK_BYTES_MAX (64u << 20)

struct cd_block_col {
	uint64_t id;
	const double *v;           /* nrows values (those of absent rows unread) */
	const uint8_t *present;    /* nrows flags, or NULL when every row has one */
	size_t stride;             /* v[i * stride], present[i * stride]; 0 means 1 */
};

/* Append a block to out: 0, -EINVAL when the rows' times are not
 * ascending, a count is out of range, or a column has no value, or -E2BIG
 * past out's limit (the store's: CD_BLOCK_BYTES_MAX). */
int cd_block_encode(struct cd_buf *out, const int64_t *t, size_t nrows,
		    const struct cd_block_col *cols, size_t ncols);

struct cd_block {
	const uint8_t *p;
	size_t len;
	size_t nrows, ncols;
	size_t tlen;               /* the times' bytes, after the header */
	size_t toff, coff;         /* where the times and the first column start */
};

/* Read a block's header and check its columns' table: 0 or -EINVAL. */
int cd_block_open(struct cd_block *b, const void *data, size_t len);
/* The rows' times, t[nrows]: 0 or -EINVAL. */
int cd_block_times(const struct cd_block *b, int64_t *t);
/* The id of column i (0 <= i < ncols). */
uint64_t cd_block_col_id(const struct cd_block *b, size_t i);
/* Column id's values v[nrows] and flags present[nrows] (1 where the row
 * has a value): its count of values, -ENOENT when the block has no such
 * column, -EINVAL when it does not decode. */
int cd_block_column(const struct cd_block *b, uint64_t id, double *v, uint8_t *present);

/* The smallest exponent e >= from that holds v as a decimal, or -1. */
int cd_block_exponent(double v, int from);

#endif
