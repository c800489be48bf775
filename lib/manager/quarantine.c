/* quarantine.c - the manager's anti-malware side: scan requests, what an
 * agent's events may set off, and who may lift a quarantine.
 *
 * The trust model (docs/antimalware.md).  An agent inside a workload may
 * be the malware's: it can say anything about its own files, so what it
 * says may add to the quarantine, never take it away on its own word.
 *
 *  - An agent sends only the event types its role sends (agent_types),
 *    for its own host or workload; a scan it reports on must be a request
 *    for its own workload.
 *  - A detection quarantines the workload, and every later detection moves
 *    the quarantine's "last detection" time.
 *  - A clean full scan releases the workload only when the scan is a
 *    request of the manager's (by an operator, or scheduled here), for a
 *    full scan of this workload, requested after the quarantine and after
 *    its last detection, not finished before, and reported by the
 *    workload's own agent; and only when the policy lets scans release
 *    (antimalware.remove_tag_on_clean_full_scan, antimalware.release:
 *    scan).  With release: operator only an operator does.  Anything else
 *    keeps the quarantine, and a "quarantine-kept" event says why. */
#include "manager/mgr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"

enum { ROLE_HOST = 1, ROLE_WORKLOAD = 2, ROLE_ANY = 3 };

/* The event types agents send, and the role that sends each. */
static const struct {
	const char *type;
	unsigned roles;
} agent_types[] = {
	{ "agent-started", ROLE_ANY },       { "queue-full", ROLE_ANY },
	{ "queue-dropped", ROLE_ANY },       { "queue-damaged", ROLE_ANY },
	{ "apply-failed", ROLE_HOST },
	{ "connections-cut", ROLE_HOST },    { "enforced", ROLE_HOST },
	{ "inventory-enforced", ROLE_HOST }, { "quarantine-enforced", ROLE_HOST },
	{ "release-enforced", ROLE_HOST },   { "spoof", ROLE_HOST },
	{ "detection", ROLE_WORKLOAD },
	{ "scan-started", ROLE_WORKLOAD },   { "scan-progress", ROLE_WORKLOAD },
	{ "scan-finished", ROLE_WORKLOAD },  { "scan-failed", ROLE_WORKLOAD },
	{ "scan-error", ROLE_WORKLOAD },     { "scan-skipped", ROLE_WORKLOAD },
	{ "signatures-reloaded", ROLE_WORKLOAD }, { "signatures-failed", ROLE_WORKLOAD },
};

static bool scan_type(const char *type)
{
	return !strncmp(type, "scan-", 5);
}

int cd_mgr_release(struct cd_mgr *m, const char *workload, const struct cd_actor *a)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "quarantine of %s released by hand", workload);
	return cd_mgr_set_tag(m, workload, m->st->pol.am.quarantine_tag, false, a,
			      "quarantine-released", msg,
			      json_pack("{s:s, s:s}", "workload", workload, "by", a ? a->name : "-"));
}

int cd_mgr_scan(struct cd_mgr *m, const char *workload, const char *kind,
		const struct cd_actor *a, int64_t *id)
{
	long w = cd_inventory_find(&m->st->inv, workload);
	if (w < 0)
		return -ENOENT;
	const char *name = m->st->inv.w[w].name;
	int64_t now = cd_mgr_now();
	struct cd_scan_req q = {
		.workload = (char *)name, .kind = (char *)kind, .state = (char *)"requested",
		.by = (char *)(a ? a->name : NULL), .requested = now, .updated = now,
	};
	int r = cd_mgr_begin(m);
	if (r == 0)
		r = cd_store_scan_add(m->store, &q);
	if (r == 0)
		r = cd_mgr_event(m, "scan-requested", name, m->st->inv.w[w].host, a,
				 json_pack("{s:I, s:s}", "scan", (json_int_t)q.id, "kind", kind),
				 "%s scan %lld of %s requested", kind, (long long)q.id, name);
	char *text = NULL;
	if (r == 0) {       /* the delta, for the other managers too */
		json_t *body = json_pack("{s:I, s:s, s:s, s:{s:I, s:s, s:s, s:s}}", "seq",
					 (json_int_t)cd_mgr_open_seq(m), "kind", "scan", "workload", name,
					 "scan", "id", (json_int_t)q.id, "workload", name, "kind", kind,
					 "state", "requested");
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		cd_mgr_record(m, text);
	}
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		free(text);
		return r;
	}
	*id = q.id;
	cd_mgr_delta_push(m, text);
	return 0;
}

int cd_mgr_agent_event_check(struct cd_mgr *m, const struct cd_actor *a, const json_t *event,
			     const char **field, struct cd_buf *why)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	unsigned role = (a->host ? ROLE_HOST : 0) | (a->workload ? ROLE_WORKLOAD : 0);
	size_t i;
	for (i = 0; i < CD_ARRAY_LEN(agent_types) && strcmp(agent_types[i].type, type ? type : ""); i++)
		;
	*field = "type";
	if (i == CD_ARRAY_LEN(agent_types)) {
		cd_buf_printf(why, "agents do not send events of type '%.64s'", type ? type : "");
		return -EPERM;
	}
	if (!(agent_types[i].roles & role)) {
		cd_buf_printf(why, "'%s' events come from the %s role; this agent is a%s", type,
			      agent_types[i].roles == ROLE_HOST ? "enforcing (host)" : "scanning (workload)",
			      a->host ? "n enforcing agent" : " scanning agent");
		return -EPERM;
	}
	json_t *sid = json_object_get(json_object_get(event, "data"), "scan");
	if (!scan_type(type) && strcmp(type, "detection"))
		return 0;
	*field = "data.scan";
	if (sid && (!json_is_integer(sid) || json_integer_value(sid) < 0)) {
		cd_buf_printf(why, "must be a scan request's id (0: a scan of the agent's own)");
		return -EINVAL;
	}
	if (!sid || json_integer_value(sid) == 0)
		return 0;
	struct cd_scan_req q = { 0 };
	int r = cd_store_scan_get(m->store, json_integer_value(sid), &q);
	if (r == 0 && strcasecmp(q.workload, a->workload)) {
		cd_buf_printf(why, "scan %lld is not this agent's workload's", (long long)q.id);
		r = -EPERM;
	} else if (r == -ENOENT) {
		cd_buf_printf(why, "there is no scan request %lld", (long long)json_integer_value(sid));
		r = -EPERM;
	}
	cd_scan_req_free(&q);
	return r;
}

/* Whether this clean full scan may lift the quarantine of workload wl;
 * why says why not. */
static bool may_release(struct cd_mgr *m, const char *wl, const json_t *data,
			const struct cd_scan_req *q, char *why, size_t n)
{
	const struct cd_antimalware *am = &m->st->pol.am;
	struct cd_quarantine qr = { 0 };
	int64_t after = 0;
	if (cd_store_quarantine_get(m->store, wl, &qr) == 0)
		after = qr.since > qr.detected ? qr.since : qr.detected;
	cd_quarantine_free(&qr);
	if (am->release == CD_AM_RELEASE_OPERATOR)
		snprintf(why, n, "the policy's antimalware.release is operator: only an operator releases it");
	else if (!am->remove_tag_on_clean_full_scan)
		snprintf(why, n, "the policy's antimalware.remove_tag_on_clean_full_scan is off");
	else if (!q)
		snprintf(why, n, "no scan request of the manager's is behind this scan");
	else if (strcmp(q->kind, "full") || !json_is_true(json_object_get(data, "full")))
		snprintf(why, n, "scan %lld is not a full scan", (long long)q->id);
	else if (!strcmp(q->state, "finished") || !strcmp(q->state, "failed"))
		snprintf(why, n, "scan %lld had already %s", (long long)q->id, q->state);
	else if (q->requested <= after)
		snprintf(why, n, "scan %lld was requested before the last detection", (long long)q->id);
	else
		return true;
	return false;
}

int cd_mgr_agent_event(struct cd_mgr *m, const struct cd_actor *a, json_t *event)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	const char *wl = json_string_value(json_object_get(event, "workload"));
	json_t *data = json_object_get(event, "data");
	const struct cd_antimalware *am = &m->st->pol.am;
	if (!type || !wl)
		return 0;
	long w = cd_inventory_find(&m->st->inv, wl);
	if (w < 0)
		return 0;
	wl = m->st->inv.w[w].name;
	char msg[1024];
	int r = 0;
	if (!strcmp(type, "detection")) {
		bool remediated = json_is_true(json_object_get(data, "remediated"));
		if (!remediated || !am->tag_only_if_remediation_fails) {
			const char *sig = json_string_value(json_object_get(data, "signature"));
			const char *file = json_string_value(json_object_get(data, "file"));
			snprintf(msg, sizeof(msg), "%s quarantined: %s found in %s", wl,
				 sig ? sig : "malware", file ? file : "a file");
			r = cd_mgr_set_tag(m, wl, am->quarantine_tag, true, a, "quarantine", msg,
					   json_pack("{s:s, s:s?, s:s?, s:O?}", "workload", wl, "signature", sig,
						     "file", file, "action", json_object_get(data, "action")));
		}
		/* a scan requested before this detection releases nothing */
		if (r >= 0)
			r = cd_store_quarantine_detected(m->store, wl, cd_mgr_now());
		return r < 0 && r != -ENOENT ? r : 0;
	}
	if (!scan_type(type))
		return 0;
	int64_t id = json_integer_value(json_object_get(data, "scan"));
	struct cd_scan_req q = { 0 };
	bool have = false;
	if (id > 0) {     /* bound to this workload by cd_mgr_agent_event_check */
		r = cd_store_scan_get(m->store, id, &q);
		if (r < 0 && r != -ENOENT)
			return r;
		have = r == 0 && !strcasecmp(q.workload, wl);
		r = 0;
	}
	if (have && strcmp(q.state, "finished") && strcmp(q.state, "failed")) {
		char *res = json_dumps(data, JSON_COMPACT);
		const char *state = !strcmp(type, "scan-finished") ? "finished"
				  : !strcmp(type, "scan-failed") ? "failed" : "running";
		r = cd_store_scan_update(m->store, id, state, res, cd_mgr_now());
		free(res);
	}
	const char *qtag = am->quarantine_tag;
	if (r == 0 && !strcmp(type, "scan-finished") && qtag &&
	    cd_workload_has_tag(&m->st->inv.w[w], qtag) &&
	    json_is_true(json_object_get(data, "full")) &&
	    json_integer_value(json_object_get(data, "infected")) == 0) {
		char why[256];
		if (may_release(m, wl, data, have ? &q : NULL, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "quarantine of %s released: full scan %lld found nothing",
				 wl, (long long)id);
			r = cd_mgr_set_tag(m, wl, qtag, false, a, "quarantine-released", msg,
					   json_pack("{s:s, s:s, s:I}", "workload", wl, "by", "clean full scan",
						     "scan", (json_int_t)id));
		} else {
			r = cd_mgr_event(m, "quarantine-kept", wl, m->st->inv.w[w].host, a,
					 json_pack("{s:s, s:I, s:s}", "workload", wl, "scan", (json_int_t)id,
						   "why", why),
					 "quarantine of %s kept after a clean scan: %s", wl, why);
		}
	}
	cd_scan_req_free(&q);
	return r < 0 && r != -ENOENT ? r : 0;
}

json_t *cd_mgr_snapshot_workload(struct cd_mgr *m, const char *workload)
{
	static const char *const acts[] = { "quarantine_file", "delete", "report" };
	const struct cd_antimalware *am = &m->st->pol.am;
	json_t *ex = json_array();
	for (size_t i = 0; i < am->nexclude_paths; i++)
		json_array_append_new(ex, json_string(am->exclude_paths[i]));
	json_t *pol = json_pack("{s:{s:s, s:s, s:i, s:o}}", "antimalware", "action", acts[am->action],
				"event_delivery", am->event_delivery == CD_AM_HEARTBEAT ? "heartbeat"
				: "immediate", "heartbeat_seconds", (int)am->heartbeat_seconds,
				"exclude_paths", ex);
	char *text = json_dumps(pol, JSON_COMPACT);
	json_decref(pol);
	json_t *out = json_pack("{s:I, s:{s:I, s:s, s:s}, s:i, s:o}", "seq", (json_int_t)m->seq,
				"snapshot", "revision", (json_int_t)m->pol.rev, "policy", text,
				"inventory", "{\"workloads\": []}", "heartbeat_seconds", m->heartbeat_s,
				"scans", cd_mgr_scans_pending(m, workload));
	free(text);
	return out;
}

/* Scheduled full scans (antimalware.full_scan_interval_hours): a request
 * of the manager's for each workload with a scanning agent, when its last
 * full scan request is older than the interval and none is pending. */
struct last_full {
	bool pending;
};

static int pending_row(void *ctx, const struct cd_scan_req *q)
{
	struct last_full *l = ctx;
	l->pending |= !strcmp(q->kind, "full");
	return 0;
}

void cd_mgr_scans_tick(struct cd_mgr *m)
{
	int64_t every = (int64_t)m->st->pol.am.full_scan_interval_hours * 3600 * 1000000;
	int64_t now = cd_mgr_now();
	if (!every || now < m->sched_next)
		return;
	m->sched_next = now + 60 * 1000000;      /* look again in a minute */
	if (cd_store_lease(m->store, "upkeep") <= 0)
		return;                          /* another manager's duty */
	static const struct cd_actor sched = { .name = "schedule", .origin = "cordond" };
	for (size_t i = 0; i < m->nagents; i++) {
		const char *wl = m->agents[i].rec.workload;
		if (!wl || cd_inventory_find(&m->st->inv, wl) < 0)
			continue;
		struct last_full l = { false };
		int64_t last = 0, id;
		if (cd_store_scan_pending(m->store, wl, pending_row, &l) < 0 || l.pending ||
		    cd_store_scan_last(m->store, wl, "full", &last) < 0 || now - last < every)
			continue;
		cd_mgr_scan(m, wl, "full", &sched, &id);
	}
}
static json_t *scan_json(const struct cd_scan_req *q)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)q->id, "workload", q->workload,
			      "kind", q->kind, "state", q->state);
	if (q->result)
		json_object_set_new(o, "progress", json_loads(q->result, 0, NULL));
	return o;
}

static int scan_row(void *ctx, const struct cd_scan_req *q)
{
	json_array_append_new(ctx, scan_json(q));
	return 0;
}

json_t *cd_mgr_scans_pending(struct cd_mgr *m, const char *workload)
{
	json_t *a = json_array();
	cd_store_scan_pending(m->store, workload, scan_row, a);
	return a;
}

