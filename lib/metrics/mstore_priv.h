/* mstore_priv.h - the metrics store's insides, shared by mstore.c (series,
 * heads, write-ahead, reads) and tiering.c (rollups, retention) only. */
#ifndef CD_MSTORE_PRIV_H
#define CD_MSTORE_PRIV_H

#include <pthread.h>

#include "base/util.h"
#include "metrics/chunk.h"
#include "metrics/chunkdb.h"
#include "metrics/mstore.h"

#define DAY_MS INT64_C(86400000)

struct series {
	int64_t id;
	char *key, *metric, *kind, *name, *host, *source;
	bool counter;
	struct cd_chunk_w *head;   /* being filled; NULL when none */
	int64_t head_t0;           /* its first sample's time */
	int64_t last_t;            /* the newest sample, sealed or not (INT64_MIN: none) */
	double last_v;
	int e;                     /* the decimal exponent the last chunk needed */
	int64_t rolled;            /* rollups made for times before this (0: none yet) */
	int retention;             /* index in the store's retentions */
};

struct sealed {                    /* a chunk sealed, not yet written */
	int64_t series, t0, t1;
	uint32_t n;
	uint8_t *data;
	size_t len;
};

struct cd_mstore {
	pthread_mutex_t mu;
	struct cd_chunkdb *db;
	struct series *s;          /* by id, ascending */
	size_t n, cap;
	struct cd_map by_key;
	struct sealed *pending;
	size_t npending, cappending;
	struct cd_buf wal;         /* the batch since the last commit */
	bool replaying;
	struct cd_retention *ret;  /* the last is the default */
	size_t nret;
	bool bulk;
	size_t max_series;
	void (*log)(const char *line);
	uint64_t refused, dropped[CD_TIERS];
};

struct series *cd_mstore_get(struct cd_mstore *st, int64_t id);
/* The series' samples in [from, to] and the one before: as
 * cd_mstore_samples, under the lock. */
int cd_mstore_samples_locked(struct cd_mstore *st, struct series *s, int64_t from, int64_t to,
			     struct cd_sample **out, size_t *n, struct cd_sample *prev);

#endif
