/* test_mquery.c - catalog metrics read from the series kept: a CPU ratio
 * over the vCPUs with a counter reset, a 20-second peak still the max at
 * 1-hour steps, a latency from two counters, a gauge; the same answers
 * from raw samples and, once rolled up, from the 5-minute and 1-hour
 * tiers; steps without data have no point; too many points refused. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "metrics/forecast.h"
#include "metrics/mquery.h"
#include "test.h"

#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */
#define N (2 * 4320 + 100)             /* two days and a bit, every 20 s */

static int64_t add(struct cd_mstore *st, const char *metric, bool counter)
{
	struct cd_series_desc d = { .metric = metric, .labels = "vm=\"vdi-001\"", .kind = "vm",
				    .name = "vdi-001", .counter = counter };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	return id;
}

static double cpu_rate(int i)
{
	return i == 1000 ? 1.9 : 0.5 + 0.25 * sin(i / 300.0);   /* a peak at sample 1000 */
}

static struct cd_mstore *filled(char *dir)
{
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[256];
	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	int64_t cpu = add(st, "vm_cpu_seconds_total", true);
	int64_t vcpus = add(st, "vm_vcpus", false);
	int64_t rt = add(st, "vm_disk_read_time_seconds_total", true);
	int64_t ro = add(st, "vm_disk_read_ops_total", true);
	int64_t mem = add(st, "vm_memory_used_bytes", false);
	int64_t ns = 0, time_ns = 0, ops = 0;
	for (int i = 0; i < N; i++) {
		int64_t t = T0 + i * 20000LL;
		if (i == 5000)
			ns = time_ns = ops = 0;    /* the domain restarted */
		else if (i) {
			ns += (int64_t)(cpu_rate(i) * 2 * 20e9);     /* 2 vCPUs */
			ops += 10 + i % 7;
			time_ns += (10 + i % 7) * 2000000LL;        /* 2 ms a read */
		}
		ASSERT_EQ(cd_mstore_append(st, cpu, t, (double)ns / 1e9), 0);
		ASSERT_EQ(cd_mstore_append(st, vcpus, t, 2), 0);
		ASSERT_EQ(cd_mstore_append(st, rt, t, (double)time_ns / 1e9), 0);
		ASSERT_EQ(cd_mstore_append(st, ro, t, (double)ops), 0);
		if (i % 3 == 0)
			ASSERT_EQ(cd_mstore_append(st, mem, t, 1e9 + i), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	return st;
}

static void check(struct cd_mstore *st)
{
	struct cd_point *p;
	size_t n;
	/* CPU usage at 5 minutes: the rate over 2 vCPUs; at the restart the
	 * counter counts again from 0 */
	const struct cd_metric *m = cd_catalog_find("vm_cpu_usage_ratio");
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 2 * 86400000LL - 1, 300000, CD_AGG_AVG,
			    &p, &n), 0);
	ASSERT_EQ(n, 576);
	ASSERT_EQ(p[0].t, T0);
	for (size_t k = 1; k < n; k++) {
		double want = 0;
		for (int i = (int)k * 15; i < (int)k * 15 + 15; i++)
			want += i == 5000 ? 0 : cpu_rate(i);
		want /= 15;
		if (k == 5000 / 15)        /* the restart's interval counts from 0 */
			continue;
		ASSERT(fabs(p[k].v - want) < 1e-6);
	}
	free(p);
	/* the 20-second peak is the max of its hour, even at 1-hour steps */
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 86400000LL - 1, 3600000, CD_AGG_MAX,
			    &p, &n), 0);
	ASSERT_EQ(n, 24);
	ASSERT(fabs(p[1000 / 180].v - 1.9) < 1e-6);
	free(p);
	/* read latency: 2 ms */
	m = cd_catalog_find("vm_disk_read_latency_seconds");
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 86400000LL - 1, 300000, CD_AGG_AVG,
			    &p, &n), 0);
	ASSERT_EQ(n, 288);
	for (size_t k = 0; k < n; k++)
		ASSERT(fabs(p[k].v - 0.002) < 1e-12);
	free(p);
	/* a gauge: every third sample */
	m = cd_catalog_find("vm_memory_used_bytes");
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 3600000 - 1, 3600000, CD_AGG_COUNT,
			    &p, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ((int)p[0].v, 60);
	free(p);
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 3600000 - 1, 3600000, CD_AGG_MAX,
			    &p, &n), 0);
	ASSERT(p[0].v == 1e9 + 177);
	free(p);
	/* no data: no point; no such object: no points */
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0 - 86400000LL, T0 - 1, 300000, CD_AGG_AVG,
			    &p, &n), 0);
	ASSERT_EQ(n, 0);
	free(p);
	ASSERT_EQ(cd_mquery(st, m, "vm", "nope", T0, T0 + 86400000LL, 300000, CD_AGG_AVG, &p, &n), 0);
	ASSERT_EQ(n, 0);
	free(p);
	ASSERT_EQ(cd_mquery(st, m, "vm", "vdi-001", T0, T0 + 86400000LL, 100, CD_AGG_AVG, &p, &n),
		  -E2BIG);
	/* a budget of what is read: the gauge's hour of raw samples is 60 */
	int64_t budget = 60;
	ASSERT_EQ(cd_mquery_budget(st, m, "vm", "vdi-001", T0, T0 + 3600000 - 1, 60000, CD_AGG_AVG,
				   &budget, &p, &n), 0);
	ASSERT_EQ(budget, 0);
	free(p);
	budget = 59;
	ASSERT_EQ(cd_mquery_budget(st, m, "vm", "vdi-001", T0, T0 + 3600000 - 1, 60000, CD_AGG_AVG,
				   &budget, &p, &n), -EDQUOT);
	ASSERT(p == NULL && n == 0);
}

TEST(mquery_raw_and_rolled_up)
{
	char dir[] = "/tmp/cordon-mquery-XXXXXX";
	struct cd_mstore *st = filled(dir);
	check(st);                 /* from raw samples */
	ASSERT_EQ(cd_mstore_maintain(st, T0 + 3 * 86400000LL), 0);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_find(st, "vm_cpu_seconds_total{vm=\"vdi-001\"}", &info), 0);
	ASSERT_EQ(info.rolled, T0 + 2 * 86400000LL);
	check(st);                 /* two days from the tiers, the rest raw */
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}

/* A datastore filling by a GB an hour, 52 GB free: its days until full
 * from the store (metrics/forecast.c, the rule of the alerts and the
 * console): 52 hours; one not filling, or without samples, has none. */
TEST(mquery_days_left_of_a_datastore)
{
	char dir[] = "/tmp/cordon-forecast-XXXXXX";
	ASSERT(mkdtemp(dir) != NULL);
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[256];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	int64_t id[4];
	const char *metric[2] = { "datastore_used_bytes", "datastore_capacity_bytes" };
	for (int k = 0; k < 4; k++) {
		struct cd_series_desc d = { .metric = metric[k % 2],
					    .labels = k < 2 ? "datastore=\"lab/fill\"" : "datastore=\"lab/flat\"",
					    .kind = "datastore", .name = k < 2 ? "lab/fill" : "lab/flat" };
		ASSERT_EQ(cd_mstore_series(st, &d, &id[k]), 0);
	}
	int64_t now = T0 + 2 * 86400000LL;
	for (int64_t t = T0; t <= now; t += 600000) {        /* every 10 minutes, 2 days */
		double used = 400e9 + 1e9 * (double)(t - T0) / 3600000.0;
		ASSERT_EQ(cd_mstore_append(st, id[0], t, used), 0);
		ASSERT_EQ(cd_mstore_append(st, id[1], t, 500e9), 0);
		ASSERT_EQ(cd_mstore_append(st, id[2], t, 100e9), 0);
		ASSERT_EQ(cd_mstore_append(st, id[3], t, 448e9), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	double days = -1;
	/* used at now: 448 GB of 500: 52 GB to go at 1 GB an hour */
	ASSERT_EQ(cd_days_left_of(st, "lab/fill", now, CD_DAYS_LEFT_WINDOW_MS, &days), 1);
	if (fabs(days - 52.0 / 24.0) >= 0.05)
		fprintf(stderr, "    days left %f\n", days);
	ASSERT(fabs(days - 52.0 / 24.0) < 0.05);
	ASSERT_EQ(cd_days_left_of(st, "lab/flat", now, CD_DAYS_LEFT_WINDOW_MS, &days), 0);
	ASSERT_EQ(cd_days_left_of(st, "lab/none", now, CD_DAYS_LEFT_WINDOW_MS, &days), 0);
	cd_mstore_close(st);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}
