/* adef.c - the alert definitions' words, comparisons and lifetime. */
#include "alerts/adef.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const char *const kinds[CD_AK_N] = { "vm", "host", "datastore", "source" };
static const char *const sevs[CD_AS_N] = { "info", "warning", "immediate", "critical" };
static const char *const ops[] = { ">", ">=", "<", "<=", "==", "!=", "above_normal", "below_normal" };
static const char *const states[CD_ST_N] = { "agent_down", "source_error", "source_stale",
					     "policy_not_realized", "quarantined", "detection",
					     "vnic_not_enforced", "spoofing" };
static const char *const actions[] = { "none", "tag", "scan", "release" };

const char *cd_akind_name(enum cd_akind k)
{
	return (unsigned)k < CD_AK_N ? kinds[k] : "?";
}

const char *cd_asev_name(enum cd_asev s)
{
	return (unsigned)s < CD_AS_N ? sevs[s] : "?";
}

const char *cd_aop_name(enum cd_aop o)
{
	return (unsigned)o < CD_ARRAY_LEN(ops) ? ops[o] : "?";
}

const char *cd_astate_name(enum cd_astate s)
{
	return (unsigned)s < CD_ST_N ? states[s] : "?";
}

const char *cd_aaction_name(enum cd_aaction a)
{
	return (unsigned)a < CD_ARRAY_LEN(actions) ? actions[a] : "?";
}

static int word(const char *s, const char *const *words, int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, words[i]))
			return i;
	return -EINVAL;
}

int cd_akind_parse(const char *s, enum cd_akind *k)
{
	int i = word(s, kinds, CD_AK_N);
	if (i < 0)
		return i;
	*k = (enum cd_akind)i;
	return 0;
}

int cd_asev_parse(const char *s, enum cd_asev *v)
{
	int i = word(s, sevs, CD_AS_N);
	if (i < 0)
		return i;
	*v = (enum cd_asev)i;
	return 0;
}

bool cd_aop_holds(enum cd_aop o, double v, double t)
{
	switch (o) {
	case CD_AOP_GT: return v > t;
	case CD_AOP_GE: return v >= t;
	case CD_AOP_LT: return v < t;
	case CD_AOP_LE: return v <= t;
	case CD_AOP_EQ: return v == t;
	case CD_AOP_NE: return v != t;
	case CD_AOP_ABOVE_NORMAL:
	case CD_AOP_BELOW_NORMAL: return false;
	}
	return false;
}

bool cd_aop_learned(enum cd_aop o)
{
	return o == CD_AOP_ABOVE_NORMAL || o == CD_AOP_BELOW_NORMAL;
}

void cd_adef_free(struct cd_adef *d)
{
	free(d->name);
	free(d->description);
	for (size_t i = 0; i < d->nsym; i++)
		free(d->sym[i].label);
	for (size_t i = 0; i < d->nrec; i++) {
		free(d->rec[i].text);
		free(d->rec[i].tag);
	}
	for (size_t i = 0; i < d->nnotify; i++)
		free(d->notify[i]);
	free(d->notify);
	memset(d, 0, sizeof(*d));
}

void cd_adefs_free(struct cd_adefs *a)
{
	for (size_t i = 0; i < a->n; i++)
		cd_adef_free(&a->v[i]);
	free(a->v);
	for (size_t i = 0; i < a->nrecv; i++) {
		free(a->recv[i].name);
		free(a->recv[i].alertmanager);
		free(a->recv[i].webhook);
	}
	free(a->recv);
	memset(a, 0, sizeof(*a));
}

const struct cd_adef *cd_adefs_find(const struct cd_adefs *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}
