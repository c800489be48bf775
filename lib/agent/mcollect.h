/* mcollect.h - a host agent's metrics: a thread that collects its
 * host's (from libvirt when it has a connection URI, and from /proc) at
 * every multiple of the interval, keeps each collection in the spool
 * (collect/spool.h) and sends what the spool holds, oldest first, to the
 * manager (POST /api/v1/agent/metrics) over a connection of its own.
 * While the manager is down the spool fills; when it is back, it empties. */
#ifndef CD_MCOLLECT_H
#define CD_MCOLLECT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/util.h"

#define CD_MCOLLECT_SPOOL_MAX (64u << 20)   /* the spool's bytes */

struct cd_mcollect_opts {
	const char *server, *credential, *cacert;
	bool insecure;
	const char *host;              /* the agent's host */
	const char *libvirt_uri;       /* or NULL: /proc only */
	const char *spool_dir;
	size_t spool_max;              /* 0: CD_MCOLLECT_SPOOL_MAX */
	int interval_s;                /* until the manager says (0: 20) */
	const volatile sig_atomic_t *cancel;
	void (*log)(const char *line);
};

struct cd_mcollect_stats {
	uint64_t collections, sent, dropped;
	size_t spooled;                /* collections waiting */
	uint64_t clock_back;           /* times the clock stepped back */
	int64_t clock_back_ms;         /* the largest step */
	uint64_t skipped;              /* collections not kept meanwhile */
};

/* The clock as collections see it: a time before the last collection's
 * (the clock stepped back: NTP, a VM restored) would make samples the
 * manager keeps none of (a series' samples go forward in time), so the
 * collection is skipped, counted, and said once a step, until the clock
 * passes the last collection's time again. */
struct cd_mclock {
	int64_t last;                  /* the last collection kept (ms), 0: none */
	bool behind;
};
/* Whether a collection at t is kept: true, or false (counted in s, and a
 * line in log when the clock has just stepped back). */
bool cd_mclock_take(struct cd_mclock *c, int64_t t, struct cd_mcollect_stats *s,
		    void (*log)(const char *line));

struct cd_mcollect;

/* Start the thread: NULL with err when it cannot (the spool unusable). */
struct cd_mcollect *cd_mcollect_start(const struct cd_mcollect_opts *o, struct cd_buf *err);
/* The manager's interval (collect_seconds), from its answers. */
void cd_mcollect_interval(struct cd_mcollect *m, int seconds);
void cd_mcollect_stats(struct cd_mcollect *m, struct cd_mcollect_stats *s);
/* The same, as the heartbeat's status.metrics object. */
json_t *cd_mcollect_status(struct cd_mcollect *m);
void cd_mcollect_stop(struct cd_mcollect *m);

#endif
