/* cordond_work.h - the requests on routes the API runs unlocked (a
 * metrics query, the objects' list, the OpenMetrics export, a sign-in, a
 * source's addition: api.h) answered on worker threads: the server's one
 * thread hands such a request over, its connection suspended, and goes on
 * answering the others (the agents' heartbeats, events and change polls
 * first of all).  The handlers leave the manager's lock for their slow
 * part (a read of the store, a password's hash, a connection test), so a
 * worker holds no one up.  A bounded queue: past it, the request is
 * answered 503. */
#ifndef CORDOND_WORK_H
#define CORDOND_WORK_H

#include <stdbool.h>

#define CORDOND_WORKERS 2         /* threads */
#define CORDOND_WORK_QUEUE 32     /* requests handed over, not yet done */

/* Start the workers: 0, or -errno. */
int cordond_work_start(void);
/* Hand fn(arg) to a worker: false when CORDOND_WORK_QUEUE are waiting. */
bool cordond_work_push(void (*fn)(void *arg), void *arg);
/* How many are handed over and not done yet. */
int cordond_work_pending(void);
/* Stop the workers once the queue is empty (the server answers no new
 * request); waits for them. */
void cordond_work_stop(void);

#endif
