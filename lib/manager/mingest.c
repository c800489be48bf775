/* mingest.c - samples into the metrics store, from a host's agent (POST
 * /api/v1/agent/metrics) or from a source's connector (vSphere's
 * statistics): each object's series found or made with its labels, its
 * samples checked against what the store holds (see mgr.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"
#include "metrics/catalog.h"
#include "metrics/mstore.h"
#include "metrics/omtext.h"

#define INGEST_MIN_GAP_MS 1000         /* a series' samples at most one a second */
#define INGEST_PAST_MS (8 * 86400000LL)
#define INGEST_FUTURE_MS 300000

struct who {
	const char *host;              /* the agent's host, or NULL */
	const char *source;            /* the connector's source, or NULL */
	json_t *ids;                   /* a source's: workload id -> name */
	json_t *owners;                /* host name -> the source of its series */
};

static void owner_take(void *arg, const struct cd_series_info *si)
{
	struct who *w = arg;
	if (strcmp(si->kind, "host") || !si->source[0])
		return;
	if (!json_object_get(w->owners, si->name) || !strcmp(si->source, w->source))
		json_object_set_new(w->owners, si->name, json_string(si->source));
}

static char *lower(const char *s)
{
	char *k = cd_strdup(s);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

static void count_take(void *arg, const struct cd_series_info *si)
{
	struct cd_mgr *m = arg;
	if (!si->host || !si->host[0])
		return;
	char *k = lower(si->host);
	json_t *n = json_object_get(m->host_series, k);
	json_object_set_new(m->host_series, k, json_integer(json_integer_value(n) + 1));
	free(k);
	if (!strcmp(si->kind, "datastore")) {
		k = lower(si->name);
		if (!json_object_get(m->pool_hosts, k))
			json_object_set_new(m->pool_hosts, k, json_string(si->host));
		free(k);
	}
}

/* The counts of series by host and the pools' hosts, made once from the
 * store, then kept as series are made. */
static void counts(struct cd_mgr *m)
{
	/* made again once series are removed (here or by another manager) */
	uint64_t removals = cd_mstore_removals(cd_mgr_metrics(m));
	if (m->host_series && removals == m->counted_removals)
		return;
	json_decref(m->host_series);
	json_decref(m->pool_hosts);
	m->counted_removals = removals;
	m->host_series = json_object();
	m->pool_hosts = json_object();
	cd_mstore_each(cd_mgr_metrics(m), count_take, m);
}

/* How many series host's agent has made: a json integer to change. */
static json_t *host_count(struct cd_mgr *m, const char *host)
{
	counts(m);
	char *k = lower(host);
	json_t *n = json_object_get(m->host_series, k);
	if (!n)
		json_object_set_new(m->host_series, k, n = json_integer(0));
	free(k);
	return n;
}

/* A pool is its first sender's: several hosts share a static source's
 * name, and each may have a pool "default".  False when pool is another
 * host's; else it is host's from now on. */
static bool pool_mine(struct cd_mgr *m, const char *pool, const char *host)
{
	counts(m);
	char *k = lower(pool);
	const char *h = json_string_value(json_object_get(m->pool_hosts, k));
	bool mine = !h || !strcasecmp(h, host);
	if (!h)
		json_object_set_new(m->pool_hosts, k, json_string(host));
	free(k);
	return mine;
}

/* An object's labels: datastore or host first, then source, then vm. */
static void labels_of(struct cd_buf *b, const char *kind, const char *name, const char *source)
{
	if (strcmp(kind, "vm")) {
		cd_buf_puts(b, !strcmp(kind, "datastore") ? "datastore=\"" : "host=\"");
		cd_om_escape(b, name);
		cd_buf_puts(b, "\"");
	}
	if (source) {
		cd_buf_puts(b, b->len ? ",source=\"" : "source=\"");
		cd_om_escape(b, source);
		cd_buf_puts(b, "\"");
	}
	if (!strcmp(kind, "vm")) {
		cd_buf_puts(b, b->len ? ",vm=\"" : "vm=\"");
		cd_om_escape(b, name);
		cd_buf_puts(b, "\"");
	}
}

/* A host's name as a source's objects give it: NAME@SOURCE where the
 * store holds a host NAME of another source (the first to send it keeps
 * the name), as two servers' copies of a workload are told apart. */
static const char *host_of(struct cd_mgr *m, struct who *w, const char *name, char **own)
{
	if (!w->source)
		return name;
	if (!w->owners) {
		w->owners = json_object();
		cd_mstore_each(cd_mgr_metrics(m), owner_take, w);
	}
	const char *s = json_string_value(json_object_get(w->owners, name));
	if (!s) {
		json_object_set_new(w->owners, name, json_string(w->source));
		return name;
	}
	return strcmp(s, w->source) ? (*own = cd_asprintf("%s@%s", name, w->source)) : name;
}

/* The object an entry names, if it is the sender's: NULL with its name,
 * host and source (*own holds what was made for them), or a message. */
static const char *object_of(struct cd_mgr *m, struct who *w, const char *kind,
			     const char *name, const char **oname, const char **ohost,
			     const char **osource, char **own)
{
	*oname = name;
	if (!strcmp(kind, "vm")) {
		if (w->source) {
			name = json_string_value(json_object_get(w->ids, name));
			if (!name)
				return "not a workload of this source";
			*oname = name;
		}
		const char *h = cd_mgr_workload_host(m, name);
		if (!h || (w->host && strcasecmp(h, w->host)))
			return "not a workload of this agent's host";
		*oname = cd_mgr_workload_name(m, name);      /* as the inventory spells it */
		*ohost = host_of(m, w, h, own);
		*osource = cd_mgr_workload_source(m, name);
	} else if (!strcmp(kind, "host")) {
		if (w->host && strcasecmp(name, w->host))
			return "not this agent's host";
		*oname = *ohost = host_of(m, w, cd_mgr_host_name(m, name), own);
		*osource = w->source ? w->source : cd_mgr_host_source(m, name);
	} else {
		/* a pool or datastore: named by its source, SOURCE/NAME */
		const char *s = w->source ? w->source : cd_mgr_host_source(m, w->host);
		*oname = *own = cd_asprintf("%s/%s", s ? s : w->host, name);
		*ohost = w->host ? cd_mgr_host_name(m, w->host) : "";
		if (w->host && !pool_mine(m, *oname, *ohost))
			return "another host's pool";
		*osource = s;
	}
	return NULL;
}

/* The datastores a VM's disks are on, named as the datastores' entries
 * are (SOURCE/NAME): kept for the alerts (a datastore's VMs). */
static void relate(struct cd_mgr *m, const struct who *w, const char *vm, json_t *names)
{
	const char *s = w->source ? w->source : cd_mgr_host_source(m, w->host);
	json_t *ds = json_array(), *n;
	size_t i;
	json_array_foreach(names, i, n)
		if (json_is_string(n) && i < 16)
			json_array_append_new(ds, json_sprintf("%s/%s", s ? s : w->host, json_string_value(n)));
	json_object_set_new(m->vm_datastores, vm, ds);
}

/* The series of an object's metric, made when new; agent: the sending
 * agent's host (NULL: a source's connector), whose series are counted
 * and whose pools are its own. */
static const char *series_for(struct cd_mgr *m, const char *agent, const char *kind,
			      const char *name, const char *host, const char *source,
			      const char *metric, struct cd_series_info *info)
{
	struct cd_mstore *st = cd_mgr_metrics(m);
	size_t kl = strlen(kind);
	if (strncmp(metric, kind, kl) || metric[kl] != '_' || !cd_catalog_is_raw(metric))
		return "not a metric cordon keeps for this kind of object";
	struct cd_buf labels;
	cd_buf_init(&labels, 4096);
	labels_of(&labels, kind, name, source);
	size_t ml = strlen(metric);
	struct cd_series_desc d = { .metric = metric, .labels = labels.data, .kind = kind,
				    .name = name, .host = host, .source = source ? source : "",
				    .counter = ml > 6 && !strcmp(metric + ml - 6, "_total") };
	char *key = cd_asprintf("%s{%s}", metric, labels.data);
	const char *err = NULL;
	if (cd_mstore_find(st, key, info)) {
		json_t *n = agent ? host_count(m, agent) : NULL;
		int64_t id = 0;
		if (n && json_integer_value(n) >= m->limits.series_per_host)
			err = "this host's agent has made as many series as it may (cordond "
			      "--series-per-host)";
		else if (cd_mstore_series(st, &d, &id))
			err = "the store takes no more series";
		else if (n)
			json_integer_set(n, json_integer_value(n) + 1);
		*info = (struct cd_series_info){ .id = id, .last_t = INT64_MIN, .counter = d.counter };
	}
	free(key);
	cd_buf_free(&labels);
	return err;
}

static void refuse(struct cd_mingest *res, const char *kind, const char *name, const char *metric,
		   const char *why)
{
	res->refused++;
	if (json_array_size(res->errors) < 10)
		json_array_append_new(res->errors, json_pack("{s:s, s:s, s:s, s:s}", "kind", kind,
					"name", name, "metric", metric, "error", why));
}

/* One value: a gauge's or counter's (add: false), or what a counter grew
 * by since its last sample (add: true). */
static void one(struct cd_mgr *m, const char *agent, struct cd_mingest *res, const char *kind,
		const char *name, const char *host, const char *source, int64_t now, int64_t t,
		int64_t gap, const char *metric, double v, bool add)
{
	struct cd_mstore *st = cd_mgr_metrics(m);
	struct cd_series_info info;
	const char *why = t < now - INGEST_PAST_MS || t > now + INGEST_FUTURE_MS
		? "a time more than 8 days ago or 5 minutes ahead"
		: series_for(m, agent, kind, name, host, source, metric, &info);
	/* the half interval is an increase's (its time overlaps the last
	 * one's: counted twice); a gauge read again at another phase (vcsim
	 * stamps its samples from the query's time) is a value of its own */
	if (!add)
		gap = INGEST_MIN_GAP_MS;
	if (!why && info.last_t != INT64_MIN && t < info.last_t + gap) {
		res->duplicates++;     /* sent again (its answer was lost), or too often */
		return;
	}
	if (!why && add && !info.counter)
		why = "an increase of a gauge";
	int r = why ? 0 : cd_mstore_append(st, info.id, t, add ? info.last_v + v : v);
	if (r == -ENOBUFS)
		why = "the store keeps no more samples until its database is back";
	else if (r == -ENOENT)
		why = "its series was removed meanwhile";
	else if (r)
		why = "not after the series' last sample";
	if (why)
		refuse(res, kind, name, metric, why);
	else
		res->accepted++;
}

int cd_mgr_metrics_ingest(struct cd_mgr *m, const char *host, const char *source,
			  json_t *entries, struct cd_mingest *res)
{
	struct cd_mstore *st = cd_mgr_metrics(m);
	if (!st)
		return -ENOTSUP;
	/* an agent's samples: what an earlier request left unwritten (the
	 * database away) is written first, or nothing more is taken, so the
	 * manager's memory does not grow with every POST meanwhile; the agent
	 * spools and sends again.  (A source's connector reads once an
	 * interval, and vCenter's samples are not read again: those are kept
	 * until the database is back.) */
	if (host && cd_mstore_commit(st))
		return -EIO;
	struct who w = { host, source, NULL, NULL };
	if (source) {
		w.ids = json_object();
		json_t *s = cd_mgr_source_get(m, source), *wl;
		size_t i;
		/* an id the manager renamed (two servers' copies) is ID@SOURCE */
		json_array_foreach(json_object_get(s, "workloads"), i, wl) {
			const char *id = json_string_value(json_object_get(wl, "id"));
			const char *at = id ? strchr(id, '@') : NULL;
			char *bare = id ? cd_strndup(id, at ? (size_t)(at - id) : strlen(id)) : NULL;
			if (bare)
				json_object_set(w.ids, bare, json_object_get(wl, "name"));
			free(bare);
		}
	}
	int64_t now = cd_mgr_now() / 1000;
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *n = json_string_value(json_object_get(e, source && !strcmp(k, "vm") ? "id" : "name"));
		int64_t t = json_integer_value(json_object_get(e, "t"));
		/* an increase over an interval: a sample within half of it of the
		 * last one kept covers the same time (read again after a restart) */
		int64_t iv = json_integer_value(json_object_get(e, "interval"));
		int64_t gap = source && iv > 2 && iv <= 86400 ? iv * 500 : INGEST_MIN_GAP_MS;
		const char *oname, *ohost = NULL, *osource = NULL, *mk;
		char *own = NULL;
		const char *why = object_of(m, &w, k, n, &oname, &ohost, &osource, &own);
		json_t *mv;
		if (!why && !strcmp(k, "vm") && json_is_array(json_object_get(e, "datastores")))
			relate(m, &w, oname, json_object_get(e, "datastores"));
		for (int add = 0; add < 2; add++)
			json_object_foreach(json_object_get(e, add ? "increase" : "metrics"), mk, mv) {
				if (why)
					refuse(res, k, n, mk, why);
				else
					one(m, host, res, k, oname, ohost, osource, now, t, gap, mk,
					    json_number_value(mv), add && source);
			}
		free(own);
	}
	json_decref(w.ids);
	json_decref(w.owners);
	return cd_mstore_commit(st) ? -EIO : 0;
}

int cd_mgr_metrics_remove(struct cd_mgr *m, const char *kind, const char *name,
			  const struct cd_actor *a, size_t *n)
{
	struct cd_mstore *st = cd_mgr_metrics(m);
	if (!st)
		return -ENOTSUP;
	int r = cd_mstore_remove_object(st, kind, name, n);
	if (!r)
		cd_mgr_event(m, "metrics-removed", NULL, NULL, a,
			     json_pack("{s:s, s:s, s:I}", "kind", kind, "name", name, "series",
				       (json_int_t)*n),
			     "the metrics of %s %s removed: %zu series", kind, name, *n);
	return r;
}
