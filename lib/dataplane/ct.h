/* ct.h - cutting established connections that a policy now forbids.
 *
 * After a ruleset change, conntrack would let established connections go
 * on: their packets match `ct state established` before any rule.  So the
 * entries of connections that the new policy forbids at this host's vNICs
 * are deleted, one by one (never a flush of the table); their next packet
 * is new again and meets the rules.  Entries the policy still allows are
 * not touched. */
#ifndef CD_CT_H
#define CD_CT_H

#include "policy/host.h"

/* Dump the conntrack table of the current network namespace and delete the
 * entries whose flow the policy denies at a check on this host (the
 * egress of a local source vNIC, the ingress of a local destination
 * vNIC), an end that is an address of the namespace being the host itself
 * (a rule's "host"; what a workload always reaches of its host is never
 * cut).  With only/nonly, look only at entries with one of those
 * addresses at either end.  *ncut gets the number deleted.  Returns 0 or
 * -errno. */
int cd_ct_cut(const struct cd_state *st, const struct cd_host *h,
	      const struct cd_addr *only, size_t nonly, size_t *ncut);

#endif
