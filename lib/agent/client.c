/* client.c - the agent's side of the protocol (see client.h). */
#include "agent/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/token.h"
#include "base/util.h"

int cd_client_init(struct cd_client *c, const char *server, bool insecure, const char *cacert,
		   const char *state_dir, const char *token_file, void (*log)(const char *line))
{
	memset(c, 0, sizeof(*c));
	c->reachable = true;
	c->log = log;
	c->cred_path = cd_asprintf("%s/credential", state_dir);
	c->token_file = cd_strdup(token_file);
	int r = cd_http_init(&c->http, server, NULL, insecure, cacert);
	/* the changes, heartbeats: anything the agent sends may go twice */
	cd_http_set_resend(&c->http, true);
	return r;
}

void cd_client_free(struct cd_client *c)
{
	cd_http_free(&c->http);
	free(c->cred_path);
	free(c->token_file);
	free(c->cred);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

int cd_client_call(struct cd_client *c, const char *method, const char *path, json_t *body,
		   long timeout_ms, json_t **out)
{
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	long status = 0;
	*out = NULL;
	size_t moves = c->http.moves;
	int r = cd_http_call(&c->http, method, path, body, timeout_ms, &status, out, &err);
	json_decref(body);
	if (c->http.moves != moves)
		cd_logf(c->log, "now talking to the manager at %s", c->http.base);
	if (r < 0) {
		if (c->reachable)
			cd_logf(c->log, "%s; enforcement stays as it is", err.data);
		c->reachable = false;
		cd_buf_free(&err);
		return -1;
	}
	cd_buf_free(&err);
	if (!c->reachable)
		cd_logf(c->log, "the manager answers again");
	c->reachable = true;
	if (status != 200 && status != 201) {
		const char *e = json_string_value(json_object_get(*out, "error"));
		cd_logf(c->log, "%s %s: HTTP %ld: %s", method, path, status, e ? e : "(no message)");
		json_decref(*out);
		*out = NULL;
		return (int)status;
	}
	return 0;
}

int cd_client_enroll(struct cd_client *c)
{
	char *cred = NULL;
	if (cd_token_read(c->cred_path, &cred) == 0) {
		cd_http_set_token(&c->http, cred);
		free(c->cred);
		c->cred = cred;
		return 0;
	}
	char *tok;
	int r = cd_token_read(c->token_file, &tok);
	if (r < 0) {
		cd_logf(c->log, "cannot read a token from %s: %s", c->token_file,
		      r == -EINVAL ? "it holds no token" : strerror(-r));
		return -2;
	}
	if (strncmp(tok, "cde_", 4)) {     /* a credential already */
		cd_http_set_token(&c->http, tok);
		free(c->cred);
		c->cred = tok;
		return 0;
	}
	json_t *out;
	cd_http_set_token(&c->http, NULL);
	r = cd_client_call(c, "POST", "/api/v1/enroll", json_pack("{s:s}", "token", tok), 30000, &out);
	free(tok);
	if (r != 0)
		return r == 401 ? -2 : -1;
	const char *cr = json_string_value(json_object_get(out, "credential"));
	if (!cr || cd_token_write(c->cred_path, cr) < 0) {
		cd_logf(c->log, "cannot keep the credential in %s", c->cred_path);
		json_decref(out);
		return -2;
	}
	free(c->name);
	c->name = cd_strdup(json_string_value(json_object_get(out, "name")));
	cd_logf(c->log, "enrolled as %s", c->name ? c->name : "(no name)");
	cd_http_set_token(&c->http, cr);
	free(c->cred);
	c->cred = cd_strdup(cr);
	json_decref(out);
	return 0;
}

int64_t cd_client_deliver(struct cd_http *h, json_t *evs, void (*log)(const char *line))
{
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	long status = 0;
	json_t *out = NULL, *body = json_pack("{s:O}", "events", evs);
	int r = cd_http_call(h, "POST", "/api/v1/agent/events", body, 30000, &status, &out, &err);
	json_decref(body);
	cd_buf_free(&err);
	int64_t acked = r == 0 && status == 200 ? json_integer_value(json_object_get(out, "acked")) : 0;
	if (r == 0 && status >= 400 && status < 500 && status != 401 && status != 429) {
		const char *e = json_string_value(json_object_get(out, "error"));
		cd_logf(log, "the manager refuses events (HTTP %ld: %s); dropping %zu of them", status,
		      e ? e : "-", json_array_size(evs));
		acked = json_integer_value(json_object_get(json_array_get(evs, json_array_size(evs) - 1),
							   "seq"));
	}
	json_decref(out);
	return acked;
}
