/* test_stats.c - order statistics (metrics/stats.h) against a sort: the
 * nearest-rank percentile, median and MAD of random sets with repeats,
 * NaNs left out, the edges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/stats.h"
#include "test.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

TEST(stats_against_a_sort)
{
	unsigned seed = 7;
	for (int round = 0; round < test_volume(2000); round++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 200);
		double *v = malloc(n * sizeof *v), *s = malloc(n * sizeof *s), *w = malloc(n * sizeof *w);
		for (size_t i = 0; i < n; i++)
			v[i] = (double)(rand_r(&seed) % 50);   /* repeats on purpose */
		memcpy(s, v, n * sizeof *v);
		qsort(s, n, sizeof *s, cmp);
		static const double ps[] = { 1, 5, 50, 90, 95, 99, 100 };
		for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
			memcpy(w, v, n * sizeof *v);
			double got;
			ASSERT(cd_percentile(w, n, ps[k], &got));
			size_t rank = (size_t)ceil(ps[k] / 100.0 * (double)n);
			ASSERT(got == s[rank ? rank - 1 : 0]);
		}
		memcpy(w, v, n * sizeof *v);
		double med, mad;
		ASSERT(cd_median(w, n, &med));
		double want = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
		ASSERT(med == want);
		memcpy(w, v, n * sizeof *v);
		ASSERT(cd_median_mad(w, n, &med, &mad));
		for (size_t i = 0; i < n; i++)
			s[i] = fabs(v[i] - want);
		qsort(s, n, sizeof *s, cmp);
		ASSERT(mad == (n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2));
		free(v);
		free(s);
		free(w);
	}
}

TEST(stats_edges)
{
	double v[] = { NAN, 3, NAN, 1, 2 }, out = -1;
	ASSERT(cd_percentile(v, 5, 100, &out) && out == 3);
	double w[] = { NAN, 3, NAN, 1, 2 };
	ASSERT(cd_median(w, 5, &out) && out == 2);
	double x[] = { NAN };
	ASSERT(!cd_percentile(x, 1, 50, &out));
	ASSERT(!cd_median(x, 0, &out));
	double y[] = { 4 };
	ASSERT(!cd_percentile(y, 1, 0, &out));
	ASSERT(!cd_percentile(y, 1, 101, &out));
	ASSERT(cd_percentile(y, 1, 0.001, &out) && out == 4);
	/* 95th of 1..20: rank 19 */
	double z[20];
	for (int i = 0; i < 20; i++)
		z[19 - i] = i + 1;
	ASSERT(cd_percentile(z, 20, 95, &out) && out == 19);
}
