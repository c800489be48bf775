/* report.c - a report's definition: its JSON both ways (see report.h). */
#include "report/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jfield.h"
#include "base/tz.h"
#include "base/units.h"
#include "base/util.h"

#define DEFAULT_RANGE_MS (7 * 86400000LL)
#define DEFAULT_TOP 10

static const char *const sec_names[] = { "view", "chart", "detections", "quarantines",
					 "unmatched_rules" };
static const char *const dest_names[] = { "directory", "webhook", "smtp" };

const char *cd_rsec_kind_name(enum cd_rsec_kind k)
{
	return sec_names[k];
}

static int path_of(const json_t *o, const char *key, const char *where, bool required,
		   const char **out, char *err, size_t errlen)
{
	int r = cd_jstring(o, key, where, CD_REPORT_PATH_MAX, required, out, err, errlen);
	if (r == 0 && *out && **out != '/')
		return cd_jerr(err, errlen, "%s%s: \"%.64s\" is not an absolute path", where, key, *out);
	return r;
}

/* url: one of the schemes given, a host after them, no user or password
 * in it (a password goes in a file) */
static int url_of(const json_t *o, const char *key, const char *where, const char *const *schemes,
		  const char **out, char *err, size_t errlen)
{
	int r = cd_jstring(o, key, where, CD_REPORT_URL_MAX, true, out, err, errlen);
	if (r)
		return r;
	const char *u = *out, *rest = NULL;
	for (size_t i = 0; schemes[i] && !rest; i++)
		if (!strncmp(u, schemes[i], strlen(schemes[i])))
			rest = u + strlen(schemes[i]);
	if (!rest)
		return cd_jerr(err, errlen, "%s%s: \"%.64s\" does not start with %s or %s", where, key, u,
			   schemes[0], schemes[1]);
	size_t host = strcspn(rest, "/?#");
	if (host == 0)
		return cd_jerr(err, errlen, "%s%s: \"%.64s\" names no host", where, key, u);
	if (memchr(rest, '@', host) || strchr(u, ' '))
		return cd_jerr(err, errlen, "%s%s: no user or password in the URL (give user and "
			   "password_file)", where, key);
	return 0;
}

static int chart_of(const json_t *c, const char *where, struct cd_rsection *s, char *err,
		    size_t errlen)
{
	static const char *const keys[] = { "title", "kind", "metric", "objects", "rollup", NULL };
	if (!json_is_object(c))
		return cd_jerr(err, errlen, "%.40s: not an object", where);
	char w[64];
	snprintf(w, sizeof w, "%s.", where);
	const char *title, *kind, *metric, *rollup;
	int r = cd_jkeys(c, w, keys, err, errlen);
	if (r || (r = cd_jstring(c, "title", w, CD_REPORT_TEXT_MAX, false, &title, err, errlen)) ||
	    (r = cd_jstring(c, "kind", w, 16, false, &kind, err, errlen)) ||
	    (r = cd_jstring(c, "metric", w, 128, true, &metric, err, errlen)) ||
	    (r = cd_jstring(c, "rollup", w, 8, false, &rollup, err, errlen)))
		return r;
	s->metric = cd_catalog_find(metric);
	if (!s->metric)
		return cd_jerr(err, errlen, "%smetric: \"%.128s\" is not in the catalog (GET "
			   "/api/v1/metrics/catalog)", w, metric);
	if (!strcmp(s->metric->unit, "state"))
		return cd_jerr(err, errlen, "%smetric: %s is a code, not a figure to chart", w, metric);
	cd_vkind_parse(s->metric->kind, &s->ckind);
	if (kind && strcmp(kind, s->metric->kind))
		return cd_jerr(err, errlen, "%skind: %s is a %s's metric, not a %.16s's", w, metric,
			   s->metric->kind, kind);
	s->rollup = CD_AGG_AVG;
	if (rollup && !strcmp(rollup, "max"))
		s->rollup = CD_AGG_MAX;
	else if (rollup && strcmp(rollup, "avg"))
		return cd_jerr(err, errlen, "%srollup: \"%s\" is not avg or max", w, rollup);
	json_t *o = json_object_get(c, "objects"), *v;
	s->top = DEFAULT_TOP;
	if (json_is_array(o)) {
		size_t i, n = json_array_size(o);
		if (n == 0 || n > CD_REPORT_OBJECTS_MAX)
			return cd_jerr(err, errlen, "%sobjects: 1 to %d names, or {\"top\": N}", w,
				   CD_REPORT_OBJECTS_MAX);
		json_array_foreach(o, i, v) {
			size_t len = json_string_length(v);
			if (!json_is_string(v) || len == 0 || len > 256 ||
			    strlen(json_string_value(v)) != len)
				return cd_jerr(err, errlen, "%sobjects[%zu]: an object's name (1 to 256 bytes)",
					   w, i);
		}
		json_array_foreach(o, i, v)
			s->objects[s->nobjects++] = cd_strdup(json_string_value(v));
	} else if (json_is_object(o)) {
		static const char *const tk[] = { "top", NULL };
		char w2[80];
		snprintf(w2, sizeof w2, "%sobjects.", w);
		if ((r = cd_jkeys(o, w2, tk, err, errlen)))
			return r;
		json_t *t = json_object_get(o, "top");
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > CD_REPORT_OBJECTS_MAX)
			return cd_jerr(err, errlen, "%sobjects.top: a number from 1 to %d", w,
				   CD_REPORT_OBJECTS_MAX);
		s->top = (size_t)json_integer_value(t);
	} else if (o) {
		return cd_jerr(err, errlen, "%sobjects: 1 to %d names, or {\"top\": N}", w,
			   CD_REPORT_OBJECTS_MAX);
	}
	if (title)
		s->title = cd_strdup(title);
	return 0;
}

static int section_of(const json_t *j, size_t i, struct cd_rsection *s, char *err, size_t errlen)
{
	char where[40];
	snprintf(where, sizeof where, "sections[%zu]", i);
	if (!json_is_object(j))
		return cd_jerr(err, errlen, "%s: not an object", where);
	memset(s, 0, sizeof *s);
	int kind = -1;
	for (size_t k = 0; k < CD_ARRAY_LEN(sec_names); k++)
		if (json_object_get(j, sec_names[k])) {
			if (kind >= 0)
				return cd_jerr(err, errlen, "%s: %s or %s, not both", where, sec_names[kind],
					   sec_names[k]);
			kind = (int)k;
		}
	if (kind < 0)
		return cd_jerr(err, errlen, "%s: one of view, chart, detections, quarantines, "
			   "unmatched_rules", where);
	s->kind = (enum cd_rsec_kind)kind;
	char w[48];
	snprintf(w, sizeof w, "%s.", where);
	const char *title, *view;
	int r;
	if (s->kind == CD_RS_VIEW) {
		static const char *const keys[] = { "view", "title", "limit", NULL };
		if ((r = cd_jkeys(j, w, keys, err, errlen)) ||
		    (r = cd_jstring(j, "view", w, CD_VIEW_NAME_MAX, true, &view, err, errlen)) ||
		    (r = cd_jstring(j, "title", w, CD_REPORT_TEXT_MAX, false, &title, err, errlen)))
			return r;
		json_t *l = json_object_get(j, "limit");
		if (l && (!json_is_integer(l) || json_integer_value(l) < 1 ||
			  json_integer_value(l) > CD_REPORT_ROWS_MAX))
			return cd_jerr(err, errlen, "%slimit: a number of rows from 1 to %d", w,
				   CD_REPORT_ROWS_MAX);
		s->limit = l ? (size_t)json_integer_value(l) : 0;
		s->view = cd_strdup(view);
		s->title = title ? cd_strdup(title) : NULL;
		return 0;
	}
	static const char *const one[] = { "view", "chart", "detections", "quarantines",
					   "unmatched_rules", NULL };
	if ((r = cd_jkeys(j, w, one, err, errlen)))
		return r;
	snprintf(w, sizeof w, "%s.%s", where, sec_names[kind]);
	json_t *body = json_object_get(j, sec_names[kind]);
	if (s->kind == CD_RS_CHART)
		return chart_of(body, w, s, err, errlen);
	static const char *const keys[] = { "title", NULL };
	char w2[56];
	snprintf(w2, sizeof w2, "%s.", w);
	if (!json_is_object(body))
		return cd_jerr(err, errlen, "%s: an object ({} or {\"title\": T})", w);
	if ((r = cd_jkeys(body, w2, keys, err, errlen)) ||
	    (r = cd_jstring(body, "title", w2, CD_REPORT_TEXT_MAX, false, &title, err, errlen)))
		return r;
	s->title = title ? cd_strdup(title) : NULL;
	return 0;
}

static void dest_free(struct cd_rdest *d)
{
	free(d->target);
	free(d->token_file);
	free(d->ca_file);
	free(d->from);
	cd_strv_free(d->to, d->nto);
	free(d->user);
	free(d->password_file);
	free(d->subject);
	memset(d, 0, sizeof *d);
}

static char *dup_or_null(const char *s)
{
	return s ? cd_strdup(s) : NULL;
}

static int dest_of(const json_t *j, size_t i, struct cd_rdest *d, char *err, size_t errlen)
{
	static const char *const dir_keys[] = { "directory", NULL };
	static const char *const hook_keys[] = { "webhook", "token_file", "ca_file", NULL };
	static const char *const smtp_keys[] = { "smtp", "from", "to", "starttls", "user",
						 "password_file", "ca_file", "subject", NULL };
	static const char *const http_schemes[] = { "http://", "https://", NULL };
	static const char *const smtp_schemes[] = { "smtp://", "smtps://", NULL };
	char w[40];
	snprintf(w, sizeof w, "deliver[%zu].", i);
	if (!json_is_object(j))
		return cd_jerr(err, errlen, "deliver[%zu]: not an object", i);
	memset(d, 0, sizeof *d);
	int kind = -1;
	for (size_t k = 0; k < CD_ARRAY_LEN(dest_names); k++)
		if (json_object_get(j, dest_names[k]))
			kind = kind < 0 ? (int)k : -2;
	if (kind < 0)
		return cd_jerr(err, errlen, "deliver[%zu]: one of directory, webhook or smtp", i);
	d->kind = (enum cd_rdest_kind)kind;
	const char *target, *token = NULL, *ca = NULL, *from, *user, *pw, *subject;
	int r;
	if (d->kind == CD_RD_DIRECTORY) {
		if ((r = cd_jkeys(j, w, dir_keys, err, errlen)) ||
		    (r = path_of(j, "directory", w, true, &target, err, errlen)))
			return r;
		d->target = cd_strdup(target);
		return 0;
	}
	if (d->kind == CD_RD_WEBHOOK) {
		if ((r = cd_jkeys(j, w, hook_keys, err, errlen)) ||
		    (r = url_of(j, "webhook", w, http_schemes, &target, err, errlen)) ||
		    (r = path_of(j, "token_file", w, false, &token, err, errlen)) ||
		    (r = path_of(j, "ca_file", w, false, &ca, err, errlen)))
			return r;
		if (token && strncmp(target, "https://", 8))
			return cd_jerr(err, errlen, "%stoken_file: a token goes over TLS only (an https:// "
				   "webhook)", w);
		d->target = cd_strdup(target);
		d->token_file = dup_or_null(token);
		d->ca_file = dup_or_null(ca);
		return 0;
	}
	if ((r = cd_jkeys(j, w, smtp_keys, err, errlen)) ||
	    (r = url_of(j, "smtp", w, smtp_schemes, &target, err, errlen)) ||
	    (r = cd_jstring(j, "from", w, CD_REPORT_ADDR_MAX, true, &from, err, errlen)) ||
	    (r = cd_jstring(j, "user", w, 256, false, &user, err, errlen)) ||
	    (r = path_of(j, "password_file", w, false, &pw, err, errlen)) ||
	    (r = path_of(j, "ca_file", w, false, &ca, err, errlen)) ||
	    (r = cd_jstring(j, "subject", w, CD_REPORT_TEXT_MAX, false, &subject, err, errlen)))
		return r;
	json_t *to = json_object_get(j, "to"), *t, *tls = json_object_get(j, "starttls");
	if (!json_is_array(to) || json_array_size(to) == 0 || json_array_size(to) > 50)
		return cd_jerr(err, errlen, "%sto: an array of 1 to 50 addresses", w);
	size_t k;
	json_array_foreach(to, k, t) {
		size_t n = json_string_length(t);
		if (!json_is_string(t) || n == 0 || n > CD_REPORT_ADDR_MAX ||
		    strcspn(json_string_value(t), "\r\n") != n)
			return cd_jerr(err, errlen, "%sto[%zu]: an address (1 to %d bytes, one line)", w, k,
				   CD_REPORT_ADDR_MAX);
	}
	if (strcspn(from, "\r\n") != strlen(from))
		return cd_jerr(err, errlen, "%sfrom: one line", w);
	if (tls && !json_is_boolean(tls))
		return cd_jerr(err, errlen, "%sstarttls: true or false", w);
	d->starttls = json_is_true(tls);
	if (!pw != !user)
		return cd_jerr(err, errlen, "%s%s: goes with %s", w, pw ? "password_file" : "user",
			   pw ? "user" : "password_file");
	if (pw && !d->starttls && strncmp(target, "smtps://", 8))
		return cd_jerr(err, errlen, "%spassword_file: a password goes over TLS only (smtps://, or "
			   "\"starttls\": true)", w);
	d->target = cd_strdup(target);
	d->from = cd_strdup(from);
	d->to = cd_calloc(json_array_size(to), sizeof *d->to);
	json_array_foreach(to, k, t)
		d->to[d->nto++] = cd_strdup(json_string_value(t));
	d->user = dup_or_null(user);
	d->password_file = dup_or_null(pw);
	d->ca_file = dup_or_null(ca);
	d->subject = dup_or_null(subject);
	return 0;
}

static int formats_of(const json_t *f, struct cd_report *r, char *err, size_t errlen)
{
	r->pdf = r->csv = true;
	if (!f)
		return 0;
	if (!json_is_array(f) || json_array_size(f) == 0 || json_array_size(f) > 2)
		return cd_jerr(err, errlen, "formats: [\"pdf\"], [\"csv\"] or both");
	r->pdf = r->csv = false;
	size_t i;
	json_t *v;
	json_array_foreach(f, i, v) {
		const char *s = json_string_value(v);
		if (s && !strcmp(s, "pdf") && !r->pdf)
			r->pdf = true;
		else if (s && !strcmp(s, "csv") && !r->csv)
			r->csv = true;
		else
			return cd_jerr(err, errlen, "formats[%zu]: \"pdf\" or \"csv\", each once", i);
	}
	return 0;
}

int cd_report_from_json(const json_t *j, struct cd_report *out, char *err, size_t errlen)
{
	/* (builtin and rev: what GET /reports/NAME adds, so that its answer
	 * is pushed back as it is) */
	static const char *const keys[] = { "name", "title", "range", "timezone", "schedule",
					    "sections", "formats", "deliver", "builtin", "rev", NULL };
	if (!json_is_object(j))
		return cd_jerr(err, errlen, "the report: not a JSON object");
	const char *name, *title, *range, *zone, *sched;
	int r = cd_jkeys(j, "", keys, err, errlen);
	if (r || (r = cd_jstring(j, "name", "", CD_REPORT_NAME_MAX, true, &name, err, errlen)) ||
	    (r = cd_jstring(j, "title", "", CD_REPORT_TEXT_MAX, false, &title, err, errlen)) ||
	    (r = cd_jstring(j, "range", "", 16, false, &range, err, errlen)) ||
	    (r = cd_jstring(j, "timezone", "", CD_TZ_NAME_MAX, false, &zone, err, errlen)) ||
	    (r = cd_jstring(j, "schedule", "", CD_CRON_MAX, false, &sched, err, errlen)))
		return r;
	if (!cd_jname_ok(name, CD_REPORT_NAME_MAX))
		return cd_jerr(err, errlen, "name: \"%s\" is not a-z, 0-9, '-', '_', '.' (starting with "
			   "a letter or digit)", name);
	struct cd_report v = { .range_ms = DEFAULT_RANGE_MS };
	if (range && !strcmp(range, "previous_week"))
		v.calendar = CD_RCAL_WEEK, v.range_ms = 7 * 86400000LL;
	else if (range && !strcmp(range, "previous_month"))
		v.calendar = CD_RCAL_MONTH, v.range_ms = 31 * 86400000LL;
	else if (range && (cd_duration_parse(range, &v.range_ms) || v.range_ms > CD_REPORT_RANGE_MAX ||
			   v.range_ms < 60000))
		return cd_jerr(err, errlen, "range: \"%s\" is not a duration from 1m to 730d (24h, 7d, "
			   "30d, 2w), previous_week or previous_month", range);
	struct cd_tz *tz = NULL;
	if (zone && cd_tz_open(zone, &tz))
		return cd_jerr(err, errlen, "timezone: \"%s\" is not an IANA time zone (UTC, "
			   "Europe/Paris, America/New_York)", zone);
	cd_tz_free(tz);
	char cerr[200];
	if (sched && (r = cd_cron_parse(sched, &v.cron, cerr, sizeof cerr)))
		return cd_jerr(err, errlen, "schedule: %s", r == -E2BIG ? "too long" : cerr);
	json_t *f = json_object_get(j, "formats");
	if ((r = formats_of(f, &v, err, errlen)))
		return r;
	json_t *secs = json_object_get(j, "sections"), *s;
	if (!json_is_array(secs) || json_array_size(secs) == 0 ||
	    json_array_size(secs) > CD_REPORT_SECTIONS_MAX)
		return cd_jerr(err, errlen, "sections: an array of 1 to %d sections", CD_REPORT_SECTIONS_MAX);
	size_t i;
	json_array_foreach(secs, i, s) {
		if ((r = section_of(s, i, &v.sec[i], err, errlen))) {
			v.sec[i].title = NULL;      /* (section_of set nothing it owns on error) */
			cd_report_free(&v);
			return r;
		}
		v.nsec++;
	}
	json_t *ds = json_object_get(j, "deliver"), *d;
	if (ds && (!json_is_array(ds) || json_array_size(ds) > CD_REPORT_DEST_MAX)) {
		cd_report_free(&v);
		return cd_jerr(err, errlen, "deliver: an array of 0 to %d destinations", CD_REPORT_DEST_MAX);
	}
	json_array_foreach(ds, i, d) {
		if ((r = dest_of(d, i, &v.dest[i], err, errlen))) {
			dest_free(&v.dest[i]);
			cd_report_free(&v);
			return r;
		}
		v.ndest++;
	}
	v.name = cd_strdup(name);
	v.title = cd_strdup(title ? title : name);
	v.timezone = cd_strdup(zone ? zone : "UTC");
	v.schedule = dup_or_null(sched);
	*out = v;
	return 0;
}

int cd_report_parse(const char *text, size_t len, struct cd_report *out, char *err, size_t errlen)
{
	json_error_t je;
	if (len > CD_REPORT_DOC_MAX)
		return cd_jerr(err, errlen, "the report: %zu bytes (at most %u)", len, CD_REPORT_DOC_MAX);
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return cd_jerr(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
	int r = cd_report_from_json(j, out, err, errlen);
	json_decref(j);
	return r;
}

/* Local midnight of the civil date (y, m from 1, d) in tz. */
static int midnight(const struct cd_tz *tz, int64_t y, int m, int d, int64_t *t)
{
	struct tm tm = { .tm_year = (int)(y - 1900), .tm_mon = m - 1, .tm_mday = d };
	return cd_tz_mktime(tz, &tm, t, NULL);
}

int cd_report_span(const struct cd_report *r, int64_t at, int64_t *begin, int64_t *end)
{
	if (r->calendar == CD_RCAL_NONE) {
		*begin = at - r->range_ms;
		*end = at;
		return 0;
	}
	struct cd_tz *tz;
	struct tm tm;
	int e = cd_tz_open(r->timezone, &tz);
	if (e)
		return e;
	e = cd_tz_local(tz, at, &tm);
	int64_t y = e ? 0 : tm.tm_year + 1900;
	int m = e ? 0 : tm.tm_mon + 1, d = e ? 0 : tm.tm_mday;
	if (!e && r->calendar == CD_RCAL_MONTH) {
		/* the 1st of the month before this one, to the 1st of this one */
		e = midnight(tz, y, m, 1, end);
		if (!e)
			e = midnight(tz, m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1, 1, begin);
	} else if (!e) {
		/* the Monday before this week's, to this week's (ISO weeks) */
		int64_t monday = cd_days_from_civil(y, m, d) - (tm.tm_wday + 6) % 7;
		cd_civil_from_days(monday, &y, &m, &d);
		e = midnight(tz, y, m, d, end);
		cd_civil_from_days(monday - 7, &y, &m, &d);
		if (!e)
			e = midnight(tz, y, m, d, begin);
	}
	cd_tz_free(tz);
	return e;
}

/* A duration as the shortest word that says it ("30d", "36h", "90m"). */
static void duration_fmt(int64_t ms, char buf[24])
{
	static const struct { char c; int64_t ms; } u[] = {
		{ 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(u); i++)
		if (ms % u[i].ms == 0) {
			snprintf(buf, 24, "%lld%c", (long long)(ms / u[i].ms), u[i].c);
			return;
		}
	snprintf(buf, 24, "%llds", (long long)(ms / 1000));
}

static json_t *section_json(const struct cd_rsection *s)
{
	json_t *o;
	switch (s->kind) {
	case CD_RS_VIEW:
		o = json_pack("{s:s}", "view", s->view);
		if (s->title)
			json_object_set_new(o, "title", json_string(s->title));
		if (s->limit)
			json_object_set_new(o, "limit", json_integer((json_int_t)s->limit));
		return o;
	case CD_RS_CHART: {
		json_t *objs;
		if (s->nobjects) {
			objs = json_array();
			for (size_t i = 0; i < s->nobjects; i++)
				json_array_append_new(objs, json_string(s->objects[i]));
		} else {
			objs = json_pack("{s:I}", "top", (json_int_t)s->top);
		}
		json_t *c = json_pack("{s:s, s:s, s:o, s:s}", "kind", s->metric->kind, "metric",
				      s->metric->name, "objects", objs, "rollup",
				      s->rollup == CD_AGG_MAX ? "max" : "avg");
		if (s->title)
			json_object_set_new(c, "title", json_string(s->title));
		return json_pack("{s:o}", "chart", c);
	}
	default:
		o = json_object();
		if (s->title)
			json_object_set_new(o, "title", json_string(s->title));
		return json_pack("{s:o}", sec_names[s->kind], o);
	}
}

static json_t *dest_json(const struct cd_rdest *d)
{
	json_t *o = json_pack("{s:s}", dest_names[d->kind], d->target);
	if (d->token_file)
		json_object_set_new(o, "token_file", json_string(d->token_file));
	if (d->ca_file)
		json_object_set_new(o, "ca_file", json_string(d->ca_file));
	if (d->kind != CD_RD_SMTP)
		return o;
	json_t *to = json_array();
	for (size_t i = 0; i < d->nto; i++)
		json_array_append_new(to, json_string(d->to[i]));
	json_object_set_new(o, "from", json_string(d->from));
	json_object_set_new(o, "to", to);
	json_object_set_new(o, "starttls", json_boolean(d->starttls));
	if (d->user)
		json_object_set_new(o, "user", json_string(d->user));
	if (d->password_file)
		json_object_set_new(o, "password_file", json_string(d->password_file));
	if (d->subject)
		json_object_set_new(o, "subject", json_string(d->subject));
	return o;
}

json_t *cd_report_json(const struct cd_report *r)
{
	char range[24];
	if (r->calendar != CD_RCAL_NONE)
		snprintf(range, sizeof range, "%s", r->calendar == CD_RCAL_WEEK ? "previous_week"
										: "previous_month");
	else
		duration_fmt(r->range_ms, range);
	json_t *secs = json_array(), *dests = json_array(), *fmts = json_array();
	for (size_t i = 0; i < r->nsec; i++)
		json_array_append_new(secs, section_json(&r->sec[i]));
	for (size_t i = 0; i < r->ndest; i++)
		json_array_append_new(dests, dest_json(&r->dest[i]));
	if (r->pdf)
		json_array_append_new(fmts, json_string("pdf"));
	if (r->csv)
		json_array_append_new(fmts, json_string("csv"));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "name", r->name, "title",
			      r->title, "range", range, "timezone", r->timezone, "sections", secs,
			      "formats", fmts, "deliver", dests, "builtin", r->builtin);
	if (r->schedule)
		json_object_set_new(o, "schedule", json_string(r->schedule));
	return o;
}

void cd_report_free(struct cd_report *r)
{
	free(r->name);
	free(r->title);
	free(r->timezone);
	free(r->schedule);
	for (size_t i = 0; i < r->nsec; i++) {
		free(r->sec[i].title);
		free(r->sec[i].view);
		for (size_t k = 0; k < r->sec[i].nobjects; k++)
			free(r->sec[i].objects[k]);
	}
	for (size_t i = 0; i < r->ndest; i++)
		dest_free(&r->dest[i]);
	memset(r, 0, sizeof *r);
}

const char *cd_rsection_slug(const struct cd_rsection *s)
{
	switch (s->kind) {
	case CD_RS_VIEW: return s->view;
	case CD_RS_CHART: return "chart";
	case CD_RS_DETECTIONS: return "detections";
	case CD_RS_QUARANTINES: return "quarantines";
	case CD_RS_UNMATCHED: return "unmatched-rules";
	}
	return "section";
}

/* ---- the reports cordon ships (docs/monitoring.md "Reports") ---- */

static const char *const builtins[] = {
	"{\"name\": \"weekly-capacity\", \"title\": \"Weekly capacity\", \"range\": \"7d\","
	" \"schedule\": \"0 6 * * mon\", \"sections\": ["
	"  {\"view\": \"datastores-by-days-left\"},"
	"  {\"view\": \"hosts\", \"title\": \"Hosts' headroom\"},"
	"  {\"chart\": {\"title\": \"Hosts' CPU\", \"metric\": \"host_cpu_usage_ratio\","
	"   \"objects\": {\"top\": 10}, \"rollup\": \"avg\"}},"
	"  {\"chart\": {\"title\": \"Datastores' used space\", \"metric\": \"datastore_used_bytes\","
	"   \"objects\": {\"top\": 10}, \"rollup\": \"max\"}}]}",

	"{\"name\": \"monthly-security\", \"title\": \"Monthly security\", \"range\": \"previous_month\","
	" \"schedule\": \"0 6 1 * *\", \"sections\": ["
	"  {\"detections\": {}}, {\"quarantines\": {}}, {\"unmatched_rules\": {}}]}",
};

size_t cd_report_builtins(void)
{
	return CD_ARRAY_LEN(builtins);
}

int cd_report_builtin(size_t i, struct cd_report *out)
{
	if (i >= CD_ARRAY_LEN(builtins))
		return -ENOENT;
	char err[256];
	int r = cd_report_parse(builtins[i], strlen(builtins[i]), out, err, sizeof err);
	if (r)    /* the unit tests read every one */
		return r;
	out->builtin = true;
	return 0;
}

int cd_report_builtin_named(const char *name, struct cd_report *out)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(builtins); i++) {
		struct cd_report v;
		if (cd_report_builtin(i, &v))
			continue;
		if (!strcmp(v.name, name)) {
			*out = v;
			return 0;
		}
		cd_report_free(&v);
	}
	return -ENOENT;
}
