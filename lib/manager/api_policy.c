/* api_policy.c - policy revisions, diff and rollback, groups, explain. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "base/diff.h"
#include "policy/report.h"
#include "base/util.h"

void cd_api_h_policy_push(struct ctx *c)
{
	static const struct field f[] = {
		{ "document", F_STR, true, 32u << 20 }, { "filename", F_STR, false, 1024 },
		{ "dry_run", F_BOOL, false, 0 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *doc = json_object_get(c->body, "document");
	const char *fn = json_string_value(json_object_get(c->body, "filename"));
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	if (json_is_true(json_object_get(c->body, "dry_run"))) {
		/* the console's editor: every error, located, before a save */
		int r = cd_mgr_check_policy(c->m, fn ? fn : "policy", json_string_value(doc),
					    json_string_length(doc), &d);
		if (r == -EINVAL)
			cd_api_doc_errors(c, "the policy does not load", &d);
		else
			cd_api_reply(c, 200, json_pack("{s:b}", "valid", true));
		cd_diags_free(&d);
		return;
	}
	int r = cd_mgr_push_policy(c->m, fn ? fn : "policy", json_string_value(doc),
				   json_string_length(doc), &c->actor, &d, &rev);
	if (r == -EINVAL)
		cd_api_doc_errors(c, "the policy does not load", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 201, json_pack("{s:I, s:I}", "revision", (json_int_t)rev,
					"seq", (json_int_t)cd_mgr_seq(c->m)));
	cd_diags_free(&d);
}

json_t *cd_api_rev_json(const struct cd_revision *v)
{
	char t[CD_TIME_STRLEN];
	return json_pack("{s:I, s:s, s:s?, s:s?}", "revision", (json_int_t)v->rev,
			 "time", cd_time_fmt(v->time, t), "author", v->author, "comment", v->comment);
}

void cd_api_h_policy_show(struct ctx *c)
{
	int64_t rev = 0;
	if (!cd_api_q_int(c, "revision", 1, INT64_MAX, &rev))
		return;
	struct cd_revision v = { 0 };
	int r = cd_mgr_revision(c->m, rev, &v);
	if (r == -ENOENT) {
		if (rev)
			cd_api_error(c, 404, "revision", "there is no revision %lld", (long long)rev);
		else
			cd_api_error(c, 404, NULL, "no policy has been pushed yet");
		return;
	}
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	json_t *o = cd_api_rev_json(&v);
	json_object_set_new(o, "document", json_string(v.doc));
	json_object_set_new(o, "current", json_boolean(v.rev == cd_mgr_policy_rev(c->m)));
	cd_api_reply(c, 200, o);
	cd_revision_free(&v);
}

static int rev_row(void *ctx, const struct cd_revision *v)
{
	json_t *a = ctx;
	json_array_append_new(a, cd_api_rev_json(v));
	return 0;
}

/* ---- a document's revisions: the policy's, the alert definitions' ---- */

static int doc_get(struct ctx *c, enum cd_doc which, int64_t rev, struct cd_revision *out)
{
	return which == CD_DOC_ALERTS ? cd_mgr_alerts_revision(c->m, rev, out)
				      : cd_mgr_revision(c->m, rev, out);
}

static int64_t doc_current(struct ctx *c, enum cd_doc which)
{
	return which == CD_DOC_ALERTS ? cd_mgr_alerts_rev(c->m) : cd_mgr_policy_rev(c->m);
}

void cd_api_revs_history(struct ctx *c, enum cd_doc which)
{
	json_t *a = json_array();
	int r = which == CD_DOC_ALERTS ? cd_mgr_alerts_revisions(c->m, rev_row, a)
				       : cd_mgr_revisions(c->m, rev_row, a);
	if (r < 0) {
		json_decref(a);
		cd_api_store_failed(c, r);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		json_object_set_new(v, "current", json_boolean(
			json_integer_value(json_object_get(v, "revision")) == doc_current(c, which)));
	cd_api_reply(c, 200, a);
}

void cd_api_revs_diff(struct ctx *c, enum cd_doc which)
{
	int64_t from = 0, to = 0;
	if (!cd_api_q_int(c, "from", 1, INT64_MAX, &from) ||
	    !cd_api_q_int(c, "to", 1, INT64_MAX, &to))
		return;
	if (!from) {
		cd_api_error(c, 400, "from", "'from' is required");
		return;
	}
	struct cd_revision a = { 0 }, b = { 0 };
	int r = doc_get(c, which, from, &a);
	if (r == 0)
		r = doc_get(c, which, to, &b);   /* 0: the newest */
	if (r == -ENOENT) {
		cd_api_error(c, 404, a.doc ? "to" : "from", "there is no revision %lld",
		      (long long)(a.doc ? to : from));
	} else if (r < 0) {
		cd_api_store_failed(c, r);
	} else {
		char la[32], lb[32];
		snprintf(la, sizeof(la), "revision %lld", (long long)a.rev);
		snprintf(lb, sizeof(lb), "revision %lld", (long long)b.rev);
		char *d = cd_diff_text(la, a.doc, lb, b.doc);
		cd_api_reply(c, 200, json_pack("{s:I, s:I, s:s}", "from", (json_int_t)a.rev,
					"to", (json_int_t)b.rev, "diff", d));
		free(d);
	}
	cd_revision_free(&a);
	cd_revision_free(&b);
}

void cd_api_revs_rollback(struct ctx *c, enum cd_doc which)
{
	static const struct field f[] = { { "revision", F_INT, true, 0 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_int_t rev = json_integer_value(json_object_get(c->body, "revision"));
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t nrev;
	int r = rev <= 0 ? -ENOENT : which == CD_DOC_ALERTS
		? cd_mgr_alerts_rollback(c->m, rev, &c->actor, &d, &nrev)
		: cd_mgr_rollback(c->m, rev, &c->actor, &d, &nrev);
	if (r == -ENOENT)
		cd_api_error(c, 404, "revision", "there is no revision %lld", (long long)rev);
	else if (r == -EINVAL)
		cd_api_doc_errors(c, which == CD_DOC_ALERTS ? "that revision does not load"
				  : "that revision does not load with the current inventory", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 201, json_pack("{s:I, s:I, s:I}", "revision", (json_int_t)nrev,
					"restored", (json_int_t)rev, "seq", (json_int_t)cd_mgr_seq(c->m)));
	cd_diags_free(&d);
}

void cd_api_h_policy_history(struct ctx *c)
{
	cd_api_revs_history(c, CD_DOC_POLICY);
}

void cd_api_h_policy_diff(struct ctx *c)
{
	cd_api_revs_diff(c, CD_DOC_POLICY);
}

void cd_api_h_rollback(struct ctx *c)
{
	cd_api_revs_rollback(c, CD_DOC_POLICY);
}

void cd_api_h_groups(struct ctx *c)
{
	cd_api_reply(c, 200, cd_groups_json(cd_mgr_state(c->m)));
}

/* (before a first policy: revision 0, the empty policy's tables; "no
 * policy yet" is a state, not an error) */
void cd_api_h_policy_rules(struct ctx *c)
{
	json_t *o = cd_policy_json(cd_mgr_state(c->m));
	json_object_set_new(o, "revision", json_integer(cd_mgr_policy_rev(c->m)));
	cd_api_reply(c, 200, o);
}

void cd_api_h_explain(struct ctx *c)
{
	struct cd_flow f;
	char why[256];
	const char *field;
	if (cd_flow_parse(cd_mgr_state(c->m), cd_api_q(c, "from"), cd_api_q(c, "to"),
			  cd_api_q(c, "proto"), cd_api_q(c, "port"), "", &f, &field, why,
			  sizeof(why)) < 0) {
		cd_api_error(c, 400, field, "%s", why);
		return;
	}
	struct cd_verdict v;
	const struct cd_state *st = cd_mgr_state(c->m);
	cd_explain(st, &f, &v);
	json_t *o = cd_verdict_json(&v), *warn = json_array();
	/* the answer is the policy's; where a host cannot filter a vNIC, the
	 * kernel does not apply it, and the answer says so */
	static const char *const stage[2] = { "egress", "ingress" };
	for (int s = 0; s < 2; s++) {
		const struct cd_stage_result *r = &v.stage[s];
		if (!r->checked)
			continue;
		const struct cd_workload *w = &st->inv.w[r->wl];
		const char *dev = w->vnics[r->vnic].ifname;
		const char *reason = cd_mgr_vnic_unenforced(c->m, w->host, dev);
		if (!reason)
			continue;
		json_object_set_new(json_object_get(o, stage[s]), "not_enforced", json_string(reason));
		json_array_append_new(warn, json_sprintf("%s at %s (%s): vNIC NOT enforced on host %s: "
							 "%s; the kernel does not apply this verdict",
							 stage[s], w->name, dev, w->host, reason));
	}
	if (json_array_size(warn))
		json_object_set_new(o, "warnings", warn);
	else
		json_decref(warn);
	cd_api_reply(c, 200, o);
}

