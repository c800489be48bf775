/* sqlite.c - the embedded driver: a file of SQLite's (see db.h).
 *
 * One connection, used by one thread at a time (SQLITE_OPEN_NOMUTEX);
 * writers wait up to 5 s for each other (busy timeout).  A statement kept
 * (cd_db_prep_cached) is SQLite's prepared statement, reset between
 * uses.  Also a file as a whole: its online backup, its integrity
 * check. */
#include "db/db_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

static int fail(struct cd_db *db)
{
	sqlite3 *h = db->drv;
	int ext = h ? sqlite3_extended_errcode(h) : SQLITE_CANTOPEN;
	int code = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? -EEXIST
		 : (ext & 0xff) == SQLITE_BUSY ? -EAGAIN : -EIO;
	return cd_db_fail(db, code, h ? sqlite3_errmsg(h) : "out of memory");
}

/* path as a URI's file name ("file:" and the path, with %, ? and #
 * escaped), with immutable=1 */
static char *frozen_uri(const char *path)
{
	struct cd_buf b;
	cd_buf_init(&b, 3 * strlen(path) + 32);
	int r = cd_buf_puts(&b, "file:");
	for (const char *p = path; *p && r == 0; p++)
		r = strchr("%?#", *p) ? cd_buf_printf(&b, "%%%02x", (unsigned char)*p)
				      : cd_buf_add(&b, p, 1);
	if (r == 0)
		r = cd_buf_puts(&b, "?immutable=1");
	return cd_buf_steal(&b);      /* (room for the worst case was given) */
}

static int s_open(struct cd_db *db, const char *path, bool readonly)
{
	sqlite3 *h = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	char *uri = db->frozen ? frozen_uri(path) : NULL;
	int rc = sqlite3_open_v2(uri ? uri : path, &h,
				 flags | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
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

/* ---- a file as a whole ---- */

int cd_db_sqlite_backup(struct cd_db *db, const char *path)
{
	if (db->kind != CD_DB_SQLITE)
		return cd_db_fail(db, -ENOTSUP, "a backup of PostgreSQL's is pg_dump's");
	/* made here, 0600 whatever the umask (SQLite makes a file 0644) */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		cd_db_failf(db, "%s: %s", path, strerror(e));
		return -e;
	}
	close(fd);
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	/* no journal: a copy that fails is removed, not rolled back */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL);
	sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", db->drv, "main") : NULL;
	if (b) {
		/* every page in one step: one read transaction of the source's
		 * (WAL: writers go on beside it), never restarted */
		rc = sqlite3_backup_step(b, -1);
		int fin = sqlite3_backup_finish(b);
		rc = rc == SQLITE_DONE ? fin : rc;
	} else {
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		/* (the backup's errors, the source's too, are the copy's) */
		cd_db_failf(db, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
	}
	sqlite3_close(dst);
	if (rc != SQLITE_OK)
		unlink(path);
	return rc == SQLITE_OK ? 0 : -EIO;
}

int cd_db_sqlite_check(struct cd_db *db)
{
	if (db->kind != CD_DB_SQLITE)
		return cd_db_fail(db, -ENOTSUP, "not an SQLite file");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->drv, "PRAGMA integrity_check(1)", -1, &st, NULL) != SQLITE_OK)
		return fail(db);
	int rc = sqlite3_step(st);
	const char *t = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	int r = 0;
	if (rc != SQLITE_ROW)
		r = fail(db);
	else if (!t || strcmp(t, "ok"))
		r = cd_db_failf(db, "its integrity check says: %s", t ? t : "(nothing)");
	sqlite3_finalize(st);
	return r;
}

const struct cd_db_ops cd_db_sqlite_ops = {
	.open = s_open, .close = s_close, .exec = s_exec, .prep = s_prep, .bind = s_bind,
	.reset = s_reset, .step = s_step,
	.text = s_text, .blob = s_blob, .null = s_null, .integer = s_integer, .real = s_real,
	.done = s_done, .begin = s_begin,
};
