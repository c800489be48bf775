/* test_rightsize.c - right-sizing and reclamation (metrics/rightsize.h,
 * metrics/reclaim.h): the judging alone (the percentile by nearest rank,
 * the recommended sizes and their rounding, too few points, no guest
 * figure), then over a real store of 10 days of 5-minute samples: an
 * 8-vCPU VM that never uses more than 1 is oversized and recommended 2,
 * a busy one undersized, one without the guest's memory gets no memory
 * finding; an idle VM and one powered off for 4 days are listed, the
 * others not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/reclaim.h"
#include "metrics/rightsize.h"
#include "test.h"

#define MIB 1048576.0
#define GIB (1024 * MIB)
#define DAY INT64_C(86400000)
#define STEP INT64_C(300000)

TEST(rightsize_judge)
{
	struct cd_rs_policy pol = cd_rs_default;
	struct cd_rs_dim d;
	/* 8 vCPUs, 7 days of steps between 0.1 and 1 vCPU: 2 recommended */
	size_t n = 7 * 288;
	double *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = 0.1 + 0.9 * (double)(i % 100) / 99;
	cd_rs_judge(&pol, v, n, 8, false, &d);
	ASSERT_EQ(d.status, CD_RS_OVERSIZED);
	ASSERT_EQ(d.recommended, 2);
	ASSERT(fabs(d.max - 1.0) < 1e-12 && d.pct > 0.9 && d.pct <= 1.0);
	ASSERT_EQ(d.points, n);
	/* the nearest rank: of 1..100 (and NaNs left out), the 95th is 95 */
	double w[110];
	for (int i = 0; i < 110; i++)
		w[i] = i < 100 ? 100 - i : NAN;
	pol.min_ms = 0;
	cd_rs_judge(&pol, w, 110, 200, false, &d);
	ASSERT(d.pct == 95 && d.points == 100);
	ASSERT_EQ(d.recommended, 136);           /* ceil(95 / 0.7) */
	/* 1.4 vCPUs at 0.7 is 2 exactly, not 3 */
	double x[3] = { 1.4, 1.4, 1.4 };
	cd_rs_judge(&pol, x, 3, 4, false, &d);
	ASSERT_EQ(d.recommended, 2);
	/* busy: 2 vCPUs at 1.95 is above 90%: undersized, 3 */
	double y[3] = { 1.95, 1.9, 1.97 };
	cd_rs_judge(&pol, y, 3, 2, false, &d);
	ASSERT_EQ(d.status, CD_RS_UNDERSIZED);
	ASSERT_EQ(d.recommended, 3);
	/* within: 4 vCPUs at 2.5 (2.5 / 0.7 = 3.6: 4) */
	double z[2] = { 2.5, 2.5 };
	cd_rs_judge(&pol, z, 2, 4, false, &d);
	ASSERT_EQ(d.status, CD_RS_OK);
	/* idle: never below 1 */
	double q[2] = { 0, 0.01 };
	cd_rs_judge(&pol, q, 2, 4, false, &d);
	ASSERT(d.status == CD_RS_OVERSIZED && d.recommended == 1);
	/* memory: 3 GiB used of 16 -> 3 / 0.8 = 3.75 GiB, a multiple of 256 MiB */
	double m[2] = { 3 * GIB, 3 * GIB };
	cd_rs_judge(&pol, m, 2, 16 * GIB, true, &d);
	ASSERT(d.status == CD_RS_OVERSIZED && d.recommended == 3840 * MIB);
	/* 1000 MiB used -> 1250 MiB -> 1280 MiB (rounded up) */
	double m2[1] = { 1000 * MIB };
	cd_rs_judge(&pol, m2, 1, 4 * GIB, true, &d);
	ASSERT(d.recommended == 1280 * MIB);
	/* 1.9 GiB used of 2: undersized; nearly nothing: 256 MiB at least */
	double m3[1] = { 1.9 * GIB };
	cd_rs_judge(&pol, m3, 1, 2 * GIB, true, &d);
	ASSERT(d.status == CD_RS_UNDERSIZED && d.recommended == 2560 * MIB);
	double m4[1] = { 10 * MIB };
	cd_rs_judge(&pol, m4, 1, 2 * GIB, true, &d);
	ASSERT(d.recommended == 256 * MIB);
	/* no guest figure: not assessed, and why; its size unknown: why */
	cd_rs_judge(&pol, NULL, 0, 2 * GIB, true, &d);
	ASSERT(d.status == CD_RS_UNASSESSED && strstr(d.why, "guest") && isnan(d.recommended));
	cd_rs_judge(&pol, m4, 1, NAN, true, &d);
	ASSERT(d.status == CD_RS_UNASSESSED && strstr(d.why, "vm_memory_bytes"));
	cd_rs_judge(&pol, x, 3, NAN, false, &d);
	ASSERT(d.status == CD_RS_UNASSESSED && strstr(d.why, "vm_vcpus"));
	/* too few: 7 days needed, 6 given */
	pol = cd_rs_default;
	cd_rs_judge(&pol, v, 6 * 288, 8, false, &d);
	ASSERT(d.status == CD_RS_FEW && d.why && isnan(d.recommended) && d.points == 6 * 288);
	ASSERT_STR_EQ(cd_rs_status_name(CD_RS_FEW), "not_enough_data");
	free(v);
}

TEST(reclaim_judge)
{
	struct cd_rc_policy pol = cd_rc_default;
	struct cd_rc_idle d;
	size_t steps = 7 * 288;
	double *cpu = calloc(steps, sizeof *cpu), *net = calloc(steps, sizeof *net);
	for (size_t i = 0; i < steps; i++) {
		cpu[i] = 0.01;
		net[i] = 200;
	}
	cd_rc_judge_idle(&pol, cpu, steps, net, steps, steps, &d);
	ASSERT(d.idle && d.max_cpu == 0.01 && d.max_net == 200);
	cd_rc_judge_idle(&pol, cpu, steps, NULL, 0, steps, &d);       /* no vNIC */
	ASSERT(d.idle && isnan(d.max_net));
	net[100] = 5000;                          /* one busy step is not idle */
	cd_rc_judge_idle(&pol, cpu, steps, net, steps, steps, &d);
	ASSERT(!d.idle);
	net[100] = 200;
	cpu[7] = 0.06;
	cd_rc_judge_idle(&pol, cpu, steps, net, steps, steps, &d);
	ASSERT(!d.idle);
	cpu[7] = 0.01;
	cd_rc_judge_idle(&pol, cpu, steps / 2, net, steps / 2, steps, &d);   /* ran half the time */
	ASSERT(!d.idle && d.points == steps / 2);
	free(cpu);
	free(net);
	/* powered off: ran until 10 days ago, then shut off */
	int64_t now = 1000 * DAY;
	struct cd_rc_hour h[40 * 24];
	size_t n = 0;
	for (int64_t t = now - 40 * DAY; t < now; t += 3600000)
		h[n++] = (struct cd_rc_hour){ t, t < now - 10 * DAY };
	struct cd_rc_off o;
	cd_rc_judge_off(&pol, now, h, n, &o);
	ASSERT(o.off && o.last_running == now - 10 * DAY && o.since == o.last_running);
	ASSERT(o.first == now - 40 * DAY);
	pol.off_ms = 11 * DAY;
	cd_rc_judge_off(&pol, now, h, n, &o);
	ASSERT(!o.off);
	/* defined, never running, known for 3 days: off for 3, "at least" */
	pol.off_ms = 2 * DAY;
	cd_rc_judge_off(&pol, now, h + n - 72, 72, &o);
	ASSERT(o.off && o.last_running == INT64_MIN && o.since == now - 3 * DAY);
	pol.off_ms = 4 * DAY;
	cd_rc_judge_off(&pol, now, h + n - 72, 72, &o);
	ASSERT(!o.off);
	cd_rc_judge_off(&pol, now, h, 0, &o);
	ASSERT(!o.off);
}

/* ---- over a real store ---- */

struct vm {
	const char *name;
	double vcpus, mem;          /* mem 0: the guest gives no figure */
	double (*cpu)(int i);       /* vCPUs used at step i (NaN: not running) */
	double guest, net;
	int days;                   /* of samples, up to now */
};

static double small(int i) { return 0.2 + 0.8 * (i % 50) / 49.0; }   /* up to 1 vCPU */
static double busy(int i) { return 1.9 + 0.08 * (i % 2); }
static double idle(int i) { return 0.005 + 0.001 * (i % 3); }
static double half(int i) { return 0.5 + 0.0 * i; }
static double off4(int i) { return i < (10 - 4) * 288 ? 0.5 : NAN; }   /* off for the last 4 days */

static int64_t series(struct cd_mstore *st, const char *vm, const char *metric, bool counter)
{
	char labels[128];
	snprintf(labels, sizeof labels, "vm=\"%s\"", vm);
	struct cd_series_desc d = { .metric = metric, .labels = labels, .kind = "vm", .name = vm,
				    .host = "kvm1", .source = "lab", .counter = counter };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	return id;
}

static void fill(struct cd_mstore *st, const struct vm *v, int64_t now)
{
	int64_t cpu = series(st, v->name, "vm_cpu_seconds_total", true);
	int64_t vc = series(st, v->name, "vm_vcpus", false), mb = series(st, v->name, "vm_memory_bytes", false);
	int64_t ps = series(st, v->name, "vm_power_state", false);
	int64_t rx = series(st, v->name, "vm_net_rx_bytes_total", true);
	int64_t gu = v->guest ? series(st, v->name, "vm_memory_guest_used_bytes", false) : -1;
	int steps = v->days * 288;
	double secs = 0, bytes = 0;
	for (int i = 0; i < steps; i++) {
		/* mid-step: each sample's increase is its step's */
		int64_t t = now - (int64_t)(steps - i) * STEP + STEP / 2;
		double used = v->cpu(i);
		ASSERT_EQ(cd_mstore_append(st, ps, t, isnan(used) ? 5 : 1), 0);
		ASSERT_EQ(cd_mstore_append(st, vc, t, v->vcpus), 0);
		ASSERT_EQ(cd_mstore_append(st, mb, t, v->mem), 0);
		if (isnan(used))
			continue;
		secs += used * 300;
		bytes += v->net * 300;
		ASSERT_EQ(cd_mstore_append(st, cpu, t, secs), 0);
		ASSERT_EQ(cd_mstore_append(st, rx, t, bytes), 0);
		if (gu >= 0)
			ASSERT_EQ(cd_mstore_append(st, gu, t, v->guest - (i % 10) * MIB), 0);
	}
}

static json_t *find(json_t *a, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "name")), name))
			return x;
	return NULL;
}

static double dnum(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(b ? json_object_get(o, a) : o, b ? b : a);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

static const char *dstr(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
}

TEST(rightsize_and_reclaim_over_a_store)
{
	char dir[] = "/tmp/cd-rightsize-XXXXXX";
	ASSERT(mkdtemp(dir) != NULL);
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[256];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof err), 0);
	int64_t now = (INT64_C(1767225600000) / STEP) * STEP;        /* 2026-01-01 */
	static const struct vm vms[] = {
		{ "big8", 8, 16 * GIB, small, 3 * GIB, 50000, 10 },
		{ "busy2", 2, 2 * GIB, busy, 1.9 * GIB, 50000, 10 },
		{ "noguest", 4, 4 * GIB, half, 0, 50000, 10 },
		{ "idle1", 2, 2 * GIB, idle, 0.5 * GIB, 100, 10 },
		{ "off1", 2, 2 * GIB, off4, 0.5 * GIB, 50000, 10 },
		{ "young", 8, 8 * GIB, small, 1 * GIB, 50000, 3 },
	};
	for (size_t i = 0; i < sizeof vms / sizeof vms[0]; i++)
		fill(st, &vms[i], now);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	json_t *rs;
	ASSERT_EQ(cd_rightsize_json(st, now, 30 * DAY, &cd_rs_default, &rs), 0);
	json_t *a = json_object_get(rs, "vms");
	ASSERT_EQ(json_array_size(a), 6);
	json_t *b = find(a, "big8");
	ASSERT_STR_EQ(dstr(b, "verdict", NULL), "oversized");
	ASSERT_STR_EQ(dstr(b, "cpu", "status"), "oversized");
	ASSERT(dnum(b, "cpu", "recommended_vcpus") == 2 && dnum(b, "cpu", "vcpus") == 8);
	ASSERT(fabs(dnum(b, "cpu", "max_vcpus") - 1.0) < 1e-6 && dnum(b, "cpu", "points") == 10 * 288 - 1);
	ASSERT_STR_EQ(dstr(b, "memory", "status"), "oversized");
	ASSERT(dnum(b, "memory", "recommended_bytes") == 3840 * MIB);
	ASSERT_STR_EQ(dstr(json_object_get(b, "cpu"), "evidence", "metric"), "vm_cpu_usage_ratio");
	ASSERT_STR_EQ(dstr(b, "host", NULL), "kvm1");
	b = find(a, "busy2");
	ASSERT_STR_EQ(dstr(b, "cpu", "status"), "undersized");
	ASSERT(dnum(b, "cpu", "recommended_vcpus") == 3);
	ASSERT_STR_EQ(dstr(b, "memory", "status"), "undersized");
	ASSERT_STR_EQ(dstr(b, "verdict", NULL), "undersized");
	b = find(a, "noguest");
	ASSERT_STR_EQ(dstr(b, "memory", "status"), "not_assessed");
	ASSERT(strstr(dstr(b, "memory", "why"), "guest") && !json_is_number(json_object_get(
		json_object_get(b, "memory"), "recommended_bytes")));
	ASSERT_STR_EQ(dstr(b, "cpu", "status"), "oversized");       /* 0.5 of 4: 1 */
	b = find(a, "young");
	ASSERT_STR_EQ(dstr(b, "cpu", "status"), "not_enough_data");
	ASSERT_STR_EQ(dstr(b, "verdict", NULL), "not_enough_data");
	/* undersized first, not enough data last */
	ASSERT_STR_EQ(dstr(json_array_get(a, 0), "name", NULL), "busy2");
	ASSERT_STR_EQ(dstr(json_array_get(a, 5), "name", NULL), "young");
	json_decref(rs);

	json_t *rc;
	struct cd_rc_policy pol = cd_rc_default;
	pol.off_ms = 3 * DAY;
	ASSERT_EQ(cd_reclaim_json(st, now, &pol, &rc), 0);
	json_t *idl = json_object_get(rc, "idle"), *off = json_object_get(rc, "powered_off");
	ASSERT_EQ(json_array_size(idl), 1);
	ASSERT_STR_EQ(dstr(json_array_get(idl, 0), "name", NULL), "idle1");
	json_t *e = json_object_get(json_array_get(idl, 0), "evidence");
	ASSERT(dnum(e, "max_cpu_vcpus", NULL) < 0.01 && fabs(dnum(e, "max_net_bytes_per_second", NULL) - 100) < 1e-6);
	ASSERT(dnum(json_array_get(idl, 0), "vcpus", NULL) == 2);
	ASSERT_EQ(json_array_size(off), 1);
	json_t *f = json_array_get(off, 0);
	ASSERT_STR_EQ(dstr(f, "name", NULL), "off1");
	ASSERT(dnum(f, "state", NULL) == 5 && json_is_false(json_object_get(f, "since_at_least")));
	/* it ran until 4 days ago: to the hour */
	ASSERT(fabs(dnum(f, "since", NULL) - (double)(now - 4 * DAY)) <= 3600000);
	json_decref(rc);
	pol.off_ms = 5 * DAY;                     /* not for 5 days */
	ASSERT_EQ(cd_reclaim_json(st, now, &pol, &rc), 0);
	ASSERT_EQ(json_array_size(json_object_get(rc, "powered_off")), 0);
	json_decref(rc);
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}
