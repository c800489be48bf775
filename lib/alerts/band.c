/* band.c - learned thresholds (band.h): a band by hour of week from an
 * object's history, the learned symptoms' check and detail, and the cache
 * of bands the manager refreshes a few at a time. */
#include "alerts/band.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "metrics/stats.h"

#define MAD_SCALE 1.4826           /* MAD to a normal law's standard deviation */
#define FLOOR_OF_CENTRE 0.02       /* a spread is at least 2% of |centre| */
#define DAY_MS 86400000LL

int cd_band_hour(int64_t t)
{
	/* 1970-01-01 was a Thursday: Monday 00:00 UTC was 72 hours before */
	int64_t h = (t >= 0 ? t / 3600000 : (t - 3599999) / 3600000) + 72;
	h %= CD_BAND_HOURS;
	return (int)(h < 0 ? h + CD_BAND_HOURS : h);
}

void cd_band_hour_name(int hour, char out[32])
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	if (hour < 0 || hour >= CD_BAND_HOURS) {
		snprintf(out, 32, "?");
		return;
	}
	snprintf(out, 32, "%s %02d:00-%02d:00 UTC", days[hour / 24], hour % 24, hour % 24 + 1);
}

double cd_band_epsilon(const char *unit)
{
	/* what no one would call a change of that unit: half a point of a
	 * ratio (0.5% CPU), a MiB, a kB a second, half an operation a second,
	 * half a millisecond */
	static const struct {
		const char *unit;
		double eps;
	} e[] = {
		{ "ratio", 0.005 }, { "bytes", 1048576 }, { "bytes_per_second", 1024 },
		{ "ops_per_second", 0.5 }, { "seconds", 0.0005 },
	};
	for (size_t i = 0; unit && i < CD_ARRAY_LEN(e); i++)
		if (!strcmp(unit, e[i].unit))
			return e[i].eps;
	return 1e-6;
}

/* ---- learning ---- */

/* The finite values of p[0..n) by hour of week: at[off[h] .. off[h] +
 * cnt[h]) in out (of n values at most). */
static void by_hour(const struct cd_point *p, size_t n, double *out, size_t cnt[CD_BAND_HOURS],
		    size_t off[CD_BAND_HOURS])
{
	size_t fill[CD_BAND_HOURS] = { 0 };
	memset(cnt, 0, CD_BAND_HOURS * sizeof(*cnt));
	for (size_t i = 0; i < n; i++)
		if (isfinite(p[i].v))
			cnt[cd_band_hour(p[i].t)]++;
	size_t at = 0;
	for (int h = 0; h < CD_BAND_HOURS; h++) {
		off[h] = at;
		at += cnt[h];
	}
	for (size_t i = 0; i < n; i++)
		if (isfinite(p[i].v)) {
			int h = cd_band_hour(p[i].t);
			out[off[h] + fill[h]++] = p[i].v;
		}
}

/* Median and floored spread of each hour's values. */
static void robust(const struct cd_point *p, size_t n, double *tmp, float med[CD_BAND_HOURS],
		   float spread[CD_BAND_HOURS], size_t cnt[CD_BAND_HOURS])
{
	size_t off[CD_BAND_HOURS];
	by_hour(p, n, tmp, cnt, off);
	for (int h = 0; h < CD_BAND_HOURS; h++) {
		double m, mad;
		if (!cnt[h] || !cd_median_mad(tmp + off[h], cnt[h], &m, &mad)) {
			med[h] = NAN;
			spread[h] = NAN;
			continue;
		}
		med[h] = (float)m;
		spread[h] = (float)(MAD_SCALE * mad);
	}
}

void cd_band_learn(struct cd_band *b, const struct cd_point *avg, size_t navg,
		   const struct cd_point *min, size_t nmin, const struct cd_point *max, size_t nmax,
		   int64_t now, double eps)
{
	memset(b, 0, sizeof(*b));
	b->learned = now;
	const struct cd_point *firsts[] = { navg ? avg : NULL, nmin ? min : NULL, nmax ? max : NULL };
	for (int i = 0; i < 3; i++)
		if (firsts[i] && (!b->first || firsts[i][0].t < b->first))
			b->first = firsts[i][0].t;
	size_t most = navg > nmin ? navg : nmin;
	most = most > nmax ? most : nmax;
	double *tmp = cd_malloc((most ? most : 1) * sizeof(*tmp));
	size_t cnt[CD_BAND_HOURS], cmin[CD_BAND_HOURS], cmax[CD_BAND_HOURS];
	float unused[CD_BAND_HOURS];
	robust(avg, navg, tmp, b->centre, unused, cnt);
	robust(min, nmin, tmp, b->lo, b->lo_spread, cmin);
	robust(max, nmax, tmp, b->hi, b->hi_spread, cmax);
	free(tmp);
	for (int h = 0; h < CD_BAND_HOURS; h++) {
		size_t k = cnt[h];
		if (!k || !cmin[h] || !cmax[h]) {   /* no step of that hour, or not of each kind */
			b->n[h] = 0;
			continue;
		}
		b->n[h] = (uint8_t)(k > 255 ? 255 : k);
		double floor = fabs((double)b->centre[h]) * FLOOR_OF_CENTRE;
		floor = floor > eps ? floor : eps;
		if (!(b->lo_spread[h] >= floor))
			b->lo_spread[h] = (float)floor;
		if (!(b->hi_spread[h] >= floor))
			b->hi_spread[h] = (float)floor;
	}
}

double cd_band_days(const struct cd_band *b)
{
	return b->first ? (double)(b->learned - b->first) / (double)DAY_MS : 0;
}

bool cd_band_ready(const struct cd_band *b)
{
	return b->first && b->learned - b->first >= CD_BAND_MIN_DAYS * DAY_MS;
}

bool cd_band_get(const struct cd_band *b, int64_t t, double sigmas, struct cd_band_at *out)
{
	int h = cd_band_hour(t);
	out->hour = h;
	out->values = b->n[h];
	if (!cd_band_ready(b) || b->n[h] < CD_BAND_MIN_VALUES)
		return false;
	out->centre = b->centre[h];
	out->upper = (double)b->hi[h] + sigmas * b->hi_spread[h];
	out->lower = (double)b->lo[h] - sigmas * b->lo_spread[h];
	if (out->lower < 0)
		out->lower = 0;
	return true;
}

bool cd_band_symptom(const struct cd_band *b, bool above, double sigmas, const double *v,
		     int64_t now, json_t *d)
{
	struct cd_band_at a;
	if (!d)                            /* the truth only: the cycle's common case */
		return b && v && cd_band_get(b, now, sigmas, &a) && (above ? *v > a.upper : *v < a.lower);
	json_object_set_new(d, "sigmas", json_real(sigmas));
	json_object_set_new(d, "value", v ? json_real(*v) : json_null());
	if (!b) {
		json_object_set_new(d, "why", json_string("learning: its history is being read"));
		return false;
	}
	if (!cd_band_ready(b)) {
		json_object_set_new(d, "why", json_sprintf("learning (%d days of %d)", (int)cd_band_days(b),
							   CD_BAND_MIN_DAYS));
		return false;
	}
	char hour[32];
	bool ok = cd_band_get(b, now, sigmas, &a);
	cd_band_hour_name(a.hour, hour);
	if (!ok) {
		json_object_set_new(d, "why", json_sprintf("no band for %s: %d steps of 5 minutes seen at "
							   "that hour, %d needed", hour, a.values,
							   CD_BAND_MIN_VALUES));
		return false;
	}
	json_object_set_new(d, "band", json_pack("{s:f, s:f, s:f, s:i, s:s, s:i, s:f, s:I}",
		"lower", a.lower, "centre", a.centre, "upper", a.upper, "hour_of_week", a.hour,
		"hour", hour, "values", a.values, "days", cd_band_days(b), "learned", (json_int_t)b->learned));
	json_object_set_new(d, "threshold", json_real(above ? a.upper : a.lower));
	if (!v) {
		json_object_set_new(d, "why", json_string("no value this cycle"));
		return false;
	}
	bool hi = *v > a.upper, lo = *v < a.lower;
	json_object_set_new(d, "why", json_sprintf("%.4g is %s the band %.4g to %.4g (centre %.4g) of %s",
		*v, hi ? "above" : lo ? "below" : "within", a.lower, a.upper, a.centre, hour));
	return above ? hi : lo;
}

/* ---- the cache ---- */

struct entry {
	char *key;                 /* KIND \x1f NAME \x1f METRIC */
	struct cd_band *band;      /* NULL: not read yet */
	int64_t asked;             /* the last cycle that asked for it, epoch ms */
};

struct cd_bands {
	struct entry *v;
	size_t n, cap;
	struct cd_map map;         /* key -> index in v (names match ignoring case) */
	uint64_t learned;
};

void cd_band_keys_free(struct cd_band_key *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].kind);
		free(k[i].name);
		free(k[i].metric);
	}
	free(k);
}

struct cd_bands *cd_bands_new(void)
{
	struct cd_bands *c = cd_calloc(1, sizeof(*c));
	cd_map_init(&c->map);
	return c;
}

void cd_bands_free(struct cd_bands *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].band);
	}
	free(c->v);
	cd_map_free(&c->map);
	free(c);
}

static bool find(const struct cd_bands *c, const char *kind, const char *name, const char *metric,
		 size_t *i, char **key)
{
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s\x1f%s\x1f%s", kind, name, metric);
	if (len >= 0 && (size_t)len < sizeof(buf) && !key)
		return cd_map_get(&c->map, buf, i);
	char *k = cd_asprintf("%s\x1f%s\x1f%s", kind, name, metric);
	bool r = cd_map_get(&c->map, k, i);
	if (key)
		*key = k;
	else
		free(k);
	return r;
}

const struct cd_band *cd_bands_get(struct cd_bands *c, const char *kind, const char *name,
				   const char *metric, int64_t now)
{
	size_t i;
	if (find(c, kind, name, metric, &i, NULL)) {
		c->v[i].asked = now;
		return c->v[i].band;
	}
	char *key;
	find(c, kind, name, metric, &i, &key);
	cd_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n] = (struct entry){ key, NULL, now };
	cd_map_put(&c->map, key, c->n++, NULL);
	return NULL;
}

const struct cd_band *cd_bands_peek(const struct cd_bands *c, const char *kind, const char *name,
				    const char *metric)
{
	size_t i;
	return find(c, kind, name, metric, &i, NULL) ? c->v[i].band : NULL;
}

/* Entries not asked for in CD_BAND_FORGET_MS dropped. */
static void forget(struct cd_bands *c, int64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (now - c->v[i].asked < CD_BAND_FORGET_MS) {
			c->v[k++] = c->v[i];
			continue;
		}
		free(c->v[i].key);
		free(c->v[i].band);
	}
	if (k == c->n)
		return;
	c->n = k;
	cd_map_free(&c->map);
	cd_map_init(&c->map);
	for (size_t i = 0; i < c->n; i++)
		cd_map_put(&c->map, c->v[i].key, i, NULL);
}

static bool due(const struct entry *e, int pass, int64_t now)
{
	if (pass == 0)
		return !e->band;
	if (!e->band)
		return false;
	bool ready = cd_band_ready(e->band);
	return pass == 1 ? !ready && now - e->band->learned >= CD_BAND_RELEARN_YOUNG_MS
			 : ready && now - e->band->learned >= CD_BAND_RELEARN_MS;
}

size_t cd_bands_due(struct cd_bands *c, int64_t now, size_t max, struct cd_band_key **out)
{
	forget(c, now);
	*out = NULL;
	size_t n = 0, cap = 0;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < c->n && n < max; i++) {
			if (!due(&c->v[i], pass, now))
				continue;
			const char *k = c->v[i].key, *a = strchr(k, '\x1f'), *b = strchr(a + 1, '\x1f');
			cd_grow(out, &cap, n + 1, sizeof(**out));
			(*out)[n++] = (struct cd_band_key){ cd_strndup(k, (size_t)(a - k)),
							    cd_strndup(a + 1, (size_t)(b - a - 1)),
							    cd_strdup(b + 1) };
		}
	return n;
}

void cd_bands_put(struct cd_bands *c, const struct cd_band_key *k, const struct cd_band *b)
{
	size_t i;
	if (!find(c, k->kind, k->name, k->metric, &i, NULL))
		return;
	if (!c->v[i].band)
		c->v[i].band = cd_malloc(sizeof(*b));
	*c->v[i].band = *b;
	c->learned++;
}

void cd_bands_count(const struct cd_bands *c, struct cd_bands_count *out)
{
	memset(out, 0, sizeof(*out));
	out->learned = c->learned;
	for (size_t i = 0; i < c->n; i++) {
		const struct cd_band *b = c->v[i].band;
		if (!b)
			out->unread++;
		else if (cd_band_ready(b))
			out->ready++;
		else
			out->learning++;
	}
}
