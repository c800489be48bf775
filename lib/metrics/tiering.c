/* tiering.c - the metrics store's coarser tiers: each series' sealed
 * days rolled up into 5-minute and 1-hour points, one record per tier and
 * day, and each tier's retention (see mstore.h). */
#include "metrics/mstore_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/rollrec.h"

#define HOUR_MS INT64_C(3600000)

const int64_t cd_tier_step_ms[CD_TIERS] = { 0, 300000, 3600000 };

/* Roll up one day of a series (its samples are all sealed): 0 or -EIO. */
static int roll_day(struct cd_mstore *st, struct series *s, int64_t day)
{
	struct cd_sample *v, prev;
	size_t n;
	int r = cd_mstore_samples_locked(st, s, day, day + DAY_MS - 1, &v, &n, &prev);
	if (r || !n) {
		free(r ? NULL : v);
		return r;
	}
	for (int tier = CD_TIER_5M; !r && tier < CD_TIERS; tier++) {
		size_t max = (size_t)(DAY_MS / cd_tier_step_ms[tier]);
		struct cd_rollup *p = cd_malloc(max * sizeof(*p));
		size_t k = s->counter
			? cd_rollup_counter(v, n, prev.t == INT64_MIN ? NULL : &prev,
					    cd_tier_step_ms[tier], p, max)
			: cd_rollup_gauge(v, n, cd_tier_step_ms[tier], p, max);
		uint8_t *rec;
		size_t len;
		if (k && !cd_rollrec_encode(p, k, s->counter, &rec, &len)) {
			struct cd_chunk_row row = { .series = s->id, .tier = tier, .t0 = day,
						    .t1 = p[k - 1].t, .n = (uint32_t)k,
						    .data = rec, .len = len };
			r = cd_chunkdb_put(st->db, &row);
			free(rec);
		}
		free(p);
	}
	free(v);
	return r;
}

/* Roll up the series' days that are sealed: those before its head's
 * (all samples after it are in the head), or, with no head, those that
 * ended an hour ago. */
static int roll_series(struct cd_mstore *st, struct series *s, int64_t now)
{
	if (s->last_t == INT64_MIN)
		return 0;
	int64_t limit = s->head && s->head->n ? cd_step_start(s->head_t0, DAY_MS)
					      : cd_step_start(now - HOUR_MS, DAY_MS);
	int64_t day = s->rolled;
	if (day >= limit)
		return 0;
	int r = cd_chunkdb_begin(st->db);
	while (!r && day < limit) {
		int64_t t0;
		r = cd_chunkdb_first_from(st->db, s->id, CD_TIER_RAW, day, &t0);
		if (r == -ENOENT) {            /* nothing sealed from day on */
			r = 0;
			day = limit;
			break;
		}
		if (!r && cd_step_start(t0, DAY_MS) > day)
			day = cd_step_start(t0, DAY_MS);    /* skip the days without samples */
		if (day > limit)
			day = limit;
		if (!r && day < limit) {
			r = roll_day(st, s, day);
			day += DAY_MS;
		}
	}
	if (!r)
		r = cd_chunkdb_series_rolled(st->db, s->id, day);
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (r) {
		cd_chunkdb_rollback(st->db);
		return r;
	}
	s->rolled = day;
	return 0;
}

static int drop(struct cd_mstore *st, int64_t now)
{
	int r = cd_chunkdb_begin(st->db);
	int64_t *keep = NULL;
	size_t nkeep = 0, cap = 0;
	for (size_t i = 0; i < st->n; i++)
		if ((size_t)st->s[i].retention != st->nret - 1)
			CD_PUSH(keep, nkeep, cap, st->s[i].id);
	for (int tier = 0; !r && tier < CD_TIERS; tier++) {
		uint64_t n = 0;
		const int64_t *k = st->ret[st->nret - 1].keep_ms;
		r = cd_chunkdb_drop(st->db, -1, tier, now - k[tier], keep, nkeep, &n);
		st->dropped[tier] += n;
		for (size_t i = 0; !r && i < nkeep; i++) {
			struct series *s = cd_mstore_get(st, keep[i]);
			r = cd_chunkdb_drop(st->db, s->id, tier,
					    now - st->ret[s->retention].keep_ms[tier], NULL, 0, &n);
			st->dropped[tier] += n;
		}
	}
	free(keep);
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (r)
		cd_chunkdb_rollback(st->db);
	return r;
}

int cd_mstore_maintain(struct cd_mstore *st, int64_t now)
{
	int r = cd_mstore_commit(st);
	/* a series at a time, so that appends and reads go on meanwhile */
	for (size_t i = 0; !r; i++) {
		pthread_mutex_lock(&st->mu);
		if (i >= st->n) {
			pthread_mutex_unlock(&st->mu);
			break;
		}
		r = roll_series(st, &st->s[i], now);
		pthread_mutex_unlock(&st->mu);
	}
	if (!r) {
		pthread_mutex_lock(&st->mu);
		r = drop(st, now);
		pthread_mutex_unlock(&st->mu);
	}
	if (r)
		cd_logf(st->log, "metrics: rollups and retention: %s", cd_chunkdb_error(st->db));
	return r;
}

/* "7d" and the like: s, m, h, d, w or y (365 days). */
static int duration(const char *s, size_t len, int64_t *ms)
{
	static const struct { char c; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', HOUR_MS }, { 'd', DAY_MS },
		{ 'w', 7 * DAY_MS }, { 'y', 365 * DAY_MS },
	};
	if (len < 2 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	int64_t v = 0;
	size_t i = 0;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 100000)
			return -EINVAL;
	}
	if (i != len - 1)
		return -EINVAL;
	for (size_t u = 0; u < CD_ARRAY_LEN(units); u++)
		if (units[u].c == s[i]) {
			*ms = v * units[u].ms;
			return v > 0 ? 0 : -EINVAL;
		}
	return -EINVAL;
}

int cd_retention_parse(const char *s, struct cd_retention *r, char *err, size_t errlen)
{
	static const char *const tiers[CD_TIERS] = { "raw", "5m", "1h" };
	const char *colon = strchr(s, ':');
	const char *p = s;
	if (colon) {
		if (colon == s) {
			snprintf(err, errlen, "retention \"%s\": no metric before ':'", s);
			return -EINVAL;
		}
		r->pattern = cd_strndup(s, (size_t)(colon - s));
		p = colon + 1;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		int tier = -1;
		for (int t = 0; eq && t < CD_TIERS; t++)
			if ((size_t)(eq - p) == strlen(tiers[t]) && !strncmp(p, tiers[t], strlen(tiers[t])))
				tier = t;
		int64_t ms;
		if (tier < 0 || duration(eq + 1, len - (size_t)(eq + 1 - p), &ms)) {
			snprintf(err, errlen, "retention \"%.*s\": expected raw=, 5m= or 1h= and a "
				 "duration such as 7d (s, m, h, d, w or y)", (int)len, p);
			if (colon) {
				free((char *)r->pattern);
				r->pattern = NULL;
			}
			return -EINVAL;
		}
		r->keep_ms[tier] = ms;
		p += len;
		if (!*p++)
			break;
	}
	return 0;
}
