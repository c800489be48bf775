/* rollup.h - samples summed up over steps: what the store's coarser
 * tiers keep and what a query at a step answers.
 *
 * Steps sit on multiples of the step from the epoch (UTC).  A gauge's
 * step keeps min, max, sum, count and last.  A counter's keeps what makes
 * its rate over the step exact (the increase and the time it covers) and
 * the highest and lowest rate between two samples inside it, so that a
 * peak of one collection interval still shows a year later.  A counter
 * that goes down was reset (a restarted domain): it counts again from 0. */
#ifndef CD_ROLLUP_H
#define CD_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cd_sample {
	int64_t t;                 /* epoch ms */
	double v;
};

struct cd_rollup {
	int64_t t;                 /* the step's start, epoch ms */
	uint32_t count;            /* samples in it */
	double min, max, sum, last;        /* gauges */
	double increase;           /* counters: the increase over ... */
	int64_t covered_ms;        /* ... this much time (from the sample before) */
	double rate_min, rate_max; /* counters: per second, between two samples */
};

/* The step that holds t. */
int64_t cd_step_start(int64_t t, int64_t step_ms);
/* Gauge samples (t ascending) into steps: how many steps were written to
 * out (at most max). */
size_t cd_rollup_gauge(const struct cd_sample *s, size_t n, int64_t step_ms,
		       struct cd_rollup *out, size_t max);
/* Counter samples (t ascending), prev the sample before s[0] (or NULL):
 * the increase between two samples goes to the step of the later one. */
size_t cd_rollup_counter(const struct cd_sample *s, size_t n, const struct cd_sample *prev,
			 int64_t step_ms, struct cd_rollup *out, size_t max);
/* Samples rolled up one at a time as they come, in time order (a reader
 * that decodes sample by sample rolls up as it goes): steps into out,
 * at most max of them.  cd_rollup_gauge and cd_rollup_counter are loops
 * over it. */
struct cd_roller {
	int64_t step_ms;
	bool counter;
	bool rates;                /* a counter's rate_min and rate_max made (two divisions) */
	struct cd_sample prev;     /* the last sample (t INT64_MIN: none) */
	struct cd_rollup *out;
	size_t n, max;             /* out[n - 1] the step being filled */
};

/* prev: a counter's sample before the first (or NULL); rates: whether
 * its steps' rate_min and rate_max are wanted (else left 0). */
void cd_roller_init(struct cd_roller *r, bool counter, bool rates, int64_t step_ms,
		    const struct cd_sample *prev, struct cd_rollup *out, size_t max);
/* The next samples s[0..n): how many were taken, fewer than n when the
 * next would make a step past max (a caller may give a larger out, and
 * the rest again). */
size_t cd_roller_add(struct cd_roller *r, const struct cd_sample *s, size_t n);

/* Two rollups of one step (from two tiers, or two halves) made one. */
void cd_rollup_merge(struct cd_rollup *into, const struct cd_rollup *r);
/* A counter step's rate per second (increase / covered), or NaN when it
 * covers no time. */
double cd_rollup_rate(const struct cd_rollup *r);

#endif
