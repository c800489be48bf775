/* mquery.h - a metric of the catalog, for one object, at a step: what
 * POST /api/v1/metrics/query answers, made from the series kept.
 *
 * Steps sit on multiples of the step from the epoch (UTC); a step with no
 * data has no point.  The store answers from the coarsest tier whose step
 * divides the query's (1 hour, 5 minutes, else raw), and from raw samples
 * for the times it has not yet rolled up.  A step's value, by rollup:
 *  - gauges: the mean, min, max, sum, count of the samples, or the last;
 *  - rates (counters per second): avg is the exact rate over the step,
 *    min and max the lowest and highest rate between two samples (of the
 *    finest data kept: between samples while raw, of 5-minute or 1-hour
 *    steps later), sum the increase, count the samples, latest the rate
 *    over the step;
 *  - CPU ratios: those rates over the vCPUs (or CPUs) the object had;
 *  - latencies: avg is the time spent over the requests made in the step,
 *    min and max those of the finest data kept, sum the time spent, count
 *    the intervals with requests, latest the last interval's.
 * Where an object has several series of a metric (other labels), their
 * values are added. */
#ifndef CD_MQUERY_H
#define CD_MQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/catalog.h"
#include "metrics/mstore.h"

enum cd_agg { CD_AGG_AVG, CD_AGG_MIN, CD_AGG_MAX, CD_AGG_SUM, CD_AGG_COUNT, CD_AGG_LATEST };

#define CD_MQUERY_MAX_POINTS 100000 /* a series' points in one answer: 6 months at 5 minutes */

/* "avg", "min", ...: 0, or -EINVAL. */
int cd_agg_parse(const char *s, enum cd_agg *a);

struct cd_point {
	int64_t t;                 /* the step's start, epoch ms */
	double v;
};

/* Metric m of object kind/name in [begin, end] at step_ms: 0 with *n
 * points in *out (the caller frees; none when the object has no such
 * series), -E2BIG when that would be more than CD_MQUERY_MAX_POINTS,
 * -EINVAL for a step or range out of bounds, -EIO. */
int cd_mquery(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
	      const char *name, int64_t begin, int64_t end, int64_t step_ms, enum cd_agg agg,
	      struct cd_point **out, size_t *n);
/* The same, what it reads (samples, or rollups of a tier) taken off
 * *budget: -EDQUOT once it goes below 0 (what a query may read in all). */
int cd_mquery_budget(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
		     const char *name, int64_t begin, int64_t end, int64_t step_ms, enum cd_agg agg,
		     int64_t *budget, struct cd_point **out, size_t *n);

/* The same for several rollups at once (at most CD_MQUERY_MAX_AGGS),
 * the series read once: out[a], n[a] the points of aggs[a] (each freed
 * by the caller). */
#define CD_MQUERY_MAX_AGGS 6
int cd_mquery_aggs(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
		   const char *name, int64_t begin, int64_t end, int64_t step, const enum cd_agg *aggs,
		   size_t nagg, int64_t *budget, struct cd_point **out, size_t *n);

#endif
