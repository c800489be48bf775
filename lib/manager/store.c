/* store.c - the embedded store: SQLite in WAL mode.
 *
 * Statements are prepared once per call (sqlite3_prepare_v3 is cheap next
 * to the fsync of a commit); every value goes through a bind, never into
 * SQL text. */
#include "manager/store_priv.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"


static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	"  config TEXT, workloads TEXT NOT NULL, updated INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS tags(workload TEXT NOT NULL, tag TEXT NOT NULL,"
	"  ltag TEXT NOT NULL, add_ INTEGER NOT NULL, PRIMARY KEY(workload, ltag));"
	"CREATE TABLE IF NOT EXISTS revisions(rev INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, host TEXT, workload TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS agents(name TEXT PRIMARY KEY, host TEXT, workload TEXT,"
	"  enrolled INTEGER, last_seen INTEGER, applied_rev INTEGER, applied_seq INTEGER,"
	"  applied_at INTEGER, status TEXT);"
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  type TEXT NOT NULL, workload TEXT, host TEXT, actor TEXT, origin TEXT,"
	"  message TEXT NOT NULL, data TEXT, agent TEXT, agent_seq INTEGER);"
	"CREATE UNIQUE INDEX IF NOT EXISTS events_agent ON events(agent, agent_seq)"
	"  WHERE agent IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time);"
	"CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY, workload TEXT NOT NULL,"
	"  kind TEXT NOT NULL, state TEXT NOT NULL, by_ TEXT, requested INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL, result TEXT);"
	"CREATE TABLE IF NOT EXISTS quarantines(workload TEXT PRIMARY KEY COLLATE NOCASE,"
	"  since INTEGER NOT NULL, detected INTEGER NOT NULL, why TEXT NOT NULL);";

/* What changed since the first schema, in order; PRAGMA user_version is
 * how many of them a database has. */
static const char *const migrations[] = {
	/* 1: the event log's retention: when the manager took each event
	 * (an agent's own time may be anything) and about how big it is */
	"ALTER TABLE events ADD COLUMN received INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE events ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"
	"UPDATE events SET received = time, size = 64 + length(CAST(type AS BLOB)) +"
	"  length(CAST(message AS BLOB)) + coalesce(length(CAST(data AS BLOB)), 0) +"
	"  coalesce(length(CAST(workload AS BLOB)), 0);"
	"CREATE INDEX events_received ON events(received);",
	/* 2: alert definitions' revisions, alerts (active and past), and the
	 * events' full-text index (FTS5 over message and data, kept by
	 * triggers) */
	"CREATE TABLE alert_revisions(rev INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY, definition TEXT NOT NULL, kind TEXT NOT NULL,"
	"  object TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,"
	"  raised INTEGER NOT NULL, updated INTEGER NOT NULL, cancelled INTEGER,"
	"  acked_by TEXT, acked_at INTEGER, detail TEXT NOT NULL, size INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX alerts_active ON alerts(definition, kind, object) WHERE state = 'active';"
	"CREATE INDEX alerts_updated ON alerts(updated);"
	"CREATE VIRTUAL TABLE events_fts USING fts5(message, data, content='events', content_rowid='id');"
	"INSERT INTO events_fts(events_fts) VALUES('rebuild');"
	"CREATE TRIGGER events_fts_add AFTER INSERT ON events BEGIN"
	"  INSERT INTO events_fts(rowid, message, data) VALUES(new.id, new.message, new.data); END;"
	"CREATE TRIGGER events_fts_del AFTER DELETE ON events BEGIN"
	"  INSERT INTO events_fts(events_fts, rowid, message, data)"
	"  VALUES('delete', old.id, old.message, old.data); END;",
	/* 3: users who sign in to the console with a password (its slow salted
	 * hash: libsodium's crypto_pwhash_str, Argon2id) */
	"CREATE TABLE users(name TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL,"
	"  hash TEXT NOT NULL, created INTEGER NOT NULL);",
	/* 4: the time zone a user's console shows times in (NULL: the
	 * browser's) */
	"ALTER TABLE users ADD COLUMN zone TEXT;",
};

int cd_store_fail(struct cd_store *s)
{
	snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
	return -EIO;
}

/* Bring the schema up to date, each step in a transaction of its own. */
static int migrate(struct cd_store *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return cd_store_fail(s);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (v < 0)
		return cd_store_fail(s);
	if (v > (int64_t)CD_ARRAY_LEN(migrations)) {
		snprintf(s->err, sizeof(s->err), "the database is of a newer cordon (schema %lld, "
			 "this one knows %zu)", (long long)v, CD_ARRAY_LEN(migrations));
		return -EPROTO;
	}
	for (; v < (int64_t)CD_ARRAY_LEN(migrations); v++) {
		char set[64];
		snprintf(set, sizeof(set), "PRAGMA user_version = %lld", (long long)v + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return cd_store_fail(s);
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, set, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int r = cd_store_fail(s);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
	}
	return 0;
}

const char *cd_store_error(const struct cd_store *s)
{
	return s->err;
}

int cd_store_open(const char *path, struct cd_store **out)
{
	struct cd_store *s = cd_calloc(1, sizeof(*s));
	*out = s;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return cd_store_fail(s);
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return cd_store_fail(s);
	s->ev_bytes = -1;
	return migrate(s);
}

void cd_store_close(struct cd_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

int cd_store_begin(struct cd_store *s)
{
	if (s->depth == 0) {
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return cd_store_fail(s);     /* nothing open: the rollback that follows is a no-op */
		s->depth = 1;
		return 0;
	}
	/* inside another: a savepoint, counted open even if it failed, so
	 * that the commit or rollback that follows pairs with it */
	char sql[32];
	snprintf(sql, sizeof(sql), "SAVEPOINT s%d", s->depth++);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : cd_store_fail(s);
}

int cd_store_commit(struct cd_store *s)
{
	if (s->depth <= 0)
		return -EINVAL;
	char sql[32];
	if (--s->depth == 0)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE s%d", s->depth);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	int r = cd_store_fail(s);
	if (s->depth == 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else
		s->depth++;         /* still open: the caller rolls it back */
	return r;
}

void cd_store_rollback(struct cd_store *s)
{
	if (s->depth <= 0)
		return;
	if (--s->depth == 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		char sql[64];
		snprintf(sql, sizeof(sql), "ROLLBACK TO s%d; RELEASE s%d", s->depth, s->depth);
		sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	s->ev_bytes = -1;       /* what was added may be gone: count again */
}

/* ---- statement helpers ---- */

/* Prepare sql and bind the arguments described by fmt: 's' text (NULL
 * binds NULL), 'i' int64, 'b' bool. */
sqlite3_stmt *cd_store_prep(struct cd_store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		cd_store_fail(s);
		return NULL;
	}
	va_list ap;
	va_start(ap, fmt);
	for (int i = 1; fmt && *fmt; fmt++, i++) {
		switch (*fmt) {
		case 's': {
			const char *v = va_arg(ap, const char *);
			if (v)
				sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, i);
			break;
		}
		case 'i':
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'b':
			sqlite3_bind_int(st, i, va_arg(ap, int) ? 1 : 0);
			break;
		}
	}
	va_end(ap);
	return st;
}

/* Run a statement that returns no rows. */
int cd_store_run(struct cd_store *s, sqlite3_stmt *st)
{
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_DONE ? 0 : cd_store_fail(s);
	if (rc == SQLITE_CONSTRAINT)
		r = -EEXIST;
	sqlite3_finalize(st);
	return r;
}

char *cd_store_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? cd_strdup((const char *)t) : NULL;
}

const char *cd_store_col_ref(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Step through rows; each calls row(ctx) until it returns nonzero. */
int cd_store_rows(struct cd_store *s, sqlite3_stmt *st,
		int (*row)(void *ctx, sqlite3_stmt *st), void *ctx)
{
	if (!st)
		return -EIO;
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = row(ctx, st)) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = cd_store_fail(s);
	sqlite3_finalize(st);
	return r;
}

int64_t cd_store_scalar(struct cd_store *s, sqlite3_stmt *st)
{
	if (!st)
		return -EIO;
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : cd_store_fail(s);
	sqlite3_finalize(st);
	return v;
}

/* ---- meta ---- */

int cd_store_meta_get(struct cd_store *s, const char *key, char **val)
{
	sqlite3_stmt *st = cd_store_prep(s, "SELECT value FROM meta WHERE key = ?", "s", key);
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW)
		*val = cd_store_col_str(st, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : cd_store_fail(s);
	sqlite3_finalize(st);
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
	if (r == 0 && sqlite3_changes(s->db) == 0)
		return -ENOENT;
	return r;
}

struct source_ctx { cd_store_source_cb cb; void *ctx; };
static int source_row(void *p, sqlite3_stmt *st)
{
	struct source_ctx *c = p;
	return c->cb(c->ctx, cd_store_col_ref(st, 0), cd_store_col_ref(st, 1), cd_store_col_ref(st, 2), cd_store_col_ref(st, 3),
		     sqlite3_column_int64(st, 4));
}

int cd_store_source_each(struct cd_store *s, cd_store_source_cb cb, void *ctx)
{
	struct source_ctx c = { cb, ctx };
	return cd_store_rows(s, cd_store_prep(s, "SELECT name, kind, config, workloads, updated FROM sources ORDER BY name",
			    NULL), source_row, &c);
}

/* ---- tags ---- */

int cd_store_tag_put(struct cd_store *s, const char *wl, const char *tag, bool add)
{
	char *l = cd_lower(tag);
	int r = cd_store_run(s, cd_store_prep(s, "INSERT INTO tags(workload, tag, ltag, add_) VALUES(?, ?, ?, ?) "
			    "ON CONFLICT(workload, ltag) DO UPDATE SET tag = excluded.tag, "
			    "add_ = excluded.add_", "sssb", wl, tag, l, add));
	free(l);
	return r;
}

int cd_store_tag_del(struct cd_store *s, const char *wl, const char *tag)
{
	char *l = cd_lower(tag);
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM tags WHERE workload = ? AND ltag = ?", "ss", wl, l));
	free(l);
	return r;
}

struct tag_ctx { cd_store_tag_cb cb; void *ctx; };
static int tag_row(void *p, sqlite3_stmt *st)
{
	struct tag_ctx *c = p;
	return c->cb(c->ctx, cd_store_col_ref(st, 0), cd_store_col_ref(st, 1), sqlite3_column_int(st, 2) != 0);
}

int cd_store_tag_each(struct cd_store *s, cd_store_tag_cb cb, void *ctx)
{
	struct tag_ctx c = { cb, ctx };
	return cd_store_rows(s, cd_store_prep(s, "SELECT workload, tag, add_ FROM tags ORDER BY workload, rowid",
			    NULL), tag_row, &c);
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
	sqlite3_stmt *st = cd_store_prep(s, "SELECT hash, name, role, host, workload, created FROM tokens "
				"WHERE hash = ?", "s", hash);
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		out->hash = cd_store_col_str(st, 0);
		out->name = cd_store_col_str(st, 1);
		out->role = cd_store_col_str(st, 2);
		out->host = cd_store_col_str(st, 3);
		out->workload = cd_store_col_str(st, 4);
		out->created = sqlite3_column_int64(st, 5);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : cd_store_fail(s);
	}
	sqlite3_finalize(st);
	return r;
}

int cd_store_token_del(struct cd_store *s, const char *hash)
{
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM tokens WHERE hash = ?", "s", hash));
	if (r == 0 && sqlite3_changes(s->db) == 0)
		return -ENOENT;
	return r;
}

struct token_ctx { cd_store_token_cb cb; void *ctx; };
static int token_row(void *p, sqlite3_stmt *st)
{
	struct token_ctx *c = p;
	struct cd_token t = {
		.name = (char *)cd_store_col_ref(st, 0), .role = (char *)cd_store_col_ref(st, 1),
		.host = (char *)cd_store_col_ref(st, 2), .workload = (char *)cd_store_col_ref(st, 3),
		.created = sqlite3_column_int64(st, 4),
	};
	return c->cb(c->ctx, &t);
}

int cd_store_token_each(struct cd_store *s, cd_store_token_cb cb, void *ctx)
{
	struct token_ctx c = { cb, ctx };
	/* a console session is no token of anyone's making: not listed */
	return cd_store_rows(s, cd_store_prep(s, "SELECT name, role, host, workload, created FROM tokens "
			    "WHERE name NOT LIKE 'session:%' ORDER BY name, created", NULL), token_row, &c);
}

int64_t cd_store_token_count(struct cd_store *s, const char *name, const char *role)
{
	return cd_store_scalar(s, cd_store_prep(s, "SELECT count(*) FROM tokens WHERE (? IS NULL OR name = ?) "
			      "AND (? IS NULL OR role = ?) AND name NOT LIKE 'session:%'", "ssss", name, name,
			      role, role));
}

int64_t cd_store_token_del_name(struct cd_store *s, const char *name, const char *role)
{
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM tokens WHERE name = ? AND role = ?", "ss", name, role));
	return r < 0 ? r : sqlite3_changes(s->db);
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
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO agents(name, host, workload, enrolled, last_seen, "
			   "applied_rev, applied_seq, applied_at, status) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "ON CONFLICT(name) DO UPDATE SET host = excluded.host, "
			   "workload = excluded.workload, enrolled = excluded.enrolled, "
			   "last_seen = excluded.last_seen, applied_rev = excluded.applied_rev, "
			   "applied_seq = excluded.applied_seq, applied_at = excluded.applied_at, "
			   "status = excluded.status", "sssiiiiis", a->name, a->host, a->workload,
			   a->enrolled, a->last_seen, a->applied_rev, a->applied_seq, a->applied_at,
			   a->status));
}

struct agent_ctx { cd_store_agent_cb cb; void *ctx; };
static int agent_row(void *p, sqlite3_stmt *st)
{
	struct agent_ctx *c = p;
	struct cd_agent_rec a = {
		.name = (char *)cd_store_col_ref(st, 0), .host = (char *)cd_store_col_ref(st, 1),
		.workload = (char *)cd_store_col_ref(st, 2), .enrolled = sqlite3_column_int64(st, 3),
		.last_seen = sqlite3_column_int64(st, 4), .applied_rev = sqlite3_column_int64(st, 5),
		.applied_seq = sqlite3_column_int64(st, 6), .applied_at = sqlite3_column_int64(st, 7),
		.status = (char *)cd_store_col_ref(st, 8),
	};
	return c->cb(c->ctx, &a);
}

int cd_store_agent_each(struct cd_store *s, cd_store_agent_cb cb, void *ctx)
{
	struct agent_ctx c = { cb, ctx };
	return cd_store_rows(s, cd_store_prep(s, "SELECT name, host, workload, enrolled, last_seen, applied_rev, "
			    "applied_seq, applied_at, status FROM agents ORDER BY name", NULL),
		    agent_row, &c);
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
	int r = cd_store_run(s, cd_store_prep(s, "INSERT INTO events(time, type, workload, host, actor, origin, "
			    "message, data, agent, agent_seq, received, size) "
			    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    "issssssssiii", e->time, e->type, e->workload, e->host, e->actor, e->origin,
			    e->message, e->data, agent, agent_seq, e->received ? e->received : e->time,
			    size));
	if (r == 0) {
		e->id = sqlite3_last_insert_rowid(s->db);
		if (s->ev_bytes >= 0)
			s->ev_bytes += size;
	}
	return r;
}

int64_t cd_store_event_bytes(struct cd_store *s)
{
	if (s->ev_bytes < 0)
		s->ev_bytes = cd_store_scalar(s, cd_store_prep(s, "SELECT (SELECT coalesce(sum(size), 0) FROM "
					      "events) + (SELECT coalesce(sum(size), 0) FROM alerts)", NULL));
	return s->ev_bytes;
}

int64_t cd_store_prune_run(struct cd_store *s, sqlite3_stmt *st)
{
	if (!st)
		return -EIO;
	int64_t n = 0, bytes = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bytes += sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cd_store_fail(s);
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
	 * event does not remove one */
	while (n >= 0 && max_bytes > 0 && cd_store_event_bytes(s) > max_bytes) {
		int64_t over = cd_store_event_bytes(s) - max_bytes / 10 * 9, upto = 0, last = -1;
		sqlite3_stmt *st = cd_store_prep(s, "SELECT id, size FROM events ORDER BY id LIMIT 2000", NULL);
		if (!st)
			return -EIO;
		while (upto < over && sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			upto += sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		n = cd_store_prune_run(s, cd_store_prep(s, "DELETE FROM events WHERE id <= ? RETURNING size", "i", last));
		if (n > 0)
			*removed += n;
		int64_t oldest = cd_store_scalar(s, cd_store_prep(s, "SELECT coalesce(min(received), "
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
	sqlite3_stmt *st = cd_store_prep(s, "SELECT 1 FROM events WHERE agent = ? AND agent_seq = ?",
				"si", agent, agent_seq);
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : cd_store_fail(s);
	sqlite3_finalize(st);
	return r;
}

int cd_store_event_add(struct cd_store *s, struct cd_event *e)
{
	return cd_store_event_add_once(s, e, NULL, 0);
}

struct event_ctx { cd_store_event_cb cb; void *ctx; };
static int event_row(void *p, sqlite3_stmt *st)
{
	struct event_ctx *c = p;
	struct cd_event e = {
		.id = sqlite3_column_int64(st, 0), .time = sqlite3_column_int64(st, 1),
		.type = cd_store_col_ref(st, 2), .workload = cd_store_col_ref(st, 3), .host = cd_store_col_ref(st, 4),
		.actor = cd_store_col_ref(st, 5), .origin = cd_store_col_ref(st, 6), .message = cd_store_col_ref(st, 7),
		.data = cd_store_col_ref(st, 8),
	};
	return c->cb(c->ctx, &e);
}

int cd_store_event_each(struct cd_store *s, const struct cd_event_filter *f,
			cd_store_event_cb cb, void *ctx)
{
	struct event_ctx c = { cb, ctx };
	bool audit = f->type && !strcmp(f->type, "audit");
	/* the newest LIMIT, returned oldest first; a search's newest first */
	return cd_store_rows(s, cd_store_prep(s, "SELECT * FROM (SELECT id, time, type, workload, host, actor, origin, "
			    "message, data FROM events WHERE time >= ? AND time <= ? AND id < ? "
			    "AND (? IS NULL OR workload = ? COLLATE NOCASE) "
			    "AND (? IS NULL OR host = ? COLLATE NOCASE) "
			    "AND (? IS NULL OR type = ? OR (? AND actor IS NOT NULL)) "
			    "AND (? IS NULL OR id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)) "
			    "ORDER BY id DESC LIMIT ?) ORDER BY CASE WHEN ? IS NULL THEN id ELSE -id END",
			    "iiissssssbssis", f->since, f->until > 0 ? f->until : INT64_MAX,
			    f->before > 0 ? f->before : INT64_MAX, f->workload, f->workload, f->host, f->host,
			    f->type, f->type, audit, f->match, f->match, f->limit > 0 ? f->limit : INT64_MAX,
			    f->match),
		    event_row, &c);
}

