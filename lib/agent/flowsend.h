/* flowsend.h - the agent's flow records, kept on disk and sent.
 *
 * Each batch of records (agent/flowwatch.h) is appended to a durable
 * queue of its own (DIR/events.q under the directory given, agent/queue.h:
 * fsync'ed, nothing lost across a crash of the agent or an outage of the
 * manager) and numbered; a thread with its own connection sends what is
 * queued to POST /api/v1/agent/flows, up to CD_FLOWSEND_BATCHES batches a
 * call, and drops what the manager acknowledges.  The manager takes a
 * batch once per number.  Past the queue's bound new batches are lost,
 * counted and logged. */
#ifndef CD_FLOWSEND_H
#define CD_FLOWSEND_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "agent/queue.h"
#include "base/util.h"

#define CD_FLOWSEND_BATCHES 10   /* 1,000 records a call at most: under the 1 MiB body */

struct cd_flowsend_opts {
	const char *server, *credential, *cacert;
	bool insecure;
	const volatile sig_atomic_t *cancel;   /* set: calls end */
	void (*log)(const char *line);
};

struct cd_flowsend;
/* Open (or make) the queue in dir, max_bytes of it unsent at most. */
int cd_flowsend_open(struct cd_flowsend **out, const char *dir, size_t max_bytes,
		     void (*log)(const char *line), struct cd_buf *err);
/* Queue batches [{"records": [...]}, ...] (taken over) as one group of
 * the queue (agent/queue.h: all or none), the last with mark (NULL:
 * none), which cd_flowsend_mark then gives, at the next open too; the
 * thread is woken.  0, or -ENOSPC (lost for want of room: counted,
 * logged) or -errno. */
int cd_flowsend_push(void *s, json_t *batches, const char *mark);
void cd_flowsend_mark(struct cd_flowsend *s, char mark[CD_QUEUE_MARK_MAX]);
/* Start sending (once enrolled): 0 or -errno. */
int cd_flowsend_start(struct cd_flowsend *s, const struct cd_flowsend_opts *o);
/* Stop sending and close the queue (what is unsent stays in it). */
void cd_flowsend_close(struct cd_flowsend *s);

#endif
