/* compile.c - per-vNIC programs: which rules can apply where. */
#include "policy/compile.h"

#include <stdlib.h>
#include <string.h>

bool cd_ref_holds(const struct cd_state *st, const struct cd_ref *r,
		  const struct cd_addr *a, long owner)
{
	switch (r->kind) {
	case CD_REF_ANY:
		return true;
	case CD_REF_GROUP:
		return owner >= 0 && cd_member(&st->mem, r->idx, (size_t)owner);
	case CD_REF_WORKLOAD:
		return owner >= 0 && (size_t)owner == r->idx;
	case CD_REF_IPSET: {
		const struct cd_ipset *s = &st->pol.ipsets[r->idx];
		for (size_t i = 0; i < s->n; i++)
			if (cd_addr_in(a, &s->addrs[i]))
				return true;
		return false;
	}
	case CD_REF_ADDR:
		return cd_addr_in(a, &r->addr);
	case CD_REF_HOST:
		return owner == CD_OWNER_HOST;
	}
	return false;
}

bool cd_rule_applies_to(const struct cd_state *st, const struct cd_rule *r,
			size_t wl)
{
	for (size_t i = 0; i < r->napplied; i++) {
		const struct cd_ref *x = &r->applied[i];
		if (x->kind == CD_REF_ANY ||
		    (x->kind == CD_REF_GROUP && cd_member(&st->mem, x->idx, wl)) ||
		    (x->kind == CD_REF_WORKLOAD && x->idx == wl))
			return true;
	}
	return false;
}

static bool list_holds(const struct cd_state *st, const struct cd_ref *refs,
		       size_t n, const struct cd_addr *a, long owner)
{
	for (size_t i = 0; i < n; i++)
		if (cd_ref_holds(st, &refs[i], a, owner))
			return true;
	return false;
}

static bool list_is_any(const struct cd_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i].kind == CD_REF_ANY)
			return true;
	return false;
}

/* Rule r into vNIC vn's program, where it applies (own: room for its
 * addresses). */
static void compile_rule(const struct cd_state *st, const struct cd_rule *r, size_t wl,
			 const struct cd_vnic *vn, struct cd_addr *own, struct cd_prog *out,
			 size_t cap[2])
{
	if (r->disabled || !cd_rule_applies_to(st, r, wl))
		return;
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++) {
		unsigned need = s == CD_EGRESS ? CD_DIR_OUT : CD_DIR_IN;
		if (!(r->direction & need))
			continue;
		const struct cd_ref *loc = s == CD_EGRESS ? r->src : r->dst;
		size_t nloc = s == CD_EGRESS ? r->nsrc : r->ndst;
		if (out->closed[s])
			continue;
		struct cd_prule pr = { .rule = r };
		if (list_is_any(loc, nloc)) {
			pr.local_all = true;
		} else {
			size_t k = 0;
			for (size_t a = 0; a < vn->nips; a++)
				if (list_holds(st, loc, nloc, &vn->ips[a], (long)wl))
					own[k++] = vn->ips[a];
			if (k == 0)
				continue;   /* can never apply here */
			if (k == vn->nips) {
				pr.local_all = true;
			} else {
				pr.local = cd_calloc(k, sizeof(*pr.local));
				memcpy(pr.local, own, k * sizeof(*own));
				pr.nlocal = k;
			}
		}
		CD_PUSH(out->r[s], out->n[s], cap[s], pr);
		const struct cd_ref *rem = s == CD_EGRESS ? r->dst : r->src;
		size_t nrem = s == CD_EGRESS ? r->ndst : r->nsrc;
		if (!r->staged && pr.local_all && r->svc_any && list_is_any(rem, nrem))
			out->closed[s] = true;
	}
}

void cd_compile_vnic_rules(const struct cd_state *st, size_t wl, size_t vnic,
			   const uint32_t *rules, size_t n, struct cd_prog *out)
{
	const struct cd_vnic *vn = &st->inv.w[wl].vnics[vnic];
	memset(out, 0, sizeof(*out));
	out->wl = wl;
	out->vnic = vnic;
	size_t cap[2] = { 0, 0 };
	struct cd_addr *own = cd_calloc(vn->nips ? vn->nips : 1, sizeof(*own));
	if (rules)
		for (size_t i = 0; i < n; i++)
			compile_rule(st, &st->pol.rules[rules[i]], wl, vn, own, out, cap);
	else
		for (size_t i = 0; i < st->pol.nrules; i++)
			compile_rule(st, &st->pol.rules[i], wl, vn, own, out, cap);
	free(own);
}

void cd_compile_vnic(const struct cd_state *st, size_t wl, size_t vnic,
		     struct cd_prog *out)
{
	cd_compile_vnic_rules(st, wl, vnic, NULL, 0, out);
}

void cd_prog_free(struct cd_prog *p)
{
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < p->n[s]; i++)
			free(p->r[s][i].local);
		free(p->r[s]);
	}
	memset(p, 0, sizeof(*p));
}
