/* db.h - one SQL database, SQLite or PostgreSQL, behind one interface.
 *
 * cordon keeps what it must not lose in an SQL database: a file of its own
 * (SQLite, one manager) or a PostgreSQL server that several managers
 * share.  Their callers (manager/store*.c, metrics/chunkdb.c) write one
 * SQL for both where the two agree, and pick by cd_db_kind() where they
 * do not (schemas, full-text search).  Parameters are `?` in the SQL text
 * and are always bound, never written into it; the PostgreSQL driver
 * numbers them ($1, $2, ...) and sends their types.
 *
 * Writers take turns: a write transaction holds the database's one write
 * lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory
 * lock, taken by every cordon process on that database), so that numbers
 * given out as max + 1 under it are total and gapless.  On PostgreSQL a
 * statement that writes outside a transaction runs in one of its own,
 * with the lock.  Readers do not wait for it.
 *
 * Functions return 0 or a negative errno-style code: -EIO an error of the
 * database (its message in cd_db_error()), -EEXIST a unique constraint,
 * -ENOTCONN the server cannot be reached (PostgreSQL: the next call tries
 * to connect again), -EAGAIN a conflict that a retry may not meet. */
#ifndef CD_DB_H
#define CD_DB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cd_db_kind { CD_DB_SQLITE, CD_DB_PG };

struct cd_db;
struct cd_db_stmt;

/* Whether target names a PostgreSQL server (a postgresql:// or
 * postgres:// URI, or a libpq key=value string) rather than a file. */
bool cd_db_target_is_pg(const char *target);
/* Whether a PostgreSQL target carries a password (which must come from
 * a password file or PGPASSWORD, never a process's arguments): 1 yes, 0
 * no, -EINVAL when it does not parse (why in err). */
int cd_db_target_has_password(const char *target, char *err, size_t errlen);

/* Open target: an SQLite file (created) or a PostgreSQL server.  *out
 * is set even on failure (for cd_db_error); close it. */
int cd_db_open(const char *target, struct cd_db **out);
/* Open an SQLite file by its path, whatever its name holds (an '=' too);
 * readonly: nothing made or written, beside the process that writes it.
 * As cd_db_open: *out is set even on failure. */
int cd_db_open_sqlite(const char *path, bool readonly, struct cd_db **out);
/* Open an SQLite file that nothing writes while it is open (a backup,
 * a file being checked before it is put in place): read only, no lock
 * taken, no journal nor log looked for, nothing made beside it (SQLite's
 * immutable=1).  As cd_db_open: *out is set even on failure. */
int cd_db_open_sqlite_frozen(const char *path, struct cd_db **out);
void cd_db_close(struct cd_db *db);      /* NULL: nothing */
enum cd_db_kind cd_db_kind(const struct cd_db *db);
const char *cd_db_error(const struct cd_db *db);
/* Say what went wrong (printf-style) in the error cd_db_error returns:
 * -EIO, for callers' own checks. */
int cd_db_failf(struct cd_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run a script of statements with no parameters. */
int cd_db_exec(struct cd_db *db, const char *sql);

/* A statement with its parameters bound as fmt says, one character
 * each: 's' text (const char *, NULL binds NULL), 'i' int64_t, 'b' bool
 * (an int, stored 0 or 1), 'd' double, 'B' a blob (const void *, size_t).
 * Text and blobs must live until the first cd_db_step.  NULL on error
 * (cd_db_error says why); every other function takes NULL as that error
 * and returns -EIO. */
struct cd_db_stmt *cd_db_prep(struct cd_db *db, const char *sql, const char *fmt, ...);
struct cd_db_stmt *cd_db_vprep(struct cd_db *db, const char *sql, const char *fmt, va_list ap);
/* As cd_db_prep, but a statement the connection keeps, prepared once and
 * used again: at the next call with the same sql (by its address, the
 * text checked) it is reset and its parameters bound anew.  sql must stay
 * at that address while the connection is open (a string literal, or one
 * its caller keeps as long).  cd_db_done gives it back; a call while it
 * is in use (a loop over its rows calling back into the same statement)
 * gets one of its own, as does one past the connection's 128 kept.  On
 * PostgreSQL it is a prepared statement of the server's, made again on a
 * connection made again (cd_db_generation) and when the parameters'
 * types change.  cd_db_close finalizes them. */
struct cd_db_stmt *cd_db_prep_cached(struct cd_db *db, const char *sql, const char *fmt, ...);
struct cd_db_stmt *cd_db_vprep_cached(struct cd_db *db, const char *sql, const char *fmt,
				      va_list ap);
/* The next row: 1, 0 when there is none left, or a negative code. */
int cd_db_step(struct cd_db_stmt *st);
/* The current row's columns, from 0.  NULL reads as 0 or NULL; text is
 * the statement's until the next step. */
int64_t cd_db_int(struct cd_db_stmt *st, int col);
double cd_db_double(struct cd_db_stmt *st, int col);
const char *cd_db_text(struct cd_db_stmt *st, int col);
char *cd_db_text_dup(struct cd_db_stmt *st, int col);      /* caller frees; NULL stays */
const void *cd_db_blob(struct cd_db_stmt *st, int col, size_t *len);
bool cd_db_null(struct cd_db_stmt *st, int col);
void cd_db_done(struct cd_db_stmt *st);     /* NULL: nothing; kept: reset for its next use */

/* Shorthands: a statement that returns no rows (0, -EEXIST, ...); one
 * that returns one integer (its value, or a negative code; no row: -ENOENT);
 * every row through row(ctx, st) until it returns nonzero (then that). */
int cd_db_run(struct cd_db *db, const char *sql, const char *fmt, ...);
int cd_db_vrun(struct cd_db *db, struct cd_db_stmt *st);
int64_t cd_db_scalar(struct cd_db_stmt *st);
int cd_db_rows(struct cd_db_stmt *st, int (*row)(void *ctx, struct cd_db_stmt *st), void *ctx);
/* Rows the last statement inserted, changed or removed. */
int64_t cd_db_changes(const struct cd_db *db);

/* Transactions.  The outermost is a write transaction (the write lock
 * held until it ends); one begun inside another is a savepoint of it:
 * its commit keeps its writes for the outer one, its rollback undoes
 * them alone.  Every begin is paired with one commit or one rollback. */
int cd_db_begin(struct cd_db *db);
int cd_db_commit(struct cd_db *db);
void cd_db_rollback(struct cd_db *db);
int cd_db_depth(const struct cd_db *db);     /* transactions open */
/* A read transaction: one consistent view of the database for several
 * reads while others write (ended by cd_db_commit or cd_db_rollback). */
int cd_db_begin_read(struct cd_db *db);

/* SQLite's files as wholes (-ENOTSUP on PostgreSQL).
 * cd_db_sqlite_backup: db's main database copied into a new file at path
 * (made 0600; one that is there is refused, -EEXIST) with SQLite's online
 * backup API in one step, so the copy is one consistent snapshot while
 * other connections write: the snapshot of db's read transaction when one
 * is open (cd_db_begin_read and a read), else of the step's.  Nothing is
 * synced: the caller syncs what it keeps.  An error is in db's message.
 * cd_db_sqlite_check: SQLite's integrity check of every database of db:
 * 0, or -EIO with its first complaint (or why it could not run: "file is
 * not a database") in db's message. */
int cd_db_sqlite_backup(struct cd_db *db, const char *path);
int cd_db_sqlite_check(struct cd_db *db);

/* PostgreSQL's notifications (LISTEN/NOTIFY; SQLite: -ENOTSUP).  A
 * notification is sent when the transaction that sent it commits. */
int cd_db_listen(struct cd_db *db, const char *channel);
int cd_db_notify(struct cd_db *db, const char *channel, const char *payload);
/* The socket to poll for them, or -1. */
int cd_db_socket(struct cd_db *db);
/* Those that arrived since the last call (read off the socket first):
 * each(ctx, payload) for each, and how many; a connection made again is
 * one with the payload "" (what was sent meanwhile is lost). */
int cd_db_notified(struct cd_db *db, void (*each)(void *ctx, const char *payload), void *ctx);
/* How many times the connection was made again (PostgreSQL): what a
 * session held (its advisory locks) went with each. */
uint64_t cd_db_generation(const struct cd_db *db);

#endif
