/* impact.h - what a draft policy would change of the flows seen
 * (spec/flows.md, "Impact of a draft").
 *
 * Every flow key the manager's records hold in a range (the two
 * addresses, the protocol and port; deduplicated as GET /flows is) is
 * evaluated as explain evaluates it, with the policy in force and with
 * the draft, over the same inventory; a key whose verdict differs is
 * listed with both verdicts and their deciding rules, its connections
 * in the range and when it was last seen.  Keys of a protocol no rule
 * can name alone (neither TCP, UDP nor ICMP) are counted unchanged. */
#ifndef CD_IMPACT_H
#define CD_IMPACT_H

#include <jansson.h>

#include "manager/mgr.h"
#include "base/diag.h"

/* *out: {"changed": [...], "unchanged": N}.  -EINVAL with d when the
 * draft does not load; a store's negative code. */
int cd_mgr_policy_impact(struct cd_mgr *m, const char *name, const char *text, size_t len,
			 int64_t since, int64_t until, json_t **out, struct cd_diags *d);

#endif
