/* test_block.c - the metrics block format: every value comes back bit for
 * bit (counters, seconds from nanoseconds, gauges, NaN, infinities, -0),
 * times with jitter shared by columns, columns that miss rows, a column
 * found among others, the same row by row through the iterator (columns
 * in any order, one absent, batches not whole), and blocks cut short or
 * scrambled decode to an error, never a crash nor a read past the end. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/block.h"
#include "test.h"

/* Encode the columns over the rows, decode each back and compare bit for
 * bit; the bytes taken. */
static size_t roundtrip(const int64_t *t, size_t n, const struct cd_block_col *c, size_t nc)
{
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, n, c, nc), 0);
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, b.data, b.len), 0);
	ASSERT_EQ(blk.nrows, n);
	ASSERT_EQ(blk.ncols, nc);
	int64_t *tt = malloc(n * sizeof(*tt));
	double *v = malloc(n * sizeof(*v));
	uint8_t *p = malloc(n);
	ASSERT_EQ(cd_block_times(&blk, tt), 0);
	ASSERT(memcmp(tt, t, n * sizeof(*t)) == 0);
	for (size_t k = 0; k < nc; k++) {
		ASSERT_EQ(cd_block_col_id(&blk, k), c[k].id);
		size_t want = 0;
		for (size_t i = 0; i < n; i++)
			want += !c[k].present || c[k].present[i];
		ASSERT_EQ(cd_block_column(&blk, c[k].id, v, p), want);
		for (size_t i = 0; i < n; i++) {
			ASSERT_EQ(p[i], !c[k].present || c[k].present[i]);
			if (p[i])
				ASSERT(memcmp(&v[i], &c[k].v[i], sizeof(double)) == 0);
		}
	}
	ASSERT_EQ(cd_block_column(&blk, 999999, v, p), -ENOENT);
	/* row by row, every column at once (the block's own order) */
	struct cd_block_cur *cur = malloc(nc * sizeof(*cur));
	struct cd_block_iter it;
	int64_t at;
	ASSERT_EQ(cd_block_iter_init(&it, &blk, NULL, cur, nc), 0);
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(cd_block_iter_next(&it, &at), 1);
		ASSERT_EQ(at, t[i]);
		for (size_t k = 0; k < nc; k++) {
			size_t st = c[k].stride ? c[k].stride : 1;
			ASSERT(cur[k].found && cur[k].id == c[k].id);
			ASSERT_EQ(cur[k].present, !c[k].present || c[k].present[i * st]);
			if (cur[k].present)
				ASSERT(memcmp(&cur[k].v, &c[k].v[i * st], sizeof(double)) == 0);
		}
	}
	ASSERT_EQ(cd_block_iter_next(&it, &at), 0);
	ASSERT_EQ(cd_block_iter_next(&it, &at), 0);          /* and it stays there */
	/* a column by its id: its values only, rows without one skipped */
	for (size_t k = 0; k < nc; k++) {
		size_t st = c[k].stride ? c[k].stride : 1, i = 0;
		double x;
		ASSERT_EQ(cd_block_iter_init(&it, &blk, &c[k].id, cur, 1), 0);
		while (cd_block_next_value(&it, &at, &x) == 1) {
			while (c[k].present && !c[k].present[i * st])
				i++;
			ASSERT(i < n && at == t[i]);
			ASSERT(memcmp(&x, &c[k].v[i * st], sizeof(double)) == 0);
			i++;
		}
		while (i < n && c[k].present && !c[k].present[i * st])
			i++;
		ASSERT_EQ(i, n);
	}
	free(cur);
	free(tt);
	free(v);
	free(p);
	size_t len = b.len;
	cd_buf_free(&b);
	return len;
}

/* cd_block_each's values, counted and checked against the columns. */
struct each_check {
	const int64_t *t;
	const struct cd_block_col *c;
	size_t seen;
	bool wrong;
};

static void each_check(void *arg, size_t col, uint64_t id, int64_t t, double v)
{
	struct each_check *e = arg;
	size_t i = 0;
	while (e->t[i] != t)
		i++;
	size_t st = e->c[col].stride ? e->c[col].stride : 1;
	e->wrong |= id != e->c[col].id || memcmp(&v, &e->c[col].v[i * st], sizeof(v)) != 0;
	e->seen++;
}

/* The iterator asked for columns in another order than the block's, one
 * it has not, over rows that are not a whole number of its batches;
 * every value of a block a row at a time (cd_block_each). */
TEST(block_iterator_columns_asked_for)
{
	enum { M = 3 * CD_BLOCK_BATCH + 5 };
	int64_t t[M];
	double a[M], g[M];
	uint8_t pa[M];
	for (int i = 0; i < M; i++) {
		t[i] = 1764547200000 + (int64_t)i * 20000 + i % 3;
		a[i] = (double)(i * 4096);
		pa[i] = i % 4 != 0;
		g[i] = 1.0 / (i + 7);              /* xor */
	}
	struct cd_block_col c[2] = { { 10, a, pa, 0 }, { 20, g, NULL, 0 } };
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, M, c, 2), 0);
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, b.data, b.len), 0);
	uint64_t ids[3] = { 20, 99, 10 };
	struct cd_block_cur cur[3];
	struct cd_block_iter it;
	int64_t at;
	int r, rows = 0;
	ASSERT_EQ(cd_block_iter_init(&it, &blk, ids, cur, 3), 0);
	ASSERT(cur[0].found && !cur[1].found && cur[2].found);
	while ((r = cd_block_iter_next(&it, &at)) == 1) {
		ASSERT_EQ(at, t[rows]);
		ASSERT(cur[0].present && cur[0].v == g[rows]);
		ASSERT(!cur[1].present);
		ASSERT_EQ(cur[2].present, pa[rows]);
		if (pa[rows])
			ASSERT(cur[2].v == a[rows]);
		rows++;
	}
	ASSERT_EQ(r, 0);
	ASSERT_EQ(rows, M);
	struct each_check e = { t, c, 0, false };
	ASSERT_EQ(cd_block_each(&blk, each_check, &e), 0);
	ASSERT(!e.wrong);
	ASSERT_EQ(e.seen, M + M - (M + 3) / 4);
	cd_buf_free(&b);
}

/* A block whose header claims more rows than its streams hold opens (its
 * lengths agree) but does not decode: the iterator gives the rows before
 * the batch that runs out, then -EINVAL, and stays so; never a read past
 * the block (an exact-size copy: ASan would see it). */
TEST(block_iterator_stops_at_the_end_of_its_bytes)
{
	enum { M = 240 };
	int64_t t[M];
	double v[M];
	for (int i = 0; i < M; i++) {
		t[i] = 1764547200000 + (int64_t)i * 20000 + i % 5;
		v[i] = (double)(i * 7919 % 1000);
	}
	struct cd_block_col c = { 3, v, NULL, 0 };
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, M, &c, 1), 0);
	ASSERT((uint8_t)b.data[1] == (0x80 | (M & 0x7f)) && b.data[2] == M >> 7);
	uint8_t *x = malloc(b.len);
	memcpy(x, b.data, b.len);
	x[1] = 0x80 | ((M + 60) & 0x7f);   /* 300 rows, the same varint's length */
	x[2] = (M + 60) >> 7;
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, x, b.len), 0);
	ASSERT_EQ(blk.nrows, M + 60);
	struct cd_block_iter it;
	struct cd_block_cur cur;
	uint64_t id = 3;
	int64_t at;
	double val;
	int r, n = 0;
	ASSERT_EQ(cd_block_iter_init(&it, &blk, &id, &cur, 1), 0);
	while ((r = cd_block_next_value(&it, &at, &val)) == 1) {
		ASSERT(at == t[n] && val == v[n]);
		n++;
	}
	ASSERT_EQ(r, -EINVAL);
	ASSERT(n <= M && n >= M - CD_BLOCK_BATCH);
	ASSERT_EQ(cd_block_next_value(&it, &at, &val), -EINVAL);
	ASSERT_EQ(cd_block_iter_next(&it, &at), -EINVAL);
	ASSERT_EQ(cd_block_each(&blk, NULL, NULL), -EINVAL);
	int64_t tt[M + 60];
	ASSERT_EQ(cd_block_times(&blk, tt), -EINVAL);
	free(x);
	cd_buf_free(&b);
}

#define N 4000

TEST(block_counters_gauges_shared_times)
{
	int64_t *t = malloc(N * sizeof(*t));
	double *cpu = malloc(N * sizeof(double)), *bytes = malloc(N * sizeof(double)),
	       *k = malloc(N * sizeof(double)), *mem = malloc(N * sizeof(double));
	srand(7);
	/* a collector every 20 s with a few ms of jitter */
	for (size_t i = 0; i < N; i++)
		t[i] = 1764547200000 + (int64_t)i * 20000 + rand() % 7;
	uint64_t ns = 123456789012, b = 0;
	for (size_t i = 0; i < N; i++) {
		/* cpu.time as libvirt gives it (ns), read as seconds */
		ns += 20000000000ULL / 10 * (uint64_t)(rand() % 5) + (uint64_t)(rand() % 1000000);
		cpu[i] = (double)ns / 1e9;
		/* a byte counter with a reset */
		b = i == N / 2 ? 0 : b + (uint64_t)(rand() % 100000);
		bytes[i] = (double)b;
		k[i] = 42;
		mem[i] = 1.0 / (double)(i + 3);
	}
	struct cd_block_col c[4] = { { 1, cpu, NULL, 0 }, { 2, bytes, NULL, 0 }, { 3, k, NULL, 0 },
				     { 300, mem, NULL, 0 } };
	size_t one = roundtrip(t, N, &c[2], 1);
	ASSERT(one < N * 2);         /* the times' jitter and a bit a value */
	size_t all = roundtrip(t, N, c, 4);
	ASSERT(all < N * (8 + 5 + 1 + 9));   /* loose: the benchmark measures */
	free(t);
	free(cpu);
	free(bytes);
	free(k);
	free(mem);
}

TEST(block_columns_missing_rows_and_odd_values)
{
	static const double odd[] = { NAN, INFINITY, -INFINITY, -0.0, 0.0, DBL_MAX, -DBL_MAX,
				      DBL_MIN, 5e-324, 1e300, 0.1, 1.0 / 3, 4.6e18, -4.7e18 };
	enum { M = 64 };
	int64_t t[M];
	double v[M], w[M * 2];
	uint8_t present[M];
	for (size_t i = 0; i < M; i++) {
		t[i] = (int64_t)i * 1000 - 5000;     /* before the epoch too */
		v[i] = odd[i % (sizeof(odd) / sizeof(odd[0]))];
		present[i] = i % 3 != 1;
		w[2 * i] = (double)i;                /* strided: every other one */
		w[2 * i + 1] = -1;
	}
	struct cd_block_col c[3] = { { 7, v, present, 0 }, { 8, v, NULL, 0 }, { 9, w, NULL, 2 } };
	struct cd_block_col strided = { 9, w, NULL, 2 };
	roundtrip(t, M, c, 2);
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, M, &strided, 1), 0);
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, b.data, b.len), 0);
	double out[M];
	uint8_t p[M];
	ASSERT_EQ(cd_block_column(&blk, 9, out, p), M);
	for (size_t i = 0; i < M; i++)
		ASSERT(out[i] == (double)i);
	cd_buf_free(&b);
	/* refused: times not ascending, no rows, a column with no value */
	cd_buf_init(&b, SIZE_MAX);
	int64_t bad_t[3] = { 1, 3, 3 };
	ASSERT_EQ(cd_block_encode(&b, bad_t, 3, c, 1), -EINVAL);
	ASSERT_EQ(cd_block_encode(&b, t, 0, c, 1), -EINVAL);
	uint8_t none[M] = { 0 };
	struct cd_block_col empty = { 1, v, none, 0 };
	ASSERT_EQ(cd_block_encode(&b, t, M, &empty, 1), -EINVAL);
	cd_buf_free(&b);
	ASSERT_EQ(cd_block_exponent(6.5, 0), 1);
	ASSERT_EQ(cd_block_exponent(0.1 + 0.2, 0), -1);     /* no decimal holds it */
	ASSERT_EQ(cd_block_exponent(5, 3), 3);
	/* 9007199254732.8 is held at 10^1 but not at 10^3 (k past 2^53): a
	 * column whose other value needs 10^3 falls back to xor, lossless */
	int64_t t2[2] = { 0, 20000 };
	double v2[2] = { 9007199254732.8, 0.125 }, o2[2];
	uint8_t p2[2];
	struct cd_block_col c2 = { 1, v2, NULL, 0 };
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t2, 2, &c2, 1), 0);
	ASSERT_EQ(cd_block_open(&blk, b.data, b.len), 0);
	ASSERT_EQ(cd_block_column(&blk, 1, o2, p2), 2);
	ASSERT(o2[0] == v2[0] && o2[1] == v2[1]);
	cd_buf_free(&b);
	(void)c[2];
}

/* The way column id was written (0..12, 64 + e: Rice, 255: xor). */
static int way_of(const struct cd_buf *b, const struct cd_block *blk, size_t col)
{
	const uint8_t *p = (const uint8_t *)b->data + blk->coff;
	for (size_t k = 0;; k++) {
		while (*p & 0x80)                 /* the id */
			p++;
		p++;
		int way = p[0];
		p += 2 + (way >= 64 && way != 255);
		uint64_t len = 0;
		for (int sh = 0;; sh += 7) {
			len |= (uint64_t)(*p & 0x7f) << sh;
			if (!(*p++ & 0x80))
				break;
		}
		if (k == col)
			return way;
		p += len;
	}
}

TEST(block_rice_coded_counters)
{
	enum { M = 240 };
	int64_t t[M];
	double ns[M], jumps[M], flat[M];
	uint64_t x = 5000000000ULL, y = 1;
	srand(3);
	for (int i = 0; i < M; i++) {
		t[i] = 1764547200000 + (int64_t)i * 20000 + rand() % 9;
		/* seconds from nanoseconds: steps of about 2 s, noise of 1 ms */
		x += 2000000000ULL + (uint64_t)(rand() % 1000000);
		ns[i] = (double)x / 1e9;
		/* steady steps, and jumps of 2^50 now and then (escapes), one
		 * past 2^53 with e = 0 still exact */
		y += 1000 + (uint64_t)(rand() % 1000000) + (i % 37 == 5 ? (1ULL << 50) : 0);
		jumps[i] = (double)y;
		flat[i] = 7;
	}
	struct cd_block_col c[3] = { { 1, ns, NULL, 0 }, { 2, jumps, NULL, 0 }, { 3, flat, NULL, 0 } };
	size_t len = roundtrip(t, M, c, 3);
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, M, c, 3), 0);
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, b.data, b.len), 0);
	ASSERT_EQ(way_of(&b, &blk, 0), 64 + 9);         /* Rice, e = 9 */
	ASSERT_EQ(way_of(&b, &blk, 1), 64 + 0);
	ASSERT_EQ(way_of(&b, &blk, 2), 0);              /* all zeros: a bit each */
	/* the noise of 1 ms in ns is about 20 bits; Rice takes about 22 */
	ASSERT(len < M * (1 + 3 + 3) + 200);
	/* k past 62 is refused */
	uint8_t *bad = malloc(b.len);
	memcpy(bad, b.data, b.len);
	size_t at = blk.coff + 1 + 2;                   /* column 1's k */
	ASSERT_EQ(bad[at - 2], 64 + 9);
	bad[at] = 63;
	ASSERT_EQ(cd_block_open(&blk, bad, b.len), -EINVAL);
	free(bad);
	cd_buf_free(&b);
}

TEST(block_hostile_bytes_never_crash)
{
	enum { M = 120 };
	int64_t t[M];
	double v[M], g[M];
	for (int i = 0; i < M; i++) {
		t[i] = (int64_t)i * 20000 + i % 5;
		v[i] = 1.0 / (i + 3);
		g[i] = i * 4096.0;
	}
	struct cd_block_col c[2] = { { 1, v, NULL, 0 }, { 2, g, NULL, 0 } };
	struct cd_buf b;
	cd_buf_init(&b, SIZE_MAX);
	ASSERT_EQ(cd_block_encode(&b, t, M, c, 2), 0);
	uint8_t *buf = malloc(b.len);
	srand(11);
	int corrupt = 0;
	int64_t tt[CD_BLOCK_MAX_ROWS];
	static double out[CD_BLOCK_MAX_ROWS];
	static uint8_t p[CD_BLOCK_MAX_ROWS];
	for (int round = 0; round < 3000; round++) {
		memcpy(buf, b.data, b.len);
		size_t cut = round % 3 ? b.len : (size_t)rand() % b.len;
		for (int k = 0; k < 1 + round % 4; k++)
			buf[rand() % b.len] ^= (uint8_t)(1 + rand() % 255);
		struct cd_block blk;
		if (cd_block_open(&blk, buf, cut) < 0) {
			corrupt++;
			continue;
		}
		corrupt += cd_block_times(&blk, tt) < 0;
		for (size_t k = 0; k < blk.ncols; k++)
			corrupt += cd_block_column(&blk, cd_block_col_id(&blk, k), out, p) < 0;
		corrupt += cd_block_each(&blk, NULL, NULL) < 0;
	}
	ASSERT(corrupt > 0);
	free(buf);
	/* every cut short does not open or does not decode */
	for (size_t l = 0; l < b.len; l++) {
		struct cd_block blk;
		ASSERT(cd_block_open(&blk, b.data, l) < 0);
	}
	uint8_t bad[8] = { 2, 1, 1, 0 };
	struct cd_block blk;
	ASSERT_EQ(cd_block_open(&blk, bad, sizeof(bad)), -EINVAL);
	/* a head that is all headers: 65,535 rows of 65,535 empty columns
	 * (38 GB for a reader to allocate) in 400 KB does not open */
	size_t hn = 0, cap = 500000;
	uint8_t *h = calloc(1, cap);
	h[hn++] = 1;
	h[hn++] = 0xff, h[hn++] = 0xff, h[hn++] = 0x03;     /* rows: 65535 */
	h[hn++] = 0xff, h[hn++] = 0xff, h[hn++] = 0x03;     /* columns: 65535 */
	h[hn++] = 0x80, h[hn++] = 0x40;                     /* times: 8192 bytes */
	hn += 8192;
	for (unsigned k = 1; k <= 65535; k++) {             /* id, mode, dense, empty */
		h[hn++] = (uint8_t)(k & 0x7f) | 0x80, h[hn++] = (uint8_t)(k >> 7 & 0x7f) | (k >> 14 ? 0x80 : 0);
		if (k >> 14)
			h[hn++] = (uint8_t)(k >> 14);
		h[hn++] = 0, h[hn++] = 0, h[hn++] = 0;
	}
	ASSERT(hn < cap);
	ASSERT_EQ(cd_block_open(&blk, h, hn), -EINVAL);
	free(h);
	cd_buf_free(&b);
}
