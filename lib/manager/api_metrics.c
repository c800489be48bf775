/* api_metrics.c - metrics: the catalog, the objects with samples, queries
 * (POST /api/v1/metrics/query), the samples host agents send, and
 * GET /metrics in OpenMetrics for Prometheus.  The store has a lock of
 * its own: queries and the export release the server's while they read
 * it, so that agents are not kept waiting. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "manager/flows.h"
#include "manager/mtext.h"
#include "base/util.h"
#include "metrics/catalog.h"
#include "metrics/forecast.h"
#include "metrics/mquery.h"
#include "metrics/mstore.h"
#include "metrics/omtext.h"

#define QUERY_MAX_OBJECTS 1000
#define QUERY_MAX_METRICS 50
#define QUERY_MAX_POINTS 2000000       /* in one answer, all series together */
/* what one query may read of the store, all series together: samples, or
 * rollups of a tier (30 days of 1000 VMs' 5-minute points of 3 metrics is
 * 26 million; of their hourly ones, 2.2 million) */
#define QUERY_BUDGET_POINTS 10000000
/* an answer of so many points or more is written by a thread of its own */
#define QUERY_THREADED_POINTS 20000
/* an answer's text: its points (48 bytes each at most) and its series' heads */
#define QUERY_ANSWER_MAX ((size_t)QUERY_MAX_POINTS * 48 + (16u << 20))
#define INGEST_MAX_ENTRIES 4096
#define INGEST_MAX_METRICS 64
#define EXPORT_STALE_MS 300000         /* /metrics leaves out older series */
#define EXPORT_MAX (512u << 20)        /* its text: 200,000 series' lines and more */

static struct cd_mstore *store_of(struct ctx *c)
{
	struct cd_mstore *st = cd_mgr_metrics(c->m);
	if (!st)
		cd_api_error(c, 503, NULL, "this manager keeps no metrics");
	return st;
}

void cd_api_h_metrics_catalog(struct ctx *c)
{
	cd_api_reply(c, 200, cd_catalog_json());
}

/* ---- objects ---- */

struct objects {
	const char *kind;
	json_t *list;              /* [{kind, name, host, source, last}] */
	struct cd_map at;          /* "kind/name" -> index in list */
	char **keys;
	size_t nkeys, cap;
};

static void object_of(void *arg, const struct cd_series_info *s)
{
	struct objects *o = arg;
	if (!*s->kind || (o->kind && strcmp(o->kind, s->kind)) || s->last_t == INT64_MIN)
		return;
	char *key = cd_asprintf("%s/%s", s->kind, s->name);
	size_t i;
	if (cd_map_get(&o->at, key, &i)) {
		json_t *obj = json_array_get(o->list, i);
		if (s->last_t > json_integer_value(json_object_get(obj, "last")))
			json_object_set_new(obj, "last", json_integer(s->last_t));
		if (*s->host)
			json_object_set_new(obj, "host", json_string(s->host));
		free(key);
		return;
	}
	cd_map_put(&o->at, key, json_array_size(o->list), NULL);
	CD_PUSH(o->keys, o->nkeys, o->cap, key);
	json_t *obj = json_pack("{s:s, s:s, s:I}", "kind", s->kind, "name", s->name, "last",
				(json_int_t)s->last_t);
	if (*s->host)
		json_object_set_new(obj, "host", json_string(s->host));
	if (*s->source)
		json_object_set_new(obj, "source", json_string(s->source));
	json_array_append_new(o->list, obj);
}

void cd_api_h_metrics_objects(struct ctx *c)
{
	struct cd_mstore *st = store_of(c);
	if (!st)
		return;
	const char *kind = cd_api_q(c, "kind");
	if (kind && strcmp(kind, "vm") && strcmp(kind, "host") && strcmp(kind, "datastore")) {
		cd_api_error(c, 400, "kind", "kind is vm, host or datastore");
		return;
	}
	struct objects o = { .kind = kind, .list = json_array() };
	cd_map_init_exact(&o.at);
	cd_api_leave(c);
	cd_mstore_each(st, object_of, &o);
	size_t i;
	json_t *obj;
	/* a datastore's days until full, by the alerts' rule (forecast.h) */
	int64_t now = cd_mgr_now() / 1000;
	json_array_foreach(o.list, i, obj) {
		if (strcmp(json_string_value(json_object_get(obj, "kind")), "datastore"))
			continue;
		double days;
		int r = cd_days_left_of(st, json_string_value(json_object_get(obj, "name")), now,
					CD_DAYS_LEFT_WINDOW_MS, &days);
		json_object_set_new(obj, "days_left", r > 0 ? json_real(days) : json_null());
	}
	if (!cd_api_enter(c)) {        /* answered: its credential is gone */
		json_decref(o.list);
		o.list = NULL;
	}
	json_array_foreach(o.list, i, obj) {         /* a VM's datastores, as collected */
		json_t *ds = strcmp(json_string_value(json_object_get(obj, "kind")), "vm") ? NULL
			   : cd_mgr_vm_datastores(c->m, json_string_value(json_object_get(obj, "name")));
		if (ds)
			json_object_set(obj, "datastores", ds);
	}
	for (i = 0; i < o.nkeys; i++)
		free(o.keys[i]);
	free(o.keys);
	cd_map_free(&o.at);
	if (o.list)
		cd_api_reply(c, 200, o.list);
}

/* An object's metrics removed: ?kind=K&name=N (a datastore's name holds
 * a '/', hence no path). */
void cd_api_h_metrics_object_rm(struct ctx *c)
{
	struct cd_mstore *st = store_of(c);
	if (!st)
		return;
	const char *kind = cd_api_q(c, "kind"), *name = cd_api_q(c, "name");
	size_t n = 0;
	if (!kind || (strcmp(kind, "vm") && strcmp(kind, "host") && strcmp(kind, "datastore"))) {
		cd_api_error(c, 400, "kind", "kind is vm, host or datastore");
		return;
	}
	if (!name || !*name || strlen(name) > 1024) {
		cd_api_error(c, 400, "name", "the object's name (1 to 1024 bytes)");
		return;
	}
	int r = cd_mgr_metrics_remove(c->m, kind, name, &c->actor, &n);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no %s named '%.100s' has metrics", kind, name);
	else if (r)
		cd_api_error(c, 503, NULL, "the metrics store cannot be written now");
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:s, s:I}", "kind", kind, "name", name,
					       "series", (json_int_t)n));
}

/* ---- queries ---- */

/* The unit of metric m's points rolled up by agg: a count counts; a sum of
 * a rate is its increase (bytes, ops; a CPU ratio's: seconds a vCPU); the
 * rest keep the metric's. */
static const char *unit_of(const struct cd_metric *m, enum cd_agg agg, char buf[64])
{
	if (agg == CD_AGG_COUNT)
		return "count";
	if (agg != CD_AGG_SUM)
		return m->unit;
	size_t n = strlen(m->unit), k = strlen("_per_second");
	if (n > k && !strcmp(m->unit + n - k, "_per_second")) {
		snprintf(buf, 64, "%.*s", (int)(n - k), m->unit);
		return buf;
	}
	return m->how == CD_HOW_PER_CPU ? "seconds" : m->unit;
}

void cd_api_h_metrics_query(struct ctx *c)
{
	static const struct field f[] = {
		{ "objects", F_ARR, true, 0 }, { "metrics", F_ARR, true, 0 },
		{ "begin", F_INT, true, 0 }, { "end", F_INT, true, 0 },
		{ "step_seconds", F_INT, true, 0 }, { "rollup", F_STR, false, 16 },
	};
	struct cd_mstore *st = store_of(c);
	if (!st || !cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *objs = json_object_get(c->body, "objects"), *mets = json_object_get(c->body, "metrics");
	int64_t begin = json_integer_value(json_object_get(c->body, "begin"));
	int64_t end = json_integer_value(json_object_get(c->body, "end"));
	int64_t step = json_integer_value(json_object_get(c->body, "step_seconds"));
	const char *rollup = json_string_value(json_object_get(c->body, "rollup"));
	enum cd_agg agg = CD_AGG_AVG;
	size_t no = json_array_size(objs), nm = json_array_size(mets);
	if (!no || no > QUERY_MAX_OBJECTS) {
		cd_api_error(c, 400, "objects", "give 1 to %d objects", QUERY_MAX_OBJECTS);
		return;
	}
	if (!nm || nm > QUERY_MAX_METRICS) {
		cd_api_error(c, 400, "metrics", "give 1 to %d metrics", QUERY_MAX_METRICS);
		return;
	}
	if (begin < 0 || end < begin || end > 32503680000000LL) {
		cd_api_error(c, 400, begin < 0 ? "begin" : "end",
			     "begin and end are epoch milliseconds, begin <= end");
		return;
	}
	if (step < 1 || step > 366 * 86400) {
		cd_api_error(c, 400, "step_seconds", "step_seconds is from 1 to 31622400");
		return;
	}
	if (rollup && cd_agg_parse(rollup, &agg)) {
		cd_api_error(c, 400, "rollup", "rollup is avg, min, max, sum, count or latest");
		return;
	}
	int64_t steps = (end - begin) / (step * 1000) + 1;
	if (steps > CD_MQUERY_MAX_POINTS || steps * (int64_t)(no * nm) > QUERY_MAX_POINTS) {
		cd_api_error(c, 400, "step_seconds", "this asks for %lld points a series and %lld in "
			     "all; at most %d and %d: take a longer step", (long long)steps,
			     (long long)(steps * (int64_t)(no * nm)), CD_MQUERY_MAX_POINTS,
			     QUERY_MAX_POINTS);
		return;
	}
	const struct cd_metric **m = cd_malloc(nm * sizeof(*m));
	for (size_t i = 0; i < nm; i++) {
		const char *name = json_string_value(json_array_get(mets, i));
		if (!name || !(m[i] = cd_catalog_find(name))) {
			cd_api_error(c, 400, "metrics", "metrics[%zu] is not a metric of the catalog "
				     "(GET /api/v1/metrics/catalog)", i);
			free(m);
			return;
		}
	}
	for (size_t i = 0; i < nm; i++)
		for (size_t j = 0; j < i; j++)
			if (m[i] == m[j]) {
				cd_api_error(c, 400, "metrics", "metrics[%zu] is metrics[%zu] again", i, j);
				free(m);
				return;
			}
	/* each object once: names match ignoring case, as the store's do */
	for (size_t i = 0; i < no; i++) {
		json_t *o = json_array_get(objs, i);
		const char *k = json_string_value(json_object_get(o, "kind"));
		const char *n = json_string_value(json_object_get(o, "name"));
		if (!json_is_object(o) || json_object_size(o) != 2 || !k || !n || strlen(n) > 256 ||
		    (strcmp(k, "vm") && strcmp(k, "host") && strcmp(k, "datastore"))) {
			cd_api_error(c, 400, "objects", "objects[%zu] is not {\"kind\": \"vm\", \"host\" "
				     "or \"datastore\", \"name\": NAME}", i);
			free(m);
			return;
		}
		for (size_t j = 0; j < i; j++) {
			json_t *p = json_array_get(objs, j);
			if (!strcmp(k, json_string_value(json_object_get(p, "kind"))) &&
			    !strcasecmp(n, json_string_value(json_object_get(p, "name")))) {
				cd_api_error(c, 400, "objects", "objects[%zu] is objects[%zu] again", i, j);
				free(m);
				return;
			}
		}
	}
	/* the body is kept: the store is read without the server's lock;
	 * the answer is written as text (a point a JSON array would cost
	 * an allocation each, and there may be millions), a large one by a
	 * thread of its own while the next series are read (mtext.h) */
	struct cd_buf b;
	cd_buf_init(&b, QUERY_ANSWER_MAX);
	/* room for about what the answer takes (36 bytes a point here), made
	 * at once: no copy of it at each doubling */
	int64_t points = steps * (int64_t)(no * nm);
	size_t about = (size_t)points * 40 + no * nm * 256;
	int r = cd_buf_reserve(&b, about < QUERY_ANSWER_MAX ? about : QUERY_ANSWER_MAX);
	struct cd_mtext *text = cd_mtext_start(&b, points >= QUERY_THREADED_POINTS);
	int64_t budget = QUERY_BUDGET_POINTS;
	cd_api_leave(c);
	for (size_t i = 0; !r && i < no; i++) {
		json_t *o = json_array_get(objs, i);
		for (size_t j = 0; !r && j < nm; j++) {
			struct cd_point *p;
			size_t np;
			r = cd_mquery_budget(st, m[j], json_string_value(json_object_get(o, "kind")),
					     json_string_value(json_object_get(o, "name")), begin, end,
					     step * 1000, agg, &budget, &p, &np);
			if (r)
				break;
			char ub[64];
			json_t *head = json_pack("{s:O, s:O, s:s, s:s}", "kind", json_object_get(o, "kind"),
						 "name", json_object_get(o, "name"), "metric", m[j]->name,
						 "unit", unit_of(m[j], agg, ub));
			char *h = json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(head);
			if (!h) {          /* not UTF-8: checked as the body was taken */
				free(p);
				r = -EINVAL;
				break;
			}
			h[strlen(h) - 1] = 0;      /* the closing brace: the points follow */
			r = cd_mtext_series(text, h, p, np);
		}
	}
	int tr = cd_mtext_end(text);
	r = r ? r : tr;
	bool in = cd_api_enter(c);
	free(m);
	if (!in) {                     /* answered: its credential is gone */
		cd_buf_free(&b);
		return;
	}
	if (r) {
		cd_buf_free(&b);
		if (r == -E2BIG) {         /* (cannot: the points are counted first) */
			cd_api_error(c, 413, NULL, "the answer would be larger than %zu MiB",
				     QUERY_ANSWER_MAX >> 20);
		} else if (r == -EDQUOT) {
			cd_api_error(c, 413, NULL, "this query reads more than the %d points of the store "
				     "one query may read (objects x metrics x samples in the range, or "
				     "rollups at a step of 5 minutes or 1 hour): ask for fewer objects or "
				     "metrics, a shorter range, or a step of 300 or 3600 s",
				     QUERY_BUDGET_POINTS);
		} else if (r == -ENOTCONN) {       /* on PostgreSQL, away for now */
			cd_api_error(c, 503, NULL, "the database cannot be reached; ask again later");
			c->out->retry_after = 5;
		} else {
			cd_api_error(c, 500, NULL, "the metrics store cannot be read");
		}
		return;
	}
	c->out->status = 200;
	size_t len = b.len;
	c->out->blob = cd_blob_new(cd_buf_steal(&b), len);
}

/* ---- the agents' samples ---- */

/* What is wrong with one entry of an agent's samples, or NULL. */
static const char *entry_error(json_t *e)
{
	const char *k = json_string_value(json_object_get(e, "kind"));
	const char *n = json_string_value(json_object_get(e, "name"));
	json_t *t = json_object_get(e, "t"), *ms = json_object_get(e, "metrics");
	json_t *ds = json_object_get(e, "datastores"), *d;
	size_t j;
	bool ds_ok = !ds || (k && !strcmp(k, "vm") && json_is_array(ds) && json_array_size(ds) <= 16);
	json_array_foreach(ds, j, d)
		ds_ok &= json_is_string(d) && cd_api_name_ok(json_string_value(d));
	if (!json_is_object(e) || json_object_size(e) != 4u + (ds != NULL) || !ds_ok || !k || !n ||
	    !cd_api_name_ok(n) || (strcmp(k, "vm") && strcmp(k, "host") && strcmp(k, "datastore")) ||
	    !json_is_integer(t) || !json_is_object(ms) || json_object_size(ms) > INGEST_MAX_METRICS)
		return "not {\"kind\": vm|host|datastore, \"name\", \"t\": epoch ms, \"metrics\": "
		       "{NAME: NUMBER}[, \"datastores\": [up to 16 pools of a vm]]}";
	const char *mk;
	json_t *mv;
	json_object_foreach(ms, mk, mv)
		if (!json_is_number(mv))
			return "a metric that is not a number";
	return NULL;
}

void cd_api_h_agent_metrics(struct ctx *c)
{
	static const struct field f[] = { { "samples", F_ARR, true, 0 } };
	struct cd_mstore *st = store_of(c);
	if (!st || !cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	if (!c->tok.host) {
		cd_api_error(c, 403, NULL, "only a host's agent sends metrics");
		return;
	}
	json_t *samples = json_object_get(c->body, "samples");
	if (json_array_size(samples) > INGEST_MAX_ENTRIES) {
		cd_api_error(c, 400, "samples", "at most %d entries a request", INGEST_MAX_ENTRIES);
		return;
	}
	/* each entry checked: one that is not one (a damaged collection in
	 * an agent's spool) is refused by its index, the others taken */
	json_t *good = json_array(), *malformed = json_array();
	size_t i, bad = 0;
	json_t *e;
	json_array_foreach(samples, i, e) {
		const char *why = entry_error(e);
		if (!why) {
			json_array_append(good, e);
			continue;
		}
		bad++;
		if (json_array_size(malformed) < 10)
			json_array_append_new(malformed, json_pack("{s:I, s:s}", "index", (json_int_t)i,
								   "error", why));
	}
	if (!json_array_size(good) && bad) {      /* nothing of it is samples */
		const char *why = json_string_value(json_object_get(json_array_get(malformed, 0), "error"));
		cd_api_error(c, 400, "samples", "samples[0]: %s", why);
		json_decref(good);
		json_decref(malformed);
		return;
	}
	struct cd_mingest res = { .errors = json_array() };
	int r = cd_mgr_metrics_ingest(c->m, c->tok.host, NULL, good, &res);
	json_decref(good);
	if (r) {
		json_decref(res.errors);
		json_decref(malformed);
		cd_api_error(c, 503, NULL, "the metrics store cannot be written; send again later");
		c->out->retry_after = 5;
		return;
	}
	json_t *o = json_pack("{s:I, s:I, s:I, s:o}", "accepted", (json_int_t)res.accepted,
			      "duplicates", (json_int_t)res.duplicates, "refused",
			      (json_int_t)(res.refused + bad), "errors", res.errors);
	if (bad)
		json_object_set_new(o, "malformed", malformed);
	else
		json_decref(malformed);
	cd_api_reply(c, 200, o);
}

/* ---- GET /metrics ---- */

struct exp {
	int64_t now;
	struct cd_series_info *v;
	size_t n, cap;
};

static void export_take(void *arg, const struct cd_series_info *s)
{
	struct exp *x = arg;
	if (s->last_t != INT64_MIN && s->last_t >= x->now - EXPORT_STALE_MS && isfinite(s->last_v))
		CD_PUSH(x->v, x->n, x->cap, *s);   /* its strings live as long as the store */
}

static int by_metric(const void *a, const void *b)
{
	const struct cd_series_info *x = a, *y = b;
	int r = strcmp(x->metric, y->metric);
	return r ? r : strcmp(x->key, y->key);
}

/* Each family once, its samples together, as OpenMetrics wants. */
static void export_all(struct exp *x, struct cd_buf *b)
{
	if (x->n)
		qsort(x->v, x->n, sizeof(*x->v), by_metric);
	for (size_t i = 0; i < x->n; i++) {
		const struct cd_series_info *s = &x->v[i];
		size_t ml = strlen(s->metric);
		size_t fl = s->counter && ml > 6 && !strcmp(s->metric + ml - 6, "_total") ? ml - 6 : ml;
		if (!i || strcmp(x->v[i - 1].metric, s->metric)) {
			/* a family's help and unit (the unit only where its
			 * name ends with it, as OpenMetrics wants) */
			const char *unit, *help = cd_catalog_raw_help(s->metric, &unit);
			size_t ul = unit ? strlen(unit) : 0;
			cd_buf_printf(b, "# TYPE %.*s %s\n", (int)fl, s->metric,
				      s->counter ? "counter" : "gauge");
			if (ul && fl > ul && s->metric[fl - ul - 1] == '_' &&
			    !strncmp(s->metric + fl - ul, unit, ul))
				cd_buf_printf(b, "# UNIT %.*s %s\n", (int)fl, s->metric, unit);
			cd_buf_printf(b, "# HELP %.*s %s\n", (int)fl, s->metric,
				      help ? help : "kept as collected or imported");
		}
		const char *brace = strchr(s->key, '{');
		cd_buf_puts(b, s->metric);
		if (brace && brace[1] != '}')
			cd_buf_puts(b, brace);
		cd_buf_puts(b, " ");
		cd_om_double(b, s->last_v);
		cd_buf_puts(b, "\n");
	}
}

void cd_api_h_openmetrics(struct ctx *c)
{
	struct cd_mstore *st = cd_mgr_metrics(c->m);
	struct cd_buf b;
	cd_buf_init(&b, EXPORT_MAX);
	/* the manager's own, under its lock */
	const struct cd_state *w = cd_mgr_state(c->m);
	cd_buf_printf(&b, "# TYPE cordon_workloads gauge\n"
		      "# HELP cordon_workloads the workloads the manager knows\n"
		      "cordon_workloads %zu\n"
		      "# TYPE cordon_policy_revision gauge\n"
		      "# HELP cordon_policy_revision the policy's revision in force\n"
		      "cordon_policy_revision %lld\n"
		      "# TYPE cordon_changes counter\n"
		      "# HELP cordon_changes changes made to the world (tags, policy, inventory)\n"
		      "cordon_changes_total %lld\n",
		      w->inv.n, (long long)cd_mgr_policy_rev(c->m), (long long)cd_mgr_seq(c->m));
	cd_mgr_alerts_openmetrics(c->m, &b);
	int fr = cd_mgr_flows_openmetrics(c->m, &b);
	if (fr < 0) {
		cd_buf_free(&b);
		cd_api_store_failed(c, fr);
		return;
	}
	if (st) {
		cd_api_leave(c);
		struct cd_mstore_stats s;
		struct exp x = { .now = cd_mgr_now() / 1000 };
		cd_mstore_each(st, export_take, &x);
		export_all(&x, &b);
		free(x.v);
		cd_mstore_stats_mem(st, &s);
		cd_buf_printf(&b, "# TYPE cordon_metrics_series gauge\n"
				      "# HELP cordon_metrics_series the series the metrics store keeps\n"
				      "cordon_metrics_series %llu\n"
				      "# TYPE cordon_metrics_samples_refused counter\n"
				      "# HELP cordon_metrics_samples_refused samples not after their "
				      "series' newest\n"
				      "cordon_metrics_samples_refused_total %llu\n"
				      "# TYPE cordon_metrics_samples_unkept counter\n"
				      "# HELP cordon_metrics_samples_unkept samples past the limit kept "
				      "while the database was away\n"
				      "cordon_metrics_samples_unkept_total %llu\n",
				      (unsigned long long)s.series, (unsigned long long)s.refused,
				      (unsigned long long)s.unkept);
		if (!cd_api_enter(c)) {    /* answered: its credential is gone */
			cd_buf_free(&b);
			return;
		}
	}
	cd_buf_puts(&b, "# EOF\n");
	if (b.full) {
		cd_buf_free(&b);
		cd_api_error(c, 500, NULL, "the export would be larger than %u MiB", EXPORT_MAX >> 20);
		return;
	}
	c->out->status = 200;
	size_t len = b.len;
	c->out->blob = cd_blob_new(cd_buf_steal(&b), len);
	c->out->content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
}
