/* uninstall.h - what a host's agent changed in the kernel, undone when
 * the package is removed (cordon-agent --uninstall, from its prerm).
 *
 * The agent's nftables tables (inet, bridge and arp "cordon") stay when
 * it stops: enforcement outlives the agent (fail static), an upgrade
 * included.  Only removal takes them away, and the one kernel setting
 * the agent turns on for a whole namespace, net.netfilter.
 * nf_conntrack_acct (flow records' bytes), goes back to what it was
 * before the agent's first start (kept in DIR/sysctl.orig; off, the
 * kernel's default, where an agent of 0.1.0, which kept no note, ran
 * first).  proxy_arp
 * is set per routed tap and goes with the tap.  Other tables and
 * settings are not touched. */
#ifndef CD_UNINSTALL_H
#define CD_UNINSTALL_H

#include "base/util.h"

/* Keep the settings the agent changes, as they are now in this network
 * namespace, in DIR/sysctl.orig, unless kept already. */
void cd_uninstall_note(const char *dir);
/* Undo: end the flow keeper (DIR/flows), delete the tables in netns
 * (NULL: this namespace), put the noted settings back.  0, or the first
 * error said in err (the other steps still taken). */
int cd_uninstall(const char *dir, const char *netns, struct cd_buf *err);

#endif
