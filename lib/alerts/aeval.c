/* aeval.c - the alert evaluator of aeval.h. */
#include "alerts/aeval.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/band.h"
#include "metrics/forecast.h"

#define MAX_LISTED 20              /* related objects named in a symptom's detail */

struct pair {
	char *key;                 /* DEF \x1f KIND \x1f OBJECT */
	uint16_t t[CD_ADEF_MAX_SYMPTOMS], f[CD_ADEF_MAX_SYMPTOMS];
	uint32_t held;             /* bit i: symptom i holds */
	bool active;
	uint64_t seen;             /* the cycle that saw it last */
};

struct cd_aeval {
	struct pair *v;
	size_t n, cap;
	struct cd_map map;         /* key -> index in v */
	uint64_t cycle;
	/* the cycle's metric values: key -> index in vals (NaN: no data) */
	struct cd_map mcache;
	char **mkeys;
	double *mvals;
	size_t nm, mcap, mkcap;
};

static void mcache_reset(struct cd_aeval *e);

struct cd_aeval *cd_aeval_new(void)
{
	struct cd_aeval *e = cd_calloc(1, sizeof(*e));
	cd_map_init_exact(&e->map);
	cd_map_init_exact(&e->mcache);
	return e;
}

void cd_aeval_free(struct cd_aeval *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].key);
	free(e->v);
	cd_map_free(&e->map);
	mcache_reset(e);
	cd_map_free(&e->mcache);
	free(e->mkeys);
	free(e->mvals);
	free(e);
}

size_t cd_aeval_pairs(const struct cd_aeval *e)
{
	return e->n;
}

static char *pair_key(const char *def, enum cd_akind kind, const char *object)
{
	return cd_asprintf("%s\x1f%s\x1f%s", def, cd_akind_name(kind), object);
}

static struct pair *pair_get(struct cd_aeval *e, const char *def, enum cd_akind kind,
			     const char *object)
{
	/* looked up each cycle, made once: no allocation to look it up */
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s\x1f%s\x1f%s", def, cd_akind_name(kind), object);
	char *key = len >= 0 && (size_t)len < sizeof(buf) ? buf : pair_key(def, kind, object);
	size_t i;
	if (cd_map_get(&e->map, key, &i)) {
		if (key != buf)
			free(key);
		return &e->v[i];
	}
	if (key == buf)
		key = cd_strdup(buf);
	cd_grow(&e->v, &e->cap, e->n + 1, sizeof(*e->v));
	memset(&e->v[e->n], 0, sizeof(*e->v));
	e->v[e->n].key = key;
	cd_map_put(&e->map, key, e->n, NULL);
	return &e->v[e->n++];
}

void cd_aeval_restore(struct cd_aeval *e, const char *def, enum cd_akind kind,
		      const char *object, uint32_t held)
{
	struct pair *p = pair_get(e, def, kind, object);
	p->active = true;
	p->held = held;
	p->seen = e->cycle;
}

/* ---- the cycle's metric values, each read once ---- */

static bool metric(struct cd_aeval *e, const struct cd_aworld *w, enum cd_akind k,
		   const char *name, const char *m, double *v)
{
	char *key = cd_asprintf("%d\x1f%s\x1f%s", (int)k, name, m);
	size_t i;
	if (!cd_map_get(&e->mcache, key, &i)) {
		double x;
		if (!w->metric(w->ctx, k, name, m, &x) || !isfinite(x))
			x = NAN;
		cd_grow(&e->mvals, &e->mcap, e->nm + 1, sizeof(*e->mvals));
		cd_grow(&e->mkeys, &e->mkcap, e->nm + 1, sizeof(*e->mkeys));
		e->mvals[e->nm] = x;
		e->mkeys[e->nm] = key;
		cd_map_put(&e->mcache, key, e->nm, NULL);
		i = e->nm++;
	} else {
		free(key);
	}
	*v = e->mvals[i];
	return !isnan(*v);
}

static void mcache_reset(struct cd_aeval *e)
{
	for (size_t i = 0; i < e->nm; i++)
		free(e->mkeys[i]);
	e->nm = 0;
	cd_map_free(&e->mcache);
	cd_map_init_exact(&e->mcache);
}

/* ---- symptoms ---- */

bool cd_aeval_days_left(const struct cd_apoint *p, size_t n, double capacity, int64_t now,
			double *days)
{
	/* the rule the console shows too (metrics/forecast.c) */
	struct cd_point *q = cd_malloc((n ? n : 1) * sizeof(*q));
	for (size_t i = 0; i < n; i++)
		q[i] = (struct cd_point){ p[i].t, p[i].v };
	bool r = cd_days_left(q, n, capacity, now, days);
	free(q);
	return r;
}

/* A detail's field, made only when there is a detail to make. */
#define SET(d, k, v)                                                        \
	do {                                                                \
		if (d)                                                      \
			json_object_set_new((d), (k), (v));                 \
	} while (0)

/* One symptom of def for the object: true or false, and its detail into d
 * (NULL: none wanted; most pairs raise nothing and need none).  *unread
 * (when not NULL) says a learned symptom's band has not been read yet
 * (after a restart, a definition just pushed): the manager reads it
 * before the next cycle. */
static bool symptom(struct cd_aeval *e, const struct cd_aworld *w, const struct cd_adef *def,
		    const struct cd_asymptom *s, const char *object, int64_t now, json_t *d,
		    bool *unread)
{
	double v;
	bool holds = false;
	SET(d, "symptom", json_string(s->label));
	switch (s->type) {
	case CD_SYM_METRIC:
		SET(d, "type", json_string("metric"));
		SET(d, "metric", json_string(s->metric));
		if (cd_aop_learned(s->op)) {       /* a lookup: the manager learns bands apart */
			bool have = metric(e, w, def->kind, object, s->metric, &v);
			const struct cd_band *b = w->band ? w->band(w->ctx, def->kind, object, s->metric)
							  : NULL;
			if (unread)
				*unread = w->band && !b;
			holds = cd_band_symptom(b, s->op == CD_AOP_ABOVE_NORMAL, s->sigmas, have ? &v : NULL,
						now, d);
			SET(d, "op", json_string(cd_aop_name(s->op)));
			SET(d, "true", json_boolean(holds));
			return holds;
		}
		if (metric(e, w, def->kind, object, s->metric, &v)) {
			holds = cd_aop_holds(s->op, v, s->value);
			SET(d, "value", json_real(v));
		} else {
			SET(d, "value", json_null());
		}
		break;
	case CD_SYM_POPULATION: {
		SET(d, "type", json_string("population"));
		SET(d, "metric", json_string(s->metric));
		const char *const *rel = NULL;
		size_t nr = w->related(w->ctx, def->kind, object, s->related, &rel), matched = 0;
		json_t *names = d ? json_array() : NULL;
		for (size_t i = 0; i < nr; i++)
			if (metric(e, w, s->related, rel[i], s->metric, &v) && cd_aop_holds(s->op, v, s->value)) {
				if (matched++ < MAX_LISTED && names)
					json_array_append_new(names, json_pack("{s:s, s:f}", "name", rel[i], "value", v));
			}
		holds = nr && (s->percent ? (double)matched * 100 > s->share * (double)nr
					  : (double)matched >= s->share);
		SET(d, "matched", json_integer((json_int_t)matched));
		SET(d, "of", json_integer((json_int_t)nr));
		SET(d, "value", nr ? json_real(s->percent ? 100.0 * (double)matched / (double)nr
							  : (double)matched) : json_null());
		SET(d, "related", names);
		break;
	}
	case CD_SYM_CAPACITY: {
		SET(d, "type", json_string("capacity"));
		struct cd_apoint *p = NULL;
		int64_t step = s->window_ms / 100;
		size_t np = w->series(w->ctx, def->kind, object, "datastore_used_bytes", now - s->window_ms,
				      now, step, &p);
		double cap, days;
		if (metric(e, w, def->kind, object, "datastore_capacity_bytes", &cap) &&
		    cd_aeval_days_left(p, np, cap, now, &days)) {
			holds = cd_aop_holds(s->op, days, s->value);
			SET(d, "value", json_real(days));
		} else {
			SET(d, "value", json_null());   /* not filling */
		}
		free(p);
		break;
	}
	case CD_SYM_STATE: {
		SET(d, "type", json_string("state"));
		SET(d, "state", json_string(cd_astate_name(s->state)));
		struct cd_buf why;
		cd_buf_init(&why, 1024);
		holds = w->state(w->ctx, def->kind, object, s->state, s->seconds, &why);
		if (why.data)
			SET(d, "why", json_string(why.data));
		cd_buf_free(&why);
		break;
	}
	}
	if (s->type != CD_SYM_STATE) {
		SET(d, "op", json_string(cd_aop_name(s->op)));
		SET(d, "threshold", json_real(s->value));
	}
	SET(d, "true", json_boolean(holds));
	return holds;
}

/* Where to look next: the query that shows the first symptom holding. */
static json_t *drilldown(const struct cd_adef *def, const char *object, json_t *syms,
			 int64_t now, int64_t interval_ms)
{
	json_t *s;
	size_t i;
	json_array_foreach(syms, i, s) {
		if (!json_is_true(json_object_get(s, "holds")))
			continue;
		const char *type = json_string_value(json_object_get(s, "type"));
		const char *m = json_string_value(json_object_get(s, "metric"));
		json_t *objs = json_array();
		int64_t span = 3600000;
		if (!strcmp(type, "state")) {
			json_decref(objs);
			/* the name percent-encoded (a vCenter's names hold
			 * spaces and '&'): libcurl's escape, RFC 3986's
			 * unreserved kept */
			char *e = curl_easy_escape(NULL, object, 0);
			char *q = def->kind == CD_AK_VM ? cd_asprintf("/api/v1/events?workload=%s", e)
				: def->kind == CD_AK_HOST ? cd_asprintf("/api/v1/events?host=%s", e)
				: cd_asprintf("/api/v1/events?q=%s", e);
			curl_free(e);
			json_t *o = json_pack("{s:s}", "events", q);
			free(q);
			return o;
		}
		if (!strcmp(type, "population")) {
			json_t *r;
			size_t k;
			json_array_foreach(json_object_get(s, "related"), k, r)
				json_array_append_new(objs, json_pack("{s:s, s:O}", "kind", "vm", "name",
								      json_object_get(r, "name")));
		} else {
			json_array_append_new(objs, json_pack("{s:s, s:s}", "kind", cd_akind_name(def->kind),
							      "name", object));
		}
		if (!strcmp(type, "capacity")) {
			m = "datastore_used_bytes";
			span = 7 * 86400000LL;
		}
		int64_t step = interval_ms / 1000 > 0 ? interval_ms / 1000 : 1;
		if (span / 1000 / step > 1000)
			step = span / 1000 / 1000;
		return json_pack("{s:{s:o, s:[s], s:I, s:I, s:I, s:s}}", "query", "objects", objs,
				 "metrics", m, "begin", (json_int_t)(now - span), "end", (json_int_t)now,
				 "step_seconds", (json_int_t)step, "rollup", "max");
	}
	return json_null();
}

static void change(struct cd_achange **out, size_t *n, size_t *cap, enum cd_achange_what what,
		   const struct cd_adef *def, const char *dname, enum cd_akind kind, const char *object,
		   json_t *detail)
{
	cd_grow(out, cap, *n + 1, sizeof(**out));
	(*out)[(*n)++] = (struct cd_achange){ what, def, cd_strdup(dname), kind, cd_strdup(object),
					      detail };
}

int cd_aeval_cycle(struct cd_aeval *e, const struct cd_adefs *defs, const struct cd_aworld *w,
		   int64_t now, int64_t interval_ms, struct cd_achange **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	e->cycle++;
	for (size_t di = 0; di < defs->n; di++) {
		const struct cd_adef *def = &defs->v[di];
		if (!def->enabled)
			continue;
		const char *const *names = NULL;
		size_t no = w->objects(w->ctx, def->kind, &names);
		for (size_t oi = 0; oi < no; oi++) {
			struct pair *p = pair_get(e, def->name, def->kind, names[oi]);
			p->seen = e->cycle;
			size_t nheld = 0;
			bool truth[CD_ADEF_MAX_SYMPTOMS];
			for (size_t si = 0; si < def->nsym; si++) {
				const struct cd_asymptom *s = &def->sym[si];
				bool unread = false;
				bool t = truth[si] = symptom(e, w, def, s, names[oi], now, NULL, &unread);
				if (unread) {
					/* neither true nor false: its counts wait */
				} else if (t) {
					p->t[si] = p->t[si] < UINT16_MAX ? p->t[si] + 1 : UINT16_MAX;
					p->f[si] = 0;
				} else {
					p->f[si] = p->f[si] < UINT16_MAX ? p->f[si] + 1 : UINT16_MAX;
					p->t[si] = 0;
				}
				bool held = p->held >> si & 1;
				if (!held && p->t[si] >= s->wait_cycles)
					held = true;
				else if (held && p->f[si] >= s->cancel_cycles)
					held = false;
				p->held = held ? p->held | 1u << si : p->held & ~(1u << si);
				nheld += held;
			}
			bool alert = def->all ? nheld == def->nsym : nheld > 0;
			if (!alert && !p->active)
				continue;
			/* a change to report: its symptoms' details (the metrics
			 * read once a cycle: the same values again) */
			json_t *syms = json_array();
			for (size_t si = 0; si < def->nsym; si++) {
				json_t *d = json_object();
				symptom(e, w, def, &def->sym[si], names[oi], now, d, NULL);
				json_object_set_new(d, "true", json_boolean(truth[si]));
				json_object_set_new(d, "holds", json_boolean(p->held >> si & 1));
				json_array_append_new(syms, d);
			}
			json_t *detail = json_pack("{s:o, s:I}", "symptoms", syms, "held", (json_int_t)p->held);
			if (alert) {
				json_object_set_new(detail, "drilldown",
						    drilldown(def, names[oi], syms, now, interval_ms));
				change(out, n, &cap, p->active ? CD_AUPDATE : CD_ARAISE, def, def->name,
				       def->kind, names[oi], detail);
				p->active = true;
			} else {
				json_object_set_new(detail, "reason", json_string("its symptoms no longer hold"));
				change(out, n, &cap, CD_ACANCEL, def, def->name, def->kind, names[oi], detail);
				p->active = false;
			}
		}
	}
	/* pairs not seen: their object is gone, or their definition */
	size_t k = 0;
	for (size_t i = 0; i < e->n; i++) {
		struct pair *p = &e->v[i];
		if (p->seen == e->cycle) {
			e->v[k++] = *p;
			continue;
		}
		if (p->active) {
			char *obj = strchr(strchr(p->key, '\x1f') + 1, '\x1f') + 1;
			char *dname = cd_strndup(p->key, (size_t)(strchr(p->key, '\x1f') - p->key));
			const struct cd_adef *def = cd_adefs_find(defs, dname);
			enum cd_akind kind = CD_AK_VM;
			char *ks = cd_strndup(p->key + strlen(dname) + 1,
					      (size_t)(obj - 1 - (p->key + strlen(dname) + 1)));
			cd_akind_parse(ks, &kind);
			json_t *detail = json_pack("{s:[], s:I, s:s}", "symptoms", "held", (json_int_t)0, "reason",
						   def && def->enabled ? "its object is gone"
						   : "its definition was removed or disabled");
			change(out, n, &cap, CD_ACANCEL, def && def->enabled ? def : NULL, dname, kind, obj,
			       detail);
			free(ks);
			free(dname);
		}
		free(p->key);
	}
	if (k != e->n) {
		e->n = k;
		cd_map_free(&e->map);
		cd_map_init_exact(&e->map);
		for (size_t i = 0; i < e->n; i++)
			cd_map_put(&e->map, e->v[i].key, i, NULL);
	}
	mcache_reset(e);
	return 0;
}

void cd_achanges_free(struct cd_achange *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].definition);
		free(c[i].object);
		json_decref(c[i].detail);
	}
	free(c);
}
