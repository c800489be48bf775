/* source.h - connected inventory sources: a libvirt host or a vSphere
 * server whose workloads the manager follows as they change.
 *
 * A connector is a driver (struct cd_src_ops: open, poll, write, close)
 * run by a thread of its own (struct cd_src).  The thread connects, takes
 * the whole view of the source, then follows its changes; every change of
 * the view goes to its sink (cordond's: the manager) under the sink's
 * lock.  The connectors know nothing of the manager.  Tags the API sets on the source's workloads, and their
 * quarantine, are written back by the same thread (cd_src_write).  When
 * the connection fails the source is marked disconnected (its workloads
 * stay, stale, and stay enforced) and the thread reconnects with
 * exponential backoff, 1 s to 60 s.  A connector that collects metrics
 * (vSphere's: the server's statistics) is asked for them every
 * collect_seconds between two polls, and they go to the sink too. */
#ifndef CD_SOURCE_H
#define CD_SOURCE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/util.h"

struct cd_src_ops {
	const char *kind;
	/* Check a configuration without connecting: only the fields this
	 * kind takes, with values it can use.  0, or -EINVAL with the field
	 * at fault and why. */
	int (*check_config)(const json_t *config, const char **field, struct cd_buf *why);
	/* Connect and check what the connector needs (reachable, credentials,
	 * permissions); err says what is wrong.  *h is the session. */
	int (*open)(const json_t *config, void **h, struct cd_buf *err);
	/* Wait up to ms for changes.  1: *ws is the new whole view (an array
	 * of inventory workload objects, the caller's); 0: no change; < 0: the
	 * connection is lost (err says why).  The first poll after open gives
	 * the whole view. */
	int (*poll)(void *h, int ms, json_t **ws, struct cd_buf *err);
	/* Write back to the source that tag was added to (or removed from)
	 * workload id, and the workload's quarantine state. */
	int (*write)(void *h, const char *id, const char *tag, bool add, bool quarantined,
		     struct cd_buf *err);
	void (*close)(void *h);
	/* Optional: the metrics collected since the last call (entries as
	 * the manager takes them, mgr.h cd_mgr_metrics_ingest) appended to
	 * out, at now (epoch ms).  0, or a negative code with err (-ECONNRESET:
	 * the connection is lost). */
	int (*metrics)(void *h, int64_t now, json_t *out, struct cd_buf *err);
	/* The shortest period between two calls of metrics, in seconds: the
	 * source's own sampling interval (vCenter's realtime statistics are
	 * 20 s: asking more often only loads it), or 0. */
	int metrics_period;
};

/* The driver of a kind ("libvirt", "vsphere"), or NULL. */
const struct cd_src_ops *cd_src_kind(const char *kind);

/* Check the configuration, then open and close a session: what `source
 * add` checks before it stores anything (it may take seconds: never with
 * the manager's lock held).  0, or a negative code with err. */
int cd_src_test(const struct cd_src_ops *ops, const json_t *config, struct cd_buf *err);

/* Where a source's thread reports; every call is made with *lock held. */
struct cd_src_sink {
	void *ctx;
	pthread_mutex_t *lock;
	/* The new whole view (workloads: the caller's): 0, -EINVAL with the
	 * reasons in d, -ENOENT when the source is no longer followed, or
	 * another negative code. */
	int (*sync)(void *ctx, const char *source, json_t *workloads, struct cd_diags *d);
	/* Its state ("connecting", "in sync", "disconnected", "error") and
	 * last error (or NULL). */
	void (*state)(void *ctx, const char *source, const char *state, const char *error);
	/* Writing a tag back to workload id failed: why. */
	void (*write_failed)(void *ctx, const char *source, const char *id, const char *why);
	/* Optional: metrics of the source's objects (the connector's metrics
	 * operation), every collect_seconds. */
	void (*metrics)(void *ctx, const char *source, json_t *entries);
	int collect_seconds;
};

struct cd_src;
/* Start following source name; it reports to sink (copied). */
struct cd_src *cd_src_start(const struct cd_src_sink *sink, const char *name,
			    const struct cd_src_ops *ops, const json_t *config);
/* Ask the thread to stop, without waiting (safe with the manager's lock
 * held); cd_src_stop later waits for it and frees. */
void cd_src_signal(struct cd_src *s);
/* Stop and free: waits for the thread (at most a poll's time), so never
 * with the manager's lock held. */
void cd_src_stop(struct cd_src *s);
const char *cd_src_name(const struct cd_src *s);
/* Queue a write-back (done in order). */
void cd_src_write(struct cd_src *s, const char *id, const char *tag, bool add, bool quarantined);

#endif
