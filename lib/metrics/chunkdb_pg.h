/* chunkdb_pg.h - the metrics store's chunks in PostgreSQL, in the database
 * several managers share (issue 17).  Private to chunkdb.c, which hands
 * each of chunkdb.h's calls here when the store is on PostgreSQL; the
 * functions are chunkdb.h's, on the same rows, and:
 *
 * Each manager is a writer (metrics_writers): its heads, its samples
 * written ahead and its epoch are its own, and it holds a session
 * advisory lock on its number while it runs.  Its number is kept in
 * DIR/metrics.writer, so a manager started again takes up its own heads
 * and samples.  Groups, series and sealed chunks are everybody's: any
 * manager reads any, and the other writers' heads and samples written
 * ahead are read with them (cd_chunkdb_others). */
#ifndef CD_CHUNKDB_PG_H
#define CD_CHUNKDB_PG_H

#include "base/util.h"
#include "metrics/chunkdb.h"

struct cd_chunkdb_pg;

/* chunkdb.c's: the WHERE of a drop (cd_chunkdb_drop) on these tables,
 * into where (initialized here; the caller frees it). */
void cd_chunkdb_drop_where(struct cd_buf *where, int64_t group, int tier, int64_t t,
			   const int64_t *keep, size_t nkeep, const char *groups, const char *chunks);

int cd_chunkdb_pg_open(const char *dir, const char *target, struct cd_chunkdb_pg **out,
		       char *err, size_t errlen);
void cd_chunkdb_pg_close(struct cd_chunkdb_pg *db);
const char *cd_chunkdb_pg_error(const struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_begin(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_commit(struct cd_chunkdb_pg *db);
void cd_chunkdb_pg_rollback(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_writer_check(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_epoch_next(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_drop_epoch(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_group_add(struct cd_chunkdb_pg *db, const struct cd_group_row *r, int64_t *id);
int cd_chunkdb_pg_group_rolled(struct cd_chunkdb_pg *db, int64_t id, int64_t rolled);
int cd_chunkdb_pg_group_rolled_get(struct cd_chunkdb_pg *db, int64_t id, int64_t *rolled);
int cd_chunkdb_pg_series_add(struct cd_chunkdb_pg *db, const struct cd_series_row *r,
			     int64_t *id);
int cd_chunkdb_pg_group_each(struct cd_chunkdb_pg *db, int64_t after,
			     int (*fn)(void *arg, const struct cd_group_row *r), void *arg);
int cd_chunkdb_pg_series_each(struct cd_chunkdb_pg *db, int64_t after,
			      int (*fn)(void *arg, const struct cd_series_row *r), void *arg);
int cd_chunkdb_pg_put(struct cd_chunkdb_pg *db, const struct cd_chunk_row *c);
int cd_chunkdb_pg_get(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t from,
		      int64_t to, cd_chunk_fn fn, void *arg);
int cd_chunkdb_pg_get_before(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
			     cd_chunk_fn fn, void *arg);
int cd_chunkdb_pg_get_last(struct cd_chunkdb_pg *db, int64_t group, int tier, cd_chunk_fn fn,
			   void *arg);
int cd_chunkdb_pg_first_from(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
			     int64_t *t0);
int cd_chunkdb_pg_drop(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t t,
		       const int64_t *keep, size_t nkeep, uint64_t *dropped);
int cd_chunkdb_pg_head_put(struct cd_chunkdb_pg *db, int64_t group, int64_t t0,
			   const void *data, size_t len);
int cd_chunkdb_pg_head_each(struct cd_chunkdb_pg *db, int64_t writer, cd_chunk_fn fn, void *arg);
int cd_chunkdb_pg_heads_clear(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_wal_add(struct cd_chunkdb_pg *db, int64_t group, int64_t t0, const void *data,
			  size_t len);
int cd_chunkdb_pg_wal_each(struct cd_chunkdb_pg *db, int64_t writer, cd_wal_fn fn, void *arg);
int cd_chunkdb_pg_wal_clear(struct cd_chunkdb_pg *db);
int cd_chunkdb_pg_others(struct cd_chunkdb_pg *db, int64_t group, cd_chunk_fn head,
			 cd_wal_fn wal, void *arg);
int cd_chunkdb_pg_others_t0(struct cd_chunkdb_pg *db, int64_t group, int64_t *t0);
int cd_chunkdb_pg_follow(struct cd_chunkdb_pg *db, int64_t *seen, cd_wal_fn fn, void *arg);
int cd_chunkdb_pg_orphan(struct cd_chunkdb_pg *db, int64_t idle_ms, int64_t *writer);
int cd_chunkdb_pg_orphan_drop(struct cd_chunkdb_pg *db, int64_t writer, bool done);
void cd_chunkdb_pg_orphan_end(struct cd_chunkdb_pg *db, int64_t writer);
int cd_chunkdb_pg_stats(struct cd_chunkdb_pg *db, uint64_t *samples, uint64_t *bytes);

int cd_chunkdb_pg_last_t1(struct cd_chunkdb_pg *db, int64_t group, int tier, int64_t *t1);
int cd_chunkdb_pg_group_remove(struct cd_chunkdb_pg *db, int64_t group, int64_t at);
int cd_chunkdb_pg_gone_each(struct cd_chunkdb_pg *db, int64_t after,
			    int (*fn)(void *arg, int64_t seq, int64_t group), void *arg);

#endif
