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
#include "manager/flows.h"
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

/* What the agent's status (just stored) says it cannot enforce; events
 * only for what this manager heard itself. */
static void status_taken(struct cd_mgr *m, struct cd_mgr_agent *ag, bool announce)
{
	json_t *st = ag->rec.status ? json_loads(ag->rec.status, 0, NULL) : NULL;
	if (st || !ag->unenforced)
		cd_mgr_unenforced_set(m, ag, cd_mgr_unenforced_parse(st), announce);
	json_decref(st);
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
		.up = cd_store_shared(m->store) && a->up,    /* one's own: heard since the start */
	};
	CD_PUSH(m->agents, m->nagents, m->agents_cap, ag);
	status_taken(m, &m->agents[m->nagents - 1], false);
	return 0;
}

int cd_mgr_merge_agent(void *ctx, const struct cd_agent_rec *a)
{
	struct cd_mgr *m = ctx;
	struct cd_mgr_agent *ag = agent_find(m, a->name);
	if (!ag)
		return cd_mgr_load_agent(m, a);
	/* another manager heard it last: its record is the newer */
	if (a->last_seen > ag->rec.last_seen && !ag->dirty) {
		ag->rec.last_seen = ag->stored_seen = a->last_seen;
		if (ag->rec.applied_seq != a->applied_seq || ag->rec.applied_rev != a->applied_rev)
			m->pulse++;
		ag->rec.applied_rev = a->applied_rev;
		ag->rec.applied_seq = a->applied_seq;
		ag->rec.applied_at = a->applied_at;
		free(ag->rec.status);
		ag->rec.status = a->status ? cd_strdup(a->status) : NULL;
		status_taken(m, ag, false);
	}
	if (ag->up != a->up && !ag->dirty)
		m->pulse++;
	if (!ag->dirty)
		ag->up = ag->rec.up = a->up;
	return 0;
}

static int64_t hb_us(const struct cd_mgr *m)
{
	return (int64_t)(m->heartbeat_s > 0 ? m->heartbeat_s : 60) * 1000000;
}

bool cd_mgr_agent_down(const struct cd_mgr *m, const struct cd_mgr_agent *a, int64_t now)
{
	/* not heard since this manager's start is not down yet: the agents
	 * of a manager just started (or that just took the upkeep) have
	 * three heartbeats to be heard, as the upkeep gives them */
	return !a->up && now - a->rec.last_seen >= 3 * hb_us(m) && now - m->upkeep_since >= 3 * hb_us(m);
}

/* The agent's record, marked alive; *changed when what it realized moved,
 * *came_up when it was down (or never heard of, by any manager). */
static struct cd_mgr_agent *seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
				 int64_t applied_seq, bool *changed, bool *came_up)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	int64_t now = cd_mgr_now();
	*changed = ag->rec.applied_rev != applied_rev || ag->rec.applied_seq != applied_seq;
	*came_up = false;
	ag->rec.last_seen = now;
	if (*changed) {
		ag->rec.applied_rev = applied_rev;
		ag->rec.applied_seq = applied_seq;
		ag->rec.applied_at = now;
		ag->dirty = true;
		m->pulse++;
	}
	if (!ag->up) {
		/* up in the store already: it came from another manager */
		int r = cd_store_agent_mark_up(m->store, &ag->rec);
		if (r >= 0) {
			ag->up = ag->rec.up = true;
			ag->stored_seen = now;
			ag->dirty = false;
			m->pulse++;
		}
		*came_up = r == 1;
	}
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
	seen(m, a, applied_rev, applied_seq, &changed, &came_up);
}

int cd_mgr_heartbeat(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		     int64_t applied_seq, json_t *status)
{
	bool changed, came_up;
	struct cd_mgr_agent *ag = seen(m, a, applied_rev, applied_seq, &changed, &came_up);
	if (status) {
		free(ag->rec.status);
		ag->rec.status = json_dumps(status, JSON_COMPACT);
		cd_mgr_unenforced_set(m, ag, cd_mgr_unenforced_parse(status), true);
	}
	int r = cd_store_agent_put(m->store, &ag->rec);
	if (r == 0) {
		ag->stored_seen = ag->rec.last_seen;
		ag->dirty = false;
	}
	return r;
}

/* Whether this manager heard the agent since it last wrote its record:
 * what it realized, or that it is alive (written every half heartbeat). */
static bool unwritten(const struct cd_mgr *m, const struct cd_mgr_agent *ag)
{
	return ag->up && (ag->dirty || ag->rec.last_seen - ag->stored_seen > hb_us(m) / 2);
}

/* Several managers: what this one heard since it last wrote (what the
 * agents realized, that they are alive) into the store, in one
 * transaction; then the others' into memory. */
static void agents_sync(struct cd_mgr *m)
{
	bool any = false;
	for (size_t i = 0; i < m->nagents && !any; i++)
		any = unwritten(m, &m->agents[i]);
	if (any && cd_store_begin(m->store) == 0) {
		int r = 0;
		for (size_t i = 0; i < m->nagents && r == 0; i++) {
			struct cd_mgr_agent *ag = &m->agents[i];
			if (unwritten(m, ag))
				r = cd_store_agent_put(m->store, &ag->rec);
		}
		if (r == 0 && cd_store_commit(m->store) == 0) {
			for (size_t i = 0; i < m->nagents; i++) {
				struct cd_mgr_agent *ag = &m->agents[i];
				if (unwritten(m, ag)) {
					ag->dirty = false;
					ag->stored_seen = ag->rec.last_seen;
				}
			}
		} else if (r < 0) {
			cd_store_rollback(m->store);
		}
	}
	cd_store_agent_each(m->store, cd_mgr_merge_agent, m);
}

struct downs { struct cd_agent_rec *v; size_t n, cap; };
static int down_row(void *ctx, const struct cd_agent_rec *a)
{
	struct downs *d = ctx;
	struct cd_agent_rec r = { .name = cd_strdup(a->name), .host = a->host ? cd_strdup(a->host) : NULL,
				  .workload = a->workload ? cd_strdup(a->workload) : NULL,
				  .last_seen = a->last_seen };
	CD_PUSH(d->v, d->n, d->cap, r);
	return 0;
}

void cd_mgr_tick(struct cd_mgr *m)
{
	int64_t now = cd_mgr_now();
	bool shared = cd_store_shared(m->store);
	if (shared) {
		agents_sync(m);
		cd_mgr_sources_refresh(m);
	}
	/* the upkeep: one manager's at a time */
	int lease = cd_store_lease(m->store, "upkeep");
	if (lease <= 0)
		return;
	if (lease == 2)         /* taken now: it may not have heard the agents yet */
		m->upkeep_since = now;
	if (now >= m->prune_next) {
		cd_mgr_events_prune(m);
		cd_mgr_flows_prune(m);
		/* sign-in buckets an hour quiet are full again */
		cd_store_signins_prune(m->store, now - 3600 * 1000000LL);
		m->prune_next = now + CD_MGR_PRUNE_EVERY_S * 1000000LL;
	}
	/* heard by no manager in three heartbeats: down, said once (not
	 * before this manager held the upkeep for as long: after the
	 * database was away, nobody could hear them) */
	if (now - m->upkeep_since < 3 * hb_us(m))
		return;
	struct downs d = { 0 };
	for (size_t i = 0; i < m->nagents; i++)    /* what it heard, not yet written */
		if (unwritten(m, &m->agents[i]) && cd_store_agent_put(m->store, &m->agents[i].rec) == 0) {
			m->agents[i].stored_seen = m->agents[i].rec.last_seen;
			m->agents[i].dirty = false;
		}
	cd_store_agent_down(m->store, now - 3 * hb_us(m), down_row, &d);
	for (size_t k = 0; k < d.n; k++) {
		struct cd_agent_rec *r = &d.v[k];
		for (size_t i = 0; i < m->nagents; i++)
			if (!strcmp(m->agents[i].rec.name, r->name))
				m->agents[i].up = m->agents[i].rec.up = false;
		m->pulse++;
		cd_mgr_event(m, "agent-down", r->workload, r->host, NULL, NULL,
			     "agent %s is down: no heartbeat for %d s", r->name,
			     (int)((now - r->last_seen) / 1000000));
		cd_agent_rec_free(r);
	}
	free(d.v);
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
		json_object_set_new(o, "not_enforced", cd_mgr_unenforced_list(m, &m->agents[i]));
		json_array_append_new(out, o);
	}
	return out;
}

