/* counters.h - per-rule hit counters of the loaded table.
 *
 * Every policy rule has a named counter r<ID> in table inet cordon, shared
 * by all the nft rules it became, on every vNIC of the host; the table
 * also counts default drops (default_out, default_in) and the traffic of
 * unknown vNICs (unknown_vnic). */
#ifndef CD_COUNTERS_H
#define CD_COUNTERS_H

#include <stdint.h>

#include "base/util.h"

struct cd_counter {
	char *name;          /* r1001, default_out, unknown_vnic, ... */
	long long rule;      /* the rule id, or -1 for the others */
	char *comment;       /* "category: rule name", or NULL */
	uint64_t packets;
	uint64_t bytes;
};

/* Read the counters of table inet cordon in the current namespace, rules
 * first (by id), then the others.  Returns 0, -ENOENT when there is no
 * table, or another -errno with nft's message in err. */
int cd_counters_read(struct cd_counter **out, size_t *n, struct cd_buf *err);
void cd_counters_free(struct cd_counter *v, size_t n);

#endif
