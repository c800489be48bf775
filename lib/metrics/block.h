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
#include "metrics/bits.h"

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
/* The id of column i (0 <= i < ncols). */
uint64_t cd_block_col_id(const struct cd_block *b, size_t i);

/* Reading an opened block row by row: each row's time and the values of
 * the columns asked for, decoded CD_BLOCK_BATCH rows ahead in the state
 * below and nothing else (no arrays of the block: a reader rolls samples
 * up as they come, and stops at the end of its range).  Every bit read is
 * bounded by the block: a block cut short or scrambled gives -EINVAL,
 * never a read past its end.  The one decoder of the format:
 * cd_block_times and cd_block_column run the same loops. */
#define CD_BLOCK_BATCH 32         /* rows decoded at a time, in tight loops */

struct cd_block_cur {              /* a column being read */
	uint64_t id;
	bool found;                /* the block has it (else no row has a value) */
	bool present;              /* the row just read has a value, */
	double v;                  /* this one */
	/* the decoder's own: its streams' state, the batch decoded */
	struct cd_bitr flags, vals;
	int mode, rice, klen, lead, trail;
	bool dense, first;
	int64_t k, dk;
	uint64_t x;
	double bv[CD_BLOCK_BATCH];
	uint8_t bp[CD_BLOCK_BATCH];
};

struct cd_block_iter {
	struct cd_bitr tb;   /* the times */
	size_t row, nrows;         /* rows decoded, in all */
	int64_t t, dt;
	int tlen;
	struct cd_block_cur *col;
	size_t ncols;
	int64_t bt[CD_BLOCK_BATCH];        /* the batch's times, */
	size_t bn, bi;             /* its rows, the next to give */
	int err;                   /* once it does not decode, it stays so */
};

/* Read b's rows with the columns ids[0..n) into cols[0..n) (ids NULL:
 * the block's first n columns, in its order; n 0: the times only): 0, or
 * -EINVAL when b's table of columns does not parse. */
int cd_block_iter_init(struct cd_block_iter *it, const struct cd_block *b, const uint64_t *ids,
		       struct cd_block_cur *cols, size_t n);
/* The next row: 1 with its time in *t and each column's present and v
 * set; 0 past the last row; -EINVAL where it does not decode (its bits
 * run out, or a time is not after the one before: found up to a batch
 * ahead). */
int cd_block_iter_next(struct cd_block_iter *it, int64_t *t);
/* The next batch of rows decoded (what the two calls around it do when
 * they have given the last): 1, 0 past the last row, -EINVAL. */
int cd_block_iter_fill(struct cd_block_iter *it);

/* The next row where the first column has a value: 1 with its time and
 * value, 0 past the last row, -EINVAL.  (Inline: a reader's loop takes a
 * sample in a few instructions.) */
static inline int cd_block_next_value(struct cd_block_iter *it, int64_t *t, double *v)
{
	struct cd_block_cur *c = &it->col[0];
	for (;;) {
		while (it->bi < it->bn) {
			size_t i = it->bi++;
			if (c->bp[i]) {
				c->present = true;
				*v = c->v = c->bv[i];
				*t = it->bt[i];
				return 1;
			}
		}
		int r = cd_block_iter_fill(it);
		if (r <= 0)
			return r;
	}
}

/* Every value of an opened block, a row at a time (its columns in the
 * block's order): fn(arg, the column's index, its id, t, v); fn NULL:
 * only checked.  0, or -EINVAL where it stops decoding (fn has had the
 * rows before). */
int cd_block_each(const struct cd_block *b,
		  void (*fn)(void *arg, size_t col, uint64_t id, int64_t t, double v), void *arg);
/* The rows' times, t[nrows]: 0 or -EINVAL. */
int cd_block_times(const struct cd_block *b, int64_t *t);
/* Column id's values v[nrows] and flags present[nrows] (1 where the row
 * has a value): its count of values, -ENOENT when the block has no such
 * column, -EINVAL when it does not decode. */
int cd_block_column(const struct cd_block *b, uint64_t id, double *v, uint8_t *present);

/* The smallest exponent e >= from that holds v as a decimal, or -1. */
int cd_block_exponent(double v, int from);

#endif
