/* eventlog.c - the agents' events received, and the event log kept in
 * bounds: each agent's events at a rate (a token bucket in events and one
 * in bytes, the excess refused and counted), and the retention (age, then
 * size), applied by cd_mgr_tick.  Reads are paged by the API (before=ID). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "manager/mgr_priv.h"

#define DAY_S (24LL * 3600)

void cd_mgr_limits_fill(struct cd_mgr_limits *l)
{
	if (l->events_keep_s <= 0)
		l->events_keep_s = 90 * DAY_S;
	if (l->events_max_bytes <= 0)
		l->events_max_bytes = 1LL << 30;
	if (l->agent_events_per_s <= 0)
		l->agent_events_per_s = 50;
	if (l->agent_bytes_per_s <= 0)
		l->agent_bytes_per_s = 64 << 10;
	if (l->collect_s <= 0)
		l->collect_s = 20;
	if (l->series_per_host <= 0)
		l->series_per_host = 20000;
	if (l->flows_keep_days <= 0)
		l->flows_keep_days = 30;
	if (l->flow_totals_max <= 0)
		l->flow_totals_max = 20000;
	if (l->agent_flows_per_s <= 0)
		l->agent_flows_per_s = 2000;
	if (l->flows_max_bytes < 0)
		l->flows_max_bytes = 0;
}

#define BURST_S 30      /* the burst: this many seconds of the rate */

int64_t cd_mgr_rate_now(const struct cd_mgr *m)
{
	return m->rate_clock ? m->rate_clock(m->rate_clock_ctx) : cd_mgr_now();
}

int cd_mgr_agent_admit(struct cd_mgr *m, const struct cd_actor *a, size_t bytes, int *retry_s)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	const struct cd_mgr_limits *l = &m->limits;
	int64_t now = cd_mgr_rate_now(m);
	double wn = cd_bucket_wait(&ag->ev_count, l->agent_events_per_s,
				   l->agent_events_per_s * BURST_S, 1, now);
	double wb = cd_bucket_wait(&ag->ev_bytes, l->agent_bytes_per_s,
				   l->agent_bytes_per_s * BURST_S, (double)bytes, now);
	double w = wn > wb ? wn : wb;
	if (w > 0) {
		*retry_s = w > 3600 ? 3600 : (int)w + 1;
		return -EAGAIN;
	}
	cd_bucket_take(&ag->ev_count, 1);
	cd_bucket_take(&ag->ev_bytes, (double)bytes);
	return 0;
}

int cd_mgr_agent_flows_admit(struct cd_mgr *m, const struct cd_actor *a, size_t n, int *retry_s)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	double rate = m->limits.agent_flows_per_s;
	double w = cd_bucket_wait(&ag->flows, rate, rate * BURST_S, (double)n, cd_mgr_rate_now(m));
	if (w > 0) {
		*retry_s = w > 3600 ? 3600 : (int)w + 1;
		return -EAGAIN;
	}
	cd_bucket_take(&ag->flows, (double)n);
	return 0;
}

void cd_mgr_agent_refused(struct cd_mgr *m, const struct cd_actor *a, size_t n)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	ag->refused += (int64_t)n;
	int64_t now = cd_mgr_now();
	if (now - ag->refused_logged >= 60 * 1000000LL) {
		ag->refused_logged = now;
		cd_mgr_logf(m, "agent %s: over its rate (%.0f events, %.0f KiB a second): "
			    "%lld events refused so far, to be sent again", a->name,
			    m->limits.agent_events_per_s, m->limits.agent_bytes_per_s / 1024,
			    (long long)ag->refused);
	}
}

int cd_mgr_events_prune(struct cd_mgr *m)
{
	int64_t removed = 0, now = cd_mgr_now();
	int r = cd_store_event_prune(m->store, now - m->limits.events_keep_s * 1000000LL,
				     m->limits.events_max_bytes, &removed);
	if (r < 0)
		cd_mgr_logf(m, "event log: the retention failed: %s", cd_store_error(m->store));
	else if (removed > 0)
		cd_mgr_logf(m, "event log: %lld events removed (kept: %lld days, %lld MiB)",
			    (long long)removed, (long long)(m->limits.events_keep_s / DAY_S),
			    (long long)(m->limits.events_max_bytes >> 20));
	return r;
}

int cd_mgr_agent_events(struct cd_mgr *m, const struct cd_actor *a, const char *cred,
			json_t *evs, int64_t *acked, size_t *stored, size_t *taken, int *retry_s)
{
	/* one at a time: what an event sets off happens before it is
	 * stored, and an event stored before is not acted on again */
	int r = 0;
	size_t i;
	json_t *e;
	*acked = 0;
	*stored = *taken = 0;
	*retry_s = 0;
	json_array_foreach(evs, i, e) {
		int64_t seq = json_integer_value(json_object_get(e, "seq"));
		/* per credential: an agent enrolled again starts again at 1 */
		int known = cd_store_event_known(m->store, cred, seq);
		if (known < 0)
			return known;
		if (!known) {
			json_t *data = json_object_get(e, "data");
			char *dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
			const char *msg = json_string_value(json_object_get(e, "message"));
			/* over the agent's rate: the rest waits in its queue */
			if (cd_mgr_agent_admit(m, a, strlen(msg) + (dj ? strlen(dj) : 0) + 64,
					       retry_s) < 0) {
				free(dj);
				cd_mgr_agent_refused(m, a, json_array_size(evs) - i);
				return 0;
			}
			*retry_s = 0;
			/* what it sets off and its record, in one transaction:
			 * the changes it makes are savepoints of this one */
			r = cd_mgr_begin_n(m, 0);
			if (r == 0)
				r = cd_mgr_agent_event(m, a, e);
			int64_t t;
			cd_time_parse(json_string_value(json_object_get(e, "time")), &t);
			struct cd_event ev = {
				.time = t, .type = json_string_value(json_object_get(e, "type")),
				.workload = json_string_value(json_object_get(e, "workload")),
				.host = a->host, .message = msg, .data = dj, .received = cd_mgr_now(),
			};
			if (r == 0)
				r = cd_store_event_add_once(m->store, &ev, cred, seq);
			m->pulse++;
			free(dj);
			r = cd_mgr_finish(m, r);
			if (r == 0)
				(*stored)++;
			else if (r != -EEXIST)      /* -EEXIST: stored meanwhile */
				return r;
		}
		if (seq > *acked)
			*acked = seq;
		(*taken)++;
	}
	return 0;
}
