/* spool.h - samples waiting where they were collected: a host agent's
 * collections, kept on disk until the manager has them, so that a
 * manager restart (or a network cut) leaves no gap in the series.
 *
 * Each collection is a file DIR/T-N.json (T its time in epoch ms, N its
 * entries), written whole or not at all (a temporary file, synced,
 * renamed).  Bounded: past max_bytes, the oldest files are dropped and
 * their entries counted.  Sent oldest first; a file the manager has
 * taken is deleted. */
#ifndef CD_SPOOL_H
#define CD_SPOOL_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct cd_spool_file {
	int64_t t;
	size_t n, bytes;
};

struct cd_spool {
	char *dir;
	size_t max_bytes, bytes;
	struct cd_spool_file *v;   /* oldest first */
	size_t nv, cap;
	uint64_t dropped;          /* entries dropped for room, or unreadable */
};

/* Open (making) dir and take up the files there: 0 or -errno with err. */
int cd_spool_open(struct cd_spool *s, const char *dir, size_t max_bytes, struct cd_buf *err);
void cd_spool_close(struct cd_spool *s);
/* Keep a collection (entries: an array): 0 or -errno. */
int cd_spool_put(struct cd_spool *s, int64_t t, json_t *entries);
/* The entries of the oldest files, at most max_entries and max_bytes
 * (but at least one file): a new array, *nfiles how many files it holds;
 * NULL when the spool is empty. */
json_t *cd_spool_peek(struct cd_spool *s, size_t max_entries, size_t max_bytes, size_t *nfiles);
/* The oldest nfiles were taken: delete them. */
void cd_spool_ack(struct cd_spool *s, size_t nfiles);

#endif
