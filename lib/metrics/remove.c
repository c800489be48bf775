/* remove.c - series removed: an object's, when an operator asks (the
 * API), and those whose every sample the retention has dropped (the
 * upkeep).
 *
 * A group (one object's series collected together) goes whole: its
 * chunks of every tier, its heads and rows written ahead, its series and
 * itself, in one transaction, recorded in the table of groups gone.  No
 * number of a group or series removed is given again, and the other
 * managers sharing the store forget it as they follow that table.
 *
 * In memory a removed group or series keeps its place, marked gone, so
 * that the indexes of the others (heads' columns, objects' chains, the
 * maps) do not move: its head, names and keys are freed, lookups no
 * longer find it, and it no longer counts against the store's series. */
#include "metrics/mstore_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOUR_MS INT64_C(3600000)

/* Whether group gi goes: 1, 0, or a negative code. */
typedef int (*choose_fn)(struct cd_mstore *st, size_t gi, int64_t now, void *arg);

/* Remove the groups fn chooses, in one write transaction (shared: after
 * what the other managers added or removed, so that a group is chosen
 * whole, and their series of it go with it), then here: 0, or a negative
 * code with nothing changed.  *series and *groups: how many went. */
static int remove_where(struct cd_mstore *st, choose_fn fn, void *arg, int64_t now,
			size_t *series, size_t *groups)
{
	*series = *groups = 0;
	bool tx = !st->bulk;
	int r = tx ? cd_chunkdb_begin(st->db) : 0;
	if (!r && st->shared)
		r = cd_mstore_catalog_locked(st);
	bool *mark = cd_calloc(st->ng ? st->ng : 1, sizeof(*mark));
	for (size_t i = 0; !r && i < st->ng; i++) {
		int c = st->g[i].gone ? 0 : fn(st, i, now, arg);
		if (c < 0)
			r = c;
		mark[i] = c > 0;
	}
	for (size_t i = 0; !r && i < st->ng; i++)
		if (mark[i]) {
			r = cd_chunkdb_group_remove(st->db, st->g[i].id, now);
			*series += st->g[i].nmem;
			(*groups)++;
		}
	if (tx && !r && *groups)
		r = cd_chunkdb_commit(st->db);
	else if (tx && !r)
		cd_chunkdb_rollback(st->db);       /* nothing to write */
	if (tx && r)
		cd_chunkdb_rollback(st->db);
	if (r) {
		*series = *groups = 0;
		cd_logf(st->log, "metrics: cannot remove series: %s", cd_chunkdb_error(st->db));
	} else if (*groups) {
		cd_mstore_forget_locked(st, mark);
	}
	free(mark);
	return r;
}

struct object {
	const char *kind, *name;
};

static int of_object(struct cd_mstore *st, size_t gi, int64_t now, void *arg)
{
	(void)now;
	const struct object *o = arg;
	const struct group *g = &st->g[gi];
	/* a group is one object's: its first series says whose */
	const struct series *s = g->nmem ? &st->s[g->mem[0]] : NULL;
	return s && !s->gone && !strcmp(s->kind, o->kind) && !strcasecmp(s->name, o->name);
}

int cd_mstore_remove_object(struct cd_mstore *st, const char *kind, const char *name,
			    size_t *n)
{
	pthread_mutex_lock(&st->mu);
	struct object o = { kind, name };
	size_t groups;
	int r = remove_where(st, of_object, &o, cd_wall_ms(), n, &groups);
	if (!r && !groups)
		r = -ENOENT;
	if (!r)
		cd_logf(st->log, "metrics: %zu series of %s %s removed", *n, kind, name);
	pthread_mutex_unlock(&st->mu);
	return r;
}

uint64_t cd_mstore_removals(struct cd_mstore *st)
{
	pthread_mutex_lock(&st->mu);
	uint64_t n = st->removals;
	pthread_mutex_unlock(&st->mu);
	return n;
}

/* ---- emptied by the retention ---- */

/* 1 when group gi holds nothing any more, else 0 (and when to look
 * again), or a negative code: inside the removal's transaction, so that
 * no other writer's rows come meanwhile. */
static int emptied(struct cd_mstore *st, size_t gi, int64_t now, void *arg)
{
	(void)arg;
	struct group *g = &st->g[gi];
	if (g->nrows || now < g->idle_until || now - g->known < HOUR_MS)
		return 0;
	for (size_t i = 0; i < st->npending; i++)
		if (st->pending[i].group == g->id)
			return 0;
	int64_t again = 0, t;
	for (int tier = 0; tier < CD_TIERS; tier++) {
		int r = cd_chunkdb_last_t1(st->db, g->id, tier, &t);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		int64_t until = t + st->ret[g->retention].keep_ms[tier];
		again = until > again ? until : again;
	}
	if (!again && st->shared) {        /* another manager's head or rows */
		int r = cd_chunkdb_others_t0(st->db, g->id, &t);
		if (r != -ENOENT)
			return r ? r : (g->idle_until = now + HOUR_MS, 0);
	}
	if (again) {
		g->idle_until = again;
		return 0;
	}
	return 1;
}

int cd_mstore_remove_idle_locked(struct cd_mstore *st, int64_t now)
{
	/* (no transaction while no group is even a candidate) */
	bool any = false;
	for (size_t i = 0; !any && i < st->ng; i++) {
		const struct group *g = &st->g[i];
		any = !g->gone && !g->nrows && now >= g->idle_until && now - g->known >= HOUR_MS;
	}
	size_t series, groups;
	int r = any ? remove_where(st, emptied, NULL, now, &series, &groups) : 0;
	if (!r && any && groups)
		cd_logf(st->log, "metrics: %zu series of %zu groups held nothing past the retention:"
			" removed", series, groups);
	return r;
}
