/* mstore.c - the metrics store's series, heads, write-ahead rows and
 * reads (see mstore.h; rollups and retention are in tiering.c). */
#include "metrics/mstore_priv.h"
#include "metrics/rollrec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAL_REC 17                 /* a sample written ahead: id (varint), t, v */
#define DEFAULT_MAX_SERIES 200000

static int64_t day_of(int64_t t)
{
	return cd_step_start(t, DAY_MS);
}

static void put_le64(struct cd_buf *b, uint64_t v)
{
	uint8_t p[8];
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	cd_buf_add(b, p, 8);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct series *cd_mstore_get(struct cd_mstore *st, int64_t id)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->s[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->n && st->s[lo].id == id ? &st->s[lo] : NULL;
}

static int retention_of(const struct cd_mstore *st, const char *metric)
{
	for (size_t i = 0; i + 1 < st->nret; i++)
		if (cd_glob(st->ret[i].pattern, metric))
			return (int)i;
	return (int)st->nret - 1;
}

/* The series of a row, in memory (ids come in ascending order). */
static struct series *add_mem(struct cd_mstore *st, const struct cd_series_row *r)
{
	cd_grow(&st->s, &st->cap, st->n + 1, sizeof(*st->s));
	struct series *s = &st->s[st->n];
	memset(s, 0, sizeof(*s));
	s->id = r->id;
	s->key = cd_strdup(r->key);
	s->metric = cd_strdup(r->metric);
	s->kind = cd_strdup(r->kind);
	s->name = cd_strdup(r->name);
	s->host = cd_strdup(r->host);
	s->source = cd_strdup(r->source);
	s->counter = r->counter;
	s->rolled = r->rolled;
	s->last_t = INT64_MIN;
	s->retention = retention_of(st, s->metric);
	cd_map_put(&st->by_key, s->key, st->n, NULL);    /* the key's copy does not move */
	st->n++;
	return s;
}

static void seal(struct cd_mstore *st, struct series *s)
{
	size_t len;
	const uint8_t *d = cd_chunk_data(s->head, &len);
	struct sealed c = { .series = s->id, .t0 = s->head_t0, .t1 = s->head->t,
			    .n = s->head->n, .data = cd_malloc(len), .len = len };
	memcpy(c.data, d, len);
	CD_PUSH(st->pending, st->npending, st->cappending, c);
	int e = cd_chunk_exponent(s->head);
	s->e = e < 0 ? 0 : e;
	cd_chunk_w_init_exponent(s->head, s->e);
}

static int append(struct cd_mstore *st, struct series *s, int64_t t, double v)
{
	if (s->last_t != INT64_MIN && t <= s->last_t) {
		st->refused++;
		return -EINVAL;
	}
	if (!s->head) {
		s->head = cd_malloc(sizeof(*s->head));
		cd_chunk_w_init_exponent(s->head, s->e);
	} else if (s->head->n && day_of(t) != day_of(s->head_t0)) {
		seal(st, s);           /* a chunk holds one UTC day at most */
	}
	int r = cd_chunk_append(s->head, t, v);
	if (r == -ENOSPC) {
		seal(st, s);
		r = cd_chunk_append(s->head, t, v);
	}
	if (r)
		return r;
	if (s->head->n == 1)
		s->head_t0 = t;
	s->last_t = t;
	s->last_v = v;
	if (!st->bulk && !st->replaying) {
		uint8_t id[10];
		int k = 0;
		for (uint64_t x = (uint64_t)s->id; ; x >>= 7) {
			id[k++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
			if (x < 0x80)
				break;
		}
		cd_buf_add(&st->wal, id, (size_t)k);
		put_le64(&st->wal, (uint64_t)t);
		uint64_t b;
		memcpy(&b, &v, sizeof(b));
		put_le64(&st->wal, b);
	}
	return 0;
}

/* Write what is pending (and, with wal, the batch) in one transaction. */
static int flush(struct cd_mstore *st, bool checkpoint)
{
	if (!checkpoint && !st->npending && !st->wal.len)
		return 0;
	int r = cd_chunkdb_begin(st->db);
	for (size_t i = 0; !r && i < st->npending; i++) {
		const struct sealed *c = &st->pending[i];
		struct cd_chunk_row row = { .series = c->series, .tier = CD_TIER_RAW, .t0 = c->t0,
					    .t1 = c->t1, .n = c->n, .data = c->data,
					    .len = c->len };
		r = cd_chunkdb_put(st->db, &row);
	}
	if (!r && checkpoint) {
		r = cd_chunkdb_heads_clear(st->db);
		for (size_t i = 0; !r && i < st->n; i++) {
			struct series *s = &st->s[i];
			if (s->head && s->head->n) {
				size_t len;
				const uint8_t *d = cd_chunk_data(s->head, &len);
				r = cd_chunkdb_head_put(st->db, s->id, d, len);
			}
		}
		if (!r)
			r = cd_chunkdb_wal_clear(st->db);
	} else if (!r && st->wal.len) {
		r = cd_chunkdb_wal_add(st->db, st->wal.data, st->wal.len);
	}
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (r) {
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

/* ---- opening: the series, the heads, the samples written ahead ---- */

static int load_series(void *arg, const struct cd_series_row *r)
{
	add_mem(arg, r);
	return 0;
}

static int load_last(void *arg, int64_t id, int64_t t1)
{
	struct series *s = cd_mstore_get(arg, id);
	if (s)
		s->last_t = t1;
	return 0;
}

/* The last value of a chunk (a series with no head: its newest known). */
static int last_value(void *arg, const struct cd_chunk_row *c)
{
	struct cd_chunk_r rd;
	int64_t t;
	double v;
	if (!cd_chunk_r_init(&rd, c->data, c->len))
		while (cd_chunk_next(&rd, &t, &v) == 1)
			*(double *)arg = v;
	return 0;
}

static int load_head(void *arg, const struct cd_chunk_row *c)
{
	struct cd_mstore *st = arg;
	struct series *s = cd_mstore_get(st, c->series);
	struct cd_chunk_r rd;
	if (!s || cd_chunk_r_init(&rd, c->data, c->len)) {
		cd_logf(st->log, "metrics: the head of series %lld does not decode; dropped",
			(long long)c->series);
		return 0;
	}
	const uint8_t *p = c->data;
	s->e = p[1] <= 12 ? p[1] : 0;
	int64_t t;
	double v;
	int got;
	while ((got = cd_chunk_next(&rd, &t, &v)) == 1)
		if (s->last_t == INT64_MIN || t > s->last_t)   /* else sealed since */
			append(st, s, t, v);
	if (got < 0)
		cd_logf(st->log, "metrics: the head of series %lld is cut short", (long long)s->id);
	return 0;
}

static int replay(void *arg, const void *data, size_t len)
{
	struct cd_mstore *st = arg;
	const uint8_t *p = data, *end = p + len;
	while (p < end) {
		uint64_t id = 0;
		int shift = 0;
		while (p < end && shift < 64) {
			id |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
			if (!(*p++ & 0x80))
				break;
		}
		if (end - p < 16)
			break;
		int64_t t = (int64_t)get_le64(p);
		uint64_t b = get_le64(p + 8);
		double v;
		memcpy(&v, &b, sizeof(v));
		p += 16;
		struct series *s = cd_mstore_get(st, (int64_t)id);
		if (s && (s->last_t == INT64_MIN || t > s->last_t))
			append(st, s, t, v);
	}
	return 0;
}

static const struct cd_retention default_retention = {
	NULL, { 7 * DAY_MS, 180 * DAY_MS, 730 * DAY_MS },
};

int cd_mstore_open(const char *dir, const struct cd_mstore_opts *o, struct cd_mstore **out,
		   char *err, size_t errlen)
{
	struct cd_mstore *st = cd_calloc(1, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	cd_map_init_exact(&st->by_key);
	cd_buf_init(&st->wal, SIZE_MAX);
	st->bulk = o->bulk;
	st->log = o->log;
	st->max_series = o->max_series ? o->max_series : DEFAULT_MAX_SERIES;
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
	int r = cd_chunkdb_open(dir, &st->db, err, errlen);
	if (r) {
		st->db = NULL;
		cd_mstore_close(st);
		return r;
	}
	st->replaying = true;
	r = cd_chunkdb_series_each(st->db, load_series, st);
	if (!r)
		r = cd_chunkdb_last_each(st->db, CD_TIER_RAW, load_last, st);
	if (!r)
		r = cd_chunkdb_head_each(st->db, load_head, st);
	for (size_t i = 0; !r && i < st->n; i++)
		if (!st->s[i].head && st->s[i].last_t != INT64_MIN)
			r = cd_chunkdb_get_before(st->db, st->s[i].id, CD_TIER_RAW, INT64_MAX,
						  last_value, &st->s[i].last_v);
	if (!r)
		r = cd_chunkdb_wal_each(st->db, replay, st);
	st->replaying = false;
	if (!r)
		r = flush(st, true);
	if (r) {
		snprintf(err, errlen, "metrics store %s: %s", dir, cd_chunkdb_error(st->db));
		cd_mstore_close(st);
		return r;
	}
	*out = st;
	return 0;
}

void cd_mstore_close(struct cd_mstore *st)
{
	if (!st)
		return;
	if (st->db)
		flush(st, true);
	cd_chunkdb_close(st->db);
	for (size_t i = 0; i < st->n; i++) {
		struct series *s = &st->s[i];
		free(s->key);
		free(s->metric);
		free(s->kind);
		free(s->name);
		free(s->host);
		free(s->source);
		free(s->head);
	}
	for (size_t i = 0; i < st->npending; i++)
		free(st->pending[i].data);
	for (size_t i = 0; i < st->nret; i++)
		free((char *)st->ret[i].pattern);
	free(st->ret);
	free(st->pending);
	free(st->s);
	cd_map_free(&st->by_key);
	cd_buf_free(&st->wal);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* ---- writing ---- */

int cd_mstore_series(struct cd_mstore *st, const struct cd_series_desc *d, int64_t *id)
{
	char *key = cd_asprintf("%s{%s}", d->metric, d->labels ? d->labels : "");
	pthread_mutex_lock(&st->mu);
	size_t i;
	int r = 0;
	if (cd_map_get(&st->by_key, key, &i)) {
		r = st->s[i].counter == d->counter ? 0 : -EEXIST;
		*id = st->s[i].id;
	} else if (st->n >= st->max_series) {
		r = -ENOSPC;
	} else {
		struct cd_series_row row = { .key = key, .metric = d->metric, .kind = d->kind,
					     .name = d->name, .host = d->host,
					     .source = d->source, .counter = d->counter };
		r = cd_chunkdb_series_add(st->db, &row, &row.id);
		if (!r) {
			add_mem(st, &row);
			*id = row.id;
		}
	}
	pthread_mutex_unlock(&st->mu);
	free(key);
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
	int r = flush(st, false);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int cd_mstore_checkpoint(struct cd_mstore *st)
{
	pthread_mutex_lock(&st->mu);
	int r = flush(st, true);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- reading ---- */

static void info_of(const struct series *s, struct cd_series_info *i)
{
	*i = (struct cd_series_info){ .id = s->id, .key = s->key, .metric = s->metric,
				      .kind = s->kind, .name = s->name, .host = s->host,
				      .source = s->source, .counter = s->counter,
				      .last_t = s->last_t, .last_v = s->last_v,
				      .rolled = s->rolled };
}

void cd_mstore_each(struct cd_mstore *st, void (*fn)(void *arg, const struct cd_series_info *s),
		    void *arg)
{
	pthread_mutex_lock(&st->mu);
	for (size_t i = 0; i < st->n; i++) {
		struct cd_series_info info;
		info_of(&st->s[i], &info);
		fn(arg, &info);
	}
	pthread_mutex_unlock(&st->mu);
}

int cd_mstore_find(struct cd_mstore *st, const char *key, struct cd_series_info *info)
{
	pthread_mutex_lock(&st->mu);
	size_t i;
	bool found = cd_map_get(&st->by_key, key, &i);
	if (found)
		info_of(&st->s[i], info);
	pthread_mutex_unlock(&st->mu);
	return found ? 0 : -ENOENT;
}

struct collect {
	int64_t from, to;
	struct cd_sample *v, *prev;
	size_t n, cap;
	bool corrupt;
};

static void take(struct collect *c, const void *data, size_t len)
{
	struct cd_chunk_r rd;
	int64_t t;
	double v;
	int got = cd_chunk_r_init(&rd, data, len) ? -1 : 0;
	while (!got && (got = cd_chunk_next(&rd, &t, &v)) == 1) {
		if (t < c->from) {
			if (c->prev && (c->prev->t == INT64_MIN || t > c->prev->t))
				*c->prev = (struct cd_sample){ t, v };
		} else if (t <= c->to && (!c->n || t > c->v[c->n - 1].t)) {
			CD_PUSH(c->v, c->n, c->cap, ((struct cd_sample){ t, v }));
		}
		got = 0;
	}
	if (got < 0)
		c->corrupt = true;
}

static int take_row(void *arg, const struct cd_chunk_row *row)
{
	take(arg, row->data, row->len);
	return 0;
}

int cd_mstore_samples_locked(struct cd_mstore *st, struct series *s, int64_t from, int64_t to,
			     struct cd_sample **out, size_t *n, struct cd_sample *prev)
{
	struct collect c = { .from = from, .to = to, .prev = prev };
	if (prev)
		prev->t = INT64_MIN;
	int r = 0;
	if (prev && from > INT64_MIN)
		r = cd_chunkdb_get_before(st->db, s->id, CD_TIER_RAW, from, take_row, &c);
	if (!r)
		r = cd_chunkdb_get(st->db, s->id, CD_TIER_RAW, from, to, take_row, &c);
	for (size_t i = 0; !r && i < st->npending; i++)
		if (st->pending[i].series == s->id && st->pending[i].t0 <= to)
			take(&c, st->pending[i].data, st->pending[i].len);
	if (!r && s->head && s->head->n && s->head_t0 <= to) {
		size_t len;
		const uint8_t *d = cd_chunk_data(s->head, &len);
		take(&c, d, len);
	}
	if (c.corrupt)
		cd_logf(st->log, "metrics: a chunk of %s does not decode; skipped", s->key);
	if (r) {
		free(c.v);
		return r;
	}
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
	int64_t from, to;
	struct cd_rollup *v;
	size_t n, cap;
	bool corrupt;
};

static int take_points(void *arg, const struct cd_chunk_row *row)
{
	struct points *p = arg;
	struct cd_rollup *r;
	size_t n;
	bool counter;
	if (cd_rollrec_decode(row->data, row->len, &counter, &r, &n)) {
		p->corrupt = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (r[i].t >= p->from && r[i].t <= p->to && (!p->n || r[i].t > p->v[p->n - 1].t))
			CD_PUSH(p->v, p->n, p->cap, r[i]);
	free(r);
	return 0;
}

int cd_mstore_rollups(struct cd_mstore *st, int64_t id, int tier, int64_t from, int64_t to,
		      struct cd_rollup **out, size_t *n)
{
	if (tier <= CD_TIER_RAW || tier >= CD_TIERS)
		return -EINVAL;
	struct points p = { .from = from, .to = to };
	pthread_mutex_lock(&st->mu);
	struct series *s = cd_mstore_get(st, id);
	int r = s ? cd_chunkdb_get(st->db, id, tier, from, to, take_points, &p) : -ENOENT;
	if (p.corrupt)
		cd_logf(st->log, "metrics: a rollup of %s does not decode; skipped", s->key);
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
	int r = flush(st, true);
	if (!r)
		r = cd_chunkdb_stats(st->db, &out->samples, &out->bytes);
	for (size_t i = 0; i < st->n; i++)
		if (st->s[i].head)
			out->samples += st->s[i].head->n;
	out->series = st->n;
	out->refused = st->refused;
	memcpy(out->dropped, st->dropped, sizeof(out->dropped));
	pthread_mutex_unlock(&st->mu);
	return r;
}
