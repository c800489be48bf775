/* attach.h - what a host's vNICs need around its table, in the current
 * network namespace: before the table loads, each vNIC's attachment found
 * (ports.h) and the bridges that hold vNICs made to pass their traffic to
 * netfilter; once it has loaded, the routed vNICs' routes, gateway and
 * proxy ARP set (routed.h), so that no route leads to a vNIC before its
 * rules do.  What `cordon apply` and the agent share. */
#ifndef CD_ATTACH_H
#define CD_ATTACH_H

#include "dataplane/ports.h"
#include "policy/host.h"

/* Before the table.  out: h->n entries, in h's vNIC order (the caller
 * frees it).  What was changed goes to log, a line each.  Returns 0, or a
 * negative errno when the attachments could not be read (err says why;
 * *out is then all CD_PORT_ABSENT). */
int cd_attach_prepare(const struct cd_host *h, struct cd_port **out, struct cd_buf *log,
		      struct cd_buf *err);
/* After the table: the plumbing of the vNICs ports[] (from
 * cd_attach_prepare) says are routed.  What failed is logged, not an
 * error: the table holds either way. */
void cd_attach_route(const struct cd_host *h, const struct cd_state *st,
		     const struct cd_port *ports, struct cd_buf *log);

#endif
