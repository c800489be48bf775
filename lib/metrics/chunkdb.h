/* chunkdb.h - where the metrics store keeps its chunks: the one part of
 * cordon that knows how they are laid out in a database.  Everything else
 * (heads, rollups, queries) works on chunks and calls these functions
 * only, on either database: one code over db/db.h, its statements in
 * chunkdb_sql.c, where SQLite's and PostgreSQL's forms differ.
 *
 * The embedded back end is an SQLite database, DIR/metrics.db, in WAL
 * mode: a committed transaction survives kill -9.  DIR/metrics.lock,
 * locked while it is open, keeps a second process out.  Its tables:
 *  - groups: the series collected together (one object's, with the same
 *    labels but their names), whose blocks they share, and until when
 *    rollups were made for them;
 *  - series: one row per series kept (its key, metric, group, object,
 *    whether it is a counter);
 *  - chunks: a group's blocks of samples (tier 0) or rollup points
 *    (tiers 1 and 2), each with its first and last time, its count of
 *    values and the epoch it was written in;
 *  - heads: the blocks being filled, saved at each checkpoint, which
 *    starts a new epoch;
 *  - wal: the samples taken since the last checkpoint, a batch a row.
 *
 * On PostgreSQL, in the database several managers share, the same
 * tables are named metrics_*; heads, samples written ahead and epochs
 * are each manager's own (a writer's, chunkdb_share.c), a row of samples
 * written ahead holds one group's, and the other writers' are read with
 * the chunks. */
#ifndef CD_CHUNKDB_H
#define CD_CHUNKDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cd_chunkdb;

struct cd_series_row {
	int64_t id;
	const char *key;           /* metric{labels}, unique */
	const char *metric;
	int64_t group;
	const char *kind, *name;   /* the object: vm, host, datastore ("" if none) */
	const char *host, *source; /* where it runs, where it is known from ("" if not) */
	bool counter;
};

struct cd_group_row {
	int64_t id;
	const char *labels;        /* unique */
	int64_t rolled;            /* rollups are made for times before this (epoch ms) */
};

struct cd_chunk_row {
	int64_t group;
	int tier;
	int64_t t0, t1;            /* first and last time held, epoch ms */
	uint32_t n;                /* values */
	const void *data;
	size_t len;
	bool final;                /* put: kept at the writer's next start whatever its epoch
				    * (a manager gone, taken over) */
};

typedef int (*cd_chunk_fn)(void *arg, const struct cd_chunk_row *c);
typedef int (*cd_wal_fn)(void *arg, const void *data, size_t len);

/* DIR/metrics.lock taken (made when missing), as every process that
 * opens the store takes it (cordond, on either database, from its start
 * to its end; cordon metrics import; a restore): one at a time.  0 with
 * *fd, which holds it until closed; -EBUSY when another process holds it,
 * or -errno; why in err. */
int cd_chunkdb_lock(const char *dir, int *fd, char *err, size_t errlen);
/* Open (creating) DIR/metrics.db, or with target a PostgreSQL server
 * (db.h), the tables there, as a writer whose number DIR/metrics.writer
 * keeps.  0 or a negative errno code, with a message in err. */
int cd_chunkdb_open(const char *dir, const char *target, struct cd_chunkdb **out, char *err,
		    size_t errlen);
/* Open DIR/metrics.db to read only, beside the process that has it
 * (no lock taken, nothing made): 0 or -ENOENT with err. */
int cd_chunkdb_open_ro(const char *dir, struct cd_chunkdb **out, char *err, size_t errlen);
/* An SQLite store's file that nothing writes (a backup's), without
 * opening it as a store: whole (SQLite's integrity check, when full),
 * with a store's tables.  0, or -EINVAL with why in err. */
int cd_chunkdb_file_check(const char *path, bool full, char *err, size_t errlen);
void cd_chunkdb_close(struct cd_chunkdb *db);
/* The last error's message. */
const char *cd_chunkdb_error(const struct cd_chunkdb *db);
/* Whether other managers write the same store (PostgreSQL). */
bool cd_chunkdb_shared(const struct cd_chunkdb *db);
/* Shared: every write transaction's begin takes the writer again when the
 * connection was made again (its lock went with the old one), before
 * anything is written as it; 1 once after that made a new writer (its
 * heads are to be saved again), else 0. */
int cd_chunkdb_writer_check(struct cd_chunkdb *db);

/* For a bulk load into a store nobody else has open: a rollback journal,
 * which writes the pages added once (WAL mode writes them twice); off:
 * WAL mode again. */
int cd_chunkdb_bulk(struct cd_chunkdb *db, bool on);
int cd_chunkdb_begin(struct cd_chunkdb *db);
int cd_chunkdb_commit(struct cd_chunkdb *db);
void cd_chunkdb_rollback(struct cd_chunkdb *db);

/* The epoch chunks are written in goes on to the next (a checkpoint). */
int cd_chunkdb_epoch_next(struct cd_chunkdb *db);
/* Drop the raw chunks written in the present epoch (since the last
 * checkpoint: the samples written ahead make them again). */
int cd_chunkdb_drop_epoch(struct cd_chunkdb *db);

/* Add a group, a series; *id their number. */
int cd_chunkdb_group_add(struct cd_chunkdb *db, const struct cd_group_row *r, int64_t *id);
int cd_chunkdb_group_rolled(struct cd_chunkdb *db, int64_t id, int64_t rolled);
/* The group's rolled as stored (another manager may have moved it). */
int cd_chunkdb_group_rolled_get(struct cd_chunkdb *db, int64_t id, int64_t *rolled);
int cd_chunkdb_series_add(struct cd_chunkdb *db, const struct cd_series_row *r, int64_t *id);
/* Every group, every series, whose id is after `after`, in id order;
 * fn's non-zero return stops and is returned. */
int cd_chunkdb_group_each(struct cd_chunkdb *db, int64_t after,
			  int (*fn)(void *arg, const struct cd_group_row *r), void *arg);
int cd_chunkdb_series_each(struct cd_chunkdb *db, int64_t after,
			   int (*fn)(void *arg, const struct cd_series_row *r), void *arg);


int cd_chunkdb_put(struct cd_chunkdb *db, const struct cd_chunk_row *c);
/* A group's chunks of a tier that hold times in [from, to], in time
 * order: by their last time, then as written (chunks that overlap, of
 * several writers or a series late in its group, come so too: a reader
 * of samples sorts them). */
int cd_chunkdb_get(struct cd_chunkdb *db, int64_t group, int tier, int64_t from, int64_t to,
		   cd_chunk_fn fn, void *arg);
/* The group's last few chunks of a tier that end before t, the latest
 * first. */
int cd_chunkdb_get_before(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  cd_chunk_fn fn, void *arg);
/* The group's newest chunk of a tier: the one with the greatest last
 * time, whenever it was written (none: fn is not called). */
int cd_chunkdb_get_last(struct cd_chunkdb *db, int64_t group, int tier, cd_chunk_fn fn,
			void *arg);
/* The first time of the group's chunks of a tier that end at t or later:
 * 0, or -ENOENT when there is none. */
int cd_chunkdb_first_from(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
			  int64_t *t0);
/* Drop a tier's chunks that end before t: of one group, or of all
 * (group < 0) but those in keep (ids of groups with a retention of their
 * own).  Raw chunks go only once rolled up (before the group's rolled).
 * *dropped: values dropped. */
int cd_chunkdb_drop(struct cd_chunkdb *db, int64_t group, int tier, int64_t t,
		    const int64_t *keep, size_t nkeep, uint64_t *dropped);

/* The heads: put one (replacing; t0 its first time), every one, all
 * dropped. */
int cd_chunkdb_head_put(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
			size_t len);
int cd_chunkdb_head_each(struct cd_chunkdb *db, cd_chunk_fn fn, void *arg);
int cd_chunkdb_heads_clear(struct cd_chunkdb *db);

/* The newest end of a group's chunks of a tier: 0, or -ENOENT when it
 * has none. */
int cd_chunkdb_last_t1(struct cd_chunkdb *db, int64_t group, int tier, int64_t *t1);
/* Remove a group: its chunks of every tier, heads and rows written ahead
 * (of every writer), its series and itself; recorded in the groups gone
 * with its series' highest number (as the database has them, other
 * managers' too), so that no number is given again and other managers
 * learn of it.  Inside a write transaction. */
int cd_chunkdb_group_remove(struct cd_chunkdb *db, int64_t group, int64_t at);
/* The groups removed after seq: fn(arg, seq, group) each, in order. */
int cd_chunkdb_gone_each(struct cd_chunkdb *db, int64_t after,
			 int (*fn)(void *arg, int64_t seq, int64_t group), void *arg);
/* The write-ahead batches: add one (shared: one group's, t0 its first
 * time; else group -1), every one in order, all dropped. */
int cd_chunkdb_wal_add(struct cd_chunkdb *db, int64_t group, int64_t t0, const void *data,
		       size_t len);
int cd_chunkdb_wal_each(struct cd_chunkdb *db, cd_wal_fn fn, void *arg);
int cd_chunkdb_wal_clear(struct cd_chunkdb *db);

/* Shared only (else nothing, -ENOENT, 0):
 * - the other writers' heads and batches of a group;
 * - the first time they hold of it;
 * - their batches after *seen (a number, moved on), in order;
 * - a writer gone (its lock free, no checkpoint for idle_ms): 1 with
 *   *writer locked, to be taken over: its chunks since its checkpoint
 *   dropped (done false), its heads and batches read (orphan_read), and
 *   once they are written again, its rows dropped (done true), in one
 *   transaction; then orphan_end. */
int cd_chunkdb_others(struct cd_chunkdb *db, int64_t group, cd_chunk_fn head, cd_wal_fn wal,
		      void *arg);
int cd_chunkdb_others_t0(struct cd_chunkdb *db, int64_t group, int64_t *t0);
int cd_chunkdb_follow(struct cd_chunkdb *db, int64_t *seen, cd_wal_fn fn, void *arg);
int cd_chunkdb_orphan(struct cd_chunkdb *db, int64_t idle_ms, int64_t *writer);
int cd_chunkdb_orphan_read(struct cd_chunkdb *db, int64_t writer, cd_chunk_fn head,
			   cd_wal_fn wal, void *arg);
int cd_chunkdb_orphan_drop(struct cd_chunkdb *db, int64_t writer, bool done);
void cd_chunkdb_orphan_end(struct cd_chunkdb *db, int64_t writer);

/* Values held in tier 0 chunks, and the bytes the database's files take. */
int cd_chunkdb_stats(struct cd_chunkdb *db, uint64_t *samples, uint64_t *bytes);

#endif
