/* store_named.c - documents kept by name (list views, reports), each name
 * with revisions of its own, numbered from 1; a revision without a
 * document says the name was removed. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cd_store_named_put(struct cd_store *s, const char *kind, const char *name, const char *doc,
		       const char *author, const char *comment, int64_t time, int64_t *rev)
{
	int64_t v = cd_db_scalar(cd_store_prep(
		s, "INSERT INTO named_revisions(kind, name, rev, time, author, comment, doc) "
		   "VALUES(?, ?, (SELECT coalesce(max(rev), 0) + 1 FROM named_revisions "
		   "WHERE kind = ? AND name = ?), ?, ?, ?, ?) RETURNING rev",
		"ssssisss", kind, name, kind, name, time, author, comment, doc));
	if (v < 0)
		return (int)v;
	if (rev)
		*rev = v;
	return 0;
}

static void rev_of(struct cd_db_stmt *st, struct cd_revision *out)
{
	out->rev = cd_db_int(st, 0);
	out->time = cd_db_int(st, 1);
	out->author = cd_db_text_dup(st, 2);
	out->comment = cd_db_text_dup(st, 3);
	out->doc = cd_db_text_dup(st, 4);
}

int cd_store_named_get(struct cd_store *s, const char *kind, const char *name, int64_t rev,
		       struct cd_revision *out)
{
	struct cd_db_stmt *st = rev > 0
		? cd_store_prep(s, "SELECT rev, time, author, comment, doc FROM named_revisions "
				   "WHERE kind = ? AND name = ? AND rev = ?", "ssi", kind, name, rev)
		: cd_store_prep(s, "SELECT rev, time, author, comment, doc FROM named_revisions "
				   "WHERE kind = ? AND name = ? ORDER BY rev DESC LIMIT 1", "ss", kind,
				name);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	memset(out, 0, sizeof *out);
	if (rc > 0)
		rev_of(st, out);
	else
		r = rc == 0 ? -ENOENT : rc;
	cd_db_done(st);
	return r;
}

struct each { cd_store_named_cb cb; void *ctx; };

static int each_row(void *p, struct cd_db_stmt *st)
{
	struct each *e = p;
	struct cd_revision r = {
		.rev = cd_db_int(st, 1), .time = cd_db_int(st, 2),
		.author = (char *)cd_db_text(st, 3), .comment = (char *)cd_db_text(st, 4),
		.doc = (char *)cd_db_text(st, 5),
	};
	return e->cb(e->ctx, cd_db_text(st, 0), &r);
}

int cd_store_named_each(struct cd_store *s, const char *kind, cd_store_named_cb cb, void *ctx)
{
	struct each e = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT n.name, n.rev, n.time, n.author, n.comment, n.doc "
					   "FROM named_revisions n WHERE n.kind = ? AND n.rev = "
					   "(SELECT max(rev) FROM named_revisions m WHERE m.kind = "
					   "n.kind AND m.name = n.name) ORDER BY n.name", "s", kind),
			  each_row, &e);
}

int cd_store_named_revs(struct cd_store *s, const char *kind, const char *name,
			cd_store_named_cb cb, void *ctx)
{
	struct each e = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT name, rev, time, author, comment, doc FROM "
					   "named_revisions WHERE kind = ? AND name = ? ORDER BY rev",
					"ss", kind, name),
			  each_row, &e);
}
