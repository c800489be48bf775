/* rtnl.h - an rtnetlink socket, and one request and its answer: what
 * ports.c (links, bridges) and routed.c (routes, addresses) share. */
#ifndef CD_RTNL_H
#define CD_RTNL_H

#include <libmnl/libmnl.h>

#include "base/util.h"

/* A socket bound in the current network namespace; NULL with err set. */
struct mnl_socket *cd_rtnl_open(struct cd_buf *err);
/* Send nlh and run cb on each answer (a dump's parts, or the ACK) until
 * the end.  Returns 0 or a negative errno (the kernel's, for a NACK). */
int cd_rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
