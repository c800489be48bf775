/* alerts_world.c - what the alert evaluator knows of the manager's world
 * during one cycle (alerts/aeval.h, struct cd_aworld): the objects of
 * each kind, their relations, metrics read from the store, and the
 * states of agents, sources and workloads.  Made at the cycle's start,
 * under the manager's lock, and freed at its end. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts/aeval.h"
#include "alerts/band.h"
#include "base/util.h"
#include "manager/mgr_priv.h"
#include "inventory/vsperf.h"
#include "metrics/catalog.h"
#include "metrics/mquery.h"
#include "metrics/mstore.h"

struct list {
	const char **v;
	size_t n, cap;
};

struct cd_mgr_world {
	struct cd_mgr *m;
	int64_t now, interval;         /* ms */
	struct list objs[CD_AK_N];
	struct cd_map index[CD_AK_N];  /* name -> index in objs */
	struct list *vms_of_host, *vms_of_ds, *hosts_of_src;
	char **owned;                  /* strings made for the cycle */
	size_t nowned, owncap;
	json_t *detected;              /* workload -> its last detection (us) */
	json_t *spoofed;               /* workload -> its last spoof event (us) */
	struct cd_bands *bands;        /* the learned thresholds' (alerts.c keeps them) */
};

static const char *own(struct cd_mgr_world *w, const char *s)
{
	cd_grow(&w->owned, &w->owncap, w->nowned + 1, sizeof(*w->owned));
	return w->owned[w->nowned++] = cd_strdup(s);
}

static void push(struct list *l, const char *s)
{
	cd_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
}

/* The object's index, added when new (its name copied). */
static size_t object(struct cd_mgr_world *w, enum cd_akind k, const char *name)
{
	size_t i;
	if (cd_map_get(&w->index[k], name, &i))
		return i;
	const char *s = own(w, name);
	push(&w->objs[k], s);
	i = w->objs[k].n - 1;
	cd_map_put(&w->index[k], s, i, NULL);
	size_t need = w->objs[k].n;
	if (k == CD_AK_HOST)
		w->vms_of_host = cd_realloc(w->vms_of_host, need * sizeof(struct list));
	else if (k == CD_AK_DATASTORE)
		w->vms_of_ds = cd_realloc(w->vms_of_ds, need * sizeof(struct list));
	else if (k == CD_AK_SOURCE)
		w->hosts_of_src = cd_realloc(w->hosts_of_src, need * sizeof(struct list));
	struct list *l = k == CD_AK_HOST ? w->vms_of_host : k == CD_AK_DATASTORE ? w->vms_of_ds
		       : k == CD_AK_SOURCE ? w->hosts_of_src : NULL;
	if (l)
		memset(&l[i], 0, sizeof(*l));
	return i;
}

static void host_of_source(struct cd_mgr_world *w, const char *host, const char *source)
{
	if (!source || !*source)
		return;
	size_t h = object(w, CD_AK_HOST, host), s = object(w, CD_AK_SOURCE, source);
	struct list *l = &w->hosts_of_src[s];
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], w->objs[CD_AK_HOST].v[h]))
			return;
	push(l, w->objs[CD_AK_HOST].v[h]);
}

static void take_series(void *arg, const struct cd_series_info *s)
{
	struct cd_mgr_world *w = arg;
	if (!strcmp(s->kind, "host")) {
		object(w, CD_AK_HOST, s->name);
		host_of_source(w, s->name, s->source);
	} else if (!strcmp(s->kind, "datastore")) {
		object(w, CD_AK_DATASTORE, s->name);
	}
}

/* ---- the evaluator's questions ---- */

static size_t q_objects(void *ctx, enum cd_akind k, const char *const **names)
{
	struct cd_mgr_world *w = ctx;
	*names = w->objs[k].v;
	return w->objs[k].n;
}

static size_t q_related(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
			const char *const **names)
{
	struct cd_mgr_world *w = ctx;
	size_t i;
	*names = NULL;
	if (!cd_map_get(&w->index[k], name, &i))
		return 0;
	struct list *l = k == CD_AK_HOST && rel == CD_AK_VM ? &w->vms_of_host[i]
		       : k == CD_AK_DATASTORE && rel == CD_AK_VM ? &w->vms_of_ds[i]
		       : k == CD_AK_SOURCE && rel == CD_AK_HOST ? &w->hosts_of_src[i] : NULL;
	if (!l)
		return 0;
	*names = l->v;
	return l->n;
}

/* The newest step of a metric at a step of `step` ms, if it is of the
 * last two steps. */
static bool recent(struct cd_mgr_world *w, const struct cd_metric *m, enum cd_akind k, const char *name,
		   int64_t step, double *v)
{
	struct cd_point *p;
	size_t n;
	if (cd_mquery(w->m->metrics, m, cd_akind_name(k), name, w->now - 3 * step, w->now, step, CD_AGG_AVG,
		      &p, &n) < 0)
		return false;
	bool ok = n && p[n - 1].t >= w->now - 2 * step && isfinite(p[n - 1].v);
	if (ok)
		*v = p[n - 1].v;
	free(p);
	return ok;
}

/* An object's metric over the last cycle; an object a vCenter reports
 * (every 20 s, whatever the agents' interval) over its last 20 s, so that
 * a cycle shorter than vCenter's interval does not find it silent. */
static bool q_metric(void *ctx, enum cd_akind k, const char *name, const char *metric, double *v)
{
	struct cd_mgr_world *w = ctx;
	const struct cd_metric *m = cd_catalog_find(metric);
	if (!m || !w->m->metrics)
		return false;
	if (recent(w, m, k, name, w->interval, v))
		return true;
	int64_t vs = CD_VSP_INTERVAL * 1000LL;
	return w->interval < vs && recent(w, m, k, name, vs, v);
}

static size_t q_series(void *ctx, enum cd_akind k, const char *name, const char *metric,
		       int64_t from, int64_t to, int64_t step, struct cd_apoint **out)
{
	struct cd_mgr_world *w = ctx;
	const struct cd_metric *m = cd_catalog_find(metric);
	struct cd_point *p;
	size_t n;
	*out = NULL;
	if (!m || !w->m->metrics || step <= 0 ||
	    cd_mquery(w->m->metrics, m, cd_akind_name(k), name, from, to, step, CD_AGG_AVG, &p, &n) < 0)
		return 0;
	*out = cd_malloc((n ? n : 1) * sizeof(**out));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (struct cd_apoint){ p[i].t, p[i].v };
	free(p);
	return n;
}

/* A learned symptom's band: a lookup in the cache (bands.c learns them
 * apart), which marks it asked for. */
static const struct cd_band *q_band(void *ctx, enum cd_akind k, const char *name, const char *metric)
{
	struct cd_mgr_world *w = ctx;
	return w->bands ? cd_bands_get(w->bands, cd_akind_name(k), name, metric, w->now) : NULL;
}

static const struct cd_mgr_agent *host_agent(const struct cd_mgr *m, const char *host)
{
	for (size_t i = 0; i < m->nagents; i++)
		if (m->agents[i].rec.host && !strcasecmp(m->agents[i].rec.host, host))
			return &m->agents[i];
	return NULL;
}

static bool q_state(void *ctx, enum cd_akind k, const char *name, enum cd_astate s, int64_t seconds,
		    struct cd_buf *why)
{
	struct cd_mgr_world *w = ctx;
	struct cd_mgr *m = w->m;
	int64_t now = w->now * 1000;       /* us */
	(void)k;
	switch (s) {
	case CD_ST_AGENT_DOWN: {
		const struct cd_mgr_agent *a = host_agent(m, name);
		if (!a || !cd_mgr_agent_down(m, a, now))
			return false;
		cd_buf_printf(why, "agent %s last heard from %lld s ago", a->rec.name,
			      (long long)((now - a->rec.last_seen) / 1000000));
		return true;
	}
	case CD_ST_POLICY_NOT_REALIZED: {
		const struct cd_mgr_agent *a = host_agent(m, name);
		if (!a || !a->up || m->pol.rev == 0 || a->rec.applied_rev >= m->pol.rev ||
		    now - m->pol.time < seconds * 1000000)
			return false;
		cd_buf_printf(why, "revision %lld realized, %lld pushed %lld s ago",
			      (long long)a->rec.applied_rev, (long long)m->pol.rev,
			      (long long)((now - m->pol.time) / 1000000));
		return true;
	}
	case CD_ST_SOURCE_ERROR: {
		const json_t *src = cd_mgr_source_get(m, name);
		const char *state = cd_mgr_source_state_name(src);
		if (!src || !strcmp(state, "in sync") || !strcmp(state, "connecting"))
			return false;
		const char *e = json_string_value(json_object_get(src, "error"));
		cd_buf_printf(why, "%s%s%s", state, e ? ": " : "", e ? e : "");
		return true;
	}
	case CD_ST_SOURCE_STALE: {
		const json_t *src = cd_mgr_source_get(m, name);
		int64_t up = json_integer_value(json_object_get(src, "updated"));
		if (!src || !cd_mgr_source_connected(src) || !up || now - up < seconds * 1000000 ||
		    !strcmp(cd_mgr_source_state_name(src), "in sync"))
			return false;
		cd_buf_printf(why, "last synchronized %lld s ago", (long long)((now - up) / 1000000));
		return true;
	}
	case CD_ST_QUARANTINED: {
		const char *qtag = cd_mgr_quarantine_tag(m);
		long wi = cd_inventory_find(&m->st->inv, name);
		if (!qtag || wi < 0 || !cd_workload_has_tag(&m->st->inv.w[wi], qtag))
			return false;
		cd_buf_printf(why, "it has the quarantine tag \"%s\"", qtag);
		return true;
	}
	case CD_ST_DETECTION: {
		int64_t t = json_integer_value(json_object_get(w->detected, name));
		if (!t || now - t > seconds * 1000000)
			return false;
		cd_buf_printf(why, "malware found %lld s ago", (long long)((now - t) / 1000000));
		return true;
	}
	case CD_ST_SPOOFING: {
		int64_t t = json_integer_value(json_object_get(w->spoofed, name));
		if (!t || now - t > seconds * 1000000)
			return false;
		cd_buf_printf(why, "SpoofGuard dropped its frames %lld s ago", (long long)((now - t) / 1000000));
		return true;
	}
	case CD_ST_VNIC_NOT_ENFORCED: {
		long wi = cd_inventory_find(&m->st->inv, name);
		const struct cd_workload *wl = wi < 0 ? NULL : &m->st->inv.w[wi];
		for (size_t j = 0; wl && j < wl->nvnics; j++) {
			const char *r = cd_mgr_vnic_unenforced(m, wl->host, wl->vnics[j].ifname);
			if (r) {
				cd_buf_printf(why, "its host cannot filter vNIC %s: %s", wl->vnics[j].ifname, r);
				return true;
			}
		}
		return false;
	}
	case CD_ST_N:
		break;
	}
	return false;
}

/* a workload's newest event of a type (detection or spoof) into rows */
static int latest_row(void *ctx, const char *workload, int64_t time)
{
	if (time > json_integer_value(json_object_get(ctx, workload)))
		json_object_set_new(ctx, workload, json_integer(time));
	return 0;
}

struct cd_mgr_world *cd_mgr_world_new(struct cd_mgr *m, int64_t now, int64_t interval,
				      struct cd_bands *bands, struct cd_aworld *out)
{
	struct cd_mgr_world *w = cd_calloc(1, sizeof(*w));
	w->m = m;
	w->bands = bands;
	w->now = now;
	w->interval = interval;
	w->detected = json_object();
	w->spoofed = json_object();
	for (int k = 0; k < CD_AK_N; k++)
		cd_map_init(&w->index[k]);
	const struct cd_inventory *inv = &m->st->inv;
	for (size_t i = 0; i < inv->n; i++)
		object(w, CD_AK_VM, inv->w[i].name);
	json_t *s;
	size_t i;
	json_array_foreach(m->sources, i, s)
		object(w, CD_AK_SOURCE, json_string_value(json_object_get(s, "name")));
	for (size_t a = 0; a < m->nagents; a++)
		if (m->agents[a].rec.host)
			object(w, CD_AK_HOST, m->agents[a].rec.host);
	if (m->metrics)
		cd_mstore_each(m->metrics, take_series, w);
	for (size_t v = 0; v < inv->n; v++) {
		const struct cd_workload *wl = &inv->w[v];
		if (!wl->host)
			continue;
		size_t h = object(w, CD_AK_HOST, wl->host);
		push(&w->vms_of_host[h], w->objs[CD_AK_VM].v[v]);
		host_of_source(w, wl->host, wl->source);
	}
	/* the VMs each datastore holds, as their collectors said */
	const char *vm;
	json_t *dss;
	json_object_foreach(m->vm_datastores, vm, dss) {
		size_t vi, di;
		json_t *d;
		if (!cd_map_get(&w->index[CD_AK_VM], vm, &vi))
			continue;
		json_array_foreach(dss, di, d) {
			size_t k;
			if (cd_map_get(&w->index[CD_AK_DATASTORE], json_string_value(d), &k))
				push(&w->vms_of_ds[k], w->objs[CD_AK_VM].v[vi]);
		}
	}
	int64_t day = (now - 86400000) * 1000;
	cd_store_event_latest(m->store, "detection", day, latest_row, w->detected);
	cd_store_event_latest(m->store, "spoof", day, latest_row, w->spoofed);
	*out = (struct cd_aworld){ w, q_objects, q_related, q_metric, q_series, q_state, q_band };
	return w;
}

void cd_mgr_world_free(struct cd_mgr_world *w)
{
	if (!w)
		return;
	for (int k = 0; k < CD_AK_N; k++) {
		struct list *l = k == CD_AK_HOST ? w->vms_of_host : k == CD_AK_DATASTORE ? w->vms_of_ds
			       : k == CD_AK_SOURCE ? w->hosts_of_src : NULL;
		for (size_t i = 0; l && i < w->objs[k].n; i++)
			free(l[i].v);
		free(w->objs[k].v);
		cd_map_free(&w->index[k]);
	}
	free(w->vms_of_host);
	free(w->vms_of_ds);
	free(w->hosts_of_src);
	for (size_t i = 0; i < w->nowned; i++)
		free(w->owned[i]);
	free(w->owned);
	json_decref(w->detected);
	json_decref(w->spoofed);
	free(w);
}
