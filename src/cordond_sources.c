/* cordond_sources.c - cordond's connected sources (cordond_sources.h).
 *
 * Several managers on one database: each knows every source, but a
 * source's connector runs in the one manager that holds its lease
 * ("source:NAME"), so that one vCenter or libvirt host is followed once.
 * The others try the lease every second and take the source over when
 * its manager dies (the database ends its lease with its connection). */
#include "cordond_sources.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "inventory/source.h"

static struct cd_mgr **mgrp;
static pthread_mutex_t *lockp;
static void (*logf_)(const char *line);

void cordond_sources_init(struct cd_mgr **mgr, pthread_mutex_t *lock, void (*log)(const char *line))
{
	mgrp = mgr;
	lockp = lock;
	logf_ = log;
}

struct srcs {
	struct cd_src **v;
	size_t n, cap;
};
static struct srcs live, dying;   /* dying: asked to stop, joined at exit */

/* the connected sources the manager has, running here or not */
struct want {
	char *name, *kind;
	json_t *config;
};
static struct {
	struct want *v;
	size_t n, cap;
} wanted;

static void srcs_push(struct srcs *l, struct cd_src *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = cd_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

/* The sources report to the manager (with the lock held). */
static int sink_sync(void *ctx, const char *source, json_t *workloads, struct cd_diags *d)
{
	/* another manager changed the world first: follow it, then again */
	int r = cd_mgr_source_sync(ctx, source, workloads, d);
	for (int i = 0; r == -EAGAIN && cd_mgr_behind(ctx) && i < 4; i++)
		if (cd_mgr_follow(ctx) >= 0)
			r = cd_mgr_source_sync(ctx, source, workloads, d);
	return r;
}

static void sink_state(void *ctx, const char *source, const char *state, const char *error)
{
	cd_mgr_source_state(ctx, source, state, error);
}

static void sink_write_failed(void *ctx, const char *source, const char *id, const char *why)
{
	cd_mgr_event(ctx, "source-error", NULL, NULL, NULL,
		     json_pack("{s:s, s:s}", "source", source, "workload", id), "source %s: %s",
		     source, why);
	cd_mgr_source_state(ctx, source, "in sync", why);
}

/* A connector's metrics (vSphere's statistics); what is refused is
 * logged, at most once in 10 minutes. */
static void sink_metrics(void *ctx, const char *source, json_t *entries)
{
	static int64_t logged;
	struct cd_mingest res = { .errors = json_array() };
	int r = cd_mgr_metrics_ingest(ctx, NULL, source, entries, &res);
	int64_t now = cd_mgr_now() / 1000000;
	if ((r == -EIO || res.refused) && now - logged >= 600) {
		json_t *e = json_array_get(res.errors, 0);
		logged = now;
		if (r == -EIO)
			cd_logf(logf_, "source %s: the metrics store cannot be written", source);
		else
			cd_logf(logf_, "source %s: %zu samples refused, as %s %s %s: %s", source, res.refused,
				 json_string_value(json_object_get(e, "kind")),
				 json_string_value(json_object_get(e, "name")),
				 json_string_value(json_object_get(e, "metric")),
				 json_string_value(json_object_get(e, "error")));
	}
	json_decref(res.errors);
}

static struct cd_src **running(const char *name)
{
	for (size_t i = 0; i < live.n; i++)
		if (!strcmp(cd_src_name(live.v[i]), name))
			return &live.v[i];
	return NULL;
}

static void stop_one(const char *name)
{
	struct cd_src **s = running(name);
	if (!s)
		return;
	cd_src_signal(*s);
	srcs_push(&dying, *s);
	*s = live.v[--live.n];
}

static void start_one(const struct want *w)
{
	const struct cd_src_ops *ops = cd_src_kind(w->kind);
	struct cd_src_sink sink = { .ctx = *mgrp, .lock = lockp, .sync = sink_sync,
				    .state = sink_state, .write_failed = sink_write_failed,
				    .metrics = sink_metrics,
				    .collect_seconds = cd_mgr_collect_seconds(*mgrp) };
	struct cd_src *s = ops ? cd_src_start(&sink, w->name, ops, w->config) : NULL;
	if (s)
		srcs_push(&live, s);
	else
		cd_logf(logf_, "cannot run a connector for source %s (%s)", w->name, w->kind);
}

/* Each wanted source's connector runs here while this manager holds its
 * lease, and only then. */
static void follow_one(const struct want *w)
{
	char lease[300];
	snprintf(lease, sizeof(lease), "source:%s", w->name);
	int held = cd_mgr_lease(*mgrp, lease);
	bool here = running(w->name) != NULL;
	if (held > 0 && !here) {
		cd_logf(logf_, "source %s: followed by this manager", w->name);
		start_one(w);
	} else if (held == 0 && here) {
		cd_logf(logf_, "source %s: another manager follows it now", w->name);
		stop_one(w->name);
	}
}

void cordond_hook_source(void *ctx, const char *name, const char *kind, const json_t *config)
{
	(void)ctx;
	for (size_t i = 0; i < wanted.n; i++)
		if (!strcmp(wanted.v[i].name, name)) {
			free(wanted.v[i].name);
			free(wanted.v[i].kind);
			json_decref(wanted.v[i].config);
			wanted.v[i] = wanted.v[--wanted.n];
			break;
		}
	stop_one(name);
	char lease[300];
	snprintf(lease, sizeof(lease), "source:%s", name);
	if (!config) {
		cd_mgr_lease_drop(*mgrp, lease);
		return;
	}
	struct want w = { cd_strdup(name), cd_strdup(kind), json_deep_copy(config) };
	CD_PUSH(wanted.v, wanted.n, wanted.cap, w);
	follow_one(&wanted.v[wanted.n - 1]);
}

void cordond_sources_tick(void)
{
	for (size_t i = 0; i < wanted.n; i++)
		follow_one(&wanted.v[i]);
}

void cordond_hook_tags(void *ctx, const char *source, const char *id, const char *tag, bool add,
		       bool quarantined)
{
	(void)ctx;
	for (size_t i = 0; i < live.n; i++)
		if (!strcmp(cd_src_name(live.v[i]), source))
			cd_src_write(live.v[i], id, tag, add, quarantined);
}

/* At start, with the lock held: a connector for every source stored. */
void cordond_sources_start(void)
{
	cd_mgr_sources_announce(*mgrp);
}

void cordond_sources_stop(void)
{
	for (size_t i = 0; i < live.n; i++)
		cd_src_signal(live.v[i]);
	for (size_t i = 0; i < live.n; i++)
		cd_src_stop(live.v[i]);
	for (size_t i = 0; i < dying.n; i++)
		cd_src_stop(dying.v[i]);
	free(live.v);
	free(dying.v);
	memset(&live, 0, sizeof(live));
	memset(&dying, 0, sizeof(dying));
	for (size_t i = 0; i < wanted.n; i++) {
		free(wanted.v[i].name);
		free(wanted.v[i].kind);
		json_decref(wanted.v[i].config);
	}
	free(wanted.v);
	memset(&wanted, 0, sizeof(wanted));
}
