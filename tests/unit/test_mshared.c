/* test_mshared.c - the metrics store that several managers write, on a
 * real PostgreSQL (tests/unit/pg-run starts one and sets CD_TEST_PG):
 * two stores, as two managers, on one database.  What one writes the
 * other reads, from its samples written ahead, its saved heads and the
 * sealed chunks; a series moved from one to the other reads whole and in
 * order; a manager killed starts again with what it had; a manager gone
 * is taken over by another, and nothing is read twice or lost; days are
 * rolled up once; an object removed through one is gone for the other,
 * and no number is given again. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "db/db.h"
#include "metrics/mstore.h"
#include "test.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */

static const char *pg(void)
{
	return getenv("CD_TEST_PG");
}

static void sql(const char *s)
{
	struct cd_db *db;
	int r = cd_db_open(pg(), &db);
	if (!r)
		r = cd_db_exec(db, s);
	if (r)
		fprintf(stderr, "%s\n", cd_db_error(db));
	cd_db_close(db);
	ASSERT_EQ(r, 0);
}

/* A database without the metrics' tables. */
static void clean(void)
{
	sql("DROP TABLE IF EXISTS metrics_writers, metrics_groups, metrics_series,"
	    " metrics_chunks, metrics_heads, metrics_wal, metrics_gone;"
	    " DROP SEQUENCE IF EXISTS metrics_writer_ids;");
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cordon-mshared-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static void rmdir_all(char *d)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ASSERT(system(cmd) == 0);
	free(d);
}

static struct cd_mstore *open_at(const char *dir)
{
	struct cd_mstore_opts o = { .shared = pg(), .block_rows = 60 };
	struct cd_mstore *st;
	char err[256];
	int r = cd_mstore_open(dir, &o, &st, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	ASSERT_EQ(r, 0);
	return st;
}

static int64_t series(struct cd_mstore *st, const char *vm, const char *metric, bool counter)
{
	char labels[64];
	snprintf(labels, sizeof(labels), "vm=\"%s\"", vm);
	struct cd_series_desc d = { .metric = metric, .labels = labels, .kind = "vm",
				    .name = vm, .host = "kvm1", .source = "kvm1",
				    .counter = counter };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	return id;
}

static int64_t when(int i)
{
	return T0 + (int64_t)i * 20000;
}

static void append(struct cd_mstore *st, int64_t id, int from, int to)
{
	for (int i = from; i < to; i++)
		ASSERT_EQ(cd_mstore_append(st, id, when(i), i * 1.5), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
}

/* The series' samples read through st are exactly from..to-1. */
static void expect(struct cd_mstore *st, int64_t id, int from, int to)
{
	struct cd_sample *v;
	size_t n;
	ASSERT_EQ(cd_mstore_samples(st, id, INT64_MIN, INT64_MAX, &v, &n, NULL), 0);
	if (n != (size_t)(to - from))
		fprintf(stderr, "    %zu samples, expected %d\n", n, to - from);
	ASSERT_EQ(n, (size_t)(to - from));
	for (size_t i = 0; i < n; i++)
		ASSERT(v[i].t == when(from + (int)i) && v[i].v == (from + (int)i) * 1.5);
	free(v);
}

TEST(pg_mstore_two_managers_read_each_other)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *a = open_at(da), *b = open_at(db);
	int64_t s = series(a, "vdi-001", "vm_memory_used_bytes", false);
	/* 100 samples through A: sealed blocks of 60 rows, and a head */
	append(a, s, 0, 100);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_info(b, s, &info), 0);
	ASSERT_EQ(info.last_t, when(99));
	ASSERT(info.last_v == 99 * 1.5);
	expect(b, s, 0, 100);
	/* the same series asked of B is A's, not a second one */
	ASSERT_EQ(series(b, "vdi-001", "vm_memory_used_bytes", false), s);
	/* A's checkpoint: its head saved, its samples written ahead gone;
	 * what A writes after it B learns too */
	ASSERT_EQ(cd_mstore_checkpoint(a), 0);
	expect(b, s, 0, 100);
	append(a, s, 100, 110);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	ASSERT_EQ(cd_mstore_info(b, s, &info), 0);
	ASSERT_EQ(info.last_t, when(109));
	/* the agent moves to B: B goes on after A's last */
	ASSERT_EQ(cd_mstore_append(b, s, when(109), 0), -EINVAL);
	append(b, s, 110, 250);
	ASSERT_EQ(cd_mstore_follow(a), 0);
	expect(a, s, 0, 250);
	expect(b, s, 0, 250);
	/* and back to A */
	append(a, s, 250, 300);
	expect(b, s, 0, 300);
	/* a series B adds, A sees */
	int64_t s2 = series(b, "vdi-002", "vm_memory_used_bytes", false);
	ASSERT(s2 != s);
	ASSERT_EQ(cd_mstore_follow(a), 0);
	ASSERT_EQ(cd_mstore_info(a, s2, &info), 0);
	ASSERT_EQ(cd_mstore_close(a), 0);
	ASSERT_EQ(cd_mstore_close(b), 0);
	/* both again, from what they saved */
	a = open_at(da);
	expect(a, s, 0, 300);
	cd_mstore_close(a);
	rmdir_all(da);
	rmdir_all(db);
}

TEST(pg_mstore_killed_manager_starts_again_or_is_taken_over)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *b = open_at(db);
	int64_t s;
	pid_t pid = fork();
	if (pid == 0) {                    /* manager A: writes, then is killed */
		test_in_child = true;
		struct cd_mstore *a = open_at(da);
		s = series(a, "vdi-001", "vm_cpu_seconds_total", true);
		append(a, s, 0, 130);
		cd_mstore_checkpoint(a);
		append(a, s, 130, 200);
		kill(getpid(), SIGKILL);   /* kill -9: nothing closed */
		_exit(1);
	}
	int status;
	ASSERT(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	struct cd_series_info info;
	size_t n = cd_mstore_object(b, "vm", "vdi-001", "vm_cpu_seconds_total", &info, 1);
	ASSERT_EQ(n, 1);
	s = info.id;
	ASSERT_EQ(info.last_t, when(199));
	/* A's saved head and samples written ahead: read by B */
	expect(b, s, 0, 200);
	/* A started again: its own heads and samples, nothing twice */
	struct cd_mstore *a = open_at(da);
	expect(a, s, 0, 200);
	append(a, s, 200, 210);
	expect(b, s, 0, 210);
	cd_mstore_discard(a);              /* killed again: its lock goes with it */
	/* gone for good (no checkpoint for 15 minutes): B takes over at its
	 * upkeep, sealing A's heads and samples into chunks of its own */
	sql("UPDATE metrics_writers SET seen = 0");
	ASSERT_EQ(cd_mstore_maintain(b, when(210)), 0);
	expect(b, s, 0, 210);
	struct cd_db *d;
	ASSERT_EQ(cd_db_open(pg(), &d), 0);
	ASSERT_EQ(cd_db_scalar(cd_db_prep(d, "SELECT count(*) FROM metrics_writers", "")), 1);
	ASSERT_EQ(cd_db_scalar(cd_db_prep(d, "SELECT count(*) FROM metrics_wal", "")), 0);
	cd_db_close(d);
	/* A started again after that: a new writer, the same samples */
	a = open_at(da);
	expect(a, s, 0, 210);
	append(a, s, 210, 220);
	expect(b, s, 0, 220);
	/* B killed now: A reads B's chunks */
	cd_mstore_discard(b);
	expect(a, s, 0, 220);
	cd_mstore_close(a);
	rmdir_all(da);
	rmdir_all(db);
}

TEST(pg_mstore_days_rolled_up_once)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *a = open_at(da), *b = open_at(db);
	int64_t s = series(a, "vdi-001", "vm_memory_used_bytes", false);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	/* day 1 through A, day 2 through B */
	append(a, s, 0, 4320);
	append(b, s, 4320, 8640);
	/* both days over: B seals its head, but cannot roll up day 1 while A
	 * holds some of it in its head and samples written ahead... */
	int64_t now = T0 + 2 * DAY + 2 * 3600000;
	ASSERT_EQ(cd_mstore_maintain(b, now), 0);
	struct cd_rollup *p;
	size_t k;
	ASSERT_EQ(cd_mstore_rollups(b, s, CD_TIER_1H, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 0);
	free(p);
	/* ...which A seals at its upkeep, and rolls up both days; B's next
	 * upkeep makes none again */
	ASSERT_EQ(cd_mstore_maintain(a, now), 0);
	ASSERT_EQ(cd_mstore_maintain(b, now), 0);
	ASSERT_EQ(cd_mstore_rollups(a, s, CD_TIER_1H, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 48);
	for (size_t i = 0; i < k; i++)
		ASSERT(p[i].count == 180 && p[i].t == T0 + (int64_t)i * 3600000);
	free(p);
	ASSERT_EQ(cd_mstore_rollups(b, s, CD_TIER_5M, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT_EQ(k, 2 * 288);
	free(p);
	cd_mstore_close(a);
	cd_mstore_close(b);
	rmdir_all(da);
	rmdir_all(db);
}

TEST(pg_mstore_removed_through_one_gone_for_the_other)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *a = open_at(da), *b = open_at(db);
	int64_t keep = series(a, "vdi-001", "vm_memory_used_bytes", false);
	int64_t s = series(a, "vdi-002", "vm_memory_used_bytes", false);
	append(a, keep, 0, 100);
	append(a, s, 0, 100);               /* sealed blocks, a head, rows written ahead */
	ASSERT_EQ(cd_mstore_checkpoint(a), 0);
	append(a, s, 100, 110);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	append(b, s, 110, 120);              /* B's own, written ahead */
	expect(b, s, 0, 120);
	size_t n;
	ASSERT_EQ(cd_mstore_remove_object(a, "vm", "VDI-002", &n), 0);
	ASSERT_EQ(n, 1);
	/* B learns it as it follows: gone there too, samples and all */
	ASSERT_EQ(cd_mstore_removals(b), 0);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	ASSERT_EQ(cd_mstore_removals(b), 1);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_info(b, s, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_find(b, "vm_memory_used_bytes{vm=\"vdi-002\"}", &info), -ENOENT);
	ASSERT_EQ(cd_mstore_remove_object(b, "vm", "vdi-002", &n), -ENOENT);
	expect(b, keep, 0, 100);
	/* made again through B: a new number, and nothing of the old */
	int64_t s2 = series(b, "vdi-002", "vm_memory_used_bytes", false);
	ASSERT(s2 > s);
	append(b, s2, 500, 510);
	ASSERT_EQ(cd_mstore_follow(a), 0);
	expect(a, s2, 500, 510);
	ASSERT_EQ(cd_mstore_close(a), 0);
	ASSERT_EQ(cd_mstore_close(b), 0);
	/* and after a start */
	a = open_at(da);
	ASSERT_EQ(cd_mstore_info(a, s, &info), -ENOENT);
	expect(a, s2, 500, 510);
	expect(a, keep, 0, 100);
	ASSERT_EQ(cd_mstore_close(a), 0);
	rmdir_all(da);
	rmdir_all(db);
}

/* (the database layer under the store) A transaction one statement of
 * which failed unseen is rolled back by PostgreSQL's COMMIT, without an
 * error of its own: the commit says so. */
TEST(pg_db_commit_of_a_failed_transaction_fails)
{
	struct cd_db *db;
	ASSERT_EQ(cd_db_open(pg(), &db), 0);
	ASSERT_EQ(cd_db_exec(db, "DROP TABLE IF EXISTS commit_probe; CREATE TABLE commit_probe(x int)"), 0);
	ASSERT_EQ(cd_db_begin(db), 0);
	ASSERT_EQ(cd_db_exec(db, "INSERT INTO commit_probe VALUES (1)"), 0);
	ASSERT(cd_db_exec(db, "SELECT no_such_column FROM commit_probe") < 0);
	int r = cd_db_commit(db);
	ASSERT(r < 0);
	ASSERT_CONTAINS(cd_db_error(db), "rolled back");
	ASSERT_EQ(cd_db_scalar(cd_db_prep(db, "SELECT count(*) FROM commit_probe", "")), 0);
	ASSERT_EQ(cd_db_exec(db, "DROP TABLE commit_probe"), 0);
	cd_db_close(db);
}

/* Whether writer w's lock is free (taken and let go at once if so). */
static bool writer_lock_free(int64_t w)
{
	struct cd_db *d;
	ASSERT_EQ(cd_db_open(pg(), &d), 0);
	int64_t v = cd_db_scalar(cd_db_prep(d, "SELECT CASE WHEN pg_try_advisory_lock(1836348003,"
					    " CAST(? AS integer)) THEN 1 ELSE 0 END", "i", w));
	ASSERT(v == 0 || v == 1);
	cd_db_close(d);                    /* the lock, if taken, goes with it */
	return v == 1;
}

TEST(pg_mstore_connection_lost_writer_taken_again_before_writing)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *a = open_at(da), *b = open_at(db);
	int64_t s = series(a, "vdi-001", "vm_memory_used_bytes", false);
	append(a, s, 0, 10);
	char *num, path[300];
	size_t len;
	snprintf(path, sizeof(path), "%s/metrics.writer", da);
	ASSERT_EQ(cd_read_file(path, 64, &num, &len), 0);
	int64_t w = strtoll(num, NULL, 10);
	free(num);
	ASSERT(!writer_lock_free(w));
	/* every connection of the managers ended, as a restart of the
	 * database ends them: A's lock with its own */
	sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
	    " AND pid <> pg_backend_pid()");
	ASSERT(writer_lock_free(w));
	for (int i = 10; i < 12; i++)          /* the first notices, the next connects again */
		cd_mstore_append(a, s, when(i), i * 1.5), cd_mstore_commit(a);
	/* what A wrote it wrote as its writer, holding its lock again */
	ASSERT(!writer_lock_free(w));
	int r = cd_mstore_follow(b);           /* B's first notices its loss */
	ASSERT_EQ(r ? cd_mstore_follow(b) : r, 0);
	expect(b, s, 0, 12);
	ASSERT_EQ(cd_mstore_close(a), 0);
	ASSERT_EQ(cd_mstore_close(b), 0);
	rmdir_all(da);
	rmdir_all(db);
}

static int64_t pg_count(const char *sql_text)
{
	struct cd_db *d;
	ASSERT_EQ(cd_db_open(pg(), &d), 0);
	int64_t v = cd_db_scalar(cd_db_prep(d, sql_text, ""));
	cd_db_close(d);
	return v;
}

/* A removal through A while B adds to the object, then the object made
 * again through A before B follows: the removal takes B's series too (no
 * number given again), and B then takes the object made again (not the
 * old one's place).  Then B holding samples of an object A removes: B's
 * commit writes nothing of it. */
TEST(pg_mstore_removed_while_the_other_adds_then_made_again)
{
	clean();
	char *da = tmpdir(), *db = tmpdir();
	struct cd_mstore *a = open_at(da), *b = open_at(db);
	int64_t s = series(a, "vdi-001", "vm_memory_used_bytes", false);
	append(a, s, 0, 10);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	/* B: another series of the object (its group), unknown to A */
	int64_t s2 = series(b, "vdi-001", "vm_cpu_seconds_total", true);
	append(b, s2, 0, 5);
	size_t n;
	ASSERT_EQ(cd_mstore_remove_object(a, "vm", "vdi-001", &n), 0);
	ASSERT_EQ(n, 2);
	/* made again through A before B hears of anything */
	int64_t s3 = series(a, "vdi-001", "vm_memory_used_bytes", false);
	ASSERT(s3 > s2);
	append(a, s3, 100, 110);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_info(b, s2, &info), -ENOENT);
	ASSERT_EQ(series(b, "vdi-001", "vm_memory_used_bytes", false), s3);
	expect(b, s3, 100, 110);
	int64_t s4 = series(b, "vdi-001", "vm_cpu_seconds_total", true);
	ASSERT(s4 > s3);
	/* B takes samples of vdi-002 and has not committed them when A
	 * removes it: its commit learns of the removal first */
	int64_t t = series(a, "vdi-002", "vm_memory_used_bytes", false);
	append(a, t, 0, 3);
	ASSERT_EQ(cd_mstore_follow(b), 0);
	ASSERT_EQ(cd_mstore_append(b, t, when(3), 1), 0);
	ASSERT_EQ(cd_mstore_remove_object(a, "vm", "vdi-002", &n), 0);
	ASSERT_EQ(cd_mstore_commit(b), 0);
	ASSERT_EQ(cd_mstore_info(b, t, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_close(b), 0);
	ASSERT_EQ(cd_mstore_close(a), 0);
	/* nothing left of the groups removed: heads, rows, chunks */
	ASSERT_EQ(pg_count("SELECT (SELECT count(*) FROM metrics_heads h WHERE NOT EXISTS"
			   " (SELECT 1 FROM metrics_groups g WHERE g.id = h.grp)) + (SELECT count(*)"
			   " FROM metrics_wal w WHERE NOT EXISTS (SELECT 1 FROM metrics_groups g"
			   " WHERE g.id = w.grp)) + (SELECT count(*) FROM metrics_chunks c WHERE NOT"
			   " EXISTS (SELECT 1 FROM metrics_groups g WHERE g.id = c.grp))"), 0);
	rmdir_all(da);
	rmdir_all(db);
}
