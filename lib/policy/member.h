/* member.h - group membership, and its incremental update.
 *
 * Stage 3.  Membership of every group is a bitset over workload indexes,
 * computed group by group in dependency order, a whole selector at a time
 * with bitset operations (an index from each tag to the bitset of the
 * workloads that carry it makes `tag == "x"` one lookup).  An index from tag values
 * (and tag globs) to the groups whose selectors test them, and from each
 * group to the groups that name it, lets a tag change re-evaluate only
 * the groups it can affect, for the one workload that changed, and
 * return the membership delta. */
#ifndef CD_MEMBER_H
#define CD_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"

struct cd_members {
	const struct cd_policy *pol;  /* the groups */
	struct cd_inventory *inv;     /* the workloads (tags change here) */
	size_t nwl;                   /* workloads covered by the bitsets */
	size_t words;                 /* uint64_t words per bitset */
	uint64_t **bits;              /* bits[g]: members of group g */
	uint64_t **inc, **exc;        /* include/exclude bitsets or NULL */
	size_t *topo;                 /* topo[g]: g's place in group_order */
	struct cd_map tag_index;      /* lower-case tag -> slot in tag_groups */
	size_t **tag_groups;          /* groups testing tag == / != a value */
	size_t *ntag_groups;
	size_t ntag_slots;
	size_t *glob_groups;          /* groups testing tag =~ / !~ */
	const char **glob_pats;       /* ... and the pattern each tests */
	size_t nglob;
	struct cd_map tag_bits_index; /* workload tag (lower) -> slot */
	uint64_t **tag_bits;          /* slot -> workloads carrying the tag */
	char **tag_bits_keys;         /* slot -> the tag (owned) */
	size_t ntag_bits, tag_bits_cap;
	size_t **dependents;          /* dependents[g]: groups naming g */
	size_t *ndependents;
};

struct cd_delta_entry {
	size_t group;                 /* group index */
	size_t wl;                    /* workload index */
	bool added;                   /* joined (true) or left (false) */
};

struct cd_delta {
	struct cd_delta_entry *v;
	size_t n, cap;
};

/* Compute every group's members.  inv and pol must be resolved and
 * outlive m. */
void cd_members_init(struct cd_members *m, struct cd_inventory *inv,
		     const struct cd_policy *pol);
void cd_members_free(struct cd_members *m);

static inline bool cd_member(const struct cd_members *m, size_t g, size_t w)
{
	return (m->bits[g][w >> 6] >> (w & 63)) & 1;
}

/* Replace workload w's tags with tags[0..n) and update membership.
 * Appends what changed to delta (which the caller clears and frees).
 * Returns the number of entries appended. */
size_t cd_members_set_tags(struct cd_members *m, size_t w,
			   const char *const *tags, size_t n,
			   struct cd_delta *delta);
void cd_delta_free(struct cd_delta *delta);

/* Whether a membership delta can turn some allowed flow into a denied
 * one.  Rules match monotonically in group membership and the first
 * match decides, so a flow can only lose its allow when a drop or reject
 * rule starts matching it (a group it names gained the workload) or an
 * allow rule stops matching it (a group it names lost the workload).
 * When this is false no established connection needs to be cut. */
bool cd_delta_can_deny(const struct cd_policy *pol, const struct cd_delta *delta);

/* Members of group g as sorted names (byte order); caller frees the
 * array (not the names). */
const char **cd_members_names(const struct cd_members *m, size_t g,
			      size_t *n);

#endif
