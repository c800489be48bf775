/* keeper.h - the metrics store's upkeep in a thread of its own: a
 * checkpoint every few minutes (the samples written ahead stay few), and
 * every hour the rollups of the days sealed and the retention. */
#ifndef CD_KEEPER_H
#define CD_KEEPER_H

#include "metrics/mstore.h"

struct cd_keeper;

/* Start keeping st (checkpoint_s: 300 when 0): NULL if no thread.  An
 * upkeep that fails, and the first that succeeds after, are logged
 * (once, not every second of an outage). */
struct cd_keeper *cd_keeper_start(struct cd_mstore *st, int checkpoint_s,
				  void (*log)(const char *line));
/* Stop and join it (k may be NULL). */
void cd_keeper_stop(struct cd_keeper *k);

#endif
