/* chunkdb_share.c - what only a chunk store that several managers write
 * has (PostgreSQL's, chunkdb_priv.h): writers, the others' rows, a
 * manager gone taken over.  On SQLite's, one manager's, these are
 * nothing.
 *
 * Each manager is a writer (table writers): its heads, its samples
 * written ahead and its epoch are its own, and it holds a session
 * advisory lock on its number while it runs.  Its number is kept in
 * DIR/metrics.writer, so a manager started again takes up its own heads
 * and samples.  Groups, series and sealed chunks are everybody's: any
 * manager reads any, and the other writers' heads and samples written
 * ahead are read with them (cd_chunkdb_others).
 *
 * Every write is in a transaction under the database's write lock (db.h),
 * so the numbers of samples written ahead (wal.id, from a sequence: never
 * given twice, though a checkpoint deletes the rows) are given out in the
 * order they commit: another manager reads the ones after the last it
 * saw and misses none. */
#include "metrics/chunkdb_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

static int try_lock(struct cd_chunkdb *db, int64_t writer)
{
	int64_t v = 0;
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_LOCK, writer), &v, &found);
	return r ? r : (int)v;
}

static void unlock(struct cd_chunkdb *db, int64_t writer)
{
	cd_db_vrun(db->db, cd_chunkdb_q(db, Q_UNLOCK, writer));
}

/* Become writer `want` when its row is there and nobody holds it, or a
 * new writer: inside a write transaction. */
static int take_writer(struct cd_chunkdb *db, int64_t want)
{
	int64_t epoch = 0;
	bool found = false;
	int r = 0;
	if (want > 0 && (r = try_lock(db, want)) == 1) {
		r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_EPOCH, want), &epoch, &found);
		if (!r && !found)
			unlock(db, want);
	}
	if (r < 0)
		return r;
	if (!found) {
		if ((r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_WRITER_NEW), &want, &found)) < 0)
			return r;
		epoch = 1;
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		r = cd_chunkdb_run(db, cd_chunkdb_q(db, Q_WRITER_ADD, want, cd_wall_ms(),
						    (const char *)host));
		if (!r && (r = try_lock(db, want)) == 0) {
			snprintf(db->err, sizeof(db->err), "writer %lld: locked by another session",
				 (long long)want);
			r = -EIO;
		}
		if (r < 0)
			return r;
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

int cd_chunkdb_writer_open(struct cd_chunkdb *db, const char *dir)
{
	db->idfile = cd_asprintf("%s/metrics.writer", dir);
	int64_t want = 0;
	char *num = NULL;
	size_t len;
	if (!cd_read_file(db->idfile, 64, &num, &len))
		want = strtoll(num, NULL, 10);
	free(num);
	return take_writer(db, want);
}

void cd_chunkdb_writer_close(struct cd_chunkdb *db)
{
	if (db->writer > 0 && db->generation == cd_db_generation(db->db))
		unlock(db, db->writer);
}

int cd_chunkdb_writer_again(struct cd_chunkdb *db)
{
	/* the connection made again (by this begin, or since): the writer's
	 * lock went with the old one, so it is taken again (or a new writer
	 * made) before anything is written as it */
	if (!db->shared || db->generation == cd_db_generation(db->db))
		return 0;
	int64_t was = db->writer;
	int r = take_writer(db, was);
	if (r) {
		db->generation = 0;
		return r;
	}
	db->retaken = true;
	db->renewed = db->renewed || db->writer != was;
	return 0;
}

void cd_chunkdb_writer_end(struct cd_chunkdb *db, bool committed)
{
	/* a writer taken again in it and not committed is looked at again
	 * at the next begin */
	if (db->retaken && !committed)
		db->generation = 0;
	db->retaken = false;
}

int cd_chunkdb_writer_check(struct cd_chunkdb *db)
{
	int r = db->renewed;
	db->renewed = false;
	return r;
}

int cd_chunkdb_wal_id(struct cd_chunkdb *db, int64_t *id)
{
	*id = 0;
	if (!db->shared)
		return 0;
	/* one number from the sequence a transaction (the write lock held),
	 * then counted on; the sequence set past them at commit */
	if (!db->wal_next || !cd_db_depth(db->db)) {
		bool found;
		int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_WAL_ID), &db->wal_next, &found);
		if (r)
			return r;
		db->wal_taken = db->wal_next;
	}
	*id = db->wal_next++;
	return 0;
}

int cd_chunkdb_wal_ids_commit(struct cd_chunkdb *db)
{
	/* the sequence gave one number; the transaction used more */
	if (!db->shared || db->wal_next <= db->wal_taken + 1)
		return 0;
	int64_t v;
	bool found;
	return cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_WAL_IDS_SET, db->wal_next - 1), &v, &found);
}

/* ---- chunkdb.h's, shared only ---- */

int cd_chunkdb_others(struct cd_chunkdb *db, int64_t group, cd_chunk_fn head, cd_wal_fn wal,
		      void *arg)
{
	if (!db->shared)
		return 0;
	int r = cd_chunkdb_heads(db, cd_chunkdb_q(db, Q_OTHERS_HEADS, group, db->writer), head, arg);
	return r ? r : cd_chunkdb_batches(db, cd_chunkdb_q(db, Q_OTHERS_WAL, group, db->writer),
					  wal, arg);
}

int cd_chunkdb_others_t0(struct cd_chunkdb *db, int64_t group, int64_t *t0)
{
	if (!db->shared)
		return -ENOENT;
	bool found;
	int r = cd_chunkdb_scalar(db, cd_chunkdb_q(db, Q_OTHERS_T0, group, db->writer, group,
						   db->writer), t0, &found);
	return r ? r : found ? 0 : -ENOENT;
}

int cd_chunkdb_follow(struct cd_chunkdb *db, int64_t *seen, cd_wal_fn fn, void *arg)
{
	if (!db->shared)
		return 0;
	struct cd_db_stmt *st = cd_chunkdb_q(db, Q_FOLLOW, *seen, db->writer);
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int rc, r = 0;
	while (!r && (rc = cd_db_step(st)) == 1) {
		size_t len;
		const void *data = cd_db_blob(st, 1, &len);
		*seen = cd_db_int(st, 0);
		r = fn(arg, data, len);
	}
	cd_db_done(st);
	return r ? r : rc < 0 ? cd_chunkdb_fail(db, rc) : 0;
}

int cd_chunkdb_orphan(struct cd_chunkdb *db, int64_t idle_ms, int64_t *writer)
{
	if (!db->shared)
		return 0;
	struct cd_db_stmt *st = cd_chunkdb_q(db, Q_IDLE, db->writer, cd_wall_ms() - idle_ms);
	if (!st)
		return cd_chunkdb_fail(db, -EIO);
	int64_t ids[64];
	int n = 0, rc;
	while ((rc = cd_db_step(st)) == 1 && n < 64)
		ids[n++] = cd_db_int(st, 0);
	cd_db_done(st);
	if (rc < 0)
		return cd_chunkdb_fail(db, rc);
	for (int i = 0; i < n; i++) {
		int r = try_lock(db, ids[i]);
		if (r)
			return r < 0 ? r : (*writer = ids[i], 1);
	}
	return 0;
}

int cd_chunkdb_orphan_read(struct cd_chunkdb *db, int64_t writer, cd_chunk_fn head,
			   cd_wal_fn wal, void *arg)
{
	if (!db->shared)
		return 0;
	int r = cd_chunkdb_heads(db, cd_chunkdb_q(db, Q_HEAD_EACH, writer), head, arg);
	return r ? r : cd_chunkdb_batches(db, cd_chunkdb_q(db, Q_WAL_EACH, writer), wal, arg);
}

int cd_chunkdb_orphan_drop(struct cd_chunkdb *db, int64_t writer, bool done)
{
	if (!db->shared)
		return 0;
	if (!done)                 /* its chunks since its checkpoint: made again from its rows */
		return cd_chunkdb_run(db, cd_chunkdb_q(db, Q_ORPHAN_CHUNKS, writer, writer));
	static const enum cd_chunkdb_q q[] = { Q_ORPHAN_HEADS, Q_ORPHAN_WAL, Q_ORPHAN_WRITER };
	int r = 0;
	for (size_t i = 0; !r && i < CD_ARRAY_LEN(q); i++)
		r = cd_chunkdb_run(db, cd_chunkdb_q(db, q[i], writer));
	return r;
}

void cd_chunkdb_orphan_end(struct cd_chunkdb *db, int64_t writer)
{
	if (db->shared)
		unlock(db, writer);
}
