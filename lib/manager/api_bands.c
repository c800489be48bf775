/* api_bands.c - GET /api/v1/metrics/band: the band of normal values the
 * learned thresholds use for an object's metric (alerts/band.h), at a step
 * over a range, for a chart to draw behind the metric.  The alert cycles'
 * own band when they have one (learned in the last hour), else one
 * learned now from the store, read without the server's lock. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/band.h"
#include "base/util.h"
#include "manager/api_priv.h"
#include "metrics/catalog.h"

#define BAND_MAX_POINTS 10000
#define BAND_DEFAULT_RANGE_MS (24 * 3600000LL)

/* sigmas=S: 0.5 to 20, default 3 */
static bool sigmas_of(struct ctx *c, double *s)
{
	const char *q = cd_api_q(c, "sigmas");
	*s = CD_BAND_SIGMAS;
	if (!q)
		return true;
	char *e;
	*s = strtod(q, &e);
	if (e == q || *e || !isfinite(*s) || *s < 0.5 || *s > 20) {
		cd_api_error(c, 400, "sigmas", "'sigmas' must be a number from 0.5 to 20");
		return false;
	}
	return true;
}

void cd_api_h_metrics_band(struct ctx *c)
{
	struct cd_mstore *st = cd_mgr_metrics(c->m);
	if (!st) {
		cd_api_error(c, 503, NULL, "this manager keeps no metrics");
		return;
	}
	const char *kind = cd_api_q(c, "kind"), *name = cd_api_q(c, "name"), *mn = cd_api_q(c, "metric");
	if (!kind || (strcmp(kind, "vm") && strcmp(kind, "host") && strcmp(kind, "datastore"))) {
		cd_api_error(c, 400, "kind", "'kind' must be vm, host or datastore");
		return;
	}
	if (!name || !*name || strlen(name) > 256) {
		cd_api_error(c, 400, "name", "'name' is the object's name (1 to 256 bytes)");
		return;
	}
	const struct cd_metric *m = mn ? cd_catalog_find(mn) : NULL;
	if (!m || strcmp(m->kind, kind) || !strcmp(m->unit, "state")) {
		cd_api_error(c, 400, "metric", "'metric' must be a metric of a %s in the catalog (GET "
			     "/api/v1/metrics/catalog), an amount (not a state's code)", kind);
		return;
	}
	int64_t now = cd_mgr_now() / 1000, end = now, begin = 0, step = 3600;
	double sigmas;
	if (!cd_api_q_time(c, "end", &end) || !cd_api_q_time(c, "begin", &begin) ||
	    !cd_api_q_int(c, "step_seconds", 60, 86400, &step) || !sigmas_of(c, &sigmas))
		return;
	if (!cd_api_q(c, "begin"))
		begin = end - BAND_DEFAULT_RANGE_MS;
	if (begin < 0 || end < begin) {
		cd_api_error(c, 400, "begin", "'begin' must be before 'end'");
		return;
	}
	int64_t sms = step * 1000, first = (begin + sms - 1) / sms * sms;
	if (end >= first && (end - first) / sms + 1 > BAND_MAX_POINTS) {
		cd_api_error(c, 400, "step_seconds", "this asks for more than %d points: take a longer step",
			     BAND_MAX_POINTS);
		return;
	}
	struct cd_band *b = cd_malloc(sizeof(*b));
	bool cached = cd_mgr_alert_band(c->m, kind, name, m->name, b);
	if (!cached) {
		cd_api_leave(c);
		int r = cd_mgr_band_learn(st, kind, name, m->name, now, b);
		if (!cd_api_enter(c)) {    /* answered: its credential is gone */
			free(b);
			return;
		}
		if (r) {
			free(b);
			if (r == -ENOTCONN) {
				cd_api_error(c, 503, NULL, "the database cannot be reached; ask again later");
				c->out->retry_after = 5;
			} else {
				cd_api_error(c, 500, NULL, "the metrics store cannot be read");
			}
			return;
		}
	}
	bool ready = cd_band_ready(b);
	json_t *pts = json_array();
	for (int64_t t = first; ready && t <= end; t += sms) {
		struct cd_band_at a;
		if (cd_band_get(b, t, sigmas, &a))
			json_array_append_new(pts, json_pack("[I, f, f, f]", (json_int_t)t, a.lower, a.centre,
							     a.upper));
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:f, s:i, s:b, s:I, s:I, s:o}",
		"kind", kind, "name", name, "metric", m->name, "unit", m->unit, "sigmas", sigmas,
		"state", ready ? "ready" : "learning", "days", cd_band_days(b), "min_days", CD_BAND_MIN_DAYS,
		"from_alerts", cached, "learned", (json_int_t)b->learned, "step_seconds", (json_int_t)step,
		"points", pts);
	free(b);
	cd_api_reply(c, 200, o);
}
