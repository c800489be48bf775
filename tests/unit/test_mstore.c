/* test_mstore.c - the metrics store: samples in and out losslessly
 * across sealed chunks, heads and a reopen; what was committed survives a
 * store never closed (as kill -9 leaves it); out-of-order samples refused;
 * the series of a group with late samples and a series joining; days
 * rolled up and retention by tier; retention options. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/util.h"
#include "metrics/mstore.h"
#include "test.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cordon-mstore-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static void rmdir_all(const char *d)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ASSERT(system(cmd) == 0);
}

static struct cd_mstore *open_store(const char *dir, bool bulk)
{
	struct cd_mstore_opts o = { .bulk = bulk };
	struct cd_mstore *st;
	char err[256];
	int r = cd_mstore_open(dir, &o, &st, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	ASSERT_EQ(r, 0);
	return st;
}

static int64_t series(struct cd_mstore *st, const char *metric, bool counter)
{
	struct cd_series_desc d = { .metric = metric, .labels = "vm=\"vdi-001\"", .kind = "vm",
				    .name = "vdi-001", .host = "kvm1", .source = "kvm1",
				    .counter = counter };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	return id;
}

/* a counter of ns-made seconds and a gauge of bytes, every 20 s with jitter */
static double cpu(int i)
{
	return (double)((int64_t)i * 19876543210LL + (i * 7919) % 1000003) / 1e9;
}

static int64_t when(int i)
{
	return T0 + (int64_t)i * 20000 + (i * 37) % 11;
}

static void check_samples(struct cd_mstore *st, int64_t id, int n)
{
	struct cd_sample *v, prev;
	size_t got;
	ASSERT_EQ(cd_mstore_samples(st, id, INT64_MIN, INT64_MAX, &v, &got, NULL), 0);
	ASSERT_EQ(got, n);
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(v[i].t, when(i));
		ASSERT(v[i].v == cpu(i));
	}
	free(v);
	/* a window, and the sample before it */
	ASSERT_EQ(cd_mstore_samples(st, id, when(100), when(199), &v, &got, &prev), 0);
	ASSERT_EQ(got, 100);
	ASSERT_EQ(prev.t, when(99));
	ASSERT(prev.v == cpu(99));
	free(v);
}

TEST(mstore_samples_across_chunks_heads_and_reopen)
{
	char *dir = tmpdir();
	struct cd_mstore *st = open_store(dir, false);
	int64_t c = series(st, "vm_cpu_seconds_total", true);
	int64_t g = series(st, "vm_memory_used_bytes", false);
	ASSERT_EQ(series(st, "vm_cpu_seconds_total", true), c);    /* found again */
	struct cd_series_desc bad = { .metric = "vm_cpu_seconds_total", .labels = "vm=\"vdi-001\"",
				      .counter = false };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &bad, &id), -EEXIST);
	int n = 3 * 4320 + 77;         /* three days and a bit: chunks sealed at midnight too */
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(cd_mstore_append(st, c, when(i), cpu(i)), 0);
		ASSERT_EQ(cd_mstore_append(st, g, when(i), 1073741824.0 + 4096 * (i % 50)), 0);
		if (i % 500 == 0)
			ASSERT_EQ(cd_mstore_commit(st), 0);
	}
	ASSERT_EQ(cd_mstore_append(st, c, when(n - 1), 1), -EINVAL);    /* not after the last */
	ASSERT_EQ(cd_mstore_append(st, 999, when(n), 1), -ENOENT);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	check_samples(st, c, n);
	struct cd_mstore_stats s;
	ASSERT_EQ(cd_mstore_stats(st, &s), 0);
	ASSERT_EQ(s.samples, 2 * n);
	ASSERT_EQ(s.series, 2);
	ASSERT_EQ(s.refused, 1);
	ASSERT(s.bytes > 0);
	cd_mstore_close(st);

	st = open_store(dir, false);
	check_samples(st, c, n);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_find(st, "vm_cpu_seconds_total{vm=\"vdi-001\"}", &info), 0);
	ASSERT_EQ(info.last_t, when(n - 1));
	ASSERT(info.last_v == cpu(n - 1));
	ASSERT(info.counter);
	ASSERT_EQ(cd_mstore_find(st, "nope{}", &info), -ENOENT);
	cd_mstore_close(st);
	rmdir_all(dir);
	free(dir);
}

TEST(mstore_committed_samples_survive_a_crash)
{
	char dir[] = "/tmp/cordon-mstore-XXXXXX";   /* not allocated: the child leaks nothing */
	ASSERT(mkdtemp(dir));
	/* a child appends and commits, then dies without closing: what was
	 * committed must be there, heads and write-ahead rows alike */
	pid_t pid = fork();
	if (pid == 0) {
		struct cd_mstore_opts o = { 0 };
		struct cd_mstore *st;
		char err[256];
		if (cd_mstore_open(dir, &o, &st, err, sizeof(err)))
			_exit(2);
		struct cd_series_desc d = { .metric = "vm_cpu_seconds_total",
					    .labels = "vm=\"vdi-001\"", .kind = "vm",
					    .name = "vdi-001", .counter = true };
		int64_t id;
		if (cd_mstore_series(st, &d, &id))
			_exit(3);
		for (int i = 0; i < 1000; i++) {
			if (cd_mstore_append(st, id, when(i), cpu(i)))
				_exit(4);
			if (i % 10 == 9 && cd_mstore_commit(st))
				_exit(5);
			if (i == 600 && cd_mstore_checkpoint(st))
				_exit(6);
		}
		/* appended, never committed: may be lost */
		cd_mstore_append(st, id, when(1000), cpu(1000));
		_exit(0);
	}
	int status;
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct cd_mstore *st = open_store(dir, false);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_find(st, "vm_cpu_seconds_total{vm=\"vdi-001\"}", &info), 0);
	check_samples(st, info.id, 1000);
	/* and it goes on from there */
	ASSERT_EQ(cd_mstore_append(st, info.id, when(1000), cpu(1000)), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	cd_mstore_close(st);
	rmdir_all(dir);
}

TEST(mstore_series_of_a_group_late_and_joining)
{
	/* small blocks; one series' samples come late (an agent's buffer
	 * sent series by series), another joins half way */
	char *dir = tmpdir();
	struct cd_mstore_opts o = { .block_rows = 16 };
	struct cd_mstore *st;
	char err[256];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	int64_t a = series(st, "vm_cpu_seconds_total", true);
	int64_t b = series(st, "vm_disk_read_bytes_total", true);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(cd_mstore_append(st, a, when(i), cpu(i)), 0);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(cd_mstore_append(st, b, when(i), i * 512.0), 0);
	int64_t c = series(st, "vm_net_rx_bytes_total", true);
	for (int i = 100; i < 300; i++) {
		ASSERT_EQ(cd_mstore_append(st, a, when(i), cpu(i)), 0);
		ASSERT_EQ(cd_mstore_append(st, b, when(i), i * 512.0), 0);
		if (i >= 150)
			ASSERT_EQ(cd_mstore_append(st, c, when(i), i * 3.0), 0);
		if (i % 7 == 0)
			ASSERT_EQ(cd_mstore_commit(st), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	for (int round = 0; round < 2; round++) {
		check_samples(st, a, 300);
		struct cd_sample *v;
		size_t n;
		ASSERT_EQ(cd_mstore_samples(st, b, INT64_MIN, INT64_MAX, &v, &n, NULL), 0);
		ASSERT_EQ(n, 300);
		for (int i = 0; i < 300; i++)
			ASSERT(v[i].t == when(i) && v[i].v == i * 512.0);
		free(v);
		ASSERT_EQ(cd_mstore_samples(st, c, INT64_MIN, INT64_MAX, &v, &n, NULL), 0);
		ASSERT_EQ(n, 150);
		ASSERT(v[0].t == when(150) && v[149].v == 299 * 3.0);
		free(v);
		ASSERT_EQ(cd_mstore_close(st), 0);
		ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	}
	cd_mstore_close(st);
	rmdir_all(dir);
	free(dir);
}

TEST(mstore_days_rolled_up_and_retention)
{
	char *dir = tmpdir();
	struct cd_mstore *st = open_store(dir, false);
	int64_t c = series(st, "vm_cpu_seconds_total", true);
	int64_t g = series(st, "vm_memory_used_bytes", false);
	int n = 3 * 4320 + 77;
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(cd_mstore_append(st, c, when(i), cpu(i)), 0);
		/* a gauge with a peak of one sample at noon of the first day */
		ASSERT_EQ(cd_mstore_append(st, g, when(i), i == 2160 ? 9e9 : 1e9 + i), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	/* three days sealed; the fourth is the head's */
	ASSERT_EQ(cd_mstore_maintain(st, when(n)), 0);
	struct cd_rollup *p;
	size_t k;
	ASSERT_EQ(cd_mstore_rollups(st, g, CD_TIER_1H, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 72);
	ASSERT_EQ(p[12].t, T0 + 12 * 3600000LL);
	ASSERT(p[12].max == 9e9);
	ASSERT_EQ(p[12].count, 180);
	free(p);
	ASSERT_EQ(cd_mstore_rollups(st, c, CD_TIER_5M, T0 + DAY, T0 + 2 * DAY - 1, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 288);
	/* the counter's 5-minute rate is exact: its increase over its time */
	double want = (cpu(4349) - cpu(4334)) / ((when(4349) - when(4334)) / 1000.0);
	ASSERT(fabs(cd_rollup_rate(&p[1]) - want) < 1e-9 * want);
	free(p);
	/* a week later the raw days go, the rollups stay; the head, of a
	 * day long over, is sealed and rolled up first, and goes with them */
	ASSERT_EQ(cd_mstore_maintain(st, T0 + 11 * DAY), 0);
	struct cd_sample *v;
	ASSERT_EQ(cd_mstore_samples(st, c, INT64_MIN, INT64_MAX, &v, &k, NULL), 0);
	ASSERT_EQ(k, 0);
	free(v);
	ASSERT_EQ(cd_mstore_rollups(st, c, CD_TIER_5M, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 3 * 288 + 6);  /* 77 samples 20 s apart: 6 steps of 5 minutes */
	free(p);
	struct cd_mstore_stats s;
	ASSERT_EQ(cd_mstore_stats(st, &s), 0);
	ASSERT_EQ(s.dropped[CD_TIER_RAW], 2 * (3 * 4320 + 77));
	cd_mstore_close(st);
	rmdir_all(dir);
	free(dir);
}

TEST(mstore_retention_options)
{
	struct cd_retention r = { NULL, { 1, 2, 3 } };
	char err[256];
	ASSERT_EQ(cd_retention_parse("raw=2d,1h=1y", &r, err, sizeof(err)), 0);
	ASSERT_EQ(r.keep_ms[0], 2 * DAY);
	ASSERT_EQ(r.keep_ms[1], 2);
	ASSERT_EQ(r.keep_ms[2], 365 * DAY);
	ASSERT(r.pattern == NULL);
	ASSERT_EQ(cd_retention_parse("vm_disk_*:5m=12w", &r, err, sizeof(err)), 0);
	ASSERT_STR_EQ(r.pattern, "vm_disk_*");
	ASSERT_EQ(r.keep_ms[1], 84 * DAY);
	free((char *)r.pattern);
	const char *bad[] = { "raw=7", "raw=0d", "2m=1d", "raw=7d,", "raw=x", ":raw=1d", "raw=1d;" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cd_retention b = { NULL, { 0, 0, 0 } };
		ASSERT_EQ(cd_retention_parse(bad[i], &b, err, sizeof(err)), -EINVAL);
		ASSERT(b.pattern == NULL);
	}
}

TEST(mstore_retention_per_metric)
{
	/* vm_disk_* kept 1 day raw and 2 days at 5 minutes; the rest by default */
	char dir[] = "/tmp/cordon-mstore-XXXXXX";
	ASSERT(mkdtemp(dir));
	struct cd_retention ret[2] = {
		{ "vm_disk_*", { DAY, 2 * DAY, 3 * DAY } },
		{ NULL, { 7 * DAY, 180 * DAY, 730 * DAY } },
	};
	struct cd_mstore_opts o = { .retention = ret, .nretention = 2 };
	struct cd_mstore *st;
	char err[256];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	int64_t c = series(st, "vm_cpu_seconds_total", true);
	int64_t d = series(st, "vm_disk_read_bytes_total", true);
	int n = 3 * 4320 + 10;
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(cd_mstore_append(st, c, when(i), cpu(i)), 0);
		ASSERT_EQ(cd_mstore_append(st, d, when(i), 512.0 * i), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	ASSERT_EQ(cd_mstore_maintain(st, T0 + 4 * DAY), 0);
	struct cd_sample *v;
	size_t k;
	ASSERT_EQ(cd_mstore_samples(st, c, INT64_MIN, INT64_MAX, &v, &k, NULL), 0);
	ASSERT_EQ(k, n);           /* 7 days: all kept */
	free(v);
	ASSERT_EQ(cd_mstore_samples(st, d, INT64_MIN, INT64_MAX, &v, &k, NULL), 0);
	ASSERT_EQ(k, 10);          /* the rolled days went; the head's day stays */
	free(v);
	struct cd_rollup *p;
	ASSERT_EQ(cd_mstore_rollups(st, d, CD_TIER_5M, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 288);         /* the last rolled day, 2 days before now */
	ASSERT(p[0].t >= T0 + 2 * DAY);
	free(p);
	ASSERT_EQ(cd_mstore_rollups(st, c, CD_TIER_5M, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 3 * 288);
	free(p);
	cd_mstore_close(st);
	rmdir_all(dir);
}

static void count_series(void *arg, const struct cd_series_info *s)
{
	(void)s;
	(*(int *)arg)++;
}

/* A series row that names a group the file does not have (a damaged
 * file): the store opens, that series set aside, the others kept. */
TEST(mstore_opens_with_a_series_of_no_group)
{
	char *d = tmpdir();
	struct cd_mstore *st = open_store(d, false);
	series(st, "vm_vcpus", false);
	int64_t id = series(st, "vm_memory_used_bytes", false);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	ASSERT_EQ(cd_mstore_close(st), 0);
	sqlite3 *db;
	char *p = cd_asprintf("%s/metrics.db", d), *sql = cd_asprintf("UPDATE series SET grp = 999 WHERE id = %lld",
								     (long long)id);
	ASSERT_EQ(sqlite3_open(p, &db), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(p);
	free(sql);
	st = open_store(d, false);
	int n = 0;
	cd_mstore_each(st, count_series, &n);
	ASSERT_EQ(n, 1);
	/* and the series can be made again (its old row makes way) */
	id = series(st, "vm_memory_used_bytes", false);
	ASSERT_EQ(cd_mstore_append(st, id, when(0), 1e9), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	ASSERT_EQ(cd_mstore_close(st), 0);
	rmdir_all(d);
	free(d);
}

/* One flipped bit in a write-ahead row's time (years ahead): that sample
 * is skipped at open, and its series goes on (it is not "not after the
 * last" for good). */
TEST(mstore_write_ahead_sample_dated_ahead_skipped)
{
	char *d = tmpdir();
	struct cd_mstore *st = open_store(d, false);
	int64_t id = series(st, "vm_memory_used_bytes", false);
	for (int i = 0; i < 30; i++) {
		ASSERT_EQ(cd_mstore_append(st, id, when(i), 1e9 + i), 0);
		if (i % 10 == 9)
			ASSERT_EQ(cd_mstore_commit(st), 0);
	}
	cd_mstore_discard(st);            /* as a crash: the rows written ahead stay */
	sqlite3 *db;
	char *p = cd_asprintf("%s/metrics.db", d);
	ASSERT_EQ(sqlite3_open(p, &db), SQLITE_OK);
	sqlite3_stmt *q;
	ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT id, data FROM wal ORDER BY id LIMIT 1", -1, &q, NULL), SQLITE_OK);
	ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
	int64_t row = sqlite3_column_int64(q, 0);
	int n = sqlite3_column_bytes(q, 1);
	uint8_t *b = malloc((size_t)n);
	memcpy(b, sqlite3_column_blob(q, 1), (size_t)n);
	sqlite3_finalize(q);
	ASSERT(n > 9);
	b[1 + 6] ^= 0x40;                 /* the first entry's time: bit 54 of it */
	ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE wal SET data = ? WHERE id = ?", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_blob(q, 1, b, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, row);
	ASSERT_EQ(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(b);
	free(p);
	st = open_store(d, false);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_info(st, id, &info), 0);
	ASSERT_EQ(info.last_t, when(29));
	ASSERT_EQ(cd_mstore_append(st, id, when(30), 2e9), 0);
	ASSERT_EQ(cd_mstore_close(st), 0);
	rmdir_all(d);
	free(d);
}

struct gathered {
	struct cd_sample v[3 * 4320];
	size_t n;
	int again;
	bool unordered;
};

static void gather_take(void *arg, const struct cd_sample *s, size_t n)
{
	struct gathered *g = arg;
	for (size_t i = 0; i < n; i++) {
		if (g->n && s[i].t <= g->v[g->n - 1].t)
			g->unordered = true;
		if (g->n < sizeof(g->v) / sizeof(g->v[0]))
			g->v[g->n++] = s[i];
	}
}

static void gather_again(void *arg)
{
	struct gathered *g = arg;
	g->n = 0;
	g->again++;
}

/* Samples given one by one as they are decoded (what queries roll up)
 * are those of the array, prev the same; a block that opens but stops
 * decoding half way, after some of its samples were given, makes the
 * reader start again (again() once) and leave that block out whole, as
 * the array does. */
TEST(mstore_samples_each_as_the_array)
{
	char *d = tmpdir();
	struct cd_mstore *st = open_store(d, false);
	int64_t id = series(st, "vm_cpu_seconds_total", true);
	int n = 3 * 4320 - 100;
	for (int i = 0; i < n; i++)
		ASSERT_EQ(cd_mstore_append(st, id, when(i), cpu(i)), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	static struct gathered g;
	struct cd_sample_sink sink = { gather_take, gather_again, &g };
	for (int round = 0; round < 2; round++) {
		int64_t from = when(1000) - 5, to = when(n - 10);
		struct cd_sample *v, prev, prev2;
		size_t k;
		ASSERT_EQ(cd_mstore_samples(st, id, from, to, &v, &k, &prev), 0);
		g.n = 0;
		g.again = 0;
		ASSERT_EQ(cd_mstore_samples_each(st, id, from, to, &prev2, &sink), 0);
		ASSERT_EQ(g.again, round);         /* the damaged block: read again */
		ASSERT(!g.unordered);
		ASSERT_EQ(g.n, k);
		ASSERT(memcmp(g.v, v, k * sizeof(*v)) == 0);
		ASSERT(prev.t == prev2.t && prev.v == prev2.v && prev.t == when(999));
		if (round == 0)
			ASSERT_EQ(k, n - 10 - 1000 + 1);
		else
			ASSERT_EQ(k, n - 10 - 1000 + 1 - 240);     /* the block left out */
		free(v);
		if (round)
			break;
		/* a raw block in the range claims 300 rows where it has 240 */
		ASSERT_EQ(cd_mstore_close(st), 0);
		sqlite3 *db;
		sqlite3_stmt *q;
		char *p = cd_asprintf("%s/metrics.db", d);
		ASSERT_EQ(sqlite3_open(p, &db), SQLITE_OK);
		ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rowid, data FROM chunks WHERE tier = 0 "
					     "ORDER BY t0 LIMIT 1 OFFSET 10", -1, &q, NULL), SQLITE_OK);
		ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
		int64_t row = sqlite3_column_int64(q, 0);
		int len = sqlite3_column_bytes(q, 1);
		uint8_t *b = malloc((size_t)len);
		memcpy(b, sqlite3_column_blob(q, 1), (size_t)len);
		sqlite3_finalize(q);
		ASSERT(b[1] == 0xf0 && b[2] == 1);  /* 240 rows */
		b[1] = 0xac;
		b[2] = 2;                          /* 300 */
		ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE chunks SET data = ? WHERE rowid = ?", -1, &q,
					     NULL), SQLITE_OK);
		sqlite3_bind_blob(q, 1, b, len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, row);
		ASSERT_EQ(sqlite3_step(q), SQLITE_DONE);
		sqlite3_finalize(q);
		sqlite3_close(db);
		free(b);
		free(p);
		st = open_store(d, false);
	}
	ASSERT_EQ(cd_mstore_close(st), 0);
	rmdir_all(d);
	free(d);
}
