/* db.c - what both drivers share (see db.h): opening by target,
 * parameters, the statements kept, the shorthands, and transactions as
 * savepoints. */
#include "db/db_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

bool cd_db_target_is_pg(const char *target)
{
	return !strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11) ||
	       strchr(target, '=') != NULL;
}

int cd_db_fail(struct cd_db *db, int code, const char *msg)
{
	snprintf(db->err, sizeof(db->err), "%s", msg ? msg : "unknown error");
	/* one line: libpq's messages end in a newline, some have several */
	for (char *p = db->err; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : 0;
	return code;
}

int cd_db_failf(struct cd_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return -EIO;
}

static int db_open(const char *target, bool sqlite, bool readonly, bool frozen, struct cd_db **out)
{
	struct cd_db *db = cd_calloc(1, sizeof(*db));
	*out = db;
	db->frozen = frozen;
	if (sqlite) {
		db->ops = &cd_db_sqlite_ops;
		db->kind = CD_DB_SQLITE;
	} else {
		db->ops = &cd_db_pg_ops;
		db->kind = CD_DB_PG;
	}
	return db->ops->open(db, target, readonly);
}

int cd_db_open(const char *target, struct cd_db **out)
{
	return db_open(target, !cd_db_target_is_pg(target), false, false, out);
}

int cd_db_open_sqlite(const char *path, bool readonly, struct cd_db **out)
{
	return db_open(path, true, readonly, false, out);
}

int cd_db_open_sqlite_frozen(const char *path, struct cd_db **out)
{
	return db_open(path, true, true, true, out);
}

/* A kept statement let go of: finalized, freed. */
static void unkeep(struct cd_db_stmt *st)
{
	st->db->ops->done(st);
	free(st->text);
	free(st);
}

void cd_db_close(struct cd_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < CD_DB_CACHE_SLOTS; i++)
		if (db->cache[i])
			unkeep(db->cache[i]);
	db->ops->close(db);
	free(db);
}

enum cd_db_kind cd_db_kind(const struct cd_db *db)
{
	return db->kind;
}

const char *cd_db_error(const struct cd_db *db)
{
	return db->err;
}

int cd_db_exec(struct cd_db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

/* st's parameters as fmt says, from ap: 0 or -EINVAL (why in db's error). */
static int params(struct cd_db_stmt *st, const char *fmt, va_list ap)
{
	struct cd_db *db = st->db;
	st->nparam = 0;
	for (; fmt && *fmt; fmt++) {
		if (st->nparam == CD_DB_MAXPARAMS)
			return cd_db_fail(db, -EINVAL, "too many parameters");
		struct cd_db_param *p = &st->param[st->nparam++];
		memset(p, 0, sizeof(*p));
		p->type = *fmt;
		switch (*fmt) {
		case 's':
			p->p = va_arg(ap, const char *);
			p->null = p->p == NULL;
			break;
		case 'i':
			p->i = va_arg(ap, int64_t);
			break;
		case 'b':
			p->i = va_arg(ap, int) ? 1 : 0;
			break;
		case 'd':
			p->d = va_arg(ap, double);
			break;
		case 'B':
			p->p = va_arg(ap, const void *);
			p->len = va_arg(ap, size_t);
			break;
		default:
			cd_db_failf(db, "parameter type '%c' is not known", *fmt);
			return -EINVAL;
		}
	}
	return 0;
}

struct cd_db_stmt *cd_db_vprep(struct cd_db *db, const char *sql, const char *fmt, va_list ap)
{
	struct cd_db_stmt *st = cd_calloc(1, sizeof(*st));
	st->db = db;
	if (params(st, fmt, ap) < 0 || db->ops->prep(st, sql) < 0) {
		free(st);
		return NULL;
	}
	if (db->ops->bind(st) < 0) {
		cd_db_done(st);
		return NULL;
	}
	return st;
}

struct cd_db_stmt *cd_db_prep(struct cd_db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cd_db_stmt *st = cd_db_vprep(db, sql, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- the statements kept ---- */

/* The slot of the statement kept by key, or the empty one where it
 * goes (NULL: the table is full, which CD_DB_CACHE_MAX prevents). */
static struct cd_db_stmt **slot(struct cd_db *db, const char *key)
{
	uint64_t h = (uint64_t)(uintptr_t)key;
	h = (h ^ (h >> 29)) * UINT64_C(0x9e3779b97f4a7c15);
	size_t i = (size_t)(h >> 32) & (CD_DB_CACHE_SLOTS - 1);
	for (size_t k = 0; k < CD_DB_CACHE_SLOTS; k++, i = (i + 1) & (CD_DB_CACHE_SLOTS - 1))
		if (!db->cache[i] || db->cache[i]->key == key)
			return &db->cache[i];
	return NULL;
}

struct cd_db_stmt *cd_db_vprep_cached(struct cd_db *db, const char *sql, const char *fmt,
				      va_list ap)
{
	struct cd_db_stmt **at = slot(db, sql), *st = at ? *at : NULL;
	if (st && st->busy)             /* in use (a caller's loop over its rows): one of its own */
		return cd_db_vprep(db, sql, fmt, ap);
	if (st && strcmp(st->text, sql) != 0) {
		unkeep(st);             /* another text at that address now */
		*at = st = NULL;
		db->ncache--;
	}
	if (!st) {
		if (!at || db->ncache >= CD_DB_CACHE_MAX)
			return cd_db_vprep(db, sql, fmt, ap);
		st = cd_calloc(1, sizeof(*st));
		st->db = db;
		st->key = sql;
		if (db->ops->prep(st, sql) < 0) {
			free(st);
			return NULL;
		}
		st->text = cd_strdup(sql);
		*at = st;
		db->ncache++;
	}
	st->busy = true;
	if (params(st, fmt, ap) < 0 || db->ops->bind(st) < 0) {
		cd_db_done(st);
		return NULL;
	}
	return st;
}

struct cd_db_stmt *cd_db_prep_cached(struct cd_db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cd_db_stmt *st = cd_db_vprep_cached(db, sql, fmt, ap);
	va_end(ap);
	return st;
}

int cd_db_step(struct cd_db_stmt *st)
{
	return st ? st->db->ops->step(st) : -EIO;
}

int64_t cd_db_int(struct cd_db_stmt *st, int col)
{
	return st->db->ops->integer(st, col);
}

double cd_db_double(struct cd_db_stmt *st, int col)
{
	return st->db->ops->real(st, col);
}

const char *cd_db_text(struct cd_db_stmt *st, int col)
{
	return st->db->ops->text(st, col, NULL);
}

char *cd_db_text_dup(struct cd_db_stmt *st, int col)
{
	const char *t = cd_db_text(st, col);
	return t ? cd_strdup(t) : NULL;
}

const void *cd_db_blob(struct cd_db_stmt *st, int col, size_t *len)
{
	return st->db->ops->blob(st, col, len);
}

bool cd_db_null(struct cd_db_stmt *st, int col)
{
	return st->db->ops->null(st, col);
}

void cd_db_done(struct cd_db_stmt *st)
{
	if (!st)
		return;
	if (st->key) {             /* kept: ready for the next use */
		st->db->ops->reset(st);
		st->busy = false;
		return;
	}
	st->db->ops->done(st);
	free(st);
}

/* ---- shorthands ---- */

int cd_db_vrun(struct cd_db *db, struct cd_db_stmt *st)
{
	(void)db;
	if (!st)
		return -EIO;
	int r = cd_db_step(st);
	while (r > 0)          /* rows of a RETURNING nobody reads */
		r = cd_db_step(st);
	cd_db_done(st);
	return r;
}

int cd_db_run(struct cd_db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cd_db_stmt *st = cd_db_vprep(db, sql, fmt, ap);
	va_end(ap);
	return cd_db_vrun(db, st);
}

int64_t cd_db_scalar(struct cd_db_stmt *st)
{
	if (!st)
		return -EIO;
	int r = cd_db_step(st);
	int64_t v = r > 0 ? cd_db_int(st, 0) : r == 0 ? -ENOENT : r;
	cd_db_done(st);
	return v;
}

int cd_db_rows(struct cd_db_stmt *st, int (*row)(void *ctx, struct cd_db_stmt *st), void *ctx)
{
	if (!st)
		return -EIO;
	int r;
	while ((r = cd_db_step(st)) > 0)
		if ((r = row(ctx, st)) != 0)
			break;
	cd_db_done(st);
	return r;
}

int64_t cd_db_changes(const struct cd_db *db)
{
	return db->changes;
}

/* ---- transactions ---- */

int cd_db_depth(const struct cd_db *db)
{
	return db->depth;
}

static int tx_begin(struct cd_db *db, bool write)
{
	if (db->depth == 0) {
		int r = db->ops->begin(db, write);
		if (r < 0)
			return r;        /* nothing open: the rollback that follows is a no-op */
		db->depth = 1;
		return 0;
	}
	/* inside another: a savepoint, counted open even if it failed, so
	 * that the commit or rollback that follows pairs with it */
	char s[32];
	snprintf(s, sizeof(s), "SAVEPOINT s%d", db->depth++);
	return db->ops->exec(db, s);
}

int cd_db_begin(struct cd_db *db)
{
	return tx_begin(db, true);
}

int cd_db_begin_read(struct cd_db *db)
{
	return tx_begin(db, false);
}

int cd_db_commit(struct cd_db *db)
{
	if (db->depth <= 0)
		return -EINVAL;
	char s[32];
	if (--db->depth == 0)
		snprintf(s, sizeof(s), "COMMIT");
	else
		snprintf(s, sizeof(s), "RELEASE s%d", db->depth);
	int r = db->ops->exec(db, s);
	if (r == 0)
		return 0;
	if (db->depth == 0) {
		char keep[sizeof(db->err)];
		memcpy(keep, db->err, sizeof(keep));
		db->ops->exec(db, "ROLLBACK");
		memcpy(db->err, keep, sizeof(keep));
	} else {
		db->depth++;         /* still open: the caller rolls it back */
	}
	return r;
}

void cd_db_rollback(struct cd_db *db)
{
	if (db->depth <= 0)
		return;
	char keep[sizeof(db->err)];
	memcpy(keep, db->err, sizeof(keep));      /* the error that made us roll back */
	if (--db->depth == 0) {
		db->ops->exec(db, "ROLLBACK");
	} else {
		char s[64];
		snprintf(s, sizeof(s), "ROLLBACK TO s%d; RELEASE s%d", db->depth, db->depth);
		db->ops->exec(db, s);
	}
	memcpy(db->err, keep, sizeof(keep));
}

/* ---- notifications ---- */

int cd_db_listen(struct cd_db *db, const char *channel)
{
	return db->ops->listen ? db->ops->listen(db, channel) : -ENOTSUP;
}

int cd_db_notify(struct cd_db *db, const char *channel, const char *payload)
{
	return db->ops->notify ? db->ops->notify(db, channel, payload) : -ENOTSUP;
}

int cd_db_socket(struct cd_db *db)
{
	return db->ops->socket ? db->ops->socket(db) : -1;
}

int cd_db_notified(struct cd_db *db, void (*each)(void *ctx, const char *payload), void *ctx)
{
	return db->ops->notified ? db->ops->notified(db, each, ctx) : 0;
}

uint64_t cd_db_generation(const struct cd_db *db)
{
	return db->generation;
}
