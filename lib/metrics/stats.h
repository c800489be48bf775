/* stats.h - order statistics of a set of values, one definition for the
 * views' transformations, right-sizing and the learned thresholds.
 *
 * The percentile is the nearest rank (the smallest value with at least p
 * percent of the values at or below it), as Prometheus' quantile over
 * time is not: a value that was seen, never one made between two.  NaNs
 * are not values: they are left out. */
#ifndef CD_STATS_H
#define CD_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* The p-th percentile (0 < p <= 100) of v[0..n) by nearest rank: true
 * with *out, false when v holds no value.  v is reordered. */
bool cd_percentile(double *v, size_t n, double p, double *out);
/* The median of v[0..n) (the mean of the middle two for an even count):
 * true with *out, false when empty.  v is reordered. */
bool cd_median(double *v, size_t n, double *out);
/* The median and the median absolute deviation from it: true with both,
 * false when empty.  v is reordered (and holds the deviations after). */
bool cd_median_mad(double *v, size_t n, double *median, double *mad);

#endif
