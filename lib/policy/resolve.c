/* resolve.c - name binding, service flattening, group ordering. */
#include "policy/resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse.h"
#include "policy/sel.h"

static void resolve_names(const struct cd_inventory *inv, char **names,
			  struct cd_loc *locs, size_t n, size_t **out,
			  size_t *nout, const char *what, struct cd_diags *d)
{
	*out = cd_calloc(n ? n : 1, sizeof(size_t));
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		long w = cd_inventory_find(inv, names[i]);
		if (w < 0)
			cd_error(d, locs[i], "%s names unknown workload \"%s\"", what,
				 names[i]);
		else
			(*out)[(*nout)++] = (size_t)w;
	}
}

static void resolve_refs(const struct cd_inventory *inv,
			 const struct cd_policy *pol, struct cd_ref *refs,
			 size_t n, const char *what, struct cd_diags *d)
{
	for (size_t i = 0; i < n; i++) {
		struct cd_ref *r = &refs[i];
		size_t idx = 0;
		bool ok = true;
		switch (r->kind) {
		case CD_REF_GROUP:
			ok = cd_map_get(&pol->group_by_name, r->name, &idx);
			break;
		case CD_REF_IPSET:
			ok = cd_map_get(&pol->ipset_by_name, r->name, &idx);
			break;
		case CD_REF_WORKLOAD:
			ok = cd_map_get(&inv->by_name, r->name, &idx);
			break;
		default:
			break;
		}
		if (!ok)
			cd_error(d, r->loc, "%s names unknown %s \"%s\"", what,
				 r->kind == CD_REF_GROUP ? "group" :
				 r->kind == CD_REF_IPSET ? "ipset" : "workload",
				 r->name);
		r->idx = idx;
	}
}

static void resolve_services(const struct cd_policy *pol, struct cd_rule *r,
			     struct cd_diags *d)
{
	size_t cap = 0;
	free(r->svc);
	r->svc = NULL;
	r->nsvc = 0;
	r->svc_any = r->nsvc_raw == 0;
	for (size_t i = 0; i < r->nsvc_raw; i++) {
		size_t si;
		if (cd_map_get(&pol->service_by_name, r->svc_raw[i], &si)) {
			const struct cd_service *s = &pol->services[si];
			for (size_t j = 0; j < s->n; j++)
				CD_PUSH(r->svc, r->nsvc, cap, s->e[j]);
			continue;
		}
		struct cd_svc e;
		const char *why;
		if (cd_parse_svc(r->svc_raw[i], &e, &why) < 0) {
			cd_error(d, r->svc_raw_loc[i],
				 "service \"%s\" is neither a service of the policy nor an entry such as tcp/443 (%s)",
				 r->svc_raw[i], why);
			continue;
		}
		CD_PUSH(r->svc, r->nsvc, cap, e);
	}
	for (size_t i = 0; i < r->nsvc; i++)
		if (r->svc[i].proto == CD_PROTO_ANY)
			r->svc_any = true;
}

#define CD_GROUP_MAX_NESTING 256

/* Depth-first ordering of groups by the groups their selectors name. */
struct order {
	const struct cd_policy *pol;
	struct cd_diags *d;
	unsigned char *state;   /* 0 new, 1 on the path, 2 done */
	size_t *path;           /* groups on the current path */
	size_t npath;
	size_t *out;            /* the order being built */
	size_t nout;
	bool cycle;
};

struct deps { size_t *v; size_t n, cap; };

static void collect_deps(const struct cd_sel *c, void *ctx)
{
	struct deps *dp = ctx;
	if (c->field != CD_F_GROUP)
		return;
	for (size_t i = 0; i < c->ngroups; i++)
		CD_PUSH(dp->v, dp->n, dp->cap, c->groups[i]);
}

static void visit(struct order *o, size_t g)
{
	if (o->state[g] == 2)
		return;
	if (o->state[g] == 1) {
		if (o->cycle)
			return;
		o->cycle = true;
		struct cd_buf b;
		cd_buf_init(&b, 65536);
		size_t start = 0;
		while (o->path[start] != g)
			start++;
		for (size_t i = start; i < o->npath; i++)
			cd_buf_printf(&b, "%s -> ", o->pol->groups[o->path[i]].name);
		cd_buf_puts(&b, o->pol->groups[g].name);
		cd_error(o->d, o->pol->groups[g].loc, "groups form a cycle: %s",
			 b.data ? b.data : "");
		cd_buf_free(&b);
		return;
	}
	if (o->npath >= CD_GROUP_MAX_NESTING) {
		if (!o->cycle)
			cd_error(o->d, o->pol->groups[g].loc,
				 "groups nested more than %d levels deep",
				 CD_GROUP_MAX_NESTING);
		o->cycle = true;
		return;
	}
	o->state[g] = 1;
	o->path[o->npath++] = g;
	struct deps dp = { 0 };
	cd_sel_walk(o->pol->groups[g].match, collect_deps, &dp);
	for (size_t i = 0; i < dp.n; i++)
		visit(o, dp.v[i]);
	free(dp.v);
	o->npath--;
	o->state[g] = 2;
	o->out[o->nout++] = g;
}

/* Resolve a selector's group names: `group == "g"` must name a group of
 * pol; `group =~ "glob"` stands for every group whose name matches. */
static int sel_resolve(struct cd_sel *s, const struct cd_policy *pol, struct cd_diags *d)
{
	if (!s)
		return 0;
	int r = 0;
	if (s->op != CD_SEL_COND) {
		r = sel_resolve(s->l, pol, d);
		int r2 = sel_resolve(s->r, pol, d);
		return r ? r : r2;
	}
	if (s->field != CD_F_GROUP)
		return 0;
	free(s->groups);
	s->groups = NULL;
	s->ngroups = 0;
	size_t cap = 0;
	if (s->cmp == CD_CMP_EQ || s->cmp == CD_CMP_NE) {
		long g = cd_policy_find_group(pol, s->value);
		if (g < 0) {
			cd_error(d, s->loc, "selector names unknown group \"%s\"", s->value);
			return -EINVAL;
		}
		CD_PUSH(s->groups, s->ngroups, cap, (size_t)g);
		return 0;
	}
	for (size_t g = 0; g < pol->ngroups; g++) {
		char *ln = cd_lower(pol->groups[g].name);
		if (cd_glob(s->value, ln))
			CD_PUSH(s->groups, s->ngroups, cap, g);
		free(ln);
	}
	return 0;
}


int cd_resolve_sel(struct cd_sel *s, const struct cd_policy *pol, struct cd_diags *d)
{
	return sel_resolve(s, pol, d);
}

int cd_resolve(const struct cd_inventory *inv, struct cd_policy *pol,
	       struct cd_diags *d)
{
	size_t before = cd_nerrors(d);
	for (size_t i = 0; i < pol->ngroups; i++) {
		struct cd_group *g = &pol->groups[i];
		sel_resolve(g->match, pol, d);
		resolve_names(inv, g->include, g->include_loc, g->ninclude,
			      &g->inc_idx, &g->ninc_idx, "include", d);
		resolve_names(inv, g->exclude, g->exclude_loc, g->nexclude,
			      &g->exc_idx, &g->nexc_idx, "exclude", d);
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		struct cd_rule *r = &pol->rules[i];
		resolve_refs(inv, pol, r->src, r->nsrc, "source", d);
		resolve_refs(inv, pol, r->dst, r->ndst, "destination", d);
		resolve_refs(inv, pol, r->applied, r->napplied, "applied_to", d);
		resolve_services(pol, r, d);
	}
	if (cd_nerrors(d) > before)
		return -EINVAL;  /* selectors may name missing groups: no order */
	struct order o = {
		.pol = pol, .d = d,
		.state = cd_calloc(pol->ngroups + 1, 1),
		.path = cd_calloc(pol->ngroups + 1, sizeof(size_t)),
		.out = cd_calloc(pol->ngroups + 1, sizeof(size_t)),
	};
	for (size_t g = 0; g < pol->ngroups; g++)
		visit(&o, g);
	free(o.state);
	free(o.path);
	free(pol->group_order);
	pol->group_order = o.out;
	return cd_nerrors(d) > before ? -EINVAL : 0;
}
