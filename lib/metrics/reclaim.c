/* reclaim.c - idle VMs and VMs powered off (see reclaim.h). */
#include "metrics/reclaim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "metrics/catalog.h"
#include "metrics/mquery.h"
#include "metrics/rightsize.h"

#define DAY_MS INT64_C(86400000)
#define HOUR_MS INT64_C(3600000)

const struct cd_rc_policy cd_rc_default = {
	.idle_ms = 7 * DAY_MS, .off_ms = 7 * DAY_MS, .idle_cpu = 0.05, .idle_net = 1000,
	.coverage = 0.9, .step_ms = 300000, .lookback_ms = 180 * DAY_MS,
};

static double max_of(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && !(v[i] <= m))
			m = v[i];
	return m;
}

void cd_rc_judge_idle(const struct cd_rc_policy *pol, const double *cpu, size_t nc,
		      const double *net, size_t nn, size_t steps, struct cd_rc_idle *out)
{
	*out = (struct cd_rc_idle){ .steps = steps, .points = nc, .max_cpu = max_of(cpu, nc),
				    .max_net = max_of(net, nn) };
	out->idle = nc > 0 && (double)nc >= pol->coverage * (double)steps &&
		    out->max_cpu < pol->idle_cpu && !(out->max_net >= pol->idle_net);
}

void cd_rc_judge_off(const struct cd_rc_policy *pol, int64_t now, const struct cd_rc_hour *h,
		     size_t n, struct cd_rc_off *out)
{
	*out = (struct cd_rc_off){ .first = INT64_MIN, .last_running = INT64_MIN,
				   .since = INT64_MIN };
	if (!n)
		return;
	out->first = h[0].t;
	for (size_t i = 0; i < n; i++)
		if (h[i].ran && h[i].t + HOUR_MS > out->last_running)
			out->last_running = h[i].t + HOUR_MS < now ? h[i].t + HOUR_MS : now;
	out->since = out->last_running != INT64_MIN ? out->last_running : out->first;
	out->off = out->since <= now - pol->off_ms;
}

/* m of VM name over [begin, end] at step by agg (the caller frees). */
static int points(struct cd_mstore *st, const struct cd_metric *m, const char *name,
		  int64_t begin, int64_t end, int64_t step, enum cd_agg agg, struct cd_point **p,
		  size_t *n)
{
	return cd_mquery(st, m, "vm", name, begin, end, step, agg, p, n);
}

/* The hours of [now - lookback, now] with samples, and whether it ran in
 * each: from its power state (the lowest of the hour, 1 to 4) and its
 * CPU samples (a source without power states).  *h freed by the caller. */
static int hours(struct cd_mstore *st, const struct cd_rc_policy *pol, const char *name,
		 int64_t now, struct cd_rc_hour **h, size_t *n)
{
	struct cd_point *s = NULL, *c = NULL;
	size_t ns = 0, nc = 0;
	int64_t begin = now - pol->lookback_ms;
	int r = points(st, cd_catalog_find("vm_power_state"), name, begin, now, HOUR_MS, CD_AGG_MIN,
		       &s, &ns);
	if (!r)
		r = points(st, &cd_rs_vcpus_used, name, begin, now, HOUR_MS, CD_AGG_COUNT, &c, &nc);
	*h = cd_malloc((ns + nc + 1) * sizeof(**h));
	*n = 0;
	for (size_t i = 0, j = 0; !r && (i < ns || j < nc);) {
		if (j == nc || (i < ns && s[i].t < c[j].t)) {
			(*h)[(*n)++] = (struct cd_rc_hour){ s[i].t, s[i].v >= 1 && s[i].v <= 4 };
			i++;
		} else if (i == ns || c[j].t < s[i].t) {
			(*h)[(*n)++] = (struct cd_rc_hour){ c[j].t, c[j].v > 0 };
			j++;
		} else {
			(*h)[(*n)++] = (struct cd_rc_hour){ s[i].t, (s[i].v >= 1 && s[i].v <= 4) || c[j].v > 0 };
			i++;
			j++;
		}
	}
	free(s);
	free(c);
	return r;
}

/* The window's CPU (vCPUs used) and network (rx + tx) at each step. */
static int activity(struct cd_mstore *st, const struct cd_rc_policy *pol, const char *name,
		    int64_t now, double **cpu, size_t *nc, double **net, size_t *nn)
{
	struct cd_point *p = NULL, *rx = NULL, *tx = NULL;
	size_t np = 0, nrx = 0, ntx = 0;
	int64_t begin = now - pol->idle_ms;
	*cpu = *net = NULL;
	*nc = *nn = 0;
	int r = points(st, &cd_rs_vcpus_used, name, begin, now, pol->step_ms, CD_AGG_AVG, &p, &np);
	if (!r)
		r = points(st, cd_catalog_find("vm_net_rx_bytes_per_second"), name, begin, now,
			   pol->step_ms, CD_AGG_AVG, &rx, &nrx);
	if (!r)
		r = points(st, cd_catalog_find("vm_net_tx_bytes_per_second"), name, begin, now,
			   pol->step_ms, CD_AGG_AVG, &tx, &ntx);
	if (!r) {
		*cpu = cd_malloc((np + 1) * sizeof(**cpu));
		for (size_t i = 0; i < np; i++)
			(*cpu)[i] = p[i].v;
		*nc = np;
		/* rx and tx added step by step */
		*net = cd_malloc((nrx + ntx + 1) * sizeof(**net));
		for (size_t i = 0, j = 0; i < nrx || j < ntx;) {
			if (j == ntx || (i < nrx && rx[i].t < tx[j].t))
				(*net)[(*nn)++] = rx[i++].v;
			else if (i == nrx || tx[j].t < rx[i].t)
				(*net)[(*nn)++] = tx[j++].v;
			else
				(*net)[(*nn)++] = rx[i++].v + tx[j++].v;
		}
	}
	free(p);
	free(rx);
	free(tx);
	return r;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *when(int64_t t)
{
	return t == INT64_MIN ? json_null() : json_integer(t);
}

/* The newest power state of VM name: its code (NaN: none). */
static double state_of(struct cd_mstore *st, const char *name)
{
	return cd_vm_newest(st, name, "vm_power_state");
}

/* A finding's head: the VM, and what reclaiming it would give back. */
static json_t *head(struct cd_mstore *st, const struct cd_vm_ref *v)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:I}", "name", v->name,
			      "vcpus", num(cd_vm_newest(st, v->name, "vm_vcpus")),
			      "memory_bytes", num(cd_vm_newest(st, v->name, "vm_memory_bytes")),
			      "last_sample", (json_int_t)v->last);
	if (*v->host)
		json_object_set_new(o, "host", json_string(v->host));
	if (*v->source)
		json_object_set_new(o, "source", json_string(v->source));
	return o;
}

int cd_reclaim_json(struct cd_mstore *st, int64_t now, const struct cd_rc_policy *pol,
		    json_t **out)
{
	*out = NULL;
	struct cd_vm_ref *v;
	size_t n = cd_vm_refs(st, now - pol->lookback_ms, &v);
	json_t *idle = json_array(), *off = json_array();
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		struct cd_rc_hour *h;
		size_t nh;
		r = hours(st, pol, v[i].name, now, &h, &nh);
		struct cd_rc_off o;
		cd_rc_judge_off(pol, now, h, nh, &o);
		free(h);
		if (r)
			break;
		if (o.off) {
			double s = state_of(st, v[i].name);
			json_t *f = head(st, &v[i]);
			json_object_set_new(f, "since", when(o.since));
			json_object_set_new(f, "since_at_least", json_boolean(o.last_running == INT64_MIN));
			json_object_set_new(f, "last_running", when(o.last_running));
			json_object_set_new(f, "state", num(s));
			json_object_set_new(f, "silent", json_boolean(v[i].last < now - pol->off_ms));
			json_object_set_new(f, "evidence", json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}",
				"metric", "vm_power_state", "also", "vm_cpu_usage_ratio",
				"figure", "no hour since 'begin' has a power state of 1 to 4 (running, "
					  "blocked, paused, shutting down) nor a CPU sample",
				"step_seconds", (json_int_t)(HOUR_MS / 1000),
				"begin", (json_int_t)(now - pol->off_ms), "end", (json_int_t)now,
				"first", when(o.first), "last_running", when(o.last_running)));
			json_array_append_new(off, f);
			continue;
		}
		double *cpu, *net;
		size_t nc, nn;
		r = activity(st, pol, v[i].name, now, &cpu, &nc, &net, &nn);
		if (r)
			break;
		struct cd_rc_idle d;
		cd_rc_judge_idle(pol, cpu, nc, net, nn, (size_t)(pol->idle_ms / pol->step_ms), &d);
		free(cpu);
		free(net);
		if (!d.idle)
			continue;
		json_t *f = head(st, &v[i]);
		json_t *e = json_pack("{s:[sss], s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:f, s:f}",
			"metrics", "vm_cpu_usage_ratio", "vm_net_rx_bytes_per_second",
			"vm_net_tx_bytes_per_second", "rollup", "avg",
			"step_seconds", (json_int_t)(pol->step_ms / 1000),
			"begin", (json_int_t)(now - pol->idle_ms), "end", (json_int_t)now,
			"steps", (json_int_t)d.steps, "points", (json_int_t)d.points,
			"max_cpu_vcpus", num(d.max_cpu), "max_net_bytes_per_second", num(d.max_net),
			"cpu_below_vcpus", pol->idle_cpu, "net_below_bytes_per_second", pol->idle_net);
		if (!nn)
			json_object_set_new(e, "note", json_string("no network series: its network "
								   "counts as silent"));
		json_object_set_new(f, "evidence", e);
		json_array_append_new(idle, f);
	}
	cd_vm_refs_free(v, n);
	if (r) {
		json_decref(idle);
		json_decref(off);
		return r;
	}
	*out = json_pack("{s:I, s:{s:I, s:I, s:f, s:f, s:f, s:I, s:I}, s:o, s:o}",
			 "now", (json_int_t)now, "policy",
			 "idle_days", (json_int_t)(pol->idle_ms / DAY_MS),
			 "off_days", (json_int_t)(pol->off_ms / DAY_MS),
			 "idle_cpu_vcpus", pol->idle_cpu, "idle_net_bytes_per_second", pol->idle_net,
			 "coverage", pol->coverage, "step_seconds", (json_int_t)(pol->step_ms / 1000),
			 "lookback_days", (json_int_t)(pol->lookback_ms / DAY_MS),
			 "idle", idle, "powered_off", off);
	return 0;
}
