/* agent.h - the enforcing agent's engine: it turns what the manager sends
 * into the kernel's table for one host, by small updates.
 *
 * The manager's answers (mgr.h) are either a snapshot (the whole
 * inventory and policy) or tag changes.  A tag change becomes set
 * elements and chain rewrites (cd_host_retag) in one transaction, then the
 * cut of the established connections it forbids.  A snapshot with the
 * policy revision already applied becomes the inventory's difference
 * (cd_host_diff); with a new revision, the whole table is replaced in one
 * transaction.  Nothing is ever flushed first: there is no moment in
 * which the host is open.
 *
 * Fail static: the table stays as it is while the manager cannot be
 * reached.  On start, a table left by an earlier run is kept until the
 * manager's state replaces it; with no table at all, the last state the
 * agent saved (DIR/snapshot.json and the tag changes after it in
 * DIR/journal.jsonl) is applied, or else a closed table (every vNIC-like
 * device dropped) until the manager answers.
 *
 * The kernel work happens in the network namespace given (setns around
 * each operation); the agent's own sockets stay where it started. */
#ifndef CD_AGENT_H
#define CD_AGENT_H

#include <jansson.h>
#include <stdint.h>

#include "agent/flowwatch.h"
#include "policy/host.h"
#include "policy/state.h"

struct cd_agent {
	char *host;
	char *dir;                 /* the state directory */
	int ns_fd, home_fd;        /* target and own netns, -1: no switch */
	struct cd_state *st;       /* the world applied (NULL: none yet) */
	struct cd_host h;          /* the table applied */
	bool have;                 /* st and h are what the kernel has */
	int64_t seq, rev;          /* applied change number and revision */
	char *policy, *inventory;  /* the last snapshot's documents */
	FILE *journal;             /* tag changes after the snapshot */
	struct cd_buf portlog;     /* what preparing the vNICs' bridges did, */
				   /* for the log (cd_agent_take_log) */
	char **unenforced;         /* "VNIC: REASON" of vNICs cordon cannot */
	size_t nunenforced;        /* filter (see dataplane/ports.h) */
	struct cd_spoofwatch *spoof;   /* SpoofGuard's events, or NULL */
	struct cd_flowwatch *flows;    /* flow records, or NULL */
};

int cd_agent_init(struct cd_agent *a, const char *host, const char *netns,
		  const char *dir, struct cd_buf *err);
void cd_agent_free(struct cd_agent *a);
/* The agent is to be started again at once (a reload): its free leaves
 * the flow keeper holding the flow sockets for the next. */
void cd_agent_hand_over(struct cd_agent *a);
/* Take up the kernel's table, or apply the saved state, or close the
 * host (see above).  Sets *what to a sentence for the log. */
int cd_agent_start(struct cd_agent *a, char *what, size_t whatlen, struct cd_buf *err);
/* Apply one answer of GET /api/v1/agent/changes.  Appends an event object
 * per noteworthy thing done to events (an array).  On failure the table
 * is as before the failed step, and the agent asks for a snapshot next. */
int cd_agent_apply(struct cd_agent *a, json_t *answer, json_t *events, struct cd_buf *err);
/* The lines of what the agent did to the host besides its tables (a
 * bridge's nf_call_iptables turned on, br_netfilter loaded, vNICs it cannot
 * filter), since the last call; NULL when none.  Free it. */
char *cd_agent_take_log(struct cd_agent *a);
/* Report what SpoofGuard drops as "spoof" events (agent/spoofwatch.h),
 * given to emit (to free), for the vNICs of every state applied from now
 * on.  Fails, saying why, when the kernel's log cannot be read (the
 * drops are still counted). */
int cd_agent_watch_spoofs(struct cd_agent *a, void (*emit)(void *ctx, json_t *event), void *ctx,
			  struct cd_buf *err);
/* Flow records (agent/flowwatch.h) of every state applied from now on,
 * given to o->emit in batches (to free); o's host, namespace and state
 * are the agent's.  Fails, saying why, when neither conntrack's events
 * nor the kernel's log can be read; err may say what is missing when it
 * does not fail. */
int cd_agent_watch_flows(struct cd_agent *a, const struct cd_flowwatch_opts *o, struct cd_buf *err);
/* Status for the heartbeat: vNICs, rules, non-zero counters by rule id. */
json_t *cd_agent_status(struct cd_agent *a);

#endif
