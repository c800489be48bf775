/* mgr_priv.h - what the manager's resource files (quarantine.c, ...)
 * share with its core (mgr.c): the change stream and the tag layer.  Not
 * for the API or anything outside the manager.
 *
 * A change is made as: cd_store_begin, cd_mgr_next_seq, the store's
 * writes and the event, cd_mgr_finish (commit, or roll back on error),
 * then the working copy, then cd_mgr_delta_push. */
#ifndef CD_MGR_PRIV_H
#define CD_MGR_PRIV_H

#include "manager/mgr.h"

/* Take the next change number inside the current transaction. */
int cd_mgr_next_seq(struct cd_mgr *m);
/* Commit a transaction that took the next number (r == 0), or roll it
 * back; then the change is everyone's. */
int cd_mgr_finish(struct cd_mgr *m, int r);
/* Put a change (JSON object text, taken over) on the stream. */
void cd_mgr_delta_push(struct cd_mgr *m, char *body);
/* Add or remove a tag of workload, as one change; the event is of type
 * evtype with message msg (NULL: the tag change said plainly) and data
 * (taken over).  Setting or removing the policy's quarantine tag records
 * or drops the workload's quarantine (since when and why).  1 changed, 0
 * already so, -ENOENT, -EINVAL (a bad tag) or a store error. */
int cd_mgr_set_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
		   const struct cd_actor *a, const char *evtype, const char *msg, json_t *data);

/* The agent's record in memory (made when it was never heard of). */
struct cd_mgr_agent *cd_mgr_agent_get(struct cd_mgr *m, const struct cd_actor *a);
/* One line to the manager's log. */
void cd_mgr_logf(struct cd_mgr *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
