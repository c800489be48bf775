/* chunkdb.c - the metrics store's chunks in SQLite (see chunkdb.h), or
 * handed to chunkdb_pg.c when the store is on PostgreSQL.
 *
 * Pages of 64 KiB: a block is a few KiB, and small pages would leave
 * much of each empty.  Chunks are appended by rowid, so pages fill up;
 * the index by (group, tier, t1) finds a group's range. */
#include "metrics/chunkdb.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "metrics/chunkdb_pg.h"

enum {
	Q_GROUP_ADD, Q_GROUP_ROLLED, Q_GROUP_EACH, Q_SERIES_ADD, Q_SERIES_EACH, Q_PUT, Q_GET,
	Q_GET_BEFORE, Q_GET_LAST, Q_FIRST_FROM, Q_HEAD_PUT, Q_HEAD_EACH, Q_WAL_ADD, Q_WAL_EACH,
	Q_COUNT
};

static const char *const sql[Q_COUNT] = {
	/* no number of a group or series removed is given again (gone) */
	[Q_GROUP_ADD] = "INSERT INTO groups(id, labels, rolled) VALUES (max(coalesce((SELECT"
			" max(id) FROM groups), 0), coalesce((SELECT max(grp) FROM gone), 0)) + 1,"
			" ?, ?)",
	[Q_GROUP_ROLLED] = "UPDATE groups SET rolled = ? WHERE id = ?",
	[Q_GROUP_EACH] = "SELECT id, labels, rolled FROM groups WHERE id > ? ORDER BY id",
	[Q_SERIES_ADD] = "INSERT INTO series(id, key, metric, grp, kind, name, host, source,"
			 " counter) VALUES (max(coalesce((SELECT max(id) FROM series), 0),"
			 " coalesce((SELECT max(top) FROM gone), 0)) + 1, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_SERIES_EACH] = "SELECT id, key, metric, grp, kind, name, host, source, counter"
			  " FROM series WHERE id > ? ORDER BY id",
	[Q_PUT] = "INSERT INTO chunks(grp, tier, t0, t1, n, epoch, data)"
		  " VALUES (?, ?, ?, ?, ?, (SELECT v FROM meta WHERE k = 'epoch'), ?)",
	/* in the index's order: no sort of the blobs in a temporary b-tree */
	[Q_GET] = "SELECT t0, t1, n, data FROM chunks WHERE grp = ? AND tier = ? AND t1 >= ?"
		  " AND t0 <= ? ORDER BY t1, rowid",
	[Q_GET_BEFORE] = "SELECT t0, t1, n, data FROM chunks WHERE grp = ? AND tier = ?"
			 " AND t1 < ? ORDER BY t1 DESC LIMIT 8",
	[Q_GET_LAST] = "SELECT t0, t1, n, data FROM chunks WHERE grp = ? AND tier = ?"
		       " ORDER BY rowid DESC LIMIT 1",
	[Q_FIRST_FROM] = "SELECT min(t0) FROM chunks WHERE grp = ? AND tier = ? AND t1 >= ?",
	[Q_HEAD_PUT] = "INSERT OR REPLACE INTO heads(grp, data) VALUES (?, ?)",
	[Q_HEAD_EACH] = "SELECT grp, data FROM heads ORDER BY grp",
	[Q_WAL_ADD] = "INSERT INTO wal(data) VALUES (?)",
	[Q_WAL_EACH] = "SELECT data FROM wal ORDER BY id",
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO meta VALUES ('epoch', 1);"
	"CREATE TABLE IF NOT EXISTS groups(id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE,"
	"  rolled INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
	"  metric TEXT NOT NULL, grp INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
	"  host TEXT NOT NULL, source TEXT NOT NULL, counter INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS chunks(grp INTEGER NOT NULL, tier INTEGER NOT NULL,"
	"  t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, n INTEGER NOT NULL, epoch INTEGER NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS chunks_by_group ON chunks(grp, tier, t1);"
	"CREATE TABLE IF NOT EXISTS heads(grp INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS wal(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	/* the groups removed, with their series' highest number */
	"CREATE TABLE IF NOT EXISTS gone(seq INTEGER PRIMARY KEY, grp INTEGER NOT NULL,"
	"  top INTEGER NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS gone_by_group ON gone(grp);"
	"CREATE INDEX IF NOT EXISTS gone_by_top ON gone(top);";

struct cd_chunkdb {
	struct cd_chunkdb_pg *pg;  /* on PostgreSQL: everything is there */
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
	char *path;
	int lock;                  /* DIR/metrics.lock, held while open */
	char err[256];
};

static int fail(struct cd_chunkdb *db)
{
	snprintf(db->err, sizeof(db->err), "%s", sqlite3_errmsg(db->db));
	return -EIO;
}

static sqlite3_stmt *stmt(struct cd_chunkdb *db, int q)
{
	if (!db->q[q] && sqlite3_prepare_v2(db->db, sql[q], -1, &db->q[q], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(db->q[q]);
	sqlite3_clear_bindings(db->q[q]);
	return db->q[q];
}

/* Step a statement that returns no rows. */
static int run(struct cd_chunkdb *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db);
}

static int exec(struct cd_chunkdb *db, const char *s)
{
	return sqlite3_exec(db->db, s, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db);
}

int cd_chunkdb_open(const char *dir, const char *target, struct cd_chunkdb **out, char *err,
		    size_t errlen)
{
	struct cd_chunkdb *db = cd_calloc(1, sizeof(*db));
	if (target) {
		db->lock = -1;
		int r = cd_chunkdb_pg_open(dir, target, &db->pg, err, errlen);
		if (r) {
			free(db);
			return r;
		}
		*out = db;
		return 0;
	}
	db->path = cd_asprintf("%s/metrics.db", dir);
	/* one process at a time: cordond, or an import */
	char *lock = cd_asprintf("%s/metrics.lock", dir);
	db->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (db->lock < 0 || flock(db->lock, LOCK_EX | LOCK_NB)) {
		int e = errno;
		snprintf(err, errlen, "%s/metrics.lock: %s", dir,
			 e == EWOULDBLOCK ? "the store is in use by another process" : strerror(e));
		cd_chunkdb_close(db);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	int r = 0;
	if (sqlite3_open_v2(db->path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		r = fail(db);
	if (!r) {
		sqlite3_busy_timeout(db->db, 5000);
		/* reads from the file's mapping, not copied page by page */
		r = exec(db, "PRAGMA page_size=65536; PRAGMA journal_mode=WAL;"
			     " PRAGMA synchronous=NORMAL; PRAGMA mmap_size=4294967296;"
			     " PRAGMA cache_size=-65536;");
	}
	if (!r)
		r = exec(db, schema);
	if (r) {
		snprintf(err, errlen, "%s: %s", db->path, db->err);
		cd_chunkdb_close(db);
		return r;
	}
	chmod(db->path, 0600);
	*out = db;
	return 0;
}

int cd_chunkdb_open_ro(const char *dir, struct cd_chunkdb **out, char *err, size_t errlen)
{
	struct cd_chunkdb *db = cd_calloc(1, sizeof(*db));
	db->path = cd_asprintf("%s/metrics.db", dir);
	db->lock = -1;
	if (sqlite3_open_v2(db->path, &db->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->db));
		cd_chunkdb_close(db);
		return -ENOENT;
	}
	sqlite3_busy_timeout(db->db, 5000);
	sqlite3_exec(db->db, "PRAGMA mmap_size=4294967296;", NULL, NULL, NULL);
	*out = db;
	return 0;
}

void cd_chunkdb_close(struct cd_chunkdb *db)
{
	if (!db)
		return;
	cd_chunkdb_pg_close(db->pg);
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(db->q[i]);
	sqlite3_close(db->db);
	if (db->lock >= 0)
		close(db->lock);
	free(db->path);
	free(db);
}

const char *cd_chunkdb_error(const struct cd_chunkdb *db)
{
	return db->pg ? cd_chunkdb_pg_error(db->pg) : db->err;
}

bool cd_chunkdb_shared(const struct cd_chunkdb *db)
{
	return db->pg != NULL;
}

int cd_chunkdb_writer_check(struct cd_chunkdb *db)
{
	return db->pg ? cd_chunkdb_pg_writer_check(db->pg) : 0;
}

int cd_chunkdb_bulk(struct cd_chunkdb *db, bool on)
{
	if (db->pg)                /* an import writes into a store of its own */
		return -ENOTSUP;
	return exec(db, on ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL");
}

int cd_chunkdb_begin(struct cd_chunkdb *db)
{
	return db->pg ? cd_chunkdb_pg_begin(db->pg) : exec(db, "BEGIN IMMEDIATE");
}

int cd_chunkdb_commit(struct cd_chunkdb *db)
{
	return db->pg ? cd_chunkdb_pg_commit(db->pg) : exec(db, "COMMIT");
}

void cd_chunkdb_rollback(struct cd_chunkdb *db)
{
	if (db->pg)
		cd_chunkdb_pg_rollback(db->pg);
	else
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int cd_chunkdb_epoch_next(struct cd_chunkdb *db)
{
	if (db->pg)
		return cd_chunkdb_pg_epoch_next(db->pg);
	return exec(db, "UPDATE meta SET v = v + 1 WHERE k = 'epoch'");
}

int cd_chunkdb_drop_epoch(struct cd_chunkdb *db)
{
	if (db->pg)
		return cd_chunkdb_pg_drop_epoch(db->pg);
	return exec(db, "DELETE FROM chunks WHERE tier = 0 AND"
			" epoch >= (SELECT v FROM meta WHERE k = 'epoch')");
}

int cd_chunkdb_group_add(struct cd_chunkdb *db, const struct cd_group_row *r, int64_t *id)
{
	if (db->pg)
		return cd_chunkdb_pg_group_add(db->pg, r, id);
	sqlite3_stmt *st = stmt(db, Q_GROUP_ADD);
	if (!st)
		return fail(db);
	sqlite3_bind_text(st, 1, r->labels, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->rolled);
	int rc = run(db, st);
	if (!rc)
		*id = sqlite3_last_insert_rowid(db->db);
	return rc;
}

int cd_chunkdb_group_rolled(struct cd_chunkdb *db, int64_t id, int64_t rolled)
{
	if (db->pg)
		return cd_chunkdb_pg_group_rolled(db->pg, id, rolled);
	sqlite3_stmt *st = stmt(db, Q_GROUP_ROLLED);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, rolled);
	sqlite3_bind_int64(st, 2, id);
	return run(db, st);
}

int cd_chunkdb_group_rolled_get(struct cd_chunkdb *db, int64_t id, int64_t *rolled)
{
	if (db->pg)
		return cd_chunkdb_pg_group_rolled_get(db->pg, id, rolled);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->db, "SELECT rolled FROM groups WHERE id = ?", -1, &st, NULL))
		return fail(db);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*rolled = sqlite3_column_int64(st, 0);
	int r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : fail(db);
	sqlite3_finalize(st);
	return r;
}

int cd_chunkdb_series_add(struct cd_chunkdb *db, const struct cd_series_row *r, int64_t *id)
{
	if (db->pg)
		return cd_chunkdb_pg_series_add(db->pg, r, id);
	/* a row of that key whose group is gone (set aside at open: a
	 * damaged file) makes way */
	sqlite3_stmt *del;
	if (sqlite3_prepare_v2(db->db, "DELETE FROM series WHERE key = ? AND NOT EXISTS "
			       "(SELECT 1 FROM groups WHERE groups.id = series.grp)", -1, &del, NULL) != SQLITE_OK)
		return fail(db);
	sqlite3_bind_text(del, 1, r->key, -1, SQLITE_STATIC);
	int rd = sqlite3_step(del);
	sqlite3_finalize(del);
	if (rd != SQLITE_DONE)
		return fail(db);
	sqlite3_stmt *st = stmt(db, Q_SERIES_ADD);
	if (!st)
		return fail(db);
	sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->metric, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->group);
	const char *text[] = { r->kind, r->name, r->host, r->source };
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, i + 4, text[i] ? text[i] : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, r->counter);
	int rc = run(db, st);
	if (!rc)
		*id = sqlite3_last_insert_rowid(db->db);
	return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

int cd_chunkdb_group_each(struct cd_chunkdb *db, int64_t after,
			  int (*fn)(void *arg, const struct cd_group_row *r), void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_group_each(db->pg, after, fn, arg);
	sqlite3_stmt *st = stmt(db, Q_GROUP_EACH);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, after);
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cd_group_row row = { .id = sqlite3_column_int64(st, 0),
					    .labels = col_text(st, 1),
					    .rolled = sqlite3_column_int64(st, 2) };
		r = fn(arg, &row);
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(db);
	sqlite3_reset(st);
	return r;
}

int cd_chunkdb_series_each(struct cd_chunkdb *db, int64_t after,
			   int (*fn)(void *arg, const struct cd_series_row *r), void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_series_each(db->pg, after, fn, arg);
	sqlite3_stmt *st = stmt(db, Q_SERIES_EACH);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, after);
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cd_series_row row = {
			.id = sqlite3_column_int64(st, 0), .key = col_text(st, 1),
			.metric = col_text(st, 2), .group = sqlite3_column_int64(st, 3),
			.kind = col_text(st, 4), .name = col_text(st, 5), .host = col_text(st, 6),
			.source = col_text(st, 7), .counter = sqlite3_column_int(st, 8),
		};
		r = fn(arg, &row);
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(db);
	sqlite3_reset(st);
	return r;
}

int cd_chunkdb_put(struct cd_chunkdb *db, const struct cd_chunk_row *c)
{
	if (db->pg)
		return cd_chunkdb_pg_put(db->pg, c);
	sqlite3_stmt *st = stmt(db, Q_PUT);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, c->group);
	sqlite3_bind_int(st, 2, c->tier);
	sqlite3_bind_int64(st, 3, c->t0);
	sqlite3_bind_int64(st, 4, c->t1);
	sqlite3_bind_int64(st, 5, c->n);
	sqlite3_bind_blob(st, 6, c->data, (int)c->len, SQLITE_STATIC);
	return run(db, st);
}

/* Give each row of a SELECT t0, t1, n, data to fn. */
static int rows(struct cd_chunkdb *db, sqlite3_stmt *st, int64_t group, int tier,
		cd_chunk_fn fn, void *arg)
{
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cd_chunk_row c = {
			.group = group, .tier = tier, .t0 = sqlite3_column_int64(st, 0),
			.t1 = sqlite3_column_int64(st, 1), .n = (uint32_t)sqlite3_column_int64(st, 2),
			.data = sqlite3_column_blob(st, 3), .len = (size_t)sqlite3_column_bytes(st, 3),
		};
		r = fn(arg, &c);
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(db);
	sqlite3_reset(st);
	return r < 0 ? r : 0;      /* fn > 0: it has what it wanted */
}

static int query(struct cd_chunkdb *db, int q, int64_t group, int tier, int64_t a, int64_t b,
		 int nargs, cd_chunk_fn fn, void *arg)
{
	sqlite3_stmt *st = stmt(db, q);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, group);
	sqlite3_bind_int(st, 2, tier);
	if (nargs > 0)
		sqlite3_bind_int64(st, 3, a);
	if (nargs > 1)
		sqlite3_bind_int64(st, 4, b);
	return rows(db, st, group, tier, fn, arg);
}

int cd_chunkdb_get(struct cd_chunkdb *db, int64_t group, int tier, int64_t from, int64_t to,
		   cd_chunk_fn fn, void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_get(db->pg, group, tier, from, to, fn, arg);
	return query(db, Q_GET, group, tier, from, to, 2, fn, arg);
}

int cd_chunkdb_get_before(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  cd_chunk_fn fn, void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_get_before(db->pg, group, tier, t, fn, arg);
	return query(db, Q_GET_BEFORE, group, tier, t, 0, 1, fn, arg);
}

int cd_chunkdb_get_last(struct cd_chunkdb *db, int64_t group, int tier, cd_chunk_fn fn,
			void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_get_last(db->pg, group, tier, fn, arg);
	return query(db, Q_GET_LAST, group, tier, 0, 0, 0, fn, arg);
}

int cd_chunkdb_first_from(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  int64_t *t0)
{
	if (db->pg)
		return cd_chunkdb_pg_first_from(db->pg, group, tier, t, t0);
	sqlite3_stmt *st = stmt(db, Q_FIRST_FROM);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, group);
	sqlite3_bind_int(st, 2, tier);
	sqlite3_bind_int64(st, 3, t);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*t0 = sqlite3_column_int64(st, 0);
	else
		r = rc == SQLITE_ROW ? -ENOENT : fail(db);
	sqlite3_reset(st);
	return r;
}

int cd_chunkdb_last_t1(struct cd_chunkdb *db, int64_t group, int tier, int64_t *t1)
{
	if (db->pg)
		return cd_chunkdb_pg_last_t1(db->pg, group, tier, t1);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->db, "SELECT max(t1) FROM chunks WHERE grp = ? AND tier = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return fail(db);
	sqlite3_bind_int64(st, 1, group);
	sqlite3_bind_int(st, 2, tier);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*t1 = sqlite3_column_int64(st, 0);
	else
		r = rc == SQLITE_ROW ? -ENOENT : fail(db);
	sqlite3_finalize(st);
	return r;
}

void cd_chunkdb_drop_where(struct cd_buf *where, int64_t group, int tier, int64_t t,
			   const int64_t *keep, size_t nkeep, const char *groups, const char *chunks)
{
	/* the ids kept are few (metrics with a retention of their own), and
	 * numbers: written into the SQL */
	cd_buf_init(where, 512 + nkeep * 24);      /* every one fits */
	if (group >= 0)
		cd_buf_printf(where, "grp = %lld AND ", (long long)group);
	else if (nkeep) {
		cd_buf_puts(where, "grp NOT IN (");
		for (size_t i = 0; i < nkeep; i++)
			cd_buf_printf(where, "%s%lld", i ? "," : "", (long long)keep[i]);
		cd_buf_puts(where, ") AND ");
	}
	cd_buf_printf(where, "tier = %d AND t1 < %lld", tier, (long long)t);
	if (tier == 0)
		cd_buf_printf(where, " AND t1 < (SELECT rolled FROM %s g WHERE g.id = %s.grp)", groups,
			      chunks);
}

int cd_chunkdb_drop(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
		    const int64_t *keep, size_t nkeep, uint64_t *dropped)
{
	if (db->pg)
		return cd_chunkdb_pg_drop(db->pg, group, tier, t, keep, nkeep, dropped);
	struct cd_buf where;
	cd_chunkdb_drop_where(&where, group, tier, t, keep, nkeep, "groups", "chunks");
	char *count = cd_asprintf("SELECT coalesce(sum(n), 0) FROM chunks WHERE %s", where.data);
	char *del = cd_asprintf("DELETE FROM chunks WHERE %s", where.data);
	cd_buf_free(&where);
	sqlite3_stmt *st;
	int r = 0;
	if (sqlite3_prepare_v2(db->db, count, -1, &st, NULL) != SQLITE_OK)
		r = fail(db);
	else {
		if (sqlite3_step(st) == SQLITE_ROW)
			*dropped = (uint64_t)sqlite3_column_int64(st, 0);
		else
			r = fail(db);
		sqlite3_finalize(st);
	}
	if (!r)
		r = exec(db, del);
	free(count);
	free(del);
	return r;
}

int cd_chunkdb_head_put(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
			size_t len)
{
	if (db->pg)
		return cd_chunkdb_pg_head_put(db->pg, group, t0, data, len);
	sqlite3_stmt *st = stmt(db, Q_HEAD_PUT);
	if (!st)
		return fail(db);
	sqlite3_bind_int64(st, 1, group);
	sqlite3_bind_blob(st, 2, data, (int)len, SQLITE_STATIC);
	return run(db, st);
}

int cd_chunkdb_head_each(struct cd_chunkdb *db, cd_chunk_fn fn, void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_head_each(db->pg, 0, fn, arg);
	sqlite3_stmt *st = stmt(db, Q_HEAD_EACH);
	if (!st)
		return fail(db);
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cd_chunk_row c = {
			.group = sqlite3_column_int64(st, 0), .data = sqlite3_column_blob(st, 1),
			.len = (size_t)sqlite3_column_bytes(st, 1),
		};
		r = fn(arg, &c);
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(db);
	sqlite3_reset(st);
	return r;
}

int cd_chunkdb_heads_clear(struct cd_chunkdb *db)
{
	if (db->pg)
		return cd_chunkdb_pg_heads_clear(db->pg);
	return exec(db, "DELETE FROM heads");
}

int cd_chunkdb_group_remove(struct cd_chunkdb *db, int64_t group, int64_t at)
{
	if (db->pg)
		return cd_chunkdb_pg_group_remove(db->pg, group, at);
	/* said first, with the highest number of its series as the database
	 * has them; (its samples in rows written ahead: their series are no
	 * more, and the rows are replayed without them) */
	static const char *const q[] = {
		"INSERT INTO gone(grp, top, at) SELECT ?1, coalesce(max(id), 0), ?2 FROM series"
		" WHERE grp = ?1",
		"DELETE FROM chunks WHERE grp = ?1", "DELETE FROM heads WHERE grp = ?1",
		"DELETE FROM series WHERE grp = ?1", "DELETE FROM groups WHERE id = ?1",
	};
	int r = 0;
	for (size_t i = 0; !r && i < CD_ARRAY_LEN(q); i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db->db, q[i], -1, &st, NULL) != SQLITE_OK)
			return fail(db);
		sqlite3_bind_int64(st, 1, group);
		if (i == 0)
			sqlite3_bind_int64(st, 2, at);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db);
		sqlite3_finalize(st);
	}
	return r;
}

int cd_chunkdb_gone_each(struct cd_chunkdb *db, int64_t after,
			 int (*fn)(void *arg, int64_t seq, int64_t group), void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_gone_each(db->pg, after, fn, arg);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->db, "SELECT seq, grp FROM gone WHERE seq > ? ORDER BY seq", -1,
			       &st, NULL) != SQLITE_OK)
		return fail(db);
	sqlite3_bind_int64(st, 1, after);
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return r ? r : rc == SQLITE_DONE ? 0 : fail(db);
}

int cd_chunkdb_wal_add(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
		       size_t len)
{
	if (db->pg)
		return cd_chunkdb_pg_wal_add(db->pg, group, t0, data, len);
	sqlite3_stmt *st = stmt(db, Q_WAL_ADD);
	if (!st)
		return fail(db);
	sqlite3_bind_blob(st, 1, data, (int)len, SQLITE_STATIC);
	return run(db, st);
}

int cd_chunkdb_wal_each(struct cd_chunkdb *db, cd_wal_fn fn, void *arg)
{
	if (db->pg)
		return cd_chunkdb_pg_wal_each(db->pg, 0, fn, arg);
	sqlite3_stmt *st = stmt(db, Q_WAL_EACH);
	if (!st)
		return fail(db);
	int rc, r = 0;
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(arg, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	if (!r && rc != SQLITE_DONE)
		r = fail(db);
	sqlite3_reset(st);
	return r;
}

int cd_chunkdb_wal_clear(struct cd_chunkdb *db)
{
	if (db->pg)
		return cd_chunkdb_pg_wal_clear(db->pg);
	return exec(db, "DELETE FROM wal");
}

static uint64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? 0 : (uint64_t)sb.st_size;
}

int cd_chunkdb_others(struct cd_chunkdb *db, int64_t group, cd_chunk_fn head, cd_wal_fn wal,
		      void *arg)
{
	return db->pg ? cd_chunkdb_pg_others(db->pg, group, head, wal, arg) : 0;
}

int cd_chunkdb_others_t0(struct cd_chunkdb *db, int64_t group, int64_t *t0)
{
	return db->pg ? cd_chunkdb_pg_others_t0(db->pg, group, t0) : -ENOENT;
}

int cd_chunkdb_follow(struct cd_chunkdb *db, int64_t *seen, cd_wal_fn fn, void *arg)
{
	return db->pg ? cd_chunkdb_pg_follow(db->pg, seen, fn, arg) : 0;
}

int cd_chunkdb_orphan(struct cd_chunkdb *db, int64_t idle_ms, int64_t *writer)
{
	return db->pg ? cd_chunkdb_pg_orphan(db->pg, idle_ms, writer) : 0;
}

int cd_chunkdb_orphan_read(struct cd_chunkdb *db, int64_t writer, cd_chunk_fn head,
			   cd_wal_fn wal, void *arg)
{
	if (!db->pg)
		return 0;
	int r = cd_chunkdb_pg_head_each(db->pg, writer, head, arg);
	return r ? r : cd_chunkdb_pg_wal_each(db->pg, writer, wal, arg);
}

int cd_chunkdb_orphan_drop(struct cd_chunkdb *db, int64_t writer, bool done)
{
	return db->pg ? cd_chunkdb_pg_orphan_drop(db->pg, writer, done) : 0;
}

void cd_chunkdb_orphan_end(struct cd_chunkdb *db, int64_t writer)
{
	if (db->pg)
		cd_chunkdb_pg_orphan_end(db->pg, writer);
}

int cd_chunkdb_stats(struct cd_chunkdb *db, uint64_t *samples, uint64_t *bytes)
{
	if (db->pg)
		return cd_chunkdb_pg_stats(db->pg, samples, bytes);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->db, "SELECT coalesce(sum(n), 0) FROM chunks WHERE tier = 0",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(db);
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : fail(db);
	*samples = r ? 0 : (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r)
		return r;
	/* what the log holds goes into the database first, and the log is emptied */
	sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	char *wal = cd_asprintf("%s-wal", db->path);
	*bytes = file_size(db->path) + file_size(wal);
	free(wal);
	return 0;
}
