/* flowwatch.h - the enforcing agent's flow records.
 *
 * A thread in the host's network namespace reads the connections the
 * kernel lets through (conntrack's events, dataplane/ctwatch.h) and the
 * attempts the policy drops or rejects (the kernel's log,
 * dataplane/flowlog.h), keeps those of a vNIC of this host, and
 * aggregates them per minute and key (agent/flowagg.h):
 *   - an allowed connection is judged as explain judges it, at this
 *     host's first check (the source's egress when the source is here,
 *     else the destination's ingress); a staged rule that would have
 *     dropped or rejected it first makes it would-drop or would-reject;
 *   - a dropped or rejected attempt takes the rule the kernel's log
 *     names; a retransmission of it is not counted again;
 *   - an allowed connection's bytes and packets come when it ends.
 * The workloads' names, tags and groups and the rules' names are those of
 * the state applied when a key is first seen in its minute.  Every 10 s,
 * and sooner when half the journal is not sent, everything held goes to
 * emit (a key's minute may so come in parts) in one call, as batches
 * {"records": [...]} of at most CD_FLOWS_PER_EMIT records and
 * CD_FLOWS_BATCH_BYTES, with the journal's mark;
 * a name, tag or group over CD_FLOWS_NAME_MAX bytes is left out, and an
 * end's tags and groups past CD_FLOWS_LIST_MAX.
 *
 * Nothing is lost to a crash or a SIGKILL of the agent: each count is
 * written to a journal in memory (agent/flowjournal.h) as it is added,
 * the sockets and the journal are held by the flow keeper meanwhile
 * (agent/flowkeep.h), and the next agent replays what the queue's mark
 * says was not sent before it reads on.  The sockets are read only once
 * the agent has a state to judge by.
 *
 * The state is the agent's: it changes it only between cd_flowwatch_lock
 * and cd_flowwatch_unlock, and the thread reads it under the same lock. */
#ifndef CD_FLOWWATCH_H
#define CD_FLOWWATCH_H

#include <jansson.h>
#include <stdbool.h>

#include "base/util.h"
#include "policy/state.h"

#define CD_FLOWS_PER_EMIT 100
#define CD_FLOWS_BATCH_BYTES (48u << 10)   /* a batch's JSON at most (a queue record: 64 KiB) */
#define CD_FLOWS_NAME_MAX 256      /* a name, tag or group longer is left out of a record */
#define CD_FLOWS_LIST_MAX 32       /* tags or groups of an end in a record */

struct cd_flowwatch_opts {
	int ns_fd;                         /* the host's network namespace, -1: the caller's */
	const char *host;                  /* this host's name */
	struct cd_state *const *st;        /* the state applied (*st NULL: none) */
	const bool *have;                  /* and whether the kernel has it */
	/* takes the batches over; mark: the journal's, to keep with them */
	int (*emit)(void *ctx, json_t *batches, const char *mark);
	void *ctx;
	size_t max_keys;                   /* 0: 100,000 */
	int64_t (*now_ms)(void);           /* NULL: the wall clock (tests set it) */
	/* kept across a crash of the agent (agent/flowkeep.h): the keeper's
	 * directory (NULL: not kept), the program run as the keeper, and the
	 * mark of what the queue has (agent/flowjournal.h; NULL: none) */
	const char *keep_dir, *keeper_exe, *mark;
	void (*log)(const char *line);
};

struct cd_flowwatch;
/* Start; fails, saying why in err, when neither conntrack's events nor
 * the kernel's log can be read.  One of them failing is said in err and
 * the other read. */
int cd_flowwatch_start(struct cd_flowwatch **out, const struct cd_flowwatch_opts *o,
		       struct cd_buf *err);
/* Around every change of the agent's state (NULL: no watcher). */
void cd_flowwatch_lock(struct cd_flowwatch *w);
void cd_flowwatch_unlock(struct cd_flowwatch *w);
/* The next stop leaves the flow keeper holding the sockets for the agent
 * that comes next (a reload), as a crash would, instead of ending it. */
void cd_flowwatch_hand_over(struct cd_flowwatch *w);
/* Send every record held, then stop. */
void cd_flowwatch_stop(struct cd_flowwatch *w);
/* For the heartbeat: events and log records lost (socket overruns),
 * keys past the aggregate's bound. */
json_t *cd_flowwatch_status(struct cd_flowwatch *w);

#endif
