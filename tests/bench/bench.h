/* bench.h - what the benchmark programs share: loading a generated world,
 * a monotonic clock and order statistics of samples. */
#ifndef CD_BENCH_H
#define CD_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "policy/state.h"

/* Load DIR/inventory.yaml and DIR/policy.yaml into st; print the errors
 * and return -1 when they do not load. */
static inline int bench_load(const char *dir, struct cd_state *st)
{
	char inv[4096], pol[4096];
	struct cd_diags d;
	snprintf(inv, sizeof(inv), "%s/inventory.yaml", dir);
	snprintf(pol, sizeof(pol), "%s/policy.yaml", dir);
	cd_diags_init(&d);
	int r = cd_state_load(st, inv, pol, &d);
	cd_diags_print(&d, stderr);
	cd_diags_free(&d);
	return r < 0 ? -1 : 0;
}

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
