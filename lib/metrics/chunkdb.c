/* chunkdb.c - the metrics store's chunks (see chunkdb.h), on either
 * database through db/db.h: one code for both, its statements in
 * chunkdb_sql.c (where SQLite's and PostgreSQL's forms differ), what
 * only a store that several managers write has in chunkdb_share.c. */
#include "metrics/chunkdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "metrics/chunkdb_priv.h"

int cd_chunkdb_lock(const char *dir, int *fd, char *err, size_t errlen)
{
	char *lock = cd_asprintf("%s/metrics.lock", dir);
	int r = cd_lock_path(lock, fd);
	free(lock);
	if (r < 0)
		snprintf(err, errlen, "%s/metrics.lock: %s", dir,
			 r == -EBUSY ? "the store is in use by another process" : strerror(-r));
	return r;
}

/* The schema made (as it is if there), and the writer taken (shared) or
 * the epoch read, in one transaction. */
static int setup(struct cd_chunkdb *db, const char *dir)
{
	int r = cd_chunkdb_script(db, S_SETUP);
	if (r && r != -ENOTSUP)
		return r;
	if ((r = cd_db_begin(db->db)))
		return cd_chunkdb_fail(db, r);
	r = cd_chunkdb_script(db, S_SCHEMA);
	if (!r && db->shared) {
		r = cd_chunkdb_writer_open(db, dir);
	} else if (!r) {
		bool found;
		r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_EPOCH), &db->epoch, &found);
		if (!r && !found) {
			snprintf(db->err, sizeof(db->err), "the epoch is missing");
			r = -EIO;
		}
	}
	if (r) {
		cd_db_rollback(db->db);
		return r;
	}
	r = cd_db_commit(db->db);
	return r ? cd_chunkdb_fail(db, r) : 0;
}

int cd_chunkdb_open(const char *dir, const char *target, struct cd_chunkdb **out, char *err,
		    size_t errlen)
{
	struct cd_chunkdb *db = cd_calloc(1, sizeof(*db));
	int r = cd_chunkdb_lock(dir, &db->lock, err, errlen);
	if (r) {
		cd_chunkdb_close(db);
		return r;
	}
	if (target && !cd_db_target_is_pg(target)) {
		snprintf(err, errlen, "metrics store: %s: not a PostgreSQL server", target);
		cd_chunkdb_close(db);
		return -EINVAL;
	} else if (target) {
		r = cd_db_open(target, &db->db);
	} else {
		db->path = cd_asprintf("%s/metrics.db", dir);
		r = cd_db_open_sqlite(db->path, false, &db->db);
	}
	db->shared = cd_db_kind(db->db) == CD_DB_PG;
	r = r ? cd_chunkdb_fail(db, r) : cd_chunkdb_sql_init(db);
	if (!r)
		r = setup(db, dir);
	if (r) {
		if (target)
			snprintf(err, errlen, "metrics store on PostgreSQL: %s", db->err);
		else
			snprintf(err, errlen, "%s: %s", db->path, db->err);
		cd_chunkdb_close(db);
		return r < 0 ? r : -EIO;
	}
	if (db->path)
		chmod(db->path, 0600);
	*out = db;
	return 0;
}

int cd_chunkdb_open_ro(const char *dir, struct cd_chunkdb **out, char *err, size_t errlen)
{
	struct cd_chunkdb *db = cd_calloc(1, sizeof(*db));
	db->lock = -1;
	db->path = cd_asprintf("%s/metrics.db", dir);
	int r = cd_db_open_sqlite(db->path, true, &db->db);
	r = r ? cd_chunkdb_fail(db, r) : cd_chunkdb_sql_init(db);
	if (r) {
		snprintf(err, errlen, "%s: %s", db->path, db->err);
		cd_chunkdb_close(db);
		return -ENOENT;
	}
	cd_chunkdb_script(db, S_SETUP_RO);
	*out = db;
	return 0;
}

int cd_chunkdb_file_check(const char *path, bool full, char *err, size_t errlen)
{
	struct cd_chunkdb *db = cd_calloc(1, sizeof(*db));
	db->lock = -1;
	int r = cd_db_open_sqlite_frozen(path, &db->db);
	if (!r && full)
		r = cd_db_sqlite_check(db->db);
	r = r ? cd_chunkdb_fail(db, r) : cd_chunkdb_sql_init(db);
	/* its epoch, its groups' and series' numbers, its samples: the
	 * tables a store has */
	static const enum cd_chunkdb_q probe[] = { Q_EPOCH, Q_GROUP_ID, Q_SERIES_ID, Q_SAMPLES };
	for (size_t i = 0; !r && i < CD_ARRAY_LEN(probe); i++) {
		int64_t v;
		bool found;
		r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, probe[i]), &v, &found);
		if (!r && !found) {
			snprintf(db->err, sizeof(db->err), "the epoch is missing");
			r = -EIO;
		}
	}
	if (r)
		snprintf(err, errlen, "not a whole metrics store: %s", db->err);
	cd_chunkdb_close(db);
	return r ? -EINVAL : 0;
}

void cd_chunkdb_close(struct cd_chunkdb *db)
{
	if (!db)
		return;
	if (db->db && db->shared)
		cd_chunkdb_writer_close(db);
	cd_db_close(db->db);       /* (its statements kept with it) */
	cd_chunkdb_sql_free(db);
	for (size_t i = 0; i < db->recent.n; i++)
		free((void *)db->recent.row[i].data);
	free(db->recent.row);
	if (db->lock >= 0)
		close(db->lock);
	free(db->path);
	free(db->idfile);
	free(db);
}

const char *cd_chunkdb_error(const struct cd_chunkdb *db)
{
	return db->err;
}

bool cd_chunkdb_shared(const struct cd_chunkdb *db)
{
	return db->shared;
}

int cd_chunkdb_bulk(struct cd_chunkdb *db, bool on)
{
	/* (shared: an import writes into a store of its own) */
	return cd_chunkdb_script(db, on ? S_BULK_ON : S_BULK_OFF);
}

/* ---- transactions ---- */

/* The outermost transaction over: the epochs it began counted if it
 * committed, the batches' numbers asked again. */
static void tx_over(struct cd_chunkdb *db, bool committed)
{
	if (committed)
		db->epoch += db->bump;
	db->bump = 0;
	db->wal_next = 0;
	cd_chunkdb_writer_end(db, committed);
}

int cd_chunkdb_begin(struct cd_chunkdb *db)
{
	bool outer = !cd_db_depth(db->db);
	if (outer)
		db->wal_next = 0;
	int r = cd_db_begin(db->db);
	if (r)
		return cd_chunkdb_fail(db, r);
	if (outer && (r = cd_chunkdb_writer_again(db))) {
		cd_db_rollback(db->db);
		return r;
	}
	return 0;
}

int cd_chunkdb_commit(struct cd_chunkdb *db)
{
	bool outer = cd_db_depth(db->db) == 1;
	int r = outer ? cd_chunkdb_wal_ids_commit(db) : 0;
	if (r) {
		cd_db_rollback(db->db);
		tx_over(db, false);
		return r;
	}
	r = cd_db_commit(db->db);
	if (outer)
		tx_over(db, !r);
	return r ? cd_chunkdb_fail(db, r) : 0;
}

void cd_chunkdb_rollback(struct cd_chunkdb *db)
{
	int depth = cd_db_depth(db->db);
	cd_db_rollback(db->db);
	db->writes++;              /* what was read in it may be undone */
	if (depth == 1)
		tx_over(db, false);
	else if (db->bump && db->bump_depth >= depth)
		db->bump = 0;      /* begun in the savepoint undone */
}

/* ---- epochs ---- */

int cd_chunkdb_epoch_next(struct cd_chunkdb *db)
{
	int r = cd_chunkdb_run(db, cd_chunkdb_q(db, Q_EPOCH_SET, db->epoch + db->bump + 1, cd_wall_ms(),
				     db->writer));
	if (!r) {
		if (!db->bump || cd_db_depth(db->db) < db->bump_depth)
			db->bump_depth = cd_db_depth(db->db);
		db->bump++;
	}
	return r;
}

int cd_chunkdb_drop_epoch(struct cd_chunkdb *db)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_DROP_EPOCH, db->epoch + db->bump, db->writer));
}

/* ---- groups and series ---- */

int cd_chunkdb_group_add(struct cd_chunkdb *db, const struct cd_group_row *r, int64_t *id)
{
	bool found;
	int rc = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_GROUP_ID), id, &found);
	return rc ? rc : cd_chunkdb_run(db, cd_chunkdb_q(db, Q_GROUP_ADD, *id, r->labels, r->rolled));
}

int cd_chunkdb_group_rolled(struct cd_chunkdb *db, int64_t id, int64_t rolled)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_GROUP_ROLLED, rolled, id));
}

int cd_chunkdb_group_rolled_get(struct cd_chunkdb *db, int64_t id, int64_t *rolled)
{
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_GROUP_ROLLED_GET, id), rolled, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_series_add(struct cd_chunkdb *db, const struct cd_series_row *r, int64_t *id)
{
	bool found;
	int rc = cd_chunkdb_run(db, cd_chunkdb_q(db, Q_SERIES_STALE, r->key));
	if (!rc)
		rc = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_SERIES_ID), id, &found);
	if (!rc)
		rc = cd_chunkdb_run(db, cd_chunkdb_q(db, Q_SERIES_ADD, *id, r->key, r->metric, r->group,
					  r->kind ? r->kind : "", r->name ? r->name : "",
					  r->host ? r->host : "", r->source ? r->source : "",
					  (int)r->counter));
	return rc;
}

static const char *text(struct cd_db_stmt *st, int col)
{
	const char *s = cd_db_text(st, col);
	return s ? s : "";
}

int cd_chunkdb_group_each(struct cd_chunkdb *db, int64_t after,
			  int (*fn)(void *arg, const struct cd_group_row *r), void *arg)
{
	struct cd_db_stmt *st = cd_chunkdb_q(db, Q_GROUP_EACH, after);
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		struct cd_group_row row = { .id = cd_db_int(st, 0), .labels = text(st, 1),
					    .rolled = cd_db_int(st, 2) };
		r = fn(arg, &row);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

int cd_chunkdb_series_each(struct cd_chunkdb *db, int64_t after,
			   int (*fn)(void *arg, const struct cd_series_row *r), void *arg)
{
	struct cd_db_stmt *st = cd_chunkdb_q(db, Q_SERIES_EACH, after);
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
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
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

/* ---- chunks ---- */

int cd_chunkdb_put(struct cd_chunkdb *db, const struct cd_chunk_row *c)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_PUT, c->group, (int64_t)c->tier, c->t0, c->t1, (int64_t)c->n,
				    c->final ? 0 : db->epoch + db->bump, c->data, c->len,
				    db->writer));
}

static void recent_drop(struct cd_chunkdb *db)
{
	for (size_t i = 0; i < db->recent.n; i++)
		free((void *)db->recent.row[i].data);
	db->recent.n = 0;
	db->recent.valid = false;
}

/* Each record read, given on to the caller's fn and kept. */
struct keep {
	struct cd_chunkdb *db;
	cd_chunk_fn fn;
	void *arg;
	bool whole;                /* fn wanted every one */
};

static int keep_row(void *p, const struct cd_chunk_row *c)
{
	struct keep *k = p;
	int r = k->fn(k->arg, c);
	if (r) {
		k->whole = false;
		return r;
	}
	struct cd_chunk_row copy = *c;
	void *data = cd_malloc(c->len ? c->len : 1);
	memcpy(data, c->data, c->len);
	copy.data = data;
	CD_PUSH(k->db->recent.row, k->db->recent.n, k->db->recent.cap, copy);
	return 0;
}

int cd_chunkdb_get(struct cd_chunkdb *db, int64_t group, int tier, int64_t from, int64_t to,
		   cd_chunk_fn fn, void *arg)
{
	if (tier == 0)
		return cd_chunkdb_chunks(db, cd_chunkdb_q(db, Q_GET, group, (int64_t)tier, from, to),
					 group, tier, fn, arg);
	int64_t now = cd_wall_ms();
	if (db->recent.valid && db->recent.group == group && db->recent.tier == tier &&
	    db->recent.from == from && db->recent.to == to && db->recent.writes == db->writes &&
	    now - db->recent.at >= 0 && now - db->recent.at < 1000) {
		for (size_t i = 0; i < db->recent.n; i++) {
			int r = fn(arg, &db->recent.row[i]);
			if (r)
				return r < 0 ? r : 0;
		}
		return 0;
	}
	recent_drop(db);
	struct keep k = { db, fn, arg, true };
	int r = cd_chunkdb_chunks(db, cd_chunkdb_q(db, Q_GET, group, (int64_t)tier, from, to), group,
				  tier, keep_row, &k);
	if (r == 0 && k.whole) {
		db->recent.valid = true;
		db->recent.group = group;
		db->recent.tier = tier;
		db->recent.from = from;
		db->recent.to = to;
		db->recent.at = now;
		db->recent.writes = db->writes;
	} else {
		recent_drop(db);
	}
	return r;
}

int cd_chunkdb_get_before(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  cd_chunk_fn fn, void *arg)
{
	return cd_chunkdb_chunks(db, cd_chunkdb_q(db, Q_GET_BEFORE, group, (int64_t)tier, t), group, tier, fn,
				 arg);
}

int cd_chunkdb_get_last(struct cd_chunkdb *db, int64_t group, int tier, cd_chunk_fn fn,
			void *arg)
{
	return cd_chunkdb_chunks(db, cd_chunkdb_q(db, Q_GET_LAST, group, (int64_t)tier), group, tier, fn, arg);
}

int cd_chunkdb_first_from(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  int64_t *t0)
{
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_FIRST_FROM, group, (int64_t)tier, t), t0, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_last_t1(struct cd_chunkdb *db, int64_t group, int tier, int64_t *t1)
{
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_LAST_T1, group, (int64_t)tier), t1, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_drop(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
		    const int64_t *keep, size_t nkeep, uint64_t *dropped)
{
	/* the ids kept are few (metrics with a retention of their own), and
	 * numbers: written into the SQL, made for this call */
	struct cd_buf b;
	cd_buf_init(&b, 512 + nkeep * 24);         /* every one fits */
	cd_buf_puts(&b, "DELETE FROM {chunks} WHERE ");
	if (group >= 0)
		cd_buf_printf(&b, "grp = %lld AND ", (long long)group);
	else if (nkeep) {
		cd_buf_puts(&b, "grp NOT IN (");
		for (size_t i = 0; i < nkeep; i++)
			cd_buf_printf(&b, "%s%lld", i ? "," : "", (long long)keep[i]);
		cd_buf_puts(&b, ") AND ");
	}
	cd_buf_printf(&b, "tier = %d AND t1 < %lld", tier, (long long)t);
	/* raw chunks only once rolled up */
	if (tier == 0)
		cd_buf_puts(&b, " AND t1 < (SELECT rolled FROM {groups} g WHERE g.id = {chunks}.grp)");
	cd_buf_puts(&b, " RETURNING n");
	db->writes++;
	char *sql = cd_chunkdb_sql(db, b.data);
	cd_buf_free(&b);
	struct cd_db_stmt *st = sql ? cd_db_prep(db->db, sql, "") : NULL;
	free(sql);
	*dropped = 0;
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc;
	while ((rc = cd_db_step(st)) == 1)
		*dropped += (uint64_t)cd_db_int(st, 0);
	cd_db_done(st);
	return rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

/* ---- heads, batches written ahead ---- */

int cd_chunkdb_head_put(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
			size_t len)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_HEAD_PUT, group, data, len, t0, db->writer));
}

int cd_chunkdb_head_each(struct cd_chunkdb *db, cd_chunk_fn fn, void *arg)
{
	return cd_chunkdb_heads(db, cd_chunkdb_q(db, Q_HEAD_EACH, db->writer), fn, arg);
}

int cd_chunkdb_heads_clear(struct cd_chunkdb *db)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_HEADS_CLEAR, db->writer));
}

int cd_chunkdb_wal_add(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
		       size_t len)
{
	int64_t id;
	int r = cd_chunkdb_wal_id(db, &id);
	return r ? r : cd_chunkdb_run(db, cd_chunkdb_q(db, Q_WAL_ADD, data, len, id, group, t0, db->writer));
}

int cd_chunkdb_wal_each(struct cd_chunkdb *db, cd_wal_fn fn, void *arg)
{
	return cd_chunkdb_batches(db, cd_chunkdb_q(db, Q_WAL_EACH, db->writer), fn, arg);
}

int cd_chunkdb_wal_clear(struct cd_chunkdb *db)
{
	return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_WAL_CLEAR, db->writer));
}

/* ---- groups removed ---- */

int cd_chunkdb_group_remove(struct cd_chunkdb *db, int64_t group, int64_t at)
{
	static const enum cd_chunkdb_q rm[] = { Q_RM_CHUNKS, Q_RM_HEADS, Q_RM_WAL, Q_RM_SERIES,
						Q_RM_GROUP };
	int r = cd_chunkdb_run(db, cd_chunkdb_q(db, Q_GONE_ADD, group, at, group));
	for (size_t i = 0; !r && i < CD_ARRAY_LEN(rm); i++)
		if (cd_chunkdb_has(db, rm[i]))
			r = cd_chunkdb_run(db, cd_chunkdb_q(db, rm[i], group));
	return r;
}

int cd_chunkdb_gone_each(struct cd_chunkdb *db, int64_t after,
			 int (*fn)(void *arg, int64_t seq, int64_t group), void *arg)
{
	struct cd_db_stmt *st = cd_chunkdb_q(db, Q_GONE_EACH, after);
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1)
		r = fn(arg, cd_db_int(st, 0), cd_db_int(st, 1));
	cd_db_done(st);
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

/* ---- size ---- */

static uint64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? 0 : (uint64_t)sb.st_size;
}

int cd_chunkdb_stats(struct cd_chunkdb *db, uint64_t *samples, uint64_t *bytes)
{
	int64_t n = 0, b = 0;
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_SAMPLES), &n, &found);
	if (!r && cd_chunkdb_has(db, Q_BYTES))
		r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_BYTES), &b, &found);
	*samples = r ? 0 : (uint64_t)n;
	*bytes = (uint64_t)b;
	if (r || cd_chunkdb_has(db, Q_BYTES))
		return r;
	/* SQLite: its files, the log emptied into the database first (a
	 * reader's cannot: then both) */
	cd_chunkdb_script(db, S_CHECKPOINT);
	char *wal = cd_asprintf("%s-wal", db->path);
	*bytes = file_size(db->path) + file_size(wal);
	free(wal);
	return 0;
}
