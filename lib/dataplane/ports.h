/* ports.h - how each vNIC of a host is attached, and what its bridge needs.
 *
 * A vNIC is routed (a device of its own, the inet hooks see it by name),
 * a port of a Linux bridge (the inet hooks see its packets only through
 * br_netfilter, and only when the bridge's nf_call_iptables and
 * nf_call_ip6tables are on), or attached in a way cordon cannot filter:
 * macvtap (libvirt's type='direct'), an Open vSwitch port, a port of any
 * other master.  cd_ports_prepare() reads the links of the current network
 * namespace (rtnetlink), loads br_netfilter if it is missing, and turns on
 * the two options on each bridge that holds a vNIC, and on no other; what
 * it did goes to log, a line each. */
#ifndef CD_PORTS_H
#define CD_PORTS_H

#include <stddef.h>

#include "base/util.h"

enum cd_port_kind {
	CD_PORT_ABSENT,          /* no such device (yet) */
	CD_PORT_ROUTED,          /* a device of its own */
	CD_PORT_BRIDGED,         /* a port of a Linux bridge, filtered */
	CD_PORT_UNFILTERED,      /* cordon cannot filter it: see reason */
};

struct cd_port {
	enum cd_port_kind kind;
	char bridge[16];         /* CD_PORT_BRIDGED: the bridge */
	char reason[160];        /* CD_PORT_UNFILTERED: why, for a person */
};

const char *cd_port_kind_name(enum cd_port_kind k);

/* For each of the n device names: its attachment into out[i].  Returns 0
 * or a negative errno (rtnetlink failed); err says what failed. */
int cd_ports_prepare(const char *const *ifnames, size_t n, struct cd_port *out,
		     struct cd_buf *log, struct cd_buf *err);

#endif
