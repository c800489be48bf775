/* nlguard.c - SpoofGuard's tables and chains (policy/guard.h) as the
 * messages nft sends for cd_guard_render_*()'s text (read off nft 1.0.6
 * with nft --debug=netlink and --debug=mnl, dependencies included), in
 * the same batch as the inet table.  The root test compares the kernel's
 * listings of both builds. */
#include "dataplane/nlguard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_log.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nlobj.h"
#include "policy/guard.h"

static void cmp_u8(struct nftnl_rule *r, uint8_t v)
{
	nlo_cmp(r, NFT_CMP_EQ, &v, 1);
}

static void cmp_be16(struct nftnl_rule *r, uint16_t v)
{
	v = htons(v);
	nlo_cmp(r, NFT_CMP_EQ, &v, 2);
}

/* The dependency nft puts before a match on family fam (4, 6, or 0 for
 * ARP) in table t: by the link header's type, the meta protocol, or the
 * meta nfproto; ll says which a bridge match takes. */
static void dep(struct nftnl_rule *r, enum cd_guard_table t, int fam, bool ll)
{
	uint16_t type = fam == 4 ? ETH_P_IP : fam == 6 ? ETH_P_IPV6 : ETH_P_ARP;
	if (t == CD_GT_INET) {
		nlo_meta(r, NFT_META_NFPROTO, NFT_REG_1);
		cmp_u8(r, fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	} else if (t == CD_GT_BRIDGE && ll) {
		nlo_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
		cmp_be16(r, type);
	} else if (t == CD_GT_BRIDGE) {
		nlo_meta(r, NFT_META_PROTOCOL, NFT_REG_1);
		cmp_be16(r, type);
	}
}

/* REG1 & ffc0:: OP fe80:: (op NEQ: a link-local address is no one's to
 * guard; EQ: a link-local address), over len bytes of register 1 */
static void link_local_cmp(struct nftnl_rule *r, uint32_t len, uint32_t op)
{
	uint8_t mask[16] = { 0xff, 0xc0 }, zero[16] = { 0 }, ll[16] = { 0xfe, 0x80 };
	struct nftnl_expr *e = nlo_ex(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nlo_cmp(r, op, ll, len);
}

/* iifname . FIELD != @macs iifname != @nomac goto spoof_KIND */
static void mac_rule(struct nlbatch *nb, enum cd_guard_table t, bool arp, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (arp) {
		dep(r, t, 0, true);
	} else if (t == CD_GT_INET) {
		uint16_t ether = ARPHRD_ETHER;
		nlo_meta(r, NFT_META_IIFTYPE, NFT_REG_1);
		nlo_cmp(r, NFT_CMP_EQ, &ether, 2);
	}
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	if (arp)
		nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, NFT_REG_2);
	else
		nlo_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2);
	nlo_lookup(r, "macs", true);
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	nlo_lookup(r, "nomac", true);
	nlo_verdict(r, NFT_GOTO, arp ? "spoof_arp" : "spoof_mac");
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
}

/* FIELD != ZERO iifname . FIELD != @SET goto spoof_KIND, FIELD an ARP
 * sender (fam 0) or an IP source */
static void source_rule(struct nlbatch *nb, enum cd_guard_table t, int fam, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t zero[16] = { 0 };
	dep(r, t, fam, !fam);
	uint32_t off = !fam ? 14 : fam == 4 ? 12 : 8, len = fam == 6 ? 16 : 4;
	nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
	nlo_cmp(r, NFT_CMP_NEQ, zero, len);
	if (fam == 6) {   /* ip6 saddr != fe80::/10: link-local sources are free */
		nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
		link_local_cmp(r, 16, NFT_CMP_NEQ);
	}
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_2);
	nlo_lookup(r, fam == 6 ? "addrs_v6" : "addrs_v4", true);
	nlo_verdict(r, NFT_GOTO, fam ? "spoof_ip" : "spoof_arp");
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
}

/* udp sport PORT iifname != @dhcp_ok goto spoof_dhcp */
static void dhcp_rule(struct nlbatch *nb, uint16_t port, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nlo_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, IPPROTO_UDP);
	nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1);
	cmp_be16(r, port);
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	nlo_lookup(r, "dhcp_ok", true);
	nlo_verdict(r, NFT_GOTO, "spoof_dhcp");
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
}

/* icmpv6 type TYPE, then for a neighbour advertisement iifname . its
 * target != @nd_v6, else iifname != @router_ok */
static void icmpv6_rule(struct nlbatch *nb, enum cd_guard_table t, uint8_t type, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	dep(r, t, 6, true);
	nlo_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp_u8(r, IPPROTO_ICMPV6);
	nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	cmp_u8(r, type);
	if (type == 136) {   /* @th,64,16 & 0xffc0 != 0xfe80: a link-local target is free */
		nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 2, NFT_REG_1);
		link_local_cmp(r, 2, NFT_CMP_NEQ);
	}
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	if (type == 136) {
		nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_2);
		nlo_lookup(r, "nd_v6", true);
	} else {
		nlo_lookup(r, "router_ok", true);
	}
	nlo_verdict(r, NFT_GOTO, type == 136 ? "spoof_nd" : "spoof_router");
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
}

/* [oifname @vnics] ip6 saddr|daddr fe80::/10 goto link_local: a bridged
 * vNIC's link-local IPv6, from it (chain guard_ip6) or to it */
static void link_local_rule(struct nlbatch *nb, const char *chain, bool oif, bool dst)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (oif) {
		nlo_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		nlo_lookup(r, "vnics", false);
	}
	dep(r, CD_GT_BRIDGE, 6, false);
	nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, dst ? 24 : 8, 16, NFT_REG_1);
	link_local_cmp(r, 16, NFT_CMP_EQ);
	nlo_verdict(r, NFT_GOTO, "link_local");
	nlo_rule_add(nb, r, chain, "a link-local rule");
}

/* chain link_local: icmpv6 type 130-137 return; icmpv6 type
 * mld2-listener-report return; udp dport 546-547 return; counter name
 * "link_local" drop */
static void link_local_chain(struct nlbatch *nb)
{
	const struct { uint8_t proto; uint32_t off, len; uint16_t lo, hi; } pass[] = {
		{ IPPROTO_ICMPV6, 0, 1, 130, 137 },
		{ IPPROTO_ICMPV6, 0, 1, 143, 143 },
		{ IPPROTO_UDP, 2, 2, 546, 547 },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(pass); i++) {
		struct nftnl_rule *r = nftnl_rule_alloc();
		if (pass[i].proto == IPPROTO_ICMPV6)
			dep(r, CD_GT_BRIDGE, 6, true);
		nlo_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		cmp_u8(r, pass[i].proto);
		nlo_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, pass[i].off, pass[i].len, NFT_REG_1);
		if (pass[i].len == 1) {
			uint8_t lo = (uint8_t)pass[i].lo, hi = (uint8_t)pass[i].hi;
			nlo_cmp(r, lo == hi ? NFT_CMP_EQ : NFT_CMP_GTE, &lo, 1);
			if (lo != hi)
				nlo_cmp(r, NFT_CMP_LTE, &hi, 1);
		} else {
			uint16_t lo = htons(pass[i].lo), hi = htons(pass[i].hi);
			nlo_cmp(r, NFT_CMP_GTE, &lo, 2);
			nlo_cmp(r, NFT_CMP_LTE, &hi, 2);
		}
		nlo_verdict(r, NFT_RETURN, NULL);
		nlo_rule_add(nb, r, "link_local", "a link-local rule");
	}
	struct nftnl_rule *r = nftnl_rule_alloc();
	nlo_counted_drop(r, "link_local");
	nlo_rule_add(nb, r, "link_local", "a link-local rule");
}

/* meta l4proto tcp iifname . ether saddr @macs iifname . ip saddr
 * @addrs_v4 accept, and for IPv6 ... ip6 saddr @addrs_v6 ip6 daddr !=
 * fe80::/10 accept: a vNIC's TCP from its MAC and address */
static void fast_rule(struct nlbatch *nb, enum cd_guard_table t, int fam, const char *base)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t tcp = IPPROTO_TCP;
	nlo_meta(r, NFT_META_L4PROTO, NFT_REG_1);
	nlo_cmp(r, NFT_CMP_EQ, &tcp, 1);
	if (t == CD_GT_INET) {
		uint16_t ether = ARPHRD_ETHER;
		nlo_meta(r, NFT_META_IIFTYPE, NFT_REG_1);
		nlo_cmp(r, NFT_CMP_EQ, &ether, 2);
	}
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	nlo_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2);
	nlo_lookup(r, "macs", false);
	/* after a link-layer match nft's dependency is the link header's
	 * type in the inet table too */
	if (t == CD_GT_INET) {
		nlo_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
		cmp_be16(r, fam == 4 ? ETH_P_IP : ETH_P_IPV6);
	} else {
		dep(r, t, fam, false);
	}
	nlo_meta(r, NFT_META_IIFNAME, NFT_REG_1);
	nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, fam == 4 ? 12 : 8, fam == 4 ? 4 : 16, NFT_REG_2);
	nlo_lookup(r, fam == 4 ? "addrs_v4" : "addrs_v6", false);
	if (fam == 6) {
		nlo_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
		link_local_cmp(r, 16, NFT_CMP_NEQ);
	}
	nlo_verdict(r, NF_ACCEPT, NULL);
	nlo_rule_add(nb, r, base, "a SpoofGuard rule");
}

/* ether type TYPE goto CHAIN (bridge), meta nfproto FAM goto CHAIN (inet) */
static void split_rule(struct nlbatch *nb, enum cd_guard_table t, int fam, const char *to)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	dep(r, t, fam, true);
	nlo_verdict(r, NFT_GOTO, to);
	nlo_rule_add(nb, r, "guard", "a SpoofGuard rule");
}

/* limit rate N/second burst N packets log prefix "cordon-spoof KIND"
 * group G; counter name "spoofguard" drop */
static void spoof_chain_rules(struct nlbatch *nb, int kind)
{
	char chain[32], prefix[64];
	snprintf(chain, sizeof(chain), "spoof_%s", cd_spoof_names[kind]);
	snprintf(prefix, sizeof(prefix), "%s%s", CD_SPOOF_PREFIX, cd_spoof_names[kind]);
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e = nlo_ex(r, "limit");
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, CD_SPOOF_LOG_RATE);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, CD_SPOOF_LOG_RATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
	e = nlo_ex(r, "log");
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix);
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, CD_NFLOG_GROUP);
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
	r = nftnl_rule_alloc();
	nlo_counted_drop(r, "spoofguard");
	nlo_rule_add(nb, r, chain, "a SpoofGuard rule");
}


/* One element of set s from its text: "\"vnet1\"", "\"vnet1\" . 52:54:...",
 * "\"vnet1\" . ADDR", nd_v6's "\"vnet1\" . 0xHEX". */
static int elem_key(int s, const char *text, uint8_t key[32], uint32_t *len)
{
	const char *q = strchr(text + 1, '"');
	if (text[0] != '"' || !q || q - text - 1 > 15)
		return -EINVAL;
	memset(key, 0, 32);
	memcpy(key, text + 1, (size_t)(q - text - 1));
	*len = 16;
	if (s == CD_GS_VNICS || s == CD_GS_NOMAC || s == CD_GS_DHCP || s == CD_GS_ROUTER)
		return 0;
	const char *v = q + 1;
	if (strncmp(v, " . ", 3) != 0)
		return -EINVAL;
	v += 3;
	if (s == CD_GS_MACS) {
		if (!cd_mac_parse(v, key + 16))
			return -EINVAL;
		*len = 24;   /* 6 bytes, in a register of 8 */
		return 0;
	}
	if (s == CD_GS_ND) {
		if (strncmp(v, "0x", 2) || strlen(v) != 34)
			return -EINVAL;
		for (int i = 0; i < 16; i++) {
			unsigned x;
			if (sscanf(v + 2 + 2 * i, "%2x", &x) != 1)
				return -EINVAL;
			key[16 + i] = (uint8_t)x;
		}
		*len = 32;
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

/* Table t's guard: sets, chains and rules, in the order of the text.  Its
 * base chain hooks hook at prio; the bridge's also drops unknown ports. */
static int guard_body(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st,
		      enum cd_guard_table t, const char *base, uint32_t hook, int32_t prio)
{
	static const uint32_t key_type[CD_GUARD_SETS] = {
		TYPE_IFNAME, TYPE_IFNAME, TYPE_IFNAME << 6 | TYPE_ETHERADDR,
		TYPE_IFNAME << 6 | TYPE_IPADDR, TYPE_IFNAME << 6 | TYPE_IP6ADDR,
		TYPE_IFNAME << 6 | TYPE_INTEGER, TYPE_IFNAME, TYPE_IFNAME,
	};
	static const uint32_t key_len[CD_GUARD_SETS] = { 16, 16, 24, 20, 32, 32, 16, 16 };
	/* nd_v6's: "typeof iifname . @th,64,128", as nft 1.0.6 writes it */
	static const char nd_udata[] =
		"0004000000000340" "00040d0000000138" "000e000409000000"
		"0106000406000000" "0126000407000000" "011e000400000000"
		"0104000000000204" "0300000003044000" "0000040480000000";
	int r = 0;
	for (int s = 0; s < CD_GUARD_SETS && r == 0; s++) {
		if (!cd_guard_has_set(t, s))
			continue;
		const char *name = cd_guard_set_names[s];
		bool ifname = s == CD_GS_VNICS || s == CD_GS_NOMAC || s >= CD_GS_DHCP;
		struct nftnl_set *set = nlo_set_new(nb, name, 0, key_type[s], key_len[s],
						    ifname ? "000401000000" : s == CD_GS_ND ? nd_udata
						    : "000400000000030800040d0000000100");
		nlo_set_add(nb, set);
		nftnl_set_free(set);
		char **v;
		size_t n = cd_guard_elements(h, st, s, &v);
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
	nlo_chain(nb, base, hook, prio);
	nlo_chain(nb, "guard", NLO_NOHOOK, 0);
	if (t == CD_GT_BRIDGE)
		nlo_chain(nb, "guard_arp", NLO_NOHOOK, 0);
	if (t != CD_GT_ARP) {
		nlo_chain(nb, "guard_ip", NLO_NOHOOK, 0);
		nlo_chain(nb, "guard_ip6", NLO_NOHOOK, 0);
	}
	if (t == CD_GT_BRIDGE)
		nlo_chain(nb, "link_local", NLO_NOHOOK, 0);
	for (int k = 0; k < CD_SPOOF_KINDS; k++) {
		char chain[32];
		snprintf(chain, sizeof(chain), "spoof_%s", cd_spoof_names[k]);
		if (cd_guard_has_kind(t, k))
			nlo_chain(nb, chain, NLO_NOHOOK, 0);
	}
	if (r)
		return r;
	if (t != CD_GT_ARP) {
		fast_rule(nb, t, 4, base);
		fast_rule(nb, t, 6, base);
	}
	/* iifname @vnics goto guard: a vNIC's frame, one lookup */
	struct nftnl_rule *x = nftnl_rule_alloc();
	nlo_meta(x, NFT_META_IIFNAME, NFT_REG_1);
	nlo_lookup(x, "vnics", false);
	nlo_verdict(x, NFT_GOTO, "guard");
	nlo_rule_add(nb, x, base, "a SpoofGuard rule");
	for (size_t i = 0; t == CD_GT_BRIDGE && i < h->nglobs && !h->unknown_accept && r == 0; i++)
		r = nlo_unknown_rule(nb, base, NFT_META_IIFNAME, h->globs[i]);
	if (t != CD_GT_ARP)
		mac_rule(nb, t, false, "guard");
	if (t == CD_GT_BRIDGE)
		split_rule(nb, t, 0, "guard_arp");
	if (t != CD_GT_ARP) {
		split_rule(nb, t, 4, "guard_ip");
		split_rule(nb, t, 6, "guard_ip6");
	}
	const char *arp_chain = t == CD_GT_BRIDGE ? "guard_arp" : "guard";
	if (t != CD_GT_INET) {
		mac_rule(nb, t, true, arp_chain);
		source_rule(nb, t, 0, arp_chain);
	}
	if (t != CD_GT_ARP) {
		source_rule(nb, t, 4, "guard_ip");
		dhcp_rule(nb, 67, "guard_ip");
		source_rule(nb, t, 6, "guard_ip6");
		icmpv6_rule(nb, t, 136, "guard_ip6");   /* nd-neighbor-advert */
		dhcp_rule(nb, 547, "guard_ip6");
		icmpv6_rule(nb, t, 134, "guard_ip6");   /* nd-router-advert */
		icmpv6_rule(nb, t, 137, "guard_ip6");   /* nd-redirect */
	}
	if (t == CD_GT_BRIDGE) {
		link_local_rule(nb, "guard_ip6", false, false);
		link_local_rule(nb, "guard_ip6", false, true);
		link_local_chain(nb);
	}
	for (int k = 0; k < CD_SPOOF_KINDS; k++)
		if (cd_guard_has_kind(t, k))
			spoof_chain_rules(nb, k);
	return r;
}

int cd_nl_guard_inet(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st)
{
	nlo_counter(nb, "spoofguard", NULL);
	return guard_body(nb, h, st, CD_GT_INET, "prerouting", NF_INET_PRE_ROUTING, 0);
}

int cd_nl_guard_tables(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st)
{
	uint16_t fam = nlbatch_family(nb);
	nlbatch_set_family(nb, NFPROTO_BRIDGE);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_table(nb, NFT_MSG_DELTABLE);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_counter(nb, "unknown_vnic", NULL);
	nlo_counter(nb, "spoofguard", NULL);
	nlo_counter(nb, "link_local", NULL);
	int r = guard_body(nb, h, st, CD_GT_BRIDGE, "prerouting", NF_BR_PRE_ROUTING, -200);
	nlo_chain(nb, "forward", NF_BR_FORWARD, -200);
	nlo_chain(nb, "output", NF_BR_LOCAL_OUT, -200);
	const char *out[2] = { "forward", "output" };
	for (int c = 0; c < 2 && r == 0; c++) {
		for (size_t i = 0; i < h->nglobs && !h->unknown_accept && r == 0; i++)
			r = nlo_unknown_rule(nb, out[c], NFT_META_OIFNAME, h->globs[i]);
		link_local_rule(nb, out[c], true, false);
		link_local_rule(nb, out[c], true, true);
	}
	nlbatch_set_family(nb, NFPROTO_ARP);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_table(nb, NFT_MSG_DELTABLE);
	nlo_table(nb, NFT_MSG_NEWTABLE);
	nlo_counter(nb, "spoofguard", NULL);
	if (r == 0)
		r = guard_body(nb, h, st, CD_GT_ARP, "input", NF_ARP_IN, 0);
	nlbatch_set_family(nb, fam);
	return r;
}
