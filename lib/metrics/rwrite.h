/* rwrite.h - every sample the store takes, also sent to a Prometheus
 * remote-write 1.0 receiver (Prometheus, VictoriaMetrics, Mimir, ...):
 * how a site that outgrows one manager's store feeds a distributed engine
 * it already runs.
 *
 * A WriteRequest (protobuf: time series, each its labels sorted by name,
 * __name__ among them, and its samples) compressed with snappy's block
 * format, POSTed with Content-Encoding: snappy and
 * X-Prometheus-Remote-Write-Version: 0.1.0, a bearer token when given.
 * The protobuf is written here by hand: the message has four fields, and
 * a code generator (protobuf-c) would be a build step for them.
 *
 * A sender thread per URL takes the samples from a queue bounded in
 * memory (past it the oldest are dropped, and counted), sends them 2,000
 * at a time, and retries a batch the receiver did not take (unreachable,
 * 5xx, 429) with a backoff from 0.5 s to 30 s; a batch it refuses (any
 * other 4xx) is dropped, as the specification asks. */
#ifndef CD_RWRITE_H
#define CD_RWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "metrics/mstore.h"

#define CD_RW_QUEUE 200000         /* samples waiting, at most */
#define CD_RW_BATCH 2000

/* One series of a request: its key (metric{k="v",...}, as the store's)
 * and its samples. */
struct cd_rw_series {
	const char *key;
	const int64_t *t;
	const double *v;
	size_t n;
};

/* Append the protobuf WriteRequest of these series to out: 0, -EINVAL
 * when a key is not metric{labels}, or -E2BIG past a buffer's limit (out's,
 * a series' 1 MiB, a label value's 64 KiB). */
int cd_rw_encode(const struct cd_rw_series *s, size_t n, struct cd_buf *out);

struct cd_rw;

struct cd_rw_opts {
	const char *url;
	const char *token_file;    /* a bearer token, or NULL */
	void (*log)(const char *line);
};

/* Start sending what st takes from now on (a tap of the store): NULL
 * with err when the token file cannot be read. */
struct cd_rw *cd_rw_start(struct cd_mstore *st, const struct cd_rw_opts *o, struct cd_buf *err);
/* Samples sent, dropped (queue full, or refused), waiting. */
void cd_rw_stats(struct cd_rw *w, uint64_t *sent, uint64_t *dropped, size_t *queued);
void cd_rw_stop(struct cd_rw *w);

#endif
