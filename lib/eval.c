/* eval.c - first-match evaluation of compiled vNIC programs. */
#include "eval.h"

#include <string.h>

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
	long owner = cd_state_owner(st, remote, &rw, &rv) ? (long)rw : -1;

	out->checked = true;
	out->wl = p->wl;
	out->vnic = p->vnic;
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
		out->verdict = r->action;
		out->rule = r;
		return;
	}
	out->verdict = st->pol.default_action;
	out->rule = NULL;
}

void cd_explain(const struct cd_state *st, const struct cd_flow *f,
		struct cd_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = CD_ALLOW;
	const struct cd_addr *ends[2] = { &f->src, &f->dst };
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++) {
		size_t wl, vnic;
		if (!cd_state_owner(st, ends[s], &wl, &vnic))
			continue;
		struct cd_prog p;
		cd_compile_vnic(st, wl, vnic, &p);
		cd_prog_eval(st, &p, (enum cd_stage)s, f, &out->stage[s]);
		cd_prog_free(&p);
		if (out->verdict == CD_ALLOW)
			out->verdict = out->stage[s].verdict;
	}
}
