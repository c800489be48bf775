/* mindex.c - the metrics store's series and groups in memory: found by
 * number, added in number order as the database has them, forgotten when
 * removed (a removed one keeps its place, marked gone, so that the
 * others' indexes do not move; see remove.c).  Everything else in the
 * store builds on this, and this on nothing else of it. */
#include "metrics/mstore_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	return lo < st->n && st->s[lo].id == id && !st->s[lo].gone ? &st->s[lo] : NULL;
}

struct group *cd_mstore_group(struct cd_mstore *st, int64_t id)
{
	size_t lo = 0, hi = st->ng;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->g[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->ng && st->g[lo].id == id && !st->g[lo].gone ? &st->g[lo] : NULL;
}

int cd_mstore_retention_of(const struct cd_mstore *st, const char *metric)
{
	for (size_t i = 0; i + 1 < st->nret; i++)
		if (cd_glob(st->ret[i].pattern, metric))
			return (int)i;
	return (int)st->nret - 1;
}

/* A series' names freed (at close, or when it is removed). */
static void names_free(struct series *s)
{
	free(s->key);
	free(s->metric);
	free(s->kind);
	free(s->name);
	free(s->host);
	free(s->source);
	s->key = s->metric = s->kind = s->name = s->host = s->source = NULL;
}

/* ---- added in id order ---- */

void cd_mstore_add_group_mem(struct cd_mstore *st, const struct cd_group_row *r)
{
	cd_grow(&st->g, &st->gcap, st->ng + 1, sizeof(*st->g));
	struct group *g = &st->g[st->ng];
	memset(g, 0, sizeof(*g));
	g->id = r->id;
	g->labels = cd_strdup(r->labels);
	g->rolled = r->rolled;
	g->retention = (int)st->nret - 1;
	g->foreign_t = INT64_MIN;
	g->known = cd_wall_ms();
	if (!cd_map_put(&st->by_labels, g->labels, st->ng, NULL))   /* the copy does not move */
		cd_logf(st->log, "metrics: group %lld has the labels of another in memory", (long long)r->id);
	st->ng++;
}

int cd_mstore_add_series_mem(struct cd_mstore *st, const struct cd_series_row *r)
{
	struct group *g = cd_mstore_group(st, r->group);
	if (!g)
		return -EIO;
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
	s->g = (size_t)(g - st->g);
	s->col = -1;
	s->last_t = INT64_MIN;
	g->retention = cd_mstore_retention_of(st, s->metric);
	s->next_obj = SIZE_MAX;
	CD_PUSH(g->mem, g->nmem, g->capmem, st->n);
	if (!cd_map_put(&st->by_key, s->key, st->n, NULL))
		cd_logf(st->log, "metrics: series %lld has the key of another in memory", (long long)r->id);
	/* chained after the object's other series of the metric */
	char *ok = cd_asprintf("%s\x1f%s\x1f%s", s->kind, s->name, s->metric);
	size_t first;
	if (cd_map_get(&st->by_object, ok, &first)) {
		size_t i = first;
		while (st->s[i].next_obj != SIZE_MAX)
			i = st->s[i].next_obj;
		st->s[i].next_obj = st->n;
		free(ok);
	} else {
		cd_map_put(&st->by_object, ok, st->n, NULL);
		CD_PUSH(st->objkeys, st->nobjkeys, st->capobjkeys, ok);
	}
	st->n++;
	return 0;
}

/* ---- forgotten ---- */

/* Unlink series i from its object's chain of the metric. */
static void unchain(struct cd_mstore *st, size_t i)
{
	struct series *s = &st->s[i];
	char *ok = cd_asprintf("%s\x1f%s\x1f%s", s->kind, s->name, s->metric);
	size_t *first = cd_map_ref(&st->by_object, ok);
	if (first && *first == i) {
		if (s->next_obj == SIZE_MAX)
			cd_map_del(&st->by_object, ok);  /* (its key stays in objkeys) */
		else
			*first = s->next_obj;
	} else if (first) {
		size_t p = *first;
		while (st->s[p].next_obj != SIZE_MAX && st->s[p].next_obj != i)
			p = st->s[p].next_obj;
		if (st->s[p].next_obj == i)
			st->s[p].next_obj = s->next_obj;
	}
	free(ok);
}

/* Forget the groups marked (by index) and their series, here only. */
void cd_mstore_forget_locked(struct cd_mstore *st, const bool *mark)
{
	for (size_t i = 0; i < st->n; i++) {
		struct series *s = &st->s[i];
		if (s->gone || !mark[s->g])
			continue;
		cd_map_del(&st->by_key, s->key);
		unchain(st, i);
		names_free(s);
		s->gone = true;
		s->col = -1;
		s->last_t = INT64_MIN;
		st->ngone++;
	}
	for (size_t i = 0; i < st->ng; i++) {
		struct group *g = &st->g[i];
		if (g->gone || !mark[i])
			continue;
		cd_map_del(&st->by_labels, g->labels);
		free(g->labels);
		free(g->t);
		free(g->v);
		free(g->has);
		free(g->col);
		free(g->mem);
		g->mem = NULL;
		g->nmem = g->capmem = 0;
		g->labels = NULL;
		g->t = NULL;
		g->v = NULL;
		g->has = NULL;
		g->col = NULL;
		g->nrows = g->rcap = g->ncols = g->ccap = 0;
		g->gone = true;
		st->removals++;
	}
	/* its blocks sealed and not yet written: not written */
	size_t k = 0;
	for (size_t i = 0; i < st->npending; i++) {
		struct group *g = cd_mstore_group(st, st->pending[i].group);
		if (g)
			st->pending[k++] = st->pending[i];
		else
			free(st->pending[i].data);
	}
	st->npending = k;
}

void cd_mstore_index_free(struct cd_mstore *st)
{
	for (size_t i = 0; i < st->n; i++)
		names_free(&st->s[i]);
	for (size_t i = 0; i < st->ng; i++) {
		struct group *g = &st->g[i];
		free(g->labels);
		free(g->t);
		free(g->v);
		free(g->has);
		free(g->col);
		free(g->mem);
	}
	free(st->s);
	free(st->g);
	cd_map_free(&st->by_key);
	cd_map_free(&st->by_labels);
	cd_map_free(&st->by_object);
	for (size_t i = 0; i < st->nobjkeys; i++)
		free(st->objkeys[i]);
	free(st->objkeys);
}
