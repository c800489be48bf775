/* adef.h - alert definitions: the model, read from a YAML document with
 * every error located (adef_parse.c), and the definitions cordon ships
 * (builtin.c).
 *
 * An alert definition names a kind of object (vm, host, datastore,
 * source), a severity, symptoms joined by any or all, recommendations
 * and where its notifications go.  A symptom is one condition, checked
 * at each collection cycle, that holds once it has been true wait_cycles
 * cycles in a row and stops holding once it has been false cancel_cycles
 * cycles in a row (hysteresis):
 *  - metric: a metric of the object (catalog.h), a comparison, a value;
 *    or above_normal / below_normal with sigmas: outside the band
 *    learned from the object's own history (band.h);
 *  - population: the share (more than N%) or count (at least N) of the
 *    object's related objects (a host's or datastore's VMs, a source's
 *    hosts) whose metric compares so;
 *  - capacity: a datastore's days until full, by a linear projection of
 *    its used bytes over a window, compared to a value;
 *  - state: a fact of the manager's: agent_down, source_error,
 *    source_stale, policy_not_realized (after seconds), quarantined,
 *    detection (within seconds), vnic_not_enforced.
 * A pushed document adds to the built-in definitions; one of the same
 * name replaces the built-in, `enabled: false` turns it off. */
#ifndef CD_ADEF_H
#define CD_ADEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define CD_ADEF_MAX_DEFS 1000
#define CD_ADEF_MAX_SYMPTOMS 16
#define CD_ADEF_MAX_RECS 8
#define CD_ADEF_MAX_RECEIVERS 16
#define CD_ADEF_MAX_CYCLES 1000
#define CD_ADEF_DOC_MAX (1u << 20)

enum cd_akind { CD_AK_VM, CD_AK_HOST, CD_AK_DATASTORE, CD_AK_SOURCE, CD_AK_N };
enum cd_asev { CD_AS_INFO, CD_AS_WARNING, CD_AS_IMMEDIATE, CD_AS_CRITICAL, CD_AS_N };
enum cd_aop {
	CD_AOP_GT, CD_AOP_GE, CD_AOP_LT, CD_AOP_LE, CD_AOP_EQ, CD_AOP_NE,
	CD_AOP_ABOVE_NORMAL, CD_AOP_BELOW_NORMAL   /* learned (metric symptoms only) */
};
enum cd_asym { CD_SYM_METRIC, CD_SYM_POPULATION, CD_SYM_CAPACITY, CD_SYM_STATE };
enum cd_astate {
	CD_ST_AGENT_DOWN, CD_ST_SOURCE_ERROR, CD_ST_SOURCE_STALE, CD_ST_POLICY_NOT_REALIZED,
	CD_ST_QUARANTINED, CD_ST_DETECTION, CD_ST_VNIC_NOT_ENFORCED, CD_ST_SPOOFING, CD_ST_N
};
enum cd_aaction { CD_ACT_NONE, CD_ACT_TAG, CD_ACT_SCAN, CD_ACT_RELEASE };

const char *cd_akind_name(enum cd_akind k);
const char *cd_asev_name(enum cd_asev s);
const char *cd_aop_name(enum cd_aop o);
const char *cd_astate_name(enum cd_astate s);
const char *cd_aaction_name(enum cd_aaction a);
/* "vm", ...: 0 with *k, or -EINVAL. */
int cd_akind_parse(const char *s, enum cd_akind *k);
int cd_asev_parse(const char *s, enum cd_asev *v);
/* A fixed comparison (false for a learned op: the band decides). */
bool cd_aop_holds(enum cd_aop o, double v, double threshold);
/* above_normal or below_normal */
bool cd_aop_learned(enum cd_aop o);

struct cd_asymptom {
	enum cd_asym type;
	char *label;               /* what it says, made when not given */
	const char *metric;        /* metric, population: the catalog's name */
	enum cd_aop op;
	double value;
	double sigmas;             /* a learned op: the band's half-width in spreads */
	enum cd_akind related;     /* population: of what kind (vm or host) */
	bool percent;              /* population: share is a percentage */
	double share;              /* more than share %, or at least share */
	int64_t window_ms;         /* capacity: the projection's window */
	enum cd_astate state;
	int64_t seconds;           /* policy_not_realized, detection, source_stale */
	uint32_t wait_cycles, cancel_cycles;
};

struct cd_arec {
	char *text;
	enum cd_aaction action;
	char *tag;                 /* CD_ACT_TAG */
};

struct cd_adef {
	char *name, *description;
	enum cd_akind kind;
	enum cd_asev severity;
	bool all;                  /* all symptoms, else any */
	bool enabled;
	bool builtin;
	struct cd_asymptom sym[CD_ADEF_MAX_SYMPTOMS];
	size_t nsym;
	struct cd_arec rec[CD_ADEF_MAX_RECS];
	size_t nrec;
	char **notify;             /* receivers' names */
	size_t nnotify;
};

struct cd_areceiver {
	char *name;
	char *alertmanager;        /* Alertmanager's base URL, or NULL */
	char *webhook;             /* a URL JSON is posted to, or NULL */
};

struct cd_adefs {
	struct cd_adef *v;
	size_t n;
	struct cd_areceiver *recv;
	size_t nrecv;
};

/* Parse a document (file names it in errors) over the built-in
 * definitions: 0 with *out, or -EINVAL with located errors in d and
 * *out empty. */
int cd_adefs_parse(const char *file, const char *doc, size_t len, struct cd_adefs *out,
		   struct cd_diags *d);
/* The built-in definitions alone. */
int cd_adefs_builtin(struct cd_adefs *out);
/* The built-in definitions' document (documented in docs/alerts.md). */
const char *cd_adefs_builtin_doc(void);
void cd_adefs_free(struct cd_adefs *a);
/* One definition's fields (not the definition itself). */
void cd_adef_free(struct cd_adef *d);
const struct cd_adef *cd_adefs_find(const struct cd_adefs *a, const char *name);

#endif
