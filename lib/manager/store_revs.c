/* store_revs.c - documents kept in immutable revisions: the policy and
 * the alert definitions, each in a table of its own. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- revisions ---- */

void cd_revision_free(struct cd_revision *r)
{
	free(r->author);
	free(r->comment);
	free(r->doc);
	memset(r, 0, sizeof(*r));
}

/* The table of each document's revisions. */
static const char *table(enum cd_doc which)
{
	return which == CD_DOC_ALERTS ? "alert_revisions" : "revisions";
}

int cd_store_rev_add(struct cd_store *s, enum cd_doc which, const char *doc, const char *author,
		     const char *comment, int64_t time, int64_t *rev)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "INSERT INTO %s(time, author, comment, doc) VALUES(?, ?, ?, ?)",
		 table(which));
	int r = cd_store_run(s, cd_store_prep(s, sql, "isss", time, author, comment, doc));
	if (r == 0)
		*rev = sqlite3_last_insert_rowid(s->db);
	return r;
}

int cd_store_rev_get(struct cd_store *s, enum cd_doc which, int64_t rev, struct cd_revision *out)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT rev, time, author, comment, doc FROM %s %s", table(which),
		 rev > 0 ? "WHERE rev = ?" : "ORDER BY rev DESC LIMIT 1");
	sqlite3_stmt *st = rev > 0 ? cd_store_prep(s, sql, "i", rev) : cd_store_prep(s, sql, NULL);
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		out->rev = sqlite3_column_int64(st, 0);
		out->time = sqlite3_column_int64(st, 1);
		out->author = cd_store_col_str(st, 2);
		out->comment = cd_store_col_str(st, 3);
		out->doc = cd_store_col_str(st, 4);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : cd_store_fail(s);
	}
	sqlite3_finalize(st);
	return r;
}

struct rev_ctx { cd_store_rev_cb cb; void *ctx; };
static int rev_row(void *p, sqlite3_stmt *st)
{
	struct rev_ctx *c = p;
	struct cd_revision r = {
		.rev = sqlite3_column_int64(st, 0), .time = sqlite3_column_int64(st, 1),
		.author = (char *)cd_store_col_ref(st, 2), .comment = (char *)cd_store_col_ref(st, 3),
	};
	return c->cb(c->ctx, &r);
}

int cd_store_rev_each(struct cd_store *s, enum cd_doc which, cd_store_rev_cb cb, void *ctx)
{
	struct rev_ctx c = { cb, ctx };
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT rev, time, author, comment FROM %s ORDER BY rev", table(which));
	return cd_store_rows(s, cd_store_prep(s, sql, NULL), rev_row, &c);
}
