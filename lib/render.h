/* render.h - stage 5: compiled programs as an nftables ruleset.
 *
 * One table, `table inet cordon`:
 *   - a named counter per policy rule used on the host (r<ID>);
 *   - a named set per group and family (g_<name>_v4/_v6) holding the
 *     addresses of its members, and an interval set per ipset;
 *   - per-vNIC chains out_<ifname> (egress) and in_<ifname> (ingress);
 *   - verdict maps vnic_out/vnic_in keyed by interface name, and a base
 *     chain on the forward hook: conntrack state first, then dispatch.
 * A tag change is then a few set-element updates (issue: dataplane). */
#ifndef CD_RENDER_H
#define CD_RENDER_H

#include "compile.h"

#define CD_TABLE "cordon"
#define CD_RENDER_MAX (1u << 30)  /* largest ruleset text produced */

/* Render the ruleset for host into b.  Returns 0 or -E2BIG. */
int cd_render_host(const struct cd_state *st, const struct cd_host_prog *hp,
		   struct cd_buf *b);

#endif
