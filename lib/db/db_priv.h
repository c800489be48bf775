/* db_priv.h - what db.c shares with its two drivers (sqlite.c, pg.c),
 * and nothing else may use. */
#ifndef CD_DB_PRIV_H
#define CD_DB_PRIV_H

#include "db/db.h"

#define CD_DB_MAXPARAMS 32
/* the statements a connection keeps (cd_db_prep_cached): at most
 * CD_DB_CACHE_MAX, in a table of CD_DB_CACHE_SLOTS by their text's
 * address (a power of two, open addressing) */
#define CD_DB_CACHE_MAX 128
#define CD_DB_CACHE_SLOTS 256

struct cd_db_param {
	char type;            /* 's', 'i', 'b', 'd', 'B' */
	bool null;            /* 's' given NULL */
	int64_t i;            /* 'i', 'b' */
	double d;             /* 'd' */
	const void *p;        /* 's', 'B' */
	size_t len;           /* 'B' */
};

struct cd_db_ops {
	/* readonly: nothing made or written (SQLite's only) */
	int (*open)(struct cd_db *db, const char *target, bool readonly);
	void (*close)(struct cd_db *db);
	int (*exec)(struct cd_db *db, const char *sql);
	/* make st->drv for sql (st->key set: one kept, used again); bind
	 * st->param to it (run at the first step); reset: a kept one made
	 * ready for its next use, its parameters let go */
	int (*prep)(struct cd_db_stmt *st, const char *sql);
	int (*bind)(struct cd_db_stmt *st);
	void (*reset)(struct cd_db_stmt *st);
	int (*step)(struct cd_db_stmt *st);
	const char *(*text)(struct cd_db_stmt *st, int col, size_t *len);
	const void *(*blob)(struct cd_db_stmt *st, int col, size_t *len);
	bool (*null)(struct cd_db_stmt *st, int col);
	int64_t (*integer)(struct cd_db_stmt *st, int col);
	double (*real)(struct cd_db_stmt *st, int col);
	void (*done)(struct cd_db_stmt *st);          /* finalized: st->drv freed */
	/* the outermost transaction: a write one (the write lock), or read */
	int (*begin)(struct cd_db *db, bool write);
	int (*listen)(struct cd_db *db, const char *channel);
	int (*notify)(struct cd_db *db, const char *channel, const char *payload);
	int (*socket)(struct cd_db *db);
	int (*notified)(struct cd_db *db, void (*each)(void *ctx, const char *payload), void *ctx);
};

struct cd_db {
	const struct cd_db_ops *ops;
	enum cd_db_kind kind;
	void *drv;            /* sqlite3 *, or the PostgreSQL driver's state */
	int64_t changes;      /* rows the last statement touched */
	bool frozen;          /* SQLite: opened immutable (cd_db_open_sqlite_frozen) */
	int depth;            /* transactions open (the inner ones: savepoints) */
	int64_t lock_key;     /* PostgreSQL: the advisory lock writers take */
	uint64_t generation;  /* connections made again */
	struct cd_db_stmt *cache[CD_DB_CACHE_SLOTS];  /* the statements kept, by key */
	size_t ncache;
	char err[512];
};

struct cd_db_stmt {
	struct cd_db *db;
	void *drv;
	const char *key;      /* kept: the address of the text it is kept by (NULL: not kept) */
	char *text;           /* kept: that text, to tell another put at the same address */
	bool busy;            /* kept: handed out, not yet done */
	int nparam;
	struct cd_db_param param[CD_DB_MAXPARAMS];
};

extern const struct cd_db_ops cd_db_sqlite_ops, cd_db_pg_ops;

/* The message into db->err: returns code. */
int cd_db_fail(struct cd_db *db, int code, const char *msg);

#endif
