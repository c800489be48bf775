/* fuzz_block.c - libFuzzer harness for the metrics block format.
 * Properties: decoding any bytes (whole columns, or row by row through
 * the iterator) never crashes nor reads past them; rows
 * and columns made from the input (16 bytes a row: a time step and a
 * value's bits, in three columns: the bits, a decimal missing some rows,
 * a counter of the steps, Rice-coded when shorter) come back bit for bit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int64_t t[4096];
	static double v[4096], w[4096], ctr[4096], out[CD_BLOCK_MAX_ROWS];
	static uint8_t present[4096], p[CD_BLOCK_MAX_ROWS];
	static int64_t tt[CD_BLOCK_MAX_ROWS];
	/* the input as a block */
	struct cd_block b;
	if (cd_block_open(&b, data, size) == 0) {
		cd_block_times(&b, tt);
		for (size_t k = 0; k < b.ncols; k++)
			if (cd_block_column(&b, cd_block_col_id(&b, k), out, p) > (int)b.nrows)
				abort();
		/* row by row: never more rows than the block says */
		struct cd_block_iter it;
		struct cd_block_cur cur[4];
		size_t rows = 0;
		int64_t at;
		if (cd_block_iter_init(&it, &b, NULL, cur, b.ncols < 4 ? b.ncols : 4) == 0)
			while (cd_block_iter_next(&it, &at) == 1)
				if (++rows > b.nrows)
					abort();
		cd_block_each(&b, NULL, NULL);
	}
	/* the input as rows, through the encoder and back */
	size_t n = 0;
	int64_t now = -1000000, sum = 0;
	bool any = false;
	for (size_t i = 0; i + 16 <= size && n < 4096; i += 16, n++) {
		uint64_t step, bits;
		memcpy(&step, data + i, 8);
		memcpy(&bits, data + i + 8, 8);
		now += (int64_t)(step % 100000000) + 1;
		t[n] = now;
		memcpy(&v[n], &bits, 8);
		w[n] = (double)(int64_t)(bits >> 11) / 1000;
		present[n] = (uint8_t)(step >> 63);
		sum += (int64_t)(bits % 100000000);
		ctr[n] = (double)sum / 1e9;
		any |= present[n];
	}
	if (!n || !any)
		return 0;
	struct cd_block_col c[3] = { { 1, v, NULL, 0 }, { 2, w, present, 0 }, { 3, ctr, NULL, 0 } };
	struct cd_buf buf;
	cd_buf_init(&buf, SIZE_MAX);
	if (cd_block_encode(&buf, t, n, c, 3) || cd_block_open(&b, buf.data, buf.len) ||
	    cd_block_times(&b, tt) || memcmp(tt, t, n * sizeof(*t)))
		abort();
	if (cd_block_column(&b, 1, out, p) != (int)n || memcmp(out, v, n * sizeof(*v)))
		abort();
	if (cd_block_column(&b, 3, out, p) != (int)n || memcmp(out, ctr, n * sizeof(*ctr)))
		abort();
	int got = cd_block_column(&b, 2, out, p);
	if (got <= 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if (p[i] != present[i] || (p[i] && memcmp(&out[i], &w[i], sizeof(double))))
			abort();
	cd_buf_free(&buf);
	return 0;
}
