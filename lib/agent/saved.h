/* saved.h - what an enforcing agent saved of the manager's state, read
 * back at its start: the last snapshot (DIR/snapshot.json: the change
 * number, the revision, the policy and inventory documents) and the tag
 * changes applied since (DIR/journal.jsonl, one a line).  Both are the
 * agent's own files, bounded; a damaged one is said and set aside, never
 * a crash: a snapshot that does not load is no snapshot (the agent then
 * closes every vNIC until the manager answers), a journal line that does
 * not parse is skipped and counted. */
#ifndef CD_AGENT_SAVED_H
#define CD_AGENT_SAVED_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"
#include "policy/state.h"

#define CD_SAVED_SNAPSHOT_MAX (96u << 20)  /* a policy and an inventory, as JSON */
#define CD_SAVED_LINE_MAX     65536        /* a journal's tag change */

struct cd_saved {
	int64_t seq, rev;
	char *policy, *inventory;  /* the documents, as the manager sent them */
	struct cd_state *st;       /* the world they make */
	json_t *changes;           /* the journal's tag changes, in order: each
				    * {"seq", "workload", "tags"} of a workload
				    * of the inventory */
	size_t damaged;            /* journal lines set aside */
};

/* 1 when a snapshot is saved and loads (s filled; cd_saved_free), 0 when
 * none is (err says why when one is there but damaged). */
int cd_saved_read(const char *dir, struct cd_saved *s, struct cd_buf *err);
void cd_saved_free(struct cd_saved *s);

#endif
