/* mstore.h - the metrics store: series of samples, kept in compressed
 * chunks (chunk.h) in the manager's data directory (chunkdb.h), with
 * coarser tiers of rollups (rollup.h) kept longer.
 *
 * A series is one metric of one object with its labels, e.g.
 * vm_cpu_seconds_total{source="kvm1",vm="vdi-001"}: its samples come in
 * time order; a sample not after the series' last is refused.  The
 * series of one label set (one object's, collected together) form a
 * group, whose samples go into one head in memory, rows of times and a
 * column a series; a full head (or one that would cross midnight UTC) is
 * sealed into a block (block.h) and written.  What commit() returns 0
 * for survives kill -9: heads are saved at each checkpoint, and the
 * samples taken since are written ahead, a batch a row; at open, the
 * blocks sealed since the checkpoint are dropped and made again from the
 * heads and the samples written ahead.
 *
 * The tiers: raw samples (tier 0), 5-minute rollups (1) and 1-hour
 * rollups (2).  maintain() makes each day's rollups once the day is
 * sealed and drops what is past its tier's retention: raw only once
 * rolled up.  Every call is thread-safe. */
#ifndef CD_MSTORE_H
#define CD_MSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/rollup.h"

enum { CD_TIER_RAW, CD_TIER_5M, CD_TIER_1H, CD_TIERS };

extern const int64_t cd_tier_step_ms[CD_TIERS];   /* 0, 300000, 3600000 */

/* A retention: how long each tier is kept (ms), for the metrics whose
 * name matches pattern (a shell glob; NULL for every metric). */
struct cd_retention {
	const char *pattern;
	int64_t keep_ms[CD_TIERS];
};

struct cd_mstore_opts {
	/* the defaults (raw 7 days, 5 minutes 180 days, 1 hour 730 days) and
	 * those of some metrics, first match wins; NULL for the defaults */
	const struct cd_retention *retention;
	size_t nretention;
	bool bulk;                 /* an offline import: no write-ahead, one
				    * transaction from open to close */
	size_t max_series;         /* 0: 200,000 */
	size_t block_rows;         /* rows a block holds at most; 0: 240 */
	/* a PostgreSQL server (db.h) that several managers share, or NULL
	 * for dir/metrics.db (chunkdb.h) */
	const char *shared;
	void (*log)(const char *line);
};

/* Parse "raw=7d,5m=180d,1h=730d" (or some of them, or "METRIC:raw=2d,...")
 * into r, starting from its present values; 0 or -EINVAL with a message. */
int cd_retention_parse(const char *s, struct cd_retention *r, char *err, size_t errlen);

struct cd_mstore;

int cd_mstore_open(const char *dir, const struct cd_mstore_opts *o, struct cd_mstore **out,
		   char *err, size_t errlen);
/* Checkpoint and close (bulk: commit all): 0, or -EIO when that could
 * not be written (bulk: nothing was). */
int cd_mstore_close(struct cd_mstore *st);
/* Close, and (bulk) keep nothing of what was added since open. */
void cd_mstore_discard(struct cd_mstore *st);

/* What a series is. */
struct cd_series_desc {
	const char *metric;
	const char *labels;        /* canonical: k="v" pairs sorted by key, comma-separated */
	const char *kind, *name;   /* the object (from the labels vm, host or datastore) */
	const char *host, *source; /* "" when unknown */
	bool counter;
};

/* The series' number, added when new.  -ENOSPC past max_series,
 * -EEXIST when it exists as a gauge and is asked as a counter (or the
 * reverse), -EIO. */
int cd_mstore_series(struct cd_mstore *st, const struct cd_series_desc *d, int64_t *id);
/* Append a sample: 0; -EINVAL when t is not after the series' last
 * sample (counted); -ENOENT for no such series; -ENOBUFS when the samples
 * not yet committed fill their limit (64 MiB: the database away long;
 * counted as unkept). */
int cd_mstore_append(struct cd_mstore *st, int64_t id, int64_t t_ms, double v);
/* Call fn(ctx, series, t, v) for each sample appended from now on (not
 * those replayed at open, nor a bulk load's), under the store's lock:
 * fn only takes note (remote write queues it).  At most 4 taps. */
int cd_mstore_tap(struct cd_mstore *st, void (*fn)(void *ctx, int64_t series, int64_t t,
						   double v), void *ctx);
/* Make what was appended durable: sealed chunks written, and (unless
 * bulk) the samples since the last checkpoint.  0 or -EIO (kept for the
 * next commit). */
int cd_mstore_commit(struct cd_mstore *st);
/* Save the heads and empty the write-ahead rows. */
int cd_mstore_checkpoint(struct cd_mstore *st);
/* Rollups of the days sealed, retention at now (epoch ms): 0 or -EIO.
 * Heads of a day that ended more than an hour before now are sealed
 * first.  Shared: a manager gone for 15 minutes has its heads and
 * samples written ahead taken over. */
int cd_mstore_maintain(struct cd_mstore *st, int64_t now_ms);
/* Shared: take up what other managers wrote since the last call (their
 * groups and series, their series' newest samples); once a second.  0
 * or a negative code (the database away); nothing when not shared. */
int cd_mstore_follow(struct cd_mstore *st);
bool cd_mstore_shared(const struct cd_mstore *st);

/* A series as the store knows it. */
struct cd_series_info {
	int64_t id;
	const char *key, *metric, *kind, *name, *host, *source;
	bool counter;
	int64_t last_t;            /* its newest sample (INT64_MIN: none) */
	double last_v;
	int64_t rolled;            /* rollups exist for times before this */
};
/* Every series (under the store's lock: fn must not call the store). */
void cd_mstore_each(struct cd_mstore *st, void (*fn)(void *arg, const struct cd_series_info *s),
		    void *arg);
/* A series by its number: 0 with *info, or -ENOENT. */
int cd_mstore_info(struct cd_mstore *st, int64_t id, struct cd_series_info *info);
/* A series by its key (metric{labels}): 0 with *info (strings valid while
 * the store is open), or -ENOENT. */
int cd_mstore_find(struct cd_mstore *st, const char *key, struct cd_series_info *info);

/* The series of an object's metric (several when other labels differ):
 * how many were put in out (at most max). */
size_t cd_mstore_object(struct cd_mstore *st, const char *kind, const char *name,
			const char *metric, struct cd_series_info *out, size_t max);

/* Raw samples of a series in [from, to], and (if prev is not NULL) the
 * one before from (prev->t = INT64_MIN when none): 0 with *out (the
 * caller frees), or a negative code. */
int cd_mstore_samples(struct cd_mstore *st, int64_t id, int64_t from, int64_t to,
		      struct cd_sample **out, size_t *n, struct cd_sample *prev);
/* Where a reader's samples go, one at a time. */
struct cd_sample_sink {
	/* the next samples of the range, s[0..n), after those given */
	void (*take)(void *arg, const struct cd_sample *s, size_t n);
	/* those given are to be forgotten: they come again from the first
	 * (rare: where two writers' samples overlap, or a block that does
	 * not decode is to be left out whole) */
	void (*again)(void *arg);
	void *arg;
};
/* The same samples given to sink as they are decoded, a few dozen at a
 * time, no array of them made; *prev (if not NULL) is the one before from
 * by the time the first are given.  0 or a negative code. */
int cd_mstore_samples_each(struct cd_mstore *st, int64_t id, int64_t from, int64_t to,
			   struct cd_sample *prev, const struct cd_sample_sink *sink);
/* Rollup points of a tier in [from, to]; fields: the fields wanted
 * (CD_FIELD_* bits; the others are 0), the count always. */
enum {
	CD_FIELD_COUNT = 1, CD_FIELD_1 = 2, CD_FIELD_2 = 4, CD_FIELD_3 = 8, CD_FIELD_4 = 16,
	/* a gauge's */
	CD_FIELD_MIN = CD_FIELD_1, CD_FIELD_MAX = CD_FIELD_2, CD_FIELD_SUM = CD_FIELD_3,
	CD_FIELD_LAST = CD_FIELD_4,
	/* a counter's */
	CD_FIELD_INCREASE = CD_FIELD_1, CD_FIELD_COVERED = CD_FIELD_2,
	CD_FIELD_RATE_MIN = CD_FIELD_3, CD_FIELD_RATE_MAX = CD_FIELD_4,
	CD_FIELDS_ALL = 31,
};
int cd_mstore_rollups(struct cd_mstore *st, int64_t id, int tier, int64_t from, int64_t to,
		      unsigned fields, struct cd_rollup **out, size_t *n);

/* Remove every series of an object (kind; name regardless of case), of
 * every tier, here and for every manager sharing the store; the series
 * removed in *n: 0, -ENOENT when it has none, or -EIO.  An object that
 * sends again makes new series. */
int cd_mstore_remove_object(struct cd_mstore *st, const char *kind, const char *name, size_t *n);
/* Groups of series removed since open, here or by another manager. */
uint64_t cd_mstore_removals(struct cd_mstore *st);

struct cd_mstore_stats {
	uint64_t series, samples, bytes;      /* held in the raw tier; the files' bytes */
	uint64_t refused;                     /* samples not after their series' last */
	uint64_t unkept;                      /* samples past the batch's limit (the
					       * database away long) */
	uint64_t dropped[CD_TIERS];           /* past retention */
};
int cd_mstore_stats(struct cd_mstore *st, struct cd_mstore_stats *s);
/* The samples the store in dir holds (raw blocks, heads and samples
 * written ahead) and the bytes its files take, read beside the process
 * that has it open: 0, or a negative code with err. */
int cd_mstore_du(const char *dir, uint64_t *samples, uint64_t *bytes, char *err, size_t errlen);
/* The figures kept in memory only (series, refused, dropped). */
void cd_mstore_stats_mem(struct cd_mstore *st, struct cd_mstore_stats *s);

#endif
