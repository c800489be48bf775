/* host.h - the table one host enforces, as a model that can be rendered
 * whole or updated in place.
 *
 * cd_host_build() compiles and renders every vNIC of a host once;
 * cd_host_render() prints the whole `table inet cordon` (what `compile`
 * shows and `apply` loads); cd_host_retag() turns a membership delta into
 * the few nft commands that bring a loaded table to the new state: set
 * elements added and removed, and the chains of the workload that changed,
 * if it lives on this host.  Both paths use the same per-chain renderer,
 * so an incrementally updated table lists exactly as a fresh one.
 *
 * Objects that do not depend on tags are fixed for a policy: a set per
 * group and family for every group a rule names as source or destination,
 * a set per ipset a rule names, a counter per rule.  So a tag change never
 * creates or deletes objects. */
#ifndef CD_HOST_H
#define CD_HOST_H

#include "policy/render.h"

/* What to do with traffic of devices that look like vNICs (match one of
 * the globs) but are not in the inventory. */
struct cd_host_opts {
	bool unknown_accept;          /* false (default): drop it */
	const char *const *globs;     /* device name globs; NULL: the defaults */
	size_t nglobs;
};
#define CD_DEFAULT_VNIC_GLOBS { "tap*", "vnet*" }

struct cd_host_vnic {
	size_t wl, vnic;              /* in the state it was built from */
	char *ifname;                 /* the device */
	char *name;                   /* chain suffix */
	char *text[2];                /* rule lines of the out_ and in_ chains */
};

/* A set of the table: a group's or an ipset's (one per address family),
 * or a port set.  The kernel finds a set a rule names by walking the
 * table's sets in the order they were created, comparing names, so the
 * sets are created most named first: by how many policy rules name them,
 * then groups, ipsets and port sets each in policy order.  The order
 * depends on the policy alone, so an incrementally updated table lists as
 * a fresh one. */
enum cd_set_kind { CD_SET_GROUP, CD_SET_IPSET, CD_SET_PORTS };
struct cd_host_set {
	enum cd_set_kind kind;
	size_t idx;                   /* group, ipset or port set index */
	size_t refs;                  /* policy rules that name it */
};

struct cd_host {
	char *host;                   /* the host's name */
	bool unknown_accept;
	char **globs;                 /* vNIC device globs */
	size_t nglobs;
	struct cd_names names;        /* set names */
	bool *group_set;              /* group g has sets */
	bool *ipset_set;              /* ipset i has sets */
	struct cd_host_set *sets;     /* the address and port sets, in the */
	size_t nsets;                 /* order they are created */
	struct cd_host_vnic *v;       /* the host's vNICs, in inventory order */
	size_t n;
};

int cd_host_build(struct cd_host *h, const struct cd_state *st,
		  const char *host, const struct cd_host_opts *opts);
void cd_host_free(struct cd_host *h);

/* The whole table in nft syntax.  Returns 0 or -E2BIG. */
int cd_host_render(const struct cd_host *h, const struct cd_state *st,
		   struct cd_buf *b);

/* An incremental update of a loaded table: set elements to add or delete,
 * and chains to rewrite (nft syntax).  Kept apart so that an update of set
 * elements alone can go to the kernel without the nft parser. */
struct cd_elem_op {
	bool add;                     /* add, else delete */
	char set[256];                /* set name */
	struct cd_addr addr;          /* the element */
};
/* A chain whose rules change from old to new (rendered rule lines). */
struct cd_chain_rw {
	char chain[64];               /* out_NAME or in_NAME */
	char *old, *new;              /* owned copies */
};
struct cd_update {
	struct cd_elem_op *ops;       /* set elements, in order */
	size_t nops, cap;
	struct cd_chain_rw *rw;       /* chains to rewrite */
	size_t nrw, rwcap;
};
void cd_update_init(struct cd_update *u);
void cd_update_reset(struct cd_update *u);
void cd_update_free(struct cd_update *u);
static inline bool cd_update_empty(const struct cd_update *u)
{
	return u->nops == 0 && u->nrw == 0;
}
/* The whole update as nft commands (elements first, then each chain
 * flushed and filled anew). */
int cd_update_script(const struct cd_update *u, struct cd_buf *b);

/* After cd_members_set_tags() changed workload wl's membership by delta,
 * add to u what updates a table loaded from h, and update h.  An empty
 * update means the table is already right. */
int cd_host_retag(struct cd_host *h, const struct cd_state *st, size_t wl,
		  const struct cd_delta *delta, struct cd_update *u);

/* The nft commands that turn a table loaded from old (built from state
 * os) into one loaded from new (state ns): set elements added and removed,
 * chains of vNICs that came, went or changed, and the map entries that
 * dispatch to them.  Both must come from the same policy and options (a
 * new policy is a full apply).  Any inventory change: workloads added,
 * removed, moved, re-addressed or re-tagged. */
int cd_host_diff(const struct cd_host *old, const struct cd_state *os,
		 const struct cd_host *new, const struct cd_state *ns,
		 struct cd_buf *script);

#endif
