/* import.h - an OpenMetrics text file with timestamps into the metrics
 * store, as `promtool tsdb create-blocks-from openmetrics` reads one:
 * any metric names; `# TYPE` counter or gauge (histogram and summary
 * parts are counters, but for quantiles; untyped is a gauge); the object
 * from the label vm, datastore or host (in that order), the host and the
 * source from the labels host and source; every label kept in the
 * series. */
#ifndef CD_IMPORT_H
#define CD_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "metrics/mstore.h"

struct cd_import_stats {
	uint64_t lines, samples, series;
};

/* Read f (named file in errors) into st.  0 when every sample went in;
 * -EINVAL with located errors in d (the caller discards the store then:
 * nothing is kept), or another negative code. */
int cd_metrics_import(struct cd_mstore *st, FILE *f, const char *file, struct cd_diags *d,
		      struct cd_import_stats *stats);

#endif
