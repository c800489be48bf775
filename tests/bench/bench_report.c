/* bench_report.c - a report's PDF for 1,000 VMs, as the manager makes it:
 *
 *   bench-report DIR [VMS [DAYS]]
 *
 * makes (once; kept in DIR) a store of VMS VMs (1,000) with DAYS days (7)
 * of CPU time, ready time, vCPUs and memory sampled every 5 minutes (the
 * 5-minute and 1-hour tiers rolled up), then times, 5 times, a report of
 * three sections over the last DAYS days: the built-in view "vms" (a row
 * a VM, ten metric columns, the 1-hour tier), a chart of the 10 VMs with
 * the highest average CPU and a chart of the 10 with the most memory (the
 * hour's highest): the view's rows, the charts' points (every VM's
 * average read to rank them, as reports.c does), then the PDF and the
 * view's CSV drawn by report/compose.c; prints the median of each part,
 * of the whole, and the PDF's pages and bytes. */
#define _GNU_SOURCE                /* memmem */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/util.h"
#include "bench.h"
#include "vmstore.h"
#include "metrics/mquery.h"
#include "metrics/mstore.h"
#include "report/compose.h"
#include "views/rows.h"

#define DAY VMSTORE_DAY
#define HOUR 3600000LL
#define T0 VMSTORE_T0
#define RUNS 5

struct ranked { double mean; int vm; };

static int by_mean(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	return x->mean != y->mean ? (x->mean < y->mean ? 1 : -1) : x->vm - y->vm;
}

/* a chart's lines: the top 10 by average, then their rollup (reports.c's way) */
static int chart(struct cd_mstore *st, const char *metric, enum cd_agg agg, char (*names)[32], int vms,
		 int64_t b, int64_t e, struct cd_rseries *out, struct cd_point **pts)
{
	const struct cd_metric *m = cd_catalog_find(metric);
	struct ranked *rk = cd_calloc((size_t)vms, sizeof *rk);
	for (int v = 0; v < vms; v++) {
		struct cd_point *p;
		size_t n;
		if (cd_mquery(st, m, "vm", names[v], b, e, HOUR, CD_AGG_AVG, &p, &n))
			return -1;
		double s = 0;
		for (size_t k = 0; k < n; k++)
			s += p[k].v;
		rk[v] = (struct ranked){ n ? s / (double)n : -INFINITY, v };
		free(p);
	}
	qsort(rk, (size_t)vms, sizeof *rk, by_mean);
	int n = vms < 10 ? vms : 10;
	for (int i = 0; i < n; i++) {
		size_t np;
		if (cd_mquery(st, m, "vm", names[rk[i].vm], b, e, HOUR, agg, &pts[i], &np))
			return -1;
		out[i] = (struct cd_rseries){ names[rk[i].vm], pts[i], np };
	}
	free(rk);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-report DIR [VMS [DAYS]]\n");
		return 2;
	}
	cd_malloc_keep();          /* as cordond runs */
	const char *dir = argv[1];
	int vms = argc > 2 ? atoi(argv[2]) : 1000, days = argc > 3 ? atoi(argv[3]) : 7;
	char mark[4096];
	snprintf(mark, sizeof mark, "%s/made-%d-%d", dir, vms, days);
	struct stat sb;
	if (stat(mark, &sb)) {
		double a = (now_ms() / 1000);
		if (vmstore_make("bench-report", dir, vms, days)) {
			fprintf(stderr, "bench-report: the store could not be made in %s\n", dir);
			return 1;
		}
		FILE *f = fopen(mark, "w");
		if (f)
			fclose(f);
		printf("store: %d VMs x %d days every 5 minutes, made in %.0f s\n", vms, days, (now_ms() / 1000) - a);
	}
	struct cd_mstore_opts o = { .max_series = (size_t)vms * 4 + 16 };
	struct cd_mstore *st;
	char err[512];
	if (cd_mstore_open(dir, &o, &st, err, sizeof err)) {
		fprintf(stderr, "bench-report: %s\n", err);
		return 1;
	}
	struct cd_vobject *obj = cd_calloc((size_t)vms, sizeof *obj);
	char (*names)[32] = cd_calloc((size_t)vms, sizeof *names);
	for (int v = 0; v < vms; v++) {
		vmstore_name(v, names[v]);
		obj[v] = (struct cd_vobject){ .name = names[v], .host = "hv", .source = "kvm1" };
	}
	const char *doc = "{\"name\": \"bench\", \"title\": \"1,000 VMs\", \"range\": \"7d\", "
			  "\"timezone\": \"Europe/Paris\", \"sections\": [{\"view\": \"vms\"}, "
			  "{\"chart\": {\"metric\": \"vm_cpu_usage_ratio\"}}, {\"chart\": {\"metric\": "
			  "\"vm_memory_used_bytes\", \"rollup\": \"max\"}}]}";
	struct cd_report rep;
	struct cd_view view;
	struct cd_tz *tz;
	if (cd_report_parse(doc, strlen(doc), &rep, err, sizeof err) || cd_view_builtin_named("vms", &view) ||
	    cd_tz_open("Europe/Paris", &tz)) {
		fprintf(stderr, "bench-report: %s\n", err);
		return 1;
	}
	int64_t b = T0, e = T0 + days * DAY - 1;
	double t_rows[RUNS], t_charts[RUNS], t_pdf[RUNS], t_all[RUNS];
	size_t pdf_len = 0, csv_len = 0, rows_n = 0;
	int pages = 0;
	for (int k = 0; k < RUNS; k++) {
		double a = (now_ms() / 1000);
		struct cd_vrows *rows;
		if (cd_vrows_compute(&view, st, obj, (size_t)vms, b, e, &rows))
			return 1;
		double c = (now_ms() / 1000);
		struct cd_rseries ser[2][10];
		struct cd_point *pts[2][10] = { { NULL } };
		int n1 = chart(st, "vm_cpu_usage_ratio", CD_AGG_AVG, names, vms, b, e, ser[0], pts[0]);
		int n2 = chart(st, "vm_memory_used_bytes", CD_AGG_MAX, names, vms, b, e, ser[1], pts[1]);
		if (n1 < 0 || n2 < 0)
			return 1;
		double d = (now_ms() / 1000);
		struct cd_rsecdata sd[3] = {
			{ .view = &view, .rows = rows },
			{ .series = ser[0], .nseries = (size_t)n1, .step = HOUR },
			{ .series = ser[1], .nseries = (size_t)n2, .step = HOUR },
		};
		struct cd_rcompose in = { .rep = &rep, .tz = tz, .begin = b, .end = e,
					  .generated = e + HOUR, .data = sd };
		struct cd_rfiles f;
		if (cd_report_compose(&in, CD_RMAKE_PDF | CD_RMAKE_CSV, -1, &f, err, sizeof err)) {
			fprintf(stderr, "bench-report: %s\n", err);
			return 1;
		}
		double z = (now_ms() / 1000);
		t_rows[k] = c - a;
		t_charts[k] = d - c;
		t_pdf[k] = z - d;
		t_all[k] = z - a;
		pdf_len = f.pdf.len;
		csv_len = f.ncsv ? f.csv[0].data.len : 0;
		rows_n = cd_vrows_count(rows);
		pages = 0;
		for (const char *p = f.pdf.data; (p = memmem(p, f.pdf.len - (size_t)(p - f.pdf.data),
							  "/Type /Page", 11)); p += 11)
			pages += p[11] != 's';
		cd_rfiles_free(&f);
		for (int i = 0; i < 10; i++) {
			free(pts[0][i]);
			free(pts[1][i]);
		}
		cd_vrows_free(rows);
	}
	qsort(t_rows, RUNS, sizeof(double), cmp_double);
	qsort(t_charts, RUNS, sizeof(double), cmp_double);
	qsort(t_pdf, RUNS, sizeof(double), cmp_double);
	qsort(t_all, RUNS, sizeof(double), cmp_double);
	printf("report of %d VMs over %d days (a view of %zu rows, 2 charts of the top 10): median of %d: "
	       "rows %.3f s, charts %.3f s, PDF and CSV %.3f s; in all %.3f s (%d pages, %zu bytes of PDF, "
	       "%zu of CSV)\n", vms, days, rows_n, RUNS, t_rows[RUNS / 2], t_charts[RUNS / 2],
	       t_pdf[RUNS / 2], t_all[RUNS / 2], pages, pdf_len, csv_len);
	cd_tz_free(tz);
	cd_view_free(&view);
	cd_report_free(&rep);
	free(obj);
	free(names);
	cd_mstore_close(st);
	return 0;
}
