/* forecast.h - days until a datastore is full, by one rule for the alerts
 * (the capacity symptom) and the console (GET /api/v1/metrics/objects):
 * a least-squares line through its used bytes over a window, at a hundred
 * steps, read at now against its capacity. */
#ifndef CD_FORECAST_H
#define CD_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/mquery.h"
#include "metrics/mstore.h"

#define CD_DAYS_LEFT_WINDOW_MS (7 * INT64_C(86400000))   /* the console's, the alert's default */

/* Days until used reaches capacity from the line through p[0..n) (3
 * points at least) at now: true with *days (0 when already past), false
 * when it is not filling (the line does not rise) or cannot be told. */
bool cd_days_left(const struct cd_point *p, size_t n, double capacity, int64_t now, double *days);

/* The same for datastore name in st over [now - window_ms, now], with its
 * newest capacity: 1 with *days, 0 when not filling or unknown, or a
 * negative code from the store. */
int cd_days_left_of(struct cd_mstore *st, const char *name, int64_t now, int64_t window_ms,
		    double *days);

#endif
