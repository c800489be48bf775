/* test_chunkdb.c - the chunk store (metrics/chunkdb.h) on its own, on
 * SQLite and, under tests/unit/pg-run, on PostgreSQL: the same calls
 * give the same answers on both (the newest chunk is the one with the
 * greatest last time, chunks come in time order, numbers are never given
 * twice, epochs count at commit); a metrics.db made with the schema as
 * it was opens and reads as it is, and a new one has the same tables and
 * columns. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "db/db.h"
#include "metrics/chunkdb.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cordon-chunkdb-XXXXXX";
	char *d = mkdtemp(tmpl);
	ASSERT(d != NULL);
	return cd_strdup(d);
}

static void rmdir_all(char *d)
{
	char *cmd = cd_asprintf("rm -rf '%s'", d);
	ASSERT(system(cmd) == 0);
	free(cmd);
	free(d);
}

static const char *pg(void)
{
	return getenv("CD_TEST_PG");
}

/* PostgreSQL without the metrics' tables. */
static void pg_clean(void)
{
	struct cd_db *db;
	int r = cd_db_open(pg(), &db);
	if (!r)
		r = cd_db_exec(db, "DROP TABLE IF EXISTS metrics_writers, metrics_groups,"
			       " metrics_series, metrics_chunks, metrics_heads, metrics_wal, metrics_gone;"
			       " DROP SEQUENCE IF EXISTS metrics_writer_ids, metrics_wal_ids;");
	if (r)
		fprintf(stderr, "%s\n", cd_db_error(db));
	cd_db_close(db);
	ASSERT_EQ(r, 0);
}

static struct cd_chunkdb *open_db(const char *dir, const char *target)
{
	struct cd_chunkdb *db;
	char err[512];
	int r = cd_chunkdb_open(dir, target, &db, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	ASSERT_EQ(r, 0);
	return db;
}

/* ---- what a store answers, as text ---- */

static struct cd_buf trace;

static int say_chunk(void *arg, const struct cd_chunk_row *c)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " [%lld %lld n=%u %.*s]", (long long)c->t0, (long long)c->t1,
			     (unsigned)c->n, (int)c->len, (const char *)c->data) >= 0);
	return 0;
}

static int say_head(void *arg, const struct cd_chunk_row *c)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " head %lld=%.*s", (long long)c->group, (int)c->len,
			     (const char *)c->data) >= 0);
	return 0;
}

static int say_wal(void *arg, const void *data, size_t len)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " wal=%.*s", (int)len, (const char *)data) >= 0);
	return 0;
}

static int say_group(void *arg, const struct cd_group_row *r)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " group %lld %s %lld", (long long)r->id, r->labels,
			     (long long)r->rolled) >= 0);
	return 0;
}

static int say_series(void *arg, const struct cd_series_row *r)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " series %lld %s %s g%lld %s/%s %s %s %d", (long long)r->id,
			     r->key, r->metric, (long long)r->group, r->kind, r->name, r->host,
			     r->source, r->counter) >= 0);
	return 0;
}

static int say_gone(void *arg, int64_t seq, int64_t group)
{
	(void)arg;
	ASSERT(cd_buf_printf(&trace, " gone %lld g%lld", (long long)seq, (long long)group) >= 0);
	return 0;
}

static void put(struct cd_chunkdb *db, int64_t g, int tier, int64_t t0, int64_t t1, const char *data)
{
	struct cd_chunk_row c = { .group = g, .tier = tier, .t0 = t0, .t1 = t1, .n = (uint32_t)strlen(data),
				  .data = data, .len = strlen(data) };
	ASSERT_EQ(cd_chunkdb_put(db, &c), 0);
}

static void say(const char *what)
{
	ASSERT(cd_buf_printf(&trace, "\n%s:", what) >= 0);
}

/* The same calls on either database, what each answers into trace. */
static void exercise(struct cd_chunkdb *db)
{
	cd_buf_init(&trace, 1 << 20);
	int64_t g1, g2, s1, s2, t;
	uint64_t n;
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	struct cd_group_row gr = { .labels = "vm=\"a\"", .rolled = 0 };
	ASSERT_EQ(cd_chunkdb_group_add(db, &gr, &g1), 0);
	gr.labels = "vm=\"b\"";
	ASSERT_EQ(cd_chunkdb_group_add(db, &gr, &g2), 0);
	struct cd_series_row sr = { .key = "m{vm=\"a\"}", .metric = "m", .group = g1, .kind = "vm",
				    .name = "a", .host = "h", .source = NULL, .counter = true };
	ASSERT_EQ(cd_chunkdb_series_add(db, &sr, &s1), 0);
	sr.key = "m{vm=\"b\"}", sr.group = g2, sr.name = "b", sr.counter = false;
	ASSERT_EQ(cd_chunkdb_series_add(db, &sr, &s2), 0);
	/* written out of time order, as an import of older data does */
	put(db, g1, 0, 300, 400, "c");
	put(db, g1, 0, 100, 200, "a");
	put(db, g1, 0, 500, 600, "d");
	put(db, g1, 0, 210, 290, "b");
	put(db, g1, 1, 0, 1000, "r");
	put(db, g2, 0, 50, 60, "x");
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	say("groups");
	ASSERT_EQ(cd_chunkdb_group_each(db, 0, say_group, NULL), 0);
	say("series");
	ASSERT_EQ(cd_chunkdb_series_each(db, 0, say_series, NULL), 0);
	say("series after the first");
	ASSERT_EQ(cd_chunkdb_series_each(db, s1, say_series, NULL), 0);
	say("last");
	ASSERT_EQ(cd_chunkdb_get_last(db, g1, 0, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get_last(db, g1, 1, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get_last(db, g1, 2, say_chunk, NULL), 0);
	say("get 150..450");
	ASSERT_EQ(cd_chunkdb_get(db, g1, 0, 150, 450, say_chunk, NULL), 0);
	say("get all");
	ASSERT_EQ(cd_chunkdb_get(db, g1, 0, INT64_MIN, INT64_MAX, say_chunk, NULL), 0);
	say("before 500");
	ASSERT_EQ(cd_chunkdb_get_before(db, g1, 0, 500, say_chunk, NULL), 0);
	say("first from 250");
	ASSERT_EQ(cd_chunkdb_first_from(db, g1, 0, 250, &t), 0);
	ASSERT(cd_buf_printf(&trace, " %lld", (long long)t) >= 0);
	ASSERT_EQ(cd_chunkdb_first_from(db, g1, 0, 601, &t), -ENOENT);
	say("last t1");
	ASSERT_EQ(cd_chunkdb_last_t1(db, g1, 0, &t), 0);
	ASSERT(cd_buf_printf(&trace, " %lld", (long long)t) >= 0);
	ASSERT_EQ(cd_chunkdb_last_t1(db, g1, 2, &t), -ENOENT);
	/* heads replaced, batches in order */
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_head_put(db, g2, 70, "h1", 2), 0);
	ASSERT_EQ(cd_chunkdb_head_put(db, g1, 700, "h2", 2), 0);
	ASSERT_EQ(cd_chunkdb_head_put(db, g2, 80, "h3", 2), 0);
	ASSERT_EQ(cd_chunkdb_wal_add(db, g1, 700, "w1", 2), 0);
	ASSERT_EQ(cd_chunkdb_wal_add(db, g2, 80, "w2", 2), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT_EQ(cd_chunkdb_wal_add(db, g1, 710, "w3", 2), 0);       /* outside a transaction */
	say("heads");
	ASSERT_EQ(cd_chunkdb_head_each(db, say_head, NULL), 0);
	say("wal");
	ASSERT_EQ(cd_chunkdb_wal_each(db, say_wal, NULL), 0);
	/* epochs: a checkpoint rolled back is none; the chunks written since
	 * the last one committed are dropped */
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_epoch_next(db), 0);
	cd_chunkdb_rollback(db);
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	put(db, g2, 0, 61, 62, "y");                  /* the epoch before the checkpoint */
	ASSERT_EQ(cd_chunkdb_epoch_next(db), 0);
	ASSERT_EQ(cd_chunkdb_heads_clear(db), 0);
	ASSERT_EQ(cd_chunkdb_wal_clear(db), 0);
	put(db, g2, 0, 63, 64, "z");                  /* after it, in the same transaction */
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	put(db, g2, 0, 65, 66, "q");
	ASSERT_EQ(cd_chunkdb_begin(db), 0);           /* a savepoint's epoch undone with it */
	ASSERT_EQ(cd_chunkdb_epoch_next(db), 0);
	cd_chunkdb_rollback(db);
	ASSERT_EQ(cd_chunkdb_drop_epoch(db), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	say("after a checkpoint and drop_epoch");
	ASSERT_EQ(cd_chunkdb_get(db, g2, 0, INT64_MIN, INT64_MAX, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_head_each(db, say_head, NULL), 0);
	ASSERT_EQ(cd_chunkdb_wal_each(db, say_wal, NULL), 0);
	/* retention: raw chunks only once rolled up */
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_group_rolled(db, g1, 350), 0);
	ASSERT_EQ(cd_chunkdb_drop(db, g1, 0, 1000, NULL, 0, &n), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT_EQ(cd_chunkdb_group_rolled_get(db, g1, &t), 0);
	ASSERT_EQ(t, 350);
	ASSERT_EQ(cd_chunkdb_group_rolled_get(db, 999, &t), -ENOENT);
	say("dropped");
	ASSERT(cd_buf_printf(&trace, " %llu", (unsigned long long)n) >= 0);
	ASSERT_EQ(cd_chunkdb_get(db, g1, 0, INT64_MIN, INT64_MAX, say_chunk, NULL), 0);
	int64_t keep[] = { g1 };
	ASSERT_EQ(cd_chunkdb_drop(db, -1, 1, 2000, keep, 1, &n), 0);
	ASSERT_EQ(n, 0);
	/* a group removed: recorded, its numbers not given again */
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_group_remove(db, g2, 12345), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	gr.labels = "vm=\"c\"";
	int64_t g3, s3;
	ASSERT_EQ(cd_chunkdb_group_add(db, &gr, &g3), 0);
	sr.key = "m{vm=\"c\"}", sr.group = g3, sr.name = "c";
	ASSERT_EQ(cd_chunkdb_series_add(db, &sr, &s3), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT(g3 > g2 && s3 > s2);
	say("after a removal");
	ASSERT_EQ(cd_chunkdb_gone_each(db, 0, say_gone, NULL), 0);
	ASSERT_EQ(cd_chunkdb_group_each(db, 0, say_group, NULL), 0);
	ASSERT_EQ(cd_chunkdb_series_each(db, 0, say_series, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get(db, g2, 0, INT64_MIN, INT64_MAX, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_head_each(db, say_head, NULL), 0);
	uint64_t samples, bytes;
	ASSERT_EQ(cd_chunkdb_stats(db, &samples, &bytes), 0);
	say("samples");
	ASSERT(cd_buf_printf(&trace, " %llu", (unsigned long long)samples) >= 0);
	ASSERT(bytes > 0);
}

static const char expected[] =
	"\ngroups: group 1 vm=\"a\" 0 group 2 vm=\"b\" 0"
	"\nseries: series 1 m{vm=\"a\"} m g1 vm/a h  1 series 2 m{vm=\"b\"} m g2 vm/b h  0"
	"\nseries after the first: series 2 m{vm=\"b\"} m g2 vm/b h  0"
	/* the newest by time, not the last written */
	"\nlast: [500 600 n=1 d] [0 1000 n=1 r]"
	"\nget 150..450: [100 200 n=1 a] [210 290 n=1 b] [300 400 n=1 c]"
	"\nget all: [100 200 n=1 a] [210 290 n=1 b] [300 400 n=1 c] [500 600 n=1 d]"
	"\nbefore 500: [300 400 n=1 c] [210 290 n=1 b] [100 200 n=1 a]"
	"\nfirst from 250: 210"
	"\nlast t1: 600"
	"\nheads: head 1=h2 head 2=h3"
	"\nwal: wal=w1 wal=w2 wal=w3"
	"\nafter a checkpoint and drop_epoch: [50 60 n=1 x] [61 62 n=1 y]"
	"\ndropped: 2 [300 400 n=1 c] [500 600 n=1 d]"
	"\nafter a removal: gone 1 g2 group 1 vm=\"a\" 350 group 3 vm=\"c\" 0"
	" series 1 m{vm=\"a\"} m g1 vm/a h  1 series 3 m{vm=\"c\"} m g3 vm/c h  0"
	"\nsamples: 2";

TEST(chunkdb_answers_as_expected)
{
	char *d = tmpdir();
	struct cd_chunkdb *db = open_db(d, NULL);
	ASSERT(!cd_chunkdb_shared(db));
	exercise(db);
	ASSERT_STR_EQ(trace.data, expected);
	cd_buf_free(&trace);
	/* the shared store's calls are nothing here */
	int64_t t, w;
	ASSERT_EQ(cd_chunkdb_others_t0(db, 1, &t), -ENOENT);
	ASSERT_EQ(cd_chunkdb_orphan(db, 0, &w), 0);
	ASSERT_EQ(cd_chunkdb_follow(db, &t, say_wal, NULL), 0);
	ASSERT_EQ(cd_chunkdb_writer_check(db), 0);
	cd_chunkdb_close(db);
	/* opened again: as it was */
	db = open_db(d, NULL);
	cd_buf_init(&trace, 1 << 16);
	ASSERT_EQ(cd_chunkdb_get_last(db, 1, 0, say_chunk, NULL), 0);
	ASSERT_STR_EQ(trace.data, " [500 600 n=1 d]");
	cd_buf_free(&trace);
	cd_chunkdb_close(db);
	rmdir_all(d);
}

/* A group's rollup records read twice in a row come from the records
 * kept after the first read (a view reads an object's series one after
 * the other); a record written, dropped or rolled back between the two is
 * seen: nothing kept outlives a write. */
TEST(chunkdb_rollups_read_again_see_every_write)
{
	char *d = tmpdir();
	struct cd_chunkdb *db = open_db(d, NULL);
	int64_t g;
	struct cd_group_row gr = { .labels = "vm=\"a\"", .rolled = 0 };
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_group_add(db, &gr, &g), 0);
	put(db, g, 2, 0, 100, "one");
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	cd_buf_init(&trace, 1 << 16);
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	ASSERT_STR_EQ(trace.data, " [0 100 n=3 one] [0 100 n=3 one]");
	cd_buf_reset(&trace);
	put(db, g, 2, 200, 300, "two");           /* (autocommitted) */
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	ASSERT_STR_EQ(trace.data, " [0 100 n=3 one] [200 300 n=3 two]");
	cd_buf_reset(&trace);
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	put(db, g, 2, 400, 500, "three");
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	cd_chunkdb_rollback(db);
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	ASSERT_STR_EQ(trace.data, " [0 100 n=3 one] [200 300 n=3 two] [400 500 n=5 three]"
				  " [0 100 n=3 one] [200 300 n=3 two]");
	cd_buf_reset(&trace);
	uint64_t n;
	ASSERT_EQ(cd_chunkdb_drop(db, g, 2, 150, NULL, 0, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(cd_chunkdb_get(db, g, 2, 0, 1000, say_chunk, NULL), 0);
	ASSERT_STR_EQ(trace.data, " [200 300 n=3 two]");
	cd_buf_free(&trace);
	cd_chunkdb_close(db);
	rmdir_all(d);
}

/* The drift issue 28 found: get_last ordered by rowid on SQLite, by t1
 * on PostgreSQL.  The same calls answer the same on both. */
TEST(pg_chunkdb_answers_the_same_on_both)
{
	char *d = tmpdir(), *e = tmpdir();
	struct cd_chunkdb *lite = open_db(d, NULL);
	exercise(lite);
	char *a = cd_buf_steal(&trace);
	cd_chunkdb_close(lite);
	pg_clean();
	struct cd_chunkdb *db = open_db(e, pg());
	ASSERT(cd_chunkdb_shared(db));
	exercise(db);
	ASSERT_STR_EQ(trace.data, a);
	ASSERT_STR_EQ(trace.data, expected);
	cd_buf_free(&trace);
	free(a);
	/* an import has no bulk mode here */
	ASSERT_EQ(cd_chunkdb_bulk(db, true), -ENOTSUP);
	cd_chunkdb_close(db);
	rmdir_all(d);
	rmdir_all(e);
}

/* ---- SQLite's file as it was ---- */

/* The schema of metrics.db before the chunk store was one code on both
 * databases (chunkdb.c until issue 28), word for word. */
static const char old_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO meta VALUES ('epoch', 1);"
	"CREATE TABLE IF NOT EXISTS groups(id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE,"
	"  rolled INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
	"  metric TEXT NOT NULL, grp INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
	"  host TEXT NOT NULL, source TEXT NOT NULL, counter INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS chunks(grp INTEGER NOT NULL, tier INTEGER NOT NULL,"
	"  t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, n INTEGER NOT NULL, epoch INTEGER NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS chunks_by_group ON chunks(grp, tier, t1);"
	"CREATE TABLE IF NOT EXISTS heads(grp INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS wal(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS gone(seq INTEGER PRIMARY KEY, grp INTEGER NOT NULL,"
	"  top INTEGER NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS gone_by_group ON gone(grp);"
	"CREATE INDEX IF NOT EXISTS gone_by_top ON gone(top);";

static void sqlite_exec(const char *path, const char *sql)
{
	sqlite3 *h;
	ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s\n", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(h);
	ASSERT_EQ(rc, SQLITE_OK);
}

static int add_row(void *arg, int n, char **v, char **names)
{
	(void)names;
	for (int i = 0; i < n; i++)
		ASSERT(cd_buf_printf(arg, "%s%s", i ? "|" : "", v[i] ? v[i] : "NULL") >= 0);
	ASSERT(cd_buf_puts(arg, "\n") >= 0);
	return 0;
}

/* Every table's and index's columns, as SQLite has them. */
static char *columns(const char *path)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 16);
	sqlite3 *h;
	ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(h, "SELECT m.type, m.name, p.name, p.type, p.\"notnull\", p.pk FROM"
			       " sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'"
			       " UNION ALL SELECT m.type, m.name, p.name, '', 0, p.seqno FROM sqlite_master m,"
			       " pragma_index_info(m.name) p WHERE m.type = 'index' ORDER BY 1, 2, 6, 3",
			       add_row, &b, NULL), SQLITE_OK);
	sqlite3_close(h);
	return cd_buf_steal(&b);
}

/* A metrics.db as the earlier code left it opens and reads; a new one
 * has the same tables, columns and indexes. */
TEST(chunkdb_opens_a_file_of_the_earlier_schema)
{
	char *d = tmpdir(), *e = tmpdir();
	char *path = cd_asprintf("%s/metrics.db", d);
	sqlite_exec(path, old_schema);
	/* rows as the earlier code wrote them: epoch 3, a chunk of the
	 * present epoch (dropped when made again from the samples written
	 * ahead), a group removed */
	sqlite_exec(path, "UPDATE meta SET v = 3 WHERE k = 'epoch';"
		    "INSERT INTO groups VALUES (1, 'vm=\"a\"', 0), (4, 'vm=\"d\"', 0);"
		    "INSERT INTO series VALUES (1, 'm{vm=\"a\"}', 'm', 1, 'vm', 'a', 'h', 's', 1),"
		    " (7, 'm{vm=\"d\"}', 'm', 4, 'vm', 'd', '', '', 0);"
		    "INSERT INTO chunks VALUES (1, 0, 100, 200, 2, 2, X'6f6c64'),"
		    " (1, 0, 300, 400, 2, 2, X'6e6577'), (1, 0, 10, 20, 2, 2, X'6561726c79'),"
		    " (4, 0, 500, 600, 1, 3, X'6e6f77');"
		    "INSERT INTO heads VALUES (1, X'6831');"
		    "INSERT INTO wal(data) VALUES (X'7731'), (X'7732');"
		    "INSERT INTO gone(grp, top, at) VALUES (9, 12, 5);");
	char *before = columns(path);
	struct cd_chunkdb *db = open_db(d, NULL);
	cd_buf_init(&trace, 1 << 16);
	ASSERT_EQ(cd_chunkdb_group_each(db, 0, say_group, NULL), 0);
	ASSERT_EQ(cd_chunkdb_series_each(db, 0, say_series, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get_last(db, 1, 0, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_get(db, 1, 0, INT64_MIN, INT64_MAX, say_chunk, NULL), 0);
	ASSERT_EQ(cd_chunkdb_head_each(db, say_head, NULL), 0);
	ASSERT_EQ(cd_chunkdb_wal_each(db, say_wal, NULL), 0);
	ASSERT_STR_EQ(trace.data, " group 1 vm=\"a\" 0 group 4 vm=\"d\" 0"
		      " series 1 m{vm=\"a\"} m g1 vm/a h s 1 series 7 m{vm=\"d\"} m g4 vm/d   0"
		      " [300 400 n=2 new] [10 20 n=2 early] [100 200 n=2 old] [300 400 n=2 new]"
		      " head 1=h1 wal=w1 wal=w2");
	cd_buf_free(&trace);
	/* the epoch read from the file: epoch 3's chunks are the present's */
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_drop_epoch(db), 0);
	put(db, 4, 0, 700, 800, "e3");
	ASSERT_EQ(cd_chunkdb_epoch_next(db), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	/* numbers go on past those removed (gone's top 12, group 9) */
	int64_t g, s;
	struct cd_group_row gr = { .labels = "vm=\"e\"" };
	struct cd_series_row sr = { .key = "m{vm=\"e\"}", .metric = "m", .kind = "vm", .name = "e" };
	ASSERT_EQ(cd_chunkdb_begin(db), 0);
	ASSERT_EQ(cd_chunkdb_group_add(db, &gr, &g), 0);
	sr.group = g;
	ASSERT_EQ(cd_chunkdb_series_add(db, &sr, &s), 0);
	ASSERT_EQ(cd_chunkdb_head_put(db, 1, 0, "h9", 2), 0);
	ASSERT_EQ(cd_chunkdb_commit(db), 0);
	ASSERT_EQ(g, 10);
	ASSERT_EQ(s, 13);
	cd_chunkdb_close(db);
	/* as the earlier code reads it: the epoch, the chunk written in it,
	 * the head replaced */
	sqlite3 *h;
	ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
	struct cd_buf b;
	cd_buf_init(&b, 1 << 16);
	ASSERT_EQ(sqlite3_exec(h, "SELECT v FROM meta WHERE k = 'epoch'; SELECT grp, t0, epoch FROM chunks"
			       " ORDER BY rowid; SELECT grp, data FROM heads", add_row, &b, NULL), SQLITE_OK);
	sqlite3_close(h);
	ASSERT_STR_EQ(b.data, "4\n1|100|2\n1|300|2\n1|10|2\n4|700|3\n1|h9\n");
	cd_buf_free(&b);
	char *after = columns(path);
	ASSERT_STR_EQ(after, before);
	/* a new file: the same tables, columns and indexes */
	db = open_db(e, NULL);
	cd_chunkdb_close(db);
	char *fresh_path = cd_asprintf("%s/metrics.db", e);
	char *fresh = columns(fresh_path);
	ASSERT_STR_EQ(fresh, before);
	free(before);
	free(after);
	free(fresh);
	free(fresh_path);
	free(path);
	rmdir_all(d);
	rmdir_all(e);
}

/* DIR/metrics.lock keeps a second process (here: a second open) out; the
 * reader's open takes no lock and reads beside the writer. */
TEST(chunkdb_lock_and_reader)
{
	char *d = tmpdir();
	struct cd_chunkdb *db = open_db(d, NULL), *other, *ro;
	char err[512];
	ASSERT_EQ(cd_chunkdb_open(d, NULL, &other, err, sizeof(err)), -EBUSY);
	ASSERT_CONTAINS(err, "the store is in use by another process");
	put(db, 1, 0, 1, 2, "abc");
	ASSERT_EQ(cd_chunkdb_open_ro(d, &ro, err, sizeof(err)), 0);
	uint64_t samples, bytes;
	ASSERT_EQ(cd_chunkdb_stats(ro, &samples, &bytes), 0);
	ASSERT_EQ(samples, 3);
	ASSERT(bytes > 0);
	cd_chunkdb_close(ro);
	cd_chunkdb_close(db);
	char *none = cd_asprintf("%s/none", d);
	ASSERT_EQ(cd_chunkdb_open_ro(none, &ro, err, sizeof(err)), -ENOENT);
	free(none);
	rmdir_all(d);
}
