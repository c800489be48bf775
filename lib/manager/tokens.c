/* tokens.c - API tokens and agents' credentials, listed and revoked by an
 * admin; each revocation is an audit record.  A token is known by its name
 * (several may share one: a revocation takes them all); its secret and
 * its hash are never shown. */
#include <errno.h>
#include <string.h>

#include "manager/mgr_priv.h"
#include "base/token.h"

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
	int r = cd_mgr_begin_n(m, 0);
	/* the last admin token stays: without one, no one can make another */
	int64_t admins = agents || r < 0 ? 0 : cd_store_token_count(m->store, NULL, "admin");
	int64_t mine = agents || r < 0 ? 0 : cd_store_token_count(m->store, name, "admin");
	if (r < 0)
		;
	else if (admins < 0 || mine < 0)
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
	if (r == 0 && !agents) {         /* the consoles signed in with it */
		char *sess = cd_asprintf("session:token:%s", name);
		for (size_t i = 0; r == 0 && roles[i]; i++)
			if (cd_store_token_del_name(m->store, sess, roles[i]) < 0)
				r = -EIO;
		free(sess);
	}
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a,
				 json_pack("{s:s, s:I}", "revoked", name, "count", (json_int_t)*count),
				 "%s %s revoked (%lld)", agents ? "agent credential" : "API token", name,
				 (long long)*count);
	return cd_mgr_finish(m, r);
}
/* ---- tokens ---- */

int cd_mgr_token_create(struct cd_mgr *m, const char *role, const char *name,
			const char *host, const char *workload,
			const struct cd_actor *a, char **secret)
{
	bool enroll = !strcmp(role, "enroll");
	char *s = cd_token_new(enroll ? 'e' : 'a');
	char hash[CD_HASH_HEX];
	cd_token_hash(s, hash);
	struct cd_token t = {
		.hash = hash, .name = (char *)name, .role = (char *)role,
		.host = (char *)host, .workload = (char *)workload, .created = cd_mgr_now(),
	};
	int r = cd_mgr_begin_n(m, 0);     /* a record, not a change of the world */
	if (r == 0)
		r = cd_store_token_add(m->store, &t);
	if (r == 0)
		r = cd_mgr_event(m, "audit", workload, host, a, NULL,
				 "%s token created%s%s%s%s", enroll ? "agent enrollment" : role,
				 host ? " for host " : "", host ? host : "",
				 workload ? " for workload " : "", workload ? workload : "");
	if ((r = cd_mgr_finish(m, r)) < 0) {
		free(s);
		return r;
	}
	*secret = s;
	return 0;
}

/* ---- the credentials' cache ----
 *
 * Every request is authenticated: 200 agents asking at each change made
 * the lookups the manager's bottleneck (on PostgreSQL a round trip each,
 * under the manager's lock).  So tokens found are kept for AUTHC_TTL_US,
 * dropped at once when any token goes, here or in another manager (told
 * by NOTIFY: cd_store_tokens_gen). */
#define AUTHC_SLOTS 4096
#define AUTHC_TTL_US (10 * 1000000LL)

struct authc_slot {
	char hash[CD_HASH_HEX];
	struct cd_token t;
	int64_t until;
};

struct cd_mgr_authc {
	uint64_t gen;               /* cd_store_tokens_gen when filled */
	struct authc_slot v[AUTHC_SLOTS];
};

static void token_copy(struct cd_token *to, const struct cd_token *t)
{
	to->hash = cd_strdup(t->hash);
	to->name = cd_strdup(t->name);
	to->role = cd_strdup(t->role);
	to->host = t->host ? cd_strdup(t->host) : NULL;
	to->workload = t->workload ? cd_strdup(t->workload) : NULL;
	to->created = t->created;
}

static struct authc_slot *authc_slot(struct cd_mgr *m, const char *hash)
{
	struct cd_mgr_authc *c = m->authc;
	if (!c)
		c = m->authc = cd_calloc(1, sizeof(*c));
	if (c->gen != cd_store_tokens_gen(m->store)) {     /* a token went */
		cd_mgr_authc_free(m);
		c = m->authc = cd_calloc(1, sizeof(*c));
		c->gen = cd_store_tokens_gen(m->store);
	}
	return &c->v[strtoul((char[9]){ hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6],
					hash[7], 0 }, NULL, 16) % AUTHC_SLOTS];
}

void cd_mgr_authc_free(struct cd_mgr *m)
{
	if (!m->authc)
		return;
	for (size_t i = 0; i < AUTHC_SLOTS; i++)
		cd_token_free(&m->authc->v[i].t);
	free(m->authc);
	m->authc = NULL;
}

/* The token of hash from the cache, or from the store. */
static int token_get(struct cd_mgr *m, const char *hash, struct cd_token *out)
{
	struct authc_slot *s = authc_slot(m, hash);
	int64_t now = cd_mgr_now();
	if (s->until > now && !strcmp(s->hash, hash)) {
		token_copy(out, &s->t);
		return 0;
	}
	int r = cd_store_token_get(m->store, hash, out);
	if (r == 0) {
		cd_token_free(&s->t);
		token_copy(&s->t, out);
		memcpy(s->hash, hash, CD_HASH_HEX);
		s->until = now + AUTHC_TTL_US;
	}
	return r;
}

int cd_mgr_auth(struct cd_mgr *m, const char *secret, struct cd_token *out)
{
	char hash[CD_HASH_HEX];
	cd_token_hash(secret, hash);
	/* the lookup is by hash: the secret itself is never compared */
	int r = token_get(m, hash, out);
	if (r == 0 && cd_mgr_session_expired(out)) {
		cd_store_token_del(m->store, hash);   /* a console session past its time */
		cd_token_free(out);
		r = -ENOENT;
	}
	return r;
}

int cd_mgr_enroll(struct cd_mgr *m, const char *secret, const char *origin,
		  char **credential, struct cd_token *agent)
{
	struct cd_token et = { 0 };
	int r = cd_mgr_auth(m, secret, &et);
	if (r < 0)
		return r;
	if (strcmp(et.role, "enroll")) {
		cd_token_free(&et);
		return -EPERM;
	}
	if (cd_mgr_now() - et.created > CD_ENROLL_TTL_S * 1000000) {
		cd_token_free(&et);
		return -ETIMEDOUT;       /* an old one-time token: ask for a fresh one */
	}
	char *cred = cd_token_new('g');
	char hash[CD_HASH_HEX];
	cd_token_hash(cred, hash);
	char *name = et.host ? cd_asprintf("host:%s", et.host) : cd_asprintf("workload:%s", et.workload);
	struct cd_token t = {
		.hash = cd_strdup(hash), .name = name, .role = cd_strdup("agent"),
		.host = et.host ? cd_strdup(et.host) : NULL,
		.workload = et.workload ? cd_strdup(et.workload) : NULL, .created = cd_mgr_now(),
	};
	struct cd_actor a = { .name = name, .role = "agent", .origin = origin };
	r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_token_del(m->store, et.hash);    /* one time only */
	if (r == 0)
		r = cd_store_token_add(m->store, &t);
	if (r == 0)
		r = cd_mgr_event(m, "agent-enrolled", t.workload, t.host, &a, NULL,
				 "agent %s enrolled", name);
	r = cd_mgr_finish(m, r);
	cd_token_free(&et);
	if (r < 0) {
		cd_token_free(&t);
		free(cred);
		return r;
	}
	*credential = cred;
	*agent = t;
	return 0;
}

