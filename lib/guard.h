/* guard.h - the agent's scanning role: real-time and on-demand scans of a
 * workload's paths with ClamAV's engine, and what is done with a finding.
 *
 * Real time: fanotify reports every file closed after writing under the
 * watched paths (a mark on their mounts; files the agent writes itself
 * are ignored); each is scanned through the descriptor fanotify hands
 * over.  On demand: scan requests (full or quick) run one after another
 * on every core (scanjob.h), reporting progress about every second.
 *
 * A finding is acted on per antimalware.action: the file moved to the
 * vault (vault.h), deleted, or only reported.  Everything the guard does
 * becomes an event handed to emit() (from the guard's threads, one call
 * at a time): "detection" (file, signature, action, result, remediated),
 * "scan-started", "scan-progress", "scan-finished" (full, files, bytes,
 * infected, seconds), "scan-failed", "scan-error" (a file that could not
 * be scanned, and why), "signatures-reloaded".
 *
 * Files written while the agent was down are caught up at start: a quick
 * scan (id 0) of the files modified since real time was last known on.
 * Scheduled full scans are the manager's requests (quarantine.c), so that
 * only a scan the manager asked for can release a quarantine. */
#ifndef CD_GUARD_H
#define CD_GUARD_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "scan.h"

struct cd_guard_req {
	int64_t id;                    /* the manager's request; 0: the agent's own */
	bool full;
	int64_t since;                 /* a quick scan's files: modified since
	                                * (s); 0: since the last full scan */
};

struct cd_guard {
	char *workload;
	char **paths;
	size_t npaths;
	char *dir;                     /* state: vault/, last full scan, done ids */
	struct cd_scanner *scanner;
	void (*emit)(void *ctx, json_t *event);   /* takes the event */
	void *ctx;
	pthread_mutex_t lock;          /* settings, requests, emit */
	pthread_cond_t wake;
	enum cd_am_action action;
	char **exclude;
	size_t nexclude;
	struct cd_guard_req *req;      /* scans waiting */
	size_t nreq, reqcap;
	int64_t done_id;               /* highest request run (persisted) */
	int64_t last_full;             /* when the last full scan started (s) */
	int64_t watched;               /* real time was on until at least (s,
	                                * persisted every minute and at stop) */
	int fan;                       /* fanotify descriptor, -1: none */
	int stop_fd;                   /* eventfd that stops the watcher */
	pthread_t watcher, worker;
	bool watching, working, stopping;
	atomic_bool cancel;        /* a scan in flight ends, unfinished */
};

/* Load the signatures (db: a ClamAV database file or directory) and start
 * the real-time watcher on paths. */
int cd_guard_start(struct cd_guard *g, const char *workload, char *const *paths,
		   size_t npaths, const char *db, const char *dir,
		   void (*emit)(void *ctx, json_t *event), void *ctx, struct cd_buf *err);
void cd_guard_stop(struct cd_guard *g);
/* The policy's antimalware block: action and exclusions. */
void cd_guard_settings(struct cd_guard *g, const struct cd_antimalware *am);
/* Queue a scan request (ignored when it ran before). */
void cd_guard_request(struct cd_guard *g, int64_t id, bool full);
/* Reload the signatures if their files changed. */
void cd_guard_reload(struct cd_guard *g);

#endif
