/* store_users.c - the console's users: name, role and password hash; and
 * the sign-in attempts of each origin, shared by several managers. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cd_user_free(struct cd_user *u)
{
	free(u->name);
	free(u->role);
	free(u->hash);
	free(u->zone);
	memset(u, 0, sizeof(*u));
}

int cd_store_user_create(struct cd_store *s, const struct cd_user *u)
{
	/* names match ignoring case (the column's collation, on both) */
	struct cd_db_stmt *st = cd_store_prep(s, "INSERT INTO users(name, role, hash, created) "
					      "VALUES(?, ?, ?, ?) ON CONFLICT(name) DO NOTHING RETURNING name",
					      "sssi", u->name, u->role, u->hash, u->created);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st);
	cd_db_done(st);
	return rc > 0 ? 0 : rc == 0 ? -EEXIST : rc;
}

int cd_store_user_get(struct cd_store *s, const char *name, struct cd_user *out)
{
	struct cd_db_stmt *st = cd_store_keep(s, "SELECT name, role, hash, created, zone FROM users WHERE name = ?",
					 "s", name);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0) {
		out->name = cd_db_text_dup(st, 0);
		out->role = cd_db_text_dup(st, 1);
		out->hash = cd_db_text_dup(st, 2);
		out->created = cd_db_int(st, 3);
		out->zone = cd_db_text_dup(st, 4);
	} else {
		r = rc == 0 ? -ENOENT : rc;
	}
	cd_db_done(st);
	return r;
}

/* A change of one user's row (... RETURNING name): 0, or -ENOENT when
 * there is no such user. */
static int one_user(struct cd_db_stmt *st)
{
	if (!st)
		return -EIO;
	int rc = cd_db_step(st);
	cd_db_done(st);
	return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

int cd_store_user_zone(struct cd_store *s, const char *name, const char *zone)
{
	return one_user(cd_store_prep(s, "UPDATE users SET zone = ? WHERE name = ? RETURNING name", "ss",
					 zone, name));
}

int cd_store_user_set(struct cd_store *s, const char *name, const char *role, const char *hash)
{
	return one_user(cd_store_prep(s, "UPDATE users SET role = coalesce(?, role), hash = coalesce(?, hash) "
					 "WHERE name = ? RETURNING name", "sss", role, hash, name));
}

int cd_store_user_del(struct cd_store *s, const char *name)
{
	return one_user(cd_store_prep(s, "DELETE FROM users WHERE name = ? RETURNING name", "s", name));
}

struct user_ctx { cd_store_user_cb cb; void *ctx; };
static int user_row(void *p, struct cd_db_stmt *st)
{
	struct user_ctx *c = p;
	struct cd_user u = { .name = (char *)cd_db_text(st, 0), .role = (char *)cd_db_text(st, 1),
			     .created = cd_db_int(st, 2) };
	return c->cb(c->ctx, &u);
}

int cd_store_user_each(struct cd_store *s, cd_store_user_cb cb, void *ctx)
{
	struct user_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT name, role, created FROM users ORDER BY name", NULL),
			     user_row, &c);
}

int64_t cd_store_user_count(struct cd_store *s, const char *role)
{
	return cd_db_scalar(cd_store_prep(s, "SELECT count(*) FROM users WHERE ? IS NULL OR role = ?",
					  "ss", role, role));
}

int cd_store_signin_get(struct cd_store *s, const char *origin, double *level, int64_t *at)
{
	struct cd_db_stmt *st = cd_store_keep(s, "SELECT level, at FROM signins WHERE origin = ?", "s",
					      origin);
	int rc = cd_db_step(st);
	if (rc > 0) {
		*level = cd_db_double(st, 0);
		*at = cd_db_int(st, 1);
	}
	cd_db_done(st);
	return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

int cd_store_signin_put(struct cd_store *s, const char *origin, double level, int64_t at)
{
	return cd_store_run(s, cd_store_keep(s, "INSERT INTO signins(origin, level, at) VALUES(?, ?, ?) "
			    "ON CONFLICT(origin) DO UPDATE SET level = excluded.level, at = excluded.at",
			    "sdi", origin, level, at));
}

int cd_store_signins_prune(struct cd_store *s, int64_t before)
{
	return cd_store_run(s, cd_store_prep(s, "DELETE FROM signins WHERE at < ?", "i", before));
}
