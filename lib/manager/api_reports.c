/* api_reports.c - reports: saved, listed, removed, their revisions; a
 * report over a range as PDF or one section's CSV; a run delivered now;
 * the runs made.  Making one reads the metrics store and draws its PDF
 * without the manager's lock (the routes run unlocked). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "manager/api_priv.h"
#include "report/compose.h"
#include "report/report.h"

#define RUNS_LIMIT_DEFAULT 50
#define RUNS_LIMIT_MAX 1000

void cd_api_h_reports(struct ctx *c)
{
	json_t *l = cd_mgr_reports(c->m);
	if (!l)
		cd_api_store_failed(c, -EIO);
	else
		cd_api_reply(c, 200, l);
}

void cd_api_h_report_put(struct ctx *c)
{
	char err[512];
	int64_t rev = 0;
	if (!cd_api_body_json(c, "the report"))
		return;
	int r = cd_mgr_report_put(c->m, c->body, &c->actor, err, sizeof err, &rev);
	if (r == -EINVAL)
		cd_api_invalid(c, err);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:O, s:I}", "name", json_object_get(c->body, "name"),
					       "rev", (json_int_t)rev));
}

static bool report_of(struct ctx *c, struct cd_report *v, int64_t *rev)
{
	int r = cd_mgr_report_get(c->m, c->seg[0], v, rev);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no report named '%.64s'", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	return r == 0;
}

/* A webhook's URL may hold a token in its path or query: whole for an
 * admin (who saves reports), its scheme and host for the other roles. */
static void redact_webhooks(json_t *j)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(j, "deliver"), i, d) {
		const char *u = json_string_value(json_object_get(d, "webhook"));
		if (!u)
			continue;
		const char *h = strstr(u, "://");
		h = h ? h + 3 : u;
		json_object_set_new(d, "webhook", json_sprintf("%.*s%.*s/(only an admin reads the rest)",
							       (int)(h - u), u, (int)strcspn(h, "/?#"), h));
	}
}

void cd_api_h_report(struct ctx *c)
{
	struct cd_report v;
	int64_t rev;
	if (!report_of(c, &v, &rev))
		return;
	json_t *j = cd_report_json(&v);
	if (!c->actor.role || strcmp(c->actor.role, "admin"))
		redact_webhooks(j);
	json_object_set_new(j, "rev", json_integer(rev));
	cd_report_free(&v);
	cd_api_reply(c, 200, j);
}

void cd_api_h_report_rm(struct ctx *c)
{
	int r = cd_mgr_report_remove(c->m, c->seg[0], &c->actor);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no saved report named '%.64s'", c->seg[0]);
	else if (r == -EPERM)
		cd_api_error(c, 409, "name", "'%.64s' is a built-in report: save one of that name to "
			     "change it", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s}", "removed", c->seg[0]));
}

void cd_api_h_report_revisions(struct ctx *c)
{
	json_t *l = json_array();
	int r = cd_mgr_report_revisions(c->m, c->seg[0], cd_api_rev_row, l);
	if (r < 0) {
		json_decref(l);
		cd_api_store_failed(c, r);
	} else if (json_array_size(l) == 0) {
		json_decref(l);
		cd_api_error(c, 404, "name", "no saved report named '%.64s'", c->seg[0]);
	} else {
		cd_api_reply(c, 200, l);
	}
}

/* The report of the path over the request's range, as a job (under the
 * lock): false with the answer made. */
static bool job_of(struct ctx *c, struct cd_mgr_rjob **j, int64_t *section)
{
	struct cd_report v;
	int64_t rev, begin, end;
	char err[512];
	if (section && !cd_api_q_int(c, "section", 1, CD_REPORT_SECTIONS_MAX, section))
		return false;
	if (!report_of(c, &v, &rev))
		return false;
	if (section && (*section < 1 || (size_t)*section > v.nsec ||
			!cd_rsection_is_table(&v.sec[*section - 1]))) {
		cd_api_error(c, 400, "section", "section: the number (from 1) of one of the report's "
			     "%zu sections that is a table (a view, detections, quarantines, "
			     "unmatched_rules; a chart has no CSV)", v.nsec);
		cd_report_free(&v);
		return false;
	}
	if (!cd_api_q_range(c, v.range_ms, CD_REPORT_RANGE_MAX, &begin, &end)) {
		cd_report_free(&v);
		return false;
	}
	/* a calendar range of its own (previous_month): the period before end */
	if (v.calendar != CD_RCAL_NONE && !cd_api_q(c, "range") && !cd_api_q(c, "begin") &&
	    cd_report_span(&v, end, &begin, &end)) {
		cd_api_error(c, 400, "end", "no previous calendar period before end in %s", v.timezone);
		cd_report_free(&v);
		return false;
	}
	int r = cd_mgr_report_job(c->m, &v, begin, end, j, err, sizeof err);
	if (r)
		cd_api_error(c, 400, NULL, "%s", err);
	return r == 0;
}

static void file_reply(struct ctx *c, struct cd_buf *b, const char *type)
{
	size_t len = b->len;
	c->out->status = 200;
	c->out->blob = cd_blob_new(cd_buf_steal(b), len);
	c->out->content_type = type;
}

static void made_failed(struct ctx *c, int r, const char *err)
{
	if (r == -E2BIG)
		cd_api_error(c, 413, NULL, "%s", err);
	else
		cd_api_error(c, 500, NULL, "the report could not be made: %s", err);
}

/* The job's files made off the lock (what, only: cd_mgr_report_make's),
 * and the one asked for (a CSV section's, else the PDF) as the answer. */
static void make_reply(struct ctx *c, struct cd_mgr_rjob *j, int64_t generated, unsigned what,
		       long only)
{
	char err[1024];
	struct cd_rfiles f;
	cd_api_leave(c);
	int r = cd_mgr_report_make(j, generated, what, only, &f, err, sizeof err);
	cd_mgr_report_job_free(j);
	if (!cd_api_enter(c)) {
		if (r == 0)
			cd_rfiles_free(&f);
		return;
	}
	if (r) {
		made_failed(c, r, err);
		return;
	}
	if (only >= 0)
		file_reply(c, &f.csv[0].data, "text/csv; charset=utf-8; header=present");
	else
		file_reply(c, &f.pdf, "application/pdf");
	cd_rfiles_free(&f);
}

void cd_api_h_report_pdf(struct ctx *c)
{
	struct cd_mgr_rjob *j;
	int64_t generated = cd_mgr_now() / 1000;
	if (cd_api_q_time(c, "generated", &generated) && job_of(c, &j, NULL))
		make_reply(c, j, generated, CD_RMAKE_PDF, -1);
}

void cd_api_h_report_csv(struct ctx *c)
{
	struct cd_mgr_rjob *j;
	int64_t section = 0;
	if (job_of(c, &j, &section))
		make_reply(c, j, 0, 0, (long)section - 1);
}

void cd_api_h_report_run(struct ctx *c)
{
	struct cd_mgr_rjob *j;
	if (!job_of(c, &j, NULL))
		return;
	const struct cd_report *rep = cd_mgr_rjob_report(j);
	if (!rep->ndest) {
		cd_api_error(c, 409, "name", "report %s has no destination: save it with \"deliver\" "
			     "(a directory, a webhook, SMTP)", rep->name);
		cd_mgr_report_job_free(j);
		return;
	}
	int64_t started = cd_mgr_now(), id = 0;
	char err[1024] = "";
	struct cd_rfiles f;
	json_t *sum = NULL;
	unsigned what = (rep->pdf ? CD_RMAKE_PDF : 0) | (rep->csv ? CD_RMAKE_CSV : 0);
	cd_api_leave(c);
	int r = cd_mgr_report_make(j, started / 1000, what, -1, &f, err, sizeof err);
	if (r == 0) {
		bool ok;
		sum = cd_mgr_report_deliver(j, &f, 1, NULL, &ok);
		cd_rfiles_free(&f);
	}
	if (!cd_api_enter(c)) {
		json_decref(sum);
		cd_mgr_report_job_free(j);
		return;
	}
	r = cd_mgr_report_record(c->m, j, started, &c->actor, sum, err, &id);
	cd_mgr_report_job_free(j);
	if (r < 0) {
		json_decref(sum);
		cd_api_store_failed(c, r);
		return;
	}
	json_t *o = sum ? sum : json_pack("{s:s}", "outcome", "failed");
	if (*err)
		json_object_set_new(o, "error", json_string(err));
	json_object_set_new(o, "run", json_integer(id));
	cd_api_reply(c, 200, o);
}

void cd_api_h_report_runs(struct ctx *c)
{
	int64_t limit = RUNS_LIMIT_DEFAULT;
	struct cd_report v;
	int64_t rev;
	if (!cd_api_q_int(c, "limit", 1, RUNS_LIMIT_MAX, &limit) || !report_of(c, &v, &rev))
		return;
	cd_report_free(&v);
	json_t *l = cd_mgr_report_runs(c->m, c->seg[0], limit);
	if (!l)
		cd_api_store_failed(c, -EIO);
	else
		cd_api_reply(c, 200, l);
}
