/* impact.c - a draft policy against the flows seen (see impact.h). */
#include "manager/impact.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "manager/mgr_priv.h"
#include "manager/store.h"
#include "policy/eval.h"

struct impact {
	const struct cd_state *now, *draft;
	struct cd_explainer *xnow, *xdraft;   /* their programs, compiled once */
	json_t *changed;
	int64_t unchanged;
};

/* The rule that decided a flow: the first end that denies it, else the
 * first end that checked it (NULL: the default action, or no check). */
static const struct cd_rule *decider(const struct cd_verdict *v)
{
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++)
		if (v->stage[s].checked && v->stage[s].verdict != CD_ALLOW)
			return v->stage[s].rule;
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++)
		if (v->stage[s].checked)
			return v->stage[s].rule;
	return NULL;
}

static json_t *side(const struct cd_verdict *v)
{
	const struct cd_rule *r = decider(v);
	return json_pack("{s:s, s:o}", "verdict", cd_action_name(v->verdict), "rule",
			 r ? json_pack("{s:I, s:s?, s:s}", "id", (json_int_t)r->id, "name", r->name,
				       "category", cd_category_name(r->category))
			   : json_null());
}

static json_t *proto_json(int p)
{
	return p == IPPROTO_TCP ? json_string("tcp") : p == IPPROTO_UDP ? json_string("udp")
	       : p == IPPROTO_ICMP ? json_string("icmp") : p == IPPROTO_ICMPV6 ? json_string("icmpv6")
	       : json_integer(p);
}

static int one(void *arg, const struct cd_flow_key *k)
{
	struct impact *x = arg;
	struct cd_flow f = { .port = (uint16_t)k->port };
	const char *why;
	if (k->proto == IPPROTO_TCP)
		f.proto = CD_PROTO_TCP;
	else if (k->proto == IPPROTO_UDP)
		f.proto = CD_PROTO_UDP;
	else if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6)
		f.proto = CD_PROTO_ICMP;
	if (!f.proto || cd_addr_parse(k->src_ip, false, &f.src, &why) < 0 ||
	    cd_addr_parse(k->dst_ip, false, &f.dst, &why) < 0 || f.src.family != f.dst.family) {
		x->unchanged++;
		return 0;
	}
	struct cd_verdict before, after;
	cd_explainer_run(x->xnow, &f, &before);
	cd_explainer_run(x->xdraft, &f, &after);
	if (before.verdict == after.verdict) {
		x->unchanged++;
		return 0;
	}
	char t[CD_TIME_STRLEN];
	json_array_append_new(x->changed, json_pack(
		"{s:{s:s?, s:s}, s:{s:s?, s:s}, s:o, s:o, s:o, s:o, s:I, s:s}",
		"source", "workload", k->src_wl, "ip", k->src_ip,
		"destination", "workload", k->dst_wl, "ip", k->dst_ip,
		"protocol", proto_json(k->proto), "port", k->port ? json_integer(k->port) : json_null(),
		"before", side(&before), "after", side(&after), "connections", (json_int_t)k->connections,
		"last_seen", cd_time_fmt(k->last_minute * 1000, t)));
	return 0;
}

int cd_mgr_policy_impact(struct cd_mgr *m, const char *name, const char *text, size_t len,
			 int64_t since, int64_t until, json_t **out, struct cd_diags *d)
{
	struct cd_state *draft;
	if (cd_mgr_build(&draft, cd_mgr_inventory(m), name, text, len, d) < 0)
		return -EINVAL;
	struct impact x = { cd_mgr_state(m), draft, cd_explainer_new(cd_mgr_state(m)),
			    cd_explainer_new(draft), json_array(), 0 };
	struct cd_flow_filter f = { .since = since, .until = until, .proto = -1, .rule = -1,
				    .dedupe = true };
	int r = cd_store_flow_keys(m->store, &f, one, &x);
	cd_explainer_free(x.xnow);
	cd_explainer_free(x.xdraft);
	cd_mgr_state_drop(draft);
	if (r < 0) {
		json_decref(x.changed);
		return r;
	}
	*out = json_pack("{s:o, s:I}", "changed", x.changed, "unchanged", (json_int_t)x.unchanged);
	return 0;
}
