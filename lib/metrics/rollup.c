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

void cd_roller_init(struct cd_roller *r, bool counter, bool rates, int64_t step_ms,
		    const struct cd_sample *prev, struct cd_rollup *out, size_t max)
{
	*r = (struct cd_roller){ .step_ms = step_ms, .counter = counter, .rates = rates,
				 .out = out, .max = max, .prev = { INT64_MIN, 0 } };
	if (counter && prev)
		r->prev = *prev;
}

size_t cd_roller_add(struct cd_roller *r, const struct cd_sample *s, size_t n)
{
	const int64_t step = r->step_ms;
	struct cd_rollup *o = r->n ? &r->out[r->n - 1] : NULL;
	struct cd_sample p = r->prev;
	size_t i = 0;
	for (; i < n; i++) {
		int64_t t = s[i].t;
		double v = s[i].v;
		/* the step of the last sample, most often: no division */
		if (!o || t < o->t || (uint64_t)t - (uint64_t)o->t >= (uint64_t)step) {
			int64_t start = cd_step_start(t, step);
			if (!o || o->t != start) {
				if (r->n == r->max)
					break;
				o = &r->out[r->n++];
				memset(o, 0, sizeof(*o));
				o->t = start;
			}
		}
		if (r->counter) {
			if (p.t != INT64_MIN && t > p.t) {
				double inc = v >= p.v ? v - p.v : v;   /* reset */
				int64_t dt = t - p.t;
				if (r->rates) {
					double rate = inc / ((double)dt / 1000);
					if (!o->covered_ms || rate < o->rate_min)
						o->rate_min = rate;
					if (!o->covered_ms || rate > o->rate_max)
						o->rate_max = rate;
				}
				o->increase += inc;
				o->covered_ms += dt;
			}
			p = s[i];
		} else {
			if (!o->count || v < o->min)
				o->min = v;
			if (!o->count || v > o->max)
				o->max = v;
			o->sum += v;
		}
		o->last = v;
		o->count++;
	}
	r->prev = p;
	return i;
}

size_t cd_rollup_gauge(const struct cd_sample *s, size_t n, int64_t step_ms,
		       struct cd_rollup *out, size_t max)
{
	struct cd_roller r;
	cd_roller_init(&r, false, false, step_ms, NULL, out, max);
	cd_roller_add(&r, s, n);
	return r.n;
}

size_t cd_rollup_counter(const struct cd_sample *s, size_t n, const struct cd_sample *prev,
			 int64_t step_ms, struct cd_rollup *out, size_t max)
{
	struct cd_roller r;
	cd_roller_init(&r, true, true, step_ms, prev, out, max);
	cd_roller_add(&r, s, n);
	return r.n;
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
