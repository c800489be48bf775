/* state.h - one loaded, resolved world: inventory, policy, membership and
 * an index from addresses to the vNICs that own them.
 *
 * This is what every later stage reads.  cd_state_load() runs the first
 * three stages (parse, resolve, members) on two files. */
#ifndef CD_STATE_H
#define CD_STATE_H

#include "base/diag.h"
#include "policy/member.h"
#include "policy/model.h"

struct cd_state {
	struct cd_inventory inv;   /* workloads */
	struct cd_policy pol;      /* groups, rules, ... */
	struct cd_members mem;     /* group membership */
	struct cd_map by_addr;     /* address text -> (wl << 16 | vnic) */
	char **addr_keys;          /* the keys of by_addr (owned) */
	size_t naddr_keys;
	bool loaded;               /* mem and by_addr are valid */
};

/* Load both documents and compute membership.  Returns 0, or -EINVAL with
 * every error in d (state must still be freed). */
int cd_state_load(struct cd_state *st, const char *inv_file,
		  const char *pol_file, struct cd_diags *d);
/* The same from documents in memory; the names are used in errors. */
int cd_state_parse(struct cd_state *st, const char *inv_name,
		   const char *inv, size_t inv_len, const char *pol_name,
		   const char *pol, size_t pol_len, struct cd_diags *d);
void cd_state_free(struct cd_state *st);

/* The workload and vNIC that own address a; false when unmanaged. */
bool cd_state_owner(const struct cd_state *st, const struct cd_addr *a,
		    size_t *wl, size_t *vnic);

#endif
