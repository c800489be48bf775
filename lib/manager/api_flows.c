/* api_flows.c - flow records in the API: an agent's batches (POST
 * /api/v1/agent/flows) and the records read back with filters, pages and
 * sums (GET /api/v1/flows).  The shapes are flows.c's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/util.h"
#include "manager/api_priv.h"
#include "manager/impact.h"
#include "manager/flows.h"

void cd_api_h_agent_flows(struct ctx *c)
{
	static const struct field f[] = { { "batches", F_ARR, true, 0 } };
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	if (!c->tok.host) {
		cd_api_error(c, 403, NULL, "only a host's agent sends flow records");
		return;
	}
	/* the whole call checked before any of it is stored */
	struct cd_flows_call call;
	char field[128], why[256];
	if (cd_flows_parse(c->body, cd_mgr_now() / 1000, &call, field, sizeof(field), why,
			   sizeof(why)) < 0) {
		cd_api_error(c, 400, field, "%s: %s", field, why);
		return;
	}
	/* an agent's rate, as its events have (a batch sent again counts again) */
	size_t n = 0;
	int retry = 0;
	for (size_t i = 0; i < call.nb; i++)
		n += call.b[i].n;
	if (n && cd_mgr_agent_flows_admit(c->m, &c->actor, n, &retry) < 0) {
		cd_flows_call_free(&call);
		c->out->retry_after = retry;
		cd_api_error(c, 429, NULL, "over this agent's rate of flow records: again in %d s", retry);
		return;
	}
	int64_t acked, stored;
	int r = cd_mgr_flows_ingest(c->m, c->tok.host, c->tok.hash, &call, &acked, &stored);
	cd_flows_call_free(&call);
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	cd_api_reply(c, 200, json_pack("{s:I, s:I}", "acked", (json_int_t)acked, "stored",
				       (json_int_t)stored));
}

/* A workload's name or an address (as stored) into *name or *ip. */
static bool q_end(struct ctx *c, const char *key, const char **name, const char **ip,
		  char buf[CD_ADDR_STRLEN])
{
	const char *s = cd_api_q(c, key);
	if (!s)
		return true;
	struct cd_addr a;
	const char *why;
	if (cd_addr_parse(s, false, &a, &why) == 0) {
		*ip = cd_addr_fmt(&a, buf);
		return true;
	}
	if (!*s || strlen(s) > CD_FLOWS_STR_MAX) {
		cd_api_error(c, 400, key, "'%s' must be a workload's name or an address", key);
		return false;
	}
	*name = s;
	return true;
}

/* A tag or group: the pattern that finds it in the stored lists. */
static bool q_list(struct ctx *c, const char *key, char **like)
{
	const char *s = cd_api_q(c, key);
	if (!s)
		return true;
	bool ok = *s && strlen(s) <= CD_FLOWS_STR_MAX;
	for (const char *p = s; ok && *p; p++)
		ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (!ok) {
		cd_api_error(c, 400, key, "'%s' must be 1 to %d bytes without control characters", key,
			     CD_FLOWS_STR_MAX);
		return false;
	}
	*like = cd_flows_like(s);
	return true;
}

/* The words of the filters whose values are words. */
static bool q_word(struct ctx *c, const char *key, const char *const *words, size_t n,
		   const char *said, const char **out)
{
	const char *s = cd_api_q(c, key);
	if (!s)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, words[i])) {
			*out = words[i];
			return true;
		}
	cd_api_error(c, 400, key, "'%s' must be %s", key, said);
	return false;
}

static bool q_filter(struct ctx *c, struct cd_flow_filter *f, char ips[3][CD_ADDR_STRLEN])
{
	static const char *const verdicts[] = { "allowed", "dropped", "rejected", "would-drop",
						"would-reject" };
	static const char *const bools[] = { "true", "false" };
	int64_t now = cd_mgr_now() / 1000, port = 0, rule = -1;
	f->since = now - 3600 * 1000;
	f->proto = -1;
	f->rule = -1;
	const char *dd = "true";
	if (!cd_api_q_time(c, "since", &f->since) || !cd_api_q_time(c, "until", &f->until) ||
	    !q_end(c, "workload", &f->workload, &f->workload_ip, ips[0]) ||
	    !q_end(c, "source", &f->src_wl, &f->src_ip, ips[1]) ||
	    !q_end(c, "destination", &f->dst_wl, &f->dst_ip, ips[2]) ||
	    !q_list(c, "group", (char **)&f->group_like) || !q_list(c, "tag", (char **)&f->tag_like) ||
	    !cd_api_q_int(c, "port", 1, 65535, &port) ||
	    !q_word(c, "verdict", verdicts, CD_ARRAY_LEN(verdicts),
		    "allowed, dropped, rejected, would-drop or would-reject", &f->verdict) ||
	    !q_word(c, "dedupe", bools, 2, "true or false", &dd))
		return false;
	f->port = (int)port;
	f->dedupe = !strcmp(dd, "true");
	const char *p = cd_api_q(c, "protocol");
	if (p && (f->proto = cd_flows_proto(p)) < 0) {
		cd_api_error(c, 400, "protocol", "'protocol' must be tcp, udp, icmp, icmpv6 or a number "
			     "from 0 to 255");
		return false;
	}
	const char *r = cd_api_q(c, "rule");
	if (r && !strcmp(r, "default"))
		f->rule = 0;
	else if (!cd_api_q_int(c, "rule", 1, UINT32_MAX, &rule))
		return false;
	else if (r)
		f->rule = rule;
	f->host = cd_api_q(c, "host");
	if (f->host && (!*f->host || strlen(f->host) > CD_FLOWS_STR_MAX)) {
		cd_api_error(c, 400, "host", "'host' must be a host's name");
		return false;
	}
	/* a host's own view: what it saw is not some other host's */
	if (f->host)
		f->dedupe = false;
	if (f->until && f->until < f->since) {
		cd_api_error(c, 400, "until", "'until' is before 'since'");
		return false;
	}
	return true;
}

void cd_api_h_flows(struct ctx *c)
{
	struct cd_flow_filter f = { .limit = 100 };
	char ips[3][CD_ADDR_STRLEN];
	int64_t top = 0;
	json_t *out = NULL;
	char *next = NULL;
	if (!q_filter(c, &f, ips) || !cd_api_q_int(c, "limit", 1, CD_FLOWS_PAGE, &f.limit) ||
	    !cd_api_q_int(c, "top", 1, CD_FLOWS_PAGE, &top))
		goto out;
	const char *by = cd_api_q(c, "by"), *before = cd_api_q(c, "before");
	static const char *const bys[] = { [CD_FLOW_BY_PAIR] = "pair", [CD_FLOW_BY_PORT] = "port",
					   [CD_FLOW_BY_RULE] = "rule",
					   [CD_FLOW_BY_WORKLOAD] = "workload" };
	const char *byw = bys[CD_FLOW_BY_PAIR];
	if (!q_word(c, "by", bys, CD_ARRAY_LEN(bys), "pair, port, rule or workload", &byw))
		goto out;
	if (by && !top) {
		cd_api_error(c, 400, "by", "'by' goes with 'top'");
		goto out;
	}
	if (top && (before || cd_api_q(c, "limit"))) {
		cd_api_error(c, 400, before ? "before" : "limit", "'%s' does not go with 'top' (sums "
			     "are one page)", before ? "before" : "limit");
		goto out;
	}
	if (before) {
		char *end;
		errno = 0;
		f.before_minute = strtoll(before, &end, 10);
		if (*end == '-')
			f.before_id = strtoll(end + 1, &end, 10);
		if (errno || *end || f.before_minute <= 0 || f.before_id <= 0) {
			cd_api_error(c, 400, "before", "'before' must be the 'next' of the page before");
			goto out;
		}
	}
	out = json_array();
	int r;
	if (top) {
		enum cd_flow_by b = CD_FLOW_BY_PAIR;
		while (strcmp(bys[b], byw))
			b++;
		r = cd_mgr_flows_top(c->m, &f, b, top, out);
	} else {
		r = cd_mgr_flows(c->m, &f, out, &next);
	}
	if (r < 0) {
		cd_api_store_failed(c, r);
		goto out;
	}
	cd_api_reply(c, 200, json_pack("{s:O, s:s?}", "flows", out, "next", next));
	if (!next)
		json_object_set_new(c->out->body, "next", json_null());
out:
	json_decref(out);
	free(next);
	free((char *)f.group_like);
	free((char *)f.tag_like);
}

/* A time of a body: ms since the epoch, or an RFC 3339 string. */
static bool body_time(struct ctx *c, const char *key, int64_t *ms)
{
	json_t *v = json_object_get(c->body, key);
	int64_t us;
	if (!v)
		return true;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ms = json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && cd_time_parse(json_string_value(v), &us) == 0) {
		*ms = us / 1000;
		return true;
	}
	cd_api_error(c, 400, key, "'%s' must be an RFC 3339 time (2026-11-26T12:00:00Z) or ms since "
		     "the epoch", key);
	return false;
}

void cd_api_h_policy_impact(struct ctx *c)
{
	static const struct field f[] = {
		{ "policy", F_STR, true, 32u << 20 }, { "filename", F_STR, false, 1024 },
		{ "since", F_TIME, false, 0 }, { "until", F_TIME, false, 0 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	int64_t now = cd_wall_ms(), since = now - 7 * 86400 * 1000LL, until = now;
	if (!body_time(c, "since", &since) || !body_time(c, "until", &until))
		return;
	if (until < since) {
		cd_api_error(c, 400, "until", "'until' is before 'since'");
		return;
	}
	json_t *doc = json_object_get(c->body, "policy");
	const char *fn = json_string_value(json_object_get(c->body, "filename"));
	struct cd_diags d;
	cd_diags_init(&d);
	json_t *out;
	int r = cd_mgr_policy_impact(c->m, fn ? fn : "policy", json_string_value(doc),
				     json_string_length(doc), since, until, &out, &d);
	if (r == -EINVAL)
		cd_api_doc_errors(c, "the draft policy does not load", &d);
	else if (r == -E2BIG)
		cd_api_error(c, 422, "since", "more than %d distinct flows in the range (their sums are "
			     "held in memory): narrow it", CD_FLOW_KEYS_MAX);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, out);
	cd_diags_free(&d);
}
