/* bands.c - the learned thresholds' bands (alerts/band.h) read from the
 * metrics store: one object's band learned now (the alert cycles' cache,
 * GET /api/v1/metrics/band), and the cache refreshed a few bands at a time
 * at each tick of the alerts, the store read without the manager's lock.
 *
 * One band is three reads of 28 days at the 5-minute step (the average,
 * the minima, the maxima: 8,064 points each at most), answered from the
 * store's 5-minute tier and, for the days not yet rolled up, its raw
 * samples.  The cycles only look bands up (a map), so their cost does not
 * grow with the history. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/band.h"
#include "base/util.h"
#include "manager/mgr_priv.h"
#include "metrics/catalog.h"
#include "metrics/mquery.h"

#define LEARN_MAX 256              /* bands learned at one tick, at most */
#define LEARN_BUDGET_US 100000     /* ... and for 100 ms at most */

int cd_mgr_band_learn(struct cd_mstore *st, const char *kind, const char *name,
		      const char *metric, int64_t now, struct cd_band *out)
{
	const struct cd_metric *m = cd_catalog_find(metric);
	if (!st || !m)
		return -EINVAL;
	/* whole steps, the last one the step now in progress */
	int64_t end = now - now % CD_BAND_STEP_MS + CD_BAND_STEP_MS - 1;
	int64_t begin = end + 1 - CD_BAND_WINDOW_MS;
	static const enum cd_agg aggs[3] = { CD_AGG_AVG, CD_AGG_MIN, CD_AGG_MAX };
	struct cd_point *p[3] = { NULL };
	size_t n[3] = { 0 };
	/* the three from one reading of the series */
	int r = cd_mquery_aggs(st, m, kind, name, begin, end, CD_BAND_STEP_MS, aggs, 3, NULL, p, n);
	if (!r)
		cd_band_learn(out, p[0], n[0], p[1], n[1], p[2], n[2], now, cd_band_epsilon(m->unit));
	for (int i = 0; i < 3; i++)
		free(p[i]);
	return r;
}

void cd_mgr_bands_learn(struct cd_mgr *m, struct cd_bands *c)
{
	struct cd_mstore *st = cd_mgr_metrics(m);
	int64_t t0 = cd_mgr_now();
	struct cd_band_key *k;
	size_t n = st ? cd_bands_due(c, t0 / 1000, LEARN_MAX, &k) : 0;
	if (!n)
		return;
	struct cd_band *b = cd_malloc(n * sizeof(*b));
	bool *ok = cd_calloc(n, sizeof(*ok));
	/* the store has a lock of its own: agents' samples and requests go on
	 * meanwhile; the cache is only changed below, under the lock again */
	cd_mgr_unlock(m);
	for (size_t i = 0; i < n && cd_mgr_now() - t0 < LEARN_BUDGET_US; i++)
		ok[i] = cd_mgr_band_learn(st, k[i].kind, k[i].name, k[i].metric, cd_mgr_now() / 1000,
					  &b[i]) == 0;
	cd_mgr_lock(m);
	for (size_t i = 0; i < n; i++)
		if (ok[i])
			cd_bands_put(c, &k[i], &b[i]);
	free(ok);
	free(b);
	cd_band_keys_free(k, n);
}
