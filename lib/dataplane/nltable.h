/* nltable.h - a host's whole table straight to the kernel via libnftnl.
 *
 * The same table as cd_host_render()'s text, built as netlink messages in
 * the order nft would send them (objects, chains, sets with the userdata
 * nft attaches, elements, then rules from nlrule.c), so that it lists
 * identically, and committed as one transaction that replaces table inet
 * cordon.  It skips nft's parser, which is about half of a full apply. */
#ifndef CD_NLTABLE_H
#define CD_NLTABLE_H

#include "policy/host.h"

/* Replace table inet cordon with h's table.  Returns 0, -ENOTSUP when a
 * rule uses syntax nlrule.c does not know (use cd_nft_replace then), or
 * another -errno with the kernel's complaint in err. */
int cd_nft_replace_host(const struct cd_host *h, const struct cd_state *st,
			struct cd_buf *err);

#endif
