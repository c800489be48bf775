/* mread.c - reading the metrics store: series, a series' raw samples
 * (blocks written, blocks pending, the head) and rollup points, and the
 * store's figures (see mstore.h). */
#include "metrics/mstore_priv.h"
#include "metrics/wal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* A series' samples being read from wherever they are.  Streaming (a
 * sink): each given as it is decoded while they come in time order, which
 * they do but where two writers' overlap or a block does not decode; then
 * the read is done again into an array, put in order, and given from the
 * first.  Else, and then: all of them into v. */
#define RUN 64                     /* samples given to a sink at a time */

struct collect {
	uint64_t id;
	int64_t from, to;
	struct cd_sample *prev;
	const struct cd_sample_sink *sink;
	int64_t last;              /* the last taken for the sink (INT64_MIN: none) */
	bool redo;                 /* streaming could not go on: read again */
	struct cd_sample run[RUN]; /* those not given yet */
	size_t nrun;
	struct cd_sample *v;
	size_t n, cap;
	bool corrupt, unsorted;
};

static void give(struct collect *c)
{
	if (c->nrun && !c->redo)
		c->sink->take(c->sink->arg, c->run, c->nrun);
	c->nrun = 0;
}

static void take_slow(struct collect *c, int64_t t, double v)
{
	if (c->redo)
		return;
	if (t < c->from) {
		if (c->sink && c->last != INT64_MIN)
			c->redo = true;    /* one before the range after some in it */
		else if (c->prev && (c->prev->t == INT64_MIN || t > c->prev->t))
			*c->prev = (struct cd_sample){ t, v };
	} else if (t <= c->to) {
		if (c->sink) {
			c->redo = true;    /* not after the last */
			return;
		}
		if (c->n && t <= c->v[c->n - 1].t)
			c->unsorted = true;
		CD_PUSH(c->v, c->n, c->cap, ((struct cd_sample){ t, v }));
	}
}

static inline void take_one(struct collect *c, int64_t t, double v)
{
	if (c->sink && t > c->last && t >= c->from && t <= c->to && !c->redo) {
		c->run[c->nrun++] = (struct cd_sample){ t, v };
		c->last = t;
		if (c->nrun == RUN)
			give(c);
		return;
	}
	take_slow(c, t, v);
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

/* A block's samples of the series, decoded one by one into c, up to the
 * end of the range (a block's rows go forward in time); none of them when
 * it does not decode to its end (streaming: read again). */
static void take(struct collect *c, const void *data, size_t len)
{
	struct cd_block b;
	struct cd_block_iter it;
	struct cd_block_cur col;
	int64_t t;
	double v;
	if (c->redo)
		return;
	if (cd_block_open(&b, data, len) || cd_block_iter_init(&it, &b, &c->id, &col, 1)) {
		c->corrupt = true;
		return;
	}
	if (!col.found)
		return;
	if (!c->sink)
		cd_grow(&c->v, &c->cap, c->n + b.nrows, sizeof(*c->v));   /* once a block */
	size_t n = c->n;
	struct cd_sample prev = c->prev ? *c->prev : (struct cd_sample){ 0 };
	int r;
	while ((r = cd_block_next_value(&it, &t, &v)) > 0 && t <= c->to && !c->redo)
		take_one(c, t, v);
	if (r < 0) {
		c->corrupt = true;
		c->redo = c->sink != NULL;
		c->n = n;
		if (c->prev)
			*c->prev = prev;
	}
}

static int take_row(void *arg, const struct cd_chunk_row *row)
{
	take(arg, row->data, row->len);
	return 0;
}

/* The blocks before the range, the latest first, until one has the
 * series (that has the sample before the range: blocks of one writer do
 * not overlap). */
static int take_before(void *arg, const struct cd_chunk_row *row)
{
	struct collect *c = arg;
	take(c, row->data, row->len);
	return c->prev->t != INT64_MIN;
}

/* Every sample of the series in [from, to] into c, from wherever it is. */
static int collect(struct cd_mstore *st, struct series *s, struct collect *c)
{
	struct group *g = &st->g[s->g];
	int64_t from = c->from, to = c->to;
	if (c->prev)
		c->prev->t = INT64_MIN;
	int r = 0;
	/* all in memory when the head's first sample of the series is before
	 * from (at it, without prev): the recent past, as the alerts read
	 * it, without asking the database */
	bool in_head = false;
	for (size_t i = 0; s->col >= 0 && i < g->nrows; i++)
		if (g->has[i * g->ccap + (size_t)s->col]) {
			in_head = c->prev ? g->t[i] < from : g->t[i] <= from;
			break;
		}
	/* shared: not when another manager wrote the group since */
	if (in_head && g->foreign_t != INT64_MIN && g->foreign_t >= g->t[0])
		in_head = false;
	if (!in_head && c->prev && from > INT64_MIN)
		r = cd_chunkdb_get_before(st->db, g->id, CD_TIER_RAW, from,
					  st->shared ? take_row : take_before, c);
	if (!in_head && !r)
		r = cd_chunkdb_get(st->db, g->id, CD_TIER_RAW, from, to, take_row, c);
	if (!in_head && !r && st->shared)
		r = cd_mstore_others_locked(st, g, take_other, c);
	for (size_t i = 0; !in_head && !r && i < st->npending; i++)
		if (st->pending[i].group == g->id && st->pending[i].t0 <= to)
			take(c, st->pending[i].data, st->pending[i].len);
	if (!r && s->col >= 0)
		for (size_t i = 0; i < g->nrows; i++)
			if (g->has[i * g->ccap + (size_t)s->col])
				take_one(c, g->t[i], g->v[i * g->ccap + (size_t)s->col]);
	if (c->sink)
		give(c);
	if (!r && !c->redo && c->corrupt)
		cd_logf(st->log, "metrics: a block of %s does not decode; skipped", s->key);
	return r;
}

int cd_mstore_samples_locked(struct cd_mstore *st, struct series *s, int64_t from, int64_t to,
			     struct cd_sample **out, size_t *n, struct cd_sample *prev)
{
	struct collect c = { .id = (uint64_t)s->id, .from = from, .to = to, .prev = prev };
	int r = collect(st, s, &c);
	if (r) {
		free(c.v);
		return r;
	}
	in_order(&c);
	*out = c.v;
	*n = c.n;
	return 0;
}

int cd_mstore_samples_each(struct cd_mstore *st, int64_t id, int64_t from, int64_t to,
			   struct cd_sample *prev, const struct cd_sample_sink *sink)
{
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	struct collect c = { .id = (uint64_t)id, .from = from, .to = to, .prev = prev,
			     .sink = sink, .last = INT64_MIN };
	int r = s ? collect(st, s, &c) : -ENOENT;
	if (!r && c.redo) {                /* in an array, in order, given again */
		struct cd_sample *v;
		size_t n;
		sink->again(sink->arg);
		r = cd_mstore_samples_locked(st, s, from, to, &v, &n, prev);
		if (!r && n)
			sink->take(sink->arg, v, n);
		if (!r)
			free(v);
	}
	pthread_mutex_unlock(&st->mu);
	return r;
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

/* A record's points of the series: its fields' columns read together,
 * row by row, up to the end of the range. */
static int take_points(void *arg, const struct cd_chunk_row *row)
{
	struct points *p = arg;
	struct cd_block b;
	struct cd_block_iter it;
	struct cd_block_cur col[NFIELDS];
	uint64_t ids[NFIELDS];
	int field[NFIELDS], nf = 0;
	for (int f = 0; f < NFIELDS; f++)
		if (!f || (p->fields & (1u << f))) {
			ids[nf] = p->id + (uint64_t)f;
			field[nf++] = f;
		}
	if (cd_block_open(&b, row->data, row->len) ||
	    cd_block_iter_init(&it, &b, ids, col, (size_t)nf)) {
		p->corrupt = true;
		return 0;
	}
	if (!col[0].found)
		return 0;                  /* the series is not in this record */
	cd_grow(&p->v, &p->cap, p->n + b.nrows, sizeof(*p->v));   /* once, not point by point */
	size_t n = p->n;
	int64_t t;
	int r;
	while ((r = cd_block_iter_next(&it, &t)) > 0 && t <= p->to) {
		struct cd_rollup pt = { .t = t };
		bool any = false;
		for (int k = 0; k < nf; k++)
			if (col[k].present) {
				set_field(&pt, p->counter, field[k], col[k].v);
				any = true;
			}
		if (any && t >= p->from && (!p->n || t > p->v[p->n - 1].t))
			p->v[p->n++] = pt;
	}
	if (r < 0) {
		p->corrupt = true;
		p->n = n;                  /* none of a record that does not decode */
	}
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

static void du_value(void *arg, size_t col, uint64_t id, int64_t t, double v)
{
	(void)col, (void)id, (void)t, (void)v;
	(*(uint64_t *)arg)++;
}

static int du_head(void *arg, const struct cd_chunk_row *c)
{
	struct cd_block b;
	if (!cd_block_open(&b, c->data, c->len))
		cd_block_each(&b, du_value, arg);
	return 0;
}

static int du_wal(void *arg, const void *data, size_t len)
{
	*(uint64_t *)arg += cd_wal_count(data, len);
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
