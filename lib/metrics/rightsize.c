/* rightsize.c - oversized and undersized VMs (see rightsize.h). */
#include "metrics/rightsize.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "metrics/catalog.h"
#include "metrics/mquery.h"
#include "metrics/stats.h"

#define MIB 1048576.0

const struct cd_rs_policy cd_rs_default = {
	.percentile = 95, .cpu_target = 0.7, .mem_target = 0.8, .high = 0.9,
	.mem_round = 256 * MIB, .min_ms = 7 * INT64_C(86400000), .step_ms = 300000,
};

/* The vCPUs a VM used: its CPU time's rate (vm_cpu_usage_ratio x vm_vcpus,
 * without the division and the product) */
const struct cd_metric cd_rs_vcpus_used = {
	"vm_cpu_vcpus_used", "vm", "vcpus", CD_HOW_RATE, "vm_cpu_seconds_total", NULL,
	"vCPUs used: vm_cpu_usage_ratio x vm_vcpus",
};

const char *cd_rs_status_name(enum cd_rs_status s)
{
	static const char *const n[] = { "ok", "oversized", "undersized", "not_enough_data",
					 "not_assessed" };
	return s <= CD_RS_UNASSESSED ? n[s] : "?";
}

/* ceil, forgiving the last bits of a quotient (1.4 / 0.7 is 2, not 3) */
static double up(double x)
{
	return ceil(x - 1e-9);
}

void cd_rs_judge(const struct cd_rs_policy *pol, double *used, size_t n, double have,
		 bool memory, struct cd_rs_dim *out)
{
	*out = (struct cd_rs_dim){ .status = CD_RS_UNASSESSED, .have = have, .pct = NAN,
				   .max = NAN, .recommended = NAN };
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(used[i]))
			used[k++] = used[i];
	out->points = k;
	if (!k) {
		out->why = memory ? "its guest gives no memory figure (vm_memory_guest_used_bytes: no "
				    "balloon driver statistics); the host's resident set is not the "
				    "guest's use, so memory is not assessed"
				  : "no CPU samples in the range (not running)";
		return;
	}
	double hi = used[0];
	for (size_t i = 1; i < k; i++)
		hi = used[i] > hi ? used[i] : hi;
	out->max = hi;
	cd_percentile(used, k, pol->percentile, &out->pct);
	if (!(have > 0)) {
		out->why = memory ? "the memory it is given is unknown (no vm_memory_bytes)"
				  : "its vCPUs are unknown (no vm_vcpus)";
		return;
	}
	if ((int64_t)k * pol->step_ms < pol->min_ms) {
		out->status = CD_RS_FEW;
		out->why = "fewer 5-minute points in the range than the days needed to judge";
		return;
	}
	double p = out->pct > 0 ? out->pct : 0;
	if (memory) {
		out->recommended = up(p / pol->mem_target / pol->mem_round) * pol->mem_round;
		if (out->recommended < pol->mem_round)
			out->recommended = pol->mem_round;
	} else {
		out->recommended = up(p / pol->cpu_target);
		if (out->recommended < 1)
			out->recommended = 1;
	}
	out->status = out->recommended < have ? CD_RS_OVERSIZED
		    : p > pol->high * have ? CD_RS_UNDERSIZED : CD_RS_OK;
}

double cd_vm_newest(struct cd_mstore *st, const char *name, const char *metric)
{
	struct cd_series_info s[8];
	size_t n = cd_mstore_object(st, "vm", name, metric, s, 8);
	double v = NAN;
	int64_t t = INT64_MIN;
	for (size_t i = 0; i < n; i++)
		if (s[i].last_t != INT64_MIN && s[i].last_t > t) {
			t = s[i].last_t;
			v = s[i].last_v;
		}
	return v;
}

/* m of VM name over [begin, end] at the step, as values (the caller frees). */
static int values(struct cd_mstore *st, const struct cd_metric *m, const char *name, int64_t begin,
		  int64_t end, int64_t step, double **v, size_t *n)
{
	struct cd_point *p;
	int r = cd_mquery(st, m, "vm", name, begin, end, step, CD_AGG_AVG, &p, n);
	if (r)
		return r;
	*v = cd_malloc((*n ? *n : 1) * sizeof(**v));
	for (size_t i = 0; i < *n; i++)
		(*v)[i] = p[i].v;
	free(p);
	return 0;
}

int cd_rightsize_vm(struct cd_mstore *st, const char *name, int64_t end, int64_t range_ms,
		    const struct cd_rs_policy *pol, struct cd_rs_vm *out)
{
	out->begin = end - range_ms;
	out->end = end;
	double *v;
	size_t n;
	int r = values(st, &cd_rs_vcpus_used, name, out->begin, end, pol->step_ms, &v, &n);
	if (r)
		return r;
	cd_rs_judge(pol, v, n, cd_vm_newest(st, name, "vm_vcpus"), false, &out->cpu);
	free(v);
	r = values(st, cd_catalog_find("vm_memory_guest_used_bytes"), name, out->begin, end,
		   pol->step_ms, &v, &n);
	if (r)
		return r;
	cd_rs_judge(pol, v, n, cd_vm_newest(st, name, "vm_memory_bytes"), true, &out->mem);
	free(v);
	return 0;
}

/* ---- every VM, as JSON ---- */

struct vms {
	int64_t since;
	struct cd_vm_ref *v;
	size_t n, cap;
	struct cd_map at;          /* name (any case) -> index */
};

static void vm_of(void *arg, const struct cd_series_info *s)
{
	struct vms *o = arg;
	if (strcmp(s->kind, "vm") || s->last_t == INT64_MIN || s->last_t < o->since)
		return;
	size_t i;
	if (cd_map_get(&o->at, s->name, &i)) {
		if (!*o->v[i].host && *s->host) {
			free(o->v[i].host);
			o->v[i].host = cd_strdup(s->host);
		}
		if (s->last_t > o->v[i].last)
			o->v[i].last = s->last_t;
		return;
	}
	struct cd_vm_ref r = { cd_strdup(s->name), cd_strdup(s->host), cd_strdup(s->source),
			       s->last_t };
	cd_map_put(&o->at, r.name, o->n, NULL);
	CD_PUSH(o->v, o->n, o->cap, r);
}

size_t cd_vm_refs(struct cd_mstore *st, int64_t since, struct cd_vm_ref **v)
{
	struct vms o = { .since = since };
	cd_map_init(&o.at);
	cd_mstore_each(st, vm_of, &o);
	cd_map_free(&o.at);
	*v = o.v;
	return o.n;
}

void cd_vm_refs_free(struct cd_vm_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].host);
		free(v[i].source);
	}
	free(v);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *dim_json(const struct cd_rs_dim *d, const struct cd_rs_vm *vm,
			const struct cd_rs_policy *pol, bool memory)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:I}", "status", cd_rs_status_name(d->status),
			      memory ? "bytes" : "vcpus", num(d->have),
			      memory ? "p95_bytes" : "p95_vcpus", num(d->pct),
			      memory ? "max_bytes" : "max_vcpus", num(d->max),
			      memory ? "recommended_bytes" : "recommended_vcpus", num(d->recommended),
			      "points", (json_int_t)d->points);
	if (d->why)
		json_object_set_new(o, "why", json_string(d->why));
	json_object_set_new(o, "evidence", json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:s}",
		"metric", memory ? "vm_memory_guest_used_bytes" : "vm_cpu_usage_ratio",
		"figure", memory ? "the guest's memory in use, the mean of each step"
				 : "vCPUs used: vm_cpu_usage_ratio x vm_vcpus, the mean of each step",
		"rollup", "avg", "step_seconds", (json_int_t)(pol->step_ms / 1000),
		"begin", (json_int_t)vm->begin, "end", (json_int_t)vm->end,
		"percentile", pol->percentile,
		"against", memory ? "vm_memory_bytes, its newest" : "vm_vcpus, its newest"));
	return o;
}

/* The VM's verdict: undersized before oversized before ok. */
static enum cd_rs_status verdict(const struct cd_rs_vm *v)
{
	enum cd_rs_status a = v->cpu.status, b = v->mem.status;
	if (a == CD_RS_UNDERSIZED || b == CD_RS_UNDERSIZED)
		return CD_RS_UNDERSIZED;
	if (a == CD_RS_OVERSIZED || b == CD_RS_OVERSIZED)
		return CD_RS_OVERSIZED;
	if (a == CD_RS_OK || b == CD_RS_OK)
		return CD_RS_OK;
	return a == CD_RS_FEW || b == CD_RS_FEW ? CD_RS_FEW : CD_RS_UNASSESSED;
}

static int rank(const char *s)
{
	static const char *const order[] = { "undersized", "oversized", "ok", "not_enough_data" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, order[i]))
			return i;
	return 4;
}

static int by_verdict(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int d = rank(json_string_value(json_object_get(x, "verdict"))) -
		rank(json_string_value(json_object_get(y, "verdict")));
	return d ? d : strcmp(json_string_value(json_object_get(x, "name")),
			      json_string_value(json_object_get(y, "name")));
}

int cd_rightsize_json(struct cd_mstore *st, int64_t end, int64_t range_ms,
		      const struct cd_rs_policy *pol, json_t **out)
{
	*out = NULL;
	struct cd_vm_ref *vm;
	size_t nvm = cd_vm_refs(st, end - range_ms, &vm);
	json_t **rows = cd_malloc((nvm ? nvm : 1) * sizeof(*rows));
	size_t nr = 0;
	int r = 0;
	for (size_t i = 0; i < nvm && !r; i++) {
		struct cd_rs_vm v;
		r = cd_rightsize_vm(st, vm[i].name, end, range_ms, pol, &v);
		if (r)
			break;
		json_t *row = json_pack("{s:s, s:s, s:o, s:o}", "name", vm[i].name, "verdict",
					cd_rs_status_name(verdict(&v)), "cpu", dim_json(&v.cpu, &v, pol, false),
					"memory", dim_json(&v.mem, &v, pol, true));
		if (*vm[i].host)
			json_object_set_new(row, "host", json_string(vm[i].host));
		if (*vm[i].source)
			json_object_set_new(row, "source", json_string(vm[i].source));
		rows[nr++] = row;
	}
	if (nr)
		qsort(rows, nr, sizeof(*rows), by_verdict);
	json_t *a = json_array();
	for (size_t i = 0; i < nr; i++)
		json_array_append_new(a, rows[i]);
	free(rows);
	cd_vm_refs_free(vm, nvm);
	if (r) {
		json_decref(a);
		return r;
	}
	*out = json_pack("{s:I, s:I, s:{s:f, s:f, s:f, s:f, s:f, s:I, s:I}, s:o}",
			 "begin", (json_int_t)(end - range_ms), "end", (json_int_t)end,
			 "policy", "percentile", pol->percentile, "cpu_target", pol->cpu_target,
			 "memory_target", pol->mem_target, "high", pol->high,
			 "memory_round_bytes", pol->mem_round, "min_days",
			 (json_int_t)(pol->min_ms / 86400000), "step_seconds",
			 (json_int_t)(pol->step_ms / 1000), "vms", a);
	return 0;
}
