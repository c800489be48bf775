/* guard.h - SpoofGuard on every attachment, and closed vNIC ports: what a
 * host's vNICs need beyond their chains in the inet table.
 *
 * A vNIC sends only as itself: from its MAC, from its inventory addresses
 * (and the IPv6 link-local address made from its MAC), ARP and neighbour
 * advertisements only for those; no DHCP or DHCPv6 server answers, router
 * advertisements or redirects unless a tag allows them.  Where that is
 * checked depends on who sees the vNIC's frames:
 *
 *   table bridge cordon   a bridged vNIC (a port of a Linux bridge): only
 *                         the bridge family sees the port.  Also closes
 *                         ports that match a vNIC glob but are no vNIC.
 *   table inet cordon     a routed vNIC's IP packets: chain prerouting
 *                         (its input device is the tap itself)
 *   table arp cordon      a routed vNIC's ARP
 *
 * Each table has the same element sets (those it needs of them):
 *
 *   vnics      the host's vNICs          nomac   those with no MAC
 *   macs       ifname . ether_addr       addrs_v4, addrs_v6  ifname . addr
 *   nd_v6      ifname . target address a neighbour advertisement may name
 *   dhcp_ok    vNICs whose workload has tag CD_TAG_DHCP_SERVER
 *   router_ok  vNICs whose workload has tag CD_TAG_ROUTER
 *
 * and chain guard, which sends each kind of spoof to a chain spoof_KIND:
 * logged to nflog group CD_NFLOG_GROUP with prefix "cordon-spoof KIND"
 * (at most CD_SPOOF_LOG_RATE a second per chain; the agent turns them into
 * events), counted on counter spoofguard, dropped.
 *
 * The tables depend on the inventory (names, MACs, addresses, the two
 * tags), never on the policy. */
#ifndef CD_GUARD_H
#define CD_GUARD_H

#include "policy/host.h"

#define CD_NFLOG_GROUP 4119
#define CD_SPOOF_PREFIX "cordon-spoof "
#define CD_SPOOF_LOG_RATE 20
#define CD_TAG_DHCP_SERVER "spoofguard=allow-dhcp-server"
#define CD_TAG_ROUTER "spoofguard=allow-router"

enum cd_guard_set {
	CD_GS_VNICS, CD_GS_NOMAC, CD_GS_MACS, CD_GS_V4, CD_GS_V6, CD_GS_ND, CD_GS_DHCP,
	CD_GS_ROUTER, CD_GUARD_SETS
};
enum cd_guard_table { CD_GT_BRIDGE, CD_GT_INET, CD_GT_ARP, CD_GUARD_TABLES };
enum cd_spoof {
	CD_SPOOF_MAC, CD_SPOOF_ARP, CD_SPOOF_IP, CD_SPOOF_ND, CD_SPOOF_DHCP, CD_SPOOF_ROUTER,
	CD_SPOOF_KINDS
};

/* The names of the sets and of the kinds of spoof ("mac", "arp", ...). */
extern const char *const cd_guard_set_names[CD_GUARD_SETS];
extern const char *const cd_spoof_names[CD_SPOOF_KINDS];
/* "bridge", "inet", "arp" */
const char *cd_guard_family(enum cd_guard_table t);
/* Whether table t has set s (the inet table's vnics is its own), and
 * whether its guard sends to chain spoof_KIND. */
bool cd_guard_has_set(enum cd_guard_table t, enum cd_guard_set s);
bool cd_guard_has_kind(enum cd_guard_table t, enum cd_spoof k);

/* The link-local address a guest derives from its MAC (EUI-64); false
 * when mac is NULL or not a MAC. */
bool cd_mac_link_local(const char *mac, struct cd_addr *out);
/* The 6 bytes of a MAC "52:54:00:00:00:01"; false if it is not one. */
bool cd_mac_parse(const char *mac, uint8_t out[6]);

/* The elements of set s for host h built from st, in nft syntax
 * ("\"vnet1\"", "\"vnet1\" . 10.0.0.1", nd_v6's "\"vnet1\" . 0xfe80...")
 * sorted and unique; returns how many, *out to free with cd_strv_free. */
size_t cd_guard_elements(const struct cd_host *h, const struct cd_state *st,
			 enum cd_guard_set s, char ***out);

/* The inet table's part (its sets and chains, inside "table inet cordon
 * {"), and the bridge and arp tables whole, in nft syntax. */
int cd_guard_render_inet(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b);
int cd_guard_render_tables(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b);

/* Element commands that turn the guard of (old, os) into that of
 * (new, ns), in every table. */
int cd_guard_diff(const struct cd_host *old, const struct cd_state *os,
		  const struct cd_host *new, const struct cd_state *ns,
		  struct cd_buf *script);

/* Element commands for workload wl's vNICs after its tags changed:
 * had_dhcp and had_router say whether it held the two tags before. */
int cd_guard_retag(const struct cd_host *h, const struct cd_state *st, size_t wl,
		   bool had_dhcp, bool had_router, struct cd_buf *script);

#endif
