/* nlbridge.c - the bridge table (policy/bridge.h) as the messages nft
 * sends for cd_bridge_render()'s text (read off nft 1.0.6 with nft
 * --debug=netlink and --debug=mnl), for the same batch as the inet table.
 * The root test compares the kernel's listings of both builds. */
#include "dataplane/nlbridge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nlobj.h"
#include "policy/bridge.h"

static void add_rule(struct nlbatch *nb, struct nftnl_rule *r, const char *chain)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CD_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(
		nlbatch_msg(nb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			    cd_asprintf("adding a rule to bridge chain %s", chain)), r);
	nftnl_rule_free(r);
	nlbatch_next(nb);
}

static void meta(struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = nlo_ex(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
}

static void payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
		    uint32_t reg)
{
	struct nftnl_expr *e = nlo_ex(r, "payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

static void cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nlo_ex(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void lookup(struct nftnl_rule *r, const char *set, bool inv)
{
	struct nftnl_expr *e = nlo_ex(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (inv)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

/* counter name "NAME" drop */
static void counted_drop(struct nftnl_rule *r, const char *counter)
{
	struct nftnl_expr *e = nlo_ex(r, "objref");
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, counter);
	e = nlo_ex(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
}

/* ... counter name "spoofguard" drop, the rule ending in chain guard */
static void guard_drop(struct nlbatch *nb, struct nftnl_rule *r)
{
	counted_drop(r, "spoofguard");
	add_rule(nb, r, "guard");
}

/* KEY "GLOB*" KEY != @vnics counter name "unknown_vnic" drop */
static int unknown_rule(struct nlbatch *nb, const char *chain, uint32_t key, const char *glob)
{
	size_t n = strlen(glob);
	if (!n || glob[n - 1] != '*' || strpbrk(glob, "?[\\") || memchr(glob, '*', n - 1))
		return -ENOTSUP;   /* only prefix globs, as nft takes them */
	struct nftnl_rule *r = nftnl_rule_alloc();
	meta(r, key, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, glob, (uint32_t)(n - 1));
	meta(r, key, NFT_REG_1);
	lookup(r, "vnics", true);
	counted_drop(r, "unknown_vnic");
	add_rule(nb, r, chain);
	return 0;
}

/* [DEPENDENCY] FIELD != ZERO iifname . FIELD != @SET counter "spoofguard" drop */
static void source_rule(struct nlbatch *nb, bool arp, int fam, const char *set)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t zero[16] = { 0 };
	uint16_t proto = htons(arp ? ETH_P_ARP : fam == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (arp) {
		payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);   /* ether type */
	} else {
		meta(r, NFT_META_PROTOCOL, NFT_REG_1);
	}
	cmp(r, NFT_CMP_EQ, &proto, 2);
	uint32_t off = arp ? 14 : fam == 4 ? 12 : 8, len = fam == 4 ? 4 : 16;
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
	cmp(r, NFT_CMP_NEQ, zero, len);
	meta(r, NFT_META_IIFNAME, NFT_REG_1);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_2);
	lookup(r, set, true);
	guard_drop(nb, r);
}

static void udp_sport_rule(struct nlbatch *nb, uint16_t port)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t p = IPPROTO_UDP;
	uint16_t be = htons(port);
	meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &p, 1);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &be, 2);
	guard_drop(nb, r);
}

static void icmpv6_type_rule(struct nlbatch *nb, uint8_t type)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint16_t proto = htons(ETH_P_IPV6);
	uint8_t p = IPPROTO_ICMPV6;
	payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &proto, 2);
	meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &p, 1);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &type, 1);
	guard_drop(nb, r);
}

/* One element from its text: "\"vnet1\"", "\"vnet1\" . 52:54:...",
 * "\"vnet1\" . ADDR". */
static int elem_key(int s, const char *text, uint8_t key[32], uint32_t *len)
{
	const char *q = strchr(text + 1, '"');
	if (text[0] != '"' || !q || q - text - 1 > 15)
		return -EINVAL;
	memset(key, 0, 32);
	memcpy(key, text + 1, (size_t)(q - text - 1));
	*len = 16;
	if (s < 2)
		return 0;
	const char *v = q + 1;
	if (strncmp(v, " . ", 3) != 0)
		return -EINVAL;
	v += 3;
	if (s == 2) {
		if (!cd_mac_parse(v, key + 16))
			return -EINVAL;
		*len = 24;   /* 6 bytes, in a register of 8 */
		return 0;
	}
	struct cd_addr a;
	const char *why;
	if (cd_addr_parse(v, false, &a, &why) < 0)
		return -EINVAL;
	memcpy(key + 16, a.b, a.family == 4 ? 4 : 16);
	*len = a.family == 4 ? 20 : 32;
	return 0;
}

int cd_nl_bridge_table(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st)
{
	static const uint32_t key_type[CD_BRIDGE_SETS] = {
		TYPE_IFNAME, TYPE_IFNAME, TYPE_IFNAME << 6 | TYPE_ETHERADDR,
		TYPE_IFNAME << 6 | TYPE_IPADDR, TYPE_IFNAME << 6 | TYPE_IP6ADDR,
	};
	static const uint32_t key_len[CD_BRIDGE_SETS] = { 16, 16, 24, 20, 32 };
	int r = 0;
	uint16_t fam = nlbatch_family(nb);
	nlbatch_set_family(nb, NFPROTO_BRIDGE);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_table(nb, NFT_MSG_DELTABLE);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_counter(nb, "unknown_vnic", NULL);
	nlo_counter(nb, "spoofguard", NULL);
	nlo_chain(nb, "prerouting", NF_BR_PRE_ROUTING, -200);
	nlo_chain(nb, "guard", NLO_NOHOOK, 0);
	nlo_chain(nb, "forward", NF_BR_FORWARD, -200);
	nlo_chain(nb, "output", NF_BR_LOCAL_OUT, -200);
	for (int s = 0; s < CD_BRIDGE_SETS && r == 0; s++) {
		const char *name = cd_bridge_set_names[s];
		struct nftnl_set *set = nlo_set_new(nb, name, 0, key_type[s], key_len[s],
						    s < 2 ? "000401000000" : "000400000000030800040d0000000100");
		nlo_set_add(nb, set);
		nftnl_set_free(set);
		char **v;
		size_t n = cd_bridge_elements(h, st, s, &v);
		struct nlo_elems e = { .set = name };
		for (size_t i = 0; i < n && r == 0; i++) {
			uint8_t key[32];
			uint32_t len;
			if ((r = elem_key(s, v[i], key, &len)) == 0)
				nftnl_set_elem_set(nlo_elem_new(nb, &e), NFTNL_SET_ELEM_KEY, key, len);
		}
		nlo_elems_flush(nb, &e);
		cd_strv_free(v, n);
	}
	if (r == 0) {
		/* iifname @vnics goto guard: a vNIC's frame, one lookup, and
		 * the unknown-port rules never walked for it */
		struct nftnl_rule *x = nftnl_rule_alloc();
		meta(x, NFT_META_IIFNAME, NFT_REG_1);
		lookup(x, "vnics", false);
		struct nftnl_expr *e = nlo_ex(x, "immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_GOTO);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, "guard");
		add_rule(nb, x, "prerouting");
	}
	for (size_t i = 0; i < h->nglobs && !h->unknown_accept && r == 0; i++)
		r = unknown_rule(nb, "prerouting", NFT_META_IIFNAME, h->globs[i]);
	if (r == 0) {
		/* iifname . ether saddr != @macs iifname != @nomac ... drop: a
		 * frame from its own MAC stops at the first lookup */
		struct nftnl_rule *x = nftnl_rule_alloc();
		meta(x, NFT_META_IIFNAME, NFT_REG_1);
		payload(x, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2);
		lookup(x, "macs", true);
		meta(x, NFT_META_IIFNAME, NFT_REG_1);
		lookup(x, "nomac", true);
		guard_drop(nb, x);
		source_rule(nb, true, 4, "addrs_v4");
		source_rule(nb, false, 4, "addrs_v4");
		source_rule(nb, false, 6, "addrs_v6");
		udp_sport_rule(nb, 67);
		udp_sport_rule(nb, 547);
		icmpv6_type_rule(nb, 134);   /* nd-router-advert */
		icmpv6_type_rule(nb, 137);   /* nd-redirect */
	}
	const char *out[2] = { "forward", "output" };
	for (int c = 0; c < 2; c++)
		for (size_t i = 0; i < h->nglobs && !h->unknown_accept && r == 0; i++)
			r = unknown_rule(nb, out[c], NFT_META_OIFNAME, h->globs[i]);
	nlbatch_set_family(nb, fam);
	return r;
}
