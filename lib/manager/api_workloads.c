/* api_workloads.c - workloads, their tags, quarantine release, scans. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "base/util.h"

void cd_api_h_workloads(struct ctx *c)
{
	cd_api_reply(c, 200, cd_mgr_workloads(c->m));
}

static void cd_api_h_tag(struct ctx *c, bool add)
{
	const char *tag;
	if (add) {
		static const struct field f[] = { { "tag", F_STR, true, 256 } };
		if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
			return;
		tag = json_string_value(json_object_get(c->body, "tag"));
	} else {
		if (!(tag = cd_api_q(c, "tag"))) {
			cd_api_error(c, 400, "tag", "'tag' is required");
			return;
		}
	}
	int r = cd_mgr_tag(c->m, c->seg[0], tag, add, &c->actor);
	if (r == -ENOENT)
		cd_api_error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r == -EINVAL)
		cd_api_error(c, 400, "tag", "a tag is 1 to 256 bytes, without control characters");
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:s, s:b, s:I}", "workload", c->seg[0], "tag", tag,
					"changed", r == 1, "seq", (json_int_t)cd_mgr_seq(c->m)));
}

void cd_api_h_release(struct ctx *c)
{
	int r = cd_mgr_release(c->m, c->seg[0], &c->actor);
	if (r == -ENOENT)
		cd_api_error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:s, s:b, s:I}", "workload", c->seg[0], "tag",
					cd_mgr_quarantine_tag(c->m), "changed", r == 1,
					"seq", (json_int_t)cd_mgr_seq(c->m)));
}

void cd_api_h_scan(struct ctx *c)
{
	static const struct field f[] = { { "kind", F_STR, true, 8 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *kind = json_string_value(json_object_get(c->body, "kind"));
	if (strcmp(kind, "full") && strcmp(kind, "quick")) {
		cd_api_error(c, 400, "kind", "'kind' is full or quick");
		return;
	}
	int64_t id;
	int r = cd_mgr_scan(c->m, c->seg[0], kind, &c->actor, &id);
	if (r == -ENOENT)
		cd_api_error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "workload",
					c->seg[0], "kind", kind, "state", "requested"));
}

void cd_api_h_scan_get(struct ctx *c)
{
	char *end;
	long long id = strtoll(c->seg[0], &end, 10);
	struct cd_scan_req q = { 0 };
	int r = *end || id < 1 ? -ENOENT : cd_mgr_scan_get(c->m, id, &q);
	if (r == -ENOENT) {
		cd_api_error(c, 404, "id", "there is no scan %.32s", c->seg[0]);
		return;
	}
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	char t1[CD_TIME_STRLEN], t2[CD_TIME_STRLEN];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s}", "id", (json_int_t)q.id,
			      "workload", q.workload, "kind", q.kind, "state", q.state, "by", q.by,
			      "requested", cd_time_fmt(q.requested, t1), "updated", cd_time_fmt(q.updated, t2));
	json_object_set_new(o, "progress", q.result ? json_loads(q.result, 0, NULL) : json_null());
	cd_api_reply(c, 200, o);
	cd_scan_req_free(&q);
}

void cd_api_h_tag_add(struct ctx *c) { cd_api_h_tag(c, true); }
void cd_api_h_tag_rm(struct ctx *c) { cd_api_h_tag(c, false); }

