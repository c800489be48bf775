/* api_tokens.c - enrollment, API tokens and agents' credentials. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "base/util.h"

void cd_api_h_enroll(struct ctx *c)
{
	static const struct field f[] = { { "token", F_STR, true, CD_TOKEN_MAX } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	char *cred;
	struct cd_token t = { 0 };
	int r = cd_mgr_enroll(c->m, json_string_value(json_object_get(c->body, "token")),
			      c->r->origin, &cred, &t);
	if (r == -ENOENT || r == -EPERM || r == -ETIMEDOUT) {
		cd_api_error(c, 401, "token", "this enrollment token is unknown, used or expired");
		return;
	}
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	json_t *o = json_pack("{s:s, s:s}", "credential", cred, "name", t.name);
	if (t.host)
		json_object_set_new(o, "host", json_string(t.host));
	if (t.workload)
		json_object_set_new(o, "workload", json_string(t.workload));
	cd_api_reply(c, 201, o);
	c->out->who = cd_strdup(t.name);
	free(cred);
	cd_token_free(&t);
}

static void cd_api_h_token(struct ctx *c, bool agent)
{
	static const struct field fa[] = {
		{ "host", F_STR, false, 256 }, { "workload", F_STR, false, 256 },
	};
	static const struct field ft[] = {
		{ "role", F_STR, true, 16 }, { "name", F_STR, true, 64 },
	};
	if (!cd_api_take_body(c, agent ? fa : ft, 2))
		return;
	const char *host = json_string_value(json_object_get(c->body, "host"));
	const char *wl = json_string_value(json_object_get(c->body, "workload"));
	const char *role = agent ? "enroll" : json_string_value(json_object_get(c->body, "role"));
	const char *name = json_string_value(json_object_get(c->body, "name"));
	char nbuf[300];
	if (agent) {
		if (!host == !wl) {
			cd_api_error(c, 400, host ? "workload" : "host", "give either 'host' or 'workload'");
			return;
		}
		if (!cd_api_name_ok(host ? host : wl)) {
			cd_api_error(c, 400, host ? "host" : "workload",
			      "a host or workload name is " NAME_RULE);
			return;
		}
		snprintf(nbuf, sizeof(nbuf), "enroll:%s:%s", host ? "host" : "workload", host ? host : wl);
		name = nbuf;
	} else {
		if (strcmp(role, "admin") && strcmp(role, "operator") && strcmp(role, "viewer")) {
			cd_api_error(c, 400, "role", "'role' is admin, operator or viewer");
			return;
		}
		if (!cd_api_name_ok(name)) {
			cd_api_error(c, 400, "name", "a token name is " NAME_RULE);
			return;
		}
	}
	char *secret;
	int r = cd_mgr_token_create(c->m, role, name, host, wl, &c->actor, &secret);
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	json_t *o = json_pack("{s:s, s:s}", "token", secret, "role", agent ? "enroll" : role);
	if (host)
		json_object_set_new(o, "host", json_string(host));
	if (wl)
		json_object_set_new(o, "workload", json_string(wl));
	if (!agent)
		json_object_set_new(o, "name", json_string(name));
	cd_api_reply(c, 201, o);
	free(secret);
}

void cd_api_h_agent_token(struct ctx *c) { cd_api_h_token(c, true); }
void cd_api_h_api_token(struct ctx *c) { cd_api_h_token(c, false); }

static void token_list(struct ctx *c, bool agents)
{
	json_t *a = cd_mgr_tokens(c->m, agents);
	if (!a)
		cd_api_store_failed(c, -EIO);
	else
		cd_api_reply(c, 200, a);
}

static void token_revoke(struct ctx *c, bool agents)
{
	int64_t n;
	int r = cd_mgr_token_revoke(c->m, c->seg[0], agents, &c->actor, &n);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no %s named '%.100s'", agents ? "agent credential or "
		      "enrollment token" : "API token", c->seg[0]);
	else if (r == -EBUSY)
		cd_api_error(c, 409, "name", "'%.100s' holds the last admin tokens: make another admin "
		      "token first", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:I}", "revoked", c->seg[0], "count", (json_int_t)n));
}

void cd_api_h_tokens(struct ctx *c) { token_list(c, false); }
void cd_api_h_agent_tokens(struct ctx *c) { token_list(c, true); }
void cd_api_h_token_rm(struct ctx *c) { token_revoke(c, false); }
void cd_api_h_agent_token_rm(struct ctx *c) { token_revoke(c, true); }

