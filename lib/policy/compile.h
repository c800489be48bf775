/* compile.h - stage 4: from rules to a program per vNIC.
 *
 * A vNIC's program has two ordered rule lists, egress (traffic the
 * workload sends) and ingress (traffic it receives).  A rule is kept at a
 * vNIC only if it can apply there: enabled, of the right direction,
 * applied to the workload, and with a local side (source at egress,
 * destination at ingress) that holds one of the vNIC's own addresses.
 * The local side then reduces to the subset of own addresses it holds.
 * Rules after one that matches every flow at a stage are unreachable and
 * left out too.
 *
 * The renderer (render.c) turns programs into nftables chains and the
 * evaluator (eval.c) runs them in user space, so `explain` answers what
 * the kernel will do. */
#ifndef CD_COMPILE_H
#define CD_COMPILE_H

#include "policy/state.h"

enum cd_stage { CD_EGRESS = 0, CD_INGRESS = 1 };

struct cd_prule {
	const struct cd_rule *rule;   /* the policy rule */
	bool local_all;               /* every own address is on the local side */
	struct cd_addr *local;        /* else: the own addresses that are */
	size_t nlocal;
};

struct cd_prog {
	size_t wl;                    /* workload index */
	size_t vnic;                  /* vNIC index in the workload */
	struct cd_prule *r[2];        /* rules per stage, in evaluation order */
	size_t n[2];
	bool closed[2];               /* the last rule matches everything */
};


/* The owner of an address that is the host's own (a flow to or from the
 * vNIC's hypervisor). */
#define CD_OWNER_HOST (-2L)
/* Does reference r hold address a, owned by workload owner (-1: none,
 * CD_OWNER_HOST: the host)? */
bool cd_ref_holds(const struct cd_state *st, const struct cd_ref *r,
		  const struct cd_addr *a, long owner);
/* Does a rule's applied_to cover workload wl? */
bool cd_rule_applies_to(const struct cd_state *st, const struct cd_rule *r,
			size_t wl);

void cd_compile_vnic(const struct cd_state *st, size_t wl, size_t vnic,
		     struct cd_prog *out);
/* The same from the rules whose indexes are in rules[0..n), ascending
 * (NULL: every rule): those that can apply to wl, when the caller knows
 * them (the explainer's index by group), for the same program. */
void cd_compile_vnic_rules(const struct cd_state *st, size_t wl, size_t vnic,
			   const uint32_t *rules, size_t n, struct cd_prog *out);
void cd_prog_free(struct cd_prog *p);

#endif
