/* report.c - text and JSON views of groups and verdicts. */
#include "policy/report.h"

#include <stdlib.h>

json_t *cd_groups_json(const struct cd_state *st)
{
	json_t *o = json_object();
	for (size_t g = 0; g < st->pol.ngroups; g++) {
		size_t n;
		const char **names = cd_members_names(&st->mem, g, &n);
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(names[i]));
		json_object_set_new(o, st->pol.groups[g].name, a);
		free(names);
	}
	return o;
}

void cd_groups_text(const struct cd_state *st, FILE *f)
{
	for (size_t g = 0; g < st->pol.ngroups; g++) {
		size_t n;
		const char **names = cd_members_names(&st->mem, g, &n);
		fprintf(f, "%s (%zu):", st->pol.groups[g].name, n);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%s", i ? ", " : " ", names[i]);
		fprintf(f, "\n");
		free(names);
	}
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *refs_json(const struct cd_ref *r, size_t n)
{
	static const char *const pre[] = { [CD_REF_GROUP] = "group:", [CD_REF_WORKLOAD] = "workload:",
					   [CD_REF_IPSET] = "ipset:" };
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char buf[CD_ADDR_STRLEN];
		if (r[i].kind == CD_REF_ANY || r[i].kind == CD_REF_HOST)
			json_array_append_new(a, json_string(r[i].kind == CD_REF_ANY ? "any" : "host"));
		else if (r[i].kind == CD_REF_ADDR)
			json_array_append_new(a, json_string(cd_addr_fmt(&r[i].addr, buf)));
		else
			json_array_append_new(a, json_sprintf("%s%s", pre[r[i].kind], r[i].name));
	}
	return a;
}

json_t *cd_policy_json(const struct cd_state *st)
{
	static const char *const dirs[] = { [CD_DIR_IN] = "in", [CD_DIR_OUT] = "out", [CD_DIR_IN_OUT] = "in-out" };
	const struct cd_policy *pol = &st->pol;
	json_t *groups = json_array(), *rules = json_array();
	for (size_t g = 0; g < pol->ngroups; g++) {
		const struct cd_group *gr = &pol->groups[g];
		size_t n;
		const char **names = cd_members_names(&st->mem, g, &n);
		json_t *m = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(m, json_string(names[i]));
		free(names);
		json_array_append_new(groups, json_pack("{s:s, s:s?, s:o, s:o, s:o, s:i}", "name", gr->name,
							"match", gr->match_text,
							"include", strv_json(gr->include, gr->ninclude),
							"exclude", strv_json(gr->exclude, gr->nexclude),
							"members", m, "line", gr->loc.line));
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct cd_rule *r = &pol->rules[i];
		json_array_append_new(rules, json_pack("{s:I, s:s?, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:i}",
			"id", (json_int_t)r->id, "name", r->name, "category", cd_category_name(r->category),
			"action", cd_action_name(r->action), "mode", r->staged ? "staged" : "enforced",
			"direction", dirs[r->direction],
			"source", refs_json(r->src, r->nsrc), "destination", refs_json(r->dst, r->ndst),
			"services", r->nsvc_raw ? strv_json(r->svc_raw, r->nsvc_raw) : json_pack("[s]", "any"),
			"applied_to", refs_json(r->applied, r->napplied), "disabled", r->disabled,
			"log", r->log, "line", r->loc.line));
	}
	return json_pack("{s:s, s:o, s:o}", "default_action", cd_action_name(pol->default_action),
			 "groups", groups, "rules", rules);
}

static json_t *stage_json(const struct cd_stage_result *s)
{
	if (!s->checked)
		return json_null();
	json_t *o = json_pack("{s:s, s:o}", "verdict", cd_action_name(s->verdict),
			      "rule", s->rule ? json_integer(s->rule->id) : json_null());
	if (s->staged)
		json_object_set_new(o, "staged", json_pack("{s:s, s:I}",
			"verdict", cd_action_name(s->staged->action), "rule", (json_int_t)s->staged->id));
	return o;
}

json_t *cd_verdict_json(const struct cd_verdict *v)
{
	json_t *o = json_pack("{s:s, s:o, s:o}", "verdict", cd_action_name(v->verdict),
			      "egress", stage_json(&v->stage[CD_EGRESS]),
			      "ingress", stage_json(&v->stage[CD_INGRESS]));
	if (v->staged)
		json_object_set_new(o, "staged_verdict", json_string(cd_action_name(v->staged_verdict)));
	return o;
}

/* "by rule 7 "name" (category, line 12)" and the line's end */
static void rule_text(const struct cd_rule *r, FILE *out)
{
	if (!r) {
		fprintf(out, "by default_action\n");
		return;
	}
	fprintf(out, "by rule %u", r->id);
	if (r->name)
		fprintf(out, " \"%s\"", r->name);
	fprintf(out, " (%s, line %d)\n", cd_category_name(r->category), r->loc.line);
}

static void stage_text(const struct cd_state *st, const char *what,
		       const struct cd_stage_result *s, bool host, FILE *out)
{
	if (!s->checked) {
		fprintf(out, "  %-8s %s: no check\n", what, host ? "the host itself" : "not managed");
		return;
	}
	const struct cd_workload *w = &st->inv.w[s->wl];
	fprintf(out, "  %-8s at %s (%s): %s ", what, w->name,
		w->vnics[s->vnic].ifname, cd_action_name(s->verdict));
	rule_text(s->rule, out);
	if (s->staged) {                   /* matched first, not enforced */
		fprintf(out, "  %-8s staged: %s ", "", cd_action_name(s->staged->action));
		rule_text(s->staged, out);
	}
}

void cd_verdict_text(const struct cd_state *st, const struct cd_flow *f,
		     const struct cd_verdict *v, FILE *out)
{
	char a[CD_ADDR_STRLEN], b[CD_ADDR_STRLEN];
	fprintf(out, "%s: %s %s -> %s", cd_action_name(v->verdict),
		cd_proto_name(f->proto), f->src_host ? "host" : cd_addr_fmt(&f->src, a),
		f->dst_host ? "host" : cd_addr_fmt(&f->dst, b));
	if (f->proto != CD_PROTO_ICMP)
		fprintf(out, " port %u", f->port);
	if (v->staged)
		fprintf(out, "  (staged: %s)", cd_action_name(v->staged_verdict));
	fprintf(out, "\n");
	stage_text(st, "egress", &v->stage[CD_EGRESS], f->src_host, out);
	stage_text(st, "ingress", &v->stage[CD_INGRESS], f->dst_host, out);
}
