/* compose.c - a report's PDF and CSV files from its sections' contents
 * (see compose.h). */
#include "report/compose.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "report/deliver.h"
#include "report/pdf.h"

#define HOUR_MS 3600000LL

static int fail(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

bool cd_rsection_is_table(const struct cd_rsection *s)
{
	return s->kind != CD_RS_CHART;
}

int cd_report_time3339(const struct cd_tz *tz, int64_t t, char *buf, size_t len)
{
	struct tm tm;
	int r = cd_tz_local(tz, t, &tm);
	if (r)
		return r;
	long off = tm.tm_gmtoff, a = off < 0 ? -off : off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		 a / 3600, a / 60 % 60);
	return 0;
}

int cd_report_file_name(const struct cd_report *r, const struct cd_tz *tz, int64_t end, long section,
			char *buf, size_t len)
{
	struct tm tm;
	int e = cd_tz_local(tz, end, &tm);
	if (e)
		return e;
	char stamp[32];
	snprintf(stamp, sizeof stamp, "%04d-%02d-%02d-%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (section < 0) {
		snprintf(buf, len, "%s-%s.pdf", r->name, stamp);
		return 0;
	}
	/* the section's slug cut to what is left: the name keeps its number
	 * and its ".csv" (a 64-byte report name and a 64-byte view's) */
	int head = snprintf(buf, len, "%s-%s-%ld-", r->name, stamp, section + 1);
	const char *slug = cd_rsection_slug(&r->sec[section]);
	int room = (int)len - head - 5;
	if (head < 0 || room < 1)
		return -ENAMETOOLONG;
	snprintf(buf + head, len - (size_t)head, "%.*s.csv", (int)strnlen(slug, (size_t)room), slug);
	return 0;
}

/* "3d 04h 12m", "5h 02m", "12m" */
static void duration_text(int64_t ms, char *buf, size_t len)
{
	int64_t m = ms / 60000, d = m / 1440, h = m / 60 % 24;
	m %= 60;
	if (d)
		snprintf(buf, len, "%lldd %02lldh %02lldm", (long long)d, (long long)h, (long long)m);
	else if (h)
		snprintf(buf, len, "%lldh %02lldm", (long long)h, (long long)m);
	else
		snprintf(buf, len, "%lldm", (long long)m);
}

/* the PDF's time: "2026-12-07 13:05 +01:00" */
static const char *when(const struct cd_tz *tz, int64_t t, char buf[CD_TZ_FMT_LEN])
{
	if (cd_tz_fmt(tz, t, buf, CD_TZ_FMT_LEN))
		snprintf(buf, CD_TZ_FMT_LEN, "?");
	return buf;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- CSV of the security tables ---- */

static int csv_row(struct cd_buf *b, const char *const *cells, size_t n)
{
	int e = 0;
	for (size_t i = 0; i < n; i++)
		e |= (i ? cd_buf_puts(b, ",") : 0) | cd_csv_field(b, cells[i] ? cells[i] : "");
	e |= cd_buf_puts(b, "\r\n");
	return e ? -ENOBUFS : 0;
}

/* ---- the sections ---- */

struct job {
	const struct cd_rcompose *in;
	struct cd_rdoc *doc;           /* NULL: no PDF */
	char *err;
	size_t errlen;
};

static const char *title_of(const struct cd_rsection *s, const char *dflt)
{
	return s->title ? s->title : dflt;
}

static int view_section(struct job *j, const struct cd_rsection *s, const struct cd_rsecdata *d,
			struct cd_buf *csv)
{
	const struct cd_view *v = d->view;
	const struct cd_vrows *rows = d->rows;
	if (csv) {
		int r = cd_vrows_csv(rows, csv);
		if (r)
			return fail(j->err, j->errlen, -E2BIG, "section %s: its CSV is over %u MiB",
				    s->view, CD_RFILE_CSV_MAX >> 20);
	}
	if (!j->doc)
		return 0;
	size_t nc = v->ncol < CD_RDOC_COLUMNS_MAX ? v->ncol : CD_RDOC_COLUMNS_MAX;
	char *head[CD_RDOC_COLUMNS_MAX];
	bool right[CD_RDOC_COLUMNS_MAX];
	for (size_t c = 0; c < nc; c++) {
		const char *u = cd_vrows_unit(rows, c), *t = v->col[c].title;
		size_t tl = strlen(t), ul = strlen(u);
		bool said = ul && tl >= ul && !strcmp(t + tl - ul, u);    /* "Used %" */
		head[c] = *u && !said ? cd_asprintf("%s (%s)", t, u) : cd_strdup(t);
		right[c] = v->col[c].prop == CD_VP_NONE;
	}
	struct cd_rtable *t;
	int r = cd_rdoc_table(j->doc, title_of(s, v->title), nc, (const char *const *)head, right, &t);
	for (size_t c = 0; c < nc; c++)
		free(head[c]);
	if (r)
		return fail(j->err, j->errlen, r, "section %s: its table", s->view);
	size_t n = cd_vrows_count(rows), shown = s->limit && s->limit < n ? s->limit : n;
	if (shown > CD_RDOC_ROWS_MAX)
		shown = CD_RDOC_ROWS_MAX;
	char cell[CD_RDOC_COLUMNS_MAX][32];
	const char *row[CD_RDOC_COLUMNS_MAX];
	for (size_t i = 0; i < shown; i++) {
		for (size_t c = 0; c < nc; c++) {
			double x;
			const char *txt = NULL;
			if (cd_vrows_cell(rows, i, c, &x, &txt)) {
				snprintf(cell[c], sizeof cell[c], "%.1f", fabs(x) < 0.05 ? 0.0 : x);
				row[c] = cell[c];
			} else {
				row[c] = txt ? txt : "-";
			}
		}
		if ((r = cd_rtable_row(t, row)))
			return fail(j->err, j->errlen, r, "section %s: its rows", s->view);
	}
	char note[512];
	static const char *const kinds[][2] = { { "VM", "VMs" }, { "host", "hosts" },
						{ "datastore", "datastores" } };
	const char *one = kinds[v->kind][0], *many = kinds[v->kind][1];
	if (n == 0)
		snprintf(note, sizeof note, "No %s with samples in this range.", one);
	else if (shown < n)
		snprintf(note, sizeof note, "The first %zu of %zu %s, at a %s step; the CSV has "
			 "them all.", shown, n, many, cd_vrows_tier(rows));
	else
		snprintf(note, sizeof note, "%zu %s, figures over the range at a %s step.", n,
			 n == 1 ? one : many, cd_vrows_tier(rows));
	if (v->ncol > nc)
		snprintf(note + strlen(note), sizeof note - strlen(note), " The view's last %zu columns "
			 "are in the CSV only.", v->ncol - nc);
	return cd_rdoc_note(j->doc, note);
}

/* "VMs", "hosts", "datastores" */
static const char *kinds_said(const char *kind)
{
	return !strcmp(kind, "vm") ? "VMs" : !strcmp(kind, "host") ? "hosts" : "datastores";
}

/* A chart's unit and the size of one, from its metric and largest value. */
static void chart_unit(const struct cd_metric *m, double max, char unit[16], double *scale)
{
	const char *mu = m->unit;
	*scale = 1;
	unit[0] = 0;
	if (!strcmp(mu, "bytes") || !strcmp(mu, "bytes_per_second")) {
		snprintf(unit, 16, "%s%s", cd_bunit_for(CD_BU_AUTO, max, scale),
			 strcmp(mu, "bytes") ? "/s" : "");
	} else if (!strcmp(mu, "ratio")) {
		*scale = 0.01;
		snprintf(unit, 16, "%%");
	} else if (!strcmp(mu, "seconds")) {
		*scale = 0.001;
		snprintf(unit, 16, "ms");
	} else if (!strcmp(mu, "ops_per_second")) {
		snprintf(unit, 16, "req/s");
	}
}

static int chart_section(struct job *j, const struct cd_rsection *s, const struct cd_rsecdata *d)
{
	if (!j->doc)
		return 0;
	const struct cd_rcompose *in = j->in;
	double max = 0;
	for (size_t k = 0; k < d->nseries; k++)
		for (size_t i = 0; i < d->series[k].n; i++)
			if (isfinite(d->series[k].p[i].v) && fabs(d->series[k].p[i].v) > max)
				max = fabs(d->series[k].p[i].v);
	char unit[16], dflt[200];
	double scale;
	chart_unit(s->metric, max, unit, &scale);
	if (s->nobjects)
		snprintf(dflt, sizeof dflt, "%s", s->metric->name);
	else
		snprintf(dflt, sizeof dflt, "%s, top %zu %s", s->metric->name, s->top,
			 kinds_said(s->metric->kind));
	struct cd_rchart *ch;
	int r = cd_rdoc_chart(j->doc, title_of(s, dflt), unit, in->begin, in->end, d->step, in->tz, &ch);
	if (r)
		return fail(j->err, j->errlen, r, "a chart of %s", s->metric->name);
	for (size_t k = 0; k < d->nseries && r == 0; k++) {
		const struct cd_rseries *x = &d->series[k];
		int64_t *t = cd_malloc((x->n ? x->n : 1) * sizeof *t);
		double *v = cd_malloc((x->n ? x->n : 1) * sizeof *v);
		for (size_t i = 0; i < x->n; i++) {
			t[i] = x->p[i].t;
			v[i] = x->p[i].v / scale;
		}
		r = cd_rchart_line(ch, x->name, t, v, x->n);
		free(t);
		free(v);
	}
	if (r)
		return fail(j->err, j->errlen, r, "a chart of %s: its lines", s->metric->name);
	char note[300];
	char who[80] = "";
	if (!s->nobjects)
		snprintf(who, sizeof who, " of the %zu %s with the highest average", s->top,
			 kinds_said(s->metric->kind));
	snprintf(note, sizeof note, "%s%s, the %s of each %s step%s.", s->metric->name, who,
		 s->rollup == CD_AGG_MAX ? "highest" : "average",
		 d->step >= HOUR_MS ? "1-hour" : d->step >= 300000 ? "5-minute" : "1-minute",
		 d->nseries ? "" : "; no object has samples in this range");
	return cd_rdoc_note(j->doc, note);
}

/* A security table: the PDF's and the CSV's rows side by side. */
struct stable {
	struct cd_rtable *t;
	struct cd_buf *csv;
	int e;
};

static void stable_row(struct stable *st, const char *const *pdf, const char *const *csv, size_t n)
{
	if (st->e)
		return;
	if (st->t)
		st->e = cd_rtable_row(st->t, pdf);
	if (!st->e && st->csv)
		st->e = csv_row(st->csv, csv, n);
}

static int stable_open(struct job *j, struct stable *st, const char *title, const char *const *head,
		       const char *const *csv_head, const bool *right, size_t n, struct cd_buf *csv)
{
	memset(st, 0, sizeof *st);
	st->csv = csv;
	if (csv && csv_row(csv, csv_head, n))
		return -E2BIG;
	if (j->doc)
		return cd_rdoc_table(j->doc, title, n, head, right, &st->t);
	return 0;
}

static int detections_section(struct job *j, const struct cd_rsection *s, const struct cd_rsecdata *d,
			      struct cd_buf *csv)
{
	static const char *const head[] = { "Time", "Workload", "Signature", "File", "Action",
					    "Remediated" };
	static const bool right[] = { false, false, false, false, false, false };
	struct stable st;
	int r = stable_open(j, &st, title_of(s, "Detections"), head, head, right, 6, csv);
	if (r)
		return fail(j->err, j->errlen, r, "the detections' table");
	struct cd_map wls;
	cd_map_init(&wls);
	for (size_t i = 0; i < d->ndet; i++) {
		const struct cd_rdetection *x = &d->det[i];
		char t[CD_TZ_FMT_LEN], t3[40];
		when(j->in->tz, x->time, t);
		if (cd_report_time3339(j->in->tz, x->time, t3, sizeof t3))
			t3[0] = 0;
		const char *rem = x->remediated ? "yes" : "no";
		const char *p[] = { t, or_dash(x->workload), or_dash(x->signature), or_dash(x->file),
				    or_dash(x->action), rem };
		const char *c[] = { t3, x->workload, x->signature, x->file, x->action, rem };
		stable_row(&st, p, c, 6);
		if (x->workload)
			cd_map_put(&wls, x->workload, 0, NULL);
	}
	size_t nw = wls.n;
	cd_map_free(&wls);
	if (st.e)
		return fail(j->err, j->errlen, -E2BIG, "the detections' table is over its limits");
	if (!j->doc)
		return 0;
	char note[256];
	if (!d->ndet)
		snprintf(note, sizeof note, "No detection in this range.");
	else
		snprintf(note, sizeof note, "%zu detection%s on %zu workload%s%s.", d->ndet,
			 d->ndet == 1 ? "" : "s", nw, nw == 1 ? "" : "s",
			 d->truncated ? " (the first ones: the table is cut there)" : "");
	return cd_rdoc_note(j->doc, note);
}

static int quarantines_section(struct job *j, const struct cd_rsection *s,
			       const struct cd_rsecdata *d, struct cd_buf *csv)
{
	static const char *const head[] = { "Workload", "Since", "Released", "Duration",
					    "Released by" };
	static const char *const chead[] = { "Workload", "Since", "Released", "Still quarantined",
					     "Duration (h)", "Why", "Released by" };
	static const bool right[] = { false, false, false, true, false };
	struct stable st;
	int r = stable_open(j, &st, title_of(s, "Quarantines"), head, chead, right, 5, NULL);
	st.csv = csv;
	if (r == 0 && csv && csv_row(csv, chead, 7))
		r = -E2BIG;
	if (r)
		return fail(j->err, j->errlen, r, "the quarantines' table");
	size_t still = 0;
	int64_t longest = 0;
	for (size_t i = 0; i < d->nquar && !st.e; i++) {
		const struct cd_rquarantine *q = &d->quar[i];
		int64_t until = q->released ? q->released : j->in->end;
		int64_t dur = until > q->since ? until - q->since : 0;
		longest = dur > longest ? dur : longest;
		still += !q->released;
		char since[CD_TZ_FMT_LEN], rel[CD_TZ_FMT_LEN], s3[40], r3[40], dt[48], hours[32];
		when(j->in->tz, q->since, since);
		if (q->released)
			when(j->in->tz, q->released, rel);
		else
			snprintf(rel, sizeof rel, "still");
		duration_text(dur, dt, sizeof dt);
		snprintf(hours, sizeof hours, "%.2f", (double)dur / HOUR_MS);
		if (cd_report_time3339(j->in->tz, q->since, s3, sizeof s3))
			s3[0] = 0;
		if (!q->released || cd_report_time3339(j->in->tz, q->released, r3, sizeof r3))
			r3[0] = 0;
		const char *p[] = { q->workload, since, rel, dt, or_dash(q->released_by) };
		if (st.t && (st.e = cd_rtable_row(st.t, p)))
			break;
		const char *c[] = { q->workload, s3, r3, q->released ? "no" : "yes", hours, q->why,
				    q->released_by };
		if (csv)
			st.e = csv_row(csv, c, 7);
	}
	if (st.e)
		return fail(j->err, j->errlen, -E2BIG, "the quarantines' table is over its limits");
	if (!j->doc)
		return 0;
	char note[300], lt[48];
	duration_text(longest, lt, sizeof lt);
	if (!d->nquar)
		snprintf(note, sizeof note, "No workload was quarantined in this range.");
	else
		snprintf(note, sizeof note, "%zu quarantine%s, %zu still at the range's end; the "
			 "longest %s. A duration runs from the quarantine's start (before the range, "
			 "when it began earlier) to its release, or to the range's end; the CSV says "
			 "why each began.", d->nquar,
			 d->nquar == 1 ? "" : "s", still, lt);
	return cd_rdoc_note(j->doc, note);
}

static int unmatched_section(struct job *j, const struct cd_rsection *s, const struct cd_rsecdata *d,
			     struct cd_buf *csv)
{
	static const char *const head[] = { "Rule", "Name", "Category", "Action", "Mode" };
	static const bool right[] = { true, false, false, false, false };
	struct stable st;
	int r = stable_open(j, &st, title_of(s, "Rules that matched no flow"), head, head, right, 5,
			    csv);
	if (r)
		return fail(j->err, j->errlen, r, "the rules' table");
	for (size_t i = 0; i < d->nrules; i++) {
		const struct cd_rrule *x = &d->rules[i];
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		const char *mode = x->staged ? "staged" : "enforced";
		const char *p[] = { id, or_dash(x->name), or_dash(x->category), or_dash(x->action), mode };
		const char *c[] = { id, x->name, x->category, x->action, mode };
		stable_row(&st, p, c, 5);
	}
	if (st.e)
		return fail(j->err, j->errlen, -E2BIG, "the rules' table is over its limits");
	if (!j->doc)
		return 0;
	char note[600];
	if (!d->rules_total)
		snprintf(note, sizeof note, "The policy has no enabled rule.");
	else
		snprintf(note, sizeof note, "%zu of the %zu enabled rules of policy revision %lld "
			 "matched no flow in this range, as the agents' flow records show it: a rule "
			 "counts as matched when a record names it as the rule that decided, or as the "
			 "staged rule that would have; flows no agent recorded (a host without an agent, "
			 "records past their retention) are not seen.", d->nrules, d->rules_total,
			 (long long)d->policy_rev);
	return cd_rdoc_note(j->doc, note);
}

static int section(struct job *j, size_t i, struct cd_buf *csv)
{
	const struct cd_rsection *s = &j->in->rep->sec[i];
	const struct cd_rsecdata *d = &j->in->data[i];
	if (d->missing) {
		if (csv && csv_row(csv, (const char *const[]){ d->missing }, 1))
			return -E2BIG;
		return j->doc ? cd_rdoc_note(j->doc, d->missing) : 0;
	}
	switch (s->kind) {
	case CD_RS_VIEW: return view_section(j, s, d, csv);
	case CD_RS_CHART: return chart_section(j, s, d);
	case CD_RS_DETECTIONS: return detections_section(j, s, d, csv);
	case CD_RS_QUARANTINES: return quarantines_section(j, s, d, csv);
	case CD_RS_UNMATCHED: return unmatched_section(j, s, d, csv);
	}
	return 0;
}

void cd_rfiles_free(struct cd_rfiles *f)
{
	free(f->pdf_name);
	cd_buf_free(&f->pdf);
	for (size_t i = 0; i < f->ncsv; i++) {
		free(f->csv[i].name);
		cd_buf_free(&f->csv[i].data);
	}
	memset(f, 0, sizeof *f);
}

int cd_report_compose(const struct cd_rcompose *in, unsigned what, long only, struct cd_rfiles *out,
		      char *err, size_t errlen)
{
	const struct cd_report *rep = in->rep;
	memset(out, 0, sizeof *out);
	cd_buf_init(&out->pdf, CD_RFILE_PDF_MAX);
	if (errlen)
		*err = 0;
	if (only >= (long)rep->nsec || (only >= 0 && !cd_rsection_is_table(&rep->sec[only])))
		return fail(err, errlen, -EINVAL, "section %ld is not a table of the report's (its %zu "
			    "sections count from 0)", only, rep->nsec);
	struct job j = { .in = in, .err = err, .errlen = errlen };
	char fb[CD_TZ_FMT_LEN], fe[CD_TZ_FMT_LEN], name[CD_DELIVER_NAME_MAX + 1];
	int r = 0;
	if (what & CD_RMAKE_PDF) {
		char *sub = cd_asprintf("%s to %s, times in %s", when(in->tz, in->begin, fb),
					when(in->tz, in->end, fe), cd_tz_name(in->tz));
		r = cd_rdoc_new(rep->title, sub, in->generated, in->tz, &j.doc);
		free(sub);
		if (r)
			return fail(err, errlen, r, "the document: %s", strerror(-r));
	}
	for (size_t i = 0; i < rep->nsec && r == 0; i++) {
		bool table = cd_rsection_is_table(&rep->sec[i]);
		bool want_csv = table && (only >= 0 ? (size_t)only == i : (what & CD_RMAKE_CSV) != 0);
		struct cd_rcsv *c = want_csv ? &out->csv[out->ncsv++] : NULL;
		if (c) {
			c->section = i;
			cd_buf_init(&c->data, CD_RFILE_CSV_MAX);
			cd_report_file_name(rep, in->tz, in->end, (long)i, name, sizeof name);
			c->name = cd_strdup(name);
		}
		if (!j.doc && !c)
			continue;
		r = section(&j, i, c ? &c->data : NULL);
		if (r && !*err)
			fail(err, errlen, r, "section %zu: %s", i, strerror(-r));
	}
	if (r == 0 && j.doc) {
		r = cd_rdoc_pdf(j.doc, &out->pdf);
		if (r)
			fail(err, errlen, r, "the PDF: %s", r == -ENOENT ? "the DejaVu fonts are missing "
			     "(fonts-dejavu-core)" : strerror(-r));
		cd_report_file_name(rep, in->tz, in->end, -1, name, sizeof name);
		out->pdf_name = cd_strdup(name);
	}
	cd_rdoc_free(j.doc);
	if (r)
		cd_rfiles_free(out);
	return r;
}
