/* api_recommend.c - a policy recommended from the flows seen, and its
 * staged rules promoted (spec/flows.md, "Recommendation"). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manager/api_priv.h"
#include "manager/recommend.h"

#define PROMOTE_MAX 10000          /* rules in one promotion */

void cd_api_h_policy_recommend(struct ctx *c)
{
	static const struct field f[] = { { "group", F_STR, true, 1024 }, { "days", F_INT, false, 0 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *days = json_object_get(c->body, "days");
	json_int_t n = days ? json_integer_value(days) : 7;
	if (n < 1 || n > 366) {
		cd_api_error(c, 400, "days", "'days' must be from 1 to 366");
		return;
	}
	const char *group = json_string_value(json_object_get(c->body, "group"));
	int64_t now = cd_wall_ms();
	struct cd_diags d;
	cd_diags_init(&d);
	json_t *out;
	int r = cd_mgr_policy_recommend(c->m, group, now - n * 86400000LL, now, &out, &d);
	if (r == -ENOENT)
		cd_api_error(c, 404, "group", "the policy has no group \"%s\"", group);
	else if (r == -EINVAL || r == -ENOTSUP)
		cd_api_doc_errors(c, "the current policy cannot be edited in place", &d);
	else if (r == -E2BIG)
		cd_api_error(c, 422, "days", "the flows of these days are too many to recommend from "
			     "(classes, pairs or ports a pair past the bounds of docs/flows.md): "
			     "take fewer days");
	else if (r == -ERANGE)
		cd_api_error(c, 422, "group", "the new rules' ids would pass 4294967295");
	else if (r == -EPROTO)
		cd_api_error(c, 500, NULL, "the recommendation made does not load (a defect): %s",
			     d.n ? d.v[0].msg : "?");
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, out);
	cd_diags_free(&d);
}

void cd_api_h_policy_promote(struct ctx *c)
{
	static const struct field f[] = { { "rules", F_ARR, true, 0 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *a = json_object_get(c->body, "rules"), *v;
	size_t n = json_array_size(a), i;
	if (n == 0 || n > PROMOTE_MAX) {
		cd_api_error(c, 400, "rules", "'rules' must list 1 to %d rule ids", PROMOTE_MAX);
		return;
	}
	int64_t *ids = cd_calloc(n, sizeof(*ids));
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > UINT32_MAX) {
			cd_api_error(c, 400, "rules", "'rules'[%zu] must be a rule id (a positive integer)", i);
			free(ids);
			return;
		}
		ids[i] = json_integer_value(v);
	}
	struct cd_diags d;
	cd_diags_init(&d);
	size_t changed = 0;
	int64_t rev = 0;
	int r = cd_mgr_promote(c->m, ids, n, &c->actor, &d, &rev, &changed);
	if (r == -ENOENT)
		cd_api_doc_errors(c, "a rule to promote is not in the policy", &d);
	else if (r == -EINVAL || r == -ENOTSUP)
		cd_api_doc_errors(c, "the current policy cannot be edited in place", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else if (!changed)
		cd_api_error(c, 409, "rules", "none of these rules is staged");
	else
		cd_api_reply(c, 201, json_pack("{s:I, s:I, s:I}", "revision", (json_int_t)rev,
					       "promoted", (json_int_t)changed, "seq",
					       (json_int_t)cd_mgr_seq(c->m)));
	free(ids);
	cd_diags_free(&d);
}
