/* agents.c - the agents as the manager sees them: heard from, up or
 * down, what they realized (see mgr.h). */
#include "manager/mgr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"

/* ---- agents ---- */

static struct cd_mgr_agent *agent_find(struct cd_mgr *m, const char *name)
{
	for (size_t i = 0; i < m->nagents; i++)
		if (!strcmp(m->agents[i].rec.name, name))
			return &m->agents[i];
	return NULL;
}

struct cd_mgr_agent *cd_mgr_agent_get(struct cd_mgr *m, const struct cd_actor *a)
{
	struct cd_mgr_agent *ag = agent_find(m, a->name);
	if (!ag) {
		struct cd_mgr_agent n = {
			.rec = { .name = cd_strdup(a->name), .host = a->host ? cd_strdup(a->host) : NULL,
				 .workload = a->workload ? cd_strdup(a->workload) : NULL,
				 .enrolled = cd_mgr_now() },
		};
		CD_PUSH(m->agents, m->nagents, m->agents_cap, n);
		ag = &m->agents[m->nagents - 1];
	}
	return ag;
}

int cd_mgr_load_agent(void *ctx, const struct cd_agent_rec *a)
{
	struct cd_mgr *m = ctx;
	struct cd_mgr_agent ag = {
		.rec = {
			.name = cd_strdup(a->name), .host = a->host ? cd_strdup(a->host) : NULL,
			.workload = a->workload ? cd_strdup(a->workload) : NULL,
			.enrolled = a->enrolled, .last_seen = a->last_seen,
			.applied_rev = a->applied_rev, .applied_seq = a->applied_seq,
			.applied_at = a->applied_at, .status = a->status ? cd_strdup(a->status) : NULL,
		},
		.stored_seen = a->last_seen,
	};
	CD_PUSH(m->agents, m->nagents, m->agents_cap, ag);
	return 0;
}

static int64_t hb_us(const struct cd_mgr *m)
{
	return (int64_t)(m->heartbeat_s > 0 ? m->heartbeat_s : 60) * 1000000;
}

/* The agent's record, marked alive; *changed when what it realized moved,
 * *came_up when it was down. */
static struct cd_mgr_agent *seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
				 int64_t applied_seq, bool *changed, bool *came_up)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	int64_t now = cd_mgr_now();
	*changed = ag->rec.applied_rev != applied_rev || ag->rec.applied_seq != applied_seq;
	*came_up = !ag->up;
	ag->rec.last_seen = now;
	if (*changed || *came_up)
		m->pulse++;
	if (*changed) {
		ag->rec.applied_rev = applied_rev;
		ag->rec.applied_seq = applied_seq;
		ag->rec.applied_at = now;
	}
	ag->up = true;
	if (*came_up)
		cd_mgr_event(m, "agent-up", a->workload, a->host, NULL, NULL,
			     "agent %s is up (applied revision %lld, change %lld)", a->name,
			     (long long)applied_rev, (long long)applied_seq);
	return ag;
}

void cd_mgr_seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		 int64_t applied_seq)
{
	bool changed, came_up;
	struct cd_mgr_agent *ag = seen(m, a, applied_rev, applied_seq, &changed, &came_up);
	if (came_up && cd_store_agent_put(m->store, &ag->rec) == 0)
		ag->stored_seen = ag->rec.last_seen;
}

int cd_mgr_heartbeat(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		     int64_t applied_seq, json_t *status)
{
	bool changed, came_up;
	struct cd_mgr_agent *ag = seen(m, a, applied_rev, applied_seq, &changed, &came_up);
	if (status) {
		free(ag->rec.status);
		ag->rec.status = json_dumps(status, JSON_COMPACT);
	}
	int r = cd_store_agent_put(m->store, &ag->rec);
	if (r == 0)
		ag->stored_seen = ag->rec.last_seen;
	return r;
}

void cd_mgr_tick(struct cd_mgr *m)
{
	int64_t now = cd_mgr_now();
	if (now >= m->prune_next) {
		cd_mgr_events_prune(m);
		m->prune_next = now + CD_MGR_PRUNE_EVERY_S * 1000000LL;
	}
	for (size_t i = 0; i < m->nagents; i++) {
		struct cd_mgr_agent *ag = &m->agents[i];
		if (ag->up && now - ag->rec.last_seen > 3 * hb_us(m)) {
			ag->up = false;
			m->pulse++;
			cd_store_agent_put(m->store, &ag->rec);
			ag->stored_seen = ag->rec.last_seen;
			cd_mgr_event(m, "agent-down", ag->rec.workload, ag->rec.host, NULL, NULL,
				     "agent %s is down: no heartbeat for %d s", ag->rec.name,
				     (int)((now - ag->rec.last_seen) / 1000000));
		}
	}
}

json_t *cd_mgr_agents(struct cd_mgr *m)
{
	json_t *out = json_array();
	for (size_t i = 0; i < m->nagents; i++) {
		const struct cd_agent_rec *r = &m->agents[i].rec;
		char seen[40], at[40];
		json_t *o = json_pack("{s:s, s:s?, s:s?, s:b, s:s?, s:I, s:I, s:s?, s:b}",
				      "name", r->name, "host", r->host, "workload", r->workload,
				      "connected", m->agents[i].up,
				      "last_heartbeat", r->last_seen ? cd_time_fmt(r->last_seen, seen) : NULL,
				      "applied_revision", (json_int_t)r->applied_rev,
				      "applied_seq", (json_int_t)r->applied_seq,
				      "applied_at", r->applied_at ? cd_time_fmt(r->applied_at, at) : NULL,
				      "current", r->applied_seq == m->seq);
		json_object_set_new(o, "status", r->status ? json_loads(r->status, 0, NULL) : json_null());
		json_object_set_new(o, "events_refused", json_integer(m->agents[i].refused));
		json_array_append_new(out, o);
	}
	return out;
}

