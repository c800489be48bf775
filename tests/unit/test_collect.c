/* test_collect.c - a host's figures from /proc texts (busy time, CPUs,
 * memory in use), texts that are not /proc's refused; the spool: kept in
 * time order across a reopen, bounded (the oldest dropped and counted),
 * a file that is not one ignored, sent a part at a time. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent/mcollect.h"
#include "collect/collect.h"
#include "collect/spool.h"
#include "test.h"

TEST(collect_proc_texts)
{
	const char *stat = "cpu  100 20 30 1000 50 5 5 10 0 0\ncpu0 50 10 15 500 25 2 3 5 0 0\n"
			   "cpu1 50 10 15 500 25 3 2 5 0 0\nintr 1 2 3\n";
	const char *mem = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
			  "MemAvailable:    4000000 kB\nBuffers: 1 kB\n";
	json_t *e;
	ASSERT_EQ(cd_collect_proc_parse(stat, mem, 100, "hv1", 1764547200000, &e), 0);
	json_t *m = json_object_get(e, "metrics");
	ASSERT_STR_EQ(json_string_value(json_object_get(e, "name")), "hv1");
	ASSERT(json_number_value(json_object_get(m, "host_cpu_busy_seconds_total")) == 1.7);
	ASSERT(json_number_value(json_object_get(m, "host_cpus")) == 2);
	ASSERT(json_number_value(json_object_get(m, "host_memory_total_bytes")) == 16000000.0 * 1024);
	ASSERT(json_number_value(json_object_get(m, "host_memory_used_bytes")) == 12000000.0 * 1024);
	json_decref(e);
	ASSERT_EQ(cd_collect_proc_parse("intr 1\n", mem, 100, "hv1", 0, &e), -EINVAL);
	ASSERT_EQ(cd_collect_proc_parse("cpu  x y\n", mem, 100, "hv1", 0, &e), -EINVAL);
	/* no memory lines: CPU only */
	ASSERT_EQ(cd_collect_proc_parse(stat, "", 100, "hv1", 0, &e), 0);
	ASSERT(!json_object_get(json_object_get(e, "metrics"), "host_memory_total_bytes"));
	json_decref(e);
	/* the real one */
	ASSERT_EQ(cd_collect_proc("/proc", "me", 0, &e), 0);
	ASSERT(json_number_value(json_object_get(json_object_get(e, "metrics"), "host_cpus")) >= 1);
	json_decref(e);
}

static json_t *entries(int n, int64_t t)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:{s:f}}", "kind", "vm", "name",
						   "vdi-001", "t", (json_int_t)t, "metrics",
						   "vm_vcpus", 2.0));
	return a;
}

TEST(spool_bounded_ordered_reopened)
{
	char dir[] = "/tmp/cordon-spool-XXXXXX";
	ASSERT(mkdtemp(dir));
	struct cd_spool s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_spool_open(&s, dir, 1500, &err), 0);
	size_t nf;
	ASSERT(cd_spool_peek(&s, 10, 1 << 20, &nf) == NULL);
	for (int i = 0; i < 10; i++) {
		json_t *a = entries(3, 1000 + i);
		ASSERT_EQ(cd_spool_put(&s, 1000 + i, a), 0);
		json_decref(a);
	}
	json_t *a = entries(1, 500);             /* not after the last */
	ASSERT_EQ(cd_spool_put(&s, 500, a), -ENOSPC);
	json_decref(a);
	/* 1500 bytes hold fewer than ten of these: the oldest went */
	ASSERT(s.nv < 10 && s.nv > 2);
	ASSERT_EQ(s.dropped, (10 - s.nv) * 3 + 1);
	size_t kept = s.nv;
	int64_t first = s.v[0].t;
	cd_spool_close(&s);
	/* a stranger and a temporary file left by a crash */
	char p[128];
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	FILE *f = fopen(p, "w");
	fputs("x", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/0000000002000-1.json.tmp", dir);
	f = fopen(p, "w");
	fputs("[", f);
	fclose(f);
	ASSERT_EQ(cd_spool_open(&s, dir, 1500, &err), 0);
	ASSERT_EQ(s.nv, kept);
	ASSERT_EQ(s.v[0].t, first);
	ASSERT(access(p, F_OK) != 0);
	/* a part at a time, oldest first */
	json_t *got = cd_spool_peek(&s, 6, 1 << 20, &nf);
	ASSERT_EQ(nf, 2);
	ASSERT_EQ(json_array_size(got), 6);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(got, 0), "t")), first);
	json_decref(got);
	cd_spool_ack(&s, nf);
	ASSERT_EQ(s.nv, kept - 2);
	got = cd_spool_peek(&s, 1, 1 << 20, &nf);     /* at least one file */
	ASSERT_EQ(nf, 1);
	json_decref(got);
	cd_spool_ack(&s, s.nv);
	ASSERT(cd_spool_peek(&s, 10, 1 << 20, &nf) == NULL);
	cd_spool_close(&s);
	cd_buf_free(&err);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}

static char clock_said[4][512];
static int clock_nsaid;
static void clock_log(const char *line)
{
	if (clock_nsaid < 4)
		snprintf(clock_said[clock_nsaid], sizeof(clock_said[0]), "%s", line);
	clock_nsaid++;
}

/* A host agent's clock stepping back: the collections before the last
 * one kept are skipped (the manager would keep none of their samples),
 * counted, and said once a step; then the collections go on. */
TEST(collect_clock_stepped_back_skipped_counted_said)
{
	struct cd_mclock c = { 0 };
	struct cd_mcollect_stats s = { 0 };
	clock_nsaid = 0;
	ASSERT(cd_mclock_take(&c, 1000000, &s, clock_log));
	ASSERT(cd_mclock_take(&c, 1020000, &s, clock_log));
	ASSERT(!cd_mclock_take(&c, 960000, &s, clock_log));    /* 60 s back */
	ASSERT(!cd_mclock_take(&c, 980000, &s, clock_log));
	ASSERT(!cd_mclock_take(&c, 1020000, &s, clock_log));   /* not past it yet */
	ASSERT_EQ(s.clock_back, 1);
	ASSERT_EQ(s.clock_back_ms, 60000);
	ASSERT_EQ(s.skipped, 3);
	ASSERT_EQ(clock_nsaid, 1);
	ASSERT_CONTAINS(clock_said[0], "stepped back by 60.000 s");
	ASSERT(cd_mclock_take(&c, 1040000, &s, clock_log));
	ASSERT_EQ(clock_nsaid, 2);
	ASSERT_CONTAINS(clock_said[1], "3 collections were skipped");
	ASSERT(!cd_mclock_take(&c, 1039000, &s, clock_log));  /* a second step */
	ASSERT_EQ(s.clock_back, 2);
	ASSERT_EQ(s.clock_back_ms, 60000);
	ASSERT_EQ(s.skipped, 4);
}
