/* store_priv.h - the store's insides, shared by store.c (opening,
 * transactions, sources, tags, tokens, agents, events), store_schema.c
 * (the tables and their versions), store_revs.c (documents' revisions),
 * store_scans.c (scan requests, quarantines), store_alerts.c (alerts),
 * store_users.c (users) and store_sync.c (what several managers share)
 * only. */
#ifndef CD_STORE_PRIV_H
#define CD_STORE_PRIV_H

#include "db/db.h"
#include "manager/store.h"

struct cd_store_lease {
	char *name;
	bool held;
	uint64_t generation;    /* of the connection it was taken on */
};

struct cd_store {
	struct cd_db *db;
	int64_t ev_bytes;       /* the events' sizes summed; -1: not known */
	struct cd_store_lease *leases;   /* store_sync.c */
	size_t nleases, leases_cap;
	uint64_t tokens_gen;    /* moves when a token goes (cd_store_tokens_gen) */
	bool event_untold;      /* an event in the open transaction, not yet told */
};

/* The events' searched text on PostgreSQL (its GIN index's expression):
 * words split at every character that is no letter or digit, as SQLite's
 * FTS5 (unicode61) splits them. */
#define CD_STORE_PG_TEXT "to_tsvector('simple', regexp_replace(message || ' ' || " \
	"coalesce(data, ''), '[^[:alnum:]]+', ' ', 'g'))"

/* Forget the leases (store_sync.c; the connection's end releases them). */
void cd_store_leases_free(struct cd_store *s);
/* Bring the schema up to date (store_schema.c). */
int cd_store_migrate(struct cd_store *s);
/* Prepare sql with the arguments described by fmt (db.h's letters). */
struct cd_db_stmt *cd_store_prep(struct cd_store *s, const char *sql, const char *fmt, ...);
/* As cd_store_prep, for a statement run often (for each event, request,
 * agent's call or alert): kept prepared by the connection
 * (cd_db_prep_cached), so sql must be a string literal.  (On SQLite,
 * preparing the event's INSERT again each time, its full-text trigger and
 * all, cost more than running it.) */
struct cd_db_stmt *cd_store_keep(struct cd_store *s, const char *sql, const char *fmt, ...);
/* Run a statement that returns no rows. */
int cd_store_run(struct cd_store *s, struct cd_db_stmt *st);
/* Run a DELETE ... RETURNING size (of events or alerts): how many rows
 * went, or a negative code.  The sizes come off the running total. */
int64_t cd_store_prune_run(struct cd_store *s, struct cd_db_stmt *st);
/* Past alerts cancelled before `before` removed (the event log's
 * retention): how many, or a negative code. */
int64_t cd_store_alerts_prune(struct cd_store *s, int64_t before);

#endif
