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
	char sql[192];
	snprintf(sql, sizeof(sql), "INSERT INTO %s(rev, time, author, comment, doc) VALUES("
		 "(SELECT coalesce(max(rev), 0) + 1 FROM %s), ?, ?, ?, ?) RETURNING rev",
		 table(which), table(which));
	int64_t v = cd_db_scalar(cd_store_prep(s, sql, "isss", time, author, comment, doc));
	if (v < 0)
		return (int)v;
	*rev = v;
	return 0;
}

int cd_store_rev_get(struct cd_store *s, enum cd_doc which, int64_t rev, struct cd_revision *out)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT rev, time, author, comment, doc FROM %s %s", table(which),
		 rev > 0 ? "WHERE rev = ?" : "ORDER BY rev DESC LIMIT 1");
	struct cd_db_stmt *st = rev > 0 ? cd_store_prep(s, sql, "i", rev) : cd_store_prep(s, sql, NULL);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0) {
		out->rev = cd_db_int(st, 0);
		out->time = cd_db_int(st, 1);
		out->author = cd_db_text_dup(st, 2);
		out->comment = cd_db_text_dup(st, 3);
		out->doc = cd_db_text_dup(st, 4);
	} else {
		r = rc == 0 ? -ENOENT : rc;
	}
	cd_db_done(st);
	return r;
}

struct rev_ctx { cd_store_rev_cb cb; void *ctx; };
static int rev_row(void *p, struct cd_db_stmt *st)
{
	struct rev_ctx *c = p;
	struct cd_revision r = {
		.rev = cd_db_int(st, 0), .time = cd_db_int(st, 1),
		.author = (char *)cd_db_text(st, 2), .comment = (char *)cd_db_text(st, 3),
	};
	return c->cb(c->ctx, &r);
}

int cd_store_rev_each(struct cd_store *s, enum cd_doc which, cd_store_rev_cb cb, void *ctx)
{
	struct rev_ctx c = { cb, ctx };
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT rev, time, author, comment FROM %s ORDER BY rev", table(which));
	return cd_db_rows(cd_store_prep(s, sql, NULL), rev_row, &c);
}

int64_t cd_store_rev_last(struct cd_store *s, enum cd_doc which)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(rev), 0) FROM %s", table(which));
	return cd_db_scalar(cd_store_prep(s, sql, NULL));
}
