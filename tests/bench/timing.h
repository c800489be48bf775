/* timing.h - what the benchmark programs share: a monotonic clock and
 * order statistics of samples. */
#ifndef CD_BENCH_TIMING_H
#define CD_BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Milliseconds on the monotonic clock. */
static inline double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sort v and print its median, p99 and max, scaled by `scale`, in `unit`. */
static inline void print_stats(const char *what, double *v, int n, double scale,
			       const char *unit)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	printf("%s: median %.2f %s, p99 %.2f %s, max %.2f %s (n=%d)\n", what,
	       v[n / 2] * scale, unit, v[n * 99 / 100] * scale, unit,
	       v[n - 1] * scale, unit, n);
}

#endif
