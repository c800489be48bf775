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
#include "bench.h"
#include "vmstore.h"
#include "metrics/mstore.h"
#include "views/rows.h"

#define DAY VMSTORE_DAY
#define T0 VMSTORE_T0

static double run(struct cd_mstore *st, const char *view, const struct cd_vobject *o, int n,
		  int days, size_t *rows)
{
	struct cd_view v;
	if (cd_view_builtin_named(view, &v))
		return -1;
	double t[5];
	for (int k = 0; k < 5; k++) {
		struct cd_vrows *r;
		double a = (now_ms() / 1000);
		if (cd_vrows_compute(&v, st, o, (size_t)n, T0, T0 + days * DAY - 1, &r))
			return -1;
		t[k] = (now_ms() / 1000) - a;
		*rows = cd_vrows_count(r);
		cd_vrows_free(r);
	}
	cd_view_free(&v);
	qsort(t, 5, sizeof *t, cmp_double);
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
		double a = (now_ms() / 1000);
		if (vmstore_make("bench-views", dir, vms, days)) {
			fprintf(stderr, "bench-views: the store could not be made in %s\n", dir);
			return 1;
		}
		FILE *f = fopen(mark, "w");
		if (f)
			fclose(f);
		printf("store: %d VMs x %d days every 5 minutes, made in %.0f s\n", vms, days,
		       (now_ms() / 1000) - a);
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
		vmstore_name(v, names[v]);
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
