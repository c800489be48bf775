/* chunkdb_pg.c - the metrics store's chunks in PostgreSQL (see
 * chunkdb_pg.h), through db/db.h.
 *
 * Every write is in a transaction under the database's write lock (db.h),
 * so the numbers of samples written ahead (metrics_wal.id, from a
 * sequence: never given twice, though a checkpoint deletes the rows) are
 * given out in the order they commit: another manager reads the ones
 * after the last it saw and misses none.  The tables are named metrics_* beside the
 * manager's. */
#include "metrics/chunkdb_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "db/db.h"

/* the advisory locks of writers, (class, writer): "mtrc" */
#define WRITER_SPACE 0x6d747263

struct cd_chunkdb_pg {
	struct cd_db *db;
	char *idfile;              /* DIR/metrics.writer: this manager's number */
	int lock;                  /* DIR/metrics.lock, held while open */
	int64_t writer, epoch;
	bool bump;                 /* the epoch goes up when the transaction commits */
	int64_t wal_next;          /* in a transaction: the next batch's number (0: ask) */
	int64_t wal_taken;         /* the first of them, from the sequence */
	uint64_t generation;       /* of the connection that holds the writer's lock */
	bool retaken;              /* the writer taken again in this transaction */
	bool renewed;              /* a new writer since the store last asked */
	char err[256];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS metrics_writers(id bigint PRIMARY KEY, epoch bigint NOT NULL,"
	"  seen bigint NOT NULL, name text NOT NULL);"
	"CREATE SEQUENCE IF NOT EXISTS metrics_writer_ids;"
	"CREATE TABLE IF NOT EXISTS metrics_groups(id bigint PRIMARY KEY,"
	"  labels text NOT NULL UNIQUE, rolled bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS metrics_series(id bigint PRIMARY KEY, key text NOT NULL UNIQUE,"
	"  metric text NOT NULL, grp bigint NOT NULL, kind text NOT NULL, name text NOT NULL,"
	"  host text NOT NULL, source text NOT NULL, counter integer NOT NULL);"
	"CREATE TABLE IF NOT EXISTS metrics_chunks(id bigserial PRIMARY KEY, grp bigint NOT NULL,"
	"  tier integer NOT NULL, t0 bigint NOT NULL, t1 bigint NOT NULL, n bigint NOT NULL,"
	"  writer bigint NOT NULL, epoch bigint NOT NULL, data bytea NOT NULL);"
	"CREATE INDEX IF NOT EXISTS metrics_chunks_by_group ON metrics_chunks(grp, tier, t1);"
	"CREATE TABLE IF NOT EXISTS metrics_heads(writer bigint NOT NULL, grp bigint NOT NULL,"
	"  t0 bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (writer, grp));"
	"CREATE INDEX IF NOT EXISTS metrics_heads_by_group ON metrics_heads(grp);"
	"CREATE TABLE IF NOT EXISTS metrics_wal(id bigint PRIMARY KEY, writer bigint NOT NULL,"
	"  grp bigint NOT NULL, t0 bigint NOT NULL, data bytea NOT NULL);"
	"CREATE SEQUENCE IF NOT EXISTS metrics_wal_ids;"
	"CREATE INDEX IF NOT EXISTS metrics_wal_by_group ON metrics_wal(grp);"
	"CREATE INDEX IF NOT EXISTS metrics_wal_by_writer ON metrics_wal(writer, id);"
	"CREATE TABLE IF NOT EXISTS metrics_gone(seq bigserial PRIMARY KEY, grp bigint NOT NULL,"
	"  top bigint NOT NULL, at bigint NOT NULL);"
	"CREATE INDEX IF NOT EXISTS metrics_gone_by_group ON metrics_gone(grp);"
	"CREATE INDEX IF NOT EXISTS metrics_gone_by_top ON metrics_gone(top);";

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct cd_chunkdb_pg *db, int r)
{
	snprintf(db->err, sizeof(db->err), "%s", cd_db_error(db->db));
	return r < 0 ? r : -EIO;
}

static int run(struct cd_chunkdb_pg *db, struct cd_db_stmt *st)
{
	int r = cd_db_vrun(db->db, st);
	return r < 0 ? fail(db, r) : 0;
}

/* One integer (*found false when the row or its value is missing). */
static int scalar(struct cd_chunkdb_pg *db, struct cd_db_stmt *st, int64_t *v, bool *found)
{
	*found = false;
	if (!st)
		return fail(db, -EIO);
	int r = cd_db_step(st);
	if (r < 0) {
		cd_db_done(st);
		return fail(db, r);
	}
	*found = r == 1 && !cd_db_null(st, 0);
	if (*found)
		*v = cd_db_int(st, 0);
	cd_db_done(st);
	return 0;
}

static int try_lock(struct cd_chunkdb_pg *db, int64_t writer)
{
	int64_t v = cd_db_scalar(cd_db_prep(db->db, "SELECT CASE WHEN pg_try_advisory_lock("
					    "CAST(? AS integer), CAST(? AS integer)) THEN 1 ELSE 0 END",
					    "ii", (int64_t)WRITER_SPACE, writer));
	return v < 0 ? fail(db, (int)v) : (int)v;
}

static void unlock(struct cd_chunkdb_pg *db, int64_t writer)
{
	cd_db_vrun(db->db, cd_db_prep(db->db, "SELECT pg_advisory_unlock(CAST(? AS integer),"
				      " CAST(? AS integer))", "ii", (int64_t)WRITER_SPACE, writer));
}

/* Become writer `want` when its row is there and nobody holds it, or a
 * new writer: inside a write transaction. */
static int take_writer(struct cd_chunkdb_pg *db, int64_t want)
{
	int64_t epoch = 0;
	bool found = false;
	int r = 0;
	if (want > 0 && (r = try_lock(db, want)) == 1) {
		r = scalar(db, cd_db_prep(db->db, "SELECT epoch FROM metrics_writers WHERE id = ?",
					  "i", want), &epoch, &found);
		if (!r && !found)
			unlock(db, want);
	}
	if (r < 0)
		return r;
	if (!found) {
		if ((r = scalar(db, cd_db_prep(db->db, "SELECT nextval('metrics_writer_ids')", ""),
				&want, &found)) < 0)
			return r;
		epoch = 1;
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		r = run(db, cd_db_prep(db->db, "INSERT INTO metrics_writers(id, epoch, seen, name)"
				       " VALUES (?, 1, ?, ?)", "iis", want, wall_ms(), host));
		if (!r && (r = try_lock(db, want)) == 0)
			r = cd_db_failf(db->db, "writer %lld: locked by another session",
					(long long)want);
		if (r < 0)
			return fail(db, r);
		char num[32];
		snprintf(num, sizeof(num), "%lld\n", (long long)want);
		if (cd_write_file(db->idfile, num, strlen(num), 0600)) {
			snprintf(db->err, sizeof(db->err), "%s: cannot be written", db->idfile);
			return -EIO;
		}
	}
	db->writer = want;
	db->epoch = epoch;
	db->generation = cd_db_generation(db->db);
	return 0;
}

int cd_chunkdb_pg_open(const char *dir, const char *target, struct cd_chunkdb_pg **out,
		       char *err, size_t errlen)
{
	struct cd_chunkdb_pg *db = cd_calloc(1, sizeof(*db));
	db->idfile = cd_asprintf("%s/metrics.writer", dir);
	char *lock = cd_asprintf("%s/metrics.lock", dir);
	db->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (db->lock < 0 || flock(db->lock, LOCK_EX | LOCK_NB)) {
		int e = errno;
		snprintf(err, errlen, "%s/metrics.lock: %s", dir,
			 e == EWOULDBLOCK ? "the store is in use by another process" : strerror(e));
		cd_chunkdb_pg_close(db);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	int r = cd_db_open(target, &db->db);
	int64_t want = 0;
	char *num = NULL;
	size_t len;
	if (!r && !cd_read_file(db->idfile, 64, &num, &len))
		want = strtoll(num, NULL, 10);
	free(num);
	if (!r && !(r = cd_db_begin(db->db))) {
		r = cd_db_exec(db->db, schema);
		if (!r)
			r = take_writer(db, want);
		r = r ? r : cd_db_commit(db->db);
		if (r)
			cd_db_rollback(db->db);
	}
	if (r) {
		snprintf(err, errlen, "metrics store on PostgreSQL: %s",
			 *db->err ? db->err : cd_db_error(db->db));
		cd_chunkdb_pg_close(db);
		return r < 0 ? r : -EIO;
	}
	*out = db;
	return 0;
}

void cd_chunkdb_pg_close(struct cd_chunkdb_pg *db)
{
	if (!db)
		return;
	if (db->writer > 0 && db->generation == cd_db_generation(db->db))
		unlock(db, db->writer);
	cd_db_close(db->db);
	if (db->lock >= 0)
		close(db->lock);
	free(db->idfile);
	free(db);
}

const char *cd_chunkdb_pg_error(const struct cd_chunkdb_pg *db)
{
	return *db->err ? db->err : cd_db_error(db->db);
}

/* The outermost transaction over: a writer taken again in it and not
 * committed is looked at again at the next begin. */
static void tx_over(struct cd_chunkdb_pg *db, bool committed)
{
	if (db->retaken && !committed)
		db->generation = 0;
	db->retaken = false;
	db->bump = false;          /* (its epoch taken by the commit, or not) */
	db->wal_next = 0;
}

int cd_chunkdb_pg_begin(struct cd_chunkdb_pg *db)
{
	bool outer = !cd_db_depth(db->db);
	if (outer)
		db->wal_next = 0;
	int r = cd_db_begin(db->db);
	if (r)
		return fail(db, r);
	/* the connection made again (by this begin, or since): the writer's
	 * lock went with the old one, so it is taken again (or a new writer
	 * made) before anything is written as it */
	if (outer && db->generation != cd_db_generation(db->db)) {
		int64_t was = db->writer;
		r = take_writer(db, was);
		if (r) {
			cd_db_rollback(db->db);
			db->generation = 0;
			return r;
		}
		db->retaken = true;
		db->renewed = db->renewed || db->writer != was;
	}
	return 0;
}

int cd_chunkdb_pg_commit(struct cd_chunkdb_pg *db)
{
	/* the sequence gave one number; the transaction used more */
	if (cd_db_depth(db->db) == 1 && db->wal_next > db->wal_taken + 1) {
		int64_t v = cd_db_scalar(cd_db_prep(db->db, "SELECT setval('metrics_wal_ids', ?)", "i",
						    db->wal_next - 1));
		if (v < 0) {
			cd_db_rollback(db->db);
			tx_over(db, false);
			return fail(db, (int)v);
		}
	}
	bool outer = cd_db_depth(db->db) == 1;
	int r = cd_db_commit(db->db);
	if (outer) {
		bool bump = db->bump && !r;
		tx_over(db, !r);
		if (bump)
			db->epoch++;
	}
	return r ? fail(db, r) : 0;
}

void cd_chunkdb_pg_rollback(struct cd_chunkdb_pg *db)
{
	bool outer = cd_db_depth(db->db) == 1;
	cd_db_rollback(db->db);
	if (outer)
		tx_over(db, false);
	else
		db->bump = false;       /* (a savepoint's: the numbers go on) */
}

int cd_chunkdb_pg_writer_check(struct cd_chunkdb_pg *db)
{
	int r = db->renewed;
	db->renewed = false;
	return r;
}

int cd_chunkdb_pg_epoch_next(struct cd_chunkdb_pg *db)
{
	int r = run(db, cd_db_prep(db->db, "UPDATE metrics_writers SET epoch = ?, seen = ?"
				   " WHERE id = ?", "iii", db->epoch + 1, wall_ms(), db->writer));
	db->bump = !r;
	return r;
}

int cd_chunkdb_pg_drop_epoch(struct cd_chunkdb_pg *db)
{
	return run(db, cd_db_prep(db->db, "DELETE FROM metrics_chunks WHERE tier = 0 AND writer = ?"
				  " AND epoch >= ?", "ii", db->writer, db->epoch));
}

/* A number max + 1 under the write lock, past every one removed (gone's
 * column gone_col). */
static int next_id(struct cd_chunkdb_pg *db, const char *table, const char *gone_col, int64_t *id)
{
	char *sql = cd_asprintf("SELECT greatest(coalesce((SELECT max(id) FROM %s), 0),"
				" coalesce((SELECT max(%s) FROM metrics_gone), 0)) + 1", table, gone_col);
	bool found;
	int r = scalar(db, cd_db_prep(db->db, sql, ""), id, &found);
	free(sql);
	return r;
}

int cd_chunkdb_pg_group_add(struct cd_chunkdb_pg *db, const struct cd_group_row *r, int64_t *id)
{
	int rc = next_id(db, "metrics_groups", "grp", id);
	return rc ? rc : run(db, cd_db_prep(db->db, "INSERT INTO metrics_groups(id, labels, rolled)"
					    " VALUES (?, ?, ?)", "isi", *id, r->labels, r->rolled));
}

int cd_chunkdb_pg_group_rolled(struct cd_chunkdb_pg *db, int64_t id, int64_t rolled)
{
	return run(db, cd_db_prep(db->db, "UPDATE metrics_groups SET rolled = ? WHERE id = ?", "ii",
				  rolled, id));
}

int cd_chunkdb_pg_group_rolled_get(struct cd_chunkdb_pg *db, int64_t id, int64_t *rolled)
{
	bool found;
	int r = scalar(db, cd_db_prep(db->db, "SELECT rolled FROM metrics_groups WHERE id = ?", "i",
				      id), rolled, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_pg_series_add(struct cd_chunkdb_pg *db, const struct cd_series_row *r,
			     int64_t *id)
{
	/* a row of that key whose group is gone (set aside at open) makes way */
	int rc = run(db, cd_db_prep(db->db, "DELETE FROM metrics_series WHERE key = ? AND NOT EXISTS "
				    "(SELECT 1 FROM metrics_groups g WHERE g.id = metrics_series.grp)", "s", r->key));
	if (!rc)
		rc = next_id(db, "metrics_series", "top", id);
	return rc ? rc : run(db, cd_db_prep(db->db, "INSERT INTO metrics_series(id, key, metric, grp,"
					    " kind, name, host, source, counter) VALUES"
					    " (?, ?, ?, ?, ?, ?, ?, ?, ?)", "ississssb", *id, r->key, r->metric, r->group,
					    r->kind ? r->kind : "", r->name ? r->name : "",
					    r->host ? r->host : "", r->source ? r->source : "",
					    (int)r->counter));
}

int cd_chunkdb_pg_group_remove(struct cd_chunkdb_pg *db, int64_t group, int64_t at)
{
	static const char *const del[] = {
		"DELETE FROM metrics_chunks WHERE grp = ?", "DELETE FROM metrics_heads WHERE grp = ?",
		"DELETE FROM metrics_wal WHERE grp = ?", "DELETE FROM metrics_series WHERE grp = ?",
		"DELETE FROM metrics_groups WHERE id = ?",
	};
	/* its series' highest number as the database has them (another
	 * manager's series of it too), before they go */
	int r = run(db, cd_db_prep(db->db, "INSERT INTO metrics_gone(grp, top, at) SELECT ?,"
				   " coalesce(max(id), 0), ? FROM metrics_series WHERE grp = ?", "iii",
				   group, at, group));
	for (size_t i = 0; !r && i < CD_ARRAY_LEN(del); i++)
		r = run(db, cd_db_prep(db->db, del[i], "i", group));
	return r;
}

int cd_chunkdb_pg_gone_each(struct cd_chunkdb_pg *db, int64_t after,
			    int (*fn)(void *arg, int64_t seq, int64_t group), void *arg)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT seq, grp FROM metrics_gone WHERE seq > ?"
					   " ORDER BY seq", "i", after);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1)
		r = fn(arg, cd_db_int(st, 0), cd_db_int(st, 1));
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

int cd_chunkdb_pg_group_each(struct cd_chunkdb_pg *db, int64_t after,
			     int (*fn)(void *arg, const struct cd_group_row *r), void *arg)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT id, labels, rolled FROM metrics_groups"
					   " WHERE id > ? ORDER BY id", "i", after);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_group_row row = { .id = cd_db_int(st, 0), .labels = cd_db_text(st, 1),
					    .rolled = cd_db_int(st, 2) };
		r = fn(arg, &row);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

static const char *text(struct cd_db_stmt *st, int col)
{
	const char *s = cd_db_text(st, col);
	return s ? s : "";
}

int cd_chunkdb_pg_series_each(struct cd_chunkdb_pg *db, int64_t after,
			      int (*fn)(void *arg, const struct cd_series_row *r), void *arg)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT id, key, metric, grp, kind, name, host,"
					   " source, counter FROM metrics_series WHERE id > ?"
					   " ORDER BY id", "i", after);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_series_row row = {
			.id = cd_db_int(st, 0), .key = text(st, 1), .metric = text(st, 2),
			.group = cd_db_int(st, 3), .kind = text(st, 4), .name = text(st, 5),
			.host = text(st, 6), .source = text(st, 7), .counter = cd_db_int(st, 8) != 0,
		};
		r = fn(arg, &row);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

int cd_chunkdb_pg_put(struct cd_chunkdb_pg *db, const struct cd_chunk_row *c)
{
	return run(db, cd_db_prep(db->db, "INSERT INTO metrics_chunks(grp, tier, t0, t1, n, writer,"
				  " epoch, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiiB",
				  c->group, (int64_t)c->tier, c->t0, c->t1, (int64_t)c->n,
				  db->writer, c->final ? 0 : db->epoch, c->data, c->len));
}

/* Give each row of a SELECT t0, t1, n, data to fn. */
static int rows(struct cd_chunkdb_pg *db, struct cd_db_stmt *st, int64_t group, int tier,
		cd_chunk_fn fn, void *arg)
{
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
	return rc < 0 ? fail(db, rc) : 0;
}

int cd_chunkdb_pg_get(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t from,
		      int64_t to, cd_chunk_fn fn, void *arg)
{
	/* several writers' chunks of a group: in time order */
	return rows(db, cd_db_prep(db->db, "SELECT t0, t1, n, data FROM metrics_chunks WHERE"
				   " grp = ? AND tier = ? AND t1 >= ? AND t0 <= ? ORDER BY t0, id",
				   "iiii", group, (int64_t)tier, from, to), group, tier, fn, arg);
}

int cd_chunkdb_pg_get_before(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
			     cd_chunk_fn fn, void *arg)
{
	return rows(db, cd_db_prep(db->db, "SELECT t0, t1, n, data FROM metrics_chunks WHERE"
				   " grp = ? AND tier = ? AND t1 < ? ORDER BY t1 DESC LIMIT 8",
				   "iii", group, (int64_t)tier, t), group, tier, fn, arg);
}

int cd_chunkdb_pg_get_last(struct cd_chunkdb_pg *db, int64_t group, int tier, cd_chunk_fn fn,
			   void *arg)
{
	return rows(db, cd_db_prep(db->db, "SELECT t0, t1, n, data FROM metrics_chunks WHERE"
				   " grp = ? AND tier = ? ORDER BY t1 DESC LIMIT 1", "ii", group,
				   (int64_t)tier), group, tier, fn, arg);
}

int cd_chunkdb_pg_first_from(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
			     int64_t *t0)
{
	bool found;
	int r = scalar(db, cd_db_prep(db->db, "SELECT min(t0) FROM metrics_chunks WHERE grp = ?"
				      " AND tier = ? AND t1 >= ?", "iii", group, (int64_t)tier, t),
		       t0, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_pg_last_t1(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t *t1)
{
	bool found;
	int r = scalar(db, cd_db_prep(db->db, "SELECT max(t1) FROM metrics_chunks WHERE grp = ?"
				      " AND tier = ?", "ii", group, (int64_t)tier), t1, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_pg_drop(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
		       const int64_t *keep, size_t nkeep, uint64_t *dropped)
{
	struct cd_buf where;
	cd_chunkdb_drop_where(&where, group, tier, t, keep, nkeep, "metrics_groups", "metrics_chunks");
	char *sql = cd_asprintf("WITH d AS (DELETE FROM metrics_chunks WHERE %s RETURNING n)"
				" SELECT coalesce(sum(n), 0) FROM d", where.data);
	cd_buf_free(&where);
	int64_t n = 0;
	bool found;
	int r = scalar(db, cd_db_prep(db->db, sql, ""), &n, &found);
	free(sql);
	*dropped = r ? 0 : (uint64_t)n;
	return r;
}

int cd_chunkdb_pg_head_put(struct cd_chunkdb_pg *db, int64_t group, int64_t t0,
			   const void *data, size_t len)
{
	return run(db, cd_db_prep(db->db, "INSERT INTO metrics_heads(writer, grp, t0, data)"
				  " VALUES (?, ?, ?, ?) ON CONFLICT (writer, grp) DO UPDATE SET"
				  " t0 = excluded.t0, data = excluded.data", "iiiB", db->writer,
				  group, t0, data, len));
}

/* Each row of a SELECT grp, data as a chunk of fn's. */
static int heads(struct cd_chunkdb_pg *db, struct cd_db_stmt *st, cd_chunk_fn fn, void *arg)
{
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_chunk_row c = { .group = cd_db_int(st, 0) };
		c.data = cd_db_blob(st, 1, &c.len);
		r = fn(arg, &c);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

/* Each row of a SELECT data to fn. */
static int wal_rows(struct cd_chunkdb_pg *db, struct cd_db_stmt *st, cd_wal_fn fn, void *arg)
{
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		size_t len;
		const void *data = cd_db_blob(st, 0, &len);
		r = fn(arg, data, len);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

int cd_chunkdb_pg_head_each(struct cd_chunkdb_pg *db, int64_t writer, cd_chunk_fn fn, void *arg)
{
	return heads(db, cd_db_prep(db->db, "SELECT grp, data FROM metrics_heads WHERE writer = ?"
				    " ORDER BY grp", "i", writer ? writer : db->writer), fn, arg);
}

int cd_chunkdb_pg_heads_clear(struct cd_chunkdb_pg *db)
{
	return run(db, cd_db_prep(db->db, "DELETE FROM metrics_heads WHERE writer = ?", "i",
				  db->writer));
}

int cd_chunkdb_pg_wal_add(struct cd_chunkdb_pg *db, int64_t group, int64_t t0, const void *data,
			  size_t len)
{
	/* one number from the sequence a transaction (the write lock held),
	 * then counted on; the sequence set past them at commit */
	int r = 0;
	if (!db->wal_next || !cd_db_depth(db->db)) {
		bool found;
		r = scalar(db, cd_db_prep(db->db, "SELECT nextval('metrics_wal_ids')", ""),
			   &db->wal_next, &found);
		db->wal_taken = db->wal_next;
	}
	if (!r)
		r = run(db, cd_db_prep(db->db, "INSERT INTO metrics_wal(id, writer, grp, t0, data)"
				       " VALUES (?, ?, ?, ?, ?)", "iiiiB", db->wal_next, db->writer,
				       group, t0, data, len));
	if (!r)
		db->wal_next++;
	return r;
}

int cd_chunkdb_pg_wal_each(struct cd_chunkdb_pg *db, int64_t writer, cd_wal_fn fn, void *arg)
{
	return wal_rows(db, cd_db_prep(db->db, "SELECT data FROM metrics_wal WHERE writer = ?"
				       " ORDER BY id", "i", writer ? writer : db->writer), fn, arg);
}

int cd_chunkdb_pg_wal_clear(struct cd_chunkdb_pg *db)
{
	return run(db, cd_db_prep(db->db, "DELETE FROM metrics_wal WHERE writer = ?", "i",
				  db->writer));
}

int cd_chunkdb_pg_others(struct cd_chunkdb_pg *db, int64_t group, cd_chunk_fn head,
			 cd_wal_fn wal, void *arg)
{
	int r = heads(db, cd_db_prep(db->db, "SELECT grp, data FROM metrics_heads WHERE grp = ?"
				     " AND writer <> ?", "ii", group, db->writer), head, arg);
	return r ? r : wal_rows(db, cd_db_prep(db->db, "SELECT data FROM metrics_wal WHERE grp = ?"
					       " AND writer <> ? ORDER BY id", "ii", group,
					       db->writer), wal, arg);
}

int cd_chunkdb_pg_others_t0(struct cd_chunkdb_pg *db, int64_t group, int64_t *t0)
{
	bool found;
	int r = scalar(db, cd_db_prep(db->db, "SELECT min(t0) FROM (SELECT t0 FROM metrics_heads"
				      " WHERE grp = ? AND writer <> ? UNION ALL SELECT t0 FROM"
				      " metrics_wal WHERE grp = ? AND writer <> ?) AS o", "iiii",
				      group, db->writer, group, db->writer), t0, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_pg_follow(struct cd_chunkdb_pg *db, int64_t *seen, cd_wal_fn fn, void *arg)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT id, data FROM metrics_wal WHERE id > ?"
					   " AND writer <> ? ORDER BY id LIMIT 10000", "ii", *seen,
					   db->writer);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		size_t len;
		const void *data = cd_db_blob(st, 1, &len);
		*seen = cd_db_int(st, 0);
		r = fn(arg, data, len);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? fail(db, rc) : 0;
}

int cd_chunkdb_pg_orphan(struct cd_chunkdb_pg *db, int64_t idle_ms, int64_t *writer)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT id FROM metrics_writers WHERE id <> ?"
					   " AND seen < ? ORDER BY id LIMIT 64", "ii", db->writer,
					   wall_ms() - idle_ms);
	int64_t ids[64];
	int n = 0, rc;
	while ((rc = cd_db_step(st)) == 1 && n < 64)
		ids[n++] = cd_db_int(st, 0);
	cd_db_done(st);
	if (rc < 0)
		return fail(db, rc);
	for (int i = 0; i < n; i++) {
		int r = try_lock(db, ids[i]);
		if (r)
			return r < 0 ? r : (*writer = ids[i], 1);
	}
	return 0;
}

int cd_chunkdb_pg_orphan_drop(struct cd_chunkdb_pg *db, int64_t writer, bool done)
{
	if (!done)                 /* its chunks since its checkpoint: made again from its rows */
		return run(db, cd_db_prep(db->db, "DELETE FROM metrics_chunks WHERE tier = 0 AND"
					  " writer = ? AND epoch >= (SELECT epoch FROM"
					  " metrics_writers WHERE id = ?)", "ii", writer, writer));
	int r = run(db, cd_db_prep(db->db, "DELETE FROM metrics_heads WHERE writer = ?", "i", writer));
	if (!r)
		r = run(db, cd_db_prep(db->db, "DELETE FROM metrics_wal WHERE writer = ?", "i", writer));
	if (!r)
		r = run(db, cd_db_prep(db->db, "DELETE FROM metrics_writers WHERE id = ?", "i", writer));
	return r;
}

void cd_chunkdb_pg_orphan_end(struct cd_chunkdb_pg *db, int64_t writer)
{
	unlock(db, writer);
}

int cd_chunkdb_pg_stats(struct cd_chunkdb_pg *db, uint64_t *samples, uint64_t *bytes)
{
	struct cd_db_stmt *st = cd_db_prep(db->db, "SELECT (SELECT coalesce(sum(n), 0) FROM"
		" metrics_chunks WHERE tier = 0), pg_total_relation_size('metrics_chunks') +"
		" pg_total_relation_size('metrics_heads') + pg_total_relation_size('metrics_wal') +"
		" pg_total_relation_size('metrics_series') + pg_total_relation_size('metrics_groups')", "");
	int rc = cd_db_step(st);
	if (rc == 1) {
		*samples = (uint64_t)cd_db_int(st, 0);
		*bytes = (uint64_t)cd_db_int(st, 1);
	}
	cd_db_done(st);
	return rc == 1 ? 0 : fail(db, rc);
}
