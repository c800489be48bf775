/* recommend.h - a policy recommended from the flows seen
 * (spec/flows.md, "Recommendation").
 *
 * For a group G: the flows of the range that ran (allowed, would-drop,
 * would-reject; deduplicated as GET /flows is) with a member of G at
 * either end, by the current inventory.  Each workload end stands for its
 * class: its most specific tag (the tag the fewest workloads carry; the
 * quarantine tag never), else the workload itself.  A class is named by
 * an existing group whose members are exactly the tag's workloads, else
 * by a new group `tag-...` matching the tag; an address outside the
 * inventory stands for itself.  Then one allow rule per source class and
 * set of services (tcp/PORT, udp/PORT, icmp as seen), its destinations
 * the classes it reached (replaced by an existing group whose members are
 * exactly theirs), and last a drop applied to G: every new rule in the
 * application category with `mode: staged` and a comment naming the
 * flows it covers, ids after the highest in use.  The document is the
 * current one with the new groups and rules appended in place
 * (policy/docedit.h), and is checked to load before it is answered. */
#ifndef CD_RECOMMEND_H
#define CD_RECOMMEND_H

#include <jansson.h>
#include <stdint.h>

#include "base/diag.h"
#include "manager/mgr.h"

/* *out: {"document", "group", "base_revision", "rules": [...], "groups":
 * [...], "flows", "connections"}.  -ENOENT: no group G; -ENOTSUP or
 * -EINVAL with d: the current document cannot be edited in place; a
 * store's negative code. */
int cd_mgr_policy_recommend(struct cd_mgr *m, const char *group, int64_t since, int64_t until,
			    json_t **out, struct cd_diags *d);

#endif
