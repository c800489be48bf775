/* render.h - stage 5: compiled programs in nft syntax.
 *
 * The pieces of `table inet cordon` (host.c assembles them): the names of
 * the sets that hold groups, ipsets and port lists, their elements, and
 * the rule lines of one vNIC chain.  Rules use named sets only: no
 * anonymous set, whose lookup in a large transaction is quadratic.  Each policy rule at a vNIC becomes one or more nft
 * rules: one per remote endpoint (a set, an address list or a prefix),
 * service form (tcp ports, udp ports, protocols, ICMP echo) and address
 * family that can match, all sharing the rule's named counter r<ID>. */
#ifndef CD_RENDER_H
#define CD_RENDER_H

#include "policy/compile.h"

#define CD_TABLE "cordon"
#define CD_RENDER_MAX (1u << 30)  /* largest ruleset text produced */

/* Every drop and reject of the policy (a rule's, the default action's) is
 * logged to this nflog group, for the flow records (dataplane/flowlog.h),
 * with the prefix "cordon-flow DIR RULE VERDICT": DIR out (a vNIC's
 * egress) or in, RULE rID or default, VERDICT drop or reject. */
#define CD_FLOW_NFLOG_GROUP 4120
#define CD_FLOW_PREFIX "cordon-flow "
void cd_render_flow_prefix(char *buf, size_t len, bool egress, uint32_t rule, bool reject);

/* nft names of a policy's objects; they depend on the policy alone. */
struct cd_names {
	char **group;      /* set name base per group: g_NAME (+ _v4/_v6) */
	char **ipset;      /* set name base per ipset: s_NAME (+ _v4/_v6) */
	size_t ngroups, nipsets;
	char **ports;      /* per rule: its port set (p_N), or NULL */
	char **port_sets;  /* the distinct port sets: names ... */
	char **port_elements; /* ... and their elements "tcp . 443, ..." */
	size_t *port_refs;    /* ... and how many rules use each */
	size_t nport_sets;
};
void cd_names_init(struct cd_names *nm, const struct cd_policy *pol);
void cd_names_free(struct cd_names *nm);
/* The chain-name suffix for a vNIC (out_SUFFIX, in_SUFFIX); caller frees. */
char *cd_vnic_name(const char *ifname);

/* Rule lines of one stage of a vNIC program, one per line, unindented.
 * Returns 0 or -E2BIG. */
int cd_render_chain(const struct cd_state *st, const struct cd_names *nm,
		    const struct cd_prog *p, enum cd_stage s, struct cd_buf *b);
/* "a, b, ..." of the members' addresses of family fam (4 or 6), sorted;
 * nothing when there are none. */
/* The addresses of family fam of group g's members, sorted; caller frees
 * *out (NULL when there are none). */
size_t cd_group_addrs(const struct cd_state *st, size_t g, int fam,
		      struct cd_addr **out);
int cd_render_group_elements(const struct cd_state *st, size_t g, int fam,
			     struct cd_buf *b);
int cd_render_ipset_elements(const struct cd_state *st, size_t i, int fam,
			     struct cd_buf *b);
bool cd_ipset_has_family(const struct cd_ipset *s, int fam);
/* The elements of rule r's port set ("tcp . 443, udp . 53-54"), or NULL
 * when it has fewer than two port entries (a plain dport match then). */
char *cd_port_elements(const struct cd_rule *r);
/* A counter comment for rule r (category: name), quote-free; caller frees. */
char *cd_rule_comment(const struct cd_rule *r);

#endif
