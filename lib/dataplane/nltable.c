/* nltable.c - a host's whole table as one libnftnl transaction.
 *
 * The order of objects and the userdata of sets follow what nft sends for
 * cd_host_render()'s text (read off nft 1.0.6 with nft --debug=netlink
 * and a dump of the sets it made); a root test compares the kernel's
 * listings of both. */
#include "dataplane/nltable.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nlbatch.h"
#include "dataplane/nlguard.h"
#include "dataplane/nlobj.h"
#include "dataplane/nlrule.h"

/* Interval set elements as nft encodes them: a leading end element at
 * zero, then each merged range as a start and an end one past it. */
static void interval_elems(struct nlbatch *nb, const char *set, const struct cd_addr *v,
			   size_t n, int fam)
{
	size_t len = fam == 4 ? 4 : 16;
	struct range { uint8_t lo[16], hi[16]; } *r = cd_calloc(n + 1, sizeof(*r));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].family != fam)
			continue;
		memcpy(r[k].lo, v[i].b, len);
		memcpy(r[k].hi, v[i].b, len);
		for (int bit = v[i].plen; bit < (int)len * 8; bit++)
			r[k].hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		k++;
	}
	/* sort by low end, then merge overlapping and adjacent ranges */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && memcmp(r[j - 1].lo, r[j].lo, len) > 0; j--) {
			struct range t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (m) {
			uint8_t next[16];   /* one past the previous range */
			memcpy(next, r[m - 1].hi, len);
			bool wrap = true;
			for (size_t b = len; b-- > 0 && wrap;)
				wrap = ++next[b] == 0;
			if (!wrap && memcmp(r[i].lo, next, len) <= 0) {
				if (memcmp(r[i].hi, r[m - 1].hi, len) > 0)
					memcpy(r[m - 1].hi, r[i].hi, len);
				continue;
			}
			if (wrap)   /* the previous one reaches the top: all merged */
				continue;
		}
		r[m++] = r[i];
	}
	struct nlo_elems e = { .set = set };
	uint8_t zero[16] = { 0 };
	if (m && memcmp(r[0].lo, zero, len) != 0) {
		struct nftnl_set_elem *x = nlo_elem_new(nb, &e);
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, zero, (uint32_t)len);
		nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	}
	for (size_t i = 0; i < m; i++) {
		struct nftnl_set_elem *x = nlo_elem_new(nb, &e);
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, r[i].lo, (uint32_t)len);
		uint8_t end[16];
		memcpy(end, r[i].hi, len);
		bool wrap = true;
		for (size_t b = len; b-- > 0 && wrap;)
			wrap = ++end[b] == 0;
		if (wrap)
			continue;   /* up to the last address: no end element */
		x = nlo_elem_new(nb, &e);
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, end, (uint32_t)len);
		nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	}
	nlo_elems_flush(nb, &e);
	free(r);
}

/* A port set's elements from their text, "tcp . 443, udp . 53-54". */
static int port_elems(struct nlbatch *nb, const char *set, const char *text)
{
	struct nlo_elems e = { .set = set };
	const char *c = text;
	while (*c) {
		char proto[8];
		unsigned lo, hi;
		int used = 0;
		if (sscanf(c, "%7s . %u%n", proto, &lo, &used) < 2)
			return -ENOTSUP;
		c += used;
		hi = lo;
		if (*c == '-') {
			if (sscanf(c + 1, "%u%n", &hi, &used) < 1)
				return -ENOTSUP;
			c += used + 1;
		}
		uint8_t k[8] = { 0 }, kend[8] = { 0 };
		k[0] = kend[0] = !strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
		k[4] = (uint8_t)(lo >> 8);
		k[5] = (uint8_t)lo;
		kend[4] = (uint8_t)(hi >> 8);
		kend[5] = (uint8_t)hi;
		struct nftnl_set_elem *x = nlo_elem_new(nb, &e);
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, k, 8);
		nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY_END, kend, 8);
		while (*c == ',' || *c == ' ')
			c++;
	}
	nlo_elems_flush(nb, &e);
	return 0;
}

/* ---- the base chains' rules (forward, input, output), as nft builds them ---- */


static void ct_state(struct nlbatch *nb, const char *chain, uint32_t bits, uint32_t verdict)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e = nlo_ex(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	uint32_t zero = 0;
	e = nlo_ex(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &bits, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	e = nlo_ex(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &zero, 4);
	e = nlo_ex(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	nlo_rule_add(nb, r, chain, "a conntrack rule");
}

/* icmpv6 type TYPE accept */
static void nd_accept(struct nlbatch *nb, const char *chain, uint8_t type)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t v[3] = { NFPROTO_IPV6, IPPROTO_ICMPV6, type };
	uint32_t key[2] = { NFT_META_NFPROTO, NFT_META_L4PROTO };
	for (int i = 0; i < 3; i++) {
		struct nftnl_expr *e;
		if (i < 2) {
			e = nlo_ex(r, "meta");
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key[i]);
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
		} else {
			e = nlo_ex(r, "payload");
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 0);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		}
		e = nlo_ex(r, "cmp");
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &v[i], 1);
	}
	struct nftnl_expr *e = nlo_ex(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	nlo_rule_add(nb, r, chain, "a neighbour discovery rule");
}

static void ifname_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nlo_ex(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}


static void vmap_rule(struct nlbatch *nb, const char *chain, uint32_t key, const char *map)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	ifname_load(r, key);
	struct nftnl_expr *e = nlo_ex(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, map);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nlo_rule_add(nb, r, chain, "a dispatch rule");
}

/* iifname != @vnics ip saddr vmap @vnic_out_v4: a bridged vNIC's packets
 * (the forward hook sees the bridge, not its port) dispatched by address */
static void addr_vmap_rule(struct nlbatch *nb, const char *chain, uint32_t key, int fam,
			   const char *map)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	ifname_load(r, key);
	struct nftnl_expr *e = nlo_ex(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "vnics");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	e = nlo_ex(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	uint8_t proto = fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	e = nlo_ex(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &proto, 1);
	bool src = key == NFT_META_IIFNAME;
	e = nlo_ex(r, "payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET,
			   fam == 4 ? (src ? 12 : 16) : (src ? 8 : 24));
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, fam == 4 ? 4 : 16);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	e = nlo_ex(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, map);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nlo_rule_add(nb, r, chain, "an address dispatch rule");
}

/* PROTO sport|dport PORT accept: what a VM's network needs of its host */
static void port_accept(struct nlbatch *nb, const char *chain, uint8_t proto, bool sport,
			uint16_t port)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint16_t be = htons(port);
	nlo_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	nlo_cmp(r, NFT_CMP_EQ, &proto, 1);
	nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, sport ? 0 : 2, 2, NFT_REG_1);
	nlo_cmp(r, NFT_CMP_EQ, &be, 2);
	nlo_verdict(r, NF_ACCEPT, NULL);
	nlo_rule_add(nb, r, chain, "a host service rule");
}

/* The input and output chains (policy/host.c's host_chains). */
static int host_chains(struct nlbatch *nb, const struct cd_host *h)
{
	int r = 0;
	for (int out = 0; out < 2 && r == 0; out++) {
		const char *c = out ? "output" : "input";
		uint32_t key = out ? NFT_META_OIFNAME : NFT_META_IIFNAME;
		ct_state(nb, c, 0x6, NF_ACCEPT);   /* established, related */
		nd_accept(nb, c, 135);
		nd_accept(nb, c, 136);
		if (out) {
			nd_accept(nb, c, 134);     /* nd-router-advert */
			port_accept(nb, c, IPPROTO_UDP, true, 67);
			port_accept(nb, c, IPPROTO_UDP, true, 547);
		} else {
			nd_accept(nb, c, 133);     /* nd-router-solicit */
			port_accept(nb, c, IPPROTO_UDP, false, 67);
			port_accept(nb, c, IPPROTO_UDP, false, 547);
			port_accept(nb, c, IPPROTO_UDP, false, 53);
			port_accept(nb, c, IPPROTO_TCP, false, 53);
		}
		for (size_t i = 0; i < h->nglobs && !h->unknown_accept && r == 0; i++)
			r = nlo_unknown_rule(nb, c, key, h->globs[i]);
		vmap_rule(nb, c, key, out ? "vnic_in" : "vnic_out");
		addr_vmap_rule(nb, c, key, 4, out ? "vnic_in_v4" : "vnic_out_v4");
		addr_vmap_rule(nb, c, key, 6, out ? "vnic_in_v6" : "vnic_out_v6");
	}
	return r;
}

/* The maps of vNICs' addresses to their chains (vnic_out_v4, ...). */
static void addr_maps(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st)
{
	for (int d = 0; d < 2; d++) {
		const char *dir = d ? "in" : "out";
		for (int fam = 4; fam <= 6; fam += 2) {
			char name[32];
			snprintf(name, sizeof(name), "vnic_%s_v%d", dir, fam);
			struct nftnl_set *s = nlo_set_new(nb, name, NFT_SET_MAP, fam == 4 ? TYPE_IPADDR : TYPE_IP6ADDR,
						      fam == 4 ? 4 : 16, "000402000000010400000000060400000000");
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
			nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 16);
			nlo_set_add(nb, s);
			nftnl_set_free(s);
			struct nlo_elems e = { .set = name };
			for (size_t k = 0; k < h->n; k++) {
				const struct cd_vnic *v = &st->inv.w[h->v[k].wl].vnics[h->v[k].vnic];
				char target[80];
				snprintf(target, sizeof(target), "%s_%s", dir, h->v[k].name);
				for (size_t a = 0; a < v->nips; a++) {
					if (v->ips[a].family != fam)
						continue;
					struct nftnl_set_elem *x = nlo_elem_new(nb, &e);
					nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, v->ips[a].b, fam == 4 ? 4 : 16);
					nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
					nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, target);
				}
			}
			nlo_elems_flush(nb, &e);
		}
	}
}

static int chain_rules(struct nlbatch *nb, const char *name, const char *text)
{
	for (const char *c = text; *c;) {
		const char *nl = strchr(c, '\n');
		char *line = cd_strndup(c, nl ? (size_t)(nl - c) : strlen(c));
		c += strlen(line) + (nl ? 1 : 0);
		struct nftnl_rule *r = nftnl_rule_alloc();
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CD_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
		if (cd_nl_rule(r, line) < 0) {
			nftnl_rule_free(r);
			free(line);
			return -ENOTSUP;
		}
		nftnl_rule_nlmsg_build_payload(
			nlbatch_msg(nb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
				    cd_asprintf("adding rule to chain %s: %s", name, line)), r);
		nftnl_rule_free(r);
		free(line);
		nlbatch_next(nb);
	}
	return 0;
}

/* One set of h, with its elements. */
static int set_msgs(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st,
		    const struct cd_host_set *hs)
{
	char name[300];
	if (hs->kind == CD_SET_PORTS) {
		const char *p = h->names.port_sets[hs->idx];
		struct nftnl_set *s = nlo_set_new(nb, p, NFT_SET_INTERVAL | NFT_SET_CONCAT,
					      TYPE_INET_PROTOCOL << 6 | TYPE_INET_SERVICE, 8,
					      "000400000000030800040d0000000100");
		uint8_t fields[2] = { 1, 2 };
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, fields, 2);
		nlo_set_add(nb, s);
		nftnl_set_free(s);
		return port_elems(nb, p, h->names.port_elements[hs->idx]);
	}
	for (int fam = 4; fam <= 6; fam += 2) {
		uint32_t type = fam == 4 ? TYPE_IPADDR : TYPE_IP6ADDR, len = fam == 4 ? 4 : 16;
		if (hs->kind == CD_SET_IPSET) {
			const struct cd_ipset *ip = &st->pol.ipsets[hs->idx];
			if (!cd_ipset_has_family(ip, fam))
				continue;
			snprintf(name, sizeof(name), "%s_v%d", h->names.ipset[hs->idx], fam);
			struct nftnl_set *s = nlo_set_new(nb, name, NFT_SET_INTERVAL, type, len,
						      "000402000000020401000000");
			nlo_set_add(nb, s);
			nftnl_set_free(s);
			interval_elems(nb, name, ip->addrs, ip->n, fam);
			continue;
		}
		snprintf(name, sizeof(name), "%s_v%d", h->names.group[hs->idx], fam);
		struct nftnl_set *s = nlo_set_new(nb, name, 0, type, len, "000402000000");
		nlo_set_add(nb, s);
		nftnl_set_free(s);
		struct cd_addr *v;
		size_t n = cd_group_addrs(st, hs->idx, fam, &v);
		struct nlo_elems e = { .set = name };
		for (size_t i = 0; i < n; i++)
			nftnl_set_elem_set(nlo_elem_new(nb, &e), NFTNL_SET_ELEM_KEY, v[i].b, len);
		nlo_elems_flush(nb, &e);
		free(v);
	}
	return 0;
}

int cd_nft_replace_host(const struct cd_host *h, const struct cd_state *st,
			struct cd_buf *err)
{
	const struct cd_policy *pol = &st->pol;
	/* room for the batch: rules at most 16 bytes of netlink per byte of
	 * text, elements about 40 bytes each (a batch that would still be too
	 * big is never sent: the caller then goes through nft) */
	size_t limit = (1u << 20) + pol->nrules * 256, maxaddr = 1;
	for (size_t k = 0; k < h->n; k++)
		limit += (strlen(h->v[k].text[0]) + strlen(h->v[k].text[1])) * 16 + 4096;
	for (size_t w = 0; w < st->inv.n; w++) {
		size_t a = 0;
		for (size_t v = 0; v < st->inv.w[w].nvnics; v++)
			a += st->inv.w[w].vnics[v].nips;
		if (a > maxaddr)
			maxaddr = a;
	}
	for (size_t g = 0; g < pol->ngroups; g++) {
		if (!h->group_set[g])
			continue;
		size_t members = 0;
		for (size_t i = 0; i < st->mem.words; i++)
			members += (size_t)__builtin_popcountll(st->mem.bits[g][i]);
		limit += members * maxaddr * 40 + 4096;
	}
	for (size_t i = 0; i < pol->nipsets; i++)
		limit += pol->ipsets[i].n * 2 * 40 + 4096;
	limit += h->n * maxaddr * 2 * 80 + 4 * 4096;   /* the address maps */
	limit += h->n * (maxaddr + 4) * 3 * 160 + 64 * 4096;   /* the guard's three tables */
	for (size_t i = 0; i < h->names.nport_sets; i++)
		limit += strlen(h->names.port_elements[i]) * 8 + 4096;
	struct nlbatch nb;
	nlbatch_begin(&nb, limit);
	int r = 0;

	nlo_table(&nb, NFT_MSG_NEWTABLE);
	nlo_table(&nb, NFT_MSG_DELTABLE);
	nlo_table(&nb, NFT_MSG_NEWTABLE);
	for (size_t i = 0; i < pol->nrules; i++) {
		char *c = cd_rule_comment(&pol->rules[i]);
		char name[32];
		snprintf(name, sizeof(name), "r%u", pol->rules[i].id);
		nlo_counter(&nb, name, c);
		free(c);
	}
	if (pol->default_action == CD_DROP) {
		nlo_counter(&nb, "default_out", NULL);
		nlo_counter(&nb, "default_in", NULL);
	}
	nlo_counter(&nb, "unknown_vnic", NULL);
	nlo_chain(&nb, "forward", NF_INET_FORWARD, 0);
	nlo_chain(&nb, "input", NF_INET_LOCAL_IN, 0);
	nlo_chain(&nb, "output", NF_INET_LOCAL_OUT, 0);
	for (size_t k = 0; k < h->n; k++) {
		char name[80];
		snprintf(name, sizeof(name), "out_%s", h->v[k].name);
		nlo_chain(&nb, name, NLO_NOHOOK, 0);
		snprintf(name, sizeof(name), "in_%s", h->v[k].name);
		nlo_chain(&nb, name, NLO_NOHOOK, 0);
	}
	/* sets, in the order of the text (most named first, see host.h) */
	char name[300];
	for (size_t k = 0; k < h->nsets && r == 0; k++)
		r = set_msgs(&nb, h, st, &h->sets[k]);
	struct nftnl_set *s = nlo_set_new(&nb, "vnics", 0, TYPE_IFNAME, 16, "000401000000");
	nlo_set_add(&nb, s);
	nftnl_set_free(s);
	struct nlo_elems e = { .set = "vnics" };
	uint8_t key[16];
	for (size_t k = 0; k < h->n; k++) {
		nlo_ifname_key(key, h->v[k].ifname);
		nftnl_set_elem_set(nlo_elem_new(&nb, &e), NFTNL_SET_ELEM_KEY, key, 16);
	}
	nlo_elems_flush(&nb, &e);
	for (int d = 0; d < 2; d++) {
		const char *dir = d ? "in" : "out";
		snprintf(name, sizeof(name), "vnic_%s", dir);
		s = nlo_set_new(&nb, name, NFT_SET_MAP, TYPE_IFNAME, 16, "000401000000010400000000060400000000");
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 16);
		nlo_set_add(&nb, s);
		nftnl_set_free(s);
		e = (struct nlo_elems){ .set = name };
		for (size_t k = 0; k < h->n; k++) {
			char target[80];
			snprintf(target, sizeof(target), "%s_%s", dir, h->v[k].name);
			nlo_ifname_key(key, h->v[k].ifname);
			struct nftnl_set_elem *x = nlo_elem_new(&nb, &e);
			nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, key, 16);
			nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
			nftnl_set_elem_set_str(x, NFTNL_SET_ELEM_CHAIN, target);
		}
		nlo_elems_flush(&nb, &e);
	}
	addr_maps(&nb, h, st);
	/* rules: the forward chain, then every vNIC chain */
	const char *fwd = "forward";
	ct_state(&nb, fwd, 0x6, NF_ACCEPT);   /* established, related */
	ct_state(&nb, fwd, 0x1, NF_DROP);     /* invalid */
	nd_accept(&nb, fwd, 135);             /* nd-neighbor-solicit */
	nd_accept(&nb, fwd, 136);             /* nd-neighbor-advert */
	for (size_t i = 0; i < h->nglobs && !h->unknown_accept && r == 0; i++) {
		r = nlo_unknown_rule(&nb, fwd, NFT_META_IIFNAME, h->globs[i]);
		if (r == 0)
			r = nlo_unknown_rule(&nb, fwd, NFT_META_OIFNAME, h->globs[i]);
	}
	vmap_rule(&nb, fwd, NFT_META_IIFNAME, "vnic_out");
	addr_vmap_rule(&nb, fwd, NFT_META_IIFNAME, 4, "vnic_out_v4");
	addr_vmap_rule(&nb, fwd, NFT_META_IIFNAME, 6, "vnic_out_v6");
	vmap_rule(&nb, fwd, NFT_META_OIFNAME, "vnic_in");
	addr_vmap_rule(&nb, fwd, NFT_META_OIFNAME, 4, "vnic_in_v4");
	addr_vmap_rule(&nb, fwd, NFT_META_OIFNAME, 6, "vnic_in_v6");
	if (r == 0)
		r = host_chains(&nb, h);
	for (size_t k = 0; k < h->n && r == 0; k++) {
		char out[80], in[80];
		snprintf(out, sizeof(out), "out_%s", h->v[k].name);
		snprintf(in, sizeof(in), "in_%s", h->v[k].name);
		r = chain_rules(&nb, out, h->v[k].text[0]);
		if (r == 0)
			r = chain_rules(&nb, in, h->v[k].text[1]);
	}
	if (r == 0)
		r = cd_nl_guard_inet(&nb, h, st);
	if (r == 0)
		r = cd_nl_guard_tables(&nb, h, st);
	struct mnl_socket *nl = NULL;
	if (r == 0 && !(nl = nl_open()))
		r = -errno;
	if (r == 0)
		r = nlbatch_commit(&nb, nl, err);
	if (nl)
		mnl_socket_close(nl);
	nlbatch_free(&nb);
	return r;
}
