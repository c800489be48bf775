/* parse_policy.c - the policy document: ipsets, services, groups, rules
 * (in categories), antimalware; rules sorted for evaluation. */
#include "policy/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse_priv.h"
#include "policy/sel.h"

#define IPSET_LIST(P, X) X(P, NAME, "name") X(P, ADDRESSES, "addresses")
SCHEMA(IPSET, ipset, IPSET_LIST)
#define SERVICE_LIST(P, X) X(P, NAME, "name") X(P, ENTRIES, "entries")
SCHEMA(SERVICE, service, SERVICE_LIST)
#define GROUP_LIST(P, X) X(P, NAME, "name") X(P, MATCH, "match") \
	X(P, INCLUDE, "include") X(P, EXCLUDE, "exclude")
SCHEMA(GROUP, group, GROUP_LIST)
#define RULE_LIST(P, X) X(P, ID, "id") X(P, NAME, "name") \
	X(P, CATEGORY, "category") X(P, SOURCE, "source") \
	X(P, DESTINATION, "destination") X(P, SERVICE, "service") \
	X(P, ACTION, "action") X(P, DIRECTION, "direction") \
	X(P, APPLIED_TO, "applied_to") X(P, DISABLED, "disabled") X(P, LOG, "log") \
	X(P, MODE, "mode")
SCHEMA(RULE, rule, RULE_LIST)
#define ANTIMALWARE_LIST(P, X) X(P, QUARANTINE_TAG, "quarantine_tag") \
	X(P, TAG_ONLY_IF_REMEDIATION_FAILS, "tag_only_if_remediation_fails") \
	X(P, REMOVE_TAG_ON_CLEAN_FULL_SCAN, "remove_tag_on_clean_full_scan") \
	X(P, ACTION, "action") X(P, EVENT_DELIVERY, "event_delivery") \
	X(P, HEARTBEAT_SECONDS, "heartbeat_seconds") \
	X(P, EXCLUDE_PATHS, "exclude_paths") \
	X(P, FULL_SCAN_INTERVAL_HOURS, "full_scan_interval_hours") \
	X(P, RELEASE, "release")
SCHEMA(ANTIMALWARE, antimalware, ANTIMALWARE_LIST)
#define POLICY_LIST(P, X) X(P, DEFAULT_ACTION, "default_action") \
	X(P, IPSETS, "ipsets") X(P, SERVICES, "services") X(P, GROUPS, "groups") \
	X(P, RULES, "rules") X(P, ANTIMALWARE, "antimalware")
SCHEMA(POLICY, policy, POLICY_LIST)


static void parse_ipset(struct cd_yread *p, const struct cd_node *n,
			struct cd_policy *pol)
{
	const struct cd_node *v[IPSET_NKEYS];
	if (!cd_yr_map(p, n, "ipset", ipset_keys, IPSET_NKEYS, v))
		return;
	struct cd_ipset s = { .loc = n->loc };
	if (!v[IPSET_NAME])
		ERR(p, n, "ipset has no name");
	else
		s.name = cd_yr_str(p, v[IPSET_NAME], "ipset name");
	if (v[IPSET_ADDRESSES] && cd_yr_want_list(p, v[IPSET_ADDRESSES], "addresses")) {
		s.addrs = cd_calloc(v[IPSET_ADDRESSES]->nkids, sizeof(*s.addrs));
		for (size_t i = 0; i < v[IPSET_ADDRESSES]->nkids; i++) {
			const struct cd_node *a = v[IPSET_ADDRESSES]->kids[i];
			const char *why;
			if (!cd_yr_want_scalar(p, a, "address"))
				continue;
			if (cd_addr_parse(a->str, true, &s.addrs[s.n], &why) < 0)
				ERR(p, a, "bad address or CIDR \"%s\": %s", a->str, why);
			else
				s.n++;
		}
	}
	if (s.name) {
		size_t old;
		if (!cd_map_put(&pol->ipset_by_name, s.name, pol->nipsets, &old))
			ERR(p, n, "duplicate ipset name \"%s\" (first at line %d)",
			    s.name, pol->ipsets[old].loc.line);
	}
	CD_PUSH(pol->ipsets, pol->nipsets, pol->ipsets_cap, s);
}

static void parse_service(struct cd_yread *p, const struct cd_node *n,
			  struct cd_policy *pol)
{
	const struct cd_node *v[SERVICE_NKEYS];
	if (!cd_yr_map(p, n, "service", service_keys, SERVICE_NKEYS, v))
		return;
	struct cd_service s = { .loc = n->loc };
	if (!v[SERVICE_NAME])
		ERR(p, n, "service has no name");
	else
		s.name = cd_yr_str(p, v[SERVICE_NAME], "service name");
	if (!v[SERVICE_ENTRIES])
		ERR(p, n, "service has no entries");
	else if (cd_yr_want_list(p, v[SERVICE_ENTRIES], "entries")) {
		s.e = cd_calloc(v[SERVICE_ENTRIES]->nkids, sizeof(*s.e));
		for (size_t i = 0; i < v[SERVICE_ENTRIES]->nkids; i++) {
			const struct cd_node *e = v[SERVICE_ENTRIES]->kids[i];
			const char *why;
			if (!cd_yr_want_scalar(p, e, "service entry"))
				continue;
			if (cd_parse_svc(e->str, &s.e[s.n], &why) < 0)
				ERR(p, e, "bad service entry \"%s\": %s", e->str, why);
			else
				s.n++;
		}
		if (v[SERVICE_ENTRIES]->nkids == 0)
			ERR(p, v[SERVICE_ENTRIES], "service has an empty entries list");
	}
	if (s.name) {
		size_t old;
		if (!cd_map_put(&pol->service_by_name, s.name, pol->nservices, &old))
			ERR(p, n, "duplicate service name \"%s\" (first at line %d)",
			    s.name, pol->services[old].loc.line);
	}
	CD_PUSH(pol->services, pol->nservices, pol->services_cap, s);
}

static void parse_group(struct cd_yread *p, const struct cd_node *n,
			struct cd_policy *pol)
{
	const struct cd_node *v[GROUP_NKEYS];
	if (!cd_yr_map(p, n, "group", group_keys, GROUP_NKEYS, v))
		return;
	struct cd_group g = { .loc = n->loc };
	if (!v[GROUP_NAME])
		ERR(p, n, "group has no name");
	else
		g.name = cd_yr_str(p, v[GROUP_NAME], "group name");
	if (v[GROUP_MATCH] && !cd_node_is_null(v[GROUP_MATCH]) &&
	    cd_yr_want_scalar(p, v[GROUP_MATCH], "match")) {
		struct cd_loc at = v[GROUP_MATCH]->loc;
		if (!v[GROUP_MATCH]->plain)
			at.col++;   /* past the opening quote */
		cd_sel_parse(v[GROUP_MATCH]->str, at, &g.match, p->d);
		g.match_text = cd_strdup(v[GROUP_MATCH]->str);
	}
	if (v[GROUP_INCLUDE])
		cd_yr_strv(p, v[GROUP_INCLUDE], "include", &g.include, &g.ninclude, &g.include_loc);
	if (v[GROUP_EXCLUDE])
		cd_yr_strv(p, v[GROUP_EXCLUDE], "exclude", &g.exclude, &g.nexclude, &g.exclude_loc);
	if (g.name) {
		size_t old;
		if (!cd_map_put(&pol->group_by_name, g.name, pol->ngroups, &old))
			ERR(p, n, "duplicate group name \"%s\" (names are case-insensitive; first at line %d)",
			    g.name, pol->groups[old].loc.line);
	}
	CD_PUSH(pol->groups, pol->ngroups, pol->groups_cap, g);
}

static void parse_refs(struct cd_yread *p, const struct cd_node *n, const char *what,
		       bool applied_to, struct cd_ref **out, size_t *nout)
{
	if (!n || cd_node_is_null(n) || !cd_yr_want_list(p, n, what) || n->nkids == 0) {
		if (n && n->type == CD_NODE_SEQ && n->nkids == 0)
			ERR(p, n, "%s is an empty list (leave it out for [any])", what);
		*out = cd_calloc(1, sizeof(**out));
		(*out)->kind = CD_REF_ANY;
		*nout = 1;
		return;
	}
	*out = cd_calloc(n->nkids, sizeof(**out));
	*nout = 0;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct cd_node *e = n->kids[i];
		const char *why;
		if (!cd_yr_want_scalar(p, e, what))
			continue;
		struct cd_ref *r = &(*out)[*nout];
		if (cd_parse_ref(e->str, applied_to, r, &why) < 0) {
			ERR(p, e, "bad %s entry \"%s\": %s", what, e->str, why);
			continue;
		}
		r->loc = e->loc;
		(*nout)++;
	}
	if (*nout == 0) {   /* every entry was bad: keep [any] for the model */
		(*out)[0] = (struct cd_ref){ .kind = CD_REF_ANY };
		*nout = 1;
	}
}

static void parse_rule(struct cd_yread *p, const struct cd_node *n,
		       struct cd_policy *pol)
{
	static const char *const cats[] = { "emergency", "infrastructure",
					    "environment", "application" };
	static const char *const acts[] = { "allow", "drop", "reject" };
	static const char *const dirs[] = { "in", "out", "in_out" };
	static const char *const modes[] = { "enforced", "staged" };
	const struct cd_node *v[RULE_NKEYS];
	if (!cd_yr_map(p, n, "rule", rule_keys, RULE_NKEYS, v))
		return;
	struct cd_rule r = { .loc = n->loc, .category = CD_CAT_APPLICATION,
			     .direction = CD_DIR_IN_OUT, .order = pol->nrules };
	int e;
	if (!v[RULE_ID])
		ERR(p, n, "rule has no id");
	else
		cd_yr_uint(p, v[RULE_ID], "rule id", 1, UINT32_MAX, &r.id);
	if (v[RULE_NAME] && !cd_node_is_null(v[RULE_NAME]))
		r.name = cd_yr_str(p, v[RULE_NAME], "rule name");
	if (v[RULE_CATEGORY] && cd_yr_enum(p, v[RULE_CATEGORY], "category", cats, 4, &e))
		r.category = (enum cd_category)e;
	parse_refs(p, v[RULE_SOURCE], "source", false, &r.src, &r.nsrc);
	parse_refs(p, v[RULE_DESTINATION], "destination", false, &r.dst, &r.ndst);
	if (v[RULE_SERVICE] && !cd_node_is_null(v[RULE_SERVICE])) {
		cd_yr_strv(p, v[RULE_SERVICE], "service", &r.svc_raw, &r.nsvc_raw, &r.svc_raw_loc);
		if (v[RULE_SERVICE]->type == CD_NODE_SEQ && v[RULE_SERVICE]->nkids == 0)
			ERR(p, v[RULE_SERVICE], "service is an empty list (leave it out for [any])");
	}
	if (!v[RULE_ACTION])
		ERR(p, n, "rule %u has no action (allow, drop or reject)", r.id);
	else if (cd_yr_enum(p, v[RULE_ACTION], "action", acts, 3, &e))
		r.action = (enum cd_action)e;
	if (v[RULE_DIRECTION] && cd_yr_enum(p, v[RULE_DIRECTION], "direction", dirs, 3, &e))
		r.direction = e == 0 ? CD_DIR_IN : e == 1 ? CD_DIR_OUT : CD_DIR_IN_OUT;
	parse_refs(p, v[RULE_APPLIED_TO], "applied_to", true, &r.applied, &r.napplied);
	if (v[RULE_DISABLED])
		cd_yr_bool(p, v[RULE_DISABLED], "disabled", &r.disabled);
	if (v[RULE_LOG])
		cd_yr_bool(p, v[RULE_LOG], "log", &r.log);
	if (v[RULE_MODE] && cd_yr_enum(p, v[RULE_MODE], "mode", modes, 2, &e))
		r.staged = e == 1;
	for (size_t i = 0; i < pol->nrules && r.id; i++) {
		if (pol->rules[i].id == r.id) {
			ERR(p, v[RULE_ID], "duplicate rule id %u (first at line %d)", r.id,
			    pol->rules[i].loc.line);
			break;
		}
	}
	CD_PUSH(pol->rules, pol->nrules, pol->rules_cap, r);
}

static void parse_antimalware(struct cd_yread *p, const struct cd_node *n,
			      struct cd_policy *pol)
{
	static const char *const acts[] = { "quarantine_file", "delete", "report" };
	static const char *const dels[] = { "immediate", "heartbeat" };
	static const char *const rels[] = { "scan", "operator" };
	const struct cd_node *v[ANTIMALWARE_NKEYS];
	struct cd_antimalware *am = &pol->am;
	int e;
	if (!cd_yr_map(p, n, "antimalware", antimalware_keys, ANTIMALWARE_NKEYS, v))
		return;
	if (v[ANTIMALWARE_RELEASE] && cd_yr_enum(p, v[ANTIMALWARE_RELEASE], "release", rels, 2, &e))
		am->release = (enum cd_am_release)e;
	if (v[ANTIMALWARE_FULL_SCAN_INTERVAL_HOURS])
		cd_yr_uint(p, v[ANTIMALWARE_FULL_SCAN_INTERVAL_HOURS], "full_scan_interval_hours", 0,
			      8760, &am->full_scan_interval_hours);
	if (v[ANTIMALWARE_QUARANTINE_TAG]) {
		char *t = cd_yr_str(p, v[ANTIMALWARE_QUARANTINE_TAG], "quarantine_tag");
		if (t) {
			free(am->quarantine_tag);
			am->quarantine_tag = t;
		}
	}
	if (v[ANTIMALWARE_TAG_ONLY_IF_REMEDIATION_FAILS])
		cd_yr_bool(p, v[ANTIMALWARE_TAG_ONLY_IF_REMEDIATION_FAILS], "tag_only_if_remediation_fails",
			 &am->tag_only_if_remediation_fails);
	if (v[ANTIMALWARE_REMOVE_TAG_ON_CLEAN_FULL_SCAN])
		cd_yr_bool(p, v[ANTIMALWARE_REMOVE_TAG_ON_CLEAN_FULL_SCAN], "remove_tag_on_clean_full_scan",
			 &am->remove_tag_on_clean_full_scan);
	if (v[ANTIMALWARE_ACTION] &&
	    cd_yr_enum(p, v[ANTIMALWARE_ACTION], "antimalware action", acts, 3, &e))
		am->action = (enum cd_am_action)e;
	if (v[ANTIMALWARE_EVENT_DELIVERY] &&
	    cd_yr_enum(p, v[ANTIMALWARE_EVENT_DELIVERY], "event_delivery", dels, 2, &e))
		am->event_delivery = (enum cd_am_delivery)e;
	if (v[ANTIMALWARE_HEARTBEAT_SECONDS])
		cd_yr_uint(p, v[ANTIMALWARE_HEARTBEAT_SECONDS], "heartbeat_seconds", 1, 86400,
			      &am->heartbeat_seconds);
	if (v[ANTIMALWARE_EXCLUDE_PATHS]) {
		char **paths = NULL;
		size_t np = 0;
		cd_yr_strv(p, v[ANTIMALWARE_EXCLUDE_PATHS], "exclude_paths", &paths, &np, NULL);
		for (size_t i = 0; i < am->nexclude_paths; i++)
			free(am->exclude_paths[i]);
		free(am->exclude_paths);
		am->exclude_paths = paths;
		am->nexclude_paths = np;
		for (size_t i = 0; i < np; i++)
			if (paths[i][0] != '/')
				ERR(p, v[ANTIMALWARE_EXCLUDE_PATHS]->kids[i], "exclude path \"%s\" is not absolute",
				    paths[i]);
	}
}

static int cmp_rules(const void *a, const void *b)
{
	const struct cd_rule *x = a, *y = b;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int cd_parse_policy(const char *file, const char *buf, size_t len,
		    struct cd_policy *pol, struct cd_diags *d)
{
	struct cd_yread p = { .d = d, .errors = cd_nerrors(d) };
	struct cd_node *root;
	pol->file = file;
	if (cd_yaml_load(file, buf, len, &root, d) < 0)
		return -EINVAL;
	static const char *const dacts[] = { "allow", "drop" };
	/* the lists, each item parsed by its own function */
	static const struct {
		int key;
		void (*parse)(struct cd_yread *, const struct cd_node *, struct cd_policy *);
	} lists[] = { { POLICY_IPSETS, parse_ipset }, { POLICY_SERVICES, parse_service },
		      { POLICY_GROUPS, parse_group }, { POLICY_RULES, parse_rule } };
	const struct cd_node *v[POLICY_NKEYS];
	if (cd_yr_map(&p, root, "the policy", policy_keys, POLICY_NKEYS, v)) {
		int e;
		if (v[POLICY_DEFAULT_ACTION] &&
		    cd_yr_enum(&p, v[POLICY_DEFAULT_ACTION], "default_action", dacts, 2, &e))
			pol->default_action = e ? CD_DROP : CD_ALLOW;
		for (size_t l = 0; l < CD_ARRAY_LEN(lists); l++) {
			const struct cd_node *x = v[lists[l].key];
			if (!x || cd_node_is_null(x) || !cd_yr_want_list(&p, x, policy_keys[lists[l].key]))
				continue;
			for (size_t i = 0; i < x->nkids; i++)
				lists[l].parse(&p, x->kids[i], pol);
		}
		if (v[POLICY_ANTIMALWARE] && !cd_node_is_null(v[POLICY_ANTIMALWARE]))
			parse_antimalware(&p, v[POLICY_ANTIMALWARE], pol);
	}
	cd_node_free(root);
	/* evaluation order: by category, then as written (stable) */
	if (pol->nrules)
		qsort(pol->rules, pol->nrules, sizeof(*pol->rules), cmp_rules);
	return cd_nerrors(d) > p.errors ? -EINVAL : 0;
}

