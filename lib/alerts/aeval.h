/* aeval.h - alert definitions evaluated at each collection cycle.
 *
 * The evaluator keeps, for each definition and object, how many cycles
 * in a row each symptom has been true or false, and whether it holds
 * (true wait_cycles in a row) or has stopped holding (false
 * cancel_cycles in a row).  An alert is raised once per definition and
 * object when its symptoms hold (any, or all), updated while they do,
 * and cancelled when they no longer do, when its object is gone or its
 * definition removed.  What the evaluator knows of the world it asks
 * through cd_aworld, during the cycle only: no I/O of its own, so that
 * it is unit-tested and benchmarked without a manager. */
#ifndef CD_AEVAL_H
#define CD_AEVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts/adef.h"
#include "base/util.h"

struct cd_band;                    /* band.h */

struct cd_apoint {
	int64_t t;                 /* epoch ms */
	double v;
};

struct cd_aworld {
	void *ctx;
	/* The objects of kind k; names borrowed until the cycle ends. */
	size_t (*objects)(void *ctx, enum cd_akind k, const char *const **names);
	/* The objects of kind rel related to kind k's name: a host's or a
	 * datastore's VMs, a source's hosts. */
	size_t (*related)(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
			  const char *const **names);
	/* The metric's value of the object over the last cycle: false when it
	 * has none. */
	bool (*metric)(void *ctx, enum cd_akind k, const char *name, const char *metric, double *v);
	/* The metric's points in [from, to] at step_ms, in time order (the
	 * caller frees *out): how many. */
	size_t (*series)(void *ctx, enum cd_akind k, const char *name, const char *metric,
			 int64_t from, int64_t to, int64_t step_ms, struct cd_apoint **out);
	/* Whether the state holds for the object (seconds as the symptom
	 * says); why says what was seen, as "agent last seen 40 s ago". */
	bool (*state)(void *ctx, enum cd_akind k, const char *name, enum cd_astate s,
		      int64_t seconds, struct cd_buf *why);
	/* The band learned for the object's metric (band.h), for a learned
	 * symptom (above_normal, below_normal): NULL while its history has not
	 * been read (the symptom is then neither true nor false: its cycles
	 * in a row wait, so that a restart cancels no alert).  A lookup: bands
	 * are learned apart, not in the cycle.  May be NULL (no learned
	 * symptom then holds). */
	const struct cd_band *(*band)(void *ctx, enum cd_akind k, const char *name,
				      const char *metric);
};

enum cd_achange_what { CD_ARAISE, CD_AUPDATE, CD_ACANCEL };

/* What a cycle changed.  detail is
 *   {"symptoms": [{"symptom": LABEL, "type": ..., "holds": bool,
 *                  "true": bool, "value": V | null, "op", "threshold",
 *                  "related": [NAMES], "matched": N, "of": N, "why": TEXT,
 *                  learned ops: "sigmas": S, "band": {"lower", "centre", "upper",
 *                  "hour_of_week", "hour", "values", "days", "learned"}}],
 *    "related": [{"kind", "name"}], "drilldown": {...},
 *    "held": MASK}
 * (a cancellation's says why in "reason"). */
struct cd_achange {
	enum cd_achange_what what;
	const struct cd_adef *def;  /* NULL when the definition is gone */
	char *definition;           /* its name */
	enum cd_akind kind;
	char *object;
	json_t *detail;
};

struct cd_aeval;
struct cd_aeval *cd_aeval_new(void);
void cd_aeval_free(struct cd_aeval *e);

/* An alert that was active before a restart: active again, its symptoms
 * of held (the mask in its detail) holding, so that it is neither raised
 * twice nor cancelled before its cancel cycles. */
void cd_aeval_restore(struct cd_aeval *e, const char *def, enum cd_akind kind,
		      const char *object, uint32_t held);

/* One cycle at now (epoch ms; interval_ms the collection's): the changes
 * in *out (cd_achanges_free). */
int cd_aeval_cycle(struct cd_aeval *e, const struct cd_adefs *defs, const struct cd_aworld *w,
		   int64_t now, int64_t interval_ms, struct cd_achange **out, size_t *n);
void cd_achanges_free(struct cd_achange *c, size_t n);

/* Days until a datastore is full: a least-squares line through its used
 * bytes, to its capacity.  false when it is not filling (or too few
 * points). */
bool cd_aeval_days_left(const struct cd_apoint *used, size_t n, double capacity, int64_t now,
			double *days);

/* How many pairs of definition and object it follows. */
size_t cd_aeval_pairs(const struct cd_aeval *e);

#endif
