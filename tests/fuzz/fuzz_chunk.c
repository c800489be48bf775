/* fuzz_chunk.c - libFuzzer harness for the metrics chunk format.
 * Properties: decoding any bytes never crashes nor reads past them, and
 * yields at most the count its header claims; samples made from the
 * input (16 bytes each: a timestamp step and a value's bits) come back
 * bit for bit. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the input as a chunk */
	struct cd_chunk_r r;
	if (cd_chunk_r_init(&r, data, size) == 0) {
		int64_t t;
		double v;
		uint32_t n = 0;
		while (cd_chunk_next(&r, &t, &v) == 1)
			if (++n > cd_chunk_r_count(&r))
				abort();
	}
	/* the input as samples, through a writer and back */
	static struct cd_chunk_w w;
	cd_chunk_w_init_exponent(&w, size ? data[0] % 14 : 0);
	int64_t ts[CD_CHUNK_MAX_SAMPLES > 4096 ? 4096 : CD_CHUNK_MAX_SAMPLES];
	uint64_t vs[4096];
	size_t n = 0;
	int64_t t = -1000000;
	for (size_t i = 1; i + 16 <= size && n < 4096; i += 16) {
		uint64_t step, bits;
		memcpy(&step, data + i, 8);
		memcpy(&bits, data + i + 8, 8);
		t += (int64_t)(step % 100000000) + 1;
		double v;
		memcpy(&v, &bits, 8);
		if (cd_chunk_append(&w, t, v) != 0)
			break;
		ts[n] = t;
		vs[n++] = bits;
	}
	size_t len;
	const uint8_t *d = cd_chunk_data(&w, &len);
	if (!n)
		return 0;
	if (cd_chunk_r_init(&r, d, len) != 0 || cd_chunk_r_count(&r) != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		int64_t tt;
		double v;
		if (cd_chunk_next(&r, &tt, &v) != 1 || tt != ts[i] || memcmp(&v, &vs[i], 8))
			abort();
	}
	return 0;
}
