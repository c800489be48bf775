/* chunkdb.h - where the metrics store keeps its chunks: the one part of
 * cordon that knows how they are laid out in a database.  Everything else
 * (heads, rollups, queries) works on chunks and calls these functions
 * only, so that a PostgreSQL back end (issue 17) holds the same rows.
 *
 * The embedded back end is an SQLite database, DIR/metrics.db, in WAL
 * mode: a committed transaction survives kill -9.  Its tables:
 *  - series: one row per series kept (its key, metric, object, labels,
 *    whether it is a counter, and until when rollups were made);
 *  - chunks: a series' compressed samples (tier 0) or rollup points
 *    (tiers 1 and 2), each with its first and last time and its count;
 *  - heads: the chunks being filled, saved at each checkpoint;
 *  - wal: the samples taken since the last checkpoint, a batch a row. */
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
	const char *kind, *name;   /* the object: vm, host, datastore ("" if none) */
	const char *host, *source; /* where it runs, where it is known from ("" if not) */
	bool counter;
	int64_t rolled;            /* rollups are made for times before this (epoch ms) */
};

struct cd_chunk_row {
	int64_t series;
	int tier;
	int64_t t0, t1;            /* first and last time held, epoch ms */
	uint32_t n;                /* samples or points */
	const void *data;
	size_t len;
};

/* Open (creating) DIR/metrics.db.  0 or a negative errno code, with a
 * message in err. */
int cd_chunkdb_open(const char *dir, struct cd_chunkdb **out, char *err, size_t errlen);
void cd_chunkdb_close(struct cd_chunkdb *db);
/* The last error's message. */
const char *cd_chunkdb_error(const struct cd_chunkdb *db);

int cd_chunkdb_begin(struct cd_chunkdb *db);
int cd_chunkdb_commit(struct cd_chunkdb *db);
void cd_chunkdb_rollback(struct cd_chunkdb *db);

/* Add a series; *id its number. */
int cd_chunkdb_series_add(struct cd_chunkdb *db, const struct cd_series_row *r, int64_t *id);
int cd_chunkdb_series_rolled(struct cd_chunkdb *db, int64_t id, int64_t rolled);
/* Every series, in id order; fn's non-zero return stops and is returned. */
int cd_chunkdb_series_each(struct cd_chunkdb *db,
			   int (*fn)(void *arg, const struct cd_series_row *r), void *arg);

typedef int (*cd_chunk_fn)(void *arg, const struct cd_chunk_row *c);

int cd_chunkdb_put(struct cd_chunkdb *db, const struct cd_chunk_row *c);
/* A series' chunks of a tier that hold times in [from, to], by time. */
int cd_chunkdb_get(struct cd_chunkdb *db, int64_t series, int tier, int64_t from, int64_t to,
		   cd_chunk_fn fn, void *arg);
/* The series' last chunk of a tier that ends before t (none: fn is not called). */
int cd_chunkdb_get_before(struct cd_chunkdb *db, int64_t series, int tier, int64_t t,
			  cd_chunk_fn fn, void *arg);
/* The first time of the series' first chunk of a tier that ends at t or
 * later: 0, or -ENOENT when there is none. */
int cd_chunkdb_first_from(struct cd_chunkdb *db, int64_t series, int tier, int64_t t,
			  int64_t *t0);
/* For each series, the end of its last chunk of a tier: fn(arg, series, t1). */
int cd_chunkdb_last_each(struct cd_chunkdb *db, int tier,
			 int (*fn)(void *arg, int64_t series, int64_t t1), void *arg);
/* Drop a tier's chunks that end before t: of one series, or of all
 * (series < 0) but those in keep (ids of series with a retention of their
 * own).  Raw chunks go only once rolled up (before the series' rolled).
 * *dropped: samples or points dropped. */
int cd_chunkdb_drop(struct cd_chunkdb *db, int64_t series, int tier, int64_t t,
		    const int64_t *keep, size_t nkeep, uint64_t *dropped);

/* The heads: put one (replacing), every one, all dropped. */
int cd_chunkdb_head_put(struct cd_chunkdb *db, int64_t series, const void *data, size_t len);
int cd_chunkdb_head_each(struct cd_chunkdb *db, cd_chunk_fn fn, void *arg);
int cd_chunkdb_heads_clear(struct cd_chunkdb *db);

/* The write-ahead batches: add one, every one in order, all dropped. */
int cd_chunkdb_wal_add(struct cd_chunkdb *db, const void *data, size_t len);
int cd_chunkdb_wal_each(struct cd_chunkdb *db,
			int (*fn)(void *arg, const void *data, size_t len), void *arg);
int cd_chunkdb_wal_clear(struct cd_chunkdb *db);

/* Samples held in tier 0 chunks, and the bytes the database's files take. */
int cd_chunkdb_stats(struct cd_chunkdb *db, uint64_t *samples, uint64_t *bytes);

#endif
