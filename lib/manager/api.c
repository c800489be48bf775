/* api.c - the REST API as a function (see api.h): checking requests,
 * routing, roles; the handlers are in the api_*.c files api_priv.h lists. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts/adef.h"
#include "report/report.h"
#include "views/view.h"
#include "manager/api_priv.h"
#include "base/units.h"
#include "base/util.h"

void cd_api_reply(struct ctx *c, int status, json_t *body)
{
	c->out->status = status;
	json_decref(c->out->body);
	c->out->body = body;
}

void cd_api_error(struct ctx *c, int status, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *o = json_pack("{s:s}", "error", msg);
	if (field)
		json_object_set_new(o, "field", json_string(field));
	cd_api_reply(c, status, o);
}

/* ---- request checking ---- */

const char *cd_api_ftype_name(enum ftype t)
{
	static const char *const n[] = { "a string", "an integer", "an object", "an array", "a boolean",
					 "a time (RFC 3339, or ms since the epoch)" };
	return n[t];
}

bool cd_api_type_ok(json_t *v, enum ftype t)
{
	switch (t) {
	case F_STR: return json_is_string(v);
	case F_INT: return json_is_integer(v);
	case F_OBJ: return json_is_object(v);
	case F_ARR: return json_is_array(v);
	case F_BOOL: return json_is_boolean(v);
	case F_TIME: return (json_is_string(v) && json_string_length(v) <= 64) || json_is_integer(v);
	}
	return false;
}

/* Parse the body as an object of these fields; false (and a 4xx) when it
 * is not. */
bool cd_api_take_body(struct ctx *c, const struct field *f, size_t nf)
{
	const struct cd_api_req *r = c->r;
	if (!r->body || !r->body_len) {
		cd_api_error(c, 400, NULL, "this request needs a JSON object as its body");
		return false;
	}
	json_error_t je;
	c->body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!c->body) {
		cd_api_error(c, 400, NULL, "the body is not valid JSON: line %d, column %d: %s",
		      je.line, je.column, je.text);
		return false;
	}
	if (!json_is_object(c->body)) {
		cd_api_error(c, 400, NULL, "the body must be a JSON object");
		return false;
	}
	const char *k;
	json_t *v;
	json_object_foreach(c->body, k, v) {
		size_t i;
		for (i = 0; i < nf && strcmp(f[i].name, k); i++)
			;
		if (i == nf) {
			cd_api_error(c, 400, k, "unknown field '%.64s'", k);
			return false;
		}
		if (!cd_api_type_ok(v, f[i].type)) {
			cd_api_error(c, 400, k, "'%s' must be %s", k, cd_api_ftype_name(f[i].type));
			return false;
		}
		if (f[i].type == F_STR) {
			size_t max = f[i].max ? f[i].max : 256;
			size_t len = json_string_length(v);
			if (len > max) {
				cd_api_error(c, 400, k, "'%s' is longer than %zu bytes", k, max);
				return false;
			}
			if (strlen(json_string_value(v)) != len) {
				cd_api_error(c, 400, k, "'%s' holds a NUL byte", k);
				return false;
			}
		}
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i].required && !json_object_get(c->body, f[i].name)) {
			cd_api_error(c, 400, f[i].name, "'%s' is required", f[i].name);
			return false;
		}
	return true;
}

const char *cd_api_q(struct ctx *c, const char *key)
{
	return json_string_value(json_object_get(c->r->query, key));
}

/* Only the query keys the route names (space-separated, "" for none),
 * each once, and no NUL in a value: "keep%00x" is not "keep". */
bool cd_api_query_only(struct ctx *c, const char *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(c->r->query, k, v) {
		size_t n = strlen(k);
		const char *p = n ? strstr(keys, k) : NULL;
		while (p && ((p != keys && p[-1] != ' ') || (p[n] && p[n] != ' ')))
			p = strstr(p + n, k);
		if (!p) {
			cd_api_error(c, 400, k, "unknown parameter '%.64s'", k);
			return false;
		}
		if (!json_is_string(v)) {
			cd_api_error(c, 400, k, "'%.64s' is given more than once", k);
			return false;
		}
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			cd_api_error(c, 400, k, "'%.64s' holds a NUL byte", k);
			return false;
		}
	}
	return true;
}

bool cd_api_q_int(struct ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	const char *s = cd_api_q(c, key);
	if (!s)
		return true;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || errno || x < lo || x > hi) {
		cd_api_error(c, 400, key, "'%s' must be a whole number from %lld to %lld", key,
		      (long long)lo, (long long)hi);
		return false;
	}
	*v = x;
	return true;
}

bool cd_api_q_time(struct ctx *c, const char *key, int64_t *ms)
{
	const char *s = cd_api_q(c, key);
	if (!s)
		return true;
	int64_t us;
	char *end;
	long long n = strtoll(s, &end, 10);
	if (*s >= '0' && *s <= '9' && !*end && strlen(s) <= 15) {
		*ms = n;
		return true;
	}
	if (cd_time_parse(s, &us) == 0) {
		*ms = us / 1000;
		return true;
	}
	cd_api_error(c, 400, key, "'%s' must be an RFC 3339 time (2026-11-26T12:00:00Z) or ms since "
		     "the epoch", key);
	return false;
}

bool cd_api_q_range(struct ctx *c, int64_t dflt, int64_t max_ms, int64_t *begin, int64_t *end)
{
	const char *range = cd_api_q(c, "range"), *b = cd_api_q(c, "begin");
	int64_t len = dflt;
	*end = cd_mgr_now() / 1000;
	if (!cd_api_q_time(c, "end", end))
		return false;
	if (range && b) {
		cd_api_error(c, 400, "range", "give range or begin, not both");
		return false;
	}
	if (range && (cd_duration_parse(range, &len) || len > max_ms)) {
		cd_api_error(c, 400, "range", "range is a duration up to %lldd (5m, 24h, 7d, 2w)",
			     (long long)(max_ms / 86400000));
		return false;
	}
	*begin = *end - len;
	if (!cd_api_q_time(c, "begin", begin))
		return false;
	if (*begin >= *end || *end - *begin > max_ms || *begin < 0) {
		cd_api_error(c, 400, "begin", "the range is from begin to end, at most %lld days",
			     (long long)(max_ms / 86400000));
		return false;
	}
	return true;
}

bool cd_api_body_json(struct ctx *c, const char *what)
{
	json_error_t je;
	if (!c->body)
		c->body = json_loadb(c->r->body ? c->r->body : "", c->r->body_len,
				     JSON_REJECT_DUPLICATES, &je);
	if (!c->body)
		cd_api_error(c, 400, NULL, "%s: %d:%d: %s", what, je.line, je.column, je.text);
	return c->body != NULL;
}

void cd_api_invalid(struct ctx *c, const char *err)
{
	char field[64] = "";
	size_t n = strcspn(err, ": ");
	if (n < sizeof field && err[n] == ':') {
		memcpy(field, err, n);
		field[n] = 0;
	}
	cd_api_error(c, 400, *field ? field : NULL, "%s", err);
}

int cd_api_rev_row(void *array, const char *name, const struct cd_revision *r)
{
	(void)name;
	json_array_append_new(array, json_pack("{s:I, s:I, s:s?, s:s?, s:b}", "rev",
					       (json_int_t)r->rev, "time", (json_int_t)r->time,
					       "author", r->author, "comment", r->comment,
					       "removed", r->doc == NULL));
	return 0;
}

bool cd_api_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64 || *s == '.' || *s == '_' || *s == '-')
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

json_t *cd_api_diags_json(const struct cd_diags *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct cd_diag *g = &d->v[i];
		json_t *o = json_pack("{s:s}", "message", g->msg);
		if (g->loc.file) {
			json_object_set_new(o, "file", json_string(g->loc.file));
			json_object_set_new(o, "line", json_integer(g->loc.line));
			json_object_set_new(o, "column", json_integer(g->loc.col));
		}
		json_array_append_new(a, o);
	}
	return a;
}

void cd_api_doc_errors(struct ctx *c, const char *what, const struct cd_diags *d)
{
	json_t *o = json_pack("{s:s, s:o}", "error", what, "errors", cd_api_diags_json(d));
	if (d->dropped)
		json_object_set_new(o, "more_errors", json_integer((json_int_t)d->dropped));
	cd_api_reply(c, 400, o);
}

void cd_api_store_failed(struct ctx *c, int r)
{
	/* nothing was changed: the database is away (several managers on
	 * PostgreSQL), or others kept changing the world under this change */
	if (r == -EAGAIN)
		c->refused = true;    /* made again by cd_api_handle, when it can */
	if (r == -ENOTCONN || r == -EAGAIN) {
		cd_api_error(c, 503, NULL, "%s; nothing was changed, try again",
			     r == -ENOTCONN ? "the database cannot be reached"
					    : "other managers kept changing the same state");
		c->out->retry_after = 5;
		return;
	}
	cd_api_error(c, 500, NULL, "the store failed: %s",
	      r == -EIO ? cd_mgr_store_error(c->m) : strerror(-r));
}


/* ---- routing ---- */

struct route {
	const char *method;
	const char *pattern;       /* '*' matches one segment */
	unsigned roles;
	size_t body_max;
	void (*fn)(struct ctx *c);
	const char *query;         /* the query keys it takes, space-separated */
	/* called without the server's lock (on another thread than the
	 * agents' requests): cd_api_handle takes the manager's, and fn
	 * leaves it for its slow part (cd_api_leave / cd_api_enter) */
	bool unlocked;
};
#define UNLOCKED .unlocked = true

static const struct route routes[] = {
	{ "POST", "/api/v1/enroll", R_NONE, 4096, cd_api_h_enroll, "" },
	{ "GET", "/api/v1/workloads", R_READ, 0, cd_api_h_workloads, "" },
	{ "POST", "/api/v1/workloads/*/tags", R_TAGS, 4096, cd_api_h_tag_add, "" },
	{ "DELETE", "/api/v1/workloads/*/tags", R_TAGS, 0, cd_api_h_tag_rm, "tag" },
	{ "POST", "/api/v1/workloads/*/release", R_TAGS, 0, cd_api_h_release, "" },
	{ "POST", "/api/v1/workloads/*/scan", R_TAGS, 4096, cd_api_h_scan, "" },
	{ "GET", "/api/v1/scans/*", R_READ, 0, cd_api_h_scan_get, "" },
	{ "PUT", "/api/v1/inventory/*", R_ADMIN, CD_API_DOC_MAX, cd_api_h_inventory, "" },
	{ "GET", "/api/v1/sources", R_READ, 0, cd_api_h_sources, "" },
	{ "POST", "/api/v1/sources", R_ADMIN, 1u << 20, cd_api_h_source_add, "", UNLOCKED },
	{ "DELETE", "/api/v1/sources/*", R_ADMIN, 0, cd_api_h_source_rm, "" },
	{ "POST", "/api/v1/policy", R_ADMIN, CD_API_DOC_MAX, cd_api_h_policy_push, "" },
	{ "GET", "/api/v1/policy", R_READ, 0, cd_api_h_policy_show, "revision" },
	{ "GET", "/api/v1/policy/rules", R_READ, 0, cd_api_h_policy_rules, "" },
	{ "GET", "/api/v1/policy/revisions", R_READ, 0, cd_api_h_policy_history, "" },
	{ "GET", "/api/v1/policy/diff", R_READ, 0, cd_api_h_policy_diff, "from to" },
	{ "POST", "/api/v1/policy/rollback", R_ADMIN, 4096, cd_api_h_rollback, "" },
	{ "POST", "/api/v1/policy/impact", R_READ, CD_API_DOC_MAX, cd_api_h_policy_impact, "" },
	{ "POST", "/api/v1/policy/recommend", R_READ, 4096, cd_api_h_policy_recommend, "" },
	{ "POST", "/api/v1/policy/promote", R_ADMIN, 1u << 20, cd_api_h_policy_promote, "" },
	{ "GET", "/api/v1/groups", R_READ, 0, cd_api_h_groups, "" },
	{ "GET", "/api/v1/explain", R_READ, 0, cd_api_h_explain, "from to proto port" },
	{ "POST", "/api/v1/agent-tokens", R_ADMIN, 4096, cd_api_h_agent_token, "" },
	{ "GET", "/api/v1/agent-tokens", R_ADMIN, 0, cd_api_h_agent_tokens, "" },
	{ "DELETE", "/api/v1/agent-tokens/*", R_ADMIN, 0, cd_api_h_agent_token_rm, "" },
	{ "POST", "/api/v1/tokens", R_ADMIN, 4096, cd_api_h_api_token, "" },
	{ "GET", "/api/v1/tokens", R_ADMIN, 0, cd_api_h_tokens, "" },
	{ "DELETE", "/api/v1/tokens/*", R_ADMIN, 0, cd_api_h_token_rm, "" },
	{ "GET", "/api/v1/agents", R_READ, 0, cd_api_h_agents, "" },
	{ "GET", "/api/v1/events", R_READ, 0, cd_api_h_events, "since until workload host type q limit before" },
	{ "GET", "/api/v1/agent/changes", R_AGENT, 0, cd_api_poll_changes,
	  "since revision wait host snapshot" },
	{ "POST", "/api/v1/agent/heartbeat", R_AGENT, 128 << 10, cd_api_h_heartbeat, "" },
	{ "POST", "/api/v1/agent/events", R_AGENT, CD_API_BODY_MAX, cd_api_h_agent_events, "" },
	{ "POST", "/api/v1/agent/metrics", R_AGENT, CD_API_BODY_MAX, cd_api_h_agent_metrics, "" },
	{ "POST", "/api/v1/agent/flows", R_AGENT, CD_API_BODY_MAX, cd_api_h_agent_flows, "" },
	{ "GET", "/api/v1/flows", R_READ, 0, cd_api_h_flows, "since until workload source destination "
	  "group tag port protocol verdict rule host limit before top by dedupe" },
	{ "GET", "/api/v1/metrics/catalog", R_READ, 0, cd_api_h_metrics_catalog, "" },
	{ "GET", "/api/v1/metrics/objects", R_READ, 0, cd_api_h_metrics_objects, "kind", UNLOCKED },
	{ "DELETE", "/api/v1/metrics/objects", R_ADMIN, 0, cd_api_h_metrics_object_rm, "kind name" },
	{ "POST", "/api/v1/metrics/query", R_READ, 64u << 10, cd_api_h_metrics_query, "", UNLOCKED },
	{ "GET", "/api/v1/metrics/band", R_READ, 0, cd_api_h_metrics_band,
	  "kind name metric begin end sigmas step_seconds", UNLOCKED },
	{ "GET", "/metrics", R_READ, 0, cd_api_h_openmetrics, "", UNLOCKED },
	{ "GET", "/api/v1/rightsize", R_READ, 0, cd_api_h_rightsize, "range", UNLOCKED },
	{ "GET", "/api/v1/reclaim", R_READ, 0, cd_api_h_reclaim, "idle_days off_days", UNLOCKED },
	{ "GET", "/api/v1/views", R_READ, 0, cd_api_h_views, "" },
	{ "POST", "/api/v1/views", R_TAGS, CD_VIEW_DOC_MAX, cd_api_h_view_put, "" },
	{ "GET", "/api/v1/views/*", R_READ, 0, cd_api_h_view, "" },
	{ "DELETE", "/api/v1/views/*", R_TAGS, 0, cd_api_h_view_rm, "" },
	{ "GET", "/api/v1/views/*/revisions", R_READ, 0, cd_api_h_view_revisions, "" },
	{ "GET", "/api/v1/views/*/rows", R_READ, 0, cd_api_h_view_rows,
	  "range begin end offset limit sort order format", UNLOCKED },
	{ "GET", "/api/v1/reports", R_READ, 0, cd_api_h_reports, "" },
	{ "POST", "/api/v1/reports", R_ADMIN, CD_REPORT_DOC_MAX, cd_api_h_report_put, "" },
	{ "GET", "/api/v1/reports/*", R_READ, 0, cd_api_h_report, "" },
	{ "DELETE", "/api/v1/reports/*", R_ADMIN, 0, cd_api_h_report_rm, "" },
	{ "GET", "/api/v1/reports/*/revisions", R_READ, 0, cd_api_h_report_revisions, "" },
	{ "GET", "/api/v1/reports/*/pdf", R_READ, 0, cd_api_h_report_pdf, "range begin end generated",
	  UNLOCKED },
	{ "GET", "/api/v1/reports/*/csv", R_READ, 0, cd_api_h_report_csv, "section range begin end",
	  UNLOCKED },
	{ "POST", "/api/v1/reports/*/run", R_TAGS, 0, cd_api_h_report_run, "range begin end", UNLOCKED },
	{ "GET", "/api/v1/reports/*/runs", R_READ, 0, cd_api_h_report_runs, "limit" },
	{ "POST", "/api/v1/session", R_NONE, 4096, cd_api_h_signin, "", UNLOCKED },
	{ "GET", "/api/v1/session", R_READ, 0, cd_api_h_whoami, "" },
	{ "PUT", "/api/v1/session/zone", R_READ, 4096, cd_api_h_zone, "" },
	{ "GET", "/api/v1/stream", R_READ, 0, cd_api_h_stream, "" },
	{ "DELETE", "/api/v1/session", R_READ, 0, cd_api_h_signout, "" },
	{ "GET", "/api/v1/users", R_ADMIN, 0, cd_api_h_users, "" },
	{ "POST", "/api/v1/users", R_ADMIN, 4096, cd_api_h_user_add, "" },
	{ "PUT", "/api/v1/users/*", R_ADMIN, 4096, cd_api_h_user_set, "" },
	{ "DELETE", "/api/v1/users/*", R_ADMIN, 0, cd_api_h_user_rm, "" },
	{ "GET", "/api/v1/alerts", R_READ, 0, cd_api_h_alerts,
	  "state severity kind name definition limit before" },
	{ "GET", "/api/v1/alerts/*", R_READ, 0, cd_api_h_alert, "" },
	{ "POST", "/api/v1/alerts/*/ack", R_TAGS, 0, cd_api_h_alert_ack, "" },
	{ "POST", "/api/v1/alerts/*/run", R_TAGS, 4096, cd_api_h_alert_run, "" },
	{ "GET", "/api/v1/alert-definitions", R_READ, 0, cd_api_h_alert_defs, "revision" },
	{ "POST", "/api/v1/alert-definitions", R_ADMIN, CD_ADEF_DOC_MAX + 4096, cd_api_h_alert_defs_push, "" },
	{ "GET", "/api/v1/alert-definitions/revisions", R_READ, 0, cd_api_h_alert_defs_history, "" },
	{ "GET", "/api/v1/alert-definitions/diff", R_READ, 0, cd_api_h_alert_defs_diff, "from to" },
	{ "POST", "/api/v1/alert-definitions/rollback", R_ADMIN, 4096, cd_api_h_alert_defs_rollback, "" },
};

/* Match path against pattern; the '*' segments are copied to c (when c). */
static bool match(const char *pattern, const char *path, struct ctx *c)
{
	int k = 0;
	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= sizeof(c->segbuf[0]) || k >= 2)
				return false;
			if (c) {
				memcpy(c->segbuf[k], path, n);
				c->segbuf[k][n] = 0;
				c->seg[k] = c->segbuf[k];
			}
			k++;
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	/* one trailing slash is forgiven */
	return !*pattern && (!*path || !strcmp(path, "/"));
}

static const struct route *find(const char *method, const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < CD_ARRAY_LEN(routes); i++)
		if (match(routes[i].pattern, path, NULL)) {
			*path_known = true;
			if (!strcmp(routes[i].method, method))
				return &routes[i];
		}
	return NULL;
}

bool cd_api_unlocked(const char *method, const char *path)
{
	bool known;
	const struct route *rt = find(method, path, &known);
	return rt && rt->unlocked;
}

size_t cd_api_body_limit(const char *method, const char *path)
{
	bool known;
	const struct route *rt = find(method, path, &known);
	return rt ? rt->body_max : 0;
}

/* The console's session cookie (cordon_session=SECRET) into out. */
static bool session_of(const char *cookie, char out[CD_TOKEN_MAX + 1])
{
	for (const char *p = cookie; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t n = strcspn(p, ";");
		if (!strncmp(p, CD_SESSION_COOKIE "=", sizeof(CD_SESSION_COOKIE)) &&
		    n - sizeof(CD_SESSION_COOKIE) <= CD_TOKEN_MAX) {
			memcpy(out, p + sizeof(CD_SESSION_COOKIE), n - sizeof(CD_SESSION_COOKIE));
			out[n - sizeof(CD_SESSION_COOKIE)] = 0;
			return out[0] != 0;
		}
		p += n;
	}
	return false;
}

static unsigned role_bit(const char *role)
{
	return !strcmp(role, "admin") ? R_ADMIN : !strcmp(role, "operator") ? R_OPERATOR
	     : !strcmp(role, "viewer") ? R_VIEWER : !strcmp(role, "agent") ? R_AGENT : 0;
}

/* Authenticate the request and check the route's roles and body limit
 * (body_len: what the client says it sends).  false: the answer is in
 * c->out. */
static bool admit(struct ctx *c, const struct route *rt, bool known, size_t body_len)
{
	const struct cd_api_req *r = c->r;
	json_t *pj = json_string(r->path);   /* names in paths go into JSON answers */
	if (!pj) {
		cd_api_error(c, 400, NULL, "the path is not UTF-8 text");
		return false;
	}
	json_decref(pj);
	if (!rt || rt->roles != R_NONE) {
		/* authenticate before saying anything about the path */
		const char *a = r->auth;
		bool session = !a && session_of(r->cookie, c->session);
		if (session) {
			a = c->session;
		} else if (!a || strncasecmp(a, "Bearer ", 7)) {
			cd_api_error(c, 401, NULL, "authentication required: send 'Authorization: Bearer TOKEN'"
				     " (or sign in: POST /api/v1/session)");
			return false;
		} else {
			a += 7;
			while (*a == ' ')
				a++;
		}
		int ar = strlen(a) > CD_TOKEN_MAX ? -ENOENT : cd_mgr_auth(c->m, a, &c->tok);
		if (ar == -ENOENT || (ar == 0 && !role_bit(c->tok.role))) {
			cd_api_error(c, 401, NULL, "this token is not valid");
			return false;
		}
		if (ar < 0) {
			cd_api_store_failed(c, ar);
			return false;
		}
		/* a change made from the console carries its session's CSRF value:
		 * another site's page can make the browser send the cookie, not it */
		char want[CD_HASH_HEX];
		if (session && strcmp(r->method, "GET")) {
			cd_mgr_session_csrf(c->session, want);
			if (!r->csrf || strlen(r->csrf) != CD_HASH_HEX - 1 ||
			    !cd_token_equal(r->csrf, want)) {
				cd_api_error(c, 403, NULL, "a change from a console session needs its X-CSRF-Token");
				return false;
			}
		}
		if (!session)
			c->session[0] = 0;
		free(c->out->who);
		c->out->who = cd_strdup(c->tok.name);
		c->actor = (struct cd_actor){ .name = c->tok.name, .role = c->tok.role,
					      .host = c->tok.host, .workload = c->tok.workload,
					      .origin = r->origin };
	}
	if (!rt) {
		if (known)
			cd_api_error(c, 405, NULL, "%s is not allowed on %.200s", r->method, r->path);
		else
			cd_api_error(c, 404, NULL, "no such endpoint: %.200s", r->path);
		return false;
	}
	if (rt->roles != R_NONE && !(rt->roles & role_bit(c->tok.role))) {
		cd_api_error(c, 403, NULL, "a%s %s token may not do this", c->tok.role[0] == 'a' ||
		      c->tok.role[0] == 'o' ? "n" : "", c->tok.role);
		return false;
	}
	if (body_len > rt->body_max) {
		cd_api_error(c, 413, NULL, "the body is larger than this request takes (%zu bytes)",
		      rt->body_max);
		return false;
	}
	return true;
}

void cd_api_leave(struct ctx *c)
{
	if (c->unlocked)
		cd_mgr_unlock(c->m);
}

bool cd_api_enter(struct ctx *c)
{
	if (!c->unlocked)
		return true;
	cd_mgr_lock(c->m);
	/* its token or session may have been revoked meanwhile, or its
	 * user's role changed: asked again */
	cd_token_free(&c->tok);
	c->actor = (struct cd_actor){ 0 };
	return admit(c, c->rt, true, 0);
}

bool cd_api_admit(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { .m = m, .r = r, .out = out };
	bool known;
	const struct route *rt = find(r->method, r->path, &known);
	bool ok = admit(&c, rt, known, r->body_len);
	if (!ok && !out->body)
		cd_api_error(&c, 400, NULL, "the request holds text that is not valid UTF-8");
	cd_token_free(&c.tok);
	return ok;
}

/* Answer r once: true when its change was refused because another
 * manager's came first (cd_api_store_failed saw -EAGAIN). */
static bool handle_once(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { .m = m, .r = r, .out = out };
	bool known;
	const struct route *rt = find(r->method, r->path, &known);
	if (!admit(&c, rt, known, r->body_len))
		goto out;
	c.unlocked = rt->unlocked;
	c.rt = rt;
	match(rt->pattern, r->path, &c);
	if (cd_api_query_only(&c, rt->query))
		rt->fn(&c);
out:
	if (!out->body && !out->blob && !out->wait && !out->stream)   /* a JSON string could not be made */
		cd_api_error(&c, 400, NULL, "the request holds text that is not valid UTF-8");
	json_decref(c.body);
	cd_token_free(&c.tok);
	return c.refused;
}

void cd_api_handle(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out)
{
	bool own = cd_api_unlocked(r->method, r->path);   /* the server holds no lock */
	if (own)
		cd_mgr_lock(m);
	if (cd_mgr_behind(m))
		cd_mgr_follow(m);
	/* a change refused because another manager's came first (nothing of
	 * it was kept): made again on the world as it is now.  Only this
	 * request's own refusal counts: on an unlocked route another thread
	 * may have left the manager behind while the lock was away, and a
	 * request that succeeded must not be made twice */
	for (int tries = 0;; tries++) {
		bool refused = handle_once(m, r, out);
		if (!refused || tries == 19 || cd_mgr_follow(m) < 0)
			break;
		cd_api_resp_free(out);
	}
	if (own)
		cd_mgr_unlock(m);
}

void cd_api_resp_free(struct cd_api_resp *r)
{
	json_decref(r->body);
	cd_blob_unref(r->blob);
	free(r->who);
	free(r->workload);
	free(r->set_cookie);
	memset(r, 0, sizeof(*r));
}

