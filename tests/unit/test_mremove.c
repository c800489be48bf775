/* test_mremove.c - series removed from the metrics store: an object's,
 * whole (its name matched ignoring case), for good across a crash and a
 * reopen, with no number given again and the bound freed; and those the
 * retention has emptied, by the upkeep, while an object with samples
 * left stays. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metrics/mstore.h"
#include "test.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */

static struct cd_mstore *open_at(const char *dir, size_t max_series,
				 const struct cd_retention *ret)
{
	struct cd_mstore_opts o = { .max_series = max_series, .block_rows = 60,
				    .retention = ret, .nretention = ret ? 1 : 0 };
	struct cd_mstore *st;
	char err[256];
	int r = cd_mstore_open(dir, &o, &st, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	ASSERT_EQ(r, 0);
	return st;
}

static int series_of(struct cd_mstore *st, const char *vm, const char *metric, int64_t *id)
{
	char labels[64];
	snprintf(labels, sizeof(labels), "vm=\"%s\"", vm);
	struct cd_series_desc d = { .metric = metric, .labels = labels, .kind = "vm", .name = vm,
				    .host = "kvm1", .source = "kvm1" };
	return cd_mstore_series(st, &d, id);
}

static int64_t series(struct cd_mstore *st, const char *vm, const char *metric)
{
	int64_t id;
	ASSERT_EQ(series_of(st, vm, metric, &id), 0);
	return id;
}

static void append(struct cd_mstore *st, int64_t id, int64_t t0, int from, int to)
{
	for (int i = from; i < to; i++)
		ASSERT_EQ(cd_mstore_append(st, id, t0 + i * INT64_C(20000), i), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
}

static size_t count(struct cd_mstore *st, int64_t id)
{
	struct cd_sample *v;
	size_t n;
	int r = cd_mstore_samples(st, id, INT64_MIN, INT64_MAX, &v, &n, NULL);
	if (r)
		return (size_t)r;      /* a negative code, as a huge count */
	free(v);
	return n;
}

/* The child's part: b's series first, then a's (the highest numbers),
 * samples sealed and written ahead, a's removed, and death without a
 * close: the rows written ahead still hold a's samples. */
static void removed_then_killed(const char *dir)
{
	struct cd_mstore_opts o = { .max_series = 3, .block_rows = 60 };
	struct cd_mstore *st;
	char err[256];
	if (cd_mstore_open(dir, &o, &st, err, sizeof(err)))
		_exit(2);
	int64_t b, a1, a2, id;
	if (series_of(st, "vdi-b", "vm_memory_used_bytes", &b) ||
	    series_of(st, "vdi-a", "vm_memory_used_bytes", &a1) ||
	    series_of(st, "vdi-a", "vm_disk_used_bytes", &a2))
		_exit(3);
	/* the bound: a fourth is refused */
	if (series_of(st, "vdi-c", "vm_memory_used_bytes", &id) != -ENOSPC)
		_exit(4);
	for (int i = 0; i < 150; i++)
		if (cd_mstore_append(st, b, T0 + i * 20000, i) ||
		    cd_mstore_append(st, a1, T0 + i * 20000, i) ||
		    cd_mstore_append(st, a2, T0 + i * 20000, i))
			_exit(5);
	if (cd_mstore_checkpoint(st))
		_exit(6);
	for (int i = 150; i < 170; i++)
		if (cd_mstore_append(st, a1, T0 + i * 20000, i) || cd_mstore_commit(st))
			_exit(7);
	size_t n;
	if (cd_mstore_remove_object(st, "vm", "VDI-A", &n) || n != 2)
		_exit(8);
	_exit(0);
}

TEST(mremove_an_object_whole_for_good_and_made_again)
{
	char dir[] = "/tmp/cordon-mremove-XXXXXX";   /* not allocated: the child leaks nothing */
	ASSERT(mkdtemp(dir));
	pid_t pid = fork();
	if (pid == 0)
		removed_then_killed(dir);
	int status;
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);

	struct cd_mstore *st = open_at(dir, 3, NULL);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_find(st, "vm_memory_used_bytes{vm=\"vdi-a\"}", &info), -ENOENT);
	ASSERT_EQ(cd_mstore_info(st, 2, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_info(st, 3, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_find(st, "vm_memory_used_bytes{vm=\"vdi-b\"}", &info), 0);
	ASSERT_EQ(info.id, 1);
	ASSERT_EQ(count(st, 1), 150);
	struct cd_mstore_stats s;
	ASSERT_EQ(cd_mstore_stats(st, &s), 0);
	ASSERT_EQ(s.series, 1);
	ASSERT_EQ(s.samples, 150);
	size_t n;
	ASSERT_EQ(cd_mstore_remove_object(st, "vm", "vdi-a", &n), -ENOENT);
	ASSERT_EQ(n, 0);
	/* the bound freed; no number given again, so the rows written ahead
	 * before the removal give the new series nothing */
	int64_t c = series(st, "vdi-c", "vm_memory_used_bytes");
	int64_t a = series(st, "vdi-a", "vm_memory_used_bytes");
	ASSERT(c > 3 && a > 3 && a != c);
	int64_t id;
	ASSERT_EQ(series_of(st, "vdi-d", "vm_memory_used_bytes", &id), -ENOSPC);
	append(st, a, T0 + DAY, 0, 10);
	ASSERT_EQ(count(st, a), 10);
	struct cd_series_info objs[4];
	ASSERT_EQ(cd_mstore_object(st, "vm", "vdi-a", "vm_memory_used_bytes", objs, 4), 1);
	ASSERT_EQ(objs[0].id, a);
	ASSERT_EQ(cd_mstore_removals(st), 0);
	ASSERT_EQ(cd_mstore_close(st), 0);

	st = open_at(dir, 3, NULL);
	ASSERT_EQ(count(st, a), 10);
	ASSERT_EQ(count(st, 1), 150);
	ASSERT_EQ(cd_mstore_remove_object(st, "vm", "vdi-a", &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(cd_mstore_removals(st), 1);
	ASSERT_EQ(cd_mstore_object(st, "vm", "vdi-a", "vm_memory_used_bytes", objs, 4), 0);
	ASSERT_EQ(cd_mstore_append(st, a, T0 + 2 * DAY, 1), -ENOENT);
	ASSERT_EQ(count(st, a), (size_t)-ENOENT);
	ASSERT_EQ(cd_mstore_close(st), 0);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}

TEST(mremove_what_the_retention_emptied)
{
	char dir[] = "/tmp/cordon-mremove-XXXXXX";
	ASSERT(mkdtemp(dir));
	/* kept 1 day raw, 2 days at 5 minutes, 3 at 1 hour */
	struct cd_retention ret = { NULL, { DAY, 2 * DAY, 3 * DAY } };
	struct cd_mstore *st = open_at(dir, 0, &ret);
	int64_t now = (int64_t)time(NULL) * 1000;
	int64_t day = now - now % DAY - DAY;          /* yesterday, 00:00 UTC */
	int64_t gone = series(st, "vdi-gone", "vm_memory_used_bytes");
	int64_t stays = series(st, "vdi-stays", "vm_memory_used_bytes");
	append(st, gone, day, 0, 300);
	append(st, stays, day, 0, 300);
	/* two days on: its raw samples dropped, its rollups kept */
	ASSERT_EQ(cd_mstore_maintain(st, day + 3 * DAY), 0);
	ASSERT_EQ(count(st, gone), 0);
	struct cd_rollup *p;
	size_t k;
	ASSERT_EQ(cd_mstore_rollups(st, gone, CD_TIER_1H, INT64_MIN, INT64_MAX, CD_FIELDS_ALL, &p, &k), 0);
	ASSERT(k > 0);
	free(p);
	ASSERT_EQ(cd_mstore_removals(st), 0);
	/* stays has samples again; then five days on, gone holds nothing */
	append(st, stays, day + 5 * DAY, 0, 10);
	ASSERT_EQ(cd_mstore_maintain(st, day + 5 * DAY + 3600000), 0);
	ASSERT_EQ(cd_mstore_removals(st), 1);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_info(st, gone, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_info(st, stays, &info), 0);
	ASSERT_EQ(count(st, stays), 10);
	ASSERT_EQ(cd_mstore_close(st), 0);
	/* for good */
	st = open_at(dir, 0, &ret);
	ASSERT_EQ(cd_mstore_info(st, gone, &info), -ENOENT);
	ASSERT_EQ(cd_mstore_find(st, "vm_memory_used_bytes{vm=\"vdi-gone\"}", &info), -ENOENT);
	ASSERT_EQ(count(st, stays), 10);
	ASSERT_EQ(cd_mstore_close(st), 0);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}
