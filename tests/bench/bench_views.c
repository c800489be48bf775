/* bench_views.c - a list view's rows over 30 days for 10,000 VMs, read
 * from the store's tiers as the manager reads them:
 *
 *   bench-views DIR [VMS [DAYS]]
 *
 * makes (once; kept in DIR) a store of VMS VMs (10,000) with DAYS days
 * (30) of CPU time, ready time, vCPUs and memory sampled every 5 minutes
 * (a bulk load, then the rollups of every sealed day: the 5-minute and
 * 1-hour tiers), then times cd_vrows_compute of the built-in views
 * "vms-by-contention" (ready avg, p95 and max, CPU avg: two counters and
 * the vCPUs a VM) and "vms" (ten metric columns) over the last DAYS days,
 * the 1-hour tier's step; prints the median of 5 runs of each and the
 * rows' count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/util.h"
#include "metrics/mstore.h"
#include "views/rows.h"

#define STEP 300000LL
#define DAY 86400000LL
#define T0 1764547200000LL     /* 2025-12-01T00:00:00Z */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int make(const char *dir, int vms, int days)
{
	struct cd_mstore_opts o = { .bulk = true, .max_series = (size_t)vms * 4 + 16 };
	struct cd_mstore *st;
	char err[256];
	if (cd_mstore_open(dir, &o, &st, err, sizeof err)) {
		fprintf(stderr, "bench-views: %s\n", err);
		return -1;
	}
	static const char *const names[] = { "vm_cpu_seconds_total", "vm_cpu_ready_seconds_total",
					     "vm_vcpus", "vm_memory_used_bytes" };
	int64_t *id = cd_malloc((size_t)vms * 4 * sizeof *id);
	for (int v = 0; v < vms; v++) {
		char name[32], labels[96];
		snprintf(name, sizeof name, "vm-%05d", v);
		snprintf(labels, sizeof labels, "host=\"hv-%03d\",vm=\"%s\"", v / 50, name);
		for (int k = 0; k < 4; k++) {
			struct cd_series_desc d = { .metric = names[k], .labels = labels, .kind = "vm",
						    .name = name, .host = "", .source = "kvm1",
						    .counter = k < 2 };
			if (cd_mstore_series(st, &d, &id[v * 4 + k]))
				return -1;
		}
	}
	int64_t steps = days * DAY / STEP;
	double *cpu = cd_calloc((size_t)vms, sizeof *cpu), *ready = cd_calloc((size_t)vms, sizeof *ready);
	for (int64_t i = 0; i < steps; i++) {
		int64_t t = T0 + i * STEP;
		double hour = (double)((t / 3600000) % 24);
		for (int v = 0; v < vms; v++) {
			int vcpus = 1 << (v % 4);
			double load = 0.1 + 0.3 * (1 + sin((hour + v % 7) / 24.0 * 2 * M_PI)) / 2;
			cpu[v] += load * vcpus * (double)STEP / 1000;
			ready[v] += load * 0.02 * (1 + v % 5) * vcpus * (double)STEP / 1000;
			if (cd_mstore_append(st, id[v * 4], t, cpu[v]) ||
			    cd_mstore_append(st, id[v * 4 + 1], t, ready[v]) ||
			    cd_mstore_append(st, id[v * 4 + 2], t, vcpus) ||
			    cd_mstore_append(st, id[v * 4 + 3], t, 1e9 + 1e7 * (double)((i + v) % 300)))
				return -1;
		}
		if (i % 288 == 287 && cd_mstore_commit(st))
			return -1;
	}
	free(cpu);
	free(ready);
	free(id);
	if (cd_mstore_maintain(st, T0 + (days + 1) * DAY) || cd_mstore_close(st))
		return -1;
	return 0;
}

static double run(struct cd_mstore *st, const char *view, const struct cd_vobject *o, int n,
		  int days, size_t *rows)
{
	struct cd_view v;
	if (cd_view_builtin_named(view, &v))
		return -1;
	double t[5];
	for (int k = 0; k < 5; k++) {
		struct cd_vrows *r;
		double a = now_s();
		if (cd_vrows_compute(&v, st, o, (size_t)n, T0, T0 + days * DAY - 1, &r))
			return -1;
		t[k] = now_s() - a;
		*rows = cd_vrows_count(r);
		cd_vrows_free(r);
	}
	cd_view_free(&v);
	qsort(t, 5, sizeof *t, cmp);
	return t[2];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-views DIR [VMS [DAYS]]\n");
		return 2;
	}
	cd_malloc_keep();          /* as cordond runs */
	const char *dir = argv[1];
	int vms = argc > 2 ? atoi(argv[2]) : 10000, days = argc > 3 ? atoi(argv[3]) : 30;
	char mark[4096];
	snprintf(mark, sizeof mark, "%s/made-%d-%d", dir, vms, days);
	struct stat sb;
	if (stat(mark, &sb)) {
		double a = now_s();
		if (make(dir, vms, days)) {
			fprintf(stderr, "bench-views: the store could not be made in %s\n", dir);
			return 1;
		}
		FILE *f = fopen(mark, "w");
		if (f)
			fclose(f);
		printf("store: %d VMs x %d days every 5 minutes, made in %.0f s\n", vms, days,
		       now_s() - a);
	}
	struct cd_mstore_opts o = { .max_series = (size_t)vms * 4 + 16 };
	struct cd_mstore *st;
	char err[256];
	if (cd_mstore_open(dir, &o, &st, err, sizeof err)) {
		fprintf(stderr, "bench-views: %s\n", err);
		return 1;
	}
	struct cd_vobject *obj = cd_calloc((size_t)vms, sizeof *obj);
	char (*names)[32] = cd_calloc((size_t)vms, sizeof *names);
	for (int v = 0; v < vms; v++) {
		snprintf(names[v], sizeof names[v], "vm-%05d", v);
		obj[v] = (struct cd_vobject){ .name = names[v], .host = "hv", .source = "kvm1" };
	}
	size_t rows = 0;
	double a = run(st, "vms-by-contention", obj, vms, days, &rows);
	printf("view vms-by-contention: %zu rows over %d days (1-hour tier): median %.3f s of 5\n", rows,
	       days, a);
	double b = run(st, "vms", obj, vms, days, &rows);
	printf("view vms: %zu rows over %d days (1-hour tier): median %.3f s of 5\n", rows, days, b);
	free(obj);
	free(names);
	cd_mstore_close(st);
	return a < 0 || b < 0;
}
