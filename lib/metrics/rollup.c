/* rollup.c - samples summed up over steps (see rollup.h). */
#include "metrics/rollup.h"

#include <math.h>
#include <string.h>

int64_t cd_step_start(int64_t t, int64_t step_ms)
{
	int64_t q = t / step_ms;
	if (t % step_ms < 0)       /* before the epoch: round down, not to zero */
		q--;
	return q * step_ms;
}

/* The rollup of step start in out[0..*n), appended when it is new. */
static struct cd_rollup *at(struct cd_rollup *out, size_t *n, size_t max, int64_t start)
{
	if (*n && out[*n - 1].t == start)
		return &out[*n - 1];
	if (*n == max)
		return NULL;
	struct cd_rollup *r = &out[(*n)++];
	memset(r, 0, sizeof(*r));
	r->t = start;
	return r;
}

size_t cd_rollup_gauge(const struct cd_sample *s, size_t n, int64_t step_ms,
		       struct cd_rollup *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct cd_rollup *r = at(out, &k, max, cd_step_start(s[i].t, step_ms));
		if (!r)
			break;
		if (!r->count || s[i].v < r->min)
			r->min = s[i].v;
		if (!r->count || s[i].v > r->max)
			r->max = s[i].v;
		r->sum += s[i].v;
		r->last = s[i].v;
		r->count++;
	}
	return k;
}

size_t cd_rollup_counter(const struct cd_sample *s, size_t n, const struct cd_sample *prev,
			 int64_t step_ms, struct cd_rollup *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct cd_rollup *r = at(out, &k, max, cd_step_start(s[i].t, step_ms));
		if (!r)
			break;
		const struct cd_sample *p = i ? &s[i - 1] : prev;
		if (p && s[i].t > p->t) {
			double inc = s[i].v >= p->v ? s[i].v - p->v : s[i].v;   /* reset */
			int64_t dt = s[i].t - p->t;
			double rate = inc / ((double)dt / 1000);
			if (!r->covered_ms || rate < r->rate_min)
				r->rate_min = rate;
			if (!r->covered_ms || rate > r->rate_max)
				r->rate_max = rate;
			r->increase += inc;
			r->covered_ms += dt;
		}
		if (!r->count || s[i].v < r->min)
			r->min = s[i].v;
		if (!r->count || s[i].v > r->max)
			r->max = s[i].v;
		r->last = s[i].v;
		r->count++;
	}
	return k;
}

void cd_rollup_merge(struct cd_rollup *into, const struct cd_rollup *r)
{
	if (!r->count)
		return;
	if (!into->count) {
		int64_t t = into->t;
		*into = *r;
		into->t = t;
		return;
	}
	if (r->min < into->min)
		into->min = r->min;
	if (r->max > into->max)
		into->max = r->max;
	into->sum += r->sum;
	into->count += r->count;
	into->last = r->last;      /* r is the later part */
	if (r->covered_ms) {
		if (!into->covered_ms || r->rate_min < into->rate_min)
			into->rate_min = r->rate_min;
		if (!into->covered_ms || r->rate_max > into->rate_max)
			into->rate_max = r->rate_max;
		into->increase += r->increase;
		into->covered_ms += r->covered_ms;
	}
}

double cd_rollup_rate(const struct cd_rollup *r)
{
	return r->covered_ms > 0 ? r->increase / ((double)r->covered_ms / 1000) : NAN;
}
