/* nlbridge.h - the bridge table (policy/bridge.h) built with libnftnl into
 * a batch, as nft would build it from cd_bridge_render()'s text: created if
 * missing, deleted, and made anew, in the same transaction as the inet
 * table. */
#ifndef CD_NLBRIDGE_H
#define CD_NLBRIDGE_H

#include "dataplane/nlbatch.h"
#include "policy/host.h"

/* Returns 0, or -ENOTSUP for a vNIC glob nft would not take as a prefix. */
int cd_nl_bridge_table(struct nlbatch *nb, const struct cd_host *h, const struct cd_state *st);

#endif
