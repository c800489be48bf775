/* mquery.c - a catalog metric of an object at a step (see mquery.h).
 *
 * Each series is read as the points of the tier chosen up to the time
 * its group was rolled up, then its raw samples rolled up at the query's
 * step as the store decodes them, one by one, no array of them made (for
 * a latency, one point a sample: its two counters are paired sample by
 * sample first).  Those are merged into the query's steps, and
 * a step's value made from the merged point. */
#include "metrics/mquery.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define MAX_SERIES 16              /* an object's series of one metric */

int cd_agg_parse(const char *s, enum cd_agg *a)
{
	static const char *const names[] = { "avg", "min", "max", "sum", "count", "latest" };
	for (size_t i = 0; i < CD_ARRAY_LEN(names); i++)
		if (!strcmp(s, names[i])) {
			*a = (enum cd_agg)i;
			return 0;
		}
	return -EINVAL;
}

static int pick_tier(int64_t step)
{
	for (int t = CD_TIERS - 1; t > CD_TIER_RAW; t--)
		if (step % cd_tier_step_ms[t] == 0)
			return t;
	return CD_TIER_RAW;
}

/* The rollup fields a metric needs of its series (per: of its second). */
static unsigned fields_for(const struct cd_metric *m, bool per, enum cd_agg agg)
{
	if (per && (m->how == CD_HOW_PER_CPU || m->how == CD_HOW_PER_GAUGE))
		return CD_FIELD_LAST;                      /* the vCPUs, the total */
	if (agg == CD_AGG_COUNT)
		return 0;
	if (m->how == CD_HOW_GAUGE || m->how == CD_HOW_PER_GAUGE)
		return agg == CD_AGG_MIN ? CD_FIELD_MIN : agg == CD_AGG_MAX ? CD_FIELD_MAX
		       : agg == CD_AGG_LATEST ? CD_FIELD_LAST : CD_FIELD_SUM;
	unsigned f = CD_FIELD_INCREASE | CD_FIELD_COVERED;
	if (m->how != CD_HOW_PER_OP)
		f |= agg == CD_AGG_MIN ? CD_FIELD_RATE_MIN : agg == CD_AGG_MAX ? CD_FIELD_RATE_MAX : 0;
	return f;
}

/* Raw samples rolled up as the store decodes them (no array of them). */
struct fine_sink {
	struct cd_roller r;
	struct cd_sample prev;     /* the one before the range: set before the first */
	bool counter, rates, started;
	int64_t roll_ms;
	struct cd_rollup *v;       /* the tier's points, then these */
	size_t base, cap, read;
};

static void fine_take(void *arg, const struct cd_sample *s, size_t n)
{
	struct fine_sink *f = arg;
	if (!f->started) {
		cd_roller_init(&f->r, f->counter, f->rates, f->roll_ms,
			       f->prev.t == INT64_MIN ? NULL : &f->prev, f->v + f->base, f->cap - f->base);
		f->started = true;
	}
	size_t k = cd_roller_add(&f->r, s, n);
	while (k < n) {                    /* (a point a sample: grown) */
		f->cap = f->cap * 2;
		f->v = cd_realloc(f->v, f->cap * sizeof(*f->v));
		f->r.out = f->v + f->base;
		f->r.max = f->cap - f->base;
		k += cd_roller_add(&f->r, s + k, n - k);
	}
	f->read += n;
}

static void fine_again(void *arg)
{
	struct fine_sink *f = arg;
	f->started = false;
	f->read = 0;
}

/* A series' points in [from, to]: the tier's, then its raw samples rolled
 * up at roll_ms (1: a point a sample; the query's step: a point a step,
 * which bucket() then merges with the tier's at their boundary); *read
 * the points and samples read, for the budget. */
static int fine(struct cd_mstore *st, const struct cd_series_info *s, int tier, int64_t from,
		int64_t to, unsigned fields, int64_t roll_ms, struct cd_rollup **out, size_t *n,
		size_t *read)
{
	struct cd_rollup *v = NULL;
	size_t nv = 0;
	int64_t raw_from = from;
	int r = 0;
	*read = 0;
	if (tier > CD_TIER_RAW && s->rolled > from) {
		r = cd_mstore_rollups(st, s->id, tier, from, s->rolled - 1 < to ? s->rolled - 1 : to,
				      fields, &v, &nv);
		raw_from = s->rolled;
		*read = nv;
	}
	if (!r && raw_from <= to) {
		/* room for a point a step, up to 4096 (then grown as they come) */
		int64_t steps = (to - cd_step_start(raw_from, roll_ms)) / roll_ms + 1;
		struct fine_sink f = { .counter = s->counter, .roll_ms = roll_ms, .base = nv,
				       .rates = fields & (CD_FIELD_RATE_MIN | CD_FIELD_RATE_MAX),
				       .cap = nv + (size_t)(steps < 4096 ? steps : 4096) };
		struct cd_sample_sink sink = { fine_take, fine_again, &f };
		f.v = cd_realloc(v, f.cap * sizeof(*f.v));
		r = cd_mstore_samples_each(st, s->id, raw_from, to, s->counter ? &f.prev : NULL, &sink);
		v = f.v;
		nv += f.started ? f.r.n : 0;
		*read += f.read;
	}
	if (r) {
		free(v);
		return r;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* Fine points merged into the query's steps, in place: how many steps. */
static size_t bucket(struct cd_rollup *f, size_t n, int64_t step)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t t = cd_step_start(f[i].t, step);
		if (!k || f[k - 1].t != t) {
			struct cd_rollup r = f[i];
			r.t = t;
			f[k++] = r;
		} else {
			cd_rollup_merge(&f[k - 1], &f[i]);
		}
	}
	return k;
}

static bool value_of(const struct cd_rollup *b, bool counter, enum cd_agg agg, double *v)
{
	if (agg == CD_AGG_COUNT) {
		*v = b->count;
		return true;
	}
	if (!counter) {
		if (!b->count)
			return false;
		switch (agg) {
		case CD_AGG_AVG: *v = b->sum / b->count; break;
		case CD_AGG_MIN: *v = b->min; break;
		case CD_AGG_MAX: *v = b->max; break;
		case CD_AGG_SUM: *v = b->sum; break;
		default: *v = b->last; break;
		}
		return true;
	}
	if (!b->covered_ms)
		return false;          /* no interval: no rate */
	switch (agg) {
	case CD_AGG_MIN: *v = b->rate_min; break;
	case CD_AGG_MAX: *v = b->rate_max; break;
	case CD_AGG_SUM: *v = b->increase; break;
	default: *v = cd_rollup_rate(b); break;
	}
	return true;
}

struct ratio {                     /* a fine point of a latency */
	int64_t t;
	double time, ops;          /* increases */
	uint32_t count;
};

/* Points of one series (and its per series for latencies) at the step,
 * one array for each of the aggs, from the same points read once. */
static int one(struct cd_mstore *st, const struct cd_metric *m, const struct cd_series_info *s,
	       const struct cd_series_info *per, int tier, int64_t from, int64_t to, int64_t step,
	       const enum cd_agg *aggs, size_t nagg, int64_t *budget, struct cd_point **out,
	       size_t *n)
{
	struct cd_rollup *f = NULL, *g = NULL;
	size_t nf = 0, ng = 0, rf = 0, rg = 0;
	unsigned ff = 0, fg = 0;
	for (size_t a = 0; a < nagg; a++) {
		ff |= fields_for(m, false, aggs[a]);
		fg |= fields_for(m, true, aggs[a]);
	}
	/* a latency pairs its two counters sample by sample first */
	int64_t roll = m->how == CD_HOW_PER_OP ? 1 : step;
	int r = fine(st, s, tier, from, to, ff, roll, &f, &nf, &rf);
	if (!r && per)
		r = fine(st, per, tier, from, to, fg, roll, &g, &ng, &rg);
	if (!r && budget && (*budget -= (int64_t)(rf + rg)) < 0)
		r = -EDQUOT;
	for (size_t a = 0; a < nagg; a++) {
		out[a] = cd_malloc((nf ? nf : 1) * sizeof(**out));
		n[a] = 0;
	}
	if (!r && m->how == CD_HOW_PER_OP) {
		/* the two counters' fine points paired by time, then by step */
		struct ratio *q = cd_malloc((nf ? nf : 1) * sizeof(*q));
		size_t nq = 0, j = 0;
		for (size_t i = 0; i < nf; i++) {
			while (j < ng && g[j].t < f[i].t)
				j++;
			if (j < ng && g[j].t == f[i].t && g[j].covered_ms && g[j].increase > 0)
				q[nq++] = (struct ratio){ f[i].t, f[i].increase, g[j].increase, 1 };
		}
		for (size_t i = 0; i < nq;) {
			int64_t t = cd_step_start(q[i].t, step);
			double time = 0, ops = 0, lo = INFINITY, hi = -INFINITY, last = 0;
			uint32_t count = 0;
			for (; i < nq && cd_step_start(q[i].t, step) == t; i++) {
				double x = q[i].time / q[i].ops;
				time += q[i].time;
				ops += q[i].ops;
				lo = x < lo ? x : lo;
				hi = x > hi ? x : hi;
				last = x;
				count += q[i].count;
			}
			for (size_t a = 0; a < nagg; a++) {
				enum cd_agg agg = aggs[a];
				double v = agg == CD_AGG_MIN ? lo : agg == CD_AGG_MAX ? hi
					 : agg == CD_AGG_SUM ? time : agg == CD_AGG_COUNT ? count
					 : agg == CD_AGG_LATEST ? last : time / ops;
				out[a][n[a]++] = (struct cd_point){ t, v };
			}
		}
		free(q);
	} else if (!r) {
		size_t nb = bucket(f, nf, step), ngb = per ? bucket(g, ng, step) : 0;
		bool gauge = m->how == CD_HOW_GAUGE || m->how == CD_HOW_PER_GAUGE;
		for (size_t a = 0; a < nagg; a++) {
			enum cd_agg agg = aggs[a];
			double cpus = m->how == CD_HOW_PER_GAUGE ? 0 : 1;
			size_t j = 0;
			for (size_t i = 0; i < nb; i++) {
				double v;
				if (!value_of(&f[i], !gauge, agg, &v))
					continue;
				if ((m->how == CD_HOW_PER_CPU || m->how == CD_HOW_PER_GAUGE) &&
				    agg != CD_AGG_COUNT) {
					while (j < ngb && g[j].t <= f[i].t)
						if (g[j++].count)
							cpus = g[j - 1].last;   /* carried forward */
					if (cpus > 0)
						v /= cpus;
					else if (m->how == CD_HOW_PER_GAUGE)
						continue;       /* no total yet: no share */
				}
				out[a][n[a]++] = (struct cd_point){ f[i].t, v };
			}
		}
	}
	free(f);
	free(g);
	if (r) {
		for (size_t a = 0; a < nagg; a++) {
			free(out[a]);
			out[a] = NULL;
			n[a] = 0;
		}
		return r;
	}
	return 0;
}

/* sum[0..*nsum) and p[0..np) merged by time, values at one time added:
 * the result in *sum (both arrays taken). */
static void add_points(struct cd_point **sum, size_t *nsum, struct cd_point *p, size_t np)
{
	if (!*sum) {
		*sum = p;
		*nsum = np;
		return;
	}
	struct cd_point *a0 = *sum, *merged = cd_malloc((*nsum + np + 1) * sizeof(*merged));
	size_t a = 0, b = 0, k = 0;
	while (a < *nsum || b < np) {
		if (b == np || (a < *nsum && a0[a].t < p[b].t))
			merged[k++] = a0[a++];
		else if (a == *nsum || p[b].t < a0[a].t)
			merged[k++] = p[b++];
		else {
			merged[k++] = (struct cd_point){ a0[a].t, a0[a].v + p[b].v };
			a++;
			b++;
		}
	}
	free(a0);
	free(p);
	*sum = merged;
	*nsum = k;
}

int cd_mquery(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
	      const char *name, int64_t begin, int64_t end, int64_t step, enum cd_agg agg,
	      struct cd_point **out, size_t *n)
{
	return cd_mquery_budget(st, m, kind, name, begin, end, step, agg, NULL, out, n);
}

int cd_mquery_budget(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
		     const char *name, int64_t begin, int64_t end, int64_t step, enum cd_agg agg,
		     int64_t *budget, struct cd_point **out, size_t *n)
{
	return cd_mquery_aggs(st, m, kind, name, begin, end, step, &agg, 1, budget, out, n);
}

int cd_mquery_aggs(struct cd_mstore *st, const struct cd_metric *m, const char *kind,
		   const char *name, int64_t begin, int64_t end, int64_t step, const enum cd_agg *aggs,
		   size_t nagg, int64_t *budget, struct cd_point **out, size_t *n)
{
	for (size_t a = 0; a < nagg; a++) {
		out[a] = NULL;
		n[a] = 0;
	}
	if (step <= 0 || end < begin || nagg == 0 || nagg > CD_MQUERY_MAX_AGGS)
		return -EINVAL;
	int64_t from = cd_step_start(begin, step);
	if ((end - from) / step >= CD_MQUERY_MAX_POINTS)
		return -E2BIG;
	int tier = pick_tier(step);
	struct cd_series_info s[MAX_SERIES], per[MAX_SERIES];
	size_t ns = cd_mstore_object(st, kind, name, m->raw, s, MAX_SERIES), nper = 0;
	if (m->per)
		nper = cd_mstore_object(st, kind, name, m->per, per, MAX_SERIES);
	if (m->how == CD_HOW_PER_OP && nper < ns)
		ns = nper;             /* a latency needs both counters */
	for (size_t i = 0; i < ns; i++) {
		struct cd_point *p[CD_MQUERY_MAX_AGGS];
		size_t np[CD_MQUERY_MAX_AGGS];
		const struct cd_series_info *ps = m->how == CD_HOW_PER_OP ? &per[i]
						  : (m->how == CD_HOW_PER_CPU || m->how == CD_HOW_PER_GAUGE) && nper
						  ? &per[0] : NULL;
		int r = one(st, m, &s[i], ps, tier, from, end, step, aggs, nagg, budget, p, np);
		if (r) {
			for (size_t a = 0; a < nagg; a++) {
				free(out[a]);
				out[a] = NULL;
				n[a] = 0;
			}
			return r;
		}
		/* several series of the object: their values added, step by step */
		for (size_t a = 0; a < nagg; a++)
			add_points(&out[a], &n[a], p[a], np[a]);
	}
	return 0;
}
