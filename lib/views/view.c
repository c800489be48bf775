/* view.c - a list view: its words, its JSON both ways (see view.h). */
#include "views/view.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/jfield.h"
#include "base/units.h"
#include "base/util.h"
#include "policy/sel.h"

#define DEFAULT_RANGE_MS (86400000LL)          /* a day */
#define MAX_RANGE_MS (730LL * 86400000LL)      /* the 1-hour tier's two years */

static const char *const kind_names[] = { "vm", "host", "datastore" };
static const char *const prop_names[] = { "", "name", "host", "source", "os", "tags" };
static const char *const xform_names[] = { "current", "avg", "min", "max", "p95", "sum",
					   "days_left" };
static const char *const unit_names[] = { "auto", "GB", "GiB", "TB", "TiB", "%", "ms", "s",
					  "" };

const char *cd_vkind_name(enum cd_vkind k) { return kind_names[k]; }
const char *cd_vprop_name(enum cd_vprop p) { return prop_names[p]; }
const char *cd_vxform_name(enum cd_vxform x) { return xform_names[x]; }
const char *cd_vunit_name(enum cd_vunit u) { return unit_names[u]; }

/* s among names[0..n) (exactly): its index, or -1 */
static int word(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (*names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

int cd_vkind_parse(const char *s, enum cd_vkind *k)
{
	int i = word(s, kind_names, CD_ARRAY_LEN(kind_names));
	if (i < 0)
		return -EINVAL;
	*k = (enum cd_vkind)i;
	return 0;
}

/* The units a metric's values may be shown in: auto always. */
static bool unit_fits(const struct cd_metric *m, enum cd_vxform x, enum cd_vunit u)
{
	if (u == CD_VU_AUTO)
		return true;
	if (x == CD_VX_DAYS_LEFT)
		return false;
	const char *mu = m->unit;
	if (!strcmp(mu, "bytes") || !strcmp(mu, "bytes_per_second"))
		return u >= CD_VU_GB && u <= CD_VU_TIB;
	if (!strcmp(mu, "ratio"))
		return u == CD_VU_PERCENT;
	if (!strcmp(mu, "seconds"))
		return u == CD_VU_MS || u == CD_VU_S;
	return false;
}

static const char *units_for(const struct cd_metric *m, enum cd_vxform x)
{
	if (x == CD_VX_DAYS_LEFT)
		return "auto (days)";
	if (!strcmp(m->unit, "bytes") || !strcmp(m->unit, "bytes_per_second"))
		return "auto, GB, GiB, TB, TiB";
	if (!strcmp(m->unit, "ratio"))
		return "auto, %";
	if (!strcmp(m->unit, "seconds"))
		return "auto, ms, s";
	return "auto";
}

static int column_of(const json_t *c, size_t i, enum cd_vkind kind, struct cd_vcolumn *out,
		     char *err, size_t errlen)
{
	static const char *const keys[] = { "title", "property", "metric", "transform", "unit",
					    NULL };
	char where[40];
	snprintf(where, sizeof where, "columns[%zu].", i);
	if (!json_is_object(c))
		return cd_jerr(err, errlen, "columns[%zu]: not an object", i);
	int r = cd_jkeys(c, where, keys, err, errlen);
	const char *title, *prop, *metric, *xform, *unit;
	if (r || (r = cd_jstring(c, "title", where, CD_VIEW_TEXT_MAX, false, &title, err, errlen)) ||
	    (r = cd_jstring(c, "property", where, 16, false, &prop, err, errlen)) ||
	    (r = cd_jstring(c, "metric", where, 128, false, &metric, err, errlen)) ||
	    (r = cd_jstring(c, "transform", where, 16, false, &xform, err, errlen)) ||
	    (r = cd_jstring(c, "unit", where, 8, false, &unit, err, errlen)))
		return r;
	memset(out, 0, sizeof *out);
	out->xform = CD_VX_CURRENT;
	if (xform) {
		int x = word(xform, xform_names, CD_ARRAY_LEN(xform_names));
		if (x < 0)
			return cd_jerr(err, errlen, "%stransform: \"%s\" is not one of current, avg, min, "
				   "max, p95, sum, days_left", where, xform);
		out->xform = (enum cd_vxform)x;
	}
	if (out->xform == CD_VX_DAYS_LEFT) {
		if (kind != CD_VK_DATASTORE)
			return cd_jerr(err, errlen, "%stransform: days_left is a datastore's (this view "
				   "lists %ss)", where, kind_names[kind]);
		if (!metric)
			metric = "datastore_used_bytes";
		else if (strcmp(metric, "datastore_used_bytes") && strcmp(metric, "datastore_used_ratio"))
			return cd_jerr(err, errlen, "%smetric: days_left projects datastore_used_bytes "
				   "(or datastore_used_ratio), not %s", where, metric);
	}
	if (!prop == !metric)
		return cd_jerr(err, errlen, "columns[%zu]: give a property or a metric (one of them)", i);
	if (prop) {
		int p = word(prop, prop_names, CD_ARRAY_LEN(prop_names));
		if (p < 0)
			return cd_jerr(err, errlen, "%sproperty: \"%s\" is not one of name, host, source, "
				   "os, tags", where, prop);
		if (xform || unit)
			return cd_jerr(err, errlen, "columns[%zu]: a property takes no transform or unit",
				   i);
		out->prop = (enum cd_vprop)p;
	} else {
		out->metric = cd_catalog_find(metric);
		if (!out->metric)
			return cd_jerr(err, errlen, "%smetric: \"%.128s\" is not in the catalog (GET "
				   "/api/v1/metrics/catalog)", where, metric);
		if (strcmp(out->metric->kind, kind_names[kind]))
			return cd_jerr(err, errlen, "%smetric: %s is a %s's, this view lists %ss", where,
				   metric, out->metric->kind, kind_names[kind]);
		size_t ul = strlen(out->metric->unit);
		if (out->xform == CD_VX_SUM && (ul < 11 || strcmp(out->metric->unit + ul - 11, "_per_second")))
			return cd_jerr(err, errlen, "%stransform: sum adds up a rate (bytes or requests a "
				   "second) over the range; %s is in %s", where, metric, out->metric->unit);
		if (!strcmp(out->metric->unit, "state") && out->xform != CD_VX_CURRENT)
			return cd_jerr(err, errlen, "%stransform: %s is a code, read as current only",
				   where, metric);
	}
	if (unit) {
		int u = word(unit, unit_names, CD_ARRAY_LEN(unit_names));
		if (u < 0)
			return cd_jerr(err, errlen, "%sunit: \"%s\" is not one of auto, GB, GiB, TB, "
				   "TiB, %%, ms, s", where, unit);
		out->unit = (enum cd_vunit)u;
		if (!unit_fits(out->metric, out->xform, out->unit))
			return cd_jerr(err, errlen, "%sunit: %s does not fit %s (%s: %s)", where, unit,
				   out->xform == CD_VX_DAYS_LEFT ? "days_left" : out->metric->name,
				   out->xform == CD_VX_DAYS_LEFT ? "days" : out->metric->unit,
				   units_for(out->metric, out->xform));
	}
	if (title)
		out->title = cd_strdup(title);
	else if (prop)
		out->title = cd_strdup(prop);
	else
		out->title = cd_asprintf("%s %s", out->metric->name, xform_names[out->xform]);
	return 0;
}

static int sort_of(const json_t *s, struct cd_view *v, char *err, size_t errlen)
{
	static const char *const keys[] = { "column", "order", NULL };
	if (!json_is_object(s))
		return cd_jerr(err, errlen, "sort: not an object ({\"column\": N or TITLE, \"order\": "
			   "\"asc\" or \"desc\"})");
	int r = cd_jkeys(s, "sort.", keys, err, errlen);
	if (r)
		return r;
	json_t *c = json_object_get(s, "column");
	if (json_is_integer(c)) {
		json_int_t i = json_integer_value(c);
		if (i < 0 || (size_t)i >= v->ncol)
			return cd_jerr(err, errlen, "sort.column: %lld is not a column (0 to %zu)",
				   (long long)i, v->ncol - 1);
		v->sort = (size_t)i;
	} else if (json_is_string(c)) {
		size_t i = 0;
		while (i < v->ncol && strcmp(v->col[i].title, json_string_value(c)))
			i++;
		if (i == v->ncol)
			return cd_jerr(err, errlen, "sort.column: no column is titled \"%.64s\"",
				   json_string_value(c));
		v->sort = i;
	} else if (c) {
		return cd_jerr(err, errlen, "sort.column: a column's number (from 0) or title");
	}
	const char *o;
	if ((r = cd_jstring(s, "order", "sort.", 4, false, &o, err, errlen)))
		return r;
	if (o && strcmp(o, "asc") && strcmp(o, "desc"))
		return cd_jerr(err, errlen, "sort.order: \"%s\" is not asc or desc", o);
	v->descending = o && !strcmp(o, "desc");
	return 0;
}

int cd_view_from_json(const json_t *j, struct cd_view *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "title", "kind", "filter", "range", "columns",
					    "sort", "builtin", NULL };
	if (!json_is_object(j))
		return cd_jerr(err, errlen, "the view: not a JSON object");
	int r = cd_jkeys(j, "", keys, err, errlen);
	const char *name, *title, *kind, *filter, *range;
	if (r || (r = cd_jstring(j, "name", "", CD_VIEW_NAME_MAX, true, &name, err, errlen)) ||
	    (r = cd_jstring(j, "title", "", CD_VIEW_TEXT_MAX, false, &title, err, errlen)) ||
	    (r = cd_jstring(j, "kind", "", 16, true, &kind, err, errlen)) ||
	    (r = cd_jstring(j, "filter", "", CD_VIEW_FILTER_MAX, false, &filter, err, errlen)) ||
	    (r = cd_jstring(j, "range", "", 16, false, &range, err, errlen)))
		return r;
	if (!cd_jname_ok(name, CD_VIEW_NAME_MAX))
		return cd_jerr(err, errlen, "name: \"%s\" is not a-z, 0-9, '-', '_', '.' (starting with "
			   "a letter or digit)", name);
	struct cd_view v = { .range_ms = DEFAULT_RANGE_MS };
	if (cd_vkind_parse(kind, &v.kind))
		return cd_jerr(err, errlen, "kind: \"%s\" is not vm, host or datastore", kind);
	if (range && (cd_duration_parse(range, &v.range_ms) || v.range_ms > MAX_RANGE_MS))
		return cd_jerr(err, errlen, "range: \"%s\" is not a duration up to 730d (5m, 24h, 7d, "
			   "2w)", range);
	if (filter && *filter) {
		struct cd_diags d;
		struct cd_sel *sel = NULL;
		cd_diags_init(&d);
		r = cd_sel_parse(filter, (struct cd_loc){ "filter", 1, 1 }, &sel, &d);
		if (r)
			cd_jerr(err, errlen, "filter:%d:%d: %s", d.n ? d.v[0].loc.line : 1,
			    d.n ? d.v[0].loc.col : 1, d.n ? d.v[0].msg : "not a selector");
		cd_sel_free(sel);
		cd_diags_free(&d);
		if (r)
			return -EINVAL;
	}
	json_t *cols = json_object_get(j, "columns"), *c;
	if (!json_is_array(cols) || json_array_size(cols) == 0 ||
	    json_array_size(cols) > CD_VIEW_MAX_COLUMNS)
		return cd_jerr(err, errlen, "columns: an array of 1 to %d columns", CD_VIEW_MAX_COLUMNS);
	size_t i;
	json_array_foreach(cols, i, c) {
		if ((r = column_of(c, i, v.kind, &v.col[i], err, errlen))) {
			cd_view_free(&v);
			return r;
		}
		v.ncol++;
	}
	json_t *s = json_object_get(j, "sort");
	if (s && (r = sort_of(s, &v, err, errlen))) {
		cd_view_free(&v);
		return r;
	}
	v.name = cd_strdup(name);
	v.title = cd_strdup(title ? title : name);
	v.filter = cd_strdup(filter ? filter : "");
	*out = v;
	return 0;
}

int cd_view_parse(const char *text, size_t len, struct cd_view *out, char *err, size_t errlen)
{
	json_error_t je;
	if (len > CD_VIEW_DOC_MAX)
		return cd_jerr(err, errlen, "the view: %zu bytes (at most %u)", len, CD_VIEW_DOC_MAX);
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return cd_jerr(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
	int r = cd_view_from_json(j, out, err, errlen);
	json_decref(j);
	return r;
}

/* A duration as the shortest word that says it ("30d", "36h", "90m"). */
static void duration_fmt(int64_t ms, char buf[24])
{
	static const struct { char c; int64_t ms; } u[] = {
		{ 'w', 604800000 }, { 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(u); i++)
		if (ms % u[i].ms == 0 && (u[i].c != 'w' || ms / u[i].ms <= 100000)) {
			snprintf(buf, 24, "%lld%c", (long long)(ms / u[i].ms), u[i].c);
			return;
		}
	snprintf(buf, 24, "%llds", (long long)(ms / 1000));
}

json_t *cd_view_json(const struct cd_view *v)
{
	char range[24];
	duration_fmt(v->range_ms, range);
	json_t *cols = json_array();
	for (size_t i = 0; i < v->ncol; i++) {
		const struct cd_vcolumn *c = &v->col[i];
		json_t *o = json_pack("{s:s}", "title", c->title);
		if (c->prop != CD_VP_NONE) {
			json_object_set_new(o, "property", json_string(prop_names[c->prop]));
		} else {
			json_object_set_new(o, "metric", json_string(c->metric->name));
			json_object_set_new(o, "transform", json_string(xform_names[c->xform]));
			json_object_set_new(o, "unit", json_string(unit_names[c->unit]));
		}
		json_array_append_new(cols, o);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:{s:I, s:s}, s:b}", "name", v->name,
			 "title", v->title, "kind", kind_names[v->kind], "filter", v->filter,
			 "range", range, "columns", cols, "sort", "column", (json_int_t)v->sort,
			 "order", v->descending ? "desc" : "asc", "builtin", v->builtin);
}

void cd_view_free(struct cd_view *v)
{
	free(v->name);
	free(v->title);
	free(v->filter);
	for (size_t i = 0; i < v->ncol; i++)
		free(v->col[i].title);
	memset(v, 0, sizeof *v);
}

int cd_view_copy(const struct cd_view *v, struct cd_view *out)
{
	*out = *v;
	out->name = cd_strdup(v->name);
	out->title = cd_strdup(v->title);
	out->filter = cd_strdup(v->filter);
	for (size_t i = 0; i < v->ncol; i++)
		out->col[i].title = cd_strdup(v->col[i].title);
	return 0;
}
