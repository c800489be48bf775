/* scanjob.c - scans of directory trees on every core (see scanjob.h). */
#define _GNU_SOURCE
#include "scanjob.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct file {
	char *path;
	uint64_t size;
};

struct run {
	struct cd_scanner *s;
	const struct cd_scanjob *j;
	struct file *f;
	size_t n, cap;
	size_t next;                    /* the next file a worker takes */
	pthread_mutex_t lock;
	struct cd_scan_progress p;
	double start, last_report;
};

static __thread struct run *walking;

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool excluded(const struct cd_scanjob *j, const char *path)
{
	for (size_t i = 0; i < j->nexclude; i++) {
		size_t n = strlen(j->exclude[i]);
		while (n > 1 && j->exclude[i][n - 1] == '/')
			n--;
		if (!strncmp(path, j->exclude[i], n) && (path[n] == 0 || path[n] == '/'))
			return true;
	}
	return false;
}

static bool stopped(const struct cd_scanjob *j)
{
	return j->stop && atomic_load(j->stop);
}

static void report(struct run *r, const char *path, const struct cd_scan_result *res)
{
	if (r->j->on_result && (res->verdict != CD_SCAN_CLEAN || r->j->all_results))
		r->j->on_result(r->j->ctx, path, res);
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	struct run *r = walking;
	if (stopped(r->j))
		return FTW_STOP;
	if (excluded(r->j, path))
		return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (flag == FTW_DNR || flag == FTW_NS) {
		struct cd_scan_result res = { .verdict = CD_SCAN_ERROR };
		snprintf(res.why, sizeof(res.why), "cannot be read: %s", strerror(errno));
		r->p.errors++;
		report(r, path, &res);
		return FTW_CONTINUE;
	}
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return FTW_CONTINUE;         /* links, devices, sockets: not files */
	if (r->j->since && st->st_mtim.tv_sec < r->j->since && st->st_ctim.tv_sec < r->j->since)
		return FTW_CONTINUE;
	struct file f = { cd_strdup(path), (uint64_t)st->st_size };
	CD_PUSH(r->f, r->n, r->cap, f);
	r->p.files_total++;
	r->p.bytes_total += f.size;
	return FTW_CONTINUE;
}

static void progress(struct run *r, bool final)
{
	double now = mono();
	r->p.elapsed_s = now - r->start;
	if (!r->j->on_progress)
		return;
	if (!final && (now - r->last_report) * 1000 < (r->j->progress_ms ? r->j->progress_ms : 1000))
		return;
	r->last_report = now;
	r->j->on_progress(r->j->ctx, &r->p);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t i = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->n || stopped(r->j))
			return NULL;
		struct cd_scan_result res;
		cd_scan_file(r->s, r->f[i].path, &res);
		pthread_mutex_lock(&r->lock);
		r->p.files_done++;
		r->p.bytes_done += r->f[i].size;
		if (res.verdict == CD_SCAN_INFECTED)
			r->p.infected++;
		else if (res.verdict == CD_SCAN_SKIPPED)
			r->p.skipped++;
		else if (res.verdict == CD_SCAN_ERROR)
			r->p.errors++;
		report(r, r->f[i].path, &res);
		progress(r, false);
		pthread_mutex_unlock(&r->lock);
	}
}

int cd_scanjob_run(struct cd_scanner *s, const struct cd_scanjob *j, struct cd_scan_progress *out)
{
	struct run r = { .s = s, .j = j };
	pthread_mutex_init(&r.lock, NULL);
	r.start = r.last_report = mono();
	walking = &r;
	for (size_t i = 0; i < j->npaths; i++)
		if (nftw(j->paths[i], visit, 64, FTW_PHYS | FTW_ACTIONRETVAL) < 0) {
			struct cd_scan_result res = { .verdict = CD_SCAN_ERROR };
			snprintf(res.why, sizeof(res.why), "cannot walk: %s", strerror(errno));
			r.p.errors++;
			report(&r, j->paths[i], &res);
		}
	walking = NULL;
	int n = j->threads > 0 ? j->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if ((size_t)n > r.n)
		n = r.n ? (int)r.n : 1;
	pthread_t *t = cd_calloc((size_t)n, sizeof(*t));
	int started = 0;
	for (int i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, &r) == 0)
			started = i;
		else
			break;
	worker(&r);                       /* this thread is a worker too */
	for (int i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	free(t);
	progress(&r, true);
	*out = r.p;
	for (size_t i = 0; i < r.n; i++)
		free(r.f[i].path);
	free(r.f);
	pthread_mutex_destroy(&r.lock);
	return stopped(j) ? -ECANCELED : 0;
}
