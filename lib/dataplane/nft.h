/* nft.h - stage 6: commit a rendered ruleset through libnftables.
 *
 * The text is wrapped so that the kernel sees one transaction: create the
 * table if missing, delete it, add the new one.  Either all of it applies
 * or nothing does, and nothing outside `table inet cordon` is touched. */
#ifndef CD_NFT_H
#define CD_NFT_H

#include <stdbool.h>

#include "base/util.h"

/* Load ruleset (the renderer's output) into the current network
 * namespace, replacing table inet cordon.  With dry_run, the kernel is
 * asked to check it without committing.  Errors from nft go into err
 * (may be NULL).  Returns 0, -EPERM without CAP_NET_ADMIN, or -EINVAL. */
int cd_nft_replace(const char *ruleset, bool dry_run, struct cd_buf *err);

/* Run a script of nft commands as one
 * transaction.  Returns 0, -EPERM, or -EINVAL with nft's errors in err. */
int cd_nft_run(const char *script, struct cd_buf *err);

struct cd_update;
/* Commit an incremental update (cd_host_retag's) as one transaction,
 * straight to the kernel through libnftnl: set elements, and chain
 * rewrites built by nlrule.c, without the nft parser and its cache.  Should
 * a rule use syntax the builder does not know, the whole update goes
 * through libnftables instead. */
int cd_nft_commit(const struct cd_update *u, struct cd_buf *err);
/* The libnftnl path alone: -ENOTSUP when a rule uses syntax the builder
 * does not know. */
int cd_nft_commit_direct(const struct cd_update *u, struct cd_buf *err);

/* List table inet cordon into out (nft syntax, or JSON).  Returns 0,
 * -ENOENT when there is no such table, or -EINVAL. */
int cd_nft_list(bool json, struct cd_buf *out, struct cd_buf *err);

#endif
