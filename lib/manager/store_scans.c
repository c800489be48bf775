/* store_scans.c - the embedded store's scan requests and quarantines
 * (see store.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/store_priv.h"
#include "base/util.h"

/* ---- scan requests ---- */

void cd_scan_req_free(struct cd_scan_req *q)
{
	free(q->workload);
	free(q->kind);
	free(q->state);
	free(q->by);
	free(q->result);
	memset(q, 0, sizeof(*q));
}

int cd_store_scan_add(struct cd_store *s, struct cd_scan_req *q)
{
	int64_t id = cd_db_scalar(cd_store_prep(s, "INSERT INTO scans(id, workload, kind, state, by_, "
			    "requested, updated) VALUES((SELECT coalesce(max(id), 0) + 1 FROM scans), "
			    "?, ?, ?, ?, ?, ?) RETURNING id", "ssssii", q->workload, q->kind, q->state,
			    q->by, q->requested, q->updated));
	if (id < 0)
		return (int)id;
	q->id = id;
	return 0;
}

int cd_store_scan_update(struct cd_store *s, int64_t id, const char *state,
			 const char *result, int64_t updated)
{
	return cd_store_run(s, cd_store_prep(s, "UPDATE scans SET state = ?, result = coalesce(?, result), updated = ? "
			   "WHERE id = ?", "ssii", state, result, updated, id));
}

static void scan_row_get(struct cd_db_stmt *st, struct cd_scan_req *q)
{
	q->id = cd_db_int(st, 0);
	q->workload = (char *)cd_db_text(st, 1);
	q->kind = (char *)cd_db_text(st, 2);
	q->state = (char *)cd_db_text(st, 3);
	q->by = (char *)cd_db_text(st, 4);
	q->requested = cd_db_int(st, 5);
	q->updated = cd_db_int(st, 6);
	q->result = (char *)cd_db_text(st, 7);
}

struct scan_ctx { cd_store_scan_cb cb; void *ctx; };
static int scan_row(void *p, struct cd_db_stmt *st)
{
	struct scan_ctx *c = p;
	struct cd_scan_req q;
	scan_row_get(st, &q);
	return c->cb(c->ctx, &q);
}

int cd_store_scan_pending(struct cd_store *s, const char *workload, cd_store_scan_cb cb, void *ctx)
{
	struct scan_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT id, workload, kind, state, by_, requested, updated, result "
			    "FROM scans WHERE state IN ('requested', 'running') "
			    "AND (? IS NULL OR workload = ? COLLATE NOCASE) ORDER BY id",
			    "ss", workload, workload), scan_row, &c);
}

int cd_store_scan_get(struct cd_store *s, int64_t id, struct cd_scan_req *out)
{
	struct cd_db_stmt *st = cd_store_prep(s, "SELECT id, workload, kind, state, by_, requested, updated, result "
				"FROM scans WHERE id = ?", "i", id);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0) {
		struct cd_scan_req q;
		scan_row_get(st, &q);
		out->id = q.id;
		out->workload = cd_strdup(q.workload);
		out->kind = cd_strdup(q.kind);
		out->state = cd_strdup(q.state);
		out->by = q.by ? cd_strdup(q.by) : NULL;
		out->requested = q.requested;
		out->updated = q.updated;
		out->result = q.result ? cd_strdup(q.result) : NULL;
	} else {
		r = rc == 0 ? -ENOENT : rc;
	}
	cd_db_done(st);
	return r;
}

int cd_store_scan_last(struct cd_store *s, const char *workload, const char *kind,
		       int64_t *requested)
{
	struct cd_db_stmt *st = cd_store_prep(s, "SELECT max(requested) FROM scans WHERE workload = ? COLLATE NOCASE "
				"AND kind = ?", "ss", workload, kind);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0)
		*requested = cd_db_int(st, 0);
	else
		r = rc;
	cd_db_done(st);
	return r;
}

/* ---- quarantines ---- */

void cd_quarantine_free(struct cd_quarantine *q)
{
	free(q->why);
	memset(q, 0, sizeof(*q));
}

int cd_store_quarantine_put(struct cd_store *s, const char *workload, int64_t since,
			    const char *why)
{
	return cd_store_run(s, cd_store_prep(s, "INSERT INTO quarantines(workload, since, detected, why) "
			   "VALUES(?, ?, ?, ?) ON CONFLICT(workload) DO UPDATE SET "
			   "since = excluded.since, detected = excluded.detected, why = excluded.why",
			   "siis", workload, since, since, why));
}

int cd_store_quarantine_detected(struct cd_store *s, const char *workload, int64_t time)
{
	return cd_store_run(s, cd_store_prep(s, "UPDATE quarantines SET detected = ? WHERE workload = ? AND detected < ?",
			   "isi", time, workload, time));
}

int cd_store_quarantine_get(struct cd_store *s, const char *workload, struct cd_quarantine *out)
{
	struct cd_db_stmt *st = cd_store_prep(s, "SELECT since, detected, why FROM quarantines WHERE workload = ?",
				"s", workload);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0) {
		out->since = cd_db_int(st, 0);
		out->detected = cd_db_int(st, 1);
		out->why = cd_db_text_dup(st, 2);
	} else {
		r = rc == 0 ? -ENOENT : rc;
	}
	cd_db_done(st);
	return r;
}

int cd_store_quarantine_del(struct cd_store *s, const char *workload)
{
	return cd_store_run(s, cd_store_prep(s, "DELETE FROM quarantines WHERE workload = ?", "s", workload));
}
