/* forecast.c - days until a datastore is full (see forecast.h). */
#include "metrics/forecast.h"

#include <math.h>
#include <stdlib.h>

#include "metrics/catalog.h"

bool cd_days_left(const struct cd_point *p, size_t n, double capacity, int64_t now, double *days)
{
	if (n < 3 || !(capacity > 0))
		return false;
	/* times in days from the first point: a line used = a + b t */
	double st = 0, sv = 0, stt = 0, stv = 0;
	for (size_t i = 0; i < n; i++) {
		double t = (double)(p[i].t - p[0].t) / 86400000.0;
		st += t;
		sv += p[i].v;
		stt += t * t;
		stv += t * p[i].v;
	}
	double dn = (double)n, den = dn * stt - st * st;
	if (!(den > 0))
		return false;
	double b = (dn * stv - st * sv) / den, a = (sv - b * st) / dn;
	if (!(b > 0))
		return false;          /* not filling: never full */
	double tnow = (double)(now - p[0].t) / 86400000.0, used = a + b * tnow;
	double d = (capacity - used) / b;
	*days = d > 0 ? d : 0;
	return isfinite(*days);
}

int cd_days_left_of(struct cd_mstore *st, const char *name, int64_t now, int64_t window_ms,
		    double *days)
{
	const struct cd_metric *used = cd_catalog_find("datastore_used_bytes"),
			       *cap = cd_catalog_find("datastore_capacity_bytes");
	struct cd_point *p = NULL, *c = NULL;
	size_t n = 0, nc = 0;
	int64_t step = window_ms / 100 > 1000 ? window_ms / 100 / 1000 * 1000 : 1000;
	int r = cd_mquery(st, used, "datastore", name, now - window_ms, now, step, CD_AGG_AVG, &p, &n);
	if (!r)                /* its newest capacity, in the last step */
		r = cd_mquery(st, cap, "datastore", name, now - window_ms, now, window_ms,
			      CD_AGG_LATEST, &c, &nc);
	int found = !r && nc && cd_days_left(p, n, c[nc - 1].v, now, days);
	free(p);
	free(c);
	return r < 0 ? r : found;
}
