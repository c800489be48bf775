/* spoofwatch.h - the enforcing agent's SpoofGuard events.
 *
 * A thread in the host's network namespace reads what the guard's chains
 * log (dataplane/spooflog.h) and turns it into "spoof" events for the
 * manager, per vNIC and rate-limited: the first frame a vNIC spoofs is
 * an event at once; what it spoofs after that is counted and sent as one
 * event per CD_SPOOF_EVENT_SECONDS while it goes on.  An event names the
 * workload, the vNIC, the frames seen by kind, the MACs and addresses
 * claimed (at most CD_SPOOF_CLAIMS of each) and how often the log
 * overran the socket since the last event (records of any vNIC lost).
 * The kernel logs at most CD_SPOOF_LOG_RATE frames a second per kind and
 * table, so the counts are lower bounds; the spoofguard counters count
 * every frame dropped. */
#ifndef CD_SPOOFWATCH_H
#define CD_SPOOFWATCH_H

#include <jansson.h>

#include "base/util.h"
#include "policy/host.h"

#define CD_SPOOF_EVENT_SECONDS 10
#define CD_SPOOF_CLAIMS 4

struct cd_spoofwatch;
/* Start watching in the network namespace ns_fd (-1: the caller's); emit
 * gets each event (to free).  Fails, saying why in err, when the log
 * group cannot be read. */
int cd_spoofwatch_start(struct cd_spoofwatch **out, int ns_fd,
			void (*emit)(void *ctx, json_t *event), void *ctx, struct cd_buf *err);
/* The vNICs applied now, and their workloads' names (after every apply). */
void cd_spoofwatch_vnics(struct cd_spoofwatch *w, const struct cd_host *h,
			 const struct cd_state *st);
/* Send what is counted, then stop. */
void cd_spoofwatch_stop(struct cd_spoofwatch *w);

#endif
