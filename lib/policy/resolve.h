/* resolve.h - stage 2: bind names across the two documents.
 *
 * Checks that every group, workload, ipset and service a policy names
 * exists in it or in the inventory, flattens rule services, detects
 * cycles of nested groups and orders the groups so that each comes after
 * every group its selector names. */
#ifndef CD_RESOLVE_H
#define CD_RESOLVE_H

#include "base/diag.h"
#include "policy/model.h"

int cd_resolve(const struct cd_inventory *inv, struct cd_policy *pol,
	       struct cd_diags *d);
/* A selector of its own (a view's filter) bound to pol's groups, as a
 * group's is: 0, or -EINVAL with located errors in d. */
struct cd_sel;
int cd_resolve_sel(struct cd_sel *s, const struct cd_policy *pol, struct cd_diags *d);

#endif
