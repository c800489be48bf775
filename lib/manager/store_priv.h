/* store_priv.h - the embedded store's insides, shared by store.c
 * (schema, transactions, sources, tags, tokens, agents, events),
 * store_revs.c (documents' revisions), store_scans.c (scan requests,
 * quarantines), store_alerts.c (alerts) and store_users.c (users) only. */
#ifndef CD_STORE_PRIV_H
#define CD_STORE_PRIV_H

#include <sqlite3.h>

#include "manager/store.h"

struct cd_store {
	sqlite3 *db;
	char err[256];
	int64_t ev_bytes;       /* the events' sizes summed; -1: not known */
	int depth;              /* transactions open (the inner ones: savepoints) */
};

/* The last error's message into s->err: -EIO. */
int cd_store_fail(struct cd_store *s);
/* Prepare sql and bind the arguments described by fmt: 's' text (NULL
 * binds NULL), 'i' int64, 'b' bool. */
sqlite3_stmt *cd_store_prep(struct cd_store *s, const char *sql, const char *fmt, ...);
/* Run a statement that returns no rows (finalized). */
int cd_store_run(struct cd_store *s, sqlite3_stmt *st);
char *cd_store_col_str(sqlite3_stmt *st, int i);
const char *cd_store_col_ref(sqlite3_stmt *st, int i);
/* Step through rows; each calls row(ctx) until it returns nonzero. */
int cd_store_rows(struct cd_store *s, sqlite3_stmt *st,
		  int (*row)(void *ctx, sqlite3_stmt *st), void *ctx);
int64_t cd_store_scalar(struct cd_store *s, sqlite3_stmt *st);
/* Run a DELETE ... RETURNING size (of events or alerts): how many rows
 * went, or a negative code.  The sizes come off the running total. */
int64_t cd_store_prune_run(struct cd_store *s, sqlite3_stmt *st);
/* Past alerts cancelled before `before` removed (the event log's
 * retention): how many, or a negative code. */
int64_t cd_store_alerts_prune(struct cd_store *s, int64_t before);

#endif
