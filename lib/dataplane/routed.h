/* routed.h - the plumbing of routed attachment, set by cordon itself as
 * Calico's agent sets it, so that a libvirt <interface type='ethernet'>
 * tap needs no hand-made routes:
 *  - a host route per address of the vNIC (/32, /128) through its device,
 *    marked with cordon's route protocol (CD_RTPROT, `ip route` shows
 *    "proto 205"); such a route no vNIC wants any more is deleted, one
 *    someone else made for that address is left as it is, and an address
 *    two vNICs claim is routed to neither;
 *  - the gateway the guest uses on the device: 169.254.1.1/32 and
 *    fe80::1/64 (no DAD), as Calico's routed workloads see it;
 *  - proxy ARP on the device, so that a guest configured with a subnet and
 *    its usual gateway (10.0.0.5/24 via 10.0.0.1) is answered by the host
 *    for every address it routes elsewhere, and its traffic to a neighbour
 *    crosses the host's filter.
 * It works in the current network namespace; what it changed goes to
 * log, a line each. */
#ifndef CD_ROUTED_H
#define CD_ROUTED_H

#include <stddef.h>

#include "base/addr.h"
#include "base/util.h"

#define CD_RTPROT 205    /* cordon's routes (rtnetlink protocol number) */

struct cd_routed_vnic {
	const char *ifname;          /* the host-side device */
	const struct cd_addr *ips;   /* its addresses (host addresses) */
	size_t nips;
};

/* Set the plumbing of the n routed vNICs (devices that do not exist are
 * left out); delete cordon's routes to addresses no vNIC has.  Returns 0
 * or a negative errno, err saying what failed. */
int cd_routed_plumb(const struct cd_routed_vnic *v, size_t n, struct cd_buf *log, struct cd_buf *err);

#endif
