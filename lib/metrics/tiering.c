/* tiering.c - the metrics store's coarser tiers: each series' sealed
 * days rolled up into 5-minute and 1-hour points, one record per tier and
 * day, and each tier's retention (see mstore.h).  A group's day makes one
 * record a tier: its steps as rows, and a series' five fields (a gauge's
 * count, min, max, sum and last; a counter's count, increase, time
 * covered, lowest and highest rate) as columns. */
#include "metrics/mstore_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS INT64_C(3600000)
/* a manager that has not made a checkpoint for so long is gone (they
 * make one every five minutes) */
#define ORPHAN_MS (15 * 60 * INT64_C(1000))

const int64_t cd_tier_step_ms[CD_TIERS] = { 0, 300000, 3600000 };

static double field(const struct cd_rollup *p, bool counter, int f)
{
	static const size_t gauge[NFIELDS] = { 0, offsetof(struct cd_rollup, min),
		offsetof(struct cd_rollup, max), offsetof(struct cd_rollup, sum),
		offsetof(struct cd_rollup, last) };
	static const size_t ctr[NFIELDS] = { 0, offsetof(struct cd_rollup, increase), 0,
		offsetof(struct cd_rollup, rate_min), offsetof(struct cd_rollup, rate_max) };
	if (f == 0)
		return p->count;
	if (counter && f == 2)
		return (double)p->covered_ms;
	double v;
	memcpy(&v, (const char *)p + (counter ? ctr : gauge)[f], sizeof(v));
	return v;
}

/* Roll up one day of a group's series (all its samples are sealed) into
 * a record a tier: the steps as rows, five columns a series (its id
 * times 8, plus the field).  0 or -EIO. */
static int roll_day(struct cd_mstore *st, struct group *g, const size_t *members, size_t nm,
		    int64_t day)
{
	size_t nslots = (size_t)(DAY_MS / cd_tier_step_ms[CD_TIER_5M]);
	struct cd_rollup **pts = cd_calloc(nm, sizeof(*pts));
	size_t *npts = cd_calloc(nm, sizeof(*npts));
	struct cd_sample **samples = cd_calloc(nm, sizeof(*samples)), *prev = cd_calloc(nm, sizeof(*prev));
	size_t *ns = cd_calloc(nm, sizeof(*ns));
	double *v = cd_malloc(nslots * nm * NFIELDS * sizeof(*v));
	uint8_t *has = cd_malloc(nslots * nm), *used = cd_malloc(nslots);
	int64_t *t = cd_malloc(nslots * sizeof(*t));
	struct cd_block_col *cols = cd_malloc(nm * NFIELDS * sizeof(*cols));
	int r = 0;
	for (size_t k = 0; !r && k < nm; k++)
		r = cd_mstore_samples_locked(st, &st->s[members[k]], day, day + DAY_MS - 1,
					     &samples[k], &ns[k], &prev[k]);
	for (int tier = CD_TIER_5M; !r && tier < CD_TIERS; tier++) {
		int64_t step = cd_tier_step_ms[tier];
		size_t slots = (size_t)(DAY_MS / step);
		memset(used, 0, slots);
		memset(has, 0, slots * nm);
		for (size_t k = 0; k < nm; k++) {
			struct series *s = &st->s[members[k]];
			free(pts[k]);
			pts[k] = cd_malloc(slots * sizeof(**pts));
			npts[k] = s->counter
				? cd_rollup_counter(samples[k], ns[k],
						    prev[k].t == INT64_MIN ? NULL : &prev[k], step,
						    pts[k], slots)
				: cd_rollup_gauge(samples[k], ns[k], step, pts[k], slots);
			for (size_t i = 0; i < npts[k]; i++) {
				size_t slot = (size_t)((pts[k][i].t - day) / step);
				used[slot] = 1;
				has[slot * nm + k] = 1;
				for (int f = 0; f < NFIELDS; f++)
					v[(slot * nm + k) * NFIELDS + f] = field(&pts[k][i], s->counter, f);
			}
		}
		/* the slots used, packed as rows */
		size_t rows = 0;
		uint32_t values = 0;
		for (size_t slot = 0; slot < slots; slot++) {
			if (!used[slot])
				continue;
			t[rows] = day + (int64_t)slot * step;
			memmove(&has[rows * nm], &has[slot * nm], nm);
			memmove(&v[rows * nm * NFIELDS], &v[slot * nm * NFIELDS],
				nm * NFIELDS * sizeof(*v));
			rows++;
		}
		if (!rows)
			continue;
		/* a column a series' field, with its own flags */
		size_t nc = 0;
		uint8_t *flags = cd_malloc(rows * nm * NFIELDS);
		double *vals = cd_malloc(rows * nm * NFIELDS * sizeof(*vals));
		for (size_t k = 0; k < nm; k++) {
			if (!npts[k])
				continue;
			values += (uint32_t)npts[k];
			for (int f = 0; f < NFIELDS; f++, nc++) {
				for (size_t i = 0; i < rows; i++) {
					flags[nc * rows + i] = has[i * nm + k];
					vals[nc * rows + i] = v[(i * nm + k) * NFIELDS + (size_t)f];
				}
				cols[nc] = (struct cd_block_col){
					.id = ((uint64_t)st->s[members[k]].id << 3) + (uint64_t)f,
					.v = &vals[nc * rows], .present = &flags[nc * rows],
				};
			}
		}
		struct cd_buf b;
		cd_buf_init(&b, CD_BLOCK_BYTES_MAX);
		r = cd_block_encode(&b, t, rows, cols, nc);
		if (!r) {
			struct cd_chunk_row row = { .group = g->id, .tier = tier, .t0 = day,
						    .t1 = t[rows - 1], .n = values, .data = b.data,
						    .len = b.len };
			r = cd_chunkdb_put(st->db, &row);
		}
		cd_buf_free(&b);
		free(flags);
		free(vals);
	}
	for (size_t k = 0; k < nm; k++) {
		free(pts[k]);
		free(samples[k]);
	}
	free(pts);
	free(npts);
	free(samples);
	free(prev);
	free(ns);
	free(v);
	free(has);
	free(used);
	free(t);
	free(cols);
	return r;
}

/* Roll up the group's days that are sealed: those before its head's
 * (a head holds one day, and all samples after it are in the head), or,
 * with no head, those that ended an hour ago.  Shared: nor a day another
 * writer holds in a head or written ahead, and from where the group's
 * rollups are as stored (another manager may have made them). */
static int roll_group(struct cd_mstore *st, size_t gi, int64_t now)
{
	struct group *g = &st->g[gi];
	int64_t limit = g->nrows ? g->day : cd_step_start(now - HOUR_MS, DAY_MS);
	if (g->gone || g->rolled >= limit)
		return 0;
	int r = cd_chunkdb_begin(st->db);
	int64_t at;
	if (!r && st->shared && !(r = cd_chunkdb_group_rolled_get(st->db, g->id, &at)) &&
	    at > g->rolled)
		g->rolled = at;
	if (!r && st->shared && !(r = cd_chunkdb_others_t0(st->db, g->id, &at)) &&
	    cd_step_start(at, DAY_MS) < limit)
		limit = cd_step_start(at, DAY_MS);
	if (r == -ENOENT)
		r = 0;
	int64_t day = g->rolled;
	if (r || day >= limit) {
		cd_chunkdb_rollback(st->db);
		return r;
	}
	const size_t *members = g->mem;
	size_t nm = g->nmem;
	while (!r && day < limit) {
		int64_t t0;
		r = cd_chunkdb_first_from(st->db, g->id, CD_TIER_RAW, day, &t0);
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
			r = roll_day(st, g, members, nm, day);
			day += DAY_MS;
		}
	}
	if (!r)
		r = cd_chunkdb_group_rolled(st->db, g->id, day);
	if (!r)
		r = cd_chunkdb_commit(st->db);
	if (r) {
		cd_chunkdb_rollback(st->db);
		return r;
	}
	g->rolled = day;
	return 0;
}

static int drop(struct cd_mstore *st, int64_t now)
{
	int r = cd_chunkdb_begin(st->db);
	int64_t *keep = NULL;
	size_t nkeep = 0, cap = 0;
	for (size_t i = 0; i < st->ng; i++)
		if ((size_t)st->g[i].retention != st->nret - 1 && !st->g[i].gone)
			CD_PUSH(keep, nkeep, cap, st->g[i].id);
	for (int tier = 0; !r && tier < CD_TIERS; tier++) {
		uint64_t n = 0;
		const int64_t *k = st->ret[st->nret - 1].keep_ms;
		r = cd_chunkdb_drop(st->db, -1, tier, now - k[tier], keep, nkeep, &n);
		st->dropped[tier] += n;
		for (size_t i = 0; !r && i < nkeep; i++) {
			struct group *g = cd_mstore_group(st, keep[i]);
			r = cd_chunkdb_drop(st->db, g->id, tier,
					    now - st->ret[g->retention].keep_ms[tier], NULL, 0, &n);
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
	/* heads of days over (whose group gets no more samples) sealed, and
	 * shared, a manager gone taken over */
	pthread_mutex_lock(&st->mu);
	for (size_t i = 0; i < st->ng; i++)
		if (st->g[i].nrows && st->g[i].day + DAY_MS <= now - HOUR_MS)
			cd_mstore_seal(st, &st->g[i]);
	int r = 0;
	for (int k = 0; st->shared && k < 16 && (r = cd_mstore_adopt_locked(st, ORPHAN_MS)) == 1; k++)
		r = 0;
	pthread_mutex_unlock(&st->mu);
	/* from a checkpoint: what is rolled up is never made again at open */
	/* the database's message is read under the lock, where it was made
	 * (another thread's call may replace it as soon as the lock goes) */
	char why[512] = "";
	if (!r && (r = cd_mstore_checkpoint(st)) != 0) {
		pthread_mutex_lock(&st->mu);
		snprintf(why, sizeof(why), "%s", cd_chunkdb_error(st->db));
		pthread_mutex_unlock(&st->mu);
	}
	/* a group at a time, so that appends and reads go on meanwhile */
	for (size_t i = 0; !r; i++) {
		pthread_mutex_lock(&st->mu);
		if (i >= st->ng) {
			pthread_mutex_unlock(&st->mu);
			break;
		}
		if ((r = roll_group(st, i, now)) != 0)
			snprintf(why, sizeof(why), "%s", cd_chunkdb_error(st->db));
		pthread_mutex_unlock(&st->mu);
	}
	if (!r) {
		pthread_mutex_lock(&st->mu);
		r = drop(st, now);
		/* the groups that now hold nothing */
		if (!r)
			r = cd_mstore_remove_idle_locked(st, now);
		if (r)
			snprintf(why, sizeof(why), "%s", cd_chunkdb_error(st->db));
		pthread_mutex_unlock(&st->mu);
	}
	if (r)
		cd_logf(st->log, "metrics: rollups and retention: %s", why[0] ? why : strerror(-r));
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
