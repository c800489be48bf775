/* nlguard.h - SpoofGuard's tables and chains (policy/guard.h) built with
 * libnftnl into a batch, as nft would build them from cd_guard_render_*()'s
 * text, in the same transaction as the inet table. */
#ifndef CD_NLGUARD_H
#define CD_NLGUARD_H

#include "dataplane/nlbatch.h"
#include "policy/host.h"

/* The inet table's part, after the rest of the inet table is in nb. */
int cd_nl_guard_inet(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st);
/* The bridge and arp tables: each created if missing, deleted, and made
 * anew.  Returns 0, or -ENOTSUP for a vNIC glob nft would not take as a
 * prefix. */
int cd_nl_guard_tables(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st);

#endif
