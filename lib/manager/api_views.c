/* api_views.c - list views: saved, listed, removed, their revisions, and
 * their rows over a range (JSON pages, or CSV). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "manager/api_priv.h"
#include "views/rows.h"

#define ROWS_LIMIT_DEFAULT 100
#define ROWS_LIMIT_MAX 200000

void cd_api_h_views(struct ctx *c)
{
	json_t *l = cd_mgr_views(c->m);
	if (!l)
		cd_api_store_failed(c, -EIO);
	else
		cd_api_reply(c, 200, l);
}

void cd_api_h_view_put(struct ctx *c)
{
	char err[512];
	int64_t rev = 0;
	if (!cd_api_body_json(c, "the view"))
		return;
	int r = cd_mgr_view_put(c->m, c->body, &c->actor, err, sizeof err, &rev);
	if (r == -EINVAL)
		cd_api_invalid(c, err);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:O, s:I}", "name", json_object_get(c->body, "name"),
					       "rev", (json_int_t)rev));
}

static bool view_of(struct ctx *c, struct cd_view *v, int64_t *rev)
{
	int r = cd_mgr_view_get(c->m, c->seg[0], v, rev);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no view named '%.64s'", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	return r == 0;
}

void cd_api_h_view(struct ctx *c)
{
	struct cd_view v;
	int64_t rev;
	if (!view_of(c, &v, &rev))
		return;
	json_t *j = cd_view_json(&v);
	json_object_set_new(j, "rev", json_integer(rev));
	cd_view_free(&v);
	cd_api_reply(c, 200, j);
}

void cd_api_h_view_rm(struct ctx *c)
{
	int r = cd_mgr_view_remove(c->m, c->seg[0], &c->actor);
	if (r == -ENOENT)
		cd_api_error(c, 404, "name", "no saved view named '%.64s'", c->seg[0]);
	else if (r == -EPERM)
		cd_api_error(c, 409, "name", "'%.64s' is a built-in view: save one of that name to "
			     "change it", c->seg[0]);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s}", "removed", c->seg[0]));
}

void cd_api_h_view_revisions(struct ctx *c)
{
	json_t *l = json_array();
	int r = cd_mgr_view_revisions(c->m, c->seg[0], cd_api_rev_row, l);
	if (r < 0) {
		json_decref(l);
		cd_api_store_failed(c, r);
	} else if (json_array_size(l) == 0) {
		json_decref(l);
		cd_api_error(c, 404, "name", "no saved view named '%.64s'", c->seg[0]);
	} else {
		cd_api_reply(c, 200, l);
	}
}

void cd_api_h_view_rows(struct ctx *c)
{
	struct cd_view v;
	int64_t rev, begin, end, offset = 0, limit = ROWS_LIMIT_DEFAULT, sort = -1;
	const char *order = cd_api_q(c, "order"), *format = cd_api_q(c, "format");
	if (!cd_api_q_int(c, "offset", 0, ROWS_LIMIT_MAX, &offset) ||
	    !cd_api_q_int(c, "limit", 1, ROWS_LIMIT_MAX, &limit) ||
	    !cd_api_q_int(c, "sort", 0, CD_VIEW_MAX_COLUMNS - 1, &sort))
		return;
	if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
		cd_api_error(c, 400, "order", "order is asc or desc");
		return;
	}
	if (format && strcmp(format, "json") && strcmp(format, "csv")) {
		cd_api_error(c, 400, "format", "format is json or csv");
		return;
	}
	if (!view_of(c, &v, &rev))
		return;
	if (sort >= (int64_t)v.ncol) {
		cd_api_error(c, 400, "sort", "the view has %zu columns (0 to %zu)", v.ncol, v.ncol - 1);
		cd_view_free(&v);
		return;
	}
	struct cd_mstore *st = cd_mgr_metrics(c->m);
	if (!st) {
		cd_view_free(&v);
		cd_api_error(c, 503, NULL, "this manager keeps no metrics");
		return;
	}
	char err[512];
	struct cd_mgr_vobjects *objs = NULL;
	if (!cd_api_q_range(c, v.range_ms, 730 * 86400000LL, &begin, &end) ||
	    (cd_mgr_view_objects(c->m, &v, &objs, err, sizeof err) &&
	     (cd_api_error(c, 400, "filter", "%s", err), true))) {
		cd_view_free(&v);
		return;
	}
	size_t n;
	const struct cd_vobject *o = cd_mgr_vobjects_list(objs, &n);
	struct cd_vrows *rows = NULL;
	cd_api_leave(c);
	int r = cd_vrows_compute(&v, st, o, n, begin, end, &rows);
	if (r == 0 && (sort >= 0 || order))
		cd_vrows_sort(rows, sort >= 0 ? (size_t)sort : v.sort,
			      order ? !strcmp(order, "desc") : v.descending);
	cd_mgr_vobjects_free(objs);
	bool ok = cd_api_enter(c);
	if (!ok || r) {
		if (ok)
			r == -E2BIG ? cd_api_error(c, 413, NULL, "the view lists more than %d objects",
						   CD_VROWS_MAX_OBJECTS)
				    : cd_api_store_failed(c, r);
		cd_vrows_free(rows);
		cd_view_free(&v);
		return;
	}
	if (format && !strcmp(format, "csv")) {
		struct cd_buf b;
		cd_buf_init(&b, 256u << 20);
		if (cd_vrows_csv(rows, &b)) {
			cd_api_error(c, 413, NULL, "the CSV would be larger than 256 MiB");
			cd_buf_free(&b);
		} else {
			c->out->status = 200;
			size_t len = b.len;
			c->out->blob = cd_blob_new(cd_buf_steal(&b), len);
			c->out->content_type = "text/csv; charset=utf-8; header=present";
		}
	} else {
		json_t *j = cd_vrows_json(rows, (size_t)offset, (size_t)limit);
		json_object_set_new(j, "rev", json_integer(rev));
		cd_api_reply(c, 200, j);
	}
	cd_vrows_free(rows);
	cd_view_free(&v);
}
