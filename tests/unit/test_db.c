/* test_db.c - the statements a connection keeps (db.h,
 * cd_db_prep_cached), on SQLite and, under tests/unit/pg-run, on
 * PostgreSQL: one statement used again across calls, reset between them,
 * answers each call's parameters; a loop over its rows that asks for it
 * again gets one of its own; another text at the same address is another
 * statement; on PostgreSQL it is the server's prepared statement, made
 * again on a connection made again and when the parameters' types
 * change.  (Closing with statements kept leaks nothing: the ASan run's
 * LeakSanitizer, and SQLite refusing to close with statements open.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "db/db.h"
#include "test.h"

static const char *pg(void)
{
	return getenv("CD_TEST_PG");
}

static struct cd_db *open_db(char **dir)
{
	struct cd_db *db;
	if (pg()) {
		*dir = NULL;
		ASSERT_EQ(cd_db_open(pg(), &db), 0);
	} else {
		char tmpl[] = "/tmp/cordon-db-XXXXXX";
		ASSERT(mkdtemp(tmpl) != NULL);
		*dir = cd_strdup(tmpl);
		char *path = cd_asprintf("%s/t.db", *dir);
		ASSERT_EQ(cd_db_open_sqlite(path, false, &db), 0);
		free(path);
	}
	ASSERT_EQ(cd_db_exec(db, "DROP TABLE IF EXISTS kept; CREATE TABLE kept(x bigint, y text)"),
		  0);
	for (int i = 1; i <= 5; i++)
		ASSERT_EQ(cd_db_run(db, "INSERT INTO kept VALUES (?, ?)", "is", (int64_t)i,
				    i % 2 ? "odd" : "even"), 0);
	return db;
}

static void close_db(struct cd_db *db, char *dir)
{
	if (pg())
		ASSERT_EQ(cd_db_exec(db, "DROP TABLE kept"), 0);
	cd_db_close(db);
	if (dir) {
		char *cmd = cd_asprintf("rm -rf '%s'", dir);
		ASSERT(system(cmd) == 0);
		free(cmd);
		free(dir);
	}
}

static const char ABOVE[] = "SELECT x, y FROM kept WHERE x > ? ORDER BY x";

/* The rows of ABOVE past `after`, as "x:y,..." (a statement kept). */
static char *above(struct cd_db *db, int64_t after, struct cd_db_stmt **used)
{
	struct cd_db_stmt *st = cd_db_prep_cached(db, ABOVE, "i", after);
	ASSERT(st != NULL);
	if (used)
		*used = st;
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	int r;
	while ((r = cd_db_step(st)) == 1) {
		const char *y = cd_db_text(st, 1);
		ASSERT(cd_buf_printf(&b, "%lld:%s,", (long long)cd_db_int(st, 0), y ? y : "NULL") >= 0);
	}
	ASSERT_EQ(r, 0);
	cd_db_done(st);
	return b.data ? cd_buf_steal(&b) : cd_strdup("");
}

static void kept_statement_used_again(void)
{
	char *dir;
	struct cd_db *db = open_db(&dir);
	struct cd_db_stmt *first, *again;
	char *a = above(db, 2, &first), *b = above(db, 4, &again), *c = above(db, 0, NULL);
	ASSERT_STR_EQ(a, "3:odd,4:even,5:odd,");
	ASSERT_STR_EQ(b, "5:odd,");
	ASSERT_STR_EQ(c, "1:odd,2:even,3:odd,4:even,5:odd,");
	ASSERT(first == again);                    /* the same statement, not made again */
	free(a), free(b), free(c);
	/* left in the middle of its rows: the next use begins again */
	struct cd_db_stmt *st = cd_db_prep_cached(db, ABOVE, "i", (int64_t)0);
	ASSERT_EQ(cd_db_step(st), 1);
	ASSERT_EQ(cd_db_int(st, 0), 1);
	cd_db_done(st);
	a = above(db, 3, NULL);
	ASSERT_STR_EQ(a, "4:even,5:odd,");
	free(a);
	/* asked for again while in use: one of its own, both right */
	st = cd_db_prep_cached(db, ABOVE, "i", (int64_t)3);
	ASSERT(st == first);
	ASSERT_EQ(cd_db_step(st), 1);
	struct cd_db_stmt *inner;
	a = above(db, 1, &inner);
	ASSERT(inner != first);
	ASSERT_STR_EQ(a, "2:even,3:odd,4:even,5:odd,");
	free(a);
	ASSERT_EQ(cd_db_int(st, 0), 4);
	ASSERT_EQ(cd_db_step(st), 1);
	ASSERT_EQ(cd_db_int(st, 0), 5);
	ASSERT_EQ(cd_db_step(st), 0);
	cd_db_done(st);
	a = above(db, 4, &again);
	ASSERT(again == first);
	ASSERT_STR_EQ(a, "5:odd,");
	free(a);
	/* a write kept, outside and inside transactions, one rolled back */
	static const char ADD[] = "INSERT INTO kept VALUES (?, ?)";
	ASSERT_EQ(cd_db_vrun(db, cd_db_prep_cached(db, ADD, "is", (int64_t)6, "even")), 0);
	ASSERT_EQ(cd_db_begin(db), 0);
	ASSERT_EQ(cd_db_vrun(db, cd_db_prep_cached(db, ADD, "is", (int64_t)7, "odd")), 0);
	cd_db_rollback(db);
	ASSERT_EQ(cd_db_begin(db), 0);
	ASSERT_EQ(cd_db_vrun(db, cd_db_prep_cached(db, ADD, "is", (int64_t)8, NULL)), 0);
	ASSERT_EQ(cd_db_commit(db), 0);
	a = above(db, 5, NULL);
	ASSERT_STR_EQ(a, "6:even,8:NULL,");
	free(a);
	/* another text at the same address: another statement */
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM kept WHERE x > ?");
	ASSERT_EQ(cd_db_scalar(cd_db_prep_cached(db, sql, "i", (int64_t)2)), 5);
	snprintf(sql, sizeof(sql), "SELECT sum(x) FROM kept WHERE x < ?");
	ASSERT_EQ(cd_db_scalar(cd_db_prep_cached(db, sql, "i", (int64_t)4)), 6);
	/* an error is said, and the statement goes on */
	static const char BAD[] = "SELECT nothing FROM kept WHERE x = ?";
	ASSERT(cd_db_scalar(cd_db_prep_cached(db, BAD, "i", (int64_t)1)) < 0);
	ASSERT_CONTAINS(cd_db_error(db), "nothing");
	a = above(db, 7, NULL);
	ASSERT_STR_EQ(a, "8:NULL,");
	free(a);
	close_db(db, dir);
}

TEST(db_kept_statement_used_again)
{
	kept_statement_used_again();
}

TEST(pg_db_kept_statement_used_again)
{
	kept_statement_used_again();
}

/* How many statements the server holds prepared for db's session. */
static int64_t prepared(struct cd_db *db)
{
	return cd_db_scalar(cd_db_prep(db, "SELECT count(*) FROM pg_prepared_statements", ""));
}

/* The connection lost (its server process ended, as a restart of the
 * database ends it): the next call outside a transaction connects again,
 * and a statement kept is prepared again on the new session. */
TEST(pg_db_kept_statement_prepared_again_on_a_new_connection)
{
	char *dir;
	struct cd_db *db = open_db(&dir);
	ASSERT_EQ(prepared(db), 0);
	char *a = above(db, 3, NULL);
	ASSERT_STR_EQ(a, "4:even,5:odd,");
	free(a);
	ASSERT_EQ(prepared(db), 1);                /* the server's, by name */
	a = above(db, 1, NULL);
	free(a);
	ASSERT_EQ(prepared(db), 1);                /* used again, not prepared again */
	int64_t pid = cd_db_scalar(cd_db_prep(db, "SELECT pg_backend_pid()", ""));
	ASSERT(pid > 0);
	uint64_t gen = cd_db_generation(db);
	struct cd_db *other;
	ASSERT_EQ(cd_db_open(pg(), &other), 0);
	ASSERT_EQ(cd_db_scalar(cd_db_prep(other, "SELECT CASE WHEN pg_terminate_backend(CAST(? AS"
					  " integer)) THEN 1 ELSE 0 END", "i", pid)), 1);
	cd_db_close(other);
	/* the loss is found by the first call (or by a reconnection at it) */
	struct cd_db_stmt *st = cd_db_prep_cached(db, ABOVE, "i", (int64_t)2);
	ASSERT(st != NULL);
	int r = cd_db_step(st);
	cd_db_done(st);
	if (r < 0)
		ASSERT_EQ(r, -ENOTCONN);
	a = above(db, 2, NULL);
	ASSERT_STR_EQ(a, "3:odd,4:even,5:odd,");
	free(a);
	ASSERT(cd_db_generation(db) == gen + 1);
	ASSERT(cd_db_scalar(cd_db_prep(db, "SELECT pg_backend_pid()", "")) != pid);
	ASSERT_EQ(prepared(db), 1);
	/* its parameters' types changed: prepared for them */
	static const char ECHO[] = "SELECT CAST(? AS text)";
	st = cd_db_prep_cached(db, ECHO, "i", (int64_t)42);
	ASSERT_EQ(cd_db_step(st), 1);
	ASSERT_STR_EQ(cd_db_text(st, 0), "42");
	cd_db_done(st);
	st = cd_db_prep_cached(db, ECHO, "s", "forty-two");
	ASSERT_EQ(cd_db_step(st), 1);
	ASSERT_STR_EQ(cd_db_text(st, 0), "forty-two");
	cd_db_done(st);
	/* a statement of a transaction that failed: the next transaction
	 * uses it again */
	ASSERT_EQ(cd_db_begin(db), 0);
	ASSERT(cd_db_exec(db, "SELECT nothing FROM kept") < 0);
	st = cd_db_prep_cached(db, ABOVE, "i", (int64_t)4);
	ASSERT(cd_db_step(st) < 0);
	cd_db_done(st);
	cd_db_rollback(db);
	a = above(db, 4, NULL);
	ASSERT_STR_EQ(a, "5:odd,");
	free(a);
	close_db(db, dir);
}
