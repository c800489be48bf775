/* host.c - one host's table: build, render whole, update in place. */
#include "policy/host.h"
#include "policy/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_globs[] = CD_DEFAULT_VNIC_GLOBS;

/* Render both chains of vNIC k of h. */
static int render_vnic(const struct cd_host *h, const struct cd_state *st,
		       struct cd_host_vnic *hv, char *text[2])
{
	struct cd_prog p;
	int r = 0;
	cd_compile_vnic(st, hv->wl, hv->vnic, &p);
	for (int s = 0; s < 2 && r == 0; s++) {
		struct cd_buf b;
		cd_buf_init(&b, CD_RENDER_MAX);
		r = cd_render_chain(st, &h->names, &p, (enum cd_stage)s, &b);
		text[s] = cd_buf_steal(&b);
	}
	cd_prog_free(&p);
	return r;
}

static int cmp_set(const void *a, const void *b)
{
	const struct cd_host_set *x = a, *y = b;
	if (x->refs != y->refs)
		return x->refs > y->refs ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The sets of the table: a group's and an ipset's for every one a rule
 * names as source or destination, and the port sets; h->sets lists them
 * most named first (see host.h). */
static void table_sets(struct cd_host *h, const struct cd_policy *pol)
{
	h->group_set = cd_calloc(pol->ngroups + 1, sizeof(bool));
	h->ipset_set = cd_calloc(pol->nipsets + 1, sizeof(bool));
	size_t n = pol->ngroups + pol->nipsets + h->names.nport_sets;
	h->sets = cd_calloc(n + 1, sizeof(*h->sets));
	size_t *grefs = cd_calloc(pol->ngroups + 1, sizeof(size_t));
	size_t *irefs = cd_calloc(pol->nipsets + 1, sizeof(size_t));
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct cd_rule *r = &pol->rules[i];
		const struct cd_ref *lists[2] = { r->src, r->dst };
		size_t nl[2] = { r->nsrc, r->ndst };
		for (int l = 0; l < 2; l++)
			for (size_t j = 0; j < nl[l]; j++) {
				if (lists[l][j].kind == CD_REF_GROUP)
					grefs[lists[l][j].idx]++;
				else if (lists[l][j].kind == CD_REF_IPSET)
					irefs[lists[l][j].idx]++;
			}
	}
	for (size_t g = 0; g < pol->ngroups; g++)
		if ((h->group_set[g] = grefs[g] > 0))
			h->sets[h->nsets++] = (struct cd_host_set){ CD_SET_GROUP, g, grefs[g] };
	for (size_t i = 0; i < pol->nipsets; i++)
		if ((h->ipset_set[i] = irefs[i] > 0))
			h->sets[h->nsets++] = (struct cd_host_set){ CD_SET_IPSET, i, irefs[i] };
	for (size_t k = 0; k < h->names.nport_sets; k++)
		h->sets[h->nsets++] = (struct cd_host_set){ CD_SET_PORTS, k,
								     h->names.port_refs[k] };
	qsort(h->sets, h->nsets, sizeof(*h->sets), cmp_set);
	free(grefs);
	free(irefs);
}

int cd_host_build(struct cd_host *h, const struct cd_state *st,
		  const char *host, const struct cd_host_opts *opts)
{
	const struct cd_policy *pol = &st->pol;
	memset(h, 0, sizeof(*h));
	h->host = cd_strdup(host);
	h->unknown_accept = opts && opts->unknown_accept;
	const char *const *g = opts && opts->globs ? opts->globs : default_globs;
	size_t ng = opts && opts->globs ? opts->nglobs : CD_ARRAY_LEN(default_globs);
	h->globs = cd_calloc(ng + 1, sizeof(char *));
	for (size_t i = 0; i < ng; i++)
		h->globs[h->nglobs++] = cd_strdup(g[i]);
	cd_names_init(&h->names, pol);

	table_sets(h, pol);

	size_t cap = 0;
	for (size_t w = 0; w < st->inv.n; w++) {
		const struct cd_workload *wl = &st->inv.w[w];
		if (strcasecmp(wl->host, host) != 0)
			continue;
		for (size_t v = 0; v < wl->nvnics; v++) {
			struct cd_host_vnic hv = {
				.wl = w, .vnic = v,
				.ifname = cd_strdup(wl->vnics[v].ifname),
				.name = cd_vnic_name(wl->vnics[v].ifname),
			};
			if (render_vnic(h, st, &hv, hv.text) < 0) {
				CD_PUSH(h->v, h->n, cap, hv);
				return -E2BIG;
			}
			CD_PUSH(h->v, h->n, cap, hv);
		}
	}
	return 0;
}

void cd_host_free(struct cd_host *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].ifname);
		free(h->v[i].name);
		free(h->v[i].text[0]);
		free(h->v[i].text[1]);
	}
	free(h->v);
	for (size_t i = 0; i < h->nglobs; i++)
		free(h->globs[i]);
	free(h->globs);
	free(h->group_set);
	free(h->ipset_set);
	free(h->sets);
	cd_names_free(&h->names);
	free(h->host);
	memset(h, 0, sizeof(*h));
}

/* Indent each line of text by two tabs. */
static void indented(struct cd_buf *b, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) + 1 : strlen(text);
		if (cd_buf_puts(b, "\t\t") < 0 || cd_buf_add(b, text, n) < 0)
			return;            /* full: the caller's limit, said there */
		text += n;
	}
}

static void set_decl(struct cd_buf *b, const char *base, int fam, bool interval,
		     const char *elements)
{
	cd_buf_printf(b, "\tset %s_v%d {\n\t\ttype %s\n", base, fam,
		      fam == 4 ? "ipv4_addr" : "ipv6_addr");
	if (interval)
		cd_buf_puts(b, "\t\tflags interval\n\t\tauto-merge\n");
	if (*elements)
		cd_buf_printf(b, "\t\telements = { %s }\n", elements);
	cd_buf_puts(b, "\t}\n");
}

static void vnic_map(const struct cd_host *h, struct cd_buf *b, const char *dir)
{
	cd_buf_printf(b, "\n\tmap vnic_%s {\n\t\ttype ifname : verdict\n", dir);
	for (size_t k = 0; k < h->n; k++)
		cd_buf_printf(b, "%s\"%s\" : jump %s_%s", k ? ",\n\t\t\t     " : "\t\telements = { ",
			      h->v[k].ifname, dir, h->v[k].name);
	cd_buf_puts(b, h->n ? " }\n\t}\n" : "\t}\n");
}

/* The vNIC's addresses: what a bridged vNIC's packets are dispatched by
 * (see host.h). */
static const struct cd_vnic *vnic_of(const struct cd_state *st, const struct cd_host_vnic *hv)
{
	return &st->inv.w[hv->wl].vnics[hv->vnic];
}

/* map vnic_out_v4 { type ipv4_addr : verdict; elements = { ADDR : jump out_NAME } } */
static void addr_map(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b,
		     const char *dir, int fam)
{
	cd_buf_printf(b, "\n\tmap vnic_%s_v%d {\n\t\ttype %s : verdict\n", dir, fam,
		      fam == 4 ? "ipv4_addr" : "ipv6_addr");
	bool first = true;
	for (size_t k = 0; k < h->n; k++) {
		const struct cd_vnic *v = vnic_of(st, &h->v[k]);
		for (size_t a = 0; a < v->nips; a++) {
			if (v->ips[a].family != fam)
				continue;
			char buf[CD_ADDR_STRLEN];
			cd_buf_printf(b, "%s%s : jump %s_%s", first ? "\t\telements = { " : ",\n\t\t\t     ",
				      cd_addr_fmt(&v->ips[a], buf), dir, h->v[k].name);
			first = false;
		}
	}
	cd_buf_puts(b, first ? "\t}\n" : " }\n\t}\n");
}

/* What a workload sends to its own host (input) and the host sends to it
 * (output) goes through the same vNIC chains as forwarded traffic, after
 * what a VM's network needs of its host whatever the policy: DHCP and
 * DHCPv6 to it, DNS to it, neighbour discovery, and the host's DHCP
 * answers (docs/dataplane.md, "The host itself"). */
static void host_chains(const struct cd_host *h, struct cd_buf *b)
{
	for (int out = 0; out < 2; out++) {
		const char *hook = out ? "output" : "input", *key = out ? "oifname" : "iifname";
		cd_buf_printf(b, "\n\tchain %s {\n"
			      "\t\ttype filter hook %s priority filter; policy accept;\n"
			      "\t\tct state established,related accept\n"
			      "\t\ticmpv6 type nd-neighbor-solicit accept\n"
			      "\t\ticmpv6 type nd-neighbor-advert accept\n", hook, hook);
		if (out)
			cd_buf_puts(b, "\t\ticmpv6 type nd-router-advert accept\n"
				    "\t\tudp sport 67 accept\n\t\tudp sport 547 accept\n");
		else
			cd_buf_puts(b, "\t\ticmpv6 type nd-router-solicit accept\n"
				    "\t\tudp dport 67 accept\n\t\tudp dport 547 accept\n"
				    "\t\tudp dport 53 accept\n\t\ttcp dport 53 accept\n");
		for (size_t i = 0; i < h->nglobs && !h->unknown_accept; i++)
			cd_buf_printf(b, "\t\t%s \"%s\" %s != @vnics counter name \"unknown_vnic\" drop\n",
				      key, h->globs[i], key);
		const char *dir = out ? "in" : "out", *addr = out ? "daddr" : "saddr";
		cd_buf_printf(b, "\t\t%s vmap @vnic_%s\n"
			      "\t\t%s != @vnics ip %s vmap @vnic_%s_v4\n"
			      "\t\t%s != @vnics ip6 %s vmap @vnic_%s_v6\n\t}\n",
			      key, dir, key, addr, dir, key, addr, dir);
	}
}

int cd_host_render(const struct cd_host *h, const struct cd_state *st,
		   struct cd_buf *b)
{
	const struct cd_policy *pol = &st->pol;
	struct cd_buf el;
	size_t nrules = 0;
	for (size_t k = 0; k < h->n; k++)
		for (int s = 0; s < 2; s++)
			for (const char *c = h->v[k].text[s]; *c; c++)
				nrules += *c == '\n';
	cd_buf_printf(b, "# cordon %s: ruleset for host \"%s\": %zu vNICs, %zu rules\n",
		      CD_VERSION, h->host, h->n, nrules);
	cd_buf_printf(b, "table inet %s {\n", CD_TABLE);
	for (size_t i = 0; i < pol->nrules; i++) {
		char *c = cd_rule_comment(&pol->rules[i]);
		cd_buf_printf(b, "\tcounter r%u {\n\t\tcomment \"%s\"\n\t}\n",
			      pol->rules[i].id, c);
		free(c);
	}
	if (pol->default_action == CD_DROP)
		cd_buf_puts(b, "\tcounter default_out {\n\t}\n\tcounter default_in {\n\t}\n");
	cd_buf_puts(b, "\tcounter unknown_vnic {\n\t}\n");
	cd_buf_init(&el, CD_RENDER_MAX);
	for (size_t k = 0; k < h->nsets; k++) {
		const struct cd_host_set *s = &h->sets[k];
		if (s->kind == CD_SET_PORTS) {
			cd_buf_printf(b, "\tset %s {\n\t\ttype inet_proto . inet_service\n"
				      "\t\tflags interval\n\t\telements = { %s }\n\t}\n",
				      h->names.port_sets[s->idx], h->names.port_elements[s->idx]);
			continue;
		}
		bool ipset = s->kind == CD_SET_IPSET;
		for (int fam = 4; fam <= 6; fam += 2) {
			if (ipset && !cd_ipset_has_family(&pol->ipsets[s->idx], fam))
				continue;
			cd_buf_reset(&el);
			if (ipset)
				cd_render_ipset_elements(st, s->idx, fam, &el);
			else
				cd_render_group_elements(st, s->idx, fam, &el);
			set_decl(b, ipset ? h->names.ipset[s->idx] : h->names.group[s->idx], fam,
				 ipset, el.data ? el.data : "");
		}
	}
	cd_buf_free(&el);
	cd_buf_puts(b, "\tset vnics {\n\t\ttype ifname\n");
	for (size_t k = 0; k < h->n; k++)
		cd_buf_printf(b, "%s\"%s\"", k ? ", " : "\t\telements = { ", h->v[k].ifname);
	cd_buf_puts(b, h->n ? " }\n\t}\n" : "\t}\n");
	vnic_map(h, b, "out");
	vnic_map(h, b, "in");
	for (int d = 0; d < 2; d++)
		for (int fam = 4; fam <= 6; fam += 2)
			addr_map(h, st, b, d ? "in" : "out", fam);
	cd_buf_puts(b, "\n\tchain forward {\n"
		    "\t\ttype filter hook forward priority filter; policy accept;\n"
		    "\t\tct state established,related accept\n"
		    "\t\tct state invalid drop\n"
		    /* between two VMs on one bridge, neighbour discovery is
		     * forwarded: let it through as it goes between a routed
		     * guest and its host (SpoofGuard checks its source) */
		    "\t\ticmpv6 type nd-neighbor-solicit accept\n"
		    "\t\ticmpv6 type nd-neighbor-advert accept\n");
	if (!h->unknown_accept) {
		for (size_t i = 0; i < h->nglobs; i++)
			cd_buf_printf(b, "\t\tiifname \"%s\" iifname != @vnics counter name \"unknown_vnic\" drop\n"
				      "\t\toifname \"%s\" oifname != @vnics counter name \"unknown_vnic\" drop\n",
				      h->globs[i], h->globs[i]);
	}
	cd_buf_puts(b, "\t\tiifname vmap @vnic_out\n"
		    "\t\tiifname != @vnics ip saddr vmap @vnic_out_v4\n"
		    "\t\tiifname != @vnics ip6 saddr vmap @vnic_out_v6\n"
		    "\t\toifname vmap @vnic_in\n"
		    "\t\toifname != @vnics ip daddr vmap @vnic_in_v4\n"
		    "\t\toifname != @vnics ip6 daddr vmap @vnic_in_v6\n\t}\n");
	host_chains(h, b);
	for (size_t k = 0; k < h->n; k++) {
		const struct cd_host_vnic *hv = &h->v[k];
		const struct cd_workload *w = &st->inv.w[hv->wl];
		for (int s = 0; s < 2; s++) {
			cd_buf_printf(b, "\n\tchain %s_%s {\n\t\t# %s %s of workload \"%s\"\n",
				      s ? "in" : "out", hv->name, hv->ifname,
				      s ? "ingress" : "egress", w->name);
			indented(b, hv->text[s]);
			cd_buf_puts(b, "\t}\n");
		}
	}
	cd_guard_render_inet(h, st, b);
	cd_buf_puts(b, "}\n");
	return cd_guard_render_tables(h, st, b);
}

static int chain_rules(struct cd_buf *script, const char *chain, const char *name,
		       const char *text);

void cd_update_init(struct cd_update *u)
{
	memset(u, 0, sizeof(*u));
}

void cd_update_reset(struct cd_update *u)
{
	for (size_t i = 0; i < u->nrw; i++) {
		free(u->rw[i].old);
		free(u->rw[i].new);
	}
	u->nops = u->nrw = 0;
}

void cd_update_free(struct cd_update *u)
{
	cd_update_reset(u);
	free(u->rw);
	free(u->ops);
	memset(u, 0, sizeof(*u));
}

int cd_update_script(const struct cd_update *u, struct cd_buf *b)
{
	int r = 0;
	for (size_t i = 0; i < u->nops && r == 0; i++) {
		char buf[CD_ADDR_STRLEN];
		r = cd_buf_printf(b, "%s element inet %s %s { %s }\n",
				  u->ops[i].add ? "add" : "delete", CD_TABLE, u->ops[i].set,
				  cd_addr_fmt(&u->ops[i].addr, buf));
	}
	for (size_t i = 0; i < u->nrw && r == 0; i++) {
		const char *chain = u->rw[i].chain;
		size_t sep = strcspn(chain, "_");   /* out_NAME / in_NAME */
		char dir[8];
		snprintf(dir, sizeof(dir), "%.*s", (int)sep, chain);
		r = cd_buf_printf(b, "flush chain inet %s %s\n", CD_TABLE, chain);
		if (r == 0)
			r = chain_rules(b, dir, chain + sep + 1, u->rw[i].new);
	}
	return r;
}

int cd_host_retag(struct cd_host *h, const struct cd_state *st, size_t wl,
		  const struct cd_delta *delta, struct cd_update *u)
{
	int r = 0;
	/* the sets of the groups it joined or left */
	for (size_t i = 0; i < delta->n; i++) {
		const struct cd_delta_entry *e = &delta->v[i];
		if (!h->group_set[e->group])
			continue;
		const struct cd_workload *w = &st->inv.w[e->wl];
		for (size_t v = 0; v < w->nvnics; v++) {
			for (size_t a = 0; a < w->vnics[v].nips; a++) {
				struct cd_elem_op op = { .add = e->added, .addr = w->vnics[v].ips[a] };
				snprintf(op.set, sizeof(op.set), "%s_v%d", h->names.group[e->group],
					 op.addr.family);
				CD_PUSH(u->ops, u->nops, u->cap, op);
			}
		}
	}
	/* its own chains, if it lives here: applied_to and the local side of
	 * rules depend on its membership */
	for (size_t k = 0; k < h->n && r == 0; k++) {
		struct cd_host_vnic *hv = &h->v[k];
		if (hv->wl != wl)
			continue;
		char *text[2] = { NULL, NULL };
		r = render_vnic(h, st, hv, text);
		for (int s = 0; s < 2 && r == 0; s++) {
			if (strcmp(text[s], hv->text[s]) == 0)
				continue;
			const char *chain = s ? "in" : "out";
			struct cd_chain_rw rw = { .old = hv->text[s], .new = cd_strdup(text[s]) };
			snprintf(rw.chain, sizeof(rw.chain), "%s_%s", chain, hv->name);
			hv->text[s] = NULL;   /* the rewrite owns the old text now */
			CD_PUSH(u->rw, u->nrw, u->rwcap, rw);
			free(hv->text[s]);
			hv->text[s] = text[s];
			text[s] = NULL;
		}
		free(text[0]);
		free(text[1]);
	}
	return r;
}

/* Commands that set a chain's rules to text. */
static int chain_rules(struct cd_buf *script, const char *chain, const char *name,
		       const char *text)
{
	int r = 0;
	for (const char *c = text; *c && r == 0;) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		r = cd_buf_printf(script, "add rule inet %s %s_%s %.*s\n", CD_TABLE,
				  chain, name, (int)n, c);
		c += n + (nl ? 1 : 0);
	}
	return r;
}

static long find_vnic(const struct cd_host *h, const char *ifname)
{
	for (size_t k = 0; k < h->n; k++)
		if (strcmp(h->v[k].ifname, ifname) == 0)
			return (long)k;
	return -1;
}

/* add/delete element commands between two sorted address lists */
static int element_diff(struct cd_buf *script, const char *set,
			const struct cd_addr *a, size_t na,
			const struct cd_addr *b, size_t nb)
{
	size_t i = 0, j = 0;
	int r = 0;
	char buf[CD_ADDR_STRLEN];
	while ((i < na || j < nb) && r == 0) {
		int c = i == na ? 1 : j == nb ? -1 : cd_addr_cmp(&a[i], &b[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			r = cd_buf_printf(script, "delete element inet %s %s { %s }\n",
					  CD_TABLE, set, cd_addr_fmt(&a[i++], buf));
		} else {
			r = cd_buf_printf(script, "add element inet %s %s { %s }\n",
					  CD_TABLE, set, cd_addr_fmt(&b[j++], buf));
		}
	}
	return r;
}

static bool has_addr(const struct cd_vnic *v, const struct cd_addr *a)
{
	for (size_t i = 0; i < v->nips; i++)
		if (cd_addr_cmp(&v->ips[i], a) == 0)
			return true;
	return false;
}

/* The address-dispatch elements of vNIC hv (of state st) that other (NULL:
 * none) does not hold: deleted, or added pointing at its chains. */
static int addr_elems(struct cd_buf *script, bool add, const struct cd_state *st,
		      const struct cd_host_vnic *hv, const struct cd_vnic *other)
{
	const struct cd_vnic *v = vnic_of(st, hv);
	int r = 0;
	for (size_t a = 0; a < v->nips && r == 0; a++) {
		if (other && has_addr(other, &v->ips[a]))
			continue;
		char buf[CD_ADDR_STRLEN];
		cd_addr_fmt(&v->ips[a], buf);
		for (int d = 0; d < 2 && r == 0; d++) {
			const char *dir = d ? "in" : "out";
			r = add ? cd_buf_printf(script, "add element inet %s vnic_%s_v%d { %s : jump %s_%s }\n",
						CD_TABLE, dir, v->ips[a].family, buf, dir, hv->name)
				: cd_buf_printf(script, "delete element inet %s vnic_%s_v%d { %s }\n",
						CD_TABLE, dir, v->ips[a].family, buf);
		}
	}
	return r;
}

int cd_host_diff(const struct cd_host *old, const struct cd_state *os,
		 const struct cd_host *new, const struct cd_state *ns,
		 struct cd_buf *script)
{
	int r = 0;
	/* addresses that left a vNIC, or whose vNIC went: no longer
	 * dispatched (before their chains go, and before an address that
	 * moved is added to its new vNIC) */
	for (size_t k = 0; k < old->n && r == 0; k++) {
		long n = find_vnic(new, old->v[k].ifname);
		r = addr_elems(script, false, os, &old->v[k],
			       n >= 0 ? vnic_of(ns, &new->v[n]) : NULL);
	}
	/* group sets: the same sets, maybe other members */
	for (size_t g = 0; g < ns->pol.ngroups && r == 0; g++) {
		if (!new->group_set[g])
			continue;
		for (int fam = 4; fam <= 6 && r == 0; fam += 2) {
			struct cd_addr *a, *b;
			size_t na = cd_group_addrs(os, g, fam, &a);
			size_t nb = cd_group_addrs(ns, g, fam, &b);
			char set[512];
			snprintf(set, sizeof(set), "%s_v%d", new->names.group[g], fam);
			r = element_diff(script, set, a, na, b, nb);
			free(a);
			free(b);
		}
	}
	/* vNICs that came or changed: chains first, then the dispatch */
	for (size_t k = 0; k < new->n && r == 0; k++) {
		const struct cd_host_vnic *nv = &new->v[k];
		long o = find_vnic(old, nv->ifname);
		for (int s = 0; s < 2 && r == 0; s++) {
			const char *chain = s ? "in" : "out";
			if (o >= 0 && strcmp(old->v[o].text[s], nv->text[s]) == 0)
				continue;
			r = cd_buf_printf(script, "%s chain inet %s %s_%s\n",
					  o >= 0 ? "flush" : "add", CD_TABLE, chain, nv->name);
			if (r == 0)
				r = chain_rules(script, chain, nv->name, nv->text[s]);
		}
		if (o < 0 && r == 0)
			r = cd_buf_printf(script,
					  "add element inet %s vnic_out { \"%s\" : jump out_%s }\n"
					  "add element inet %s vnic_in { \"%s\" : jump in_%s }\n"
					  "add element inet %s vnics { \"%s\" }\n",
					  CD_TABLE, nv->ifname, nv->name, CD_TABLE, nv->ifname,
					  nv->name, CD_TABLE, nv->ifname);
	}
	/* addresses that came to a vNIC: dispatched to its chains */
	for (size_t k = 0; k < new->n && r == 0; k++) {
		long o = find_vnic(old, new->v[k].ifname);
		r = addr_elems(script, true, ns, &new->v[k], o >= 0 ? vnic_of(os, &old->v[o]) : NULL);
	}
	/* vNICs that went: the dispatch first, then the chains */
	for (size_t k = 0; k < old->n && r == 0; k++) {
		const struct cd_host_vnic *ov = &old->v[k];
		if (find_vnic(new, ov->ifname) >= 0)
			continue;
		r = cd_buf_printf(script,
				  "delete element inet %s vnic_out { \"%s\" }\n"
				  "delete element inet %s vnic_in { \"%s\" }\n"
				  "delete element inet %s vnics { \"%s\" }\n"
				  "delete chain inet %s out_%s\n"
				  "delete chain inet %s in_%s\n",
				  CD_TABLE, ov->ifname, CD_TABLE, ov->ifname, CD_TABLE,
				  ov->ifname, CD_TABLE, ov->name, CD_TABLE, ov->name);
	}
	if (r == 0)
		r = cd_guard_diff(old, os, new, ns, script);
	return r;
}
