/* nlrule.h - cordon's rule lines as netlink messages, without nft.
 *
 * The renderer's rule lines use a small, fixed part of the nft language
 * (render.c).  This builds the same bytecode nft would build for them
 * (the same expressions, dependencies and register use, so that the
 * kernel lists them identically), so that chain rewrites of an
 * incremental update skip nft's parser and cache. */
#ifndef CD_NLRULE_H
#define CD_NLRULE_H

#include <libnftnl/rule.h>

/* Add to r the expressions of one rendered rule line.  Returns 0, or
 * -EINVAL for syntax this builder does not know (the caller then uses
 * libnftables). */
int cd_nl_rule(struct nftnl_rule *r, const char *line);

#endif
