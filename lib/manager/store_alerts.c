/* store_alerts.c - alerts, active and past: one row an alert, its
 * detail (symptoms, values, related objects, drill-down) as JSON.  At
 * most one active alert per definition and object (a unique index). Past
 * alerts share the event log's retention: their sizes count in its
 * bytes, and they go by the same age. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define ROW_BYTES 128                  /* a row's own cost, about */

void cd_alert_rec_free(struct cd_alert_rec *a)
{
	free(a->definition);
	free(a->kind);
	free(a->object);
	free(a->severity);
	free(a->state);
	free(a->acked_by);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}

static int64_t size_of(const char *detail)
{
	return ROW_BYTES + (int64_t)strlen(detail);
}

int cd_store_alert_raise(struct cd_store *s, struct cd_alert_rec *a)
{
	int64_t size = size_of(a->detail);
	int64_t id = cd_db_scalar(cd_store_keep(s, "INSERT INTO alerts(id, definition, kind, object, "
			     "severity, state, raised, updated, detail, size) VALUES("
			     "(SELECT coalesce(max(id), 0) + 1 FROM alerts), ?, ?, ?, ?, 'active', ?, ?, ?, ?) "
			     "RETURNING id", "ssssiisi", a->definition, a->kind, a->object, a->severity,
			     a->raised, a->raised, a->detail, size));
	if (id < 0)
		return id == -EEXIST ? -EIO : (int)id;   /* one of them is active */
	a->id = id;
	if (s->ev_bytes >= 0)
		s->ev_bytes += size;
	return 0;
}

/* The active alert id's detail and time; cancelled too when cancel.  The
 * event log's running total of sizes follows the row's new size. */
static int put(struct cd_store *s, int64_t id, const char *detail, int64_t time, bool cancel)
{
	int64_t old = cd_db_scalar(cd_store_keep(s, "SELECT coalesce((SELECT size FROM alerts "
					 "WHERE id = ? AND state = 'active'), -1)", "i", id));
	if (old < -1)
		return (int)old;
	if (old == -1)
		return -ENOENT;
	int64_t size = size_of(detail);
	int r = cd_store_run(s, cd_store_keep(s, "UPDATE alerts SET detail = ?, updated = ?, size = ?, "
					 "state = CASE WHEN ? = 1 THEN 'cancelled' ELSE state END, "
					 "cancelled = CASE WHEN ? = 1 THEN ? ELSE cancelled END WHERE id = ?",
					 "siibbii", detail, time, size, cancel, cancel, time, id));
	if (r == 0 && s->ev_bytes >= 0)
		s->ev_bytes += size - old;
	return r;
}

int cd_store_alert_update(struct cd_store *s, int64_t id, const char *detail, int64_t time)
{
	return put(s, id, detail, time, false);
}

int cd_store_alert_cancel(struct cd_store *s, int64_t id, const char *detail, int64_t time)
{
	return put(s, id, detail, time, true);
}

int cd_store_alert_ack(struct cd_store *s, int64_t id, const char *by, int64_t time)
{
	struct cd_db_stmt *st = cd_store_prep(s, "UPDATE alerts SET acked_by = ?, acked_at = ? WHERE id = ? "
					 "RETURNING id", "sii", by, time, id);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st);
	cd_db_done(st);
	return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

#define COLS "id, definition, kind, object, severity, state, raised, updated, " \
	     "coalesce(cancelled, 0), acked_by, coalesce(acked_at, 0), detail"

/* A column's text: a copy (own), or the row's own until the next step. */
static char *col(struct cd_db_stmt *st, int i, bool own)
{
	return own ? cd_db_text_dup(st, i) : (char *)cd_db_text(st, i);
}

static void row_to(struct cd_db_stmt *st, struct cd_alert_rec *a, bool own)
{
#define str(st, i) col(st, i, own)
	a->id = cd_db_int(st, 0);
	a->definition = str(st, 1);
	a->kind = str(st, 2);
	a->object = str(st, 3);
	a->severity = str(st, 4);
	a->state = str(st, 5);
	a->raised = cd_db_int(st, 6);
	a->updated = cd_db_int(st, 7);
	a->cancelled = cd_db_int(st, 8);
	a->acked_by = str(st, 9);
	a->acked_at = cd_db_int(st, 10);
	a->detail = str(st, 11);
#undef str
}

int cd_store_alert_get(struct cd_store *s, int64_t id, struct cd_alert_rec *out)
{
	struct cd_db_stmt *st = cd_store_prep(s, "SELECT " COLS " FROM alerts WHERE id = ?", "i", id);
	if (!st)
		return -EIO;
	int rc = cd_db_step(st), r = 0;
	if (rc > 0)
		row_to(st, out, true);
	else
		r = rc == 0 ? -ENOENT : rc;
	cd_db_done(st);
	return r;
}

struct each_ctx { cd_store_alert_cb cb; void *ctx; };
static int each_row(void *p, struct cd_db_stmt *st)
{
	struct each_ctx *c = p;
	struct cd_alert_rec a;
	row_to(st, &a, false);
	return c->cb(c->ctx, &a);
}

int cd_store_alert_each(struct cd_store *s, const struct cd_alert_filter *f, cd_store_alert_cb cb,
			void *ctx)
{
	struct each_ctx c = { cb, ctx };
	/* the newest first */
	return cd_db_rows(cd_store_prep(s, "SELECT " COLS " FROM alerts WHERE id < ? "
			     "AND (? IS NULL OR state = ?) AND (? IS NULL OR severity = ?) "
			     "AND (? IS NULL OR kind = ?) AND (? IS NULL OR object = ?) "
			     "AND (? IS NULL OR definition = ?) ORDER BY id DESC LIMIT ?",
			     "issssssssssi", f->before > 0 ? f->before : INT64_MAX, f->state, f->state,
			     f->severity, f->severity, f->kind, f->kind, f->name, f->name, f->definition,
			     f->definition, f->limit > 0 ? f->limit : INT64_MAX),
			     each_row, &c);
}

int64_t cd_store_alerts_prune(struct cd_store *s, int64_t before)
{
	return cd_store_prune_run(s, cd_store_prep(s, "DELETE FROM alerts WHERE state = 'cancelled' AND "
					       "cancelled < ? RETURNING size", "i", before));
}
