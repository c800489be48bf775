/* reports_run.c - a report's files delivered, its runs recorded, and the
 * scheduler.
 *
 * The scheduler is a thread of its own (a report's PDF and its delivery
 * take seconds, an SMTP server up to its timeout: not the main loop's
 * tick).  Every 5 seconds, when this manager holds the "reports" lease
 * (one manager of several on PostgreSQL), it reads the saved reports; one
 * with a schedule and a destination is due when a fire time of its
 * schedule, in its zone, after both its last run's fire and the time it
 * was saved, has come.  Of several due (a manager that was down), only
 * the latest is made, and only when it is younger than the report's
 * range; the others are skipped.  A fire is claimed by storing its run
 * (report_runs' UNIQUE(name, fire)): whichever manager stores it first
 * makes it, once.  It is made over its range before fire
 * (cd_report_span: the duration, or the calendar period), delivered to
 * each destination with up to 3 tries (10 s, then 60 s apart), and
 * recorded: its row (outcome, files and their sizes, each destination's
 * outcome) and an event, "report" or "report-failed".  Secrets (a
 * token, a password) are read from their files by the delivery, at run
 * time; nothing said of a run holds them, nor a webhook's URL past its
 * host (such URLs often carry a token). */
#include "manager/reports_priv.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/deliver.h"

#define KIND "report"
#define TICK_S 5
#define TIMEOUT_S 30                   /* a delivery's */
#define SCHEDULED_TRIES 3
#define RUNS_KEPT 1000                 /* a report's runs kept in the store */
#define STALE_US (3600LL * 1000000)    /* a run "running" this long: its manager stopped */

struct cd_mgr_reporting {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int64_t next_sweep;            /* us: when to mark runs left running */
};

/* ---- delivery ---- */

void cd_mgr_rdest_said(const struct cd_rdest *d, char *buf, size_t len)
{
	if (d->kind == CD_RD_DIRECTORY) {
		snprintf(buf, len, "directory %s", d->target);
		return;
	}
	const char *p = strstr(d->target, "://");
	p = p ? p + 3 : d->target;
	int n = (int)strcspn(p, "/?#");
	snprintf(buf, len, "%s %.*s%.*s", d->kind == CD_RD_WEBHOOK ? "webhook" : "smtp",
		 (int)(p - d->target), d->target, n, p);
}

/* sleep s seconds, or less when *stop turns true: whether it did */
static bool nap(int s, const bool *stop)
{
	for (int i = 0; i < s * 10; i++) {
		if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED))
			return true;
		usleep(100000);
	}
	return stop && __atomic_load_n(stop, __ATOMIC_RELAXED);
}

static int deliver_one(const struct cd_mgr_rjob *j, const struct cd_rdest *d, const struct cd_rfile *f,
		       size_t n, char *err, size_t errlen)
{
	const struct cd_report *r = &j->rep;
	if (d->kind == CD_RD_DIRECTORY)
		return cd_deliver_dir(d->target, f, n, err, errlen);
	if (d->kind == CD_RD_WEBHOOK) {
		struct cd_webhook w = { .url = d->target, .token_file = d->token_file,
					.ca_file = d->ca_file, .timeout_s = TIMEOUT_S };
		struct cd_rmeta meta = { .report = r->name, .begin_ms = j->begin, .end_ms = j->end,
					 .tz = j->tz };
		return cd_deliver_webhook(&w, &meta, f, n, err, errlen);
	}
	char b[CD_TZ_FMT_LEN], e[CD_TZ_FMT_LEN];
	if (cd_tz_fmt(j->tz, j->begin, b, sizeof b) || cd_tz_fmt(j->tz, j->end, e, sizeof e))
		return -EINVAL;
	char *subject = d->subject ? cd_strdup(d->subject) : cd_asprintf("%s: %s to %s", r->title, b, e);
	struct cd_buf text;
	cd_buf_init(&text, 64u << 10);
	cd_buf_printf(&text, "The report %s (%s), from %s to %s, times in %s.\r\n\r\nAttached:\r\n",
		      r->name, r->title, b, e, r->timezone);
	for (size_t i = 0; i < n; i++)
		cd_buf_printf(&text, "  %s (%zu bytes)\r\n", f[i].name, f[i].len);
	cd_buf_puts(&text, "\r\n-- \r\ncordon's reports (cordon reports; docs/monitoring.md)\r\n");
	struct cd_smtp s = { .url = d->target, .from = d->from, .to = (const char *const *)d->to,
			     .nto = d->nto, .subject = subject, .text = text.data,
			     .require_tls = d->starttls, .user = d->user,
			     .password_file = d->password_file, .ca_file = d->ca_file,
			     .timeout_s = TIMEOUT_S };
	int rc = cd_deliver_smtp(&s, f, n, err, errlen);
	free(subject);
	cd_buf_free(&text);
	return rc;
}

json_t *cd_mgr_report_deliver(const struct cd_mgr_rjob *j, const struct cd_rfiles *f, int attempts,
			      const bool *stop, bool *ok)
{
	static const int waits[] = { 10, 60 };
	struct cd_rfile files[CD_REPORT_SECTIONS_MAX + 1];
	size_t n = 0;
	json_t *fl = json_array(), *dl = json_array();
	if (f->pdf_name)
		files[n++] = (struct cd_rfile){ f->pdf_name, "application/pdf", f->pdf.data, f->pdf.len };
	for (size_t i = 0; i < f->ncsv; i++)
		files[n++] = (struct cd_rfile){ f->csv[i].name, "text/csv; charset=utf-8",
						f->csv[i].data.data ? f->csv[i].data.data : "",
						f->csv[i].data.len };
	for (size_t i = 0; i < n; i++)
		json_array_append_new(fl, json_pack("{s:s, s:s, s:I}", "name", files[i].name, "type",
						    files[i].type, "bytes", (json_int_t)files[i].len));
	*ok = true;
	for (size_t d = 0; d < j->rep.ndest; d++) {
		char said[300], err[1024] = "";
		cd_mgr_rdest_said(&j->rep.dest[d], said, sizeof said);
		int r = -EIO, tries = 0;
		if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
			/* the manager stops: the destinations left are said, not tried
			 * (their timeouts would outlast systemd's stop) */
			snprintf(err, sizeof err, "not tried: the manager was stopping");
			attempts = 0;
		}
		while (tries < attempts) {
			r = deliver_one(j, &j->rep.dest[d], files, n, err, sizeof err);
			tries++;
			if (r == 0 || r == -EINVAL || tries == attempts)
				break;       /* (what the definition gives is not tried again) */
			if (nap(waits[tries - 1 < 1 ? tries - 1 : 1], stop))
				break;
		}
		json_t *o = json_pack("{s:s, s:s, s:i}", "destination", said, "outcome",
				      r == 0 ? "ok" : "failed", "attempts", tries);
		if (r)
			json_object_set_new(o, "error", json_string(err));
		json_array_append_new(dl, o);
		*ok &= r == 0;
	}
	return json_pack("{s:s, s:o, s:o}", "outcome", *ok ? "ok" : "failed", "files", fl,
			 "deliveries", dl);
}

/* ---- runs recorded ---- */

/* The run's event and row's end, in one transaction (under the lock). */
static int record(struct cd_mgr *m, const struct cd_mgr_rjob *j, int64_t id, bool claimed,
		  const char *trigger, int64_t fire, int64_t started, const struct cd_actor *a,
		  const json_t *summary, const char *err, int64_t *out_id)
{
	const struct cd_report *r = &j->rep;
	json_t *d = summary ? json_deep_copy(summary) : json_pack("{s:s}", "outcome", "failed");
	if (err && *err)
		json_object_set_new(d, "error", json_string(err));
	const char *outcome = json_string_value(json_object_get(d, "outcome"));
	bool ok = outcome && !strcmp(outcome, "ok");
	char *detail = json_dumps(d, JSON_COMPACT);
	int64_t now = cd_mgr_now();
	int e = cd_mgr_begin_n(m, 0);
	if (e == 0 && claimed) {
		e = cd_store_report_run_end(m->store, id, now, ok ? "ok" : "failed", detail);
	} else if (e == 0) {
		struct cd_report_run run = { .name = r->name, .fire = fire, .trigger = trigger,
					     .begin_ms = j->begin, .end_ms = j->end, .started = started,
					     .finished = now, .outcome = ok ? "ok" : "failed",
					     .actor = a ? a->name : NULL, .detail = detail };
		e = cd_store_report_run_add(m->store, &run, &id);
	}
	if (e == 0)
		e = cd_store_report_runs_prune(m->store, r->name, RUNS_KEPT);
	char b[CD_TZ_FMT_LEN] = "?", en[CD_TZ_FMT_LEN] = "?";
	cd_tz_fmt(j->tz, j->begin, b, sizeof b);
	cd_tz_fmt(j->tz, j->end, en, sizeof en);
	json_t *files = json_object_get(d, "files"), *dl = json_object_get(d, "deliveries"), *x;
	size_t i, nok = 0, bytes = 0;
	json_array_foreach(dl, i, x)
		nok += !strcmp(json_string_value(json_object_get(x, "outcome")), "ok");
	json_array_foreach(files, i, x)
		bytes += (size_t)json_integer_value(json_object_get(x, "bytes"));
	json_t *data = json_pack("{s:s, s:I, s:s, s:I, s:I, s:O}", "report", r->name, "run",
				 (json_int_t)id, "trigger", trigger, "begin", (json_int_t)j->begin,
				 "end", (json_int_t)j->end, "result", d);
	if (e == 0 && ok)
		e = cd_mgr_event(m, "report", NULL, NULL, a, data, "report %s (%s run %lld) made "
				 "from %s to %s: %zu files, %zu bytes, delivered to %zu of %zu "
				 "destinations", r->name, trigger, (long long)id, b, en,
				 json_array_size(files), bytes, nok, json_array_size(dl));
	else if (e == 0)
		e = cd_mgr_event(m, "report-failed", NULL, NULL, a, data, "report %s (%s run %lld) "
				 "from %s to %s FAILED: %s%s%zu of %zu destinations took it",
				 r->name, trigger, (long long)id, b, en, err && *err ? err : "",
				 err && *err ? "; " : "", nok, json_array_size(dl));
	else
		json_decref(data);
	e = cd_mgr_finish(m, e);
	free(detail);
	json_decref(d);
	if (e == 0 && out_id)
		*out_id = id;
	return e;
}

int cd_mgr_report_record(struct cd_mgr *m, const struct cd_mgr_rjob *j, int64_t started,
			 const struct cd_actor *a, const json_t *summary, const char *err,
			 int64_t *id)
{
	return record(m, j, 0, false, "api", 0, started, a, summary, err, id);
}

static int run_row(void *ctx, const struct cd_report_run *r)
{
	json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:I, s:s}", "id", (json_int_t)r->id, "trigger",
			      r->trigger, "begin", (json_int_t)r->begin_ms, "end",
			      (json_int_t)r->end_ms, "started", (json_int_t)r->started, "outcome",
			      r->outcome);
	if (r->fire)
		json_object_set_new(o, "fire", json_integer(r->fire));
	if (r->finished)
		json_object_set_new(o, "finished", json_integer(r->finished));
	if (r->actor)
		json_object_set_new(o, "actor", json_string(r->actor));
	json_t *d = r->detail ? json_loads(r->detail, 0, NULL) : NULL;
	static const char *const keys[] = { "files", "deliveries", "error" };
	for (size_t i = 0; i < CD_ARRAY_LEN(keys); i++)
		if (json_object_get(d, keys[i]))
			json_object_set(o, keys[i], json_object_get(d, keys[i]));
	json_decref(d);
	json_array_append_new(ctx, o);
	return 0;
}

json_t *cd_mgr_report_runs(struct cd_mgr *m, const char *name, int64_t limit)
{
	json_t *a = json_array();
	if (cd_store_report_runs(m->store, name, limit, run_row, a) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* ---- the scheduler ---- */

/* The latest fire of c in tz after `after` and at most now: 0, or -ENOENT
 * when none has come.  Looked for in windows growing back from now, so
 * that a schedule of every minute is not walked over months. */
static int latest_fire(const struct cd_cron *c, const struct cd_tz *tz, int64_t after, int64_t now,
		       int64_t *out)
{
	static const int64_t win[] = { 60000LL, 3600000LL, 86400000LL, 32 * 86400000LL,
				       400 * 86400000LL };
	int64_t f;
	if (cd_cron_next(c, tz, after, &f) || f > now)
		return -ENOENT;
	*out = f;
	for (size_t i = 0; i < CD_ARRAY_LEN(win); i++) {
		int64_t from = now - win[i] > after ? now - win[i] : after, g;
		if (cd_cron_next(c, tz, from, &g) || g > now)
			continue;
		for (int k = 0; k < 4096; k++) {
			int64_t h;
			if (cd_cron_next(c, tz, g, &h) || h > now)
				break;
			g = h;
		}
		*out = g;
		break;
	}
	return 0;
}

struct saved { struct cd_report *r; int64_t *time; size_t n, cap, tcap; };

static int saved_row(void *p, const char *name, const struct cd_revision *rev)
{
	struct saved *s = p;
	struct cd_report v;
	char err[256];
	(void)name;
	if (!rev->doc || cd_report_parse(rev->doc, strlen(rev->doc), &v, err, sizeof err))
		return 0;
	if (!v.schedule || !v.ndest) {
		cd_report_free(&v);
		return 0;
	}
	size_t n = s->n;
	CD_PUSH(s->r, s->n, s->cap, v);
	CD_PUSH(s->time, n, s->tcap, rev->time);
	return 0;
}

/* Make and deliver r's run of fire, claimed first (the lock held on
 * entry and on return). */
static void run_fire(struct cd_mgr *m, struct cd_mgr_reporting *rp, struct cd_report *r, int64_t fire)
{
	static const struct cd_actor sched = { .name = "schedule", .origin = "cordond" };
	int64_t started = cd_mgr_now(), id = 0, begin = fire, end = fire;
	int span = cd_report_span(r, fire, &begin, &end);
	struct cd_report_run run = { .name = r->name, .fire = fire, .trigger = "schedule",
				     .begin_ms = begin, .end_ms = end,
				     .started = started, .outcome = "running", .actor = sched.name };
	int e = cd_mgr_begin_n(m, 0);
	if (e == 0)
		e = cd_store_report_run_add(m->store, &run, &id);
	if (cd_mgr_finish(m, e) < 0)
		return;          /* another manager's, or the store is away: the next tick */
	char err[1024] = "", name[CD_REPORT_NAME_MAX + 1];
	snprintf(name, sizeof name, "%s", r->name);
	struct cd_mgr_rjob *j = NULL;
	if (span) {        /* (claimed, so that it is said once) */
		snprintf(err, sizeof err, "no range before %lld in %s", (long long)fire, r->timezone);
		e = span;
	} else {
		e = cd_mgr_report_job(m, r, begin, end, &j, err, sizeof err);
	}
	if (e) {       /* (r was taken over, and is freed) */
		cd_mgr_logf(m, "report %s: %s", name, err);
		cd_mgr_begin_n(m, 0);
		cd_mgr_finish(m, cd_store_report_run_end(m->store, id, cd_mgr_now(), "failed", NULL));
		return;
	}
	cd_mgr_unlock(m);
	struct cd_rfiles f;
	json_t *sum = NULL;
	unsigned what = (j->rep.pdf ? CD_RMAKE_PDF : 0) | (j->rep.csv ? CD_RMAKE_CSV : 0);
	e = cd_mgr_report_make(j, cd_mgr_now() / 1000, what, -1, &f, err, sizeof err);
	if (e == 0) {
		bool ok;
		sum = cd_mgr_report_deliver(j, &f, SCHEDULED_TRIES, &rp->stop, &ok);
		cd_rfiles_free(&f);
	}
	cd_mgr_lock(m);
	if (record(m, j, id, true, "schedule", fire, started, &sched, sum, err, NULL) < 0)
		cd_mgr_logf(m, "report %s: its run could not be recorded: %s",
			    cd_mgr_rjob_report(j)->name, cd_mgr_store_error(m));
	json_decref(sum);
	cd_mgr_report_job_free(j);
}

static void tick(struct cd_mgr *m, struct cd_mgr_reporting *rp)
{
	cd_mgr_lock(m);
	int64_t now_us = cd_mgr_now(), now = now_us / 1000;
	if (cd_mgr_lease(m, "reports") <= 0) {
		cd_mgr_unlock(m);
		return;
	}
	if (now_us >= rp->next_sweep) {
		rp->next_sweep = now_us + 600 * 1000000LL;
		cd_mgr_begin_n(m, 0);
		cd_mgr_finish(m, cd_store_report_runs_interrupted(m->store, now_us - STALE_US) < 0 ? -EIO : 0);
	}
	struct saved s = { 0 };
	cd_store_named_each(m->store, KIND, saved_row, &s);
	for (size_t i = 0; i < s.n && !__atomic_load_n(&rp->stop, __ATOMIC_RELAXED); i++) {
		struct cd_report *r = &s.r[i];
		struct cd_tz *tz;
		int64_t last = 0, fire;
		if (cd_store_report_last_fire(m->store, r->name, &last) < 0 || cd_tz_open(r->timezone, &tz))
			continue;
		int64_t after = last > s.time[i] / 1000 ? last : s.time[i] / 1000;
		int e = latest_fire(&r->cron, tz, after, now, &fire);
		cd_tz_free(tz);
		if (e || now - fire > r->range_ms)
			continue;        /* none due; or one too old to be made late */
		run_fire(m, rp, r, fire);
	}
	for (size_t i = 0; i < s.n; i++)
		cd_report_free(&s.r[i]);
	free(s.r);
	free(s.time);
	cd_mgr_unlock(m);
}

static void *scheduler(void *arg)
{
	struct cd_mgr *m = arg;
	struct cd_mgr_reporting *rp = m->reporting;
	pthread_mutex_lock(&rp->mu);
	while (!rp->stop) {
		pthread_mutex_unlock(&rp->mu);
		tick(m, rp);
		pthread_mutex_lock(&rp->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += TICK_S;
		while (!rp->stop && pthread_cond_timedwait(&rp->cv, &rp->mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&rp->mu);
	return NULL;
}

int cd_mgr_reports_start(struct cd_mgr *m)
{
	if (m->reporting)
		return 0;
	struct cd_mgr_reporting *rp = cd_calloc(1, sizeof *rp);
	pthread_mutex_init(&rp->mu, NULL);
	pthread_cond_init(&rp->cv, NULL);
	m->reporting = rp;
	/* the thread takes no signal: cordond's main thread reads them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = pthread_create(&rp->th, NULL, scheduler, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		m->reporting = NULL;
		pthread_cond_destroy(&rp->cv);
		pthread_mutex_destroy(&rp->mu);
		free(rp);
		return -r;
	}
	return 0;
}

void cd_mgr_reports_stop(struct cd_mgr *m)
{
	struct cd_mgr_reporting *rp = m->reporting;
	if (!rp)
		return;
	pthread_mutex_lock(&rp->mu);
	__atomic_store_n(&rp->stop, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&rp->cv);
	pthread_mutex_unlock(&rp->mu);
	pthread_join(rp->th, NULL);
	m->reporting = NULL;
	pthread_cond_destroy(&rp->cv);
	pthread_mutex_destroy(&rp->mu);
	free(rp);
}
