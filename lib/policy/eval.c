/* eval.c - first-match evaluation of compiled vNIC programs. */
#include "policy/eval.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool cd_svc_matches(const struct cd_rule *r, enum cd_proto proto,
		    uint16_t port)
{
	if (r->svc_any)
		return true;
	for (size_t i = 0; i < r->nsvc; i++) {
		const struct cd_svc *e = &r->svc[i];
		if (e->proto != proto)
			continue;
		if (proto == CD_PROTO_ICMP || e->lo == 0 ||
		    (port >= e->lo && port <= e->hi))
			return true;
	}
	return false;
}

static bool local_holds(const struct cd_prule *pr, const struct cd_addr *a)
{
	if (pr->local_all)
		return true;
	for (size_t i = 0; i < pr->nlocal; i++)
		if (cd_addr_eq(&pr->local[i], a))
			return true;
	return false;
}

void cd_prog_eval(const struct cd_state *st, const struct cd_prog *p,
		  enum cd_stage s, const struct cd_flow *f,
		  struct cd_stage_result *out)
{
	const struct cd_addr *local = s == CD_EGRESS ? &f->src : &f->dst;
	const struct cd_addr *remote = s == CD_EGRESS ? &f->dst : &f->src;
	size_t rw, rv;
	bool host = s == CD_EGRESS ? f->dst_host : f->src_host;
	long owner = host ? CD_OWNER_HOST : cd_state_owner(st, remote, &rw, &rv) ? (long)rw : -1;

	out->checked = true;
	out->wl = p->wl;
	out->vnic = p->vnic;
	out->staged = NULL;
	for (size_t i = 0; i < p->n[s]; i++) {
		const struct cd_prule *pr = &p->r[s][i];
		const struct cd_rule *r = pr->rule;
		const struct cd_ref *rem = s == CD_EGRESS ? r->dst : r->src;
		size_t nrem = s == CD_EGRESS ? r->ndst : r->nsrc;
		if (!local_holds(pr, local) || !cd_svc_matches(r, f->proto, f->port))
			continue;
		bool hit = false;
		for (size_t j = 0; j < nrem && !hit; j++)
			hit = cd_ref_holds(st, &rem[j], remote, owner);
		if (!hit)
			continue;
		if (r->staged) {           /* counted, never deciding */
			if (!out->staged)
				out->staged = r;
			continue;
		}
		out->verdict = r->action;
		out->rule = r;
		return;
	}
	out->verdict = st->pol.default_action;
	out->rule = NULL;
}

/* The programs of the vNICs a run of explains met, compiled once (the
 * compile is most of an explain's work); past CD_EXPLAINER_MAX rule
 * entries held (32 bytes each), one is compiled for each flow and freed. */
#define CD_EXPLAINER_MAX (1u << 21)

struct slot {
	struct cd_prog p;
	bool done;                 /* p compiled */
};

/* rule indexes, ascending */
struct rlist {
	uint32_t *v;
	size_t n, cap;
};

struct cd_explainer {
	const struct cd_state *st;
	struct slot **by_wl;       /* per workload: its vNICs' slots, or NULL */
	size_t held;
	/* per stage, the rules by what their local end names (the source at
	 * egress, the destination at ingress): a vNIC's program is compiled
	 * from those that can hold it, not from every rule (the compile was
	 * most of an impact preview's work in a world of thousands) */
	struct rlist *by_group[2], *by_workload[2], *by_ipset[2], other[2];
	struct rlist cand;         /* a compile's */
};

static void rlist_add(struct rlist *l, uint32_t i)
{
	if (!l->n || l->v[l->n - 1] != i)
		CD_PUSH(l->v, l->n, l->cap, i);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void index_rule(struct cd_explainer *x, uint32_t i)
{
	const struct cd_state *st = x->st;
	const struct cd_rule *r = &st->pol.rules[i];
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++) {
		const struct cd_ref *loc = s == CD_EGRESS ? r->src : r->dst;
		size_t nloc = s == CD_EGRESS ? r->nsrc : r->ndst;
		for (size_t k = 0; k < nloc; k++) {
			const struct cd_ref *f = &loc[k];
			if (f->kind == CD_REF_GROUP && f->idx < st->pol.ngroups)
				rlist_add(&x->by_group[s][f->idx], i);
			else if (f->kind == CD_REF_WORKLOAD && f->idx < st->inv.n)
				rlist_add(&x->by_workload[s][f->idx], i);
			else if (f->kind == CD_REF_IPSET && f->idx < st->pol.nipsets)
				rlist_add(&x->by_ipset[s][f->idx], i);
			else if (f->kind != CD_REF_HOST)   /* the host's own is no vNIC's */
				rlist_add(&x->other[s], i);
		}
	}
}

struct cd_explainer *cd_explainer_new(const struct cd_state *st)
{
	struct cd_explainer *x = cd_calloc(1, sizeof(*x));
	x->st = st;
	x->by_wl = cd_calloc(st->inv.n + 1, sizeof(*x->by_wl));
	for (int s = 0; s < 2; s++) {
		x->by_group[s] = cd_calloc(st->pol.ngroups + 1, sizeof(*x->by_group[s]));
		x->by_workload[s] = cd_calloc(st->inv.n + 1, sizeof(*x->by_workload[s]));
		x->by_ipset[s] = cd_calloc(st->pol.nipsets + 1, sizeof(*x->by_ipset[s]));
	}
	for (size_t i = 0; i < st->pol.nrules; i++)
		index_rule(x, (uint32_t)i);
	return x;
}

static void cand_add(struct rlist *c, const struct rlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		CD_PUSH(c->v, c->n, c->cap, l->v[i]);
}

static bool ipset_holds_any(const struct cd_ipset *set, const struct cd_vnic *vn)
{
	for (size_t a = 0; a < vn->nips; a++)
		for (size_t i = 0; i < set->n; i++)
			if (cd_addr_in(&vn->ips[a], &set->addrs[i]))
				return true;
	return false;
}

/* vNIC v of workload w's program, from the rules whose local end can
 * hold it (compile_rule then checks each exactly) */
static void compile(struct cd_explainer *x, size_t w, size_t v, struct cd_prog *out)
{
	const struct cd_state *st = x->st;
	const struct cd_vnic *vn = &st->inv.w[w].vnics[v];
	struct rlist *c = &x->cand;
	c->n = 0;
	for (int s = 0; s < 2; s++) {
		cand_add(c, &x->other[s]);
		cand_add(c, &x->by_workload[s][w]);
		for (size_t g = 0; g < st->pol.ngroups; g++)
			if (x->by_group[s][g].n && cd_member(&st->mem, g, w))
				cand_add(c, &x->by_group[s][g]);
		for (size_t k = 0; k < st->pol.nipsets; k++)
			if (x->by_ipset[s][k].n && ipset_holds_any(&st->pol.ipsets[k], vn))
				cand_add(c, &x->by_ipset[s][k]);
	}
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), cmp_u32);
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!k || c->v[k - 1] != c->v[i])
			c->v[k++] = c->v[i];
	cd_compile_vnic_rules(st, w, v, c->v ? c->v : (uint32_t[1]){ 0 }, k, out);
}

void cd_explainer_free(struct cd_explainer *x)
{
	if (!x)
		return;
	for (size_t w = 0; w < x->st->inv.n; w++) {
		for (size_t v = 0; x->by_wl[w] && v < x->st->inv.w[w].nvnics; v++)
			if (x->by_wl[w][v].done)
				cd_prog_free(&x->by_wl[w][v].p);
		free(x->by_wl[w]);
	}
	for (int s = 0; s < 2; s++) {
		for (size_t w = 0; w < x->st->inv.n; w++)
			free(x->by_workload[s][w].v);
		for (size_t g = 0; g < x->st->pol.ngroups; g++)
			free(x->by_group[s][g].v);
		for (size_t k = 0; k < x->st->pol.nipsets; k++)
			free(x->by_ipset[s][k].v);
		free(x->by_workload[s]);
		free(x->by_group[s]);
		free(x->by_ipset[s]);
		free(x->other[s].v);
	}
	free(x->by_wl);
	free(x->cand.v);
	free(x);
}

/* vNIC v of workload w's program: held, or compiled into tmp (*own). */
static const struct cd_prog *prog_of(struct cd_explainer *x, size_t w, size_t v,
				     struct cd_prog *tmp, bool *own)
{
	struct slot **sw = &x->by_wl[w];
	*own = false;
	if (*sw && (*sw)[v].done)
		return &(*sw)[v].p;
	if (x->held >= CD_EXPLAINER_MAX) {
		compile(x, w, v, tmp);
		*own = true;
		return tmp;
	}
	if (!*sw)
		*sw = cd_calloc(x->st->inv.w[w].nvnics + 1, sizeof(**sw));
	compile(x, w, v, &(*sw)[v].p);
	(*sw)[v].done = true;
	x->held += (*sw)[v].p.n[0] + (*sw)[v].p.n[1] + 1;
	return &(*sw)[v].p;
}

static void explain(const struct cd_state *st, struct cd_explainer *x, const struct cd_flow *f,
		    struct cd_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = CD_ALLOW;
	const struct cd_addr *ends[2] = { &f->src, &f->dst };
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++) {
		size_t wl, vnic;
		if ((s == CD_EGRESS ? f->src_host : f->dst_host) || !cd_state_owner(st, ends[s], &wl, &vnic))
			continue;
		struct cd_prog tmp;
		bool own;
		const struct cd_prog *p;
		if (x) {
			p = prog_of(x, wl, vnic, &tmp, &own);
		} else {
			cd_compile_vnic(st, wl, vnic, &tmp);
			p = &tmp;
			own = true;
		}
		cd_prog_eval(st, p, (enum cd_stage)s, f, &out->stage[s]);
		if (own)
			cd_prog_free(&tmp);
		if (out->verdict == CD_ALLOW)
			out->verdict = out->stage[s].verdict;
	}
	/* were the staged rules enforced: each end's first match, the flow
	 * going on only while they allow it (an end it would not reach has
	 * no say, its staged rules none either) */
	out->staged_verdict = CD_ALLOW;
	for (int s = CD_EGRESS; s <= CD_INGRESS && out->staged_verdict == CD_ALLOW; s++) {
		const struct cd_stage_result *r = &out->stage[s];
		if (!r->checked)
			continue;
		out->staged = out->staged || r->staged;
		out->staged_verdict = r->staged ? r->staged->action : r->verdict;
	}
	if (!out->staged)
		out->staged_verdict = out->verdict;
}

void cd_explain(const struct cd_state *st, const struct cd_flow *f, struct cd_verdict *out)
{
	explain(st, NULL, f, out);
}

void cd_explainer_run(struct cd_explainer *x, const struct cd_flow *f, struct cd_verdict *out)
{
	explain(x->st, x, f, out);
}

/* ---- flows from words ---- */

/* An endpoint as given: a workload (wl >= 0) or an address. */
struct endpoint {
	long wl;
	struct cd_addr addr;
};

static int parse_endpoint(const struct cd_state *st, const char *s, struct endpoint *e)
{
	const char *why;
	e->wl = cd_inventory_find(&st->inv, s);
	if (e->wl >= 0 || cd_addr_parse(s, false, &e->addr, &why) == 0)
		return 0;
	return -EINVAL;
}

/* The first address of family fam of workload wl, or NULL. */
static const struct cd_addr *first_addr(const struct cd_state *st, long wl, int fam)
{
	const struct cd_workload *w = &st->inv.w[wl];
	for (size_t v = 0; v < w->nvnics; v++)
		for (size_t a = 0; a < w->vnics[v].nips; a++)
			if (w->vnics[v].ips[a].family == fam)
				return &w->vnics[v].ips[a];
	return NULL;
}

int cd_flow_parse(const struct cd_state *st, const char *from, const char *to,
		  const char *proto, const char *port, const char *prefix,
		  struct cd_flow *f, const char **field, char *why, size_t whylen)
{
	memset(f, 0, sizeof(*f));
	*field = "port";
	if (!proto || !strcasecmp(proto, "tcp"))
		f->proto = CD_PROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		f->proto = CD_PROTO_UDP;
	else if (!strcasecmp(proto, "icmp"))
		f->proto = CD_PROTO_ICMP;
	else
		goto bad_proto;
	if (f->proto == CD_PROTO_ICMP && port) {
		snprintf(why, whylen, "%sport does not apply to icmp", prefix);
		return -EINVAL;
	}
	if (f->proto != CD_PROTO_ICMP) {
		if (!port) {
			snprintf(why, whylen, "%sport is required for %s", prefix, proto ? proto : "tcp");
			return -EINVAL;
		}
		char *end;
		long v = strtol(port, &end, 10);
		if (*end || end == port || v < 1 || v > 65535) {
			snprintf(why, whylen, "%sport must be a number from 1 to 65535, not '%s'",
				 prefix, port);
			return -EINVAL;
		}
		f->port = (uint16_t)v;
	}
	*field = from ? "to" : "from";
	if (!from || !to) {
		snprintf(why, whylen, "%s%s is required", prefix, from ? "to" : "from");
		return -EINVAL;
	}
	struct endpoint s, d;
	/* "host": the hypervisor of the other end, a workload */
	bool hs = !strcasecmp(from, "host"), hd = !strcasecmp(to, "host");
	if (hs || hd) {
		/* the other end: a workload (its first address, IPv4 first) or
		 * one of a workload's addresses */
		struct endpoint o = { .wl = -1 };
		const struct cd_addr *a = NULL;
		size_t ow, ov;
		if (hs != hd && parse_endpoint(st, hs ? to : from, &o) == 0) {
			if (o.wl >= 0) {
				a = first_addr(st, o.wl, 4);
				if (!a)
					a = first_addr(st, o.wl, 6);
			} else if (cd_state_owner(st, &o.addr, &ow, &ov)) {
				a = &o.addr;
			}
		}
		if (!a) {
			*field = hs ? "to" : "from";
			snprintf(why, whylen, "%s%s must be a workload or a workload's address when %s%s is host",
				 prefix, *field, prefix, hs ? "from" : "to");
			return -EINVAL;
		}
		struct cd_addr h = { .family = a->family, .plen = a->family == 4 ? 32 : 128 };
		f->src = hs ? h : *a;
		f->dst = hs ? *a : h;
		f->src_host = hs;
		f->dst_host = hd;
		return 0;
	}
	if (parse_endpoint(st, from, &s) < 0 || parse_endpoint(st, to, &d) < 0) {
		bool bad_from = parse_endpoint(st, from, &s) < 0;
		*field = bad_from ? "from" : "to";
		snprintf(why, whylen, "%s%s '%s' is neither a workload of the inventory nor an address",
			 prefix, bad_from ? "from" : "to", bad_from ? from : to);
		return -EINVAL;
	}
	if (s.wl < 0 && d.wl < 0) {
		if (s.addr.family != d.addr.family) {
			*field = "to";
			snprintf(why, whylen, "%sfrom and %sto are of different address families",
				 prefix, prefix);
			return -EINVAL;
		}
		f->src = s.addr;
		f->dst = d.addr;
		return 0;
	}
	static const int fams[2] = { 4, 6 };
	for (int i = 0; i < 2; i++) {
		int fam = fams[i];
		if ((s.wl < 0 && s.addr.family != fam) || (d.wl < 0 && d.addr.family != fam))
			continue;
		const struct cd_addr *a = s.wl >= 0 ? first_addr(st, s.wl, fam) : &s.addr;
		const struct cd_addr *b = d.wl >= 0 ? first_addr(st, d.wl, fam) : &d.addr;
		if (a && b) {
			f->src = *a;
			f->dst = *b;
			return 0;
		}
	}
	*field = "to";
	snprintf(why, whylen, "%s and %s have no addresses of one family in common", from, to);
	return -EINVAL;
bad_proto:
	*field = "proto";
	snprintf(why, whylen, "%sproto must be tcp, udp or icmp, not '%s'", prefix, proto);
	return -EINVAL;
}
