/* rows.c - a view's rows (see rows.h): the queries an object's columns
 * need, each made once; the transformations over their points; units;
 * the sort; JSON pages and CSV. */
#define _GNU_SOURCE                /* qsort_r */
#include "views/rows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/units.h"
#include "metrics/forecast.h"
#include "metrics/mquery.h"
#include "metrics/stats.h"

#define MAX_RANGE_MS (730LL * 86400000LL)
#define CURRENT_WINDOW_MS (10 * 60000LL)

struct cell {
	double v;                  /* in the metric's base unit */
	bool has;
};

struct row {
	char *name;
	char *text[CD_VIEW_MAX_COLUMNS];   /* a property's; NULL for a metric's */
	struct cell c[CD_VIEW_MAX_COLUMNS];
};

struct cd_vrows {
	struct cd_view v;
	struct row *row;
	size_t n;
	int64_t begin, end, step;
	double scale[CD_VIEW_MAX_COLUMNS];     /* base unit / shown unit */
	char unit[CD_VIEW_MAX_COLUMNS][16];
};

/* One query of an object's: a metric's points rolled up one way. */
struct query {
	const struct cd_metric *m;
	enum cd_agg agg;
	struct cd_point *p;
	size_t n;
	int r;
};

static int64_t step_for(int64_t len)
{
	if (len > 86400000LL)
		return 3600000;
	if (len > 3600000LL)
		return 300000;
	return 60000;
}

/* The aggs each metric of the view's columns needs, so that an object's
 * series are read once a metric (cd_mquery_aggs). */
static enum cd_agg agg_of(enum cd_vxform x)
{
	return x == CD_VX_MIN ? CD_AGG_MIN : x == CD_VX_MAX ? CD_AGG_MAX : x == CD_VX_SUM ? CD_AGG_SUM
									    : CD_AGG_AVG;
}

/* The points of m rolled up by agg: the object's queries made the first
 * time one of its metric's is asked, all its aggs at once. */
static struct query *query(struct query *q, size_t *nq, const struct cd_view *v,
			   struct cd_mstore *st, const char *kind, const char *name,
			   const struct cd_metric *m, enum cd_agg agg, int64_t begin, int64_t end,
			   int64_t step)
{
	for (size_t i = 0; i < *nq; i++)
		if (q[i].m == m && q[i].agg == agg)
			return &q[i];
	enum cd_agg aggs[CD_MQUERY_MAX_AGGS];
	size_t na = 0;
	aggs[na++] = agg;
	for (size_t c = 0; c < v->ncol; c++) {
		if (v->col[c].metric != m || v->col[c].xform == CD_VX_DAYS_LEFT)
			continue;
		enum cd_agg a = agg_of(v->col[c].xform);
		size_t k = 0;
		while (k < na && aggs[k] != a)
			k++;
		if (k == na && na < CD_MQUERY_MAX_AGGS)
			aggs[na++] = a;
	}
	struct cd_point *p[CD_MQUERY_MAX_AGGS];
	size_t n[CD_MQUERY_MAX_AGGS];
	int r = cd_mquery_aggs(st, m, kind, name, begin, end, step, aggs, na, NULL, p, n);
	for (size_t k = 0; k < na; k++)
		q[(*nq)++] = (struct query){ .m = m, .agg = aggs[k], .p = p[k], .n = n[k], .r = r };
	return &q[*nq - na];
}

/* A column's value for one object, in the metric's base unit. */
static int cell_of(const struct cd_vrows *r, const struct cd_vcolumn *c, struct cd_mstore *st,
		   const char *name, struct query *q, size_t *nq, struct cell *out)
{
	const char *kind = cd_vkind_name(r->v.kind);
	struct query *x;
	out->has = false;
	switch (c->xform) {
	case CD_VX_CURRENT: {
		struct cd_point *p = NULL;
		size_t n = 0;
		int e = cd_mquery(st, c->metric, kind, name, r->end - CURRENT_WINDOW_MS, r->end, 60000,
				  CD_AGG_LATEST, &p, &n);
		if (e == 0 && n) {
			out->v = p[n - 1].v;
			out->has = true;
		}
		free(p);
		if (e && e != -ENOENT)
			return e;
		if (out->has)
			return 0;
		x = query(q, nq, &r->v, st, kind, name, c->metric, CD_AGG_AVG, r->begin, r->end, r->step);
		if (x->n) {
			out->v = x->p[x->n - 1].v;
			out->has = true;
		}
		return x->r;
	}
	case CD_VX_AVG:
	case CD_VX_P95: {
		x = query(q, nq, &r->v, st, kind, name, c->metric, CD_AGG_AVG, r->begin, r->end, r->step);
		if (!x->n)
			return x->r;
		double *v = cd_malloc(x->n * sizeof *v), sum = 0;
		for (size_t i = 0; i < x->n; i++)
			sum += (v[i] = x->p[i].v);
		if (c->xform == CD_VX_AVG) {
			out->v = sum / (double)x->n;
			out->has = true;
		} else {
			out->has = cd_percentile(v, x->n, 95, &out->v);
		}
		free(v);
		return 0;
	}
	case CD_VX_MIN:
	case CD_VX_MAX:
	case CD_VX_SUM: {
		enum cd_agg a = agg_of(c->xform);
		x = query(q, nq, &r->v, st, kind, name, c->metric, a, r->begin, r->end, r->step);
		for (size_t i = 0; i < x->n; i++) {
			double v = x->p[i].v;
			if (!out->has)
				out->v = v;
			else if (a == CD_AGG_SUM)
				out->v += v;
			else if (a == CD_AGG_MIN ? v < out->v : v > out->v)
				out->v = v;
			out->has = true;
		}
		return x->r;
	}
	case CD_VX_DAYS_LEFT: {
		double days;
		int e = cd_days_left_of(st, name, r->end, r->end - r->begin, &days);
		if (e < 0)
			return e;
		if (e > 0) {
			out->v = days;
			out->has = true;
		}
		return 0;
	}
	}
	return 0;
}

static const char *prop_text(const struct cd_vobject *o, enum cd_vprop p)
{
	switch (p) {
	case CD_VP_NAME: return o->name;
	case CD_VP_HOST: return o->host;
	case CD_VP_SOURCE: return o->source;
	case CD_VP_OS: return o->os;
	case CD_VP_TAGS: return o->tags;
	case CD_VP_NONE: break;
	}
	return NULL;
}

/* Column c's unit as shown and its scale, from its largest value. */
static void unit_of(struct cd_vrows *r, size_t ci)
{
	const struct cd_vcolumn *c = &r->v.col[ci];
	r->scale[ci] = 1;
	r->unit[ci][0] = 0;
	if (c->prop != CD_VP_NONE)
		return;
	if (c->xform == CD_VX_DAYS_LEFT) {
		snprintf(r->unit[ci], sizeof r->unit[ci], "days");
		return;
	}
	const char *mu = c->metric->unit;
	bool rate = strstr(mu, "_per_second") != NULL, sum = c->xform == CD_VX_SUM;
	if (!strcmp(mu, "bytes") || !strcmp(mu, "bytes_per_second")) {
		double max = 0;
		for (size_t i = 0; i < r->n; i++)
			if (r->row[i].c[ci].has && fabs(r->row[i].c[ci].v) > max)
				max = fabs(r->row[i].c[ci].v);
		enum cd_bunit bu = c->unit == CD_VU_GB ? CD_BU_GB : c->unit == CD_VU_GIB ? CD_BU_GIB
				 : c->unit == CD_VU_TB ? CD_BU_TB : c->unit == CD_VU_TIB ? CD_BU_TIB
				 : CD_BU_AUTO;
		const char *name = cd_bunit_for(bu, max, &r->scale[ci]);
		snprintf(r->unit[ci], sizeof r->unit[ci], "%s%s", name, rate && !sum ? "/s" : "");
	} else if (!strcmp(mu, "ratio")) {
		r->scale[ci] = 0.01;
		snprintf(r->unit[ci], sizeof r->unit[ci], "%%");
	} else if (!strcmp(mu, "seconds")) {
		bool s = c->unit == CD_VU_S;
		r->scale[ci] = s ? 1 : 0.001;
		snprintf(r->unit[ci], sizeof r->unit[ci], "%s", s ? "s" : "ms");
	} else if (!strcmp(mu, "ops_per_second")) {
		snprintf(r->unit[ci], sizeof r->unit[ci], "%s", sum ? "requests" : "req/s");
	}
}

struct sort_by {
	size_t col;
	bool desc;
};

static int by_column(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	const struct sort_by *k = arg;
	size_t sort_col = k->col;
	bool sort_desc = k->desc;
	int c = 0;
	if (x->text[sort_col] || y->text[sort_col]) {
		const char *s = x->text[sort_col], *t = y->text[sort_col];
		if (!s || !*s || !t || !*t)
			c = (!s || !*s) - (!t || !*t);      /* empty last, either order */
		else
			c = sort_desc ? strcasecmp(t, s) : strcasecmp(s, t);
	} else {
		const struct cell *s = &x->c[sort_col], *t = &y->c[sort_col];
		if (!s->has || !t->has)
			c = !s->has - !t->has;
		else
			c = sort_desc ? (s->v < t->v) - (s->v > t->v) : (s->v > t->v) - (s->v < t->v);
	}
	return c ? c : strcmp(x->name, y->name);
}

void cd_vrows_sort(struct cd_vrows *r, size_t c, bool descending)
{
	if (c >= r->v.ncol)
		return;
	struct sort_by k = { c, descending };
	qsort_r(r->row, r->n, sizeof *r->row, by_column, &k);
}

int cd_vrows_compute(const struct cd_view *v, struct cd_mstore *st, const struct cd_vobject *o,
		     size_t n, int64_t begin, int64_t end, struct cd_vrows **out)
{
	if (begin >= end || end - begin > MAX_RANGE_MS || begin < 0)
		return -EINVAL;
	if (n > CD_VROWS_MAX_OBJECTS)
		return -E2BIG;
	struct cd_vrows *r = cd_calloc(1, sizeof *r);
	cd_view_copy(v, &r->v);
	r->begin = begin;
	r->end = end;
	r->step = step_for(end - begin);
	r->row = cd_calloc(n ? n : 1, sizeof *r->row);
	struct query q[CD_MQUERY_MAX_AGGS * CD_VIEW_MAX_COLUMNS];
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		struct row *w = &r->row[r->n++];
		w->name = cd_strdup(o[i].name);
		size_t nq = 0;
		for (size_t c = 0; c < v->ncol && !err; c++) {
			if (v->col[c].prop != CD_VP_NONE) {
				const char *t = prop_text(&o[i], v->col[c].prop);
				w->text[c] = cd_strdup(t ? t : "");
				continue;
			}
			int e = cell_of(r, &v->col[c], st, o[i].name, q, &nq, &w->c[c]);
			if (e && e != -ENOENT)
				err = e;
		}
		for (size_t k = 0; k < nq; k++)
			free(q[k].p);
	}
	if (err) {
		cd_vrows_free(r);
		return err;
	}
	for (size_t c = 0; c < v->ncol; c++)
		unit_of(r, c);
	cd_vrows_sort(r, v->sort, v->descending);
	*out = r;
	return 0;
}

void cd_vrows_free(struct cd_vrows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->row[i].name);
		for (size_t c = 0; c < r->v.ncol; c++)
			free(r->row[i].text[c]);
	}
	free(r->row);
	cd_view_free(&r->v);
	free(r);
}

size_t cd_vrows_count(const struct cd_vrows *r)
{
	return r->n;
}

const char *cd_vrows_tier(const struct cd_vrows *r)
{
	return r->step == 3600000 ? "1h" : r->step == 300000 ? "5m" : "1m";
}

const char *cd_vrows_unit(const struct cd_vrows *r, size_t c)
{
	return c < r->v.ncol ? r->unit[c] : "";
}

bool cd_vrows_cell(const struct cd_vrows *r, size_t i, size_t c, double *v, const char **s)
{
	if (s)
		*s = NULL;
	if (i >= r->n || c >= r->v.ncol)
		return false;
	if (s)
		*s = r->row[i].text[c];
	if (r->row[i].text[c] || !r->row[i].c[c].has)
		return false;
	*v = r->row[i].c[c].v / r->scale[c];
	return true;
}

json_t *cd_vrows_json(const struct cd_vrows *r, size_t offset, size_t limit)
{
	json_t *cols = json_array(), *rows = json_array();
	for (size_t c = 0; c < r->v.ncol; c++) {
		const struct cd_vcolumn *col = &r->v.col[c];
		json_t *o = json_pack("{s:s, s:s}", "title", col->title, "unit", r->unit[c]);
		if (col->prop != CD_VP_NONE) {
			json_object_set_new(o, "property", json_string(cd_vprop_name(col->prop)));
		} else {
			json_object_set_new(o, "metric", json_string(col->metric->name));
			json_object_set_new(o, "transform", json_string(cd_vxform_name(col->xform)));
		}
		json_array_append_new(cols, o);
	}
	for (size_t i = offset; i < r->n && i - offset < limit; i++) {
		json_t *cells = json_array();
		for (size_t c = 0; c < r->v.ncol; c++) {
			double v;
			const char *s = NULL;
			if (cd_vrows_cell(r, i, c, &v, &s))
				json_array_append_new(cells, json_real(v));
			else
				json_array_append_new(cells, s ? json_string(s) : json_null());
		}
		json_array_append_new(rows, json_pack("{s:s, s:o}", "name", r->row[i].name, "cells",
						      cells));
	}
	return json_pack("{s:s, s:o, s:o, s:I, s:I, s:s, s:I, s:I}", "view", r->v.name, "columns",
			 cols, "rows", rows, "total", (json_int_t)r->n, "offset", (json_int_t)offset,
			 "step", cd_vrows_tier(r), "begin", (json_int_t)r->begin, "end",
			 (json_int_t)r->end);
}

int cd_csv_field(struct cd_buf *b, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
	int e = 0;
	if (quote)
		e |= cd_buf_puts(b, "\"");
	if (formula)
		e |= cd_buf_puts(b, "'");
	for (const char *p = s; *p; p++)
		e |= *p == '"' ? cd_buf_puts(b, "\"\"") : cd_buf_add(b, p, 1);
	if (quote)
		e |= cd_buf_puts(b, "\"");
	return e ? -ENOBUFS : 0;
}

int cd_vrows_csv(const struct cd_vrows *r, struct cd_buf *out)
{
	int e = 0;
	for (size_t c = 0; c < r->v.ncol; c++) {
		char *h = *r->unit[c] ? cd_asprintf("%s (%s)", r->v.col[c].title, r->unit[c])
				      : cd_strdup(r->v.col[c].title);
		e |= (c ? cd_buf_puts(out, ",") : 0) | cd_csv_field(out, h);
		free(h);
	}
	e |= cd_buf_puts(out, "\r\n");
	for (size_t i = 0; i < r->n && !e; i++) {
		for (size_t c = 0; c < r->v.ncol; c++) {
			double v;
			const char *s = NULL;
			if (c)
				e |= cd_buf_puts(out, ",");
			if (cd_vrows_cell(r, i, c, &v, &s))
				e |= cd_buf_printf(out, "%.2f", fabs(v) < 0.005 ? 0.0 : v);   /* no -0.00 */
			else if (s)
				e |= cd_csv_field(out, s);
		}
		e |= cd_buf_puts(out, "\r\n");
	}
	return e ? -ENOBUFS : 0;
}
