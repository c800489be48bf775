/* virt.h - workloads from a libvirt host (the inventory connector's core).
 *
 * A domain becomes a workload: its UUID as id, its name, the source's
 * host, and a vNIC per <interface> with a host-side device (<target
 * dev>): the device as ifname and the MAC.  Addresses and tags come from
 * cordon's own metadata in the domain XML:
 *
 *   <metadata>
 *     <cordon:workload xmlns:cordon="https://cordon.dev/xmlns/workload/1">
 *       <cordon:tag>env=prod</cordon:tag>
 *       <cordon:ip dev="vnet0">10.0.0.5</cordon:ip>
 *       <cordon:ip mac="52:54:00:00:00:05">fd00::5</cordon:ip>
 *     </cordon:workload>
 *   </metadata>
 *
 * (an address names its vNIC by device or by MAC, or else is the first
 * vNIC's).  The connector adds, for a running domain's vNIC with no
 * address of cordon's, those the guest agent or the DHCP leases know.  A workload object is the inventory document's (policy.md
 * §1.1), so the manager checks it like any pushed inventory. */
#ifndef CD_VIRT_H
#define CD_VIRT_H

#include <jansson.h>

#include "inventory/source.h"
#include "base/util.h"

#define CD_VIRT_NS "https://cordon.dev/xmlns/workload/1"
#define CD_VIRT_XML_MAX (4u << 20)     /* the largest domain XML read */

/* One domain's XML as a workload object on host; -EINVAL with err when
 * the XML is not a domain. */
int cd_virt_domain(const char *xml, size_t len, const char *host, json_t **out,
		   struct cd_buf *err);
/* The libvirt connector (source.h): config {"uri"}.  Domains come and go
 * with libvirt's lifecycle, metadata and device events; tags written back
 * go into cordon's metadata element (its addresses kept). */
extern const struct cd_src_ops cd_virt_ops;

#endif
