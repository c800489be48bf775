/* render.c - nft syntax for a host's programs.
 *
 * Each policy rule at a vNIC becomes one or more nft rules: one per
 * combination of remote endpoint (a set, an address list or a prefix),
 * service form (tcp ports, udp ports, protocols, ICMP echo) and address
 * family that can match.  All of them share the rule's named counter, so
 * hit counts stay per policy rule. */
#include "render.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* nft names: [A-Za-z0-9_] only, made unique with the object's index. */
struct names {
	char **v;        /* name per object */
	size_t n;
};

static char *sanitize(const char *pfx, const char *s)
{
	struct cd_buf b;
	cd_buf_init(&b, 512);
	cd_buf_puts(&b, pfx);
	for (const char *c = s; *c && b.len < 120; c++) {
		char ch = isalnum((unsigned char)*c) ? *c : '_';
		cd_buf_add(&b, &ch, 1);
	}
	return cd_buf_steal(&b);
}

/* Name objects pfx+sanitized(name); on a collision, add the index. */
static void make_names(struct names *nm, const char *pfx,
		       const char *const *src, size_t n)
{
	struct cd_map seen;
	cd_map_init_exact(&seen);
	nm->n = n;
	nm->v = cd_calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		nm->v[i] = sanitize(pfx, src[i]);
		if (!cd_map_put(&seen, nm->v[i], i, NULL)) {
			char *x = cd_asprintf("%s_%zu", nm->v[i], i);
			free(nm->v[i]);
			nm->v[i] = x;
			cd_map_put(&seen, nm->v[i], i, NULL);
		}
	}
	cd_map_free(&seen);
}

static void free_names(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

struct rctx {
	const struct cd_state *st;
	struct cd_buf *b;
	struct names groups, ipsets, vnics;
	int err;
};

static void out(struct rctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out(struct rctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = cd_buf_vprintf(x->b, fmt, ap);
	va_end(ap);
	if (r < 0 && !x->err)
		x->err = r;
}

/* An element list "{ a, b }" of addresses of one family. */
static void addr_list(struct rctx *x, const struct cd_addr *a, size_t n, int fam)
{
	bool first = true;
	out(x, "{ ");
	for (size_t i = 0; i < n; i++) {
		if (a[i].family != fam)
			continue;
		char buf[CD_ADDR_STRLEN];
		out(x, "%s%s", first ? "" : ", ", cd_addr_fmt(&a[i], buf));
		first = false;
	}
	out(x, " }");
}

static bool has_family(const struct cd_addr *a, size_t n, int fam)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].family == fam)
			return true;
	return false;
}

/* A counter's comment: category and name, without quotes or controls. */
static char *comment(const struct cd_rule *r)
{
	char *c = r->name ? cd_asprintf("%s: %.100s", cd_category_name(r->category),
					r->name)
			  : cd_strdup(cd_category_name(r->category));
	for (char *q = c; *q; q++)
		if (*q == '"' || *q == '\\' || !isprint((unsigned char)*q))
			*q = '\'';
	return c;
}

/* --- sets -------------------------------------------------------------- */

static int cmp_addr(const void *a, const void *b)
{
	return cd_addr_cmp(a, b);
}

static void group_set(struct rctx *x, size_t g, int fam)
{
	const struct cd_state *st = x->st;
	struct cd_addr *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t w = 0; w < st->inv.n; w++) {
		if (!cd_member(&st->mem, g, w))
			continue;
		const struct cd_workload *wl = &st->inv.w[w];
		for (size_t i = 0; i < wl->nvnics; i++)
			for (size_t a = 0; a < wl->vnics[i].nips; a++)
				if (wl->vnics[i].ips[a].family == fam)
					CD_PUSH(v, n, cap, wl->vnics[i].ips[a]);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_addr);
	out(x, "\tset %s_v%d {\n\t\ttype %s\n", x->groups.v[g], fam,
	    fam == 4 ? "ipv4_addr" : "ipv6_addr");
	if (n) {
		out(x, "\t\telements = ");
		addr_list(x, v, n, fam);
		out(x, "\n");
	}
	out(x, "\t}\n");
	free(v);
}

static void ipset_set(struct rctx *x, size_t i, int fam)
{
	const struct cd_ipset *s = &x->st->pol.ipsets[i];
	struct cd_addr *v = cd_calloc(s->n ? s->n : 1, sizeof(*v));
	if (s->n)
		memcpy(v, s->addrs, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_addr);
	out(x, "\tset %s_v%d {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n",
	    x->ipsets.v[i], fam, fam == 4 ? "ipv4_addr" : "ipv6_addr");
	if (has_family(v, s->n, fam)) {
		out(x, "\t\telements = ");
		addr_list(x, v, s->n, fam);
		out(x, "\n");
	}
	out(x, "\t}\n");
	free(v);
}

/* --- rules ------------------------------------------------------------- */

/* A piece of a match: text and the family it implies (0: either). */
struct atom {
	int fam;
	char *text;        /* "" for no match */
	int tcp;           /* service atoms: 0 never tcp, 1 only tcp, 2 maybe */
};

struct atoms {
	struct atom *v;
	size_t n, cap;
};

static void atom_add(struct atoms *a, int fam, int tcp, char *text)
{
	struct atom t = { fam, text, tcp };
	CD_PUSH(a->v, a->n, a->cap, t);
}

static void atoms_free(struct atoms *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].text);
	free(a->v);
}

static char *addr_text(const char *key, const struct cd_addr *a, size_t n,
		       int fam)
{
	struct cd_buf b;
	cd_buf_init(&b, CD_RENDER_MAX);
	cd_buf_printf(&b, "%s %s ", fam == 4 ? "ip" : "ip6", key);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += a[i].family == fam;
	bool first = true;
	if (k > 1)
		cd_buf_puts(&b, "{ ");
	for (size_t i = 0; i < n; i++) {
		if (a[i].family != fam)
			continue;
		char buf[CD_ADDR_STRLEN];
		cd_buf_printf(&b, "%s%s", first ? "" : ", ", cd_addr_fmt(&a[i], buf));
		first = false;
	}
	if (k > 1)
		cd_buf_puts(&b, " }");
	return cd_buf_steal(&b);
}

/* Remote side atoms; key is "saddr" or "daddr". */
static void remote_atoms(struct rctx *x, const struct cd_ref *refs, size_t n,
			 const char *key, struct atoms *out_)
{
	const struct cd_state *st = x->st;
	for (size_t i = 0; i < n; i++) {
		const struct cd_ref *r = &refs[i];
		switch (r->kind) {
		case CD_REF_ANY:
			atom_add(out_, 0, 0, cd_strdup(""));
			break;
		case CD_REF_GROUP:
			for (int fam = 4; fam <= 6; fam += 2)
				atom_add(out_, fam, 0, cd_asprintf("%s %s @%s_v%d",
					 fam == 4 ? "ip" : "ip6", key,
					 x->groups.v[r->idx], fam));
			break;
		case CD_REF_IPSET: {
			const struct cd_ipset *s = &st->pol.ipsets[r->idx];
			for (int fam = 4; fam <= 6; fam += 2)
				if (has_family(s->addrs, s->n, fam))
					atom_add(out_, fam, 0, cd_asprintf("%s %s @%s_v%d",
						 fam == 4 ? "ip" : "ip6", key,
						 x->ipsets.v[r->idx], fam));
			break;
		}
		case CD_REF_WORKLOAD: {
			const struct cd_workload *w = &st->inv.w[r->idx];
			for (size_t v = 0; v < w->nvnics; v++)
				for (int fam = 4; fam <= 6; fam += 2)
					if (has_family(w->vnics[v].ips, w->vnics[v].nips, fam))
						atom_add(out_, fam, 0,
							 addr_text(key, w->vnics[v].ips,
								   w->vnics[v].nips, fam));
			break;
		}
		case CD_REF_ADDR:
			atom_add(out_, r->addr.family, 0, addr_text(key, &r->addr, 1,
								   r->addr.family));
			break;
		}
	}
}

static void port_list(struct cd_buf *b, const struct cd_rule *r,
		      enum cd_proto p)
{
	size_t k = 0;
	for (size_t i = 0; i < r->nsvc; i++)
		k += r->svc[i].proto == p && r->svc[i].lo;
	cd_buf_printf(b, "%s dport %s", cd_proto_name(p), k > 1 ? "{ " : "");
	bool first = true;
	for (size_t i = 0; i < r->nsvc; i++) {
		const struct cd_svc *e = &r->svc[i];
		if (e->proto != p || !e->lo)
			continue;
		if (e->lo == e->hi)
			cd_buf_printf(b, "%s%u", first ? "" : ", ", e->lo);
		else
			cd_buf_printf(b, "%s%u-%u", first ? "" : ", ", e->lo, e->hi);
		first = false;
	}
	if (k > 1)
		cd_buf_puts(b, " }");
}

static void service_atoms(const struct cd_rule *r, struct atoms *out_)
{
	if (r->svc_any) {
		atom_add(out_, 0, 2, cd_strdup(""));
		return;
	}
	bool all[4] = { false }, ports[4] = { false };
	for (size_t i = 0; i < r->nsvc; i++) {
		if (r->svc[i].proto == CD_PROTO_ICMP || !r->svc[i].lo)
			all[r->svc[i].proto] = true;
		else
			ports[r->svc[i].proto] = true;
	}
	if (all[CD_PROTO_TCP] && all[CD_PROTO_UDP])
		atom_add(out_, 0, 2, cd_strdup("meta l4proto { tcp, udp }"));
	else if (all[CD_PROTO_TCP])
		atom_add(out_, 0, 1, cd_strdup("meta l4proto tcp"));
	else if (all[CD_PROTO_UDP])
		atom_add(out_, 0, 0, cd_strdup("meta l4proto udp"));
	for (enum cd_proto p = CD_PROTO_TCP; p <= CD_PROTO_UDP; p++) {
		if (!ports[p] || all[p])
			continue;
		struct cd_buf b;
		cd_buf_init(&b, CD_RENDER_MAX);
		port_list(&b, r, p);
		atom_add(out_, 0, p == CD_PROTO_TCP, cd_buf_steal(&b));
	}
	if (all[CD_PROTO_ICMP]) {
		atom_add(out_, 4, 0, cd_strdup("icmp type echo-request"));
		atom_add(out_, 6, 0, cd_strdup("icmpv6 type echo-request"));
	}
}

static void emit(struct rctx *x, const struct cd_prule *pr, enum cd_stage s,
		 const char *local, const struct atom *rem, const struct atom *svc)
{
	const struct cd_rule *r = pr->rule;
	const char *parts[3] = { local, rem->text, svc->text };
	struct cd_buf head;
	cd_buf_init(&head, CD_RENDER_MAX);
	for (int i = 0; i < 3; i++)
		if (*parts[i])
			cd_buf_printf(&head, "%s%s", head.len ? " " : "", parts[i]);
	const char *h = head.data ? head.data : "";
	const char *sep = head.len ? " " : "";
	char tail[128];
	snprintf(tail, sizeof(tail), "counter name \"r%u\"", r->id);
	if (r->log)
		snprintf(tail, sizeof(tail),
			 "log prefix \"cordon r%u \" counter name \"r%u\"", r->id, r->id);
	switch (r->action) {
	case CD_ALLOW:
		out(x, "\t\t%s%s%s %s\n", h, sep, tail,
		    s == CD_EGRESS ? "return" : "accept");
		break;
	case CD_DROP:
		out(x, "\t\t%s%s%s drop\n", h, sep, tail);
		break;
	case CD_REJECT:
		if (svc->tcp == 1) {
			out(x, "\t\t%s%s%s reject with tcp reset\n", h, sep, tail);
			break;
		}
		if (svc->tcp == 2)
			out(x, "\t\t%s%smeta l4proto tcp %s reject with tcp reset\n",
			    h, sep, tail);
		out(x, "\t\t%s%s%s reject with icmpx type admin-prohibited\n",
		    h, sep, tail);
		break;
	}
	cd_buf_free(&head);
}

static void render_rule(struct rctx *x, const struct cd_prule *pr,
			enum cd_stage s)
{
	const struct cd_rule *r = pr->rule;
	const char *lkey = s == CD_EGRESS ? "saddr" : "daddr";
	const char *rkey = s == CD_EGRESS ? "daddr" : "saddr";
	struct atoms rem = { 0 }, svc = { 0 };
	remote_atoms(x, s == CD_EGRESS ? r->dst : r->src,
		     s == CD_EGRESS ? r->ndst : r->nsrc, rkey, &rem);
	service_atoms(r, &svc);
	for (size_t i = 0; i < rem.n; i++) {
		for (size_t j = 0; j < svc.n; j++) {
			int fam = rem.v[i].fam;
			if (svc.v[j].fam) {
				if (fam && fam != svc.v[j].fam)
					continue;
				fam = svc.v[j].fam;
			}
			if (pr->local_all) {
				emit(x, pr, s, "", &rem.v[i], &svc.v[j]);
				continue;
			}
			for (int lf = 4; lf <= 6; lf += 2) {
				if ((fam && fam != lf) || !has_family(pr->local, pr->nlocal, lf))
					continue;
				char *l = addr_text(lkey, pr->local, pr->nlocal, lf);
				emit(x, pr, s, l, &rem.v[i], &svc.v[j]);
				free(l);
			}
		}
	}
	atoms_free(&rem);
	atoms_free(&svc);
}

static void render_chain(struct rctx *x, const struct cd_prog *p, size_t k,
			 enum cd_stage s)
{
	const struct cd_workload *w = &x->st->inv.w[p->wl];
	out(x, "\n\tchain %s_%s {\n", s == CD_EGRESS ? "out" : "in", x->vnics.v[k]);
	out(x, "\t\t# %s %s of workload \"%s\"\n", w->vnics[p->vnic].ifname,
	    s == CD_EGRESS ? "egress" : "ingress", w->name);
	for (size_t i = 0; i < p->n[s]; i++)
		render_rule(x, &p->r[s][i], s);
	if (x->st->pol.default_action == CD_DROP && !p->closed[s])
		out(x, "\t\tcounter name \"default_%s\" drop\n",
		    s == CD_EGRESS ? "out" : "in");
	out(x, "\t}\n");
}

static void vmap(struct rctx *x, const struct cd_host_prog *hp, const char *dir)
{
	out(x, "\n\tmap vnic_%s {\n\t\ttype ifname : verdict\n", dir);
	if (hp->n) {
		out(x, "\t\telements = { ");
		for (size_t k = 0; k < hp->n; k++) {
			const struct cd_prog *p = &hp->v[k];
			out(x, "%s\"%s\" : jump %s_%s", k ? ",\n\t\t\t     " : "",
			    x->st->inv.w[p->wl].vnics[p->vnic].ifname, dir,
			    x->vnics.v[k]);
		}
		out(x, " }\n");
	}
	out(x, "\t}\n");
}

int cd_render_host(const struct cd_state *st, const struct cd_host_prog *hp,
		   struct cd_buf *b)
{
	const struct cd_policy *pol = &st->pol;
	struct rctx x = { .st = st, .b = b };
	const char **gn = cd_calloc(pol->ngroups + 1, sizeof(char *));
	const char **in = cd_calloc(pol->nipsets + 1, sizeof(char *));
	const char **vn = cd_calloc(hp->n + 1, sizeof(char *));
	for (size_t i = 0; i < pol->ngroups; i++)
		gn[i] = pol->groups[i].name;
	for (size_t i = 0; i < pol->nipsets; i++)
		in[i] = pol->ipsets[i].name;
	for (size_t i = 0; i < hp->n; i++)
		vn[i] = st->inv.w[hp->v[i].wl].vnics[hp->v[i].vnic].ifname;
	make_names(&x.groups, "g_", gn, pol->ngroups);
	make_names(&x.ipsets, "s_", in, pol->nipsets);
	make_names(&x.vnics, "", vn, hp->n);
	free(gn);
	free(in);
	free(vn);

	/* which rules, groups and ipsets the host's chains use */
	bool *rule_used = cd_calloc(pol->nrules + 1, sizeof(bool));
	bool *group_used = cd_calloc(pol->ngroups + 1, sizeof(bool));
	bool *ipset_used = cd_calloc(pol->nipsets + 1, sizeof(bool));
	size_t nchains_rules = 0;
	for (size_t k = 0; k < hp->n; k++) {
		for (int s = 0; s < 2; s++) {
			for (size_t i = 0; i < hp->v[k].n[s]; i++) {
				const struct cd_rule *r = hp->v[k].r[s][i].rule;
				rule_used[r - pol->rules] = true;
				nchains_rules++;
				const struct cd_ref *rem = s == CD_EGRESS ? r->dst : r->src;
				size_t nrem = s == CD_EGRESS ? r->ndst : r->nsrc;
				for (size_t j = 0; j < nrem; j++) {
					if (rem[j].kind == CD_REF_GROUP)
						group_used[rem[j].idx] = true;
					if (rem[j].kind == CD_REF_IPSET)
						ipset_used[rem[j].idx] = true;
				}
			}
		}
	}

	out(&x, "# cordon %s: ruleset for host \"%s\": %zu vNICs, %zu rule placements\n",
	    CD_VERSION, hp->host, hp->n, nchains_rules);
	out(&x, "table inet %s {\n", CD_TABLE);
	for (size_t i = 0; i < pol->nrules; i++) {
		if (!rule_used[i])
			continue;
		const struct cd_rule *r = &pol->rules[i];
		char *c = comment(r);
		out(&x, "\tcounter r%u {\n\t\tcomment \"%s\"\n\t}\n", r->id, c);
		free(c);
	}
	if (pol->default_action == CD_DROP)
		out(&x, "\tcounter default_out {\n\t}\n\tcounter default_in {\n\t}\n");
	for (size_t g = 0; g < pol->ngroups; g++) {
		if (!group_used[g])
			continue;
		group_set(&x, g, 4);
		group_set(&x, g, 6);
	}
	for (size_t i = 0; i < pol->nipsets; i++) {
		if (!ipset_used[i])
			continue;
		const struct cd_ipset *s = &pol->ipsets[i];
		for (int fam = 4; fam <= 6; fam += 2)
			if (has_family(s->addrs, s->n, fam))
				ipset_set(&x, i, fam);
	}
	vmap(&x, hp, "out");
	vmap(&x, hp, "in");
	out(&x, "\n\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tct state established,related accept\n"
		"\t\tct state invalid drop\n"
		"\t\tiifname vmap @vnic_out\n"
		"\t\toifname vmap @vnic_in\n"
		"\t}\n");
	for (size_t k = 0; k < hp->n; k++) {
		render_chain(&x, &hp->v[k], k, CD_EGRESS);
		render_chain(&x, &hp->v[k], k, CD_INGRESS);
	}
	out(&x, "}\n");
	free(rule_used);
	free(group_used);
	free(ipset_used);
	free_names(&x.groups);
	free_names(&x.ipsets);
	free_names(&x.vnics);
	return x.err;
}
