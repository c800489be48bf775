/* guard.c - the agent's scanning role (see guard.h). */
#define _GNU_SOURCE
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <time.h>
#include <unistd.h>

#include "scanjob.h"
#include "queue.h"
#include "vault.h"


/* Hand an event over (the lock held). */
static void emit(struct cd_guard *g, json_t *e)
{
	g->emit(g->ctx, e);
}

static int64_t load_num(const char *dir, const char *name)
{
	char *p = cd_asprintf("%s/%s", dir, name), *text = NULL;
	size_t len;
	int64_t v = 0;
	if (cd_read_file(p, 64, &text, &len) == 0)
		v = strtoll(text, NULL, 10);
	free(text);
	free(p);
	return v;
}

static void save_num(const char *dir, const char *name, int64_t v)
{
	char *p = cd_asprintf("%s/%s", dir, name), *tmp = cd_asprintf("%s.tmp", p);
	FILE *f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%lld\n", (long long)v);
		if (fclose(f) == 0)
			rename(tmp, p);
	}
	free(p);
	free(tmp);
}

static bool under(const struct cd_guard *g, const char *path)
{
	for (size_t i = 0; i < g->npaths; i++) {
		size_t n = strlen(g->paths[i]);
		while (n > 1 && g->paths[i][n - 1] == '/')
			n--;
		if (!strncmp(path, g->paths[i], n) && (path[n] == '/' || path[n] == 0))
			return true;
	}
	return false;
}

static bool is_excluded(const struct cd_guard *g, const char *path)
{
	for (size_t i = 0; i < g->nexclude; i++) {
		size_t n = strlen(g->exclude[i]);
		if (!strncmp(path, g->exclude[i], n) && (path[n] == '/' || path[n] == 0))
			return true;
	}
	return false;
}

/* Act on a finding (the lock held): the vault, delete, or report. */
static void found(struct cd_guard *g, const char *path, const struct cd_scan_result *r,
		  bool realtime, int64_t scan)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	char id[CD_VAULT_ID_MAX] = "", result[512];
	const char *action = g->action == CD_AM_QUARANTINE_FILE ? "quarantine_file"
			   : g->action == CD_AM_DELETE ? "delete" : "report";
	bool remediated = false;
	if (g->action == CD_AM_QUARANTINE_FILE) {
		char *vault = cd_asprintf("%s/vault", g->dir);
		remediated = cd_vault_put(vault, path, r->signature, id, &err) == 0;
		snprintf(result, sizeof(result), remediated ? "moved to the vault as %s" : "not moved: %s",
			 remediated ? id : err.data);
		free(vault);
	} else if (g->action == CD_AM_DELETE) {
		remediated = cd_vault_delete(path, &err) == 0;
		snprintf(result, sizeof(result), remediated ? "deleted" : "not deleted: %s", err.data);
	} else {
		snprintf(result, sizeof(result), "reported only");
	}
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I}", "file", path, "signature",
				 r->signature, "action", action, "result", result, "remediated", remediated,
				 "realtime", realtime, "size", (json_int_t)r->size);
	if (id[0])
		json_object_set_new(data, "vault_id", json_string(id));
	if (scan)
		json_object_set_new(data, "scan", json_integer(scan));
	emit(g, cd_event_make("detection", g->workload, data, "%s in %s on %s: %s", r->signature, path,
		      g->workload, result));
	cd_buf_free(&err);
}

/* ---- real time ---- */

static void *watch(void *arg)
{
	struct cd_guard *g = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	pid_t self = getpid();
	for (;;) {
		struct pollfd p[2] = { { g->fan, POLLIN, 0 }, { g->stop_fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		ssize_t n = read(g->fan, buf, sizeof(buf));
		if (n <= 0)
			continue;
		const struct fanotify_event_metadata *m = (const void *)buf;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->fd < 0)
				continue;
			char link[64], path[PATH_MAX];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
			ssize_t l = readlink(link, path, sizeof(path) - 1);
			path[l > 0 ? l : 0] = 0;
			pthread_mutex_lock(&g->lock);
			bool mine = m->pid == self || l <= 0 || !under(g, path) || is_excluded(g, path);
			pthread_mutex_unlock(&g->lock);
			if (!mine) {
				struct cd_scan_result r;
				cd_scan_fd(g->scanner, m->fd, path, &r);
				pthread_mutex_lock(&g->lock);
				if (r.verdict == CD_SCAN_INFECTED)
					found(g, path, &r, true, 0);
				else if (r.verdict == CD_SCAN_ERROR)
					emit(g, cd_event_make("scan-error", g->workload,
						      json_pack("{s:s, s:s}", "file", path, "why", r.why),
						      "%s could not be scanned: %s", path, r.why));
				pthread_mutex_unlock(&g->lock);
			}
			close(m->fd);
		}
	}
	return NULL;
}

/* ---- on demand ---- */

struct job_ctx {
	struct cd_guard *g;
	int64_t id;
	bool full;
};

static json_t *progress_json(const struct cd_scan_progress *p, int64_t id, bool full)
{
	return json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "scan", (json_int_t)id,
			 "full", full, "files_total", (json_int_t)p->files_total,
			 "bytes_total", (json_int_t)p->bytes_total, "files_done", (json_int_t)p->files_done,
			 "bytes_done", (json_int_t)p->bytes_done, "infected", (json_int_t)p->infected,
			 "errors", (json_int_t)p->errors, "skipped", (json_int_t)p->skipped,
			 "seconds", p->elapsed_s);
}

static void on_result(void *ctx, const char *path, const struct cd_scan_result *r)
{
	struct job_ctx *j = ctx;
	pthread_mutex_lock(&j->g->lock);
	if (r->verdict == CD_SCAN_INFECTED)
		found(j->g, path, r, false, j->id);
	else if (r->verdict == CD_SCAN_ERROR || r->verdict == CD_SCAN_SKIPPED)
		emit(j->g, cd_event_make(r->verdict == CD_SCAN_ERROR ? "scan-error" : "scan-skipped", j->g->workload,
				 json_pack("{s:s, s:s, s:I}", "file", path, "why", r->why, "scan", (json_int_t)j->id),
				 "%s %s: %s", path, r->verdict == CD_SCAN_ERROR ? "could not be scanned"
				 : "was not scanned", r->why));
	pthread_mutex_unlock(&j->g->lock);
}

static void on_progress(void *ctx, const struct cd_scan_progress *p)
{
	struct job_ctx *j = ctx;
	if (p->files_done == p->files_total)
		return;               /* the end is scan-finished */
	double rate = p->elapsed_s > 0 ? (double)p->bytes_done / p->elapsed_s : 0;
	pthread_mutex_lock(&j->g->lock);
	emit(j->g, cd_event_make("scan-progress", j->g->workload, progress_json(p, j->id, j->full),
			 "scan %lld of %s: %llu/%llu files, %.1f/%.1f MiB, %.1f MiB/s, %.0f s left",
			 (long long)j->id, j->g->workload, (unsigned long long)p->files_done,
			 (unsigned long long)p->files_total, (double)p->bytes_done / 1048576,
			 (double)p->bytes_total / 1048576, rate / 1048576,
			 rate > 0 ? (double)(p->bytes_total - p->bytes_done) / rate : 0));
	pthread_mutex_unlock(&j->g->lock);
}

static void *work(void *arg)
{
	struct cd_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	for (;;) {
		/* the next request; real time noted as on every minute */
		while (!g->nreq && !g->stopping) {
			if (time(NULL) >= g->watched + 60)
				save_num(g->dir, "watched-until", g->watched = time(NULL));
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 10;
			pthread_cond_timedwait(&g->wake, &g->lock, &t);
		}
		if (g->stopping)
			break;
		struct cd_guard_req q = g->req[0];
		memmove(g->req, g->req + 1, (g->nreq - 1) * sizeof(*g->req));
		g->nreq--;
		struct job_ctx jc = { g, q.id, q.full };
		int64_t started = time(NULL);
		struct cd_scanjob j = {
			.paths = (const char *const *)g->paths, .npaths = g->npaths,
			.exclude = (const char *const *)g->exclude, .nexclude = g->nexclude,
			.since = q.full ? 0 : q.since ? q.since : g->last_full,
			.on_result = on_result, .on_progress = on_progress, .progress_ms = 1000, .ctx = &jc,
			.stop = &g->cancel,
		};
		if (q.id == 0)
			emit(g, cd_event_make("scan-started", g->workload,
				      json_pack("{s:I, s:b, s:b, s:I}", "scan", (json_int_t)0, "full", false,
						"catch_up", true, "since", (json_int_t)j.since),
				      "catch-up quick scan of %s started: files changed since %lld, while "
				      "the agent was down", g->workload, (long long)j.since));
		else
			emit(g, cd_event_make("scan-started", g->workload,
				      json_pack("{s:I, s:b}", "scan", (json_int_t)q.id, "full", q.full),
				      "%s scan %lld of %s started", q.full ? "full" : "quick",
				      (long long)q.id, g->workload));
		pthread_mutex_unlock(&g->lock);
		struct cd_scan_progress p;
		int r = cd_scanjob_run(g->scanner, &j, &p);
		pthread_mutex_lock(&g->lock);
		if (r == -ECANCELED) {
			/* unfinished: never reported as finished (that could
			 * release a quarantine); the request is failed, and the
			 * operator or the schedule asks again */
			emit(g, cd_event_make("scan-failed", g->workload,
				      json_pack("{s:I, s:b, s:s}", "scan", (json_int_t)q.id, "full", q.full,
						"reason", "the agent stopped"),
				      "%s scan %lld of %s stopped after %llu of %llu files: the agent "
				      "is stopping", q.full ? "full" : "quick", (long long)q.id,
				      g->workload, (unsigned long long)p.files_done,
				      (unsigned long long)p.files_total));
			break;
		}
		if (q.full)
			save_num(g->dir, "last-full-scan", g->last_full = started);
		if (q.id > g->done_id)
			save_num(g->dir, "scans-done", g->done_id = q.id);
		emit(g, cd_event_make("scan-finished", g->workload, progress_json(&p, q.id, q.full),
			      "%s scan %lld of %s finished: %llu files, %.1f MiB in %.1f s, %llu infected, "
			      "%llu not scanned", q.full ? "full" : "quick", (long long)q.id, g->workload,
			      (unsigned long long)p.files_done, (double)p.bytes_done / 1048576, p.elapsed_s,
			      (unsigned long long)p.infected, (unsigned long long)(p.errors + p.skipped)));
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* ---- start, stop, settings ---- */

int cd_guard_start(struct cd_guard *g, const char *workload, char *const *paths,
		   size_t npaths, const char *db, const char *dir,
		   void (*emitfn)(void *ctx, json_t *event), void *ctx, struct cd_buf *err)
{
	memset(g, 0, sizeof(*g));
	g->fan = g->stop_fd = -1;
	g->workload = cd_strdup(workload);
	g->dir = cd_strdup(dir);
	g->emit = emitfn;
	g->ctx = ctx;
	g->action = CD_AM_QUARANTINE_FILE;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->paths = cd_calloc(npaths + 1, sizeof(char *));
	for (size_t i = 0; i < npaths; i++) {
		char *rp = realpath(paths[i], NULL);
		if (!rp) {
			cd_buf_printf(err, "--scan-path %s: %s", paths[i], strerror(errno));
			return -errno;
		}
		g->paths[g->npaths++] = rp;
	}
	g->done_id = load_num(dir, "scans-done");
	g->last_full = load_num(dir, "last-full-scan");
	int64_t until = load_num(dir, "watched-until");
	struct cd_scan_limits lim = CD_SCAN_LIMITS_DEFAULT;
	int r = cd_scanner_open(&g->scanner, db, &lim, err);
	if (r < 0)
		return r;
	g->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (g->fan < 0) {
		cd_buf_printf(err, "fanotify: %s (real-time scanning needs CAP_SYS_ADMIN)", strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < g->npaths; i++)
		if (fanotify_mark(g->fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_WRITE, AT_FDCWD,
				  g->paths[i]) < 0) {
			cd_buf_printf(err, "fanotify on %s: %s", g->paths[i], strerror(errno));
			return -errno;
		}
	g->stop_fd = eventfd(0, EFD_CLOEXEC);
	/* real time is on from here; what changed while it was off is caught
	 * up first (a few seconds' slack for file systems' coarse times) */
	save_num(dir, "watched-until", g->watched = time(NULL));
	if (until > 0) {
		struct cd_guard_req q = { 0, false, until > 2 ? until - 2 : 1 };
		CD_PUSH(g->req, g->nreq, g->reqcap, q);
	}
	if (pthread_create(&g->watcher, NULL, watch, g) == 0)
		g->watching = true;
	if (pthread_create(&g->worker, NULL, work, g) == 0)
		g->working = true;
	return g->watching && g->working ? 0 : -EAGAIN;
}

void cd_guard_stop(struct cd_guard *g)
{
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	atomic_store(&g->cancel, true);
	pthread_cond_broadcast(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->stop_fd >= 0) {
		uint64_t one = 1;
		if (write(g->stop_fd, &one, sizeof(one)) < 0)
			abort();
	}
	if (g->watching)
		pthread_join(g->watcher, NULL);
	if (g->working)
		pthread_join(g->worker, NULL);   /* a running scan ends first */
	if (g->watching)
		save_num(g->dir, "watched-until", time(NULL));
	if (g->fan >= 0)
		close(g->fan);
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	cd_scanner_close(g->scanner);
	for (size_t i = 0; i < g->npaths; i++)
		free(g->paths[i]);
	free(g->paths);
	for (size_t i = 0; i < g->nexclude; i++)
		free(g->exclude[i]);
	free(g->exclude);
	free(g->req);
	free(g->workload);
	free(g->dir);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	memset(g, 0, sizeof(*g));
}

void cd_guard_settings(struct cd_guard *g, const struct cd_antimalware *am)
{
	pthread_mutex_lock(&g->lock);
	g->action = am->action;
	pthread_cond_broadcast(&g->wake);
	for (size_t i = 0; i < g->nexclude; i++)
		free(g->exclude[i]);
	free(g->exclude);
	g->exclude = cd_calloc(am->nexclude_paths + 1, sizeof(char *));
	g->nexclude = am->nexclude_paths;
	for (size_t i = 0; i < am->nexclude_paths; i++)
		g->exclude[i] = cd_strdup(am->exclude_paths[i]);
	pthread_mutex_unlock(&g->lock);
}

void cd_guard_request(struct cd_guard *g, int64_t id, bool full)
{
	pthread_mutex_lock(&g->lock);
	bool queued = false;
	for (size_t i = 0; i < g->nreq; i++)
		queued |= g->req[i].id == id;
	if (id > g->done_id && !queued) {
		struct cd_guard_req q = { id, full, 0 };
		CD_PUSH(g->req, g->nreq, g->reqcap, q);
		pthread_cond_broadcast(&g->wake);
	}
	pthread_mutex_unlock(&g->lock);
}

void cd_guard_reload(struct cd_guard *g)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	bool re;
	int r = cd_scanner_reload(g->scanner, &re, &err);
	pthread_mutex_lock(&g->lock);
	if (r < 0)
		emit(g, cd_event_make("signatures-failed", g->workload, NULL,
			      "the new signatures do not load, the old ones stay: %s", err.data));
	else if (re)
		emit(g, cd_event_make("signatures-reloaded", g->workload,
			      json_pack("{s:i}", "signatures", (int)cd_scanner_signatures(g->scanner)),
			      "signatures reloaded: %u", cd_scanner_signatures(g->scanner)));
	pthread_mutex_unlock(&g->lock);
	cd_buf_free(&err);
}
