/* chunkdb_priv.h - what the chunk store's files share (chunkdb.h's
 * functions, on either database), and nothing else may use:
 *  - chunkdb_sql.c: every statement, in the one form both databases
 *    take, with their differences (names, types, the writers' columns,
 *    SQLite's pragmas) marked there and nowhere else; how they are run;
 *  - chunkdb_share.c: what only a store several managers write has (on
 *    PostgreSQL): writers, their locks, the others' rows, takeovers;
 *  - chunkdb.c: the rest, the same on both.
 * Calls go chunkdb.c -> chunkdb_share.c -> chunkdb_sql.c, never back. */
#ifndef CD_CHUNKDB_PRIV_H
#define CD_CHUNKDB_PRIV_H

#include "db/db.h"
#include "metrics/chunkdb.h"

/* The statements (Q_) and scripts (S_, run whole, no parameters). */
enum cd_chunkdb_q {
	S_SETUP, S_SETUP_RO, S_SCHEMA, S_BULK_ON, S_BULK_OFF, S_CHECKPOINT,
	Q_EPOCH, Q_EPOCH_SET, Q_DROP_EPOCH,
	Q_GROUP_ID, Q_GROUP_ADD, Q_GROUP_ROLLED, Q_GROUP_ROLLED_GET, Q_GROUP_EACH,
	Q_SERIES_STALE, Q_SERIES_ID, Q_SERIES_ADD, Q_SERIES_EACH,
	Q_PUT, Q_GET, Q_GET_BEFORE, Q_GET_LAST, Q_FIRST_FROM, Q_LAST_T1,
	Q_HEAD_PUT, Q_HEAD_EACH, Q_HEADS_CLEAR, Q_WAL_ADD, Q_WAL_EACH, Q_WAL_CLEAR,
	Q_GONE_ADD, Q_RM_CHUNKS, Q_RM_HEADS, Q_RM_WAL, Q_RM_SERIES, Q_RM_GROUP, Q_GONE_EACH,
	Q_SAMPLES, Q_BYTES,
	/* the writers' (shared) only */
	Q_LOCK, Q_UNLOCK, Q_WRITER_NEW, Q_WRITER_ADD, Q_WAL_ID, Q_WAL_IDS_SET,
	Q_OTHERS_HEADS, Q_OTHERS_WAL, Q_OTHERS_T0, Q_FOLLOW, Q_IDLE,
	Q_ORPHAN_CHUNKS, Q_ORPHAN_HEADS, Q_ORPHAN_WAL, Q_ORPHAN_WRITER,
	CD_CHUNKDB_NQ
};

struct cd_chunkdb {
	struct cd_db *db;
	bool shared;               /* several writers (PostgreSQL) */
	char *sql[CD_CHUNKDB_NQ];  /* the statements in this database's form (NULL: none here) */
	char *fmt[CD_CHUNKDB_NQ];  /* their parameters' types (cd_db_prep) */
	char *path;                /* SQLite: DIR/metrics.db */
	char *idfile;              /* shared: DIR/metrics.writer, this manager's number */
	int lock;                  /* DIR/metrics.lock, held while open (-1: none) */
	int64_t writer;            /* shared: this manager's number (else 0) */
	int64_t epoch;             /* chunks are written in, as committed */
	int bump;                  /* epochs begun in the transaction, counted at its commit */
	int bump_depth;            /* the outermost transaction's depth that began one */
	int64_t wal_next;          /* shared, in a transaction: the next batch's number (0: ask) */
	int64_t wal_taken;         /* the first of them, from the sequence */
	uint64_t generation;       /* shared: of the connection that holds the writer's lock */
	bool retaken;              /* the writer taken again in this transaction */
	bool renewed;              /* a new writer since the store last asked */
	/* the last rollup records read (a group's tier over a range), kept
	 * for the reads of its other series that follow: a view reads an
	 * object's series one after the other.  Good for a second, and until
	 * this connection writes or drops a chunk (writes counts those). */
	struct {
		bool valid;
		int64_t group, from, to, at;
		int tier;
		uint64_t writes;
		struct cd_chunk_row *row;
		size_t n, cap;
	} recent;
	uint64_t writes;
	char err[256];
};

/* ---- chunkdb_sql.c ---- */

/* db->sql and db->fmt in db->db's form: 0, or -EINVAL (a statement that
 * does not expand: a mistake in the table, said in db->err). */
int cd_chunkdb_sql_init(struct cd_chunkdb *db);
void cd_chunkdb_sql_free(struct cd_chunkdb *db);
/* A text in db's form (a statement made at run time): the caller frees. */
char *cd_chunkdb_sql(const struct cd_chunkdb *db, const char *tmpl);
/* Statement q, kept (cd_db_prep_cached), its parameters given as its
 * PostgreSQL form takes them (the SQLite form takes the first of them).
 * NULL on error, or when q has no form in this database. */
struct cd_db_stmt *cd_chunkdb_q(struct cd_chunkdb *db, enum cd_chunkdb_q q, ...);
/* Whether q has a form in this database. */
bool cd_chunkdb_has(const struct cd_chunkdb *db, enum cd_chunkdb_q q);
/* Script q (a form that is empty here: -ENOTSUP). */
int cd_chunkdb_script(struct cd_chunkdb *db, enum cd_chunkdb_q q);

/* The database's error into db->err: r, or -EIO when r is not negative. */
int cd_chunkdb_fail(struct cd_chunkdb *db, int r);
/* Run st, which returns no rows that matter: 0 or a negative code. */
int cd_chunkdb_run(struct cd_chunkdb *db, struct cd_db_stmt *st);
/* st's one integer (*found false when its row or value is missing). */
int cd_chunkdb_scalar(struct cd_chunkdb *db, struct cd_db_stmt *st, int64_t *v, bool *found);
/* Each row of st to fn: SELECT t0, t1, n, data (chunks of group's tier;
 * fn > 0 stops, and is 0 here), SELECT grp, data (heads), SELECT data
 * (batches); fn's non-zero return stops and is returned. */
int cd_chunkdb_chunks(struct cd_chunkdb *db, struct cd_db_stmt *st, int64_t group, int tier,
		      cd_chunk_fn fn, void *arg);
int cd_chunkdb_heads(struct cd_chunkdb *db, struct cd_db_stmt *st, cd_chunk_fn fn, void *arg);
int cd_chunkdb_batches(struct cd_chunkdb *db, struct cd_db_stmt *st, cd_wal_fn fn, void *arg);

/* ---- chunkdb_share.c ---- */

/* Inside the transaction that made the schema: become the writer
 * DIR/metrics.writer names, or a new one. */
int cd_chunkdb_writer_open(struct cd_chunkdb *db, const char *dir);
/* Its lock let go of (at close). */
void cd_chunkdb_writer_close(struct cd_chunkdb *db);
/* At an outermost begin: the writer taken again when the connection was
 * made again since it was taken (nothing when not shared). */
int cd_chunkdb_writer_again(struct cd_chunkdb *db);
/* The outermost transaction over, committed or not. */
void cd_chunkdb_writer_end(struct cd_chunkdb *db, bool committed);
/* A batch's number (shared; else 0), and before an outermost commit the
 * sequence set past those used. */
int cd_chunkdb_wal_id(struct cd_chunkdb *db, int64_t *id);
int cd_chunkdb_wal_ids_commit(struct cd_chunkdb *db);

#endif
