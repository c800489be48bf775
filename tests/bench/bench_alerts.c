/* bench_alerts.c - what one alert cycle costs: the evaluator (aeval.c)
 * over a real metrics store in DIR holding 10,000 VMs on 100 hosts and
 * 10 datastores, 10 minutes of samples at 20 s (CPU and ready time, vCPUs,
 * memory), each metric read as the manager reads it (cd_mquery over the
 * last cycles, each object's once a cycle):
 *
 *   bench-alerts DIR
 *
 *  A. 1,000 pairs of definition and object over the 10,000 VMs: ten
 *     population definitions on the 100 hosts (each reads its host's 100
 *     VMs' CPU contention);
 *  B. cordon's built-in definitions on every object (VMs, hosts,
 *     datastores): 30,000 and more pairs;
 *  C. a learned threshold (vm_cpu_usage_ratio above_normal) on each of
 *     the 10,000 VMs, their bands in the manager's cache (alerts/band.h):
 *     the cycle of that definition alone, and the built-in definitions'
 *     cycle with and without it (goal: under 50 ms added);
 *  D. what learning a band costs: 20 VMs with 28 days of samples at 20 s
 *     in a second store (DIR/history), rolled up and kept as cordond
 *     keeps them (raw for 7 days, then the 5-minute tier), one band each
 *     learned as the manager learns it (bands.c), and that for 10,000
 *     VMs each hour.
 * Prints the median of 11 cycles of each, in ms.  Figures only. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alerts/adef.h"
#include "alerts/aeval.h"
#include "alerts/band.h"
#include "base/util.h"
#include "manager/mgr.h"
#include "metrics/catalog.h"
#include "metrics/mquery.h"
#include "metrics/mstore.h"

#define VMS 10000
#define HOSTS 100
#define DSS 10
#define STEP_MS 20000
#define SAMPLES 30

static char *vm[VMS], *host[HOSTS], *ds[DSS];
static const char **host_vms[HOSTS], **ds_vms[DSS];
static struct cd_mstore *st;
static int64_t now_ms;
static struct cd_bands *bands;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* this thread's CPU time, ms: what a cycle costs whatever else the
 * machine runs (its wall time waits for a core as well) */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t w_objects(void *ctx, enum cd_akind k, const char *const **names)
{
	(void)ctx;
	*names = (const char *const *)(k == CD_AK_VM ? vm : k == CD_AK_HOST ? host : ds);
	return k == CD_AK_VM ? VMS : k == CD_AK_HOST ? HOSTS : k == CD_AK_DATASTORE ? DSS : 0;
}

static size_t w_related(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
			const char *const **names)
{
	(void)ctx;
	if (rel != CD_AK_VM || k == CD_AK_SOURCE)
		return 0;
	int i = atoi(strchr(name, '-') + 1);
	*names = k == CD_AK_HOST ? host_vms[i] : ds_vms[i];
	return k == CD_AK_HOST ? VMS / HOSTS : VMS / DSS;
}

/* As the manager's world reads a metric (alerts_world.c). */
static bool w_metric(void *ctx, enum cd_akind k, const char *name, const char *metric, double *v)
{
	(void)ctx;
	const struct cd_metric *m = cd_catalog_find(metric);
	struct cd_point *p;
	size_t n;
	if (!m || cd_mquery(st, m, cd_akind_name(k), name, now_ms - 3 * STEP_MS, now_ms, STEP_MS,
			    CD_AGG_AVG, &p, &n) < 0)
		return false;
	bool ok = n && p[n - 1].t >= now_ms - 2 * STEP_MS;
	if (ok)
		*v = p[n - 1].v;
	free(p);
	return ok;
}

static size_t w_series(void *ctx, enum cd_akind k, const char *name, const char *metric,
		       int64_t from, int64_t to, int64_t step, struct cd_apoint **out)
{
	(void)ctx;
	const struct cd_metric *m = cd_catalog_find(metric);
	struct cd_point *p;
	size_t n;
	*out = NULL;
	if (!m || cd_mquery(st, m, cd_akind_name(k), name, from, to, step, CD_AGG_AVG, &p, &n) < 0)
		return 0;
	*out = malloc((n ? n : 1) * sizeof(**out));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (struct cd_apoint){ p[i].t, p[i].v };
	free(p);
	return n;
}

static bool w_state(void *ctx, enum cd_akind k, const char *name, enum cd_astate s, int64_t sec,
		    struct cd_buf *why)
{
	(void)ctx;
	(void)k;
	(void)sec;
	(void)why;
	return s == CD_ST_QUARANTINED && !strcmp(name, "vm-00007");
}

/* The band cache as the manager's world looks it up (alerts_world.c). */
static const struct cd_band *w_band(void *ctx, enum cd_akind k, const char *name, const char *metric)
{
	(void)ctx;
	return bands ? cd_bands_get(bands, cd_akind_name(k), name, metric, now_ms) : NULL;
}

static int fill(const char *dir)
{
	struct cd_mstore_opts o = { 0 };
	char err[512];
	if (cd_mstore_open(dir, &o, &st, err, sizeof(err))) {
		fprintf(stderr, "bench-alerts: %s\n", err);
		return -1;
	}
	static const char *const metrics[] = { "vm_cpu_seconds_total", "vm_cpu_ready_seconds_total",
					       "vm_vcpus", "vm_memory_used_bytes" };
	int64_t t0 = now_ms - SAMPLES * STEP_MS;
	srand(7);
	for (int i = 0; i < VMS; i++) {
		int64_t id[4];
		for (int k = 0; k < 4; k++) {
			char *labels = cd_asprintf("vm=\"%s\",host=\"%s\",source=\"bench\"", vm[i], host[i % HOSTS]);
			struct cd_series_desc d = { .metric = metrics[k], .labels = labels, .kind = "vm",
						    .name = vm[i], .host = host[i % HOSTS], .source = "bench",
						    .counter = k < 2 };
			if (cd_mstore_series(st, &d, &id[k]))
				return -1;
			free(labels);
		}
		double cpu = 0, ready = 0;
		for (int s = 0; s < SAMPLES; s++) {
			int64_t t = t0 + s * STEP_MS + rand() % 5;
			cpu += 20 * 0.3 * (rand() % 100) / 100.0;
			ready += 20 * (i % 50 ? 0.01 : 0.2) * (rand() % 100) / 100.0;
			cd_mstore_append(st, id[0], t, cpu);
			cd_mstore_append(st, id[1], t, ready);
			cd_mstore_append(st, id[2], t, 2);
			cd_mstore_append(st, id[3], t, 1e9 + rand() % 1000000);
		}
		if (i % 1000 == 999 && cd_mstore_commit(st))
			return -1;
	}
	return cd_mstore_commit(st) ? -1 : 0;
}

/* Every VM's band of vm_cpu_usage_ratio in the cache: ready (8 days of
 * history), 0.15 at every hour, its 5-minute maxima up to 0.3. */
static void learned_cache(void)
{
	enum { N = 8 * 288 };
	struct cd_point *avg = malloc(N * sizeof(*avg)), *mn = malloc(N * sizeof(*mn)),
			*mx = malloc(N * sizeof(*mx));
	for (int i = 0; i < N; i++) {
		int64_t t = now_ms - (int64_t)(N - i) * CD_BAND_STEP_MS;
		avg[i] = (struct cd_point){ t, 0.15 + 0.01 * (i % 5) };
		mn[i] = (struct cd_point){ t, 0.0 };
		mx[i] = (struct cd_point){ t, 0.25 + 0.01 * (i % 7) };
	}
	struct cd_band b;
	cd_band_learn(&b, avg, N, mn, N, mx, N, now_ms, 0.005);
	free(avg);
	free(mn);
	free(mx);
	bands = cd_bands_new();
	for (int i = 0; i < VMS; i++)
		cd_bands_get(bands, "vm", vm[i], "vm_cpu_usage_ratio", now_ms);
	struct cd_band_key *k;
	size_t n = cd_bands_due(bands, now_ms, VMS, &k);
	for (size_t i = 0; i < n; i++)
		cd_bands_put(bands, &k[i], &b);
	cd_band_keys_free(k, n);
}

/* D: 28 days at 20 s of LVMS VMs' CPU in DIR/history, rolled up as
 * cordond's keeper does; bands learned from it. */
#define LVMS 20
static int learning(const char *dir)
{
	char *hdir = cd_asprintf("%s/history", dir), err[512];
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *h;
	if ((mkdir(hdir, 0700) && errno != EEXIST) || cd_mstore_open(hdir, &o, &h, err, sizeof(err))) {
		fprintf(stderr, "bench-alerts: %s\n", err);
		free(hdir);
		return 1;
	}
	double t1 = mono();
	int64_t t0 = now_ms - 28 * 86400000LL;
	long samples = 0;
	srand(11);
	for (int i = 0; i < LVMS; i++) {
		int64_t id[2];
		for (int k = 0; k < 2; k++) {
			char *labels = cd_asprintf("source=\"bench\",vm=\"%s\"", vm[i]);
			struct cd_series_desc sd = { .metric = k ? "vm_vcpus" : "vm_cpu_seconds_total",
						     .labels = labels, .kind = "vm", .name = vm[i],
						     .host = host[i % HOSTS], .source = "bench", .counter = !k };
			int r = cd_mstore_series(h, &sd, &id[k]);
			free(labels);
			if (r)
				return 1;
		}
		double cpu = 0;
		for (int64_t t = t0; t < now_ms; t += STEP_MS) {
			double hour = (double)(t % 86400000) / 3600000.0;
			cpu += 20 * 2 * (0.3 + 0.2 * sin(hour / 24 * 6.283) + 0.05 * (rand() % 100) / 100.0);
			cd_mstore_append(h, id[0], t, cpu);
			cd_mstore_append(h, id[1], t, 2);
			samples += 2;
			if (samples % 65536 == 0 && cd_mstore_commit(h))
				return 1;
		}
	}
	if (cd_mstore_commit(h) || cd_mstore_maintain(h, now_ms))
		return 1;
	printf("D. history: %d VMs x 28 days at 20 s (%ld samples), rolled up (raw 7 days, then the "
	       "5-minute tier), made in %.0f ms\n", LVMS, samples, mono() - t1);
	double t[3 * LVMS];
	int ready = 0;
	for (int i = 0; i < 3 * LVMS; i++) {
		struct cd_band b;
		double t2 = mono();
		if (cd_mgr_band_learn(h, "vm", vm[i % LVMS], "vm_cpu_usage_ratio", now_ms, &b))
			return 1;
		t[i] = mono() - t2;
		ready += cd_band_ready(&b);
	}
	qsort(t, 3 * LVMS, sizeof(*t), by_double);
	printf("   a band learned (3 reads of 28 days at 5 minutes): %.2f ms (median of %d, %d ready); "
	       "10,000 VMs once an hour: %.1f s of a core an hour (%.2f%%)\n", t[3 * LVMS / 2],
	       3 * LVMS, ready, t[3 * LVMS / 2] * 10000 / 1000, t[3 * LVMS / 2] * 10000 / 3600000 * 100);
	cd_mstore_close(h);
	free(hdir);
	return 0;
}

/* n sets of definitions, a cycle of each in turn, 11 times: each one's
 * median wall time and CPU time (ms), and pairs. */
static void interleaved(struct cd_adefs *a, int n, double *ms, double *cpu, size_t *pairs)
{
	struct cd_aworld w = { NULL, w_objects, w_related, w_metric, w_series, w_state, w_band };
	struct cd_aeval *e[4];
	double t[4][11], u[4][11];
	for (int k = 0; k < n; k++)
		e[k] = cd_aeval_new();
	for (int i = 0; i < 11; i++)
		for (int k = 0; k < n; k++) {
			struct cd_achange *c;
			size_t nc;
			double t1 = mono(), u1 = cpu_ms();
			cd_aeval_cycle(e[k], &a[k], &w, now_ms, STEP_MS, &c, &nc);
			t[k][i] = mono() - t1;
			u[k][i] = cpu_ms() - u1;
			cd_achanges_free(c, nc);
		}
	for (int k = 0; k < n; k++) {
		pairs[k] = cd_aeval_pairs(e[k]);
		cd_aeval_free(e[k]);
		qsort(t[k], 11, sizeof(*t[k]), by_double);
		qsort(u[k], 11, sizeof(*u[k]), by_double);
		ms[k] = t[k][5];
		cpu[k] = u[k][5];
	}
}

static double cycles(struct cd_adefs *a, size_t *pairs, size_t *changes)
{
	struct cd_aworld w = { NULL, w_objects, w_related, w_metric, w_series, w_state, w_band };
	struct cd_aeval *e = cd_aeval_new();
	double t[11];
	for (int i = 0; i < 11; i++) {
		struct cd_achange *c;
		size_t n;
		double t1 = mono();
		cd_aeval_cycle(e, a, &w, now_ms, STEP_MS, &c, &n);
		t[i] = mono() - t1;
		*changes = n;
		cd_achanges_free(c, n);
	}
	*pairs = cd_aeval_pairs(e);
	cd_aeval_free(e);
	qsort(t, 11, sizeof(*t), by_double);
	return t[5];
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench-alerts DIR\n");
		return 2;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 / STEP_MS * STEP_MS;
	for (int i = 0; i < VMS; i++)
		vm[i] = cd_asprintf("vm-%05d", i);
	for (int i = 0; i < HOSTS; i++) {
		host[i] = cd_asprintf("hv-%03d", i);
		host_vms[i] = malloc(VMS / HOSTS * sizeof(char *));
		for (int k = 0; k < VMS / HOSTS; k++)
			host_vms[i][k] = vm[k * HOSTS + i];
	}
	for (int i = 0; i < DSS; i++) {
		ds[i] = cd_asprintf("bench/ds-%d", i);
		ds_vms[i] = malloc(VMS / DSS * sizeof(char *));
		for (int k = 0; k < VMS / DSS; k++)
			ds_vms[i][k] = vm[k * DSS + i];
	}
	double t1 = mono();
	if (fill(argv[1]))
		return 1;
	printf("store: %d VMs x 4 series x %d samples at 20 s, made in %.0f ms\n", VMS, SAMPLES, mono() - t1);
	/* A: ten population definitions on the hosts */
	struct cd_buf doc;
	cd_buf_init(&doc, SIZE_MAX);
	cd_buf_puts(&doc, "definitions:\n");
	for (int i = 0; i < 10; i++)
		cd_buf_printf(&doc, "  - name: contention-%d\n    object: host\n    severity: warning\n"
			      "    symptoms: [{population: vms, metric: vm_cpu_ready_ratio, op: \">\", "
			      "value: 0.0%d, share: %d%%, wait_cycles: 3}]\n", i, i + 1, 5 + i);
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a, b;
	if (cd_adefs_parse("bench", doc.data, doc.len, &a, &d) || cd_adefs_builtin(&b)) {
		cd_diags_print(&d, stderr);
		return 1;
	}
	for (size_t i = 0; i < a.n; i++)   /* the ten only */
		a.v[i].enabled = !a.v[i].builtin;
	size_t pairs, changes;
	double ms = cycles(&a, &pairs, &changes);
	printf("A. 10 population definitions x %d hosts (%zu pairs, %d VMs read): %.2f ms a cycle "
	       "(median of 11; goal 50 ms)\n", HOSTS, pairs, VMS, ms);
	ms = cycles(&b, &pairs, &changes);
	printf("B. the built-in definitions on every object (%zu pairs): %.2f ms a cycle (median of 11)\n",
	       pairs, ms);
	/* C: one metric on every VM, a fixed threshold or a learned one (a
	 * ready band each in the cache), alone and beside the built-in
	 * definitions; the four cycles in turn, so that the machine's load
	 * weighs on each alike */
	static const char *const cdoc[] = {
		"definitions:\n  - name: cpu-fixed\n    object: vm\n    severity: warning\n"
		"    symptoms: [{metric: vm_cpu_usage_ratio, op: \">\", value: 5, wait_cycles: 2}]\n",
		"definitions:\n  - name: cpu-abnormal\n    object: vm\n    severity: warning\n"
		"    symptoms: [{metric: vm_cpu_usage_ratio, op: above_normal, wait_cycles: 2}]\n",
	};
	struct cd_adefs c[4];              /* fixed, learned, built-in, built-in + learned */
	for (int i = 0; i < 4; i++) {
		const char *x = cdoc[i == 0 ? 0 : 1];
		if (i == 2 ? cd_adefs_builtin(&c[i]) : cd_adefs_parse("bench", x, strlen(x), &c[i], &d)) {
			cd_diags_print(&d, stderr);
			return 1;
		}
		for (size_t k = 0; i < 2 && k < c[i].n; k++)
			c[i].v[k].enabled = !c[i].v[k].builtin;
	}
	learned_cache();
	double m4[4], u4[4];
	size_t p4[4];
	interleaved(c, 4, m4, u4, p4);
	printf("C. vm_cpu_usage_ratio on each of the %d VMs (medians of 11 cycles, taken in turn; "
	       "wall ms, and CPU ms in brackets):\n"
	       "   a fixed threshold (> 5) alone: %.2f (%.2f) a cycle; above_normal, its bands cached: "
	       "%.2f (%.2f): %.2f (%.2f) for the bands\n"
	       "   the built-in definitions (%zu pairs): %.2f (%.2f); with above_normal (%zu pairs): %.2f "
	       "(%.2f): %.2f (%.2f) added (goal 50 ms)\n", VMS, m4[0], u4[0], m4[1], u4[1],
	       m4[1] - m4[0], u4[1] - u4[0], p4[2], m4[2], u4[2], p4[3], m4[3], u4[3], m4[3] - m4[2],
	       u4[3] - u4[2]);
	for (int i = 0; i < 4; i++)
		cd_adefs_free(&c[i]);
	cd_bands_free(bands);
	bands = NULL;
	cd_adefs_free(&a);
	cd_adefs_free(&b);
	cd_diags_free(&d);
	cd_buf_free(&doc);
	cd_mstore_close(st);
	return learning(argv[1]);
}
