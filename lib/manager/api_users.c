/* api_users.c - the console's sign-in and sign-out, and its users. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "manager/api_priv.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define SESSION_S (12 * 3600)

/* POST /session {"user", "password"} or {"token"} (an API token's
 * secret): the session's cookie (HttpOnly, Secure, SameSite=Strict) and,
 * in the body, its CSRF value. */
/* A sign-in that a page of another site could make the browser send (a
 * form posting text/plain, which needs no preflight, signing the victim
 * in as the attacker): only JSON, and from no other origin than this. */
static bool signin_from_here(struct ctx *c)
{
	const char *ct = c->r->content_type;
	size_t n = ct ? strcspn(ct, ";") : 0;
	while (n && ct[n - 1] == ' ')
		n--;
	if (!ct || n != 16 || strncasecmp(ct, "application/json", 16)) {
		cd_api_error(c, 415, NULL, "a sign-in is JSON: Content-Type: application/json");
		return false;
	}
	const char *o = c->r->from, *h = c->r->host;
	if (o && strcmp(o, "null")) {
		const char *sep = strstr(o, "://");
		if (!sep || !h || strcasecmp(sep + 3, h)) {
			cd_api_error(c, 403, NULL, "a sign-in from another site's page (Origin %.100s) is "
				     "refused", o);
			return false;
		}
	} else if (o) {
		cd_api_error(c, 403, NULL, "a sign-in from an opaque origin is refused");
		return false;
	}
	return true;
}

void cd_api_h_signin(struct ctx *c)
{
	if (!signin_from_here(c))
		return;
	static const struct field f[] = { { "user", F_STR, false, 64 }, { "password", F_STR, false, PASSWORD_MAX },
					  { "token", F_STR, false, 256 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *user = json_string_value(json_object_get(c->body, "user"));
	const char *pw = json_string_value(json_object_get(c->body, "password"));
	const char *token = json_string_value(json_object_get(c->body, "token"));
	if (token ? user || pw : !user || !pw) {
		cd_api_error(c, 400, token ? "token" : user ? "password" : "user",
			     "sign in with a user and a password, or with a token alone");
		return;
	}
	struct cd_mgr_session s = { 0 };
	int r;
	if (token) {
		r = cd_mgr_signin_token(c->m, token, c->r->origin, &s);
	} else if (!cd_api_name_ok(user)) {   /* no user has it: refused as a wrong one, unlogged */
		r = -EACCES;
	} else {
		/* (an unlocked route: the hash is checked without the lock) */
		struct cd_mgr_signin p;
		r = cd_mgr_signin_begin(c->m, user, c->r->origin, &p, &s);
		if (r == 0) {
			cd_api_leave(c);
			bool ok = cd_mgr_signin_check(&p, pw);
			if (!cd_api_enter(c)) {      /* (cannot: a sign-in needs no credential) */
				cd_user_free(&p.user);
				return;
			}
			r = cd_mgr_signin_end(c->m, &p, ok, user, c->r->origin, &s);
		}
	}
	if (r == -EAGAIN && s.retry_after > 0) {
		c->out->retry_after = s.retry_after;
		cd_api_error(c, 429, NULL, "too many sign-in attempts: try again in %d s", s.retry_after);
	} else if (r == -EACCES) {
		cd_api_error(c, 401, NULL, token ? "this token is not an API token that is valid"
			     : "wrong user name or password");
	} else if (r < 0) {
		cd_api_store_failed(c, r);
	} else {
		free(c->out->set_cookie);
		c->out->set_cookie = cd_asprintf(CD_SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; Secure; "
						 "SameSite=Strict", s.secret, SESSION_S);
		cd_api_reply(c, 201, json_pack("{s:s, s:s, s:s, s:i}", "user", s.user, "role", s.role,
					       "csrf", s.csrf, "expires_in", SESSION_S));
	}
	cd_mgr_session_free(&s);
}

/* The user a console session is of (NULL: a token's, or no session). */
static const char *session_user(struct ctx *c)
{
	const char *n = c->tok.name;
	return c->session[0] && !strncmp(n, "session:", 8) && strncmp(n + 8, "token:", 6) ? n + 8 : NULL;
}

void cd_api_h_whoami(struct ctx *c)
{
	const char *n = c->tok.name;
	bool session = c->session[0] != 0;
	json_t *o = json_pack("{s:s, s:s, s:b}", "name", session ? n + 8 : n, "role", c->tok.role,
			      "session", session);
	char *zone = NULL;
	const char *user = session_user(c);
	if (user)
		cd_mgr_zone_get(c->m, user, &zone);
	json_object_set_new(o, "zone", zone ? json_string(zone) : json_null());
	free(zone);
	cd_api_reply(c, 200, o);
}

/* PUT /session/zone {"zone"}: the time zone the user's console shows
 * times in, kept with the user ("" for the browser's). */
void cd_api_h_zone(struct ctx *c)
{
	static const struct field f[] = { { "zone", F_STR, true, 64 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *user = session_user(c);
	if (!user) {
		cd_api_error(c, 400, NULL, "only a user's console session keeps a time zone (a token's keeps it "
			     "in the browser)");
		return;
	}
	const char *zone = json_string_value(json_object_get(c->body, "zone"));
	int r = cd_mgr_zone_set(c->m, user, zone);
	if (r == -EINVAL)
		cd_api_error(c, 400, "zone", "not a time zone of tzdata (Area/City, or UTC)");
	else if (r == -ENOENT)
		cd_api_error(c, 404, NULL, "there is no user %s", user);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s?}", "zone", *zone ? zone : NULL));
}

/* GET /stream: the server opens the live stream (cordond_stream.c). */
void cd_api_h_stream(struct ctx *c)
{
	c->out->stream = true;
	c->out->status = 200;
}

void cd_api_h_signout(struct ctx *c)
{
	if (!c->session[0]) {
		cd_api_error(c, 400, NULL, "this request is not a console session's (a token is revoked "
			     "with DELETE /api/v1/tokens/{name})");
		return;
	}
	int r = cd_mgr_signout(c->m, c->session, &c->actor);
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	free(c->out->set_cookie);
	c->out->set_cookie = cd_strdup(CD_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
	cd_api_reply(c, 200, json_pack("{s:b}", "signed_out", true));
}

void cd_api_h_users(struct ctx *c)
{
	json_t *a = cd_mgr_users(c->m);
	if (!a)
		cd_api_store_failed(c, -EIO);
	else
		cd_api_reply(c, 200, a);
}

void cd_api_h_user_add(struct ctx *c)
{
	static const struct field f[] = {
		{ "name", F_STR, true, 64 }, { "role", F_STR, true, 16 }, { "password", F_STR, true, PASSWORD_MAX },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *name = json_string_value(json_object_get(c->body, "name"));
	const char *role = json_string_value(json_object_get(c->body, "role"));
	const char *pw = json_string_value(json_object_get(c->body, "password"));
	if (!cd_api_name_ok(name)) {
		cd_api_error(c, 400, "name", "a user's name is " NAME_RULE);
		return;
	}
	if (strlen(pw) < PASSWORD_MIN) {
		cd_api_error(c, 400, "password", "a password has %d characters at least", PASSWORD_MIN);
		return;
	}
	int r = cd_mgr_user_add(c->m, name, role, pw, &c->actor);
	if (r == -EINVAL)
		cd_api_error(c, 400, "role", "role is admin, operator or viewer");
	else if (r == -EEXIST)
		cd_api_error(c, 409, "name", "there is a user %s already (names match ignoring case): "
			     "PUT /api/v1/users/%s changes its role or password", name, name);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 201, json_pack("{s:s, s:s}", "name", name, "role", role));
}

/* PUT /users/NAME {"role", "password"} (either, or both): every session
 * of the user ends. */
void cd_api_h_user_set(struct ctx *c)
{
	static const struct field f[] = { { "role", F_STR, false, 16 }, { "password", F_STR, false, PASSWORD_MAX } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *role = json_string_value(json_object_get(c->body, "role"));
	const char *pw = json_string_value(json_object_get(c->body, "password"));
	if (!role && !pw) {
		cd_api_error(c, 400, "role", "give a new role, a new password, or both");
		return;
	}
	if (pw && strlen(pw) < PASSWORD_MIN) {
		cd_api_error(c, 400, "password", "a password has %d characters at least", PASSWORD_MIN);
		return;
	}
	int r = cd_mgr_user_set(c->m, c->seg[0], role, pw, &c->actor);
	if (r == -EINVAL)
		cd_api_error(c, 400, "role", "role is admin, operator or viewer");
	else if (r == -ENOENT)
		cd_api_error(c, 404, "name", "there is no user %s", c->seg[0]);
	else if (r == -EBUSY)
		cd_api_error(c, 409, "role", "%s is the last admin user: make another one first", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:s*, s:b}", "name", c->seg[0], "role", role,
					       "password_changed", pw != NULL));
}

void cd_api_h_user_rm(struct ctx *c)
{
	int r = cd_mgr_user_del(c->m, c->seg[0], &c->actor);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "there is no user %s", c->seg[0]);
	else if (r == -EBUSY)
		cd_api_error(c, 409, "name", "%s is the last admin user: make another one first", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s}", "removed", c->seg[0]));
}
