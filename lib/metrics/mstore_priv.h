/* mstore_priv.h - the metrics store's insides, shared by its files only.
 * They call each other in layers, never back up:
 *   mindex.c   series and groups in memory (and wal.c, the batches' bytes)
 *   share.c    what the database says others added, removed or wrote
 *   remove.c   series removed (an object's, or idle ones)
 *   mstore.c   heads, the batch written ahead, flushes, opening
 *   mread.c    reads;  tiering.c  rollups and retention */
#ifndef CD_MSTORE_PRIV_H
#define CD_MSTORE_PRIV_H

#include <pthread.h>

#include "base/util.h"
#include "metrics/block.h"
#include "metrics/chunkdb.h"
#include "metrics/mstore.h"

#include <stdlib.h>

#define DAY_MS INT64_C(86400000)
/* The samples written ahead since the last commit (26 bytes each at
 * most): while the database is away, what a source's connector reads is
 * kept up to this, then refused (counted in unkept) */
#define CD_MSTORE_BATCH_MAX (64u << 20)
#define NFIELDS 5                  /* a rollup point's fields (tiering.c) */

struct series {
	int64_t id;
	char *key, *metric, *kind, *name, *host, *source;
	bool counter;
	size_t g;                  /* its group, an index in the store's */
	int col;                   /* its column in the group's head, -1 when none */
	size_t next_obj;           /* the next series of its object and metric, or SIZE_MAX */
	int64_t last_t;            /* the newest sample, sealed or not (INT64_MIN: none) */
	double last_v;
	bool gone;                 /* removed (remove.c): kept so that indexes stay */
};

/* Series collected together (one object's, with the same labels and
 * retention): their blocks share the rows' times.  The head is the block
 * being filled, uncompressed: rows of times, a column per series. */
struct group {
	int64_t id;
	char *labels;
	int retention;             /* index in the store's retentions */
	int64_t rolled;            /* rollups made for times before this (0: none yet) */
	int64_t day;               /* the head's day: a block holds one */
	int64_t *t;                /* rows, ascending */
	double *v;                 /* rows x ccap, row after row */
	uint8_t *has;              /* the same: 1 where the row has the column's value */
	size_t nrows, rcap;
	size_t *col;               /* the columns' series (indexes in the store's) */
	size_t ncols, ccap;
	size_t *mem;               /* its series (indexes in the store's), as added */
	size_t nmem, capmem;
	int64_t foreign_t;         /* shared: the newest sample another manager wrote */
	bool gone;                 /* removed, with its series (remove.c) */
	int64_t known;             /* when this store learnt of it (wall clock, ms) */
	int64_t idle_until;        /* remove.c: not looked at again before (ms) */
};

struct sealed {                    /* a block sealed, not yet written */
	int64_t group, t0, t1;
	uint32_t n;
	char *data;
	size_t len;
};

struct cd_mstore {
	pthread_mutex_t mu;
	struct cd_chunkdb *db;
	struct series *s;          /* by id, ascending */
	size_t n, cap;
	struct group *g;           /* by id, ascending */
	size_t ng, gcap;
	struct cd_map by_key, by_labels;
	struct cd_map by_object;   /* "kind\x1fname\x1fmetric" -> its first series */
	char **objkeys;            /* by_object's keys, owned */
	size_t nobjkeys, capobjkeys;
	struct sealed *pending;
	size_t npending, cappending;
	struct cd_buf wal;         /* the batch since the last commit */
	bool replaying;
	struct cd_retention *ret;  /* the last is the default */
	size_t nret;
	bool bulk;
	bool shared;               /* other managers write the same store */
	int64_t wal_seen;          /* shared: the other writers' batches read so far */
	int64_t gone_seen;         /* the groups removed read so far (their table's seq) */
	size_t ngone;              /* series removed, of the n */
	uint64_t removals;         /* groups removed since open, here or by another manager */
	size_t max_series, block_rows;
	void (*log)(const char *line);
	uint64_t refused, unkept, dropped[CD_TIERS];
	struct {
		void (*fn)(void *ctx, int64_t series, int64_t t, double v);
		void *ctx;
	} taps[4];
	int ntaps;
};

/* mindex.c: the series and groups in memory.  A series or group by its
 * number (NULL when there is none, or it is gone). */
struct series *cd_mstore_get(struct cd_mstore *st, int64_t id);
struct group *cd_mstore_group(struct cd_mstore *st, int64_t id);
/* The index in the store's retentions of the metric's (the last: the
 * default). */
int cd_mstore_retention_of(const struct cd_mstore *st, const char *metric);
/* Add a group, a series read from the database to those in memory (ids
 * after the last's). */
void cd_mstore_add_group_mem(struct cd_mstore *st, const struct cd_group_row *r);
int cd_mstore_add_series_mem(struct cd_mstore *st, const struct cd_series_row *r);
/* Forget the groups marked (by index) and their series, here only. */
void cd_mstore_forget_locked(struct cd_mstore *st, const bool *mark);
/* Every series and group freed, and the maps (at close). */
void cd_mstore_index_free(struct cd_mstore *st);

/* mstore.c: write what is pending (and the samples written ahead, or at a
 * checkpoint the heads): 0 or -EIO. */
int cd_mstore_flush_locked(struct cd_mstore *st, bool checkpoint);
/* Encode the group's head as a block into out: 0, or -ENOENT when empty. */
int cd_mstore_head_block(struct cd_mstore *st, struct group *g, struct cd_buf *out,
			 uint32_t *n);
/* A series' raw samples in [from, to] and the one before, under the lock. */
int cd_mstore_samples_locked(struct cd_mstore *st, struct series *s, int64_t from, int64_t to,
			     struct cd_sample **out, size_t *n, struct cd_sample *prev);
/* Seal the head (written at the next flush). */
void cd_mstore_seal(struct cd_mstore *st, struct group *g);

/* remove.c: the groups the retention has emptied (no head, no chunk of any tier,
 * no other writer's sample, known here for an hour): removed. */
int cd_mstore_remove_idle_locked(struct cd_mstore *st, int64_t now);

/* share.c: shared stores only.  The groups and series other managers
 * added since (under the write transaction, before adding one); the
 * other writers' newest samples (the series' last values): 0 or a
 * negative code; a writer gone taken over: 1, 0 when there is none, or a
 * negative code. */
int cd_mstore_catalog_locked(struct cd_mstore *st);
/* Groups removed by another manager (or before open) read from the
 * database and forgotten here, under the lock: 0 or a negative code.  At
 * open: only their newest seq is taken. */
int cd_mstore_gone_locked(struct cd_mstore *st, bool at_open);
int cd_mstore_follow_locked(struct cd_mstore *st);
int cd_mstore_adopt_locked(struct cd_mstore *st, int64_t idle_ms);
/* A group's samples that other writers hold in heads and batches:
 * fn(arg, series, t, v) for each. */
int cd_mstore_others_locked(struct cd_mstore *st, struct group *g,
			    void (*fn)(void *arg, int64_t id, int64_t t, double v), void *arg);

#endif
