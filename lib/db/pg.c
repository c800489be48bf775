/* pg.c - the PostgreSQL driver, over libpq (see db.h).
 *
 * One connection.  A statement is sent with PQexecParams when it is first
 * stepped: its `?` numbered $1, $2, ..., each parameter with its type
 * (text, int8, float8, bytea), results as text (bytea unescaped); a
 * statement kept (cd_db_prep_cached) is prepared on the server once
 * (PQprepare) and run by its name (PQexecPrepared), and prepared again
 * on a connection made again, whose session has none.  A lost
 * connection is -ENOTCONN; the next call outside a transaction connects
 * again (and listens again).  Writers take a transaction-scoped advisory
 * lock, so that every cordon process on the database writes in turn, as
 * SQLite's writers do. */
#include "db/db_priv.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* the advisory lock every cordon writer takes: "cordon" in ASCII */
#define CD_DB_LOCK_KEY 0x636f72646f6eLL

enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25, OID_FLOAT8 = 701 };

struct pg {
	PGconn *conn;
	char *channel;          /* LISTENed to (again after a reconnection) */
	int notified;           /* notifications consumed, not yet reported */
	unsigned names;         /* the prepared statements named so far */
};

struct pgst {
	char *sql;              /* with $n */
	bool write;             /* not a SELECT: outside a transaction, one of its own */
	bool ran;
	PGresult *res;
	int row, nrows;
	unsigned char *bytes;   /* the last bytea unescaped */
	char num[CD_DB_MAXPARAMS][32];
	/* kept: a prepared statement of the server's */
	char name[24];          /* its name on the connection */
	bool prepared;          /* on the connection of generation gen, with those types */
	uint64_t gen;
	int ntypes;
	Oid types[CD_DB_MAXPARAMS];
};

static PGconn *conn_of(struct cd_db *db)
{
	return ((struct pg *)db->drv)->conn;
}

/* The code of a failed result (or of the connection when res is NULL). */
static int fail(struct cd_db *db, PGresult *res)
{
	PGconn *c = conn_of(db);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = -EIO;
	if (PQstatus(c) == CONNECTION_BAD || (state && !strncmp(state, "08", 2)) ||
	    (state && (!strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03"))))
		code = -ENOTCONN;
	else if (state && !strcmp(state, "23505"))
		code = -EEXIST;
	else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		code = -EAGAIN;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
	return cd_db_fail(db, code, msg && *msg ? msg : "the database cannot be reached");
}

/* Run sql (no parameters, any number of statements): 0 or a code. */
static int simple(struct cd_db *db, const char *sql)
{
	PGresult *res = PQexec(conn_of(db), sql);
	ExecStatusType s = PQresultStatus(res);
	int r = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : fail(db, res);
	/* a transaction a statement of which failed answers COMMIT with
	 * ROLLBACK, and no error: nothing of it was written */
	if (!r && !strcmp(sql, "COMMIT") && strcmp(PQcmdStatus(res), "COMMIT"))
		r = cd_db_fail(db, -EIO, "the transaction was rolled back, not committed "
			       "(one of its statements had failed)");
	PQclear(res);
	return r;
}

static void no_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connected, or connected again when the connection was lost outside a
 * transaction (a transaction's loss is the caller's: -ENOTCONN). */
static int ready(struct cd_db *db)
{
	struct pg *p = db->drv;
	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	if (db->depth > 0)
		return fail(db, NULL);
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK)
		return fail(db, NULL);
	db->generation++;
	p->notified++;              /* what was sent meanwhile is not known: say so */
	int r = simple(db, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	if (r < 0)
		return r;
	if (p->channel) {
		char *id = PQescapeIdentifier(p->conn, p->channel, strlen(p->channel));
		char *sql = cd_asprintf("LISTEN %s", id);
		PQfreemem(id);
		r = simple(db, sql);
		free(sql);
		if (r < 0)
			return r;
	}
	return 0;
}

static int p_open(struct cd_db *db, const char *target, bool readonly)
{
	struct pg *p = cd_calloc(1, sizeof(*p));
	db->drv = p;
	if (readonly)
		return cd_db_fail(db, -ENOTSUP, "read only: for SQLite's files");
	db->lock_key = CD_DB_LOCK_KEY;
	/* the target's own settings win over these (they come after) */
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "5", "cordon", target, NULL };
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (!p->conn)
		return cd_db_fail(db, -ENOMEM, "out of memory");
	if (PQstatus(p->conn) != CONNECTION_OK)
		return fail(db, NULL);
	PQsetNoticeProcessor(p->conn, no_notice, NULL);
	return simple(db, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
}

static void p_close(struct cd_db *db)
{
	struct pg *p = db->drv;
	if (!p)
		return;
	PQfinish(p->conn);
	free(p->channel);
	free(p);
}

static int p_exec(struct cd_db *db, const char *sql)
{
	int r = ready(db);
	return r < 0 ? r : simple(db, sql);
}

static int p_begin(struct cd_db *db, bool write)
{
	int r = ready(db);
	if (r < 0)
		return r;
	if (!write)
		return simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	char sql[96];
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)", (long long)db->lock_key);
	r = simple(db, sql);
	if (r < 0)
		simple(db, "ROLLBACK");
	return r;
}

/* sql with its ? numbered, outside quotes and comments; NULL past 16 MiB. */
static char *number(const char *sql)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 24);
	int n = 0;
	for (const char *s = sql; *s && !b.full; s++) {
		if (*s == '\'' || *s == '"') {
			const char *e = strchr(s + 1, *s);
			if (!e)
				e = s + strlen(s) - 1;
			if (cd_buf_add(&b, s, (size_t)(e - s + 1)) < 0)
				break;
			s = e;
		} else if (s[0] == '-' && s[1] == '-') {
			const char *e = strchr(s, '\n');
			if (!e)
				break;
			s = e;
		} else if (*s == '?') {
			cd_buf_printf(&b, "$%d", ++n);
		} else if (cd_buf_add(&b, s, 1) < 0) {
			break;
		}
	}
	if (b.full) {
		cd_buf_free(&b);
		return NULL;
	}
	return b.data ? cd_buf_steal(&b) : cd_strdup("");
}

static int p_prep(struct cd_db_stmt *st, const char *sql)
{
	struct pgst *q = cd_calloc(1, sizeof(*q));
	q->sql = number(sql);
	if (!q->sql) {
		free(q);
		return cd_db_fail(st->db, -E2BIG, "a statement longer than 16 MiB");
	}
	while (*sql == ' ' || *sql == '(')
		sql++;
	q->write = strncasecmp(sql, "SELECT", 6) != 0 && strncasecmp(sql, "WITH", 4) != 0;
	if (st->key)
		snprintf(q->name, sizeof(q->name), "cordon_%u", ++((struct pg *)st->db->drv)->names);
	st->drv = q;
	return 0;
}

/* (the parameters are sent with the statement, at its first step) */
static int p_bind(struct cd_db_stmt *st)
{
	(void)st;
	return 0;
}

static void p_reset(struct cd_db_stmt *st)
{
	struct pgst *q = st->drv;
	PQclear(q->res);
	PQfreemem(q->bytes);
	q->res = NULL;
	q->bytes = NULL;
	q->ran = false;
	q->row = q->nrows = 0;
}

/* A kept statement prepared on this connection with these types: NULL,
 * or the failed result. */
static PGresult *prepare(struct cd_db_stmt *st, const Oid *types)
{
	struct pgst *q = st->drv;
	struct cd_db *db = st->db;
	bool same = q->ntypes == st->nparam && !memcmp(q->types, types, (size_t)st->nparam * sizeof(Oid));
	if (q->prepared && q->gen == db->generation && same)
		return NULL;
	/* other types: under another name (the old one goes with the session) */
	if (q->prepared && q->gen == db->generation)
		snprintf(q->name, sizeof(q->name), "cordon_%u", ++((struct pg *)db->drv)->names);
	q->prepared = false;
	PGresult *res = PQprepare(conn_of(db), q->name, q->sql, st->nparam, types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	q->prepared = true;
	q->gen = db->generation;
	q->ntypes = st->nparam;
	memcpy(q->types, types, (size_t)st->nparam * sizeof(Oid));
	return NULL;
}

static PGresult *send(struct cd_db_stmt *st)
{
	struct pgst *q = st->drv;
	Oid types[CD_DB_MAXPARAMS];
	const char *vals[CD_DB_MAXPARAMS];
	int lens[CD_DB_MAXPARAMS], fmts[CD_DB_MAXPARAMS];
	for (int i = 0; i < st->nparam; i++) {
		const struct cd_db_param *p = &st->param[i];
		lens[i] = 0;
		fmts[i] = 0;
		switch (p->type) {
		case 's':
			types[i] = OID_TEXT;
			vals[i] = p->null ? NULL : p->p;
			break;
		case 'i':
		case 'b':
			types[i] = OID_INT8;
			snprintf(q->num[i], sizeof(q->num[i]), "%lld", (long long)p->i);
			vals[i] = q->num[i];
			break;
		case 'd':
			types[i] = OID_FLOAT8;
			snprintf(q->num[i], sizeof(q->num[i]), "%.17g", p->d);
			vals[i] = q->num[i];
			break;
		default:        /* 'B' */
			types[i] = OID_BYTEA;
			vals[i] = p->len ? p->p : "";
			lens[i] = (int)p->len;
			fmts[i] = 1;
			break;
		}
	}
	if (!st->key)
		return PQexecParams(conn_of(st->db), q->sql, st->nparam, types, vals, lens, fmts, 0);
	PGresult *res = prepare(st, types);
	return res ? res : PQexecPrepared(conn_of(st->db), q->name, st->nparam, vals, lens, fmts, 0);
}

static int p_step(struct cd_db_stmt *st)
{
	struct pgst *q = st->drv;
	struct cd_db *db = st->db;
	if (q->ran)
		return q->row + 1 < q->nrows ? (++q->row, 1) : 0;
	q->ran = true;
	int r = ready(db);
	if (r < 0)
		return r;
	/* a write outside a transaction: one of its own, with the lock */
	bool own = q->write && db->depth == 0;
	if (own && (r = p_begin(db, true)) < 0)
		return r;
	q->res = send(st);
	ExecStatusType s = PQresultStatus(q->res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(q->res, PG_DIAG_SQLSTATE);
		if (state && !strcmp(state, "26000"))
			q->prepared = false;    /* gone from the session (DEALLOCATE): made again next time */
		r = fail(db, q->res);
		if (own)
			simple(db, "ROLLBACK");
		return r;
	}
	if (own && (r = simple(db, "COMMIT")) < 0)
		return r;
	const char *n = PQcmdTuples(q->res);
	db->changes = n && *n ? strtoll(n, NULL, 10) : 0;
	q->nrows = s == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
	q->row = 0;
	return q->nrows > 0 ? 1 : 0;
}

static const char *p_text(struct cd_db_stmt *st, int col, size_t *len)
{
	struct pgst *q = st->drv;
	if (PQgetisnull(q->res, q->row, col)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)PQgetlength(q->res, q->row, col);
	return PQgetvalue(q->res, q->row, col);
}

static const void *p_blob(struct cd_db_stmt *st, int col, size_t *len)
{
	struct pgst *q = st->drv;
	if (PQftype(q->res, col) != OID_BYTEA)
		return p_text(st, col, len);
	*len = 0;
	if (PQgetisnull(q->res, q->row, col))
		return NULL;
	PQfreemem(q->bytes);
	q->bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(q->res, q->row, col), len);
	return q->bytes;
}

static bool p_null(struct cd_db_stmt *st, int col)
{
	struct pgst *q = st->drv;
	return PQgetisnull(q->res, q->row, col);
}

static int64_t p_integer(struct cd_db_stmt *st, int col)
{
	const char *t = p_text(st, col, NULL);
	if (!t)
		return 0;
	if (PQftype(((struct pgst *)st->drv)->res, col) == OID_BOOL)
		return *t == 't';
	if (strpbrk(t, ".eE"))          /* numeric, float */
		return (int64_t)strtod(t, NULL);
	return strtoll(t, NULL, 10);
}

static double p_real(struct cd_db_stmt *st, int col)
{
	const char *t = p_text(st, col, NULL);
	return t ? strtod(t, NULL) : 0;
}

static void p_done(struct cd_db_stmt *st)
{
	struct pgst *q = st->drv;
	PQclear(q->res);
	PQfreemem(q->bytes);
	free(q->sql);
	free(q);
}

static int p_listen(struct cd_db *db, const char *channel)
{
	struct pg *p = db->drv;
	int r = ready(db);
	if (r < 0)
		return r;
	char *id = PQescapeIdentifier(p->conn, channel, strlen(channel));
	char *sql = cd_asprintf("LISTEN %s", id);
	PQfreemem(id);
	r = simple(db, sql);
	free(sql);
	if (r == 0) {
		free(p->channel);
		p->channel = cd_strdup(channel);
	}
	return r;
}

static int p_notify(struct cd_db *db, const char *channel, const char *payload)
{
	return cd_db_vrun(db, cd_db_prep(db, "SELECT pg_notify(?, ?)", "ss", channel, payload));
}

static int p_socket(struct cd_db *db)
{
	return PQsocket(conn_of(db));
}

static int p_notified(struct cd_db *db, void (*each)(void *ctx, const char *payload), void *ctx)
{
	struct pg *p = db->drv;
	if (ready(db) < 0)
		return 0;
	int k = p->notified;        /* connections made again */
	for (int i = 0; i < p->notified; i++)
		each(ctx, "");
	p->notified = 0;
	PQconsumeInput(p->conn);
	PGnotify *n;
	while ((n = PQnotifies(p->conn)) != NULL) {
		k++;
		each(ctx, n->extra ? n->extra : "");
		PQfreemem(n);
	}
	return k;
}

const struct cd_db_ops cd_db_pg_ops = {
	.open = p_open, .close = p_close, .exec = p_exec, .prep = p_prep, .bind = p_bind,
	.reset = p_reset, .step = p_step,
	.text = p_text, .blob = p_blob, .null = p_null, .integer = p_integer, .real = p_real,
	.done = p_done, .begin = p_begin, .listen = p_listen, .notify = p_notify,
	.socket = p_socket, .notified = p_notified,
};

int cd_db_target_has_password(const char *target, char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *o = PQconninfoParse(target, &msg);
	if (!o) {
		snprintf(err, errlen, "%s", msg ? msg : "out of memory");
		size_t n = strlen(err);
		while (n && err[n - 1] == '\n')
			err[--n] = 0;
		PQfreemem(msg);
		return -EINVAL;
	}
	int has = 0;
	for (PQconninfoOption *i = o; i->keyword; i++)
		if (!strcmp(i->keyword, "password") && i->val && *i->val)
			has = 1;
	PQconninfoFree(o);
	return has;
}
