/* reports.c - reports as the manager keeps them: saved by name in
 * revisions (store_named.c, kind "report") over the ones cordon ships
 * (report/report.c); and a report made over a range: its views' objects
 * and the security facts read under the manager's lock (a job), its
 * rows, charts and files made without it. */
#include "manager/reports_priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/mstore.h"


/* ---- definitions ---- */

/* The next fire of a report that is scheduled and goes somewhere (ms),
 * or 0. */
static int64_t next_fire(const struct cd_report *r, int64_t now_ms)
{
	struct cd_tz *tz;
	int64_t next = 0;
	if (!r->schedule || !r->ndest || cd_tz_open(r->timezone, &tz))
		return 0;
	if (cd_cron_next(&r->cron, tz, now_ms, &next))
		next = 0;
	cd_tz_free(tz);
	return next;
}

static json_t *summary_json(const struct cd_report *r, int64_t rev, bool builtin)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:b}", "name", r->name, "title", r->title,
			      "timezone", r->timezone, "rev", (json_int_t)rev, "destinations",
			      (int)r->ndest, "builtin", builtin);
	if (r->schedule)
		json_object_set_new(o, "schedule", json_string(r->schedule));
	int64_t next = next_fire(r, cd_mgr_now() / 1000);
	if (next)
		json_object_set_new(o, "next", json_integer(next));
	return o;
}

static int parse(const char *text, size_t len, void *out, char *err, size_t errlen)
{
	return cd_report_parse(text, len, out, err, errlen);
}

static void report_free(void *r) { cd_report_free(r); }
static int builtin(size_t i, void *out) { return cd_report_builtin(i, out); }
static int builtin_named(const char *name, void *out) { return cd_report_builtin_named(name, out); }
static const char *name_of(const void *r) { return ((const struct cd_report *)r)->name; }

static json_t *summary(struct cd_mgr *m, const void *doc, int64_t rev, bool builtin)
{
	(void)m;
	return summary_json(doc, rev, builtin);
}

static const struct cd_named_kind reports = {
	.kind = "report", .event = "report-definition", .what = "report",
	.size = sizeof(struct cd_report), .parse = parse, .free = report_free,
	.builtins = cd_report_builtins, .builtin = builtin, .builtin_named = builtin_named,
	.name_of = name_of, .summary = summary,
};

int cd_mgr_report_get(struct cd_mgr *m, const char *name, struct cd_report *out, int64_t *rev)
{
	return cd_mgr_named_get(m, &reports, name, out, rev);
}

json_t *cd_mgr_reports(struct cd_mgr *m)
{
	return cd_mgr_named_list(m, &reports);
}

int cd_mgr_report_put(struct cd_mgr *m, const json_t *doc, const struct cd_actor *a, char *err,
		      size_t errlen, int64_t *rev)
{
	struct cd_report v;
	int e = cd_report_from_json(doc, &v, err, errlen);
	if (e)
		return e;
	for (size_t i = 0; i < v.nsec; i++) {
		struct cd_view w;
		if (v.sec[i].kind != CD_RS_VIEW)
			continue;
		e = cd_mgr_view_get(m, v.sec[i].view, &w, NULL);
		if (e == 0) {
			cd_view_free(&w);
			continue;
		}
		if (e == -ENOENT) {
			snprintf(err, errlen, "sections[%zu].view: no view named \"%s\" (GET "
				 "/api/v1/views)", i, v.sec[i].view);
			e = -EINVAL;
		}
		cd_report_free(&v);
		return e;
	}
	v.builtin = false;
	json_t *j = cd_report_json(&v);
	json_object_del(j, "builtin");
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	e = cd_mgr_named_save(m, &reports, v.name, text, a, rev, ", %zu sections, %zu destinations%s%s",
			      v.nsec, v.ndest, v.schedule ? ", schedule " : "",
			      v.schedule ? v.schedule : "");
	free(text);
	cd_report_free(&v);
	return e;
}

int cd_mgr_report_remove(struct cd_mgr *m, const char *name, const struct cd_actor *a)
{
	return cd_mgr_named_remove(m, &reports, name, a);
}

int cd_mgr_report_revisions(struct cd_mgr *m, const char *name, cd_store_named_cb cb, void *ctx)
{
	return cd_store_named_revs(m->store, reports.kind, name, cb, ctx);
}

/* ---- a job: what the sections need, read under the lock ---- */

const char *cd_mgr_rjob_keep(struct cd_mgr_rjob *j, const char *s)
{
	if (!s)
		return NULL;
	char *c = cd_strdup(s);
	CD_PUSH(j->strs, j->nstrs, j->strcap, c);
	return c;
}

const struct cd_report *cd_mgr_rjob_report(const struct cd_mgr_rjob *j)
{
	return &j->rep;
}

void cd_mgr_report_job_free(struct cd_mgr_rjob *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->rep.nsec; i++) {
		struct rjob_sec *s = &j->sec[i];
		free(s->missing);
		if (s->have_view)
			cd_view_free(&s->view);
		cd_mgr_vobjects_free(s->objs);
		cd_vrows_free(s->rows);
		for (size_t k = 0; k < s->nseries; k++) {
			free(s->points[k]);
			free(s->names[k]);
		}
		free(s->points);
		free(s->names);
		free(s->series);
	}
	free(j->det);
	free(j->quar);
	free(j->rules);
	cd_strv_free(j->strs, j->nstrs);
	free(j->facts_missing);
	cd_tz_free(j->tz);
	cd_report_free(&j->rep);
	free(j);
}

int cd_mgr_report_job(struct cd_mgr *m, struct cd_report *r, int64_t begin, int64_t end,
		      struct cd_mgr_rjob **out, char *err, size_t errlen)
{
	struct cd_mgr_rjob *j = cd_calloc(1, sizeof *j);
	j->rep = *r;
	memset(r, 0, sizeof *r);
	j->begin = begin;
	j->end = end;
	if (begin < 0 || begin >= end || end - begin > CD_REPORT_RANGE_MAX) {
		snprintf(err, errlen, "the range: from begin to end, at most 730 days");
		cd_mgr_report_job_free(j);
		return -EINVAL;
	}
	if (cd_tz_open(j->rep.timezone, &j->tz)) {
		snprintf(err, errlen, "timezone: %s is not a zone this manager knows", j->rep.timezone);
		cd_mgr_report_job_free(j);
		return -EINVAL;
	}
	j->ms = cd_mgr_metrics(m);
	bool facts = false;
	for (size_t i = 0; i < j->rep.nsec; i++) {
		const struct cd_rsection *s = &j->rep.sec[i];
		struct rjob_sec *x = &j->sec[i];
		char why[600];
		if (s->kind != CD_RS_VIEW && s->kind != CD_RS_CHART) {
			facts = true;
			continue;
		}
		if (!j->ms) {
			x->missing = cd_asprintf("Section %zu: this manager keeps no metrics.", i + 1);
			continue;
		}
		if (s->kind != CD_RS_VIEW)
			continue;
		int e = cd_mgr_view_get(m, s->view, &x->view, NULL);
		if (e) {
			x->missing = cd_asprintf("Section %zu: the view %s %s.", i + 1, s->view,
						 e == -ENOENT ? "is no longer there"
							      : "could not be read from the store");
			continue;
		}
		x->have_view = true;
		if (cd_mgr_view_objects(m, &x->view, &x->objs, why, sizeof why))
			x->missing = cd_asprintf("Section %zu: the view %s: %s.", i + 1, s->view, why);
	}
	if (facts && cd_mgr_rjob_facts(m, j) < 0)
		for (size_t i = 0; i < j->rep.nsec; i++)
			if (j->rep.sec[i].kind > CD_RS_CHART && !j->sec[i].missing)
				j->sec[i].missing = cd_asprintf("Section %zu: %s", i + 1,
								j->facts_missing);
	*out = j;
	return 0;
}

/* ---- making it: rows, charts, files (without the lock) ---- */

static int64_t step_for(int64_t len)
{
	return len > 86400000LL ? 3600000 : len > 3600000LL ? 300000 : 60000;
}

struct cands {
	const char *kind;
	char **names;
	size_t n, cap;
	struct cd_map seen;
};

/* each object of the kind with a sample, once (under the store's lock) */
static void cand_of(void *arg, const struct cd_series_info *s)
{
	struct cands *c = arg;
	if (strcmp(s->kind, c->kind) || s->last_t == INT64_MIN || cd_map_get(&c->seen, s->name, NULL))
		return;
	char *n = cd_strdup(s->name);
	CD_PUSH(c->names, c->n, c->cap, n);
	cd_map_put(&c->seen, n, 0, NULL);
}

struct ranked {
	char *name;
	double mean;
	struct cd_point *p;            /* its averages */
	size_t n;
};

static int by_mean(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->mean != y->mean)
		return x->mean < y->mean ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The objects a chart draws: those named, or the top N by the average of
 * their steps' averages; their points at its step, rolled up its way. */
static int chart_points(struct cd_mgr_rjob *j, const struct cd_rsection *s, struct rjob_sec *x)
{
	x->step = step_for(j->end - j->begin);
	struct cands c = { .kind = s->metric->kind };
	cd_map_init_exact(&c.seen);
	if (s->nobjects) {
		for (size_t i = 0; i < s->nobjects; i++) {
			char *n = cd_strdup(s->objects[i]);
			CD_PUSH(c.names, c.n, c.cap, n);
		}
	} else {
		cd_mstore_each(j->ms, cand_of, &c);
	}
	cd_map_free(&c.seen);
	struct ranked *rk = cd_calloc(c.n ? c.n : 1, sizeof *rk);
	size_t nr = 0;
	int err = 0;
	for (size_t i = 0; i < c.n && !err; i++) {
		struct cd_point *p = NULL;
		size_t n = 0;
		int e = cd_mquery(j->ms, s->metric, s->metric->kind, c.names[i], j->begin, j->end,
				  x->step, CD_AGG_AVG, &p, &n);
		if (e && e != -ENOENT) {
			err = e;
		} else if (n) {
			double sum = 0;
			for (size_t k = 0; k < n; k++)
				sum += p[k].v;
			rk[nr++] = (struct ranked){ .name = c.names[i], .mean = sum / (double)n, .p = p,
						    .n = n };
			c.names[i] = NULL;
			continue;
		}
		free(p);
	}
	cd_strv_free(c.names, c.n);
	if (!s->nobjects && nr)
		qsort(rk, nr, sizeof *rk, by_mean);
	size_t keep = s->nobjects ? nr : nr < s->top ? nr : s->top;
	x->series = cd_calloc(keep ? keep : 1, sizeof *x->series);
	x->points = cd_calloc(keep ? keep : 1, sizeof *x->points);
	x->names = cd_calloc(keep ? keep : 1, sizeof *x->names);
	for (size_t i = 0; i < nr; i++) {
		if (i >= keep || err) {
			free(rk[i].name);
			free(rk[i].p);
			continue;
		}
		if (s->rollup != CD_AGG_AVG) {
			free(rk[i].p);
			rk[i].p = NULL;
			rk[i].n = 0;
			int e = cd_mquery(j->ms, s->metric, s->metric->kind, rk[i].name, j->begin,
					  j->end, x->step, s->rollup, &rk[i].p, &rk[i].n);
			if (e && e != -ENOENT)
				err = e;
		}
		x->names[x->nseries] = rk[i].name;
		x->points[x->nseries] = rk[i].p;
		x->series[x->nseries] = (struct cd_rseries){ rk[i].name, rk[i].p, rk[i].n };
		x->nseries++;
	}
	free(rk);
	return err;
}

int cd_mgr_report_make(struct cd_mgr_rjob *j, int64_t generated, unsigned what, long only,
		       struct cd_rfiles *out, char *err, size_t errlen)
{
	struct cd_rsecdata d[CD_REPORT_SECTIONS_MAX];
	memset(d, 0, sizeof d);
	for (size_t i = 0; i < j->rep.nsec; i++) {
		const struct cd_rsection *s = &j->rep.sec[i];
		struct rjob_sec *x = &j->sec[i];
		bool needed = (what & CD_RMAKE_PDF) || only < 0 ? true : (size_t)only == i;
		if (!x->missing && needed && s->kind == CD_RS_VIEW && !x->rows) {
			size_t n;
			const struct cd_vobject *o = cd_mgr_vobjects_list(x->objs, &n);
			int e = cd_vrows_compute(&x->view, j->ms, o, n, j->begin, j->end, &x->rows);
			if (e)
				x->missing = cd_asprintf("Section %zu: the view %s's rows could not be "
							 "read: %s.", i + 1, s->view, strerror(-e));
		} else if (!x->missing && (what & CD_RMAKE_PDF) && s->kind == CD_RS_CHART && !x->series) {
			int e = chart_points(j, s, x);
			if (e)
				x->missing = cd_asprintf("Section %zu: the chart of %s could not be read: "
							 "%s.", i + 1, s->metric->name, strerror(-e));
		}
		d[i] = (struct cd_rsecdata){
			.missing = x->missing, .view = &x->view, .rows = x->rows, .series = x->series,
			.nseries = x->nseries, .step = x->step ? x->step : step_for(j->end - j->begin),
			.det = j->det, .ndet = j->ndet, .quar = j->quar, .nquar = j->nquar,
			.rules = j->rules, .nrules = j->nrules, .rules_total = j->rules_total,
			.policy_rev = j->policy_rev, .truncated = j->det_cut,
		};
	}
	struct cd_rcompose in = { .rep = &j->rep, .tz = j->tz, .begin = j->begin, .end = j->end,
				  .generated = generated, .data = d };
	return cd_report_compose(&in, what, only, out, err, errlen);
}
