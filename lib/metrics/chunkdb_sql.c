/* chunkdb_sql.c - every statement of the chunk store (chunkdb_priv.h),
 * written once in the form both databases take, and how they are run.
 *
 * What differs between SQLite (DIR/metrics.db, one manager) and
 * PostgreSQL (the database several managers share) is marked in the
 * texts below, and is nowhere else:
 *  - {name}: a table's name (PostgreSQL's are metrics_*, beside the
 *    manager's tables), a chunk's number (SQLite's rowid, PostgreSQL's
 *    id), the types of integers, blobs and serial numbers;
 *  - [a|b]: a on PostgreSQL, b on SQLite; [a] alone: a on PostgreSQL,
 *    nothing on SQLite.  The writers' columns are PostgreSQL's only
 *    (heads, samples written ahead and epochs are each manager's own
 *    there), as are its sequences and upsert keys, and SQLite's pragmas
 *    and its epoch in table meta are its own.
 * A statement's parameters are written in the same way ("i[ii]"): the
 * writers' come last, so that one call binds both forms.  The tables of
 * existing stores are these (the same names and columns): CREATE ... IF
 * NOT EXISTS leaves them as they are.
 *
 * Statements are kept by the connection (cd_db_prep_cached) under the
 * address of their text, made in db->sql at open and kept until close:
 * prepared once, reset and bound again at each use. */
#include "metrics/chunkdb_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct def {
	const char *sql, *fmt;     /* fmt NULL: a script */
	bool shared;               /* the writers' only: none on SQLite */
};

/* (the writers' advisory locks are in class 0x6d747263, "mtrc") */
static const struct def defs[CD_CHUNKDB_NQ] = {
	/* reads from the file's mapping, not copied page by page; pages of
	 * 64 KiB: a block is a few KiB, and small pages would leave much of
	 * each empty (set before the first table is made) */
	[S_SETUP] = { "[|PRAGMA page_size=65536; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		      " PRAGMA mmap_size=4294967296; PRAGMA cache_size=-65536;]" },
	[S_SETUP_RO] = { "[|PRAGMA mmap_size=4294967296;]" },
	/* chunks are appended by number, so pages fill up; the index by
	 * (group, tier, t1) finds a group's range, in time order */
	[S_SCHEMA] = {
		"[CREATE TABLE IF NOT EXISTS {writers}(id bigint PRIMARY KEY, epoch bigint NOT NULL,"
		"  seen bigint NOT NULL, name text NOT NULL);"
		" CREATE SEQUENCE IF NOT EXISTS metrics_writer_ids;"
		"|CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
		" INSERT OR IGNORE INTO meta VALUES ('epoch', 1);]"
		"CREATE TABLE IF NOT EXISTS {groups}(id {int} PRIMARY KEY, labels TEXT NOT NULL UNIQUE,"
		"  rolled {int} NOT NULL);"
		"CREATE TABLE IF NOT EXISTS {series}(id {int} PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
		"  metric TEXT NOT NULL, grp {int} NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
		"  host TEXT NOT NULL, source TEXT NOT NULL, counter INTEGER NOT NULL);"
		"CREATE TABLE IF NOT EXISTS {chunks}([id bigserial PRIMARY KEY, ]grp {int} NOT NULL,"
		"  tier INTEGER NOT NULL, t0 {int} NOT NULL, t1 {int} NOT NULL, n {int} NOT NULL,"
		"  [writer bigint NOT NULL, ]epoch {int} NOT NULL, data {blob} NOT NULL);"
		"CREATE INDEX IF NOT EXISTS {chunks}_by_group ON {chunks}(grp, tier, t1);"
		"CREATE TABLE IF NOT EXISTS {heads}([writer bigint NOT NULL, grp bigint NOT NULL,"
		"  t0 bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (writer, grp)"
		"|grp INTEGER PRIMARY KEY, data BLOB NOT NULL]);"
		"[CREATE INDEX IF NOT EXISTS {heads}_by_group ON {heads}(grp);]"
		"CREATE TABLE IF NOT EXISTS {wal}(id {int} PRIMARY KEY, [writer bigint NOT NULL,"
		"  grp bigint NOT NULL, t0 bigint NOT NULL, ]data {blob} NOT NULL);"
		"[CREATE SEQUENCE IF NOT EXISTS metrics_wal_ids;"
		" CREATE INDEX IF NOT EXISTS {wal}_by_group ON {wal}(grp);"
		" CREATE INDEX IF NOT EXISTS {wal}_by_writer ON {wal}(writer, id);]"
		/* the groups removed, with their series' highest number */
		"CREATE TABLE IF NOT EXISTS {gone}(seq {serial} PRIMARY KEY, grp {int} NOT NULL,"
		"  top {int} NOT NULL, at {int} NOT NULL);"
		"CREATE INDEX IF NOT EXISTS {gone}_by_group ON {gone}(grp);"
		"CREATE INDEX IF NOT EXISTS {gone}_by_top ON {gone}(top);" },
	/* a rollback journal for a bulk load, which writes the pages added
	 * once (WAL mode writes them twice) */
	[S_BULK_ON] = { "[|PRAGMA journal_mode=DELETE]" },
	[S_BULK_OFF] = { "[|PRAGMA journal_mode=WAL]" },
	/* what the log holds into the database, and the log emptied */
	[S_CHECKPOINT] = { "[|PRAGMA wal_checkpoint(TRUNCATE)]" },

	/* (epoch, seen, writer) */
	[Q_EPOCH] = { "[SELECT epoch FROM {writers} WHERE id = ?|SELECT v FROM meta WHERE k = 'epoch']",
		      "[i]" },
	[Q_EPOCH_SET] = { "[UPDATE {writers} SET epoch = ?, seen = ? WHERE id = ?"
			  "|UPDATE meta SET v = ? WHERE k = 'epoch']", "i[ii]" },
	[Q_DROP_EPOCH] = { "DELETE FROM {chunks} WHERE tier = 0 AND epoch >= ?[ AND writer = ?]",
			   "i[i]" },
	/* numbers max + 1 under the write lock, past every one removed */
	[Q_GROUP_ID] = { "SELECT coalesce(max(m), 0) + 1 FROM (SELECT max(id) AS m FROM {groups}"
			 " UNION ALL SELECT max(grp) FROM {gone}) AS x", "" },
	[Q_GROUP_ADD] = { "INSERT INTO {groups}(id, labels, rolled) VALUES (?, ?, ?)", "isi" },
	[Q_GROUP_ROLLED] = { "UPDATE {groups} SET rolled = ? WHERE id = ?", "ii" },
	[Q_GROUP_ROLLED_GET] = { "SELECT rolled FROM {groups} WHERE id = ?", "i" },
	[Q_GROUP_EACH] = { "SELECT id, labels, rolled FROM {groups} WHERE id > ? ORDER BY id", "i" },
	/* a row of that key whose group is gone (set aside at open: a
	 * damaged file) makes way */
	[Q_SERIES_STALE] = { "DELETE FROM {series} WHERE key = ? AND NOT EXISTS"
			     " (SELECT 1 FROM {groups} g WHERE g.id = {series}.grp)", "s" },
	[Q_SERIES_ID] = { "SELECT coalesce(max(m), 0) + 1 FROM (SELECT max(id) AS m FROM {series}"
			  " UNION ALL SELECT max(top) FROM {gone}) AS x", "" },
	[Q_SERIES_ADD] = { "INSERT INTO {series}(id, key, metric, grp, kind, name, host, source,"
			   " counter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "ississssb" },
	[Q_SERIES_EACH] = { "SELECT id, key, metric, grp, kind, name, host, source, counter"
			    " FROM {series} WHERE id > ? ORDER BY id", "i" },
	/* (group, tier, t0, t1, n, epoch, data, writer) */
	[Q_PUT] = { "INSERT INTO {chunks}(grp, tier, t0, t1, n, epoch, data[, writer])"
		    " VALUES (?, ?, ?, ?, ?, ?, ?[, ?])", "iiiiiiB[i]" },
	/* in time order, by last time as the index has them (no sort) */
	[Q_GET] = { "SELECT t0, t1, n, data FROM {chunks} WHERE grp = ? AND tier = ? AND t1 >= ?"
		    " AND t0 <= ? ORDER BY t1, {chunk_id}", "iiii" },
	[Q_GET_BEFORE] = { "SELECT t0, t1, n, data FROM {chunks} WHERE grp = ? AND tier = ?"
			   " AND t1 < ? ORDER BY t1 DESC, {chunk_id} DESC LIMIT 8", "iii" },
	/* the newest: the greatest last time (not the last written: an
	 * import or another writer may write older ones after it) */
	[Q_GET_LAST] = { "SELECT t0, t1, n, data FROM {chunks} WHERE grp = ? AND tier = ?"
			 " ORDER BY t1 DESC, {chunk_id} DESC LIMIT 1", "ii" },
	[Q_FIRST_FROM] = { "SELECT min(t0) FROM {chunks} WHERE grp = ? AND tier = ? AND t1 >= ?",
			   "iii" },
	[Q_LAST_T1] = { "SELECT max(t1) FROM {chunks} WHERE grp = ? AND tier = ?", "ii" },
	/* (group, data, t0, writer) */
	[Q_HEAD_PUT] = { "INSERT INTO {heads}(grp, data[, t0, writer]) VALUES (?, ?[, ?, ?])"
			 " ON CONFLICT ([writer, ]grp) DO UPDATE SET data = excluded.data"
			 "[, t0 = excluded.t0]", "iB[ii]" },
	[Q_HEAD_EACH] = { "SELECT grp, data FROM {heads}[ WHERE writer = ?] ORDER BY grp", "[i]" },
	[Q_HEADS_CLEAR] = { "DELETE FROM {heads}[ WHERE writer = ?]", "[i]" },
	/* (data, id, group, t0, writer) */
	[Q_WAL_ADD] = { "INSERT INTO {wal}(data[, id, grp, t0, writer]) VALUES (?[, ?, ?, ?, ?])",
			"B[iiii]" },
	[Q_WAL_EACH] = { "SELECT data FROM {wal}[ WHERE writer = ?] ORDER BY id", "[i]" },
	[Q_WAL_CLEAR] = { "DELETE FROM {wal}[ WHERE writer = ?]", "[i]" },
	/* a group removed: said first, with the highest number of its series
	 * as the database has them (another manager's too); SQLite's rows
	 * written ahead are not a group's: they are replayed without it */
	[Q_GONE_ADD] = { "INSERT INTO {gone}(grp, top, at) SELECT ?, coalesce(max(id), 0), ?"
			 " FROM {series} WHERE grp = ?", "iii" },
	[Q_RM_CHUNKS] = { "DELETE FROM {chunks} WHERE grp = ?", "i" },
	[Q_RM_HEADS] = { "DELETE FROM {heads} WHERE grp = ?", "i" },
	[Q_RM_WAL] = { "DELETE FROM {wal} WHERE grp = ?", "i", true },
	[Q_RM_SERIES] = { "DELETE FROM {series} WHERE grp = ?", "i" },
	[Q_RM_GROUP] = { "DELETE FROM {groups} WHERE id = ?", "i" },
	[Q_GONE_EACH] = { "SELECT seq, grp FROM {gone} WHERE seq > ? ORDER BY seq", "i" },
	[Q_SAMPLES] = { "SELECT coalesce(sum(n), 0) FROM {chunks} WHERE tier = 0", "" },
	/* (SQLite: its files' sizes) */
	[Q_BYTES] = { "SELECT pg_total_relation_size('{chunks}') + pg_total_relation_size('{heads}')"
		      " + pg_total_relation_size('{wal}') + pg_total_relation_size('{series}')"
		      " + pg_total_relation_size('{groups}')", "", true },

	[Q_LOCK] = { "SELECT CASE WHEN pg_try_advisory_lock(1836348003, CAST(? AS integer))"
		     " THEN 1 ELSE 0 END", "i", true },
	[Q_UNLOCK] = { "SELECT pg_advisory_unlock(1836348003, CAST(? AS integer))", "i", true },
	[Q_WRITER_NEW] = { "SELECT nextval('metrics_writer_ids')", "", true },
	[Q_WRITER_ADD] = { "INSERT INTO {writers}(id, epoch, seen, name) VALUES (?, 1, ?, ?)", "iis",
			   true },
	[Q_WAL_ID] = { "SELECT nextval('metrics_wal_ids')", "", true },
	[Q_WAL_IDS_SET] = { "SELECT setval('metrics_wal_ids', ?)", "i", true },
	[Q_OTHERS_HEADS] = { "SELECT grp, data FROM {heads} WHERE grp = ? AND writer <> ?", "ii",
			     true },
	[Q_OTHERS_WAL] = { "SELECT data FROM {wal} WHERE grp = ? AND writer <> ? ORDER BY id", "ii",
			   true },
	[Q_OTHERS_T0] = { "SELECT min(t0) FROM (SELECT t0 FROM {heads} WHERE grp = ? AND writer <> ?"
			  " UNION ALL SELECT t0 FROM {wal} WHERE grp = ? AND writer <> ?) AS o", "iiii",
			  true },
	[Q_FOLLOW] = { "SELECT id, data FROM {wal} WHERE id > ? AND writer <> ? ORDER BY id"
		       " LIMIT 10000", "ii", true },
	[Q_IDLE] = { "SELECT id FROM {writers} WHERE id <> ? AND seen < ? ORDER BY id LIMIT 64", "ii",
		     true },
	[Q_ORPHAN_CHUNKS] = { "DELETE FROM {chunks} WHERE tier = 0 AND writer = ? AND epoch >="
			      " (SELECT epoch FROM {writers} WHERE id = ?)", "ii", true },
	[Q_ORPHAN_HEADS] = { "DELETE FROM {heads} WHERE writer = ?", "i", true },
	[Q_ORPHAN_WAL] = { "DELETE FROM {wal} WHERE writer = ?", "i", true },
	[Q_ORPHAN_WRITER] = { "DELETE FROM {writers} WHERE id = ?", "i", true },
};

/* The names {x} stand for, in each database. */
static const struct name {
	const char *name, *pg, *sqlite;
} names[] = {
	{ "groups", "metrics_groups", "groups" }, { "series", "metrics_series", "series" },
	{ "chunks", "metrics_chunks", "chunks" }, { "heads", "metrics_heads", "heads" },
	{ "wal", "metrics_wal", "wal" },          { "gone", "metrics_gone", "gone" },
	{ "writers", "metrics_writers", NULL },
	{ "chunk_id", "id", "rowid" },
	{ "int", "bigint", "INTEGER" },           { "blob", "bytea", "BLOB" },
	{ "serial", "bigserial", "INTEGER" },
};

/* tmpl in PostgreSQL's form (pg) or SQLite's; NULL when a name is not
 * known or a mark is not closed. */
static char *expand(const char *tmpl, bool pg)
{
	struct cd_buf b;
	cd_buf_init(&b, strlen(tmpl) * 2 + 256);
	int part = -1;             /* in [a|b]: 0 in a, 1 in b */
	bool bad = false;
	for (const char *s = tmpl; *s && !bad; s++) {
		bool here = part < 0 || part == !pg;
		if (*s == '[' && part < 0) {
			part = 0;
		} else if (*s == '|' && part == 0) {
			part = 1;
		} else if (*s == ']' && part >= 0) {
			part = -1;
		} else if (*s == '{') {
			const char *e = strchr(s, '}');
			const struct name *n = NULL;
			for (size_t i = 0; e && i < CD_ARRAY_LEN(names); i++)
				if ((size_t)(e - s - 1) == strlen(names[i].name) &&
				    !strncmp(s + 1, names[i].name, (size_t)(e - s - 1)))
					n = &names[i];
			const char *v = n ? pg ? n->pg : n->sqlite : NULL;
			bad = !v && here;
			if (here && v)
				cd_buf_puts(&b, v);
			s = e ? e : s;
			bad = bad || !e;
		} else if (here) {
			bad = cd_buf_add(&b, s, 1) < 0;
		}
	}
	if (bad || part >= 0 || b.full) {
		cd_buf_free(&b);
		return NULL;
	}
	return b.data ? cd_buf_steal(&b) : cd_strdup("");
}

int cd_chunkdb_sql_init(struct cd_chunkdb *db)
{
	bool pg = cd_db_kind(db->db) == CD_DB_PG;
	for (int q = 0; q < CD_CHUNKDB_NQ; q++) {
		if (defs[q].shared && !pg)
			continue;
		db->sql[q] = expand(defs[q].sql, pg);
		db->fmt[q] = defs[q].fmt ? expand(defs[q].fmt, pg) : NULL;
		if (!db->sql[q] || (defs[q].fmt && !db->fmt[q])) {
			snprintf(db->err, sizeof(db->err), "statement %d of the chunk store does not expand",
				 q);
			return -EINVAL;
		}
		/* a form that is empty here is none */
		if (!*db->sql[q]) {
			free(db->sql[q]);
			free(db->fmt[q]);
			db->sql[q] = db->fmt[q] = NULL;
		}
	}
	return 0;
}

void cd_chunkdb_sql_free(struct cd_chunkdb *db)
{
	for (int q = 0; q < CD_CHUNKDB_NQ; q++) {
		free(db->sql[q]);
		free(db->fmt[q]);
	}
}

char *cd_chunkdb_sql(const struct cd_chunkdb *db, const char *tmpl)
{
	return expand(tmpl, cd_db_kind(db->db) == CD_DB_PG);
}

bool cd_chunkdb_has(const struct cd_chunkdb *db, enum cd_chunkdb_q q)
{
	return db->sql[q] != NULL;
}

struct cd_db_stmt *cd_chunkdb_q(struct cd_chunkdb *db, enum cd_chunkdb_q q, ...)
{
	if (!db->sql[q] || !db->fmt[q]) {
		cd_db_failf(db->db, "statement %d: none in this database", (int)q);
		return NULL;
	}
	if (q == Q_PUT || q == Q_DROP_EPOCH || q == Q_RM_CHUNKS || q == Q_ORPHAN_CHUNKS)
		db->writes++;              /* the records read lately may be gone */
	va_list ap;
	va_start(ap, q);
	struct cd_db_stmt *st = cd_db_vprep_cached(db->db, db->sql[q], db->fmt[q], ap);
	va_end(ap);
	return st;
}

int cd_chunkdb_script(struct cd_chunkdb *db, enum cd_chunkdb_q q)
{
	if (!db->sql[q])
		return -ENOTSUP;
	int r = cd_db_exec(db->db, db->sql[q]);
	return r ? cd_chunkdb_fail(db, r) : 0;
}

int cd_chunkdb_fail(struct cd_chunkdb *db, int r)
{
	snprintf(db->err, sizeof(db->err), "%s", cd_db_error(db->db));
	return r < 0 ? r : -EIO;
}

int cd_chunkdb_run(struct cd_chunkdb *db, struct cd_db_stmt *st)
{
	int r = cd_db_vrun(db->db, st);
	return r < 0 ? cd_chunkdb_fail(db, r) : 0;
}

int cd_chunkdb_scalar(struct cd_chunkdb *db, struct cd_db_stmt *st, int64_t *v, bool *found)
{
	*found = false;
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int r = cd_db_step(st);
	*found = r == 1 && !cd_db_null(st, 0);
	if (*found)
		*v = cd_db_int(st, 0);
	cd_db_done(st);
	return r < 0 ? cd_chunkdb_fail(db, r) : 0;
}

int cd_chunkdb_chunks(struct cd_chunkdb *db, struct cd_db_stmt *st, int64_t group, int tier,
		      cd_chunk_fn fn, void *arg)
{
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_chunk_row c = { .group = group, .tier = tier, .t0 = cd_db_int(st, 0),
					  .t1 = cd_db_int(st, 1), .n = (uint32_t)cd_db_int(st, 2) };
		c.data = cd_db_blob(st, 3, &c.len);
		r = fn(arg, &c);
	}
	cd_db_done(st);
	if (r)
		return r < 0 ? r : 0;  /* fn > 0: it has what it wanted */
	return rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

int cd_chunkdb_heads(struct cd_chunkdb *db, struct cd_db_stmt *st, cd_chunk_fn fn, void *arg)
{
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_chunk_row c = { .group = cd_db_int(st, 0) };
		c.data = cd_db_blob(st, 1, &c.len);
		r = fn(arg, &c);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

int cd_chunkdb_batches(struct cd_chunkdb *db, struct cd_db_stmt *st, cd_wal_fn fn, void *arg)
{
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		size_t len;
		const void *data = cd_db_blob(st, 0, &len);
		r = fn(arg, data, len);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}
