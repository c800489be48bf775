/* api_priv.h - what the API's files share: the request being answered
 * (struct ctx), the checks every handler uses, and the handlers the route
 * table in api.c names.  Not for anything outside the API.
 *
 *   api.c            checking requests (bodies, queries, names), routing,
 *                    roles, admission before a body is read
 *   api_workloads.c  workloads, their tags, quarantine release, scans
 *   api_sources.c    sources and inventory pushes
 *   api_policy.c     policy revisions, groups, explain
 *   api_tokens.c     enrollment, API tokens and agents' credentials
 *   api_agents.c     the agents' side (changes, heartbeats, events) and
 *                    the agents and events listings
 *   api_metrics.c    metrics: the catalog, objects, queries, the agents'
 *                    samples, and GET /metrics for Prometheus
 *   api_flows.c      flow records: the agents' batches, and the records
 *                    read back (filters, pages, sums)
 *   api_capacity.c   right-sizing and reclamation
 *   api_views.c      list views: saved, listed, their rows (JSON, CSV)
 *   api_reports.c    reports: saved, listed, made (PDF, CSV), run, runs */
#ifndef CD_API_PRIV_H
#define CD_API_PRIV_H

#include "manager/api.h"
#include "base/token.h"

enum {
	R_ADMIN = 1, R_OPERATOR = 2, R_VIEWER = 4, R_AGENT = 8,
	R_READ = R_ADMIN | R_OPERATOR | R_VIEWER,
	R_TAGS = R_ADMIN | R_OPERATOR,
	R_NONE = 0,            /* authenticated by its body (enrollment) */
};

struct route;

struct ctx {
	struct cd_mgr *m;
	const struct cd_api_req *r;
	struct cd_api_resp *out;
	struct cd_token tok;
	struct cd_actor actor;
	char session[CD_TOKEN_MAX + 1];   /* the cookie's secret when a session signed in */
	const char *seg[2];    /* the path's variable segments */
	char segbuf[2][256];
	json_t *body;          /* the parsed body, when the route takes one */
	const struct route *rt;   /* the route it matched (api.c's) */
	bool unlocked;         /* the route runs unlocked: cd_api_leave may leave the lock */
	bool refused;          /* its change was refused: another manager's came first */
};

/* An unlocked route's handler leaves the manager's lock for its slow part
 * (reading the metrics store, a password's hash, connecting to a source)
 * and takes it again after; between the two it touches nothing of the
 * manager's.  cd_api_enter asks for the request's credential again (it
 * may have been revoked meanwhile): false when it is no longer good, the
 * answer (401 or 403) made; the handler then stops.  (On a locked route
 * both do nothing: the server holds its lock throughout.) */
void cd_api_leave(struct ctx *c);
bool cd_api_enter(struct ctx *c) __attribute__((warn_unused_result));

enum ftype { F_STR, F_INT, F_OBJ, F_ARR, F_BOOL, F_TIME /* a string or an integer */ };

struct field {
	const char *name;
	enum ftype type;
	bool required;
	size_t max;            /* strings: longest; 0: 256 */
};

/* A name that is also a path segment: 1 to 64 of [A-Za-z0-9._-], not
 * starting with '.', '_' or '-' (so never "." nor ".."). */
#define NAME_RULE "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

/* ---- answering ---- */
void cd_api_reply(struct ctx *c, int status, json_t *body);
/* A 4xx or 5xx answer {"error", "field"} (field NULL: none). */
void cd_api_error(struct ctx *c, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 400 with the located errors of a document. */
void cd_api_doc_errors(struct ctx *c, const char *what, const struct cd_diags *d);
json_t *cd_api_diags_json(const struct cd_diags *d);
void cd_api_store_failed(struct ctx *c, int r);

/* ---- checking ---- */
const char *cd_api_ftype_name(enum ftype t);
bool cd_api_type_ok(json_t *v, enum ftype t);
/* The body: a JSON object of these fields only (c->body); false: answered. */
bool cd_api_take_body(struct ctx *c, const struct field *f, size_t nf);
/* A query value, or NULL. */
const char *cd_api_q(struct ctx *c, const char *key);
/* Only these query keys (space-separated); false: answered. */
bool cd_api_query_only(struct ctx *c, const char *keys);
/* A whole number query value from lo to hi (absent: *v untouched). */
bool cd_api_q_int(struct ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v);
/* ?key= a time, RFC 3339 or ms since the epoch: true (*ms set when
 * given), or false with the 400 made. */
bool cd_api_q_time(struct ctx *c, const char *key, int64_t *ms);
/* ?range=30d (ending at ?end= or now), or ?begin=&end=: [*begin, *end]
 * in epoch ms, range dflt when neither, at most max_ms: true, or false
 * with the 400 made (naming range, begin or end). */
bool cd_api_q_range(struct ctx *c, int64_t dflt, int64_t max_ms, int64_t *begin, int64_t *end);
/* The body as JSON into c->body (a route that checks its own fields):
 * true, or false with the 400 made, its line and column said. */
bool cd_api_body_json(struct ctx *c, const char *what);
/* A 400 for an error "FIELD: what is wrong", the field named apart. */
void cd_api_invalid(struct ctx *c, const char *err);
/* A named document's revision into a JSON array (cd_store_named_cb):
 * {rev, time, author, comment, removed}. */
int cd_api_rev_row(void *array, const char *name, const struct cd_revision *r);
bool cd_api_name_ok(const char *s);

/* ---- the handlers (the route table in api.c) ---- */
void cd_api_h_agent_events(struct ctx *c);
void cd_api_h_metrics_band(struct ctx *c);
void cd_api_h_views(struct ctx *c);
void cd_api_h_view_put(struct ctx *c);
void cd_api_h_view(struct ctx *c);
void cd_api_h_view_rm(struct ctx *c);
void cd_api_h_view_revisions(struct ctx *c);
void cd_api_h_view_rows(struct ctx *c);
void cd_api_h_reports(struct ctx *c);
void cd_api_h_report_put(struct ctx *c);
void cd_api_h_report(struct ctx *c);
void cd_api_h_report_rm(struct ctx *c);
void cd_api_h_report_revisions(struct ctx *c);
void cd_api_h_report_pdf(struct ctx *c);
void cd_api_h_report_csv(struct ctx *c);
void cd_api_h_report_run(struct ctx *c);
void cd_api_h_report_runs(struct ctx *c);
void cd_api_h_agent_token(struct ctx *c);
void cd_api_h_agent_token_rm(struct ctx *c);
void cd_api_h_agent_tokens(struct ctx *c);
void cd_api_h_agents(struct ctx *c);
void cd_api_h_api_token(struct ctx *c);
void cd_api_h_enroll(struct ctx *c);
void cd_api_h_events(struct ctx *c);
void cd_api_h_explain(struct ctx *c);
void cd_api_h_policy_impact(struct ctx *c);
void cd_api_h_policy_recommend(struct ctx *c);
void cd_api_h_policy_promote(struct ctx *c);
void cd_api_h_groups(struct ctx *c);
void cd_api_h_policy_rules(struct ctx *c);
void cd_api_h_heartbeat(struct ctx *c);
void cd_api_h_inventory(struct ctx *c);
void cd_api_h_policy_diff(struct ctx *c);
void cd_api_h_policy_history(struct ctx *c);
void cd_api_h_policy_push(struct ctx *c);
void cd_api_h_policy_show(struct ctx *c);
void cd_api_h_release(struct ctx *c);
void cd_api_h_rollback(struct ctx *c);
/* A document's revisions (the policy's, the alert definitions'):
 * listed, diffed, rolled back; a revision as JSON. */
void cd_api_revs_history(struct ctx *c, enum cd_doc which);
void cd_api_revs_diff(struct ctx *c, enum cd_doc which);
void cd_api_revs_rollback(struct ctx *c, enum cd_doc which);
json_t *cd_api_rev_json(const struct cd_revision *v);
/* api_users.c */
void cd_api_h_signin(struct ctx *c);
void cd_api_h_whoami(struct ctx *c);
void cd_api_h_zone(struct ctx *c);
void cd_api_h_stream(struct ctx *c);
void cd_api_h_signout(struct ctx *c);
void cd_api_h_users(struct ctx *c);
void cd_api_h_user_add(struct ctx *c);
void cd_api_h_user_set(struct ctx *c);
void cd_api_h_user_rm(struct ctx *c);
/* api_alerts.c */
void cd_api_h_alerts(struct ctx *c);
void cd_api_h_alert(struct ctx *c);
void cd_api_h_alert_ack(struct ctx *c);
void cd_api_h_alert_run(struct ctx *c);
void cd_api_h_alert_defs(struct ctx *c);
void cd_api_h_alert_defs_push(struct ctx *c);
void cd_api_h_alert_defs_history(struct ctx *c);
void cd_api_h_alert_defs_diff(struct ctx *c);
void cd_api_h_alert_defs_rollback(struct ctx *c);
void cd_api_h_scan(struct ctx *c);
void cd_api_h_scan_get(struct ctx *c);
void cd_api_h_source_add(struct ctx *c);
void cd_api_h_source_rm(struct ctx *c);
void cd_api_h_sources(struct ctx *c);
void cd_api_h_tag_add(struct ctx *c);
void cd_api_h_tag_rm(struct ctx *c);
void cd_api_h_token_rm(struct ctx *c);
void cd_api_h_tokens(struct ctx *c);
void cd_api_h_workloads(struct ctx *c);
void cd_api_poll_changes(struct ctx *c);
void cd_api_h_metrics_catalog(struct ctx *c);
void cd_api_h_metrics_objects(struct ctx *c);
void cd_api_h_metrics_object_rm(struct ctx *c);
void cd_api_h_metrics_query(struct ctx *c);
void cd_api_h_agent_metrics(struct ctx *c);
void cd_api_h_openmetrics(struct ctx *c);
/* api_flows.c */
void cd_api_h_agent_flows(struct ctx *c);
void cd_api_h_flows(struct ctx *c);
/* api_capacity.c */
void cd_api_h_rightsize(struct ctx *c);
void cd_api_h_reclaim(struct ctx *c);

#endif
