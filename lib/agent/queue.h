/* queue.h - a durable, bounded queue of events on disk (the agent's).
 *
 * An event is appended and fsync'ed before cd_queue_push() returns, so no
 * event is lost across a crash of the agent, a restart of the manager or
 * a network cut: it stays until the manager acknowledges its number.
 *
 * The file (DIR/events.q) is a sequence of records: a 4-byte length, a
 * 4-byte CRC-32 of the payload (both little-endian), and the payload (one
 * JSON object, its "seq" inside).  A torn last record, from a crash in
 * the middle of a write, is cut off when the queue is opened.  A damaged
 * record elsewhere (its CRC wrong: a flipped bit, a bad sector) is
 * skipped up to the next whole record, the others kept, the file
 * rewritten without it, and numbering goes on past any number it could
 * have had: cd_queue.damaged_* say so, for the agent to log and report.  The acknowledged number is kept in DIR/events.ack.
 * Acknowledged records are dropped by rewriting the file (to a new name,
 * then rename) once they are half of it.
 *
 * Bounded: past max_bytes of unacknowledged events, new events are
 * dropped and counted; the first one dropped is replaced by a
 * "queue-full" event (room for it is kept), and once there is room again
 * a "queue-dropped" event says how many were lost.
 *
 * Groups (cd_queue_push_group): written with one write and one sync, all
 * but the last with "more": true; those are held (not peeked) until the
 * last follows, and a run of them at the file's end (a crash within the
 * write) is dropped at open, so that a group is taken whole or not at
 * all.  A record's "mark" (a string, the pusher's) is
 * remembered as the queue's mark, kept with the acknowledged number
 * (DIR/events.ack's second line) once the record goes: the pusher reads at
 * open how far what it pushed went. */
#ifndef CD_QUEUE_H
#define CD_QUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

#define CD_QUEUE_RECORD_MAX (64u << 10)   /* the largest event */

#define CD_QUEUE_MARK_MAX 64

struct cd_queue_rec {
	int64_t seq;
	char *text;            /* the JSON payload */
	size_t len;
	bool more;             /* its group goes on: held until a record without */
};

struct cd_queue {
	char *path, *ack_path;
	int fd;
	size_t max_bytes;      /* of unacknowledged events */
	size_t file_bytes;     /* the file's length */
	size_t live_bytes;     /* unacknowledged records, with headers */
	int64_t next_seq, acked;
	struct cd_queue_rec *v;   /* unacknowledged, oldest first */
	size_t n, cap;
	uint64_t dropped;      /* since the last queue-dropped event */
	bool full;             /* the queue-full event is in */
	/* found at open: damaged records skipped (their bytes, their spans);
	 * the records after them are kept, and no number is given again */
	size_t damaged_bytes, damaged_spans;
	char mark[CD_QUEUE_MARK_MAX];   /* the last record's "mark" that had one */
};

/* A new event object: {"time": now, "type", "workload" (when not NULL),
 * "message": fmt..., "data" (taken over, when not NULL)}. */
json_t *cd_event_make(const char *type, const char *workload, json_t *data, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Open (or make) the queue in dir.  Returns 0 or -errno with err set. */
int cd_queue_open(struct cd_queue *q, const char *dir, size_t max_bytes, struct cd_buf *err);
void cd_queue_close(struct cd_queue *q);
/* Append an event (an object; "seq" is set here).  0, or -ENOSPC when it
 * was dropped for want of room, or -errno when the disk failed. */
int cd_queue_push(struct cd_queue *q, json_t *event);
/* Append a group of events (objects; "seq", "more" and "mark" set here:
 * mark on the last when not NULL) with one write and one sync: all of
 * them, or none (-ENOSPC when there is no room for all, counted as
 * dropped; -errno when the disk failed). */
int cd_queue_push_group(struct cd_queue *q, json_t *const *events, size_t n, const char *mark);
/* Up to max unacknowledged events, oldest first (a new array); none of a
 * group not yet whole. */
json_t *cd_queue_peek(const struct cd_queue *q, size_t max);
/* The manager has every event up to seq. */
int cd_queue_ack(struct cd_queue *q, int64_t seq);
/* How many records cd_queue_peek would give, max aside. */
size_t cd_queue_ready(const struct cd_queue *q);

#endif
