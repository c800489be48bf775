/* store.c - the store (see store.h): opening, transactions, meta,
 * sources, tags, tokens, agents and events, on SQLite (WAL mode) or
 * PostgreSQL through db/db.h.
 *
 * Statements are prepared once per call (cheap next to the fsync of a
 * commit); every value goes through a bind, never into SQL text. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "manager/search.h"


int cd_store_open(const char *target, struct cd_store **out)
{
	struct cd_store *s = cd_calloc(1, sizeof(*s));
	*out = s;
	s->ev_bytes = -1;
	int r = cd_db_open(target, &s->db);
	if (r == 0 && cd_db_kind(s->db) == CD_DB_SQLITE)
		r = cd_db_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
	return r < 0 ? r : cd_store_migrate(s);
}

const char *cd_store_error(const struct cd_store *s)
{
	return cd_db_error(s->db);
}

bool cd_store_shared(const struct cd_store *s)
{
	return cd_db_kind(s->db) == CD_DB_PG;
}

void cd_store_close(struct cd_store *s)
{
	if (!s)
		return;
	cd_db_close(s->db);
	cd_store_leases_free(s);
	free(s);
}

int cd_store_begin(struct cd_store *s)
{
	return cd_db_begin(s->db);
}

int cd_store_begin_read(struct cd_store *s)
{
	return cd_db_begin_read(s->db);
}

int cd_store_commit(struct cd_store *s)
{
	if (cd_db_depth(s->db) == 1 && s->event_untold) {
		int r = cd_store_notify(s, "event");
		if (r < 0)
			return r;
	}
	return cd_db_commit(s->db);
}

void cd_store_rollback(struct cd_store *s)
{
	if (cd_db_depth(s->db) == 1)
		s->event_untold = false;
	cd_db_rollback(s->db);
	s->ev_bytes = -1;       /* what was added may be gone: count again */
}

/* ---- statement helpers ---- */

struct cd_db_stmt *cd_store_prep(struct cd_store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cd_db_stmt *st = cd_db_vprep(s->db, sql, fmt, ap);
	va_end(ap);
	return st;
}

struct cd_db_stmt *cd_store_keep(struct cd_store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cd_db_stmt *st = cd_db_vprep_cached(s->db, sql, fmt, ap);
	va_end(ap);
	return st;
}

int cd_store_run(struct cd_store *s, struct cd_db_stmt *st)
{
	return cd_db_vrun(s->db, st);
}

/* ---- meta ---- */

int cd_store_meta_get(struct cd_store *s, const char *key, char **val)
{
	struct cd_db_stmt *st = cd_store_prep(s, "SELECT value FROM meta WHERE key = ?", "s", key);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0)
		*val = cd_db_text_dup(st, 0);
	else
		r = rc == 0 ? -ENOENT : rc;
	cd_db_done(st);
	return r;
}

int cd_store_meta_set(struct cd_store *s, const char *key, const char *val)
{
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) "
			   "DO UPDATE SET value = excluded.value", "ss", key, val));
}

/* ---- sources ---- */

int cd_store_source_put(struct cd_store *s, const char *name, const char *kind,
			const char *config, const char *workloads, int64_t updated)
{
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO sources(name, kind, config, workloads, updated) "
			   "VALUES(?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
			   "config = excluded.config, workloads = excluded.workloads, "
			   "updated = excluded.updated", "ssssi", name, kind, config, workloads, updated));
}

int cd_store_source_del(struct cd_store *s, const char *name)
{
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM sources WHERE name = ?", "s", name));
	if (r == 0 && cd_db_changes(s->db) == 0)
		return -ENOENT;
	return r;
}

struct source_ctx { cd_store_source_cb cb; void *ctx; };
static int source_row(void *p, struct cd_db_stmt *st)
{
	struct source_ctx *c = p;
	return c->cb(c->ctx, cd_db_text(st, 0), cd_db_text(st, 1), cd_db_text(st, 2), cd_db_text(st, 3),
		     cd_db_int(st, 4));
}

int cd_store_source_each(struct cd_store *s, cd_store_source_cb cb, void *ctx)
{
	struct source_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT name, kind, config, workloads, updated FROM sources ORDER BY name",
			    NULL), source_row, &c);
}

/* ---- tags ---- */

int cd_store_tag_put(struct cd_store *s, const char *wl, const char *tag, bool add)
{
	char *l = cd_lower(tag);
	int r = cd_store_run(s, cd_store_keep(s, "INSERT INTO tags(workload, tag, ltag, add_) VALUES(?, ?, ?, ?) "
			    "ON CONFLICT(workload, ltag) DO UPDATE SET tag = excluded.tag, "
			    "add_ = excluded.add_", "sssb", wl, tag, l, add));
	free(l);
	return r;
}

int cd_store_tag_del(struct cd_store *s, const char *wl, const char *tag)
{
	char *l = cd_lower(tag);
	int r = cd_store_run(s, cd_store_keep(s, "DELETE FROM tags WHERE workload = ? AND ltag = ?", "ss", wl, l));
	free(l);
	return r;
}

struct tag_ctx { cd_store_tag_cb cb; void *ctx; };
static int tag_row(void *p, struct cd_db_stmt *st)
{
	struct tag_ctx *c = p;
	return c->cb(c->ctx, cd_db_text(st, 0), cd_db_text(st, 1), cd_db_int(st, 2) != 0);
}

int cd_store_tag_each(struct cd_store *s, cd_store_tag_cb cb, void *ctx)
{
	struct tag_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, cd_store_shared(s) ?
			    "SELECT workload, tag, add_ FROM tags ORDER BY workload, n" :
			    "SELECT workload, tag, add_ FROM tags ORDER BY workload, rowid", NULL), tag_row, &c);
}

/* ---- tokens ---- */

void cd_token_free(struct cd_token *t)
{
	free(t->hash);
	free(t->name);
	free(t->role);
	free(t->host);
	free(t->workload);
	memset(t, 0, sizeof(*t));
}

int cd_store_token_add(struct cd_store *s, const struct cd_token *t)
{
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO tokens(hash, name, role, host, workload, created) "
			   "VALUES(?, ?, ?, ?, ?, ?)", "sssssi", t->hash, t->name, t->role,
			   t->host, t->workload, t->created));
}

int cd_store_token_get(struct cd_store *s, const char *hash, struct cd_token *out)
{
	struct cd_db_stmt *st = cd_store_keep(s, "SELECT hash, name, role, host, workload, created FROM tokens "
				"WHERE hash = ?", "s", hash);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0) {
		out->hash = cd_db_text_dup(st, 0);
		out->name = cd_db_text_dup(st, 1);
		out->role = cd_db_text_dup(st, 2);
		out->host = cd_db_text_dup(st, 3);
		out->workload = cd_db_text_dup(st, 4);
		out->created = cd_db_int(st, 5);
	} else {
		r = rc == 0 ? -ENOENT : rc;
	}
	cd_db_done(st);
	return r;
}

/* A token went: caches of tokens (here, and in the other managers when
 * the transaction commits) drop what they hold. */
static int tokens_gone(struct cd_store *s)
{
	s->tokens_gen++;
	return cd_store_notify(s, "tokens");
}

int cd_store_token_del(struct cd_store *s, const char *hash)
{
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM tokens WHERE hash = ?", "s", hash));
	if (r == 0 && cd_db_changes(s->db) == 0)
		return -ENOENT;
	return r == 0 ? tokens_gone(s) : r;
}

struct token_ctx { cd_store_token_cb cb; void *ctx; };
static int token_row(void *p, struct cd_db_stmt *st)
{
	struct token_ctx *c = p;
	struct cd_token t = {
		.name = (char *)cd_db_text(st, 0), .role = (char *)cd_db_text(st, 1),
		.host = (char *)cd_db_text(st, 2), .workload = (char *)cd_db_text(st, 3),
		.created = cd_db_int(st, 4),
	};
	return c->cb(c->ctx, &t);
}

int cd_store_token_each(struct cd_store *s, cd_store_token_cb cb, void *ctx)
{
	struct token_ctx c = { cb, ctx };
	/* a console session is no token of anyone's making: not listed */
	return cd_db_rows(cd_store_prep(s, "SELECT name, role, host, workload, created FROM tokens "
			    "WHERE name NOT LIKE 'session:%' ORDER BY name, created", NULL), token_row, &c);
}

int64_t cd_store_token_count(struct cd_store *s, const char *name, const char *role)
{
	return cd_db_scalar(cd_store_prep(s, "SELECT count(*) FROM tokens WHERE (? IS NULL OR name = ?) "
			      "AND (? IS NULL OR role = ?) AND name NOT LIKE 'session:%'", "ssss", name, name,
			      role, role));
}

int64_t cd_store_token_del_name(struct cd_store *s, const char *name, const char *role)
{
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM tokens WHERE name = ? AND (? IS NULL OR role = ?)",
					      "sss", name, role, role));
	int64_t n = r < 0 ? r : cd_db_changes(s->db);
	if (n > 0 && (r = tokens_gone(s)) < 0)
		return r;
	return n;
}

/* ---- agents ---- */

void cd_agent_rec_free(struct cd_agent_rec *a)
{
	free(a->name);
	free(a->host);
	free(a->workload);
	free(a->status);
	memset(a, 0, sizeof(*a));
}

int cd_store_agent_put(struct cd_store *s, const struct cd_agent_rec *a)
{
	return cd_store_run(s, cd_store_keep(s, "INSERT INTO agents(name, host, workload, enrolled, last_seen, "
			   "applied_rev, applied_seq, applied_at, status, up) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "ON CONFLICT(name) DO UPDATE SET host = excluded.host, "
			   "workload = excluded.workload, enrolled = excluded.enrolled, "
			   "last_seen = excluded.last_seen, applied_rev = excluded.applied_rev, "
			   "applied_seq = excluded.applied_seq, applied_at = excluded.applied_at, "
			   "status = excluded.status, up = excluded.up "
			   /* a manager that heard the agent last wins over one that
			    * heard it before (several managers) */
			   "WHERE agents.last_seen IS NULL OR agents.last_seen <= excluded.last_seen",
			   "sssiiiiisb", a->name, a->host,
			   a->workload, a->enrolled, a->last_seen, a->applied_rev, a->applied_seq,
			   a->applied_at, a->status, a->up));
}

int cd_store_agent_mark_up(struct cd_store *s, const struct cd_agent_rec *a)
{
	int r = cd_db_begin(s->db);
	int64_t was = r < 0 ? r : cd_db_scalar(cd_store_keep(s, "SELECT up FROM agents WHERE name = ?", "s",
							     a->name));
	struct cd_agent_rec up = *a;
	up.up = true;
	if (was >= 0 || was == -ENOENT)
		r = cd_store_agent_put(s, &up);
	else
		r = (int)was;
	if (r == 0)
		r = cd_db_commit(s->db);
	else
		cd_db_rollback(s->db);
	return r < 0 ? r : was == 1 ? 0 : 1;
}

struct agent_ctx { cd_store_agent_cb cb; void *ctx; };
static int agent_row(void *p, struct cd_db_stmt *st)
{
	struct agent_ctx *c = p;
	struct cd_agent_rec a = {
		.name = (char *)cd_db_text(st, 0), .host = (char *)cd_db_text(st, 1),
		.workload = (char *)cd_db_text(st, 2), .enrolled = cd_db_int(st, 3),
		.last_seen = cd_db_int(st, 4), .applied_rev = cd_db_int(st, 5),
		.applied_seq = cd_db_int(st, 6), .applied_at = cd_db_int(st, 7),
		.status = (char *)cd_db_text(st, 8), .up = cd_db_int(st, 9) != 0,
	};
	return c->cb(c->ctx, &a);
}

int cd_store_agent_each(struct cd_store *s, cd_store_agent_cb cb, void *ctx)
{
	struct agent_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT name, host, workload, enrolled, last_seen, applied_rev, "
			    "applied_seq, applied_at, status, up FROM agents ORDER BY name", NULL),
		    agent_row, &c);
}

int cd_store_agent_down(struct cd_store *s, int64_t before, cd_store_agent_cb cb, void *ctx)
{
	struct agent_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "UPDATE agents SET up = 0 WHERE up = 1 AND last_seen < ? "
			    "RETURNING name, host, workload, enrolled, last_seen, applied_rev, applied_seq, "
			    "applied_at, status, up", "i", before), agent_row, &c);
}

/* ---- events ---- */

static int64_t event_size(const struct cd_event *e)
{
	/* the text a row holds, and about what SQLite spends on the rest */
	return 64 + (int64_t)strlen(e->type) + (int64_t)strlen(e->message) +
	       (e->data ? (int64_t)strlen(e->data) : 0) + (e->workload ? (int64_t)strlen(e->workload) : 0);
}

int cd_store_event_add_once(struct cd_store *s, struct cd_event *e,
			    const char *agent, int64_t agent_seq)
{
	int64_t size = event_size(e);
	/* ids in order and without gaps: writers take turns (db.h) */
	int64_t id = cd_db_scalar(cd_store_keep(s, "INSERT INTO events(id, time, type, workload, host, "
			    "actor, origin, message, data, agent, agent_seq, received, size) "
			    "VALUES((SELECT coalesce(max(id), 0) + 1 FROM events), ?, ?, ?, ?, ?, ?, ?, ?, "
			    "?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
			    "issssssssiii", e->time, e->type, e->workload, e->host, e->actor, e->origin,
			    e->message, e->data, agent, agent_seq, e->received ? e->received : e->time,
			    size));
	if (id == -ENOENT)
		return -EEXIST;     /* (agent, agent_seq) was there */
	if (id < 0)
		return (int)id;
	e->id = id;
	if (s->ev_bytes >= 0)
		s->ev_bytes += size;
	/* the other managers' consoles show it: told at once, or once when
	 * its transaction commits (unless a change is told then anyway) */
	if (!cd_store_shared(s))
		return 0;
	if (cd_db_depth(s->db) == 0)
		return cd_store_notify(s, "event");
	s->event_untold = true;
	return 0;
}

int64_t cd_store_event_bytes(struct cd_store *s)
{
	if (s->ev_bytes < 0)
		s->ev_bytes = cd_db_scalar(cd_store_prep(s, "SELECT (SELECT coalesce(sum(size), 0) FROM "
					      "events) + (SELECT coalesce(sum(size), 0) FROM alerts)", NULL));
	return s->ev_bytes;
}

int64_t cd_store_prune_run(struct cd_store *s, struct cd_db_stmt *st)
{
	if (!st)
		return -EIO;
	int64_t n = 0, bytes = 0;
	int rc;
	while ((rc = cd_db_step(st)) > 0) {
		bytes += cd_db_int(st, 0);
		n++;
	}
	cd_db_done(st);
	if (rc < 0)
		return rc;
	if (s->ev_bytes >= 0)
		s->ev_bytes -= bytes;
	return n;
}

int cd_store_event_prune(struct cd_store *s, int64_t before, int64_t max_bytes, int64_t *removed)
{
	*removed = 0;
	int64_t n;
	/* in batches, so that no one waits long for the database */
	do {
		n = cd_store_prune_run(s, cd_store_prep(s, "DELETE FROM events WHERE id IN (SELECT id FROM events "
				      "WHERE received < ? ORDER BY id LIMIT 2000) RETURNING size",
				      "i", before));
		if (n > 0)
			*removed += n;
	} while (n == 2000);
	/* past alerts go by the same age, and with the events they are older than */
	int64_t na = n >= 0 ? cd_store_alerts_prune(s, before) : 0;
	if (na < 0)
		return (int)na;
	/* then the oldest, down to 90% of the budget, so that each new
	 * event does not remove one: what people did (the audit: events with
	 * an actor) last, so that no flood of alerts or agents' events
	 * evicts it; by age it goes as the rest */
	bool audit = false;
	while (n >= 0 && max_bytes > 0 && cd_store_event_bytes(s) > max_bytes) {
		int64_t over = cd_store_event_bytes(s) - max_bytes / 10 * 9, upto = 0, last = -1;
		struct cd_db_stmt *st = cd_store_prep(s, "SELECT id, size FROM events WHERE ? = 1 OR "
						      "(actor IS NULL AND type != 'audit') ORDER BY id LIMIT 2000",
						      "b", audit);
		if (!st)
			return -EIO;
		while (upto < over && cd_db_step(st) > 0) {
			last = cd_db_int(st, 0);
			upto += cd_db_int(st, 1);
		}
		cd_db_done(st);
		if (last < 0 && !audit) {
			audit = true;    /* nothing left but the audit */
			continue;
		}
		n = cd_store_prune_run(s, cd_store_prep(s, "DELETE FROM events WHERE id <= ? AND (? = 1 OR "
							"(actor IS NULL AND type != 'audit')) RETURNING size",
							"ib", last, audit));
		if (n > 0)
			*removed += n;
		int64_t oldest = cd_db_scalar(cd_store_prep(s, "SELECT coalesce(min(received), "
					"9223372036854775807) FROM events", NULL));
		na = oldest >= 0 ? cd_store_alerts_prune(s, oldest) : -EIO;
		if (na < 0)
			return (int)na;
		if (n == 0 && na == 0)
			break;
	}
	if (n < 0)
		return (int)n;
	return cd_store_event_bytes(s) < 0 ? -EIO : 0;
}

int cd_store_event_known(struct cd_store *s, const char *agent, int64_t agent_seq)
{
	struct cd_db_stmt *st = cd_store_keep(s, "SELECT 1 FROM events WHERE agent = ? AND agent_seq = ?",
				"si", agent, agent_seq);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st);
	int r = rc > 0 ? 1 : rc == 0 ? 0 : rc;
	cd_db_done(st);
	return r;
}

int cd_store_event_add(struct cd_store *s, struct cd_event *e)
{
	return cd_store_event_add_once(s, e, NULL, 0);
}

struct event_ctx { cd_store_event_cb cb; void *ctx; };
static int event_row(void *p, struct cd_db_stmt *st)
{
	struct event_ctx *c = p;
	struct cd_event e = {
		.id = cd_db_int(st, 0), .time = cd_db_int(st, 1),
		.type = cd_db_text(st, 2), .workload = cd_db_text(st, 3), .host = cd_db_text(st, 4),
		.actor = cd_db_text(st, 5), .origin = cd_db_text(st, 6), .message = cd_db_text(st, 7),
		.data = cd_db_text(st, 8),
	};
	return c->cb(c->ctx, &e);
}

int cd_store_event_each(struct cd_store *s, const struct cd_event_filter *f,
			cd_store_event_cb cb, void *ctx)
{
	struct event_ctx c = { cb, ctx };
	bool audit = f->type && !strcmp(f->type, "audit");
	char *q = f->match ? cd_search_query(cd_db_kind(s->db), f->match) : NULL;
	char sql[1024];
	snprintf(sql, sizeof(sql), "SELECT * FROM (SELECT id, time, type, workload, host, actor, origin, "
		 "message, data FROM events WHERE time >= ? AND time <= ? AND id < ? "
		 "AND (? IS NULL OR workload = ? COLLATE NOCASE) "
		 "AND (? IS NULL OR host = ? COLLATE NOCASE) "
		 "AND (? IS NULL OR type = ? OR (? = 1 AND actor IS NOT NULL)) AND (? IS NULL OR %s) "
		 "ORDER BY id DESC LIMIT ?) AS e ORDER BY CASE WHEN ? IS NULL THEN id ELSE -id END",
		 cd_store_shared(s) ? CD_STORE_PG_TEXT " @@ to_tsquery('simple', ?)"
				    : "id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)");
	/* the newest LIMIT, returned oldest first; a search's newest first */
	int r = cd_db_rows(cd_store_prep(s, sql, "iiissssssbssis", f->since,
					  f->until > 0 ? f->until : INT64_MAX,
					  f->before > 0 ? f->before : INT64_MAX, f->workload, f->workload,
					  f->host, f->host, f->type, f->type, audit, q, q,
					  f->limit > 0 ? f->limit : INT64_MAX, q),
			   event_row, &c);
	free(q);
	return r;
}

struct latest_ctx { int (*cb)(void *ctx, const char *workload, int64_t time); void *ctx; };
static int latest_row(void *p, struct cd_db_stmt *st)
{
	struct latest_ctx *c = p;
	return c->cb(c->ctx, cd_db_text(st, 0), cd_db_int(st, 1));
}

int cd_store_event_latest(struct cd_store *s, const char *type, int64_t since,
			  int (*cb)(void *ctx, const char *workload, int64_t time), void *ctx)
{
	struct latest_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT workload, max(time) FROM events WHERE type = ? "
					"AND time >= ? AND workload IS NOT NULL GROUP BY workload",
					"si", type, since), latest_row, &c);
}
