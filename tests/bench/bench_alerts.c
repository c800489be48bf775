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
 *     datastores): 30,000 and more pairs.
 * Prints the median of 11 cycles of each, in ms.  Figures only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/adef.h"
#include "alerts/aeval.h"
#include "base/util.h"
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

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
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

static double cycles(struct cd_adefs *a, size_t *pairs, size_t *changes)
{
	struct cd_aworld w = { NULL, w_objects, w_related, w_metric, w_series, w_state };
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
	cd_adefs_free(&a);
	cd_adefs_free(&b);
	cd_diags_free(&d);
	cd_buf_free(&doc);
	cd_mstore_close(st);
	return 0;
}
