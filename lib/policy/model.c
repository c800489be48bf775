/* model.c - life cycle of the inventory and policy structures. */
#include "policy/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/sel.h"

void cd_inventory_init(struct cd_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	cd_map_init(&inv->by_name);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cd_inventory_free(struct cd_inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		struct cd_workload *w = &inv->w[i];
		free(w->name);
		free(w->id);
		free(w->host);
		free(w->os);
		free(w->source);
		free(w->lname);
		free(w->lhost);
		free(w->los);
		free(w->lsource);
		free_strv(w->tags, w->ntags);
		free_strv(w->ltags, w->ntags);
		for (size_t j = 0; j < w->nvnics; j++) {
			free(w->vnics[j].ifname);
			free(w->vnics[j].mac);
			free(w->vnics[j].ips);
		}
		free(w->vnics);
	}
	free(inv->w);
	cd_map_free(&inv->by_name);
	cd_inventory_init(inv);
}

void cd_policy_init(struct cd_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->default_action = CD_ALLOW;
	pol->am.quarantine_tag = cd_strdup("ANTI_VIRUS.VirusFound.threat=high");
	pol->am.remove_tag_on_clean_full_scan = true;
	pol->am.action = CD_AM_QUARANTINE_FILE;
	pol->am.event_delivery = CD_AM_IMMEDIATE;
	pol->am.heartbeat_seconds = 60;
	pol->am.exclude_paths = cd_calloc(2, sizeof(char *));
	pol->am.exclude_paths[0] = cd_strdup("/proc");
	pol->am.exclude_paths[1] = cd_strdup("/sys");
	pol->am.nexclude_paths = 2;
}

static void free_refs(struct cd_ref *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].name);
	free(r);
}

void cd_policy_free(struct cd_policy *pol)
{
	for (size_t i = 0; i < pol->nipsets; i++) {
		free(pol->ipsets[i].name);
		free(pol->ipsets[i].addrs);
	}
	free(pol->ipsets);
	for (size_t i = 0; i < pol->nservices; i++) {
		free(pol->services[i].name);
		free(pol->services[i].e);
	}
	free(pol->services);
	for (size_t i = 0; i < pol->ngroups; i++) {
		struct cd_group *g = &pol->groups[i];
		free(g->name);
		cd_sel_free(g->match);
		free(g->match_text);
		free_strv(g->include, g->ninclude);
		free_strv(g->exclude, g->nexclude);
		free(g->include_loc);
		free(g->exclude_loc);
		free(g->inc_idx);
		free(g->exc_idx);
	}
	free(pol->groups);
	for (size_t i = 0; i < pol->nrules; i++) {
		struct cd_rule *r = &pol->rules[i];
		free(r->name);
		free_refs(r->src, r->nsrc);
		free_refs(r->dst, r->ndst);
		free_refs(r->applied, r->napplied);
		free_strv(r->svc_raw, r->nsvc_raw);
		free(r->svc_raw_loc);
		free(r->svc);
	}
	free(pol->rules);
	free(pol->am.quarantine_tag);
	free_strv(pol->am.exclude_paths, pol->am.nexclude_paths);
	cd_map_free(&pol->ipset_by_name);
	cd_map_free(&pol->service_by_name);
	cd_map_free(&pol->group_by_name);
	free(pol->group_order);
	memset(pol, 0, sizeof(*pol));
}

const char *cd_action_name(enum cd_action a)
{
	switch (a) {
	case CD_ALLOW: return "allow";
	case CD_DROP: return "drop";
	case CD_REJECT: return "reject";
	}
	return "?";
}

const char *cd_category_name(enum cd_category c)
{
	static const char *const n[] = { "emergency", "infrastructure",
					 "environment", "application" };
	return c < CD_CAT_COUNT ? n[c] : "?";
}

const char *cd_proto_name(enum cd_proto p)
{
	switch (p) {
	case CD_PROTO_ANY: return "any";
	case CD_PROTO_TCP: return "tcp";
	case CD_PROTO_UDP: return "udp";
	case CD_PROTO_ICMP: return "icmp";
	}
	return "?";
}

bool cd_workload_has_tag(const struct cd_workload *w, const char *tag)
{
	for (size_t i = 0; tag && i < w->ntags; i++)
		if (!strcasecmp(w->tags[i], tag))
			return true;
	return false;
}

long cd_inventory_find(const struct cd_inventory *inv, const char *name)
{
	size_t v;
	return cd_map_get(&inv->by_name, name, &v) ? (long)v : -1;
}

long cd_policy_find_group(const struct cd_policy *pol, const char *name)
{
	size_t v;
	return cd_map_get(&pol->group_by_name, name, &v) ? (long)v : -1;
}
