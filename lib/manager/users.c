/* users.c - the console's users and their sessions (see mgr.h).
 *
 * A password is kept as libsodium's crypto_pwhash_str (Argon2id, salted,
 * its cost in the string).  A session is an API token of the user's role
 * named "session:USER", kept hashed like any token and good for 12 hours:
 * the browser holds its secret in an HttpOnly cookie, and the request
 * that changes anything also sends the session's CSRF value, which is
 * derived from the secret (so it is never stored) and given to the page
 * only in the sign-in answer.  Sign-in attempts are rate-limited by
 * origin and in all: a password guessed costs the guesser time, and the
 * manager one hash at a time. */
#include "manager/mgr.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ratelimit.h"
#include "base/token.h"
#include "base/util.h"
#include "manager/mgr_priv.h"

#define SESSION_US (12 * 3600 * 1000000LL)
#define ORIGINS_MAX 4096                  /* origins remembered for the rate */
#define PER_ORIGIN_RATE 0.1               /* attempts a second, after a burst */
#define PER_ORIGIN_BURST 5
#define ALL_RATE 5                        /* in all: the hashing's cost */
#define ALL_BURST 20

struct cd_mgr_signins {
	struct cd_map at;                 /* origin -> index */
	char **origins;
	struct cd_bucket *b;
	bool *trusted;                    /* a user signed in from it */
	size_t n, cap;
	struct cd_bucket all;
};

static const char *const roles[] = { "admin", "operator", "viewer", NULL };

static bool role_ok(const char *r)
{
	for (size_t i = 0; roles[i]; i++)
		if (!strcmp(r, roles[i]))
			return true;
	return false;
}

void cd_mgr_users_close(struct cd_mgr *m)
{
	struct cd_mgr_signins *s = m->signins;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->origins[i]);
	free(s->origins);
	free(s->b);
	free(s->trusted);
	cd_map_free(&s->at);
	free(s);
	m->signins = NULL;
}

/* The password's slow salted hash (Argon2id) into hash. */
static int pw_hash(const char *password, char hash[crypto_pwhash_STRBYTES])
{
	if (sodium_init() < 0)
		return -EIO;
	if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		return -ENOMEM;
	return 0;
}

static int user_add(struct cd_mgr *m, const char *name, const char *role, const char *password,
		    const struct cd_actor *a, bool first)
{
	if (!role_ok(role))
		return -EINVAL;
	char hash[crypto_pwhash_STRBYTES];
	int r = pw_hash(password, hash);
	if (r < 0)
		return r;
	struct cd_user u = { .name = (char *)name, .role = (char *)role, .hash = hash,
			     .created = cd_mgr_now() };
	r = cd_mgr_begin_n(m, 0);
	/* the first user: made once, whichever manager starts first */
	int64_t n = r == 0 && first ? cd_store_user_count(m->store, NULL) : 0;
	if (n != 0)
		r = n > 0 ? -EEXIST : (int)n;
	if (r == 0)
		r = cd_store_user_create(m->store, &u);
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a, json_pack("{s:s, s:s}", "user", name, "role", role),
				 "user %s added (%s)", name, role);
	return cd_mgr_finish(m, r);
}

int cd_mgr_user_add(struct cd_mgr *m, const char *name, const char *role, const char *password,
		    const struct cd_actor *a)
{
	return user_add(m, name, role, password, a, false);
}

int cd_mgr_user_first(struct cd_mgr *m, const char *name, const char *role, const char *password,
		      const struct cd_actor *a)
{
	return user_add(m, name, role, password, a, true);
}

/* Every console session of user u, whatever role it was opened with:
 * gone, on every manager (their caches hear of it: tokens_gen). */
static int end_sessions(struct cd_mgr *m, const struct cd_user *u, int64_t *ended)
{
	char *sess = cd_asprintf("session:%s", u->name);
	int64_t n = cd_store_token_del_name(m->store, sess, NULL);
	free(sess);
	*ended = n;
	return n < 0 ? -EIO : 0;
}

/* -EBUSY when u is the last admin user and would be one no longer */
static int last_admin(struct cd_mgr *m, const struct cd_user *u, const char *role)
{
	if (strcmp(u->role, "admin") || (role && !strcmp(role, "admin")))
		return 0;
	int64_t n = cd_store_user_count(m->store, "admin");
	return n < 0 ? (int)n : n <= 1 ? -EBUSY : 0;
}

int cd_mgr_user_set(struct cd_mgr *m, const char *name, const char *role, const char *password,
		    const struct cd_actor *a)
{
	if (role && !role_ok(role))
		return -EINVAL;
	char hash[crypto_pwhash_STRBYTES];
	int r = password ? pw_hash(password, hash) : 0;
	if (r < 0)
		return r;
	struct cd_user u = { 0 };
	int64_t ended = 0;
	r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_user_get(m->store, name, &u);
	if (r == 0)
		r = last_admin(m, &u, role ? role : u.role);
	if (r == 0)
		r = cd_store_user_set(m->store, u.name, role, password ? hash : NULL);
	if (r == 0)                       /* what they held was given under the old role or password */
		r = end_sessions(m, &u, &ended);
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a,
				 json_pack("{s:s, s:s, s:b, s:I}", "user", u.name, "role", role ? role : u.role,
					   "password", password != NULL, "sessions_ended", (json_int_t)ended),
				 "user %s changed (%s%s%s%s): %lld sessions ended", u.name,
				 role ? "role " : "", role ? role : "", role && password ? ", " : "",
				 password ? "password" : "", (long long)ended);
	cd_user_free(&u);
	return cd_mgr_finish(m, r);
}

int cd_mgr_user_del(struct cd_mgr *m, const char *name, const struct cd_actor *a)
{
	struct cd_user u = { 0 };
	int64_t ended = 0;
	int r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_user_get(m->store, name, &u);
	if (r == 0)
		r = last_admin(m, &u, NULL);
	if (r == 0)
		r = cd_store_user_del(m->store, u.name);
	if (r == 0)                       /* signed out everywhere */
		r = end_sessions(m, &u, &ended);
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a,
				 json_pack("{s:s, s:I}", "user", u.name, "sessions_ended", (json_int_t)ended),
				 "user %s removed: %lld sessions ended", u.name, (long long)ended);
	cd_user_free(&u);
	return cd_mgr_finish(m, r);
}

int cd_mgr_zone_get(struct cd_mgr *m, const char *user, char **zone)
{
	struct cd_user u = { 0 };
	int r = cd_store_user_get(m->store, user, &u);
	*zone = r == 0 ? u.zone : NULL;
	u.zone = NULL;
	cd_user_free(&u);
	return r;
}

/* A zone tzdata has: letters, digits and _+-/ in a relative path with no
 * dot segment, naming a file of /usr/share/zoneinfo. */
static bool zone_ok(const char *z)
{
	size_t n = strlen(z);
	if (!strcmp(z, "UTC"))
		return true;
	if (n == 0 || n > 64 || z[0] == '/' || strstr(z, ".."))
		return false;
	for (const char *p = z; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
			return false;
	char path[128];
	struct stat sb;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", z);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cd_mgr_zone_set(struct cd_mgr *m, const char *user, const char *zone)
{
	if (*zone && !zone_ok(zone))
		return -EINVAL;
	return cd_store_user_zone(m->store, user, *zone ? zone : NULL);
}

static int user_row(void *ctx, const struct cd_user *u)
{
	char t[CD_TIME_STRLEN];
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "name", u->name, "role", u->role,
					     "created", cd_time_fmt(u->created, t)));
	return 0;
}

json_t *cd_mgr_users(struct cd_mgr *m)
{
	json_t *a = json_array();
	if (cd_store_user_each(m->store, user_row, a) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int64_t cd_mgr_user_count(struct cd_mgr *m)
{
	return cd_store_user_count(m->store, NULL);
}

/* The origin's bucket in memory, made when new. */
static struct cd_bucket *bucket_of(struct cd_mgr_signins *s, const char *origin)
{
	size_t i;
	if (!cd_map_get(&s->at, origin, &i)) {
		if (s->n == ORIGINS_MAX) {        /* forgotten all at once, rarely */
			for (size_t k = 0; k < s->n; k++)
				free(s->origins[k]);
			s->n = 0;
			cd_map_free(&s->at);
			cd_map_init_exact(&s->at);
		}
		size_t cap = s->cap, cap2 = s->cap;      /* the arrays grow alike */
		cd_grow(&s->origins, &cap, s->n + 1, sizeof(*s->origins));
		cd_grow(&s->trusted, &cap2, s->n + 1, sizeof(*s->trusted));
		cd_grow(&s->b, &s->cap, s->n + 1, sizeof(*s->b));
		s->origins[s->n] = cd_strdup(origin);
		s->b[s->n] = (struct cd_bucket){ 0 };
		s->trusted[s->n] = false;
		cd_map_put(&s->at, s->origins[s->n], s->n, NULL);
		i = s->n++;
	}
	return &s->b[i];
}

static bool origin_trusted(struct cd_mgr_signins *s, const char *origin)
{
	size_t i;
	return cd_map_get(&s->at, origin, &i) && s->trusted[i];
}

/* A user signed in from origin: it is trusted from now on (this manager's
 * memory, until ORIGINS_MAX are forgotten at once). */
static void trust_origin(struct cd_mgr *m, const char *origin)
{
	if (!m->signins || !origin)
		return;
	bucket_of(m->signins, origin);
	size_t i;
	if (cd_map_get(&m->signins->at, origin, &i))
		m->signins->trusted[i] = true;
}

/* Seconds before origin may try again (0: now, and the try is taken).
 * Several managers count an origin's tries together, in the store (read
 * and written in one transaction); the rate in all is each manager's own
 * (the hashing it does).  The store away: this manager's count. */
int cd_mgr_signin_admit(struct cd_mgr *m, const char *origin)
{
	if (!m->signins) {
		m->signins = cd_calloc(1, sizeof(*m->signins));
		cd_map_init_exact(&m->signins->at);
	}
	struct cd_mgr_signins *s = m->signins;
	int64_t now = cd_mgr_rate_now(m);
	struct cd_bucket shared = { 0 };
	bool in_store = cd_store_shared(m->store) && cd_store_begin(m->store) == 0;
	if (in_store) {
		int r = cd_store_signin_get(m->store, origin, &shared.level, &shared.at);
		if (r < 0 && r != -ENOENT) {
			cd_store_rollback(m->store);
			in_store = false;
		}
	}
	struct cd_bucket *b = in_store ? &shared : bucket_of(s, origin);
	double w = cd_bucket_wait(b, PER_ORIGIN_RATE, PER_ORIGIN_BURST, 1, now);
	/* the rate in all keeps the hashing's cost down; an address a user
	 * signed in from before is not held by it (others' wrong passwords
	 * would lock everyone out: OWASP's "device cookie" idea, by address) */
	bool trusted = origin_trusted(s, origin);
	double wa = trusted ? 0 : cd_bucket_wait(&s->all, ALL_RATE, ALL_BURST, 1, now);
	if (w > 0 || wa > 0) {
		if (in_store)
			cd_store_rollback(m->store);
		return (int)(w > wa ? w : wa) + 1;
	}
	cd_bucket_take(b, 1);
	if (!trusted)
		cd_bucket_take(&s->all, 1);
	if (in_store && cd_store_signin_put(m->store, origin, shared.level, shared.at) < 0)
		cd_store_rollback(m->store);
	else if (in_store)
		cd_store_commit(m->store);
	return 0;
}

/* The CSRF value of a session: hex SHA-256 of "csrf:" and its secret. */
void cd_mgr_session_csrf(const char *secret, char out[CD_HASH_HEX])
{
	char *s = cd_asprintf("csrf:%s", secret);
	cd_token_hash(s, out);
	sodium_memzero(s, strlen(s));
	free(s);
}

/* A new session for who (a user's name, or token:NAME) with role: its
 * token "session:WHO" stored, the sign-in audited. */
static int open_session(struct cd_mgr *m, const char *who_name, const char *role, const char *origin,
			struct cd_mgr_session *out)
{
	char *secret = cd_token_new('s');
	char hash[CD_HASH_HEX], *sname = cd_asprintf("session:%s", who_name);
	cd_token_hash(secret, hash);
	struct cd_token t = { .hash = hash, .name = sname, .role = (char *)role, .created = cd_mgr_now() };
	struct cd_actor who = { .name = sname, .role = role, .origin = origin };
	int r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_token_add(m->store, &t);
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, &who, json_pack("{s:s}", "user", who_name),
				 "%s signed in", who_name);
	r = cd_mgr_finish(m, r);
	if (r == 0) {
		out->secret = secret;
		out->user = cd_strdup(who_name);
		out->role = cd_strdup(role);
		cd_mgr_session_csrf(secret, out->csrf);
	} else {
		free(secret);
	}
	free(sname);
	return r;
}

int cd_mgr_signin_token(struct cd_mgr *m, const char *token, const char *origin, struct cd_mgr_session *out)
{
	memset(out, 0, sizeof(*out));
	if ((out->retry_after = cd_mgr_signin_admit(m, origin ? origin : "-")) > 0)
		return -EAGAIN;
	struct cd_token t = { 0 };
	int r = cd_mgr_auth(m, token, &t);
	if (r < 0 && r != -ENOENT)
		return r;
	/* an API token's role only: not an agent's, nor another session */
	bool ok = r == 0 && strncmp(t.name, "session:", 8) && role_ok(t.role);
	if (!ok) {
		cd_mgr_event(m, "audit", NULL, NULL, NULL, json_pack("{s:s?}", "origin", origin),
			     "sign-in with a token refused from %s", origin ? origin : "-");
		cd_token_free(&t);
		return -EACCES;
	}
	char *who = cd_asprintf("token:%s", t.name);
	r = open_session(m, who, t.role, origin, out);
	free(who);
	cd_token_free(&t);
	return r;
}

int cd_mgr_signin_begin(struct cd_mgr *m, const char *name, const char *origin,
			struct cd_mgr_signin *p, struct cd_mgr_session *out)
{
	memset(out, 0, sizeof(*out));
	memset(p, 0, sizeof(*p));
	if ((out->retry_after = cd_mgr_signin_admit(m, origin ? origin : "-")) > 0)
		return -EAGAIN;
	int r = cd_store_user_get(m->store, name, &p->user);
	if (r < 0 && r != -ENOENT)
		return r;
	p->known = r == 0;
	return 0;
}

/* The hash of a password no one has, checked for a user who does not
 * exist: made once, by the first sign-in's check, without the lock */
static char nobody[crypto_pwhash_STRBYTES];
static void make_nobody(void)
{
	if (sodium_init() < 0 ||
	    crypto_pwhash_str(nobody, "nobody", 6, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		nobody[0] = 0;      /* then every unknown user's check fails at once */
}

bool cd_mgr_signin_check(const struct cd_mgr_signin *p, const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_nobody);
	/* a user who does not exist costs as long (a hash of nothing's), so
	 * that the time does not tell names */
	const char *hash = p->known ? p->user.hash : nobody;
	return *hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 && p->known;
}

int cd_mgr_signin_end(struct cd_mgr *m, struct cd_mgr_signin *p, bool ok, const char *name,
		      const char *origin, struct cd_mgr_session *out)
{
	int r = -EACCES;
	if (!ok)
		cd_mgr_event(m, "audit", NULL, NULL, NULL, json_pack("{s:s, s:s?}", "user", name, "origin", origin),
			     "sign-in refused for %s from %s", name, origin ? origin : "-");
	else if ((r = open_session(m, p->user.name, p->user.role, origin, out)) == 0)
		trust_origin(m, origin);
	cd_user_free(&p->user);
	return r;
}

int cd_mgr_signin(struct cd_mgr *m, const char *name, const char *password, const char *origin,
		  struct cd_mgr_session *out)
{
	struct cd_mgr_signin p;
	int r = cd_mgr_signin_begin(m, name, origin, &p, out);
	if (r < 0)
		return r;
	return cd_mgr_signin_end(m, &p, cd_mgr_signin_check(&p, password), name, origin, out);
}

void cd_mgr_session_free(struct cd_mgr_session *s)
{
	if (s->secret)
		sodium_memzero(s->secret, strlen(s->secret));
	free(s->secret);
	free(s->user);
	free(s->role);
	memset(s, 0, sizeof(*s));
}

int cd_mgr_signout(struct cd_mgr *m, const char *secret, const struct cd_actor *a)
{
	char hash[CD_HASH_HEX];
	cd_token_hash(secret, hash);
	int r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_token_del(m->store, hash);
	if (r == 0)
		r = cd_mgr_event(m, "audit", NULL, NULL, a, NULL, "%s signed out", a ? a->name : "-");
	return cd_mgr_finish(m, r);
}

bool cd_mgr_session_expired(const struct cd_token *t)
{
	return !strncmp(t->name, "session:", 8) && cd_mgr_now() - t->created > SESSION_US;
}
