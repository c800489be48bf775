/* linear.c - the same policy as one linear chain, for comparison.
 *
 *   bench-linear INVENTORY POLICY
 *
 * prints `table inet linear`: every enabled rule, in evaluation order, as
 * nft rules on the forward hook, one per rule, address family and service
 * entry, with the addresses of its source and destination in sets of that
 * rule (as iptables with ipset does).  No dispatch by vNIC: every new
 * connection walks the list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/render.h"

/* Addresses of family fam that refs stand for; false when one is "any". */
static bool expand(const struct cd_state *st, const struct cd_ref *refs, size_t n,
		   int fam, struct cd_buf *b)
{
	bool first = true;
	char buf[CD_ADDR_STRLEN];
	for (size_t i = 0; i < n; i++) {
		const struct cd_ref *r = &refs[i];
		struct cd_addr *v = NULL;
		size_t k = 0;
		switch (r->kind) {
		case CD_REF_ANY:
			return false;
		case CD_REF_GROUP:
			k = cd_group_addrs(st, r->idx, fam, &v);
			break;
		case CD_REF_WORKLOAD: {
			const struct cd_workload *w = &st->inv.w[r->idx];
			v = calloc(64, sizeof(*v));
			for (size_t x = 0; x < w->nvnics; x++)
				for (size_t a = 0; a < w->vnics[x].nips && k < 64; a++)
					if (w->vnics[x].ips[a].family == fam)
						v[k++] = w->vnics[x].ips[a];
			break;
		}
		case CD_REF_IPSET: {
			const struct cd_ipset *s = &st->pol.ipsets[r->idx];
			v = calloc(s->n + 1, sizeof(*v));
			for (size_t a = 0; a < s->n; a++)
				if (s->addrs[a].family == fam)
					v[k++] = s->addrs[a];
			break;
		}
		case CD_REF_HOST:   /* the generated policies name no host */
			fprintf(stderr, "bench-linear: a rule names the host: not supported\n");
			exit(1);
		case CD_REF_ADDR:
			v = calloc(1, sizeof(*v));
			if (r->addr.family == fam)
				v[k++] = r->addr;
			break;
		}
		for (size_t a = 0; a < k; a++) {
			cd_buf_printf(b, "%s%s", first ? "" : ", ", cd_addr_fmt(&v[a], buf));
			first = false;
		}
		free(v);
	}
	if (first)
		cd_buf_puts(b, "EMPTY");
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-linear INVENTORY POLICY\n");
		return 2;
	}
	struct cd_diags d;
	struct cd_state st;
	cd_diags_init(&d);
	int loaded = cd_state_load(&st, argv[1], argv[2], &d);
	cd_diags_print(&d, stderr);
	cd_diags_free(&d);
	if (loaded < 0)
		return 2;
	struct cd_buf sets, rules;
	cd_buf_init(&sets, CD_RENDER_MAX);
	cd_buf_init(&rules, CD_RENDER_MAX);
	size_t nrules = 0;
	for (size_t i = 0; i < st.pol.nrules; i++) {
		const struct cd_rule *r = &st.pol.rules[i];
		if (r->disabled)
			continue;
		const char *verdict = r->action == CD_ALLOW ? "accept" :
				      r->action == CD_DROP ? "drop" : "reject";
		for (int fam = 4; fam <= 6; fam += 2) {
			struct cd_buf src, dst;
			cd_buf_init(&src, 1 << 24);
			cd_buf_init(&dst, 1 << 24);
			bool s = expand(&st, r->src, r->nsrc, fam, &src);
			bool t = expand(&st, r->dst, r->ndst, fam, &dst);
			const char *ip = fam == 4 ? "ip" : "ip6";
			const char *type = fam == 4 ? "ipv4_addr" : "ipv6_addr";
			if ((s && !strcmp(src.data, "EMPTY")) || (t && !strcmp(dst.data, "EMPTY")))
				goto next;   /* nothing of this family */
			if (s)
				cd_buf_printf(&sets, "\tset r%u_s%d {\n\t\ttype %s\n\t\tflags interval\n"
					      "\t\tauto-merge\n\t\telements = { %s }\n\t}\n",
					      r->id, fam, type, src.data);
			if (t)
				cd_buf_printf(&sets, "\tset r%u_d%d {\n\t\ttype %s\n\t\tflags interval\n"
					      "\t\tauto-merge\n\t\telements = { %s }\n\t}\n",
					      r->id, fam, type, dst.data);
			size_t nsvc = r->svc_any ? 1 : r->nsvc;
			for (size_t e = 0; e < nsvc; e++) {
				cd_buf_puts(&rules, "\t\t");
				if (s)
					cd_buf_printf(&rules, "%s saddr @r%u_s%d ", ip, r->id, fam);
				if (t)
					cd_buf_printf(&rules, "%s daddr @r%u_d%d ", ip, r->id, fam);
				if (!r->svc_any) {
					const struct cd_svc *v = &r->svc[e];
					if (v->proto == CD_PROTO_ICMP)
						cd_buf_printf(&rules, "%s ", fam == 4 ? "icmp type echo-request"
										: "icmpv6 type echo-request");
					else if (v->proto != CD_PROTO_ANY && v->lo)
						cd_buf_printf(&rules, "%s dport %u-%u ", cd_proto_name(v->proto),
							      v->lo, v->hi);
					else if (v->proto != CD_PROTO_ANY)
						cd_buf_printf(&rules, "meta l4proto %s ", cd_proto_name(v->proto));
				}
				cd_buf_printf(&rules, "counter %s\n", verdict);
				nrules++;
			}
next:
			cd_buf_free(&src);
			cd_buf_free(&dst);
		}
	}
	printf("table inet linear {\n%s\tchain forward {\n"
	       "\t\ttype filter hook forward priority filter; policy accept;\n"
	       "\t\tct state established,related accept\n%s",
	       sets.data ? sets.data : "", rules.data ? rules.data : "");
	cd_buf_free(&sets);
	cd_buf_free(&rules);
	printf("\t}\n}\n");
	fprintf(stderr, "bench-linear: %zu nft rules\n", nrules);
	cd_state_free(&st);
	return 0;
}
