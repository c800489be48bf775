/* catalog.h - the metrics cordon offers (../shared/spec/monitoring.md),
 * and how each is made, when read, from the series the store keeps.
 *
 * The store keeps what was collected: counters as counters (`_total`,
 * monotonic but for resets), gauges as gauges.  A metric of the catalog is
 * a gauge as kept, a counter's rate per second, a counter's rate over a
 * number of CPUs (a gauge: ratios of CPU time), the increase of one
 * counter over another's (a latency: time spent / operations), or a gauge
 * over another (a share: memory or space used / the total). */
#ifndef CD_CATALOG_H
#define CD_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum cd_metric_how {
	CD_HOW_GAUGE,          /* raw, as kept */
	CD_HOW_RATE,           /* raw counter, per second */
	CD_HOW_PER_CPU,        /* raw counter per second / per (a gauge) */
	CD_HOW_PER_OP,         /* increase of raw / increase of per */
	CD_HOW_PER_GAUGE,      /* raw gauge / per gauge (a share: used / total) */
};

struct cd_metric {
	const char *name;      /* vm_cpu_ready_ratio */
	const char *kind;      /* vm, host, datastore */
	const char *unit;      /* ratio, bytes, seconds, bytes_per_second, ... */
	enum cd_metric_how how;
	const char *raw;       /* the series kept */
	const char *per;       /* CD_HOW_PER_CPU, _PER_OP, _PER_GAUGE: the other one */
	const char *description;
};

/* Every metric, in the catalog's order; *n how many. */
const struct cd_metric *cd_catalog(size_t *n);
/* A metric by name, or NULL. */
const struct cd_metric *cd_catalog_find(const char *name);
/* A series the collectors keep: its help text and *unit (NULL when it has
 * none: a count), or NULL for a name the catalog does not know. */
const char *cd_catalog_raw_help(const char *name, const char **unit);
/* Whether name is a series the collectors keep (a raw one). */
bool cd_catalog_is_raw(const char *name);
/* [{name, kind, unit, description}] as GET /api/v1/metrics/catalog. */
json_t *cd_catalog_json(void);

#endif
