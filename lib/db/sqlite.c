/* sqlite.c - the embedded driver: a file of SQLite's (see db.h).
 *
 * One connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX);
 * writers wait up to 5 s for each other (busy timeout).  A statement kept
 * (cd_db_prep_cached) is SQLite's prepared statement, reset between
 * uses. */
#include "db/db_priv.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct cd_db *db)
{
	sqlite3 *h = db->drv;
	int ext = h ? sqlite3_extended_errcode(h) : SQLITE_CANTOPEN;
	int code = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? -EEXIST
		 : (ext & 0xff) == SQLITE_BUSY ? -EAGAIN : -EIO;
	return cd_db_fail(db, code, h ? sqlite3_errmsg(h) : "out of memory");
}

static int s_open(struct cd_db *db, const char *path, bool readonly)
{
	sqlite3 *h = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	db->drv = h;
	if (rc != SQLITE_OK)
		return fail(db);
	sqlite3_busy_timeout(h, 5000);
	return 0;
}

static void s_close(struct cd_db *db)
{
	sqlite3_close(db->drv);
}

static int s_exec(struct cd_db *db, const char *sql)
{
	return sqlite3_exec(db->drv, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db);
}

/* A statement kept is told so (it lives long: SQLite keeps it out of
 * its lookaside memory). */
static int s_prep(struct cd_db_stmt *st, const char *sql)
{
	sqlite3_stmt *h;
	if (sqlite3_prepare_v3(st->db->drv, sql, -1, st->key ? SQLITE_PREPARE_PERSISTENT : 0, &h,
			       NULL) != SQLITE_OK)
		return fail(st->db);
	st->drv = h;
	return 0;
}

static int s_bind(struct cd_db_stmt *st)
{
	sqlite3_stmt *h = st->drv;
	for (int i = 0; i < st->nparam; i++) {
		const struct cd_db_param *p = &st->param[i];
		switch (p->type) {
		case 's':
			if (p->null)
				sqlite3_bind_null(h, i + 1);
			else
				sqlite3_bind_text(h, i + 1, p->p, -1, SQLITE_STATIC);
			break;
		case 'i':
		case 'b':
			sqlite3_bind_int64(h, i + 1, p->i);
			break;
		case 'd':
			sqlite3_bind_double(h, i + 1, p->d);
			break;
		case 'B':
			sqlite3_bind_blob64(h, i + 1, p->len ? p->p : "", p->len, SQLITE_STATIC);
			break;
		}
	}
	return 0;
}

static void s_reset(struct cd_db_stmt *st)
{
	sqlite3_reset(st->drv);
	sqlite3_clear_bindings(st->drv);   /* (they point at the caller's memory) */
}

static int s_step(struct cd_db_stmt *st)
{
	int rc = sqlite3_step(st->drv);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		st->db->changes = sqlite3_changes64(st->db->drv);
		return 0;
	}
	return fail(st->db);
}

static const char *s_text(struct cd_db_stmt *st, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(st->drv, col);
	if (len)
		*len = (size_t)sqlite3_column_bytes(st->drv, col);
	return t;
}

static const void *s_blob(struct cd_db_stmt *st, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(st->drv, col);
	*len = (size_t)sqlite3_column_bytes(st->drv, col);
	return b;
}

static bool s_null(struct cd_db_stmt *st, int col)
{
	return sqlite3_column_type(st->drv, col) == SQLITE_NULL;
}

static int64_t s_integer(struct cd_db_stmt *st, int col)
{
	return sqlite3_column_int64(st->drv, col);
}

static double s_real(struct cd_db_stmt *st, int col)
{
	return sqlite3_column_double(st->drv, col);
}

/* IMMEDIATE: the write lock at once, not at the first write (two deferred
 * writers would deadlock); DEFERRED: WAL mode gives the first read's
 * snapshot to the rest. */
static int s_begin(struct cd_db *db, bool write)
{
	return s_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static void s_done(struct cd_db_stmt *st)
{
	sqlite3_finalize(st->drv);
}

const struct cd_db_ops cd_db_sqlite_ops = {
	.open = s_open, .close = s_close, .exec = s_exec, .prep = s_prep, .bind = s_bind,
	.reset = s_reset, .step = s_step,
	.text = s_text, .blob = s_blob, .null = s_null, .integer = s_integer, .real = s_real,
	.done = s_done, .begin = s_begin,
};
