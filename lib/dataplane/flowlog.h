/* flowlog.h - what the policy drops, read back from the kernel's log.
 *
 Each drop or reject of the policy's chains logs the packet to nflog
 * group CD_FLOW_NFLOG_GROUP with a prefix that names it (policy/render.h:
 * the direction, the rule, the verdict).  The chains see only a connection's new packets, so a record
 * is an attempt (a retransmission is another record of the same
 * attempt: the same addresses and ports).  This decodes a record: the
 * rule, the vNIC and the packet's addresses, protocol and ports.  The
 * packet is a guest's: no length or field of it is trusted. */
#ifndef CD_FLOWLOG_H
#define CD_FLOWLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "dataplane/nflog.h"
#include "policy/render.h"


struct cd_flowdrop {
	bool egress;               /* out: the vNIC sent it; in: it was sent to the vNIC */
	uint32_t rule;             /* the rule's id, 0: the default action */
	bool reject;               /* else a drop */
	uint32_t ifindex;          /* the vNIC: a bridge's port when bridged */
	struct cd_addr src, dst;
	uint8_t proto;             /* IPPROTO_*: 6, 17, 1, 58, or another */
	uint16_t sport, dport;     /* TCP and UDP; an ICMP echo's identifier */
				   /* and sequence; 0 otherwise */
	uint32_t isn;              /* TCP: the segment's sequence number (a SYN */
				   /* sent again keeps it; a new attempt from */
				   /* the same port does not) */
};

/* Decode one record.  0, or -EINVAL when it is not the policy's (another
 * prefix) or its packet has no IPv4 or IPv6 header to read. */
int cd_flowdrop_decode(const struct cd_nflog_rec *r, struct cd_flowdrop *out);

#endif
