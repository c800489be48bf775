/* api_alerts.c - alerts (listed, shown, acknowledged, their actions run)
 * and the alert definitions (pushed, shown, revisions, diff, rollback). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/adef.h"
#include "base/util.h"
#include "manager/api_priv.h"

#define ALERTS_PAGE 500

struct list_ctx {
	struct cd_mgr *m;
	json_t *a;
};

static int alert_row(void *p, const struct cd_alert_rec *a)
{
	struct list_ctx *x = p;
	json_array_append_new(x->a, cd_mgr_alert_json(x->m, a));
	return 0;
}

void cd_api_h_alerts(struct ctx *c)
{
	struct cd_alert_filter f = { .limit = ALERTS_PAGE };
	if (!cd_api_q_int(c, "limit", 1, ALERTS_PAGE, &f.limit) ||
	    !cd_api_q_int(c, "before", 1, INT64_MAX, &f.before))
		return;
	static const char *const states[] = { "active", "cancelled" };
	enum cd_asev sev;
	enum cd_akind kind;
	f.state = cd_api_q(c, "state");
	f.severity = cd_api_q(c, "severity");
	f.kind = cd_api_q(c, "kind");
	f.name = cd_api_q(c, "name");
	f.definition = cd_api_q(c, "definition");
	if (f.state && strcmp(f.state, states[0]) && strcmp(f.state, states[1])) {
		cd_api_error(c, 400, "state", "'state' must be active or cancelled");
		return;
	}
	if (f.severity && cd_asev_parse(f.severity, &sev) < 0) {
		cd_api_error(c, 400, "severity", "'severity' must be info, warning, immediate or critical");
		return;
	}
	if (f.kind && cd_akind_parse(f.kind, &kind) < 0) {
		cd_api_error(c, 400, "kind", "'kind' must be vm, host, datastore or source");
		return;
	}
	struct list_ctx x = { c->m, json_array() };
	int r = cd_mgr_alerts_each(c->m, &f, alert_row, &x);
	if (r < 0) {
		json_decref(x.a);
		cd_api_store_failed(c, r);
		return;
	}
	cd_api_reply(c, 200, x.a);
}

/* The alert of the path's id into *a: false after answering. */
static bool path_alert(struct ctx *c, struct cd_alert_rec *a)
{
	char *end;
	long long id = strtoll(c->seg[0], &end, 10);
	int r = *end || id <= 0 ? -ENOENT : cd_mgr_alert_get(c->m, id, a);
	if (r == -ENOENT)
		cd_api_error(c, 404, "id", "there is no alert %s", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	return r == 0;
}

void cd_api_h_alert(struct ctx *c)
{
	struct cd_alert_rec a = { 0 };
	if (!path_alert(c, &a))
		return;
	cd_api_reply(c, 200, cd_mgr_alert_json(c->m, &a));
	cd_alert_rec_free(&a);
}

void cd_api_h_alert_ack(struct ctx *c)
{
	struct cd_alert_rec a = { 0 };
	if (!path_alert(c, &a))
		return;
	int r = cd_mgr_alert_ack(c->m, a.id, &c->actor);
	cd_alert_rec_free(&a);
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	if (cd_mgr_alert_get(c->m, a.id = strtoll(c->seg[0], NULL, 10), &a) == 0)
		cd_api_reply(c, 200, cd_mgr_alert_json(c->m, &a));
	else
		cd_api_store_failed(c, -EIO);
	cd_alert_rec_free(&a);
}

/* POST /alerts/{id}/run {"recommendation": N}: the action of the alert's
 * recommendation N (from 1) on its VM, as the operator asking. */
void cd_api_h_alert_run(struct ctx *c)
{
	static const struct field f[] = { { "recommendation", F_INT, true, 0 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	struct cd_alert_rec a = { 0 };
	if (!path_alert(c, &a))
		return;
	json_t *o = cd_mgr_alert_json(c->m, &a);
	json_int_t n = json_integer_value(json_object_get(c->body, "recommendation"));
	json_t *rec = n >= 1 ? json_array_get(json_object_get(o, "recommendations"), (size_t)n - 1) : NULL;
	const char *action = json_string_value(json_object_get(rec, "action"));
	int r = 0;
	if (!action) {
		cd_api_error(c, 400, "recommendation", "the alert has no recommendation %lld with an action",
			     (long long)n);
	} else if (strcmp(a.kind, "vm")) {
		cd_api_error(c, 400, "recommendation", "actions run on VMs, and this alert is of a %s", a.kind);
	} else {
		int64_t id;
		if (!strcmp(action, "scan"))
			r = cd_mgr_scan(c->m, a.object, "full", &c->actor, &id);
		else if (!strcmp(action, "release"))
			r = cd_mgr_release(c->m, a.object, &c->actor);
		else
			r = cd_mgr_tag(c->m, a.object, json_string_value(json_object_get(rec, "tag")), true,
				       &c->actor);
		if (r == -ENOENT)
			cd_api_error(c, 404, "object", "there is no workload %s", a.object);
		else if (r < 0)
			cd_api_store_failed(c, r);
		else
			cd_api_reply(c, 200, json_pack("{s:s, s:s, s:b}", "action", action, "workload", a.object,
						      "changed", r > 0));
	}
	json_decref(o);
	cd_alert_rec_free(&a);
}

void cd_api_h_alert_defs(struct ctx *c)
{
	int64_t rev = 0;
	if (!cd_api_q_int(c, "revision", 1, INT64_MAX, &rev))
		return;
	if (!rev) {
		json_t *o = cd_mgr_alert_defs(c->m);
		json_object_set_new(o, "builtin_document", json_string(cd_adefs_builtin_doc()));
		cd_api_reply(c, 200, o);
		return;
	}
	struct cd_revision v = { 0 };
	int r = cd_mgr_alerts_revision(c->m, rev, &v);
	if (r == -ENOENT)
		cd_api_error(c, 404, "revision", "there is no revision %lld", (long long)rev);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else {
		json_t *o = cd_api_rev_json(&v);
		json_object_set_new(o, "document", json_string(v.doc));
		json_object_set_new(o, "current", json_boolean(v.rev == cd_mgr_alerts_rev(c->m)));
		cd_api_reply(c, 200, o);
	}
	cd_revision_free(&v);
}

void cd_api_h_alert_defs_push(struct ctx *c)
{
	static const struct field f[] = {
		{ "document", F_STR, true, CD_ADEF_DOC_MAX }, { "filename", F_STR, false, 1024 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *doc = json_object_get(c->body, "document");
	const char *fn = json_string_value(json_object_get(c->body, "filename"));
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	int r = cd_mgr_alerts_push(c->m, fn ? fn : "alerts", json_string_value(doc),
				   json_string_length(doc), &c->actor, &d, &rev);
	if (r == -EINVAL)
		cd_api_doc_errors(c, "the alert definitions do not load", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 201, json_pack("{s:I, s:I}", "revision", (json_int_t)rev, "seq",
					      (json_int_t)cd_mgr_seq(c->m)));
	cd_diags_free(&d);
}

void cd_api_h_alert_defs_history(struct ctx *c)
{
	cd_api_revs_history(c, CD_DOC_ALERTS);
}

void cd_api_h_alert_defs_diff(struct ctx *c)
{
	cd_api_revs_diff(c, CD_DOC_ALERTS);
}

void cd_api_h_alert_defs_rollback(struct ctx *c)
{
	cd_api_revs_rollback(c, CD_DOC_ALERTS);
}
