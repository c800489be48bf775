/* fuzz_wal.c - the metrics store opening with a damaged write-ahead row
 * (DIR/metrics.db's wal table after a flipped bit or a torn page), the
 * load path every manager start takes.  Input: the row's bytes, beside a
 * good row.  Properties: the store opens; no crash, leak or read out of
 * bounds; no series' newest sample is dated more than a day ahead (a
 * damaged time would refuse every later sample of its series); the good
 * row's sample is there. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzzdir.h"
#include "metrics/mstore.h"

static int64_t id;

static void newest(void *arg, const struct cd_series_info *s)
{
	int64_t now = *(int64_t *)arg;
	if (s->last_t != INT64_MIN && s->last_t > now + 86400000LL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[256];
	int64_t now = (int64_t)time(NULL) * 1000;
	int made;
	const char *dir = fuzz_dir("fuzzwal", &made);
	if (made) {
		if (cd_mstore_open(dir, &o, &st, err, sizeof(err)))
			abort();
		struct cd_series_desc d = { .metric = "vm_vcpus", .labels = "vm=\"w1\"", .kind = "vm",
					    .name = "w1", .host = "h", .source = "s" };
		if (cd_mstore_series(st, &d, &id) || cd_mstore_commit(st) || cd_mstore_close(st))
			abort();
	}
	/* the rows written ahead: a good one (a sample an hour ago), then the input */
	char path[128];
	snprintf(path, sizeof(path), "%s/metrics.db", dir);
	sqlite3 *db;
	sqlite3_stmt *q;
	uint8_t good[17] = { (uint8_t)id };
	int64_t t = now - 3600000;
	double v = 2;
	memcpy(good + 1, &t, 8);             /* little-endian, as the store writes */
	memcpy(good + 9, &v, 8);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "DELETE FROM wal; DELETE FROM heads", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO wal(data) VALUES(?), (?)", -1, &q, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_blob(q, 1, good, sizeof(good), SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, size ? data : (const uint8_t *)"", (int)size, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		abort();
	sqlite3_finalize(q);
	sqlite3_close(db);
	if (cd_mstore_open(dir, &o, &st, err, sizeof(err)))
		abort();
	cd_mstore_each(st, newest, &now);
	struct cd_series_info info;
	if (cd_mstore_info(st, id, &info) || info.last_t < t)
		abort();
	cd_mstore_discard(st);    /* nothing written: the next input starts the same */
	return 0;
}
