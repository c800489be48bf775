/* band.h - learned thresholds: the band of an object's metric that is
 * normal for it at each hour of the week, learned from its own history,
 * and the cache of bands the manager keeps for the alert cycles.
 *
 * The history is the metric at the store's 5-minute step over the last
 * 28 days (CD_BAND_WINDOW_MS), each 5-minute step read three ways: its
 * average, and the lowest and highest value of a collection interval
 * inside it (the store's min and max rollups, kept in its 5-minute tier
 * long after the raw samples).  Each step goes to the bucket of its hour
 * of the week, in UTC (168 buckets, 0 = Monday 00:00-01:00 UTC).  In a
 * bucket, robustly (a median and the median absolute deviation, MAD):
 *  - centre = the median of the steps' averages;
 *  - upper  = the median of the steps' maxima + sigmas x spread of the maxima;
 *  - lower  = the median of the steps' minima - sigmas x spread of the
 *    minima, and not below 0 (every metric of the catalog is 0 or more);
 *  - a spread = 1.4826 x MAD (the standard deviation, were the values
 *    normal), and never less than 2% of |centre| nor than the unit's
 *    epsilon (cd_band_epsilon), so that a flat series does not alert on
 *    noise.
 * Maxima and minima, not averages, make the edges because an alert cycle
 * compares one collection interval's value: a 20-second value strays
 * further than 5-minute averages do, and a band of averages would be
 * broken by that alone.
 *
 * A band acts once its object's history is old enough: its first point
 * at least CD_BAND_MIN_DAYS (7) days before it was learned; before that
 * it is "learning (N days of 7)".  A bucket with fewer than
 * CD_BAND_MIN_VALUES (6) steps (the object was off at that hour) has no
 * band. */
#ifndef CD_BAND_H
#define CD_BAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/mquery.h"

#define CD_BAND_HOURS 168                       /* a week's hours */
#define CD_BAND_STEP_MS 300000LL                /* the store's 5-minute tier */
#define CD_BAND_WINDOW_MS (28 * 86400000LL)     /* the history read */
#define CD_BAND_MIN_DAYS 7
#define CD_BAND_MIN_VALUES 6                    /* steps in a bucket */
#define CD_BAND_SIGMAS 3.0                      /* when a symptom says none */
#define CD_BAND_RELEARN_MS 3600000LL            /* a band is learned again after */
#define CD_BAND_RELEARN_YOUNG_MS 600000LL       /* one still learning, after */
#define CD_BAND_FORGET_MS 3600000LL             /* not asked for: dropped after */

struct cd_band {
	int64_t learned;           /* when, epoch ms */
	int64_t first;             /* the history's first point, epoch ms; 0: none */
	/* by hour of week: the median of the averages, of the minima and of
	 * the maxima, the minima's and maxima's spreads (floored), the steps */
	float centre[CD_BAND_HOURS], lo[CD_BAND_HOURS], lo_spread[CD_BAND_HOURS];
	float hi[CD_BAND_HOURS], hi_spread[CD_BAND_HOURS];
	uint8_t n[CD_BAND_HOURS];
};

/* A band at one time, for some sigmas. */
struct cd_band_at {
	int hour;                  /* of the week, 0 = Monday 00:00 UTC */
	int values;                /* the bucket's steps */
	double lower, centre, upper;
};

/* The hour of the week of t (epoch ms), UTC: 0 = Monday 00:00-01:00. */
int cd_band_hour(int64_t t);
/* "Tue 14:00-15:00 UTC" */
void cd_band_hour_name(int hour, char out[32]);
/* The least spread of a unit of the catalog's ("ratio", "bytes", ...). */
double cd_band_epsilon(const char *unit);

/* Learn b at now from the history's 5-minute points: their averages,
 * minima and maxima (each in time order; a step missing in one is left
 * out of that one), eps the unit's least spread. */
void cd_band_learn(struct cd_band *b, const struct cd_point *avg, size_t navg,
		   const struct cd_point *min, size_t nmin, const struct cd_point *max, size_t nmax,
		   int64_t now, double eps);
/* Days of history when it was learned. */
double cd_band_days(const struct cd_band *b);
/* Whether it acts: CD_BAND_MIN_DAYS of history. */
bool cd_band_ready(const struct cd_band *b);
/* The band at t with sigmas: false when not ready or its bucket has too
 * few steps (out->hour and out->values say which). */
bool cd_band_get(const struct cd_band *b, int64_t t, double sigmas, struct cd_band_at *out);

/* A learned symptom at now: above (above_normal) or below the band of b
 * (NULL: its history not read yet) with sigmas, for the value *v (NULL:
 * none this cycle).  Whether it is true; its detail's fields into d:
 * "value", "threshold" (the edge it is compared to), "sigmas", "band"
 * {lower, centre, upper, hour_of_week, hour, values, days, learned} and
 * "why" ("learning (3 days of 7)", or what the value is to the band).
 * d NULL: whether it is true only. */
bool cd_band_symptom(const struct cd_band *b, bool above, double sigmas, const double *v,
		     int64_t now, json_t *d);

/* ---- the cache: a band per object and metric, learned a few at a time ---- */

struct cd_band_key {
	char *kind, *name, *metric;
};
void cd_band_keys_free(struct cd_band_key *k, size_t n);

struct cd_bands;
struct cd_bands *cd_bands_new(void);
void cd_bands_free(struct cd_bands *c);
/* The band of the object's metric for a cycle at now, marked asked for:
 * NULL while its history has not been read (it is due to be). */
const struct cd_band *cd_bands_get(struct cd_bands *c, const char *kind, const char *name,
				   const char *metric, int64_t now);
/* The same, not marked (NULL: none learned). */
const struct cd_band *cd_bands_peek(const struct cd_bands *c, const char *kind, const char *name,
				    const char *metric);
/* The bands to learn at now, max at most, the most needed first: never
 * read, then learning ones read CD_BAND_RELEARN_YOUNG_MS ago or more,
 * then ready ones read CD_BAND_RELEARN_MS ago or more.  Those not asked
 * for in CD_BAND_FORGET_MS are forgotten first.  Their keys into *out
 * (cd_band_keys_free): how many. */
size_t cd_bands_due(struct cd_bands *c, int64_t now, size_t max, struct cd_band_key **out);
/* A band learned for k (copied in; ignored when k was forgotten meanwhile). */
void cd_bands_put(struct cd_bands *c, const struct cd_band_key *k, const struct cd_band *b);

struct cd_bands_count {
	size_t unread, learning, ready;
	uint64_t learned;          /* bands learned since the cache was made */
};
void cd_bands_count(const struct cd_bands *c, struct cd_bands_count *out);

#endif
