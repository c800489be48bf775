/* mstore.c - the metrics store's series and groups, heads, write-ahead
 * rows, checkpoints and opening (see mstore.h; reads are in mread.c,
 * rollups and retention in tiering.c). */
#include "metrics/mstore_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/wal.h"

#define DEFAULT_MAX_SERIES 200000
#define DEFAULT_BLOCK_ROWS 240

static int64_t day_of(int64_t t)
{
	return cd_step_start(t, DAY_MS);
}

/* ---- heads ---- */

/* The row of time t in the head, inserted where it goes when new. */
static size_t head_row(struct group *g, int64_t t)
{
	size_t lo = 0, hi = g->nrows;
	if (g->nrows && t > g->t[g->nrows - 1]) {
		lo = g->nrows;             /* the usual case: a new row at the end */
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (g->t[mid] < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < g->nrows && g->t[lo] == t)
			return lo;
	}
	if (g->nrows == g->rcap) {
		g->rcap = g->rcap ? g->rcap * 2 : 16;
		g->t = cd_realloc(g->t, g->rcap * sizeof(*g->t));
		g->v = cd_realloc(g->v, g->rcap * g->ccap * sizeof(*g->v));
		g->has = cd_realloc(g->has, g->rcap * g->ccap);
	}
	size_t after = g->nrows - lo;
	memmove(&g->t[lo + 1], &g->t[lo], after * sizeof(*g->t));
	memmove(&g->v[(lo + 1) * g->ccap], &g->v[lo * g->ccap], after * g->ccap * sizeof(*g->v));
	memmove(&g->has[(lo + 1) * g->ccap], &g->has[lo * g->ccap], after * g->ccap);
	g->t[lo] = t;
	memset(&g->has[lo * g->ccap], 0, g->ccap);
	g->nrows++;
	return lo;
}

/* The series' column in the head, added when new. */
static size_t head_col(struct cd_mstore *st, struct group *g, struct series *s)
{
	if (s->col >= 0)
		return (size_t)s->col;
	if (g->ncols == g->ccap) {         /* the rows made wider */
		size_t cap = g->ccap ? g->ccap * 2 : 4;
		double *v = cd_malloc((g->rcap ? g->rcap : 1) * cap * sizeof(*v));
		uint8_t *has = cd_calloc(g->rcap ? g->rcap : 1, cap);
		for (size_t r = 0; r < g->nrows; r++) {
			memcpy(&v[r * cap], &g->v[r * g->ccap], g->ncols * sizeof(*v));
			memcpy(&has[r * cap], &g->has[r * g->ccap], g->ncols);
		}
		free(g->v);
		free(g->has);
		g->v = v;
		g->has = has;
		g->ccap = cap;
		g->col = cd_realloc(g->col, cap * sizeof(*g->col));
	}
	for (size_t r = 0; r < g->nrows; r++)
		g->has[r * g->ccap + g->ncols] = 0;
	g->col[g->ncols] = (size_t)(s - st->s);
	s->col = (int)g->ncols;
	return g->ncols++;
}

int cd_mstore_head_block(struct cd_mstore *st, struct group *g, struct cd_buf *out, uint32_t *n)
{
	if (!g->nrows)
		return -ENOENT;
	struct cd_block_col *c = cd_malloc(g->ncols * sizeof(*c));
	uint32_t values = 0;
	for (size_t k = 0; k < g->ncols; k++) {
		c[k] = (struct cd_block_col){ .id = (uint64_t)st->s[g->col[k]].id, .v = &g->v[k],
					      .present = &g->has[k], .stride = g->ccap };
		for (size_t r = 0; r < g->nrows; r++)
			values += g->has[r * g->ccap + k];
	}
	int rc = cd_block_encode(out, g->t, g->nrows, c, g->ncols);
	free(c);
	*n = values;
	return rc;
}

/* The head emptied (its block sealed, or dropped). */
static void head_reset(struct cd_mstore *st, struct group *g)
{
	for (size_t k = 0; k < g->ncols; k++)
		st->s[g->col[k]].col = -1;
	g->nrows = 0;
	g->ncols = 0;
}

/* A head that does not encode (past CD_BLOCK_BYTES_MAX): dropped and said,
 * the same at a seal and at a checkpoint. */
static void head_drop(struct cd_mstore *st, struct group *g)
{
	cd_logf(st->log, "metrics: the head of group %lld (%zu series, %zu rows) does not "
		"encode within %u MiB: its samples are dropped", (long long)g->id, g->ncols,
		g->nrows, CD_BLOCK_BYTES_MAX >> 20);
	head_reset(st, g);
}

void cd_mstore_seal(struct cd_mstore *st, struct group *g)
{
	struct cd_buf b;
	cd_buf_init(&b, CD_BLOCK_BYTES_MAX);
	uint32_t n;
	if (!cd_mstore_head_block(st, g, &b, &n)) {
		struct sealed c = { .group = g->id, .t0 = g->t[0], .t1 = g->t[g->nrows - 1], .n = n,
				    .len = b.len };
		c.data = cd_buf_steal(&b);
		CD_PUSH(st->pending, st->npending, st->cappending, c);
		head_reset(st, g);
	} else {
		head_drop(st, g);
	}
	cd_buf_free(&b);
}

static int append(struct cd_mstore *st, struct series *s, int64_t t, double v)
{
	if (s->last_t != INT64_MIN && t <= s->last_t) {
		st->refused++;
		return -EINVAL;
	}
	/* written ahead first: a batch past its limit (the database away
	 * long) takes no more, and the head is as it was */
	if (!st->bulk && !st->replaying) {
		uint8_t e[CD_WAL_ENTRY_MAX];
		if (cd_buf_add(&st->wal, e, cd_wal_put(e, (uint64_t)s->id, t, v)) < 0) {
			st->unkept++;
			return -ENOBUFS;
		}
	}
	struct group *g = &st->g[s->g];
	if (g->nrows && (day_of(t) != g->day ||
			 (g->nrows >= st->block_rows && t > g->t[g->nrows - 1])))
		cd_mstore_seal(st, g);     /* a block holds one UTC day, and so many rows */
	if (!g->nrows)
		g->day = day_of(t);
	size_t c = head_col(st, g, s);
	size_t r = head_row(g, t);
	g->v[r * g->ccap + c] = v;
	g->has[r * g->ccap + c] = 1;
	s->last_t = t;
	s->last_v = v;
	if (!st->bulk && !st->replaying)
		for (int i = 0; i < st->ntaps; i++)
			st->taps[i].fn(st->taps[i].ctx, s->id, t, v);
	return 0;
}

/* Shared: the batch written ahead as a row a group (another manager
 * reads one group's), each with its first time. */
static size_t group_of(void *arg, uint64_t id)
{
	struct series *s = cd_mstore_get(arg, (int64_t)id);
	return s ? s->g : SIZE_MAX;
}

static int group_row(void *arg, size_t g, int64_t t0, const void *data, size_t len)
{
	struct cd_mstore *st = arg;
	return cd_chunkdb_wal_add(st->db, st->g[g].id, t0, data, len);
}

/* Write what is pending (and the batch written ahead, or at a checkpoint
 * the heads) in one transaction. */
int cd_mstore_flush_locked(struct cd_mstore *st, bool checkpoint)
{
	if (!checkpoint && !st->npending && !st->wal.len)
		return 0;
	int r = st->bulk ? 0 : cd_chunkdb_begin(st->db);    /* bulk: one from open to close */
	/* shared: the heads saved again if this manager is now another
	 * writer (its connection made again: the begin took its writer
	 * again), and nothing written of a group another manager removed */
	int w = !r && st->shared ? cd_chunkdb_writer_check(st->db) : 0;
	checkpoint = checkpoint || w == 1;
	if (!r && st->shared)
		r = cd_mstore_gone_locked(st, false);
	for (size_t i = 0; !r && i < st->npending; i++) {
		const struct sealed *c = &st->pending[i];
		struct cd_chunk_row row = { .group = c->group, .tier = CD_TIER_RAW, .t0 = c->t0,
					    .t1 = c->t1, .n = c->n, .data = c->data,
					    .len = c->len };
		r = cd_chunkdb_put(st->db, &row);
	}
	if (!r && checkpoint) {
		r = cd_chunkdb_epoch_next(st->db);
		if (!r)
			r = cd_chunkdb_heads_clear(st->db);
		struct cd_buf b;
		cd_buf_init(&b, CD_BLOCK_BYTES_MAX);
		for (size_t i = 0; !r && i < st->ng; i++) {
			uint32_t n;
			cd_buf_reset(&b);
			int hb = cd_mstore_head_block(st, &st->g[i], &b, &n);
			if (!hb)
				r = cd_chunkdb_head_put(st->db, st->g[i].id, st->g[i].t[0], b.data,
							b.len);
			else if (hb != -ENOENT)
				head_drop(st, &st->g[i]);
		}
		cd_buf_free(&b);
		if (!r)
			r = cd_chunkdb_wal_clear(st->db);
	} else if (!r && st->wal.len) {
		r = st->shared ? cd_wal_split(st->wal.data, st->wal.len, group_of, group_row, st)
			       : cd_chunkdb_wal_add(st->db, -1, 0, st->wal.data, st->wal.len);
	}
	if (!r && !st->bulk)
		r = cd_chunkdb_commit(st->db);
	if (r) {
		if (!st->bulk)
			cd_chunkdb_rollback(st->db);
		cd_logf(st->log, "metrics: cannot write: %s", cd_chunkdb_error(st->db));
		return r;
	}
	for (size_t i = 0; i < st->npending; i++)
		free(st->pending[i].data);
	st->npending = 0;
	cd_buf_reset(&st->wal);
	return 0;
}

/* ---- opening: the groups and series, their last values, the heads,
 * the samples written ahead ---- */

static int load_group(void *arg, const struct cd_group_row *r)
{
	cd_mstore_add_group_mem(arg, r);
	return 0;
}

static int load_series(void *arg, const struct cd_series_row *r)
{
	struct cd_mstore *st = arg;
	/* a row that names no group of the store (a damaged file): set
	 * aside, said, the store opened with the others */
	if (!cd_mstore_group(st, r->group)) {
		cd_logf(st->log, "metrics: series %lld (%s) names group %lld, which the store does "
			"not have: set aside", (long long)r->id, r->key ? r->key : "-",
			(long long)r->group);
		return 0;
	}
	return cd_mstore_add_series_mem(st, r);
}

/* The newest value of each series in a group's last block; the others
 * are taken to be no newer than the block's end. */
static int load_last(void *arg, const struct cd_chunk_row *c)
{
	struct cd_mstore *st = arg;
	struct group *g = cd_mstore_group(st, c->group);
	struct cd_block b;
	bool ok = g && !cd_block_open(&b, c->data, c->len);
	for (size_t i = 0; g && i < g->nmem; i++) {
		struct series *s = &st->s[g->mem[i]];
		uint64_t id = (uint64_t)s->id;
		struct cd_block_iter it;
		struct cd_block_cur col;
		int64_t t, last_t = INT64_MIN;
		double v, last_v = 0;
		int r = ok ? cd_block_iter_init(&it, &b, &id, &col, 1) : -EINVAL;
		if (!r)
			while ((r = cd_block_next_value(&it, &t, &v)) > 0) {
				last_t = t;
				last_v = v;
			}
		s->last_t = c->t1;
		if (!r && last_t != INT64_MIN) {
			s->last_t = last_t;
			s->last_v = last_v;
		}
	}
	return 0;
}

struct head_load {
	struct cd_mstore *st;
	struct series **cols;      /* each column's series, or NULL */
};

static void head_value(void *arg, size_t col, uint64_t id, int64_t t, double v)
{
	struct head_load *h = arg;
	(void)id;
	if (h->cols[col])
		append(h->st, h->cols[col], t, v);
}

static int load_head(void *arg, const struct cd_chunk_row *c)
{
	struct cd_mstore *st = arg;
	struct cd_block b;
	/* checked whole first: a head that does not decode is dropped, not
	 * taken in part */
	if (!cd_mstore_group(st, c->group) || cd_block_open(&b, c->data, c->len) ||
	    cd_block_each(&b, NULL, NULL)) {
		cd_logf(st->log, "metrics: the head of group %lld does not decode; dropped",
			(long long)c->group);
		return 0;
	}
	struct head_load h = { st, cd_calloc(b.ncols, sizeof(*h.cols)) };
	for (size_t k = 0; k < b.ncols; k++)
		h.cols[k] = cd_mstore_get(st, (int64_t)cd_block_col_id(&b, k));
	cd_block_each(&b, head_value, &h);         /* a row at a time, as they came */
	free(h.cols);
	return 0;
}

/* A write-ahead row's sample, unless its time cannot be one (a flipped
 * bit dates it years ahead: taken, it would make every later sample of
 * its series "not after the last" for good) */
#define REPLAY_AHEAD_MS DAY_MS

struct replaying {
	struct cd_mstore *st;
	int64_t now, skipped;
};

static void replay_one(void *arg, int64_t id, int64_t t, double v)
{
	struct replaying *x = arg;
	struct series *s = cd_mstore_get(x->st, id);
	if (s && t > x->now + REPLAY_AHEAD_MS)
		x->skipped++;
	else if (s)
		append(x->st, s, t, v);
}

static int replay(void *arg, const void *data, size_t len)
{
	struct replaying x = { arg, cd_wall_ms(), 0 };
	cd_wal_each(data, len, replay_one, &x);
	if (x.skipped)
		cd_logf(x.st->log, "metrics: %lld samples of the write-ahead log dated more than a day "
			"ahead (damaged): skipped", (long long)x.skipped);
	return 0;
}

static const struct cd_retention default_retention = {
	NULL, { 7 * DAY_MS, 180 * DAY_MS, 730 * DAY_MS },
};

static void free_store(struct cd_mstore *st)
{
	cd_chunkdb_close(st->db);
	cd_mstore_index_free(st);
	for (size_t i = 0; i < st->npending; i++)
		free(st->pending[i].data);
	for (size_t i = 0; i < st->nret; i++)
		free((char *)st->ret[i].pattern);
	free(st->ret);
	free(st->pending);
	cd_buf_free(&st->wal);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

static int recover(struct cd_mstore *st)
{
	st->replaying = true;
	int r = cd_chunkdb_begin(st->db);
	if (!r)
		r = cd_chunkdb_drop_epoch(st->db);    /* made again below */
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (!r)
		r = cd_chunkdb_group_each(st->db, 0, load_group, st);
	if (!r)
		r = cd_chunkdb_series_each(st->db, 0, load_series, st);
	for (size_t i = 0; !r && i < st->ng; i++)
		r = cd_chunkdb_get_last(st->db, st->g[i].id, CD_TIER_RAW, load_last, st);
	if (!r)
		r = cd_chunkdb_head_each(st->db, load_head, st);
	if (!r)
		r = cd_chunkdb_wal_each(st->db, replay, st);
	/* the groups removed so far: their rows are no more */
	if (!r)
		r = cd_mstore_gone_locked(st, true);
	/* the newest samples other managers wrote */
	if (!r && st->shared)
		r = cd_mstore_follow_locked(st);
	st->replaying = false;
	return r ? r : cd_mstore_flush_locked(st, true);
}

int cd_mstore_open(const char *dir, const struct cd_mstore_opts *o, struct cd_mstore **out,
		   char *err, size_t errlen)
{
	struct cd_mstore *st = cd_calloc(1, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	cd_map_init_exact(&st->by_key);
	cd_map_init_exact(&st->by_labels);
	cd_map_init_exact(&st->by_object);
	cd_buf_init(&st->wal, CD_MSTORE_BATCH_MAX);
	st->log = o->log;
	st->max_series = o->max_series ? o->max_series : DEFAULT_MAX_SERIES;
	st->block_rows = o->block_rows ? o->block_rows : DEFAULT_BLOCK_ROWS;
	if (st->block_rows > CD_BLOCK_MAX_ROWS)
		st->block_rows = CD_BLOCK_MAX_ROWS;
	/* the retentions given, the default last */
	st->nret = o->nretention;
	st->ret = cd_calloc(st->nret + 1, sizeof(*st->ret));
	for (size_t i = 0; i < o->nretention; i++) {
		st->ret[i] = o->retention[i];
		st->ret[i].pattern = o->retention[i].pattern ? cd_strdup(o->retention[i].pattern)
							     : NULL;
	}
	if (!st->nret || st->ret[st->nret - 1].pattern)
		st->ret[st->nret++] = default_retention;
	st->shared = o->shared != NULL;
	int r = cd_chunkdb_open(dir, o->shared, &st->db, err, errlen);
	if (r) {
		st->db = NULL;
		free_store(st);
		return r;
	}
	r = recover(st);
	if (!r && o->bulk) {
		r = cd_chunkdb_bulk(st->db, true);
		if (!r)
			r = cd_chunkdb_begin(st->db);
		st->bulk = !r;
	}
	if (r) {
		const char *why = cd_chunkdb_error(st->db);
		snprintf(err, errlen, "metrics store %s: %s", dir, why && *why ? why : strerror(-r));
		free_store(st);
		return r;
	}
	*out = st;
	return 0;
}

int cd_mstore_close(struct cd_mstore *st)
{
	if (!st)
		return 0;
	int r = cd_mstore_flush_locked(st, true);
	if (st->bulk) {
		r = r ? (cd_chunkdb_rollback(st->db), r) : cd_chunkdb_commit(st->db);
		cd_chunkdb_bulk(st->db, false);
	}
	free_store(st);
	return r;
}

void cd_mstore_discard(struct cd_mstore *st)
{
	if (!st)
		return;
	if (st->bulk) {
		cd_chunkdb_rollback(st->db);
		cd_chunkdb_bulk(st->db, false);
	}
	free_store(st);
}

/* ---- writing ---- */

/* Add a series (and its group when new): written first, in memory once
 * committed.  Shared: under the write lock, with what other managers
 * added before it. */
static int series_add(struct cd_mstore *st, const struct cd_series_desc *d, const char *key,
		      const char *labels, int64_t *id)
{
	bool tx = !st->bulk;               /* bulk: one from open to close */
	int r = tx ? cd_chunkdb_begin(st->db) : 0;
	if (!r && st->shared)
		r = cd_mstore_catalog_locked(st);
	size_t i;
	if (!r && cd_map_get(&st->by_key, key, &i)) {
		if (tx)
			cd_chunkdb_rollback(st->db);
		*id = st->s[i].id;
		return st->s[i].counter == d->counter ? 0 : -EEXIST;
	}
	/* a metric with a retention of its own goes in a group of its own */
	int ret = cd_mstore_retention_of(st, d->metric);
	char *gkey = ret == (int)st->nret - 1 ? cd_strdup(labels) : cd_asprintf("%s#%d", labels, ret);
	struct cd_group_row g = { .labels = gkey };
	size_t gi = 0;
	bool newg = !cd_map_get(&st->by_labels, gkey, &gi);
	if (!r && newg)
		r = cd_chunkdb_group_add(st->db, &g, &g.id);
	struct cd_series_row row = { .key = key, .metric = d->metric,
				     .group = newg ? g.id : st->g[gi].id, .kind = d->kind,
				     .name = d->name, .host = d->host, .source = d->source,
				     .counter = d->counter };
	if (!r)
		r = cd_chunkdb_series_add(st->db, &row, &row.id);
	if (tx && !r)
		r = cd_chunkdb_commit(st->db);
	if (tx && r)
		cd_chunkdb_rollback(st->db);
	if (!r && newg) {
		cd_mstore_add_group_mem(st, &g);
		st->g[st->ng - 1].retention = ret;
	}
	if (!r)
		r = cd_mstore_add_series_mem(st, &row);
	if (!r)
		*id = row.id;
	free(gkey);
	return r;
}

int cd_mstore_series(struct cd_mstore *st, const struct cd_series_desc *d, int64_t *id)
{
	const char *labels = d->labels ? d->labels : "";
	char *key = cd_asprintf("%s{%s}", d->metric, labels);
	pthread_mutex_lock(&st->mu);
	size_t i;
	int r = 0;
	if (cd_map_get(&st->by_key, key, &i)) {
		r = st->s[i].counter == d->counter ? 0 : -EEXIST;
		*id = st->s[i].id;
	} else if (st->n - st->ngone >= st->max_series) {
		r = -ENOSPC;
	} else {
		r = series_add(st, d, key, labels, id);
	}
	pthread_mutex_unlock(&st->mu);
	free(key);
	return r;
}

int cd_mstore_tap(struct cd_mstore *st, void (*fn)(void *ctx, int64_t series, int64_t t,
						   double v), void *ctx)
{
	pthread_mutex_lock(&st->mu);
	int r = st->ntaps < 4 ? 0 : -ENOSPC;
	if (!r) {
		st->taps[st->ntaps].fn = fn;
		st->taps[st->ntaps++].ctx = ctx;
	}
	pthread_mutex_unlock(&st->mu);
	return r;
}

int cd_mstore_append(struct cd_mstore *st, int64_t id, int64_t t, double v)
{
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	int r = s ? append(st, s, t, v) : -ENOENT;
	pthread_mutex_unlock(&st->mu);
	return r;
}

int cd_mstore_commit(struct cd_mstore *st)
{
	pthread_mutex_lock(&st->mu);
	int r = cd_mstore_flush_locked(st, false);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int cd_mstore_checkpoint(struct cd_mstore *st)
{
	pthread_mutex_lock(&st->mu);
	int r = cd_mstore_flush_locked(st, true);
	pthread_mutex_unlock(&st->mu);
	return r;
}
