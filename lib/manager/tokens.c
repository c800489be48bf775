/* tokens.c - API tokens and agents' credentials, listed and revoked by an
 * admin; each revocation is an audit record.  A token is known by its name
 * (several may share one: a revocation takes them all); its secret and
 * its hash are never shown. */
#include <errno.h>
#include <string.h>

#include "manager/mgr_priv.h"

static const char *const api_roles[] = { "admin", "operator", "viewer", NULL };
static const char *const agent_roles[] = { "agent", "enroll", NULL };

static bool in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

struct list_ctx {
	json_t *a;
	const char *const *roles;
};

static int list_row(void *p, const struct cd_token *t)
{
	struct list_ctx *x = p;
	if (!in(t->role, x->roles))
		return 0;
	char c[CD_TIME_STRLEN], e[CD_TIME_STRLEN];
	json_t *o = json_pack("{s:s, s:s, s:s}", "name", t->name, "role", t->role, "created",
			      cd_time_fmt(t->created, c));
	if (x->roles == agent_roles) {
		json_object_set_new(o, "host", t->host ? json_string(t->host) : json_null());
		json_object_set_new(o, "workload", t->workload ? json_string(t->workload) : json_null());
		/* an enrollment token not yet used works for a day */
		json_object_set_new(o, "expires", !strcmp(t->role, "enroll")
				    ? json_string(cd_time_fmt(t->created + CD_ENROLL_TTL_S * 1000000, e))
				    : json_null());
	}
	json_array_append_new(x->a, o);
	return 0;
}

json_t *cd_mgr_tokens(struct cd_mgr *m, bool agents)
{
	struct list_ctx x = { json_array(), agents ? agent_roles : api_roles };
	if (cd_store_token_each(m->store, list_row, &x) < 0) {
		json_decref(x.a);
		return NULL;
	}
	return x.a;
}

int cd_mgr_token_revoke(struct cd_mgr *m, const char *name, bool agents,
			const struct cd_actor *a, int64_t *count)
{
	const char *const *roles = agents ? agent_roles : api_roles;
	*count = 0;
	int r = cd_store_begin(m->store);
	if (r < 0)
		return r;
	/* the last admin token stays: without one, no one can make another */
	int64_t admins = agents ? 0 : cd_store_token_count(m->store, NULL, "admin");
	int64_t mine = agents ? 0 : cd_store_token_count(m->store, name, "admin");
	if (admins < 0 || mine < 0)
		r = -EIO;
	else if (mine > 0 && mine == admins)
		r = -EBUSY;
	for (size_t i = 0; r == 0 && roles[i]; i++) {
		int64_t n = cd_store_token_del_name(m->store, name, roles[i]);
		if (n < 0)
			r = (int)n;
		else
			*count += n;
	}
	if (r == 0 && *count == 0)
		r = -ENOENT;
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a,
				 json_pack("{s:s, s:I}", "revoked", name, "count", (json_int_t)*count),
				 "%s %s revoked (%lld)", agents ? "agent credential" : "API token", name,
				 (long long)*count);
	if (r == 0)
		return cd_store_commit(m->store);
	cd_store_rollback(m->store);
	return r;
}
