/* bridge.h - the bridge table: what a vNIC that is a bridge port needs
 * beyond its chains in the inet table.
 *
 * On a bridge the inet family's hooks (reached through br_netfilter) see
 * the bridge, not the port, so the inet table dispatches a bridged vNIC's
 * packets by their addresses (host.h).  That holds only if a port sends
 * as itself, and only ports cordon knows may carry traffic at all; both
 * need the port, which only the bridge family sees:
 *
 *   table bridge cordon {
 *       set vnics      the host's vNICs (by name, as in the inet table)
 *       set nomac      those with no MAC in the inventory
 *       set macs       ifname . ether_addr
 *       set addrs_v4   ifname . ipv4_addr
 *       set addrs_v6   ifname . ipv6_addr (with the link-local address
 *                      made from the MAC, EUI-64)
 *       chain prerouting   unknown vNIC ports dropped, known ones to guard
 *       chain guard        SpoofGuard: a frame from another MAC, a packet
 *                          or an ARP sender from another address, a DHCP
 *                          or DHCPv6 server's answer, a router
 *                          advertisement or redirect: dropped and counted
 *       chain forward, output  nothing out to an unknown vNIC port
 *   }
 *
 * The table depends on the inventory alone (names, MACs, addresses), never
 * on tags or the policy: a tag change does not touch it. */
#ifndef CD_BRIDGE_H
#define CD_BRIDGE_H

#include "policy/host.h"

#define CD_BRIDGE_SETS 5
/* The names of the bridge table's element sets, in the order created. */
extern const char *const cd_bridge_set_names[CD_BRIDGE_SETS];

/* The link-local address a guest derives from its MAC (EUI-64); false
 * when mac is NULL or not a MAC. */
bool cd_mac_link_local(const char *mac, struct cd_addr *out);
/* The 6 bytes of a MAC "52:54:00:00:00:01"; false if it is not one. */
bool cd_mac_parse(const char *mac, uint8_t out[6]);

/* The elements of set s (index into cd_bridge_set_names) for host h built
 * from st, in nft syntax ("\"vnet1\" . 10.0.0.1"), sorted; returns how
 * many, *out to free with cd_strv_free. */
size_t cd_bridge_elements(const struct cd_host *h, const struct cd_state *st, int s,
			  char ***out);
void cd_strv_free(char **v, size_t n);

/* The whole bridge table in nft syntax. */
int cd_bridge_render(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b);

/* Element commands that turn the bridge table of (old, os) into that of
 * (new, ns). */
int cd_bridge_diff(const struct cd_host *old, const struct cd_state *os,
		   const struct cd_host *new, const struct cd_state *ns,
		   struct cd_buf *script);

#endif
