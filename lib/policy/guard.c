/* guard.c - SpoofGuard's tables and chains (see guard.h). */
#include "policy/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cd_guard_set_names[CD_GUARD_SETS] = {
	"vnics", "nomac", "macs", "addrs_v4", "addrs_v6", "nd_v6", "dhcp_ok", "router_ok",
};
static const char *const set_types[CD_GUARD_SETS] = {
	"type ifname", "type ifname", "type ifname . ether_addr", "type ifname . ipv4_addr",
	"type ifname . ipv6_addr", "typeof iifname . @th,64,128", "type ifname", "type ifname",
};
const char *const cd_spoof_names[CD_SPOOF_KINDS] = {
	"mac", "arp", "ip", "nd", "dhcp", "router",
};

const char *cd_guard_family(enum cd_guard_table t)
{
	return t == CD_GT_BRIDGE ? "bridge" : t == CD_GT_INET ? "inet" : "arp";
}

bool cd_guard_has_set(enum cd_guard_table t, enum cd_guard_set s)
{
	switch (t) {
	case CD_GT_BRIDGE:
		return true;
	case CD_GT_INET:
		return s != CD_GS_VNICS;     /* the inet table's own */
	default:
		return s <= CD_GS_V4;
	}
}

bool cd_guard_has_kind(enum cd_guard_table t, enum cd_spoof k)
{
	switch (t) {
	case CD_GT_BRIDGE:
		return true;
	case CD_GT_INET:
		return k != CD_SPOOF_ARP;
	default:
		return k == CD_SPOOF_ARP;
	}
}

bool cd_mac_parse(const char *mac, uint8_t out[6])
{
	unsigned v[6];
	char end;
	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return true;
}

bool cd_mac_link_local(const char *mac, struct cd_addr *out)
{
	uint8_t m[6];
	if (!cd_mac_parse(mac, m))
		return false;
	memset(out, 0, sizeof(*out));
	out->family = 6;
	out->plen = 128;
	out->b[0] = 0xfe;
	out->b[1] = 0x80;
	out->b[8] = m[0] ^ 0x02;
	out->b[9] = m[1];
	out->b[10] = m[2];
	out->b[11] = 0xff;
	out->b[12] = 0xfe;
	out->b[13] = m[3];
	out->b[14] = m[4];
	out->b[15] = m[5];
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* one vNIC's elements of an address set: its addresses of family fam, and
 * for IPv6 the link-local address of its MAC; nd_v6 in hex, as nft takes
 * a raw payload's value */
static void addr_elements(const char *ifname, const struct cd_vnic *vn, int fam, bool hex,
			  char ***v, size_t *n, size_t *cap)
{
	struct cd_addr ll;
	bool has_ll = fam == 6 && cd_mac_link_local(vn->mac, &ll);
	for (size_t a = 0; a < vn->nips + has_ll; a++) {
		const struct cd_addr *ad = a < vn->nips ? &vn->ips[a] : &ll;
		if (ad->family != fam)
			continue;
		char buf[CD_ADDR_STRLEN + 2];
		if (hex) {
			strcpy(buf, "0x");
			for (int i = 0; i < 16; i++)
				snprintf(buf + 2 + 2 * i, 3, "%02x", ad->b[i]);
		} else {
			cd_addr_fmt(ad, buf);
		}
		char *e = cd_asprintf("\"%s\" . %s", ifname, buf);
		CD_PUSH(*v, *n, *cap, e);
	}
}

size_t cd_guard_elements(const struct cd_host *h, const struct cd_state *st,
			 enum cd_guard_set s, char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	for (size_t k = 0; k < h->n; k++) {
		const struct cd_host_vnic *hv = &h->v[k];
		const struct cd_workload *w = &st->inv.w[hv->wl];
		const struct cd_vnic *vn = &w->vnics[hv->vnic];
		uint8_t m[6];
		bool mac = cd_mac_parse(vn->mac, m);
		bool name = s == CD_GS_VNICS || (s == CD_GS_NOMAC && !mac) ||
			    (s == CD_GS_DHCP && cd_workload_has_tag(w, CD_TAG_DHCP_SERVER)) ||
			    (s == CD_GS_ROUTER && cd_workload_has_tag(w, CD_TAG_ROUTER));
		char *e;
		if (name) {
			e = cd_asprintf("\"%s\"", hv->ifname);
			CD_PUSH(v, n, cap, e);
		} else if (s == CD_GS_MACS && mac) {
			e = cd_asprintf("\"%s\" . %02x:%02x:%02x:%02x:%02x:%02x", hv->ifname, m[0],
					m[1], m[2], m[3], m[4], m[5]);
			CD_PUSH(v, n, cap, e);
		} else if (s == CD_GS_V4 || s == CD_GS_V6 || s == CD_GS_ND) {
			addr_elements(hv->ifname, vn, s == CD_GS_V4 ? 4 : 6, s == CD_GS_ND, &v, &n, &cap);
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	/* an address listed twice (the EUI-64 link-local one in the
	 * inventory too) is one element: the diffs pair them one to one */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1], v[i]))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*out = v;
	return k;
}

/* The guard's rules: where each goes (a chain of table t; 0: not in it). */
static const struct {
	const char *chain[CD_GUARD_TABLES];
	const char *text;
} rules[] = {
	{ { "guard", "guard", NULL }, "iifname . ether saddr != @macs iifname != @nomac goto spoof_mac" },
	{ { "guard", NULL, NULL }, "ether type arp goto guard_arp" },
	{ { "guard", NULL, NULL }, "ether type ip goto guard_ip" },
	{ { "guard", NULL, NULL }, "ether type ip6 goto guard_ip6" },
	{ { NULL, "guard", NULL }, "meta nfproto ipv4 goto guard_ip" },
	{ { NULL, "guard", NULL }, "meta nfproto ipv6 goto guard_ip6" },
	{ { "guard_arp", NULL, "guard" },
	  "iifname . arp saddr ether != @macs iifname != @nomac goto spoof_arp" },
	{ { "guard_arp", NULL, "guard" },
	  "arp saddr ip != 0.0.0.0 iifname . arp saddr ip != @addrs_v4 goto spoof_arp" },
	{ { "guard_ip", "guard_ip", NULL },
	  "ip saddr != 0.0.0.0 iifname . ip saddr != @addrs_v4 goto spoof_ip" },
	{ { "guard_ip", "guard_ip", NULL }, "udp sport 67 iifname != @dhcp_ok goto spoof_dhcp" },
	{ { "guard_ip6", "guard_ip6", NULL },
	  "ip6 saddr != :: ip6 saddr != fe80::/10 iifname . ip6 saddr != @addrs_v6 goto spoof_ip" },
	{ { "guard_ip6", "guard_ip6", NULL },
	  "icmpv6 type nd-neighbor-advert @th,64,16 & 0xffc0 != 0xfe80 iifname . @th,64,128 != @nd_v6 goto spoof_nd" },
	{ { "guard_ip6", "guard_ip6", NULL }, "udp sport 547 iifname != @dhcp_ok goto spoof_dhcp" },
	{ { "guard_ip6", "guard_ip6", NULL },
	  "icmpv6 type nd-router-advert iifname != @router_ok goto spoof_router" },
	{ { "guard_ip6", "guard_ip6", NULL },
	  "icmpv6 type nd-redirect iifname != @router_ok goto spoof_router" },
	/* a bridged vNIC's link-local IPv6: no inventory address says whose
	 * it is, so the policy cannot judge it (docs/dataplane.md) */
	{ { "guard_ip6", NULL, NULL }, "ip6 saddr fe80::/10 goto link_local" },
	{ { "guard_ip6", NULL, NULL }, "ip6 daddr fe80::/10 goto link_local" },
	/* what a link needs: MLD, neighbour and router discovery, DHCPv6 */
	{ { "link_local", NULL, NULL }, "icmpv6 type 130-137 return" },
	{ { "link_local", NULL, NULL }, "icmpv6 type mld2-listener-report return" },
	{ { "link_local", NULL, NULL }, "udp dport 546-547 return" },
	{ { "link_local", NULL, NULL }, "counter name \"link_local\" drop" },
};
static const char *const guard_chains[] = { "guard", "guard_arp", "guard_ip", "guard_ip6",
					     "link_local" };

static bool has_chain(enum cd_guard_table t, const char *chain)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(rules); i++)
		if (rules[i].chain[t] && !strcmp(rules[i].chain[t], chain))
			return true;
	return false;
}

#define FAST_V4 "meta l4proto tcp iifname . ether saddr @macs iifname . ip saddr @addrs_v4 accept"
#define FAST_V6 "meta l4proto tcp iifname . ether saddr @macs iifname . ip6 saddr @addrs_v6 " \
	"ip6 daddr != fe80::/10 accept"

/* the unknown-vNIC rules of a hook, one per glob: KEY is iifname or oifname */
static void unknown_rules(const struct cd_host *h, struct cd_buf *b, const char *key)
{
	if (h->unknown_accept)
		return;
	for (size_t i = 0; i < h->nglobs; i++)
		cd_buf_printf(b, "\t\t%s \"%s\" %s != @vnics counter name \"unknown_vnic\" drop\n",
			      key, h->globs[i], key);
}

/* Table t's sets, guard chains and spoof chains; its base chain (hook
 * HOOK) ends with what extra adds. */
static void guard_body(const struct cd_host *h, const struct cd_state *st, enum cd_guard_table t,
		       struct cd_buf *b, const char *hook,
		       void (*extra)(const struct cd_host *, struct cd_buf *, const char *))
{
	for (int s = 0; s < CD_GUARD_SETS; s++) {
		if (!cd_guard_has_set(t, s))
			continue;
		char **v;
		size_t n = cd_guard_elements(h, st, s, &v);
		cd_buf_printf(b, "\tset %s {\n\t\t%s\n", cd_guard_set_names[s], set_types[s]);
		for (size_t i = 0; i < n; i++)
			cd_buf_printf(b, "%s%s", i ? ",\n\t\t\t     " : "\t\telements = { ", v[i]);
		cd_buf_puts(b, n ? " }\n\t}\n" : "\t}\n");
		cd_strv_free(v, n);
	}
	/* a vNIC's TCP from its MAC and address, the most of its frames: two
	 * lookups and it is through (no TCP segment is a DHCP or router
	 * message); else one lookup to its guard, then one for its MAC and
	 * one for its address in the chain of its protocol (what a vNIC's
	 * frame costs: docs/dataplane.md, "What costs what") */
	cd_buf_printf(b, "\n\tchain %s {\n"
		      "\t\ttype filter hook %s priority filter; policy accept;\n", hook, hook);
	if (t != CD_GT_ARP)
		cd_buf_puts(b, "\t\t" FAST_V4 "\n\t\t" FAST_V6 "\n");
	cd_buf_puts(b, "\t\tiifname @vnics goto guard\n");
	if (extra)
		extra(h, b, "iifname");
	cd_buf_puts(b, "\t}\n");
	for (size_t c = 0; c < CD_ARRAY_LEN(guard_chains); c++) {
		if (!has_chain(t, guard_chains[c]))
			continue;
		cd_buf_printf(b, "\n\tchain %s {\n", guard_chains[c]);
		for (size_t i = 0; i < CD_ARRAY_LEN(rules); i++)
			if (rules[i].chain[t] && !strcmp(rules[i].chain[t], guard_chains[c]))
				cd_buf_printf(b, "\t\t%s\n", rules[i].text);
		cd_buf_puts(b, "\t}\n");
	}
	for (int k = 0; k < CD_SPOOF_KINDS; k++)
		if (cd_guard_has_kind(t, k))
			cd_buf_printf(b, "\n\tchain spoof_%s {\n"
				      "\t\tlimit rate %d/second burst %d packets log prefix \"%s%s\" group %d\n"
				      "\t\tcounter name \"spoofguard\" drop\n\t}\n",
				      cd_spoof_names[k], CD_SPOOF_LOG_RATE, CD_SPOOF_LOG_RATE,
				      CD_SPOOF_PREFIX, cd_spoof_names[k], CD_NFLOG_GROUP);
}

int cd_guard_render_inet(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b)
{
	cd_buf_puts(b, "\tcounter spoofguard {\n\t}\n");
	guard_body(h, st, CD_GT_INET, b, "prerouting", NULL);
	return 0;
}

int cd_guard_render_tables(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b)
{
	cd_buf_printf(b, "table bridge %s {\n", CD_TABLE);
	cd_buf_puts(b, "\tcounter unknown_vnic {\n\t}\n\tcounter spoofguard {\n\t}\n"
		    "\tcounter link_local {\n\t}\n");
	guard_body(h, st, CD_GT_BRIDGE, b, "prerouting", unknown_rules);
	/* what reaches a vNIC from the uplink (forward) or the host (output) */
	const char *hooks[2] = { "forward", "output" };
	for (int i = 0; i < 2; i++) {
		cd_buf_printf(b, "\n\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n",
			      hooks[i], hooks[i]);
		unknown_rules(h, b, "oifname");
		cd_buf_puts(b, "\t\toifname @vnics ip6 saddr fe80::/10 goto link_local\n"
			    "\t\toifname @vnics ip6 daddr fe80::/10 goto link_local\n\t}\n");
	}
	cd_buf_printf(b, "}\ntable arp %s {\n\tcounter spoofguard {\n\t}\n", CD_TABLE);
	guard_body(h, st, CD_GT_ARP, b, "input", NULL);
	return cd_buf_puts(b, "}\n");
}

/* The commands that turn set s's elements a[0..na) into b[0..nb) in
 * every table that has it: deletions in pass 0, additions in pass 1. */
static int set_diff(int pass, enum cd_guard_set s, char **a, size_t na, char **b, size_t nb,
		    struct cd_buf *script)
{
	int r = 0;
	size_t i = 0, j = 0;
	while ((i < na || j < nb) && r == 0) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		const char *e = c < 0 ? a[i] : b[j];
		if (c < 0)
			i++;
		else
			j++;
		if (c == 0) {
			i++;
			continue;
		}
		if ((c < 0) != (pass == 0))
			continue;
		for (int t = 0; t < CD_GUARD_TABLES && r == 0; t++)
			if (cd_guard_has_set(t, s))
				r = cd_buf_printf(script, "%s element %s %s %s { %s }\n",
						  c < 0 ? "delete" : "add", cd_guard_family(t), CD_TABLE,
						  cd_guard_set_names[s], e);
	}
	return r;
}

int cd_guard_diff(const struct cd_host *old, const struct cd_state *os,
		  const struct cd_host *new, const struct cd_state *ns,
		  struct cd_buf *script)
{
	int r = 0;
	/* deletions first, then additions: an element that changes (a MAC)
	 * goes before its new form comes */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		for (int s = 0; s < CD_GUARD_SETS && r == 0; s++) {
			char **a, **b;
			size_t na = cd_guard_elements(old, os, s, &a);
			size_t nb = cd_guard_elements(new, ns, s, &b);
			r = set_diff(pass, s, a, na, b, nb, script);
			cd_strv_free(a, na);
			cd_strv_free(b, nb);
		}
	}
	return r;
}

int cd_guard_retag(const struct cd_host *h, const struct cd_state *st, size_t wl,
		   bool had_dhcp, bool had_router, struct cd_buf *script)
{
	const struct cd_workload *w = &st->inv.w[wl];
	bool now[2] = { cd_workload_has_tag(w, CD_TAG_DHCP_SERVER),
			cd_workload_has_tag(w, CD_TAG_ROUTER) };
	bool was[2] = { had_dhcp, had_router };
	int r = 0;
	for (int i = 0; i < 2; i++) {
		if (now[i] == was[i])
			continue;
		enum cd_guard_set s = i ? CD_GS_ROUTER : CD_GS_DHCP;
		for (size_t k = 0; k < h->n && r == 0; k++) {
			if (h->v[k].wl != wl)
				continue;
			for (int t = 0; t < CD_GUARD_TABLES && r == 0; t++)
				if (cd_guard_has_set(t, s))
					r = cd_buf_printf(script, "%s element %s %s %s { \"%s\" }\n",
							  now[i] ? "add" : "delete", cd_guard_family(t),
							  CD_TABLE, cd_guard_set_names[s], h->v[k].ifname);
		}
	}
	return r;
}
