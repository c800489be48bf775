/* test_chunk.c - the metrics chunk format: every sample comes back bit for
 * bit (counters, seconds from nanoseconds, gauges, NaN, infinities, -0),
 * timestamps with jitter, full chunks, a precision the chunk cannot hold,
 * and chunks cut short or scrambled decode to an error, never a crash. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/chunk.h"
#include "test.h"

/* Write n samples into chunks (a new one whenever one is full or cannot
 * hold a value), read them all back, compare bit for bit; the bytes
 * taken. */
static size_t roundtrip(const int64_t *t, const double *v, size_t n)
{
	struct cd_chunk_w *w = malloc(sizeof(*w));
	size_t bytes = 0, from = 0;
	cd_chunk_w_init(w);
	for (size_t i = 0; i <= n; i++) {
		int r = i < n ? cd_chunk_append(w, t[i], v[i]) : -ENOSPC;
		if (r == 0)
			continue;
		ASSERT_EQ(r, -ENOSPC);
		size_t len;
		const uint8_t *d = cd_chunk_data(w, &len);
		bytes += len;
		struct cd_chunk_r rd;
		ASSERT_EQ(cd_chunk_r_init(&rd, d, len), 0);
		ASSERT_EQ(cd_chunk_r_count(&rd), i - from);
		int64_t tt;
		double vv;
		for (size_t j = from; j < i; j++) {
			ASSERT_EQ(cd_chunk_next(&rd, &tt, &vv), 1);
			ASSERT_EQ(tt, t[j]);
			ASSERT(memcmp(&vv, &v[j], sizeof(vv)) == 0);
		}
		ASSERT_EQ(cd_chunk_next(&rd, &tt, &vv), 0);
		if (i == n)
			break;
		int e = cd_chunk_exponent(w), need = cd_chunk_value_exponent(v[i]);
		cd_chunk_w_init_exponent(w, need > e ? need : e);
		ASSERT_EQ(cd_chunk_append(w, t[i], v[i]), 0);
		from = i;
	}
	free(w);
	return bytes;
}

#define N 20000

TEST(chunk_counters_and_seconds_from_nanoseconds)
{
	int64_t *t = malloc(N * sizeof(*t));
	double *v = malloc(N * sizeof(*v));
	srand(7);
	/* a collector every 20 s with a few ms of jitter */
	int64_t now = 1764547200000;
	for (size_t i = 0; i < N; i++)
		t[i] = now + (int64_t)i * 20000 + rand() % 7;
	/* cpu.time as libvirt gives it (ns), read as seconds */
	uint64_t ns = 123456789012;
	for (size_t i = 0; i < N; i++) {
		ns += 20000000000ULL / 10 * (uint64_t)(rand() % 5) + (uint64_t)(rand() % 1000000);
		v[i] = (double)ns / 1e9;
	}
	size_t b = roundtrip(t, v, N);
	ASSERT(b < N * 8);          /* a loose bound: the benchmark measures */
	/* a byte counter, with a reset */
	uint64_t bytes = 0;
	for (size_t i = 0; i < N; i++) {
		bytes = i == N / 2 ? 0 : bytes + (uint64_t)(rand() % 100000);
		v[i] = (double)bytes;
	}
	b = roundtrip(t, v, N);
	ASSERT(b < N * 5);
	/* a constant */
	for (size_t i = 0; i < N; i++)
		v[i] = 42;
	b = roundtrip(t, v, N);
	ASSERT(b < N * 2);           /* the jitter's bits, one bit a value */
	free(t);
	free(v);
}

TEST(chunk_gauges_and_odd_values)
{
	int64_t t[64];
	double v[64];
	static const double odd[] = { NAN, INFINITY, -INFINITY, -0.0, 0.0, DBL_MAX, -DBL_MAX,
				      DBL_MIN, 5e-324, 1e300, 0.1, 1.0 / 3, 4.6e18, -4.7e18 };
	size_t n = 0;
	for (size_t r = 0; r < 4; r++)
		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]) && n < 64; i++, n++) {
			t[n] = (int64_t)n * 1000 - 5000;   /* before the epoch too */
			v[n] = odd[(i + r) % (sizeof(odd) / sizeof(odd[0]))];
		}
	roundtrip(t, v, n);
	/* random doubles */
	int64_t *tt = malloc(N * sizeof(*tt));
	double *vv = malloc(N * sizeof(*vv));
	for (size_t i = 0; i < N; i++) {
		uint64_t bits = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
		memcpy(&vv[i], &bits, sizeof(bits));
		tt[i] = (int64_t)i * 15000 + (i % 3 ? 1 : -1) * (int64_t)(rand() % 4000);
		if (i && tt[i] <= tt[i - 1])
			tt[i] = tt[i - 1] + 1;
	}
	roundtrip(tt, vv, N);
	free(tt);
	free(vv);
}

TEST(chunk_refuses_what_it_cannot_hold)
{
	struct cd_chunk_w w;
	cd_chunk_w_init(&w);
	ASSERT_EQ(cd_chunk_append(&w, 1000, 5), 0);
	ASSERT_EQ(cd_chunk_exponent(&w), 0);
	ASSERT_EQ(cd_chunk_append(&w, 1000, 6), -EINVAL);      /* not after the last */
	ASSERT_EQ(cd_chunk_append(&w, 999, 6), -EINVAL);
	ASSERT_EQ(cd_chunk_append(&w, 2000, 6.5), -ENOSPC);    /* needs e = 1 */
	ASSERT_EQ(cd_chunk_value_exponent(6.5), 1);
	ASSERT_EQ(cd_chunk_value_exponent(0.1 + 0.2), -1);     /* no decimal holds it */
	ASSERT_EQ(cd_chunk_append(&w, 2000, 6), 0);
	/* filled up: -ENOSPC, and what it holds still reads */
	int r = 0;
	int64_t t = 2000;
	do {
		t += 1000003;
		r = cd_chunk_append(&w, t, (double)(t * 7919 % 1000003));
	} while (r == 0);
	ASSERT_EQ(r, -ENOSPC);
	size_t len;
	const uint8_t *d = cd_chunk_data(&w, &len);
	ASSERT(len <= CD_CHUNK_MAX_BYTES);
	struct cd_chunk_r rd;
	ASSERT_EQ(cd_chunk_r_init(&rd, d, len), 0);
	int64_t tt;
	double vv;
	uint32_t n = 0;
	while (cd_chunk_next(&rd, &tt, &vv) == 1)
		n++;
	ASSERT_EQ(n, cd_chunk_r_count(&rd));
}

TEST(chunk_hostile_bytes_never_crash)
{
	struct cd_chunk_w w;
	cd_chunk_w_init(&w);
	for (int i = 0; i < 120; i++)
		ASSERT_EQ(cd_chunk_append(&w, (int64_t)i * 20000 + i % 5, 1.0 / (i + 3)), 0);
	size_t len;
	const uint8_t *d = cd_chunk_data(&w, &len);
	uint8_t *buf = malloc(len);
	srand(11);
	int corrupt = 0;
	for (int round = 0; round < 2000; round++) {
		memcpy(buf, d, len);
		size_t cut = round % 3 ? len : (size_t)rand() % len;
		for (int k = 0; k < 1 + round % 4; k++)
			buf[rand() % len] ^= (uint8_t)(1 + rand() % 255);
		struct cd_chunk_r rd;
		if (cd_chunk_r_init(&rd, buf, cut) < 0) {
			corrupt++;
			continue;
		}
		int64_t tt;
		double vv;
		int r;
		uint32_t n = 0;
		while ((r = cd_chunk_next(&rd, &tt, &vv)) == 1)
			ASSERT(++n <= cd_chunk_r_count(&rd));
		corrupt += r < 0;
	}
	ASSERT(corrupt > 0);
	free(buf);
	/* too short, too long, wrong version */
	struct cd_chunk_r rd;
	ASSERT_EQ(cd_chunk_r_init(&rd, d, 10), -EINVAL);
	ASSERT_EQ(cd_chunk_r_init(&rd, d, CD_CHUNK_MAX_BYTES + 1), -EINVAL);
	uint8_t bad[64] = { 2 };
	ASSERT_EQ(cd_chunk_r_init(&rd, bad, sizeof(bad)), -EINVAL);
}
