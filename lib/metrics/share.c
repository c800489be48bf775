/* share.c - a metrics store that several managers write, on PostgreSQL
 * (see mstore.h, and chunkdb_share.c for the rows only a shared store has).
 *
 * Each manager keeps heads of the groups whose samples it is sent (its
 * agents', the sources it follows) and writes them as its own.  What
 * the others wrote it learns from the database: the groups and series
 * they added, and, from their samples written ahead, each series' newest
 * value (the alerts and the console read those).  A read of a series
 * takes the sealed chunks, and the heads and samples written ahead of the
 * others, with its own.  A manager gone for good leaves its heads and
 * samples written ahead: another takes them over (adopt), sealing them
 * into chunks of its own.
 *
 * The groups removed (the table of groups gone) are read here for every
 * store, shared or not: at opening, and before a write. */
#include "metrics/mstore_priv.h"
#include "metrics/wal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cd_mstore_shared(const struct cd_mstore *st)
{
	return st->shared;
}

/* ---- the groups and series others added ---- */

static int take_group(void *arg, const struct cd_group_row *r)
{
	cd_mstore_add_group_mem(arg, r);
	return 0;
}

static int take_series(void *arg, const struct cd_series_row *r)
{
	struct cd_mstore *st = arg;
	if (st->n - st->ngone >= st->max_series)
		return 0;
	return cd_mstore_add_series_mem(st, r);
}

/* ---- the groups others removed ---- */

struct gone {
	struct cd_mstore *st;
	bool *mark;
	bool any;
};

static int take_gone(void *arg, int64_t seq, int64_t id)
{
	struct gone *x = arg;
	struct group *g = cd_mstore_group(x->st, id);
	if (g && x->mark) {
		x->mark[g - x->st->g] = true;
		x->any = true;
	}
	x->st->gone_seen = seq;
	return 0;
}

int cd_mstore_gone_locked(struct cd_mstore *st, bool at_open)
{
	struct gone x = { st, at_open ? NULL : cd_calloc(st->ng ? st->ng : 1, sizeof(bool)), false };
	int r = cd_chunkdb_gone_each(st->db, st->gone_seen, take_gone, &x);
	if (!r && x.any)
		cd_mstore_forget_locked(st, x.mark);
	free(x.mark);
	return r;
}

int cd_mstore_catalog_locked(struct cd_mstore *st)
{
	/* the groups removed first: one made again since (the same labels,
	 * the same keys, new numbers) then takes their place in the maps */
	int r = cd_mstore_gone_locked(st, false);
	if (!r)
		r = cd_chunkdb_group_each(st->db, st->ng ? st->g[st->ng - 1].id : 0, take_group, st);
	return r ? r : cd_chunkdb_series_each(st->db, st->n ? st->s[st->n - 1].id : 0,
					      take_series, st);
}

/* ---- the samples others wrote: each series' newest ---- */

static void newest(void *arg, int64_t id, int64_t t, double v)
{
	struct cd_mstore *st = arg;
	struct series *s = cd_mstore_get(st, id);
	if (!s)
		return;
	if (s->last_t == INT64_MIN || t > s->last_t) {
		s->last_t = t;
		s->last_v = v;
	}
	struct group *g = &st->g[s->g];
	if (t > g->foreign_t)
		g->foreign_t = t;
}

static int newest_batch(void *arg, const void *data, size_t len)
{
	cd_wal_each(data, len, newest, arg);
	return 0;
}

struct each {
	void (*fn)(void *arg, int64_t id, int64_t t, double v);
	void *arg;
};

static void each_value(void *arg, size_t col, uint64_t id, int64_t t, double v)
{
	struct each *e = arg;
	(void)col;
	e->fn(e->arg, (int64_t)id, t, v);
}

/* Each sample of a head block: fn(arg, series, t, v). */
static int each_in_block(const void *data, size_t len,
			 void (*fn)(void *arg, int64_t id, int64_t t, double v), void *arg)
{
	struct cd_block b;
	struct each e = { fn, arg };
	if (cd_block_open(&b, data, len))
		return -EINVAL;
	return cd_block_each(&b, each_value, &e);
}

int cd_mstore_follow_locked(struct cd_mstore *st)
{
	int r = cd_mstore_catalog_locked(st);
	for (int64_t was = -1; !r && was != st->wal_seen;) {
		was = st->wal_seen;
		r = cd_chunkdb_follow(st->db, &st->wal_seen, newest_batch, st);
	}
	return r;
}

int cd_mstore_follow(struct cd_mstore *st)
{
	if (!st->shared)
		return 0;
	pthread_mutex_lock(&st->mu);
	int r = cd_mstore_follow_locked(st);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- what other writers hold of a group ---- */

struct others {
	void (*fn)(void *arg, int64_t id, int64_t t, double v);
	void *arg;
	bool corrupt;
};

static int others_head(void *arg, const struct cd_chunk_row *c)
{
	struct others *o = arg;
	if (each_in_block(c->data, c->len, o->fn, o->arg))
		o->corrupt = true;
	return 0;
}

static int others_batch(void *arg, const void *data, size_t len)
{
	struct others *o = arg;
	cd_wal_each(data, len, o->fn, o->arg);
	return 0;
}

int cd_mstore_others_locked(struct cd_mstore *st, struct group *g,
			    void (*fn)(void *arg, int64_t id, int64_t t, double v), void *arg)
{
	struct others o = { fn, arg, false };
	int r = cd_chunkdb_others(st->db, g->id, others_head, others_batch, &o);
	if (o.corrupt)
		cd_logf(st->log, "metrics: another manager's head of group %lld does not decode",
			(long long)g->id);
	return r;
}

/* ---- a writer gone: its heads and samples sealed into chunks ---- */

struct sample {
	int64_t id, t;
	double v;
	size_t g;                  /* its group (index) */
};

struct orphan {
	struct cd_mstore *st;
	struct sample *s;
	size_t n, cap;
	bool corrupt;
};

static void orphan_take(void *arg, int64_t id, int64_t t, double v)
{
	struct orphan *o = arg;
	struct series *s = cd_mstore_get(o->st, id);
	if (s)
		CD_PUSH(o->s, o->n, o->cap, ((struct sample){ id, t, v, s->g }));
}

static int orphan_head(void *arg, const struct cd_chunk_row *c)
{
	struct orphan *o = arg;
	if (each_in_block(c->data, c->len, orphan_take, o))
		o->corrupt = true;
	return 0;
}

static int orphan_batch(void *arg, const void *data, size_t len)
{
	cd_wal_each(data, len, orphan_take, arg);
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int col_of(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t k = 0; k < n; k++)
		if (ids[k] == id)
			return (int)k;
	return -1;
}

/* One block of s[0..n) (one group, one day, ascending, no two alike):
 * written as a chunk. */
static int seal_run(struct cd_mstore *st, const struct sample *s, size_t n)
{
	int64_t *t = cd_malloc(n * sizeof(*t)), *ids = cd_malloc(n * sizeof(*ids));
	size_t rows = 0, cols = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rows || t[rows - 1] != s[i].t)
			t[rows++] = s[i].t;
		if (col_of(ids, cols, s[i].id) < 0)
			ids[cols++] = s[i].id;
	}
	double *v = cd_calloc(rows * cols, sizeof(*v));
	uint8_t *has = cd_calloc(rows * cols, 1);
	for (size_t i = 0, row = 0; i < n; i++) {
		while (t[row] != s[i].t)
			row++;
		size_t k = (size_t)col_of(ids, cols, s[i].id);
		v[row * cols + k] = s[i].v;
		has[row * cols + k] = 1;
	}
	struct cd_block_col *c = cd_malloc(cols * sizeof(*c));
	for (size_t k = 0; k < cols; k++)
		c[k] = (struct cd_block_col){ .id = (uint64_t)ids[k], .v = &v[k], .present = &has[k],
					      .stride = cols };
	struct cd_buf b;
	cd_buf_init(&b, CD_BLOCK_BYTES_MAX);
	int r = cd_block_encode(&b, t, rows, c, cols);
	if (!r) {
		struct cd_chunk_row row = { .group = st->g[s[0].g].id, .tier = CD_TIER_RAW,
					    .t0 = t[0], .t1 = t[rows - 1], .n = (uint32_t)n,
					    .data = b.data, .len = b.len, .final = true };
		r = cd_chunkdb_put(st->db, &row);
	}
	cd_buf_free(&b);
	free(c);
	free(v);
	free(has);
	free(t);
	free(ids);
	return r;
}

/* The samples, sorted, in blocks of one group and one day, of at most
 * block_rows times each. */
static int seal_all(struct cd_mstore *st, struct sample *s, size_t n)
{
	qsort(s, n, sizeof(*s), sample_cmp);
	size_t m = 0;                      /* the same sample twice (a head and a batch): once */
	for (size_t i = 0; i < n; i++)
		if (!m || s[i].g != s[m - 1].g || s[i].t != s[m - 1].t || s[i].id != s[m - 1].id)
			s[m++] = s[i];
	int r = 0;
	for (size_t i = 0; !r && i < m;) {
		size_t j = i, rows = 0;
		int64_t day = cd_step_start(s[i].t, DAY_MS);
		for (; j < m && s[j].g == s[i].g && cd_step_start(s[j].t, DAY_MS) == day; j++) {
			if (j == i || s[j].t != s[j - 1].t)
				rows++;
			if (rows > st->block_rows)
				break;
		}
		r = seal_run(st, &s[i], j - i);
		i = j;
	}
	return r;
}

int cd_mstore_adopt_locked(struct cd_mstore *st, int64_t idle_ms)
{
	int64_t writer;
	int r = cd_chunkdb_orphan(st->db, idle_ms, &writer);
	if (r <= 0)
		return r;
	struct orphan o = { .st = st };
	r = cd_chunkdb_begin(st->db);
	if (!r)
		r = cd_mstore_catalog_locked(st);
	if (!r)
		r = cd_chunkdb_orphan_drop(st->db, writer, false);
	if (!r)
		r = cd_chunkdb_orphan_read(st->db, writer, orphan_head, orphan_batch, &o);
	for (size_t i = 0; i < o.n; i++)
		newest(st, o.s[i].id, o.s[i].t, o.s[i].v);
	if (!r)
		r = seal_all(st, o.s, o.n);
	if (!r)
		r = cd_chunkdb_orphan_drop(st->db, writer, true);
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (r)
		cd_chunkdb_rollback(st->db);
	cd_chunkdb_orphan_end(st->db, writer);
	if (!r)
		cd_logf(st->log, "metrics: took over %zu samples of a manager gone (writer %lld)%s",
			o.n, (long long)writer, o.corrupt ? "; a head did not decode" : "");
	free(o.s);
	return r ? r : 1;
}
