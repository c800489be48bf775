/* store_sync.c - what several managers on one database share (see
 * store.h): the change stream as stored, notifications, and leases.
 *
 * A lease is a PostgreSQL session-level advisory lock: held as long as
 * the manager's connection lives, released by the server the moment that
 * connection ends (a manager killed, a network cut), so that another
 * manager takes the duty over without waiting for a clock.  Its key is
 * ('cord', a 32-bit FNV-1a hash of the lease's name); two names that hash
 * alike share one lock, which only means one manager holds both. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define LEASE_SPACE 0x636f7264      /* "cord" */
#define CHANNEL "cordon"

int cd_store_seq(struct cd_store *s, int64_t *seq)
{
	int64_t v = cd_db_scalar(cd_store_prep(s, "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'seq'",
					       NULL));
	if (v == -ENOENT)
		v = 0;
	if (v < 0)
		return (int)v;
	*seq = v;
	return 0;
}

int cd_store_change_add(struct cd_store *s, int64_t seq, int64_t time, const char *body)
{
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO changes(seq, time, kind, body) VALUES(?, ?, ?, ?)",
					     "iiss", seq, time, body ? "delta" : "world", body));
}

struct change_ctx { cd_store_change_cb cb; void *ctx; };
static int change_row(void *p, struct cd_db_stmt *st)
{
	struct change_ctx *c = p;
	return c->cb(c->ctx, cd_db_int(st, 0), cd_db_text(st, 1));
}

int cd_store_change_each(struct cd_store *s, int64_t after, cd_store_change_cb cb, void *ctx)
{
	struct change_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT seq, body FROM changes WHERE seq > ? ORDER BY seq",
					"i", after), change_row, &c);
}

int cd_store_change_prune(struct cd_store *s, int64_t upto)
{
	return cd_store_run(s, cd_store_prep(s, "DELETE FROM changes WHERE seq <= ?", "i", upto));
}

struct tag_ctx { cd_store_tag_cb cb; void *ctx; };
static int tag_row(void *p, struct cd_db_stmt *st)
{
	struct tag_ctx *c = p;
	return c->cb(c->ctx, cd_db_text(st, 0), cd_db_text(st, 1), cd_db_int(st, 2) != 0);
}

int cd_store_tag_each_of(struct cd_store *s, const char *wl, cd_store_tag_cb cb, void *ctx)
{
	struct tag_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, cd_store_shared(s) ?
					"SELECT workload, tag, add_ FROM tags WHERE workload = ? ORDER BY n" :
					"SELECT workload, tag, add_ FROM tags WHERE workload = ? ORDER BY rowid",
					"s", wl), tag_row, &c);
}

int cd_store_source_state(struct cd_store *s, const char *name, const char *state, const char *error)
{
	return cd_store_run(s, cd_store_prep(s, "UPDATE sources SET state = ?, error = ? WHERE name = ?", "sss",
					     state, error, name));
}

struct state_ctx { cd_store_state_cb cb; void *ctx; };
static int state_row(void *p, struct cd_db_stmt *st)
{
	struct state_ctx *c = p;
	return c->cb(c->ctx, cd_db_text(st, 0), cd_db_text(st, 1), cd_db_text(st, 2));
}

int cd_store_source_states(struct cd_store *s, cd_store_state_cb cb, void *ctx)
{
	struct state_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT name, state, error FROM sources WHERE state IS NOT NULL "
					"ORDER BY name", NULL), state_row, &c);
}

/* ---- notifications ---- */

int cd_store_listen(struct cd_store *s)
{
	return cd_store_shared(s) ? cd_db_listen(s->db, CHANNEL) : 0;
}

int cd_store_notify(struct cd_store *s, const char *what)
{
	if (!cd_store_shared(s))
		return 0;
	int r = cd_db_notify(s->db, CHANNEL, what);
	/* a change is taken up with its events: "event" need not be said */
	if (r == 0 && (!strcmp(what, "change") || !strcmp(what, "event")))
		s->event_untold = false;
	return r;
}

static void heard(void *ctx, const char *payload)
{
	unsigned *note = ctx;
	if (!strcmp(payload, "change"))
		*note |= CD_STORE_NOTE_CHANGE;
	else if (!strcmp(payload, "tokens"))
		*note |= CD_STORE_NOTE_TOKENS;
	else if (!strcmp(payload, "event"))
		*note |= CD_STORE_NOTE_EVENT;
	else
		*note |= CD_STORE_NOTE_CHANGE | CD_STORE_NOTE_TOKENS | CD_STORE_NOTE_EVENT;
}

unsigned cd_store_notified(struct cd_store *s)
{
	unsigned note = 0;
	if (cd_store_shared(s))
		cd_db_notified(s->db, heard, &note);
	if (note & CD_STORE_NOTE_TOKENS)
		s->tokens_gen++;
	return note;
}

uint64_t cd_store_tokens_gen(const struct cd_store *s)
{
	return s->tokens_gen;
}

int cd_store_socket(struct cd_store *s)
{
	return cd_store_shared(s) ? cd_db_socket(s->db) : -1;
}

/* ---- leases ---- */

static int32_t lease_key(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return (int32_t)(h & 0x7fffffff);
}

/* The lease's slot in s (made when new). */
static struct cd_store_lease *slot(struct cd_store *s, const char *name)
{
	for (size_t i = 0; i < s->nleases; i++)
		if (!strcmp(s->leases[i].name, name))
			return &s->leases[i];
	struct cd_store_lease l = { .name = cd_strdup(name) };
	CD_PUSH(s->leases, s->nleases, s->leases_cap, l);
	return &s->leases[s->nleases - 1];
}

int cd_store_lease(struct cd_store *s, const char *name)
{
	if (!cd_store_shared(s))
		return 1;
	struct cd_store_lease *l = slot(s, name);
	uint64_t gen = cd_db_generation(s->db);
	if (l->held && l->generation == gen)
		return 1;
	/* never held, or held by a session that is gone */
	l->held = false;
	int64_t v = cd_db_scalar(cd_store_prep(s, "SELECT CASE WHEN pg_try_advisory_lock(CAST(? AS integer), "
					       "CAST(? AS integer)) THEN 1 ELSE 0 END", "ii",
					       (int64_t)LEASE_SPACE, (int64_t)lease_key(name)));
	if (v < 0)
		return (int)v;
	/* the query may have made the connection again: the lock is this
	 * session's */
	l->held = v == 1;
	l->generation = cd_db_generation(s->db);
	return l->held ? 2 : 0;
}

void cd_store_lease_drop(struct cd_store *s, const char *name)
{
	if (!cd_store_shared(s))
		return;
	struct cd_store_lease *l = slot(s, name);
	if (l->held && l->generation == cd_db_generation(s->db))
		cd_db_vrun(s->db, cd_store_prep(s, "SELECT pg_advisory_unlock(CAST(? AS integer), "
						"CAST(? AS integer))", "ii", (int64_t)LEASE_SPACE,
						(int64_t)lease_key(name)));
	l->held = false;
}

void cd_store_leases_free(struct cd_store *s)
{
	for (size_t i = 0; i < s->nleases; i++)
		free(s->leases[i].name);
	free(s->leases);
}
