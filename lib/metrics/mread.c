/* mread.c - reading the metrics store: series, a series' raw samples
 * (blocks written, blocks pending, the head) and rollup points, and the
 * store's figures (see mstore.h). */
#include "metrics/mstore_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cd_mstore_block_column(const void *data, size_t len, uint64_t id, int64_t **t, double **v,
			   uint8_t **has, size_t *nrows)
{
	struct cd_block b;
	if (cd_block_open(&b, data, len))
		return -EINVAL;
	*t = cd_malloc(b.nrows * sizeof(**t));
	*v = cd_malloc(b.nrows * sizeof(**v));
	*has = cd_malloc(b.nrows);
	int r = cd_block_column(&b, id, *v, *has);
	if (r > 0 && cd_block_times(&b, *t))
		r = -EINVAL;
	if (r <= 0) {
		free(*t);
		free(*v);
		free(*has);
		return r ? r : -EINVAL;
	}
	*nrows = b.nrows;
	return r;
}

static void info_of(const struct cd_mstore *st, const struct series *s, struct cd_series_info *i)
{
	*i = (struct cd_series_info){ .id = s->id, .key = s->key, .metric = s->metric,
				      .kind = s->kind, .name = s->name, .host = s->host,
				      .source = s->source, .counter = s->counter,
				      .last_t = s->last_t, .last_v = s->last_v,
				      .rolled = st->g[s->g].rolled };
}

void cd_mstore_each(struct cd_mstore *st, void (*fn)(void *arg, const struct cd_series_info *s),
		    void *arg)
{
	pthread_mutex_lock(&st->mu);
	for (size_t i = 0; i < st->n; i++) {
		if (st->s[i].gone)
			continue;
		struct cd_series_info info;
		info_of(st, &st->s[i], &info);
		fn(arg, &info);
	}
	pthread_mutex_unlock(&st->mu);
}

int cd_mstore_info(struct cd_mstore *st, int64_t id, struct cd_series_info *info)
{
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	if (s)
		info_of(st, s, info);
	pthread_mutex_unlock(&st->mu);
	return s ? 0 : -ENOENT;
}

int cd_mstore_find(struct cd_mstore *st, const char *key, struct cd_series_info *info)
{
	pthread_mutex_lock(&st->mu);
	size_t i;
	bool found = cd_map_get(&st->by_key, key, &i);
	if (found)
		info_of(st, &st->s[i], info);
	pthread_mutex_unlock(&st->mu);
	return found ? 0 : -ENOENT;
}

size_t cd_mstore_object(struct cd_mstore *st, const char *kind, const char *name,
			const char *metric, struct cd_series_info *out, size_t max)
{
	char *key = cd_asprintf("%s\x1f%s\x1f%s", kind, name, metric);
	size_t n = 0, i;
	pthread_mutex_lock(&st->mu);
	if (cd_map_get(&st->by_object, key, &i))
		for (; i != SIZE_MAX && n < max; i = st->s[i].next_obj)
			info_of(st, &st->s[i], &out[n++]);
	pthread_mutex_unlock(&st->mu);
	free(key);
	return n;
}

struct collect {
	uint64_t id;
	int64_t from, to;
	struct cd_sample *v, *prev;
	size_t n, cap;
	bool corrupt, unsorted;
};

static void take_one(struct collect *c, int64_t t, double v)
{
	if (t < c->from) {
		if (c->prev && (c->prev->t == INT64_MIN || t > c->prev->t))
			*c->prev = (struct cd_sample){ t, v };
	} else if (t <= c->to) {
		if (c->n && t <= c->v[c->n - 1].t)
			c->unsorted = true;
		CD_PUSH(c->v, c->n, c->cap, ((struct cd_sample){ t, v }));
	}
}

/* A sample another writer holds (shared), if of this series. */
static void take_other(void *arg, int64_t id, int64_t t, double v)
{
	struct collect *c = arg;
	if ((uint64_t)id == c->id)
		take_one(c, t, v);
}

static int sample_cmp(const void *a, const void *b)
{
	const struct cd_sample *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Samples from several places (blocks, heads; shared: several writers'),
 * out of order only where two overlap: in time order, each time once
 * (two writers hold the same sample when an agent sent it to both). */
static void in_order(struct collect *c)
{
	if (!c->unsorted)
		return;
	qsort(c->v, c->n, sizeof(*c->v), sample_cmp);
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!m || c->v[i].t != c->v[m - 1].t)
			c->v[m++] = c->v[i];
	c->n = m;
}

static void take(struct collect *c, const void *data, size_t len)
{
	int64_t *t;
	double *v;
	uint8_t *has;
	size_t n;
	int r = cd_mstore_block_column(data, len, c->id, &t, &v, &has, &n);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		c->corrupt = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (has[i])
			take_one(c, t[i], v[i]);
	free(t);
	free(v);
	free(has);
}

static int take_row(void *arg, const struct cd_chunk_row *row)
{
	take(arg, row->data, row->len);
	return 0;
}

int cd_mstore_samples_locked(struct cd_mstore *st, struct series *s, int64_t from, int64_t to,
			     struct cd_sample **out, size_t *n, struct cd_sample *prev)
{
	struct collect c = { .id = (uint64_t)s->id, .from = from, .to = to, .prev = prev };
	struct group *g = &st->g[s->g];
	if (prev)
		prev->t = INT64_MIN;
	int r = 0;
	/* all in memory when the head's first sample of the series is before
	 * from (at it, without prev): the recent past, as the alerts read
	 * it, without asking the database */
	bool in_head = false;
	for (size_t i = 0; s->col >= 0 && i < g->nrows; i++)
		if (g->has[i * g->ccap + (size_t)s->col]) {
			in_head = prev ? g->t[i] < from : g->t[i] <= from;
			break;
		}
	/* shared: not when another manager wrote the group since */
	if (in_head && g->foreign_t != INT64_MIN && g->foreign_t >= g->t[0])
		in_head = false;
	if (!in_head && prev && from > INT64_MIN)
		r = cd_chunkdb_get_before(st->db, g->id, CD_TIER_RAW, from, take_row, &c);
	if (!in_head && !r)
		r = cd_chunkdb_get(st->db, g->id, CD_TIER_RAW, from, to, take_row, &c);
	if (!in_head && !r && st->shared)
		r = cd_mstore_others_locked(st, g, take_other, &c);
	for (size_t i = 0; !in_head && !r && i < st->npending; i++)
		if (st->pending[i].group == g->id && st->pending[i].t0 <= to)
			take(&c, st->pending[i].data, st->pending[i].len);
	if (!r && s->col >= 0)
		for (size_t i = 0; i < g->nrows; i++)
			if (g->has[i * g->ccap + (size_t)s->col])
				take_one(&c, g->t[i], g->v[i * g->ccap + (size_t)s->col]);
	if (c.corrupt)
		cd_logf(st->log, "metrics: a block of %s does not decode; skipped", s->key);
	if (r) {
		free(c.v);
		return r;
	}
	in_order(&c);
	*out = c.v;
	*n = c.n;
	return 0;
}

int cd_mstore_samples(struct cd_mstore *st, int64_t id, int64_t from, int64_t to,
		      struct cd_sample **out, size_t *n, struct cd_sample *prev)
{
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	int r = s ? cd_mstore_samples_locked(st, s, from, to, out, n, prev) : -ENOENT;
	pthread_mutex_unlock(&st->mu);
	return r;
}

struct points {
	uint64_t id;               /* the series' first field's column */
	bool counter;
	unsigned fields;
	int64_t from, to;
	struct cd_rollup *v;
	size_t n, cap;
	bool corrupt;
};

static void set_field(struct cd_rollup *p, bool counter, int f, double v)
{
	switch (f) {
	case 0: p->count = v >= 0 && v <= UINT32_MAX ? (uint32_t)v : 0; break;
	case 1: *(counter ? &p->increase : &p->min) = v; break;
	case 2:
		if (counter)
			p->covered_ms = v >= 0 && v < 9e18 ? (int64_t)v : 0;
		else
			p->max = v;
		break;
	case 3: *(counter ? &p->rate_min : &p->sum) = v; break;
	default: *(counter ? &p->rate_max : &p->last) = v; break;
	}
}

static int take_points(void *arg, const struct cd_chunk_row *row)
{
	struct points *p = arg;
	struct cd_block b;
	if (cd_block_open(&b, row->data, row->len)) {
		p->corrupt = true;
		return 0;
	}
	int64_t *t = cd_malloc(b.nrows * sizeof(*t));
	struct cd_rollup *pt = cd_calloc(b.nrows, sizeof(*pt));
	double *v = cd_malloc(b.nrows * sizeof(*v));
	uint8_t *has = cd_malloc(b.nrows), *any = cd_calloc(b.nrows, 1);
	int r = cd_block_times(&b, t);
	for (int f = 0; !r && f < NFIELDS; f++) {
		if (f && !(p->fields & (1u << f)))
			continue;
		int got = cd_block_column(&b, p->id + (uint64_t)f, v, has);
		if (got == -ENOENT)
			break;             /* the series is not in this record */
		if (got < 0) {
			r = -EINVAL;
			break;
		}
		for (size_t i = 0; i < b.nrows; i++)
			if (has[i]) {
				set_field(&pt[i], p->counter, f, v[i]);
				any[i] = 1;
			}
	}
	if (r)
		p->corrupt = true;
	cd_grow(&p->v, &p->cap, p->n + b.nrows, sizeof(*p->v));   /* once, not point by point */
	for (size_t i = 0; !r && i < b.nrows; i++)
		if (any[i] && t[i] >= p->from && t[i] <= p->to &&
		    (!p->n || t[i] > p->v[p->n - 1].t)) {
			pt[i].t = t[i];
			CD_PUSH(p->v, p->n, p->cap, pt[i]);
		}
	free(t);
	free(pt);
	free(v);
	free(has);
	free(any);
	return 0;
}

int cd_mstore_rollups(struct cd_mstore *st, int64_t id, int tier, int64_t from, int64_t to,
		      unsigned fields, struct cd_rollup **out, size_t *n)
{
	if (tier <= CD_TIER_RAW || tier >= CD_TIERS)
		return -EINVAL;
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	struct points p = { .id = (uint64_t)id << 3, .from = from, .to = to, .fields = fields };
	int r = -ENOENT;
	if (s) {
		p.counter = s->counter;
		r = cd_chunkdb_get(st->db, st->g[s->g].id, tier, from, to, take_points, &p);
		if (p.corrupt)
			cd_logf(st->log, "metrics: a rollup of %s does not decode; skipped", s->key);
	}
	pthread_mutex_unlock(&st->mu);
	if (r) {
		free(p.v);
		return r;
	}
	*out = p.v;
	*n = p.n;
	return 0;
}

int cd_mstore_stats(struct cd_mstore *st, struct cd_mstore_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->mu);
	int r = st->bulk ? 0 : cd_mstore_flush_locked(st, true);
	if (!r)
		r = cd_chunkdb_stats(st->db, &out->samples, &out->bytes);
	for (size_t i = 0; i < st->ng; i++) {
		const struct group *g = &st->g[i];
		for (size_t k = 0; k < g->nrows * g->ccap; k++)
			out->samples += g->has[k] && k % g->ccap < g->ncols;
	}
	out->series = st->n - st->ngone;
	out->refused = st->refused;
	out->unkept = st->unkept;
	memcpy(out->dropped, st->dropped, sizeof(out->dropped));
	pthread_mutex_unlock(&st->mu);
	return r;
}

void cd_mstore_stats_mem(struct cd_mstore *st, struct cd_mstore_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->mu);
	out->series = st->n - st->ngone;
	out->refused = st->refused;
	out->unkept = st->unkept;
	memcpy(out->dropped, st->dropped, sizeof(out->dropped));
	pthread_mutex_unlock(&st->mu);
}

static int du_head(void *arg, const struct cd_chunk_row *c)
{
	struct cd_block b;
	if (cd_block_open(&b, c->data, c->len))
		return 0;
	double *v = cd_malloc(b.nrows * sizeof(*v));
	uint8_t *has = cd_malloc(b.nrows);
	for (size_t k = 0; k < b.ncols; k++) {
		int n = cd_block_column(&b, cd_block_col_id(&b, k), v, has);
		if (n > 0)
			*(uint64_t *)arg += (uint64_t)n;
	}
	free(v);
	free(has);
	return 0;
}

static void du_sample(void *arg, int64_t id, int64_t t, double v)
{
	(void)id, (void)t, (void)v;
	(*(uint64_t *)arg)++;
}

static int du_wal(void *arg, const void *data, size_t len)
{
	cd_mstore_wal_decode(data, len, du_sample, arg);
	return 0;
}

int cd_mstore_du(const char *dir, uint64_t *samples, uint64_t *bytes, char *err, size_t errlen)
{
	struct cd_chunkdb *db;
	int r = cd_chunkdb_open_ro(dir, &db, err, errlen);
	if (r)
		return r;
	uint64_t heads = 0, wal = 0;
	r = cd_chunkdb_stats(db, samples, bytes);
	if (!r)
		r = cd_chunkdb_head_each(db, du_head, &heads);
	if (!r)
		r = cd_chunkdb_wal_each(db, du_wal, &wal);
	if (r)
		snprintf(err, errlen, "%s/metrics.db: %s", dir, cd_chunkdb_error(db));
	*samples += heads + wal;
	cd_chunkdb_close(db);
	return r;
}
