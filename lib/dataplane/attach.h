/* attach.h - what a host's vNICs need before its table is loaded, in the
 * current network namespace: each vNIC's attachment found (ports.h), the
 * bridges that hold vNICs made to pass their traffic to netfilter, and
 * the routed vNICs' routes, gateway and proxy ARP set (routed.h).  What
 * `cordon apply` and the agent share. */
#ifndef CD_ATTACH_H
#define CD_ATTACH_H

#include "dataplane/ports.h"
#include "policy/host.h"

/* out: h->n entries, in h's vNIC order (the caller frees it).  What was
 * changed goes to log, a line each.  Returns 0, or a negative errno when
 * the attachments could not be read (err says why; *out is then all
 * CD_PORT_ABSENT).  A routed vNIC whose plumbing failed is logged, not
 * an error: its table still loads. */
int cd_attach_prepare(const struct cd_host *h, const struct cd_state *st, struct cd_port **out,
		      struct cd_buf *log, struct cd_buf *err);

#endif
