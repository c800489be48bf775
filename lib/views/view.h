/* view.h - a list view (what vROps calls a custom view): a kind of object,
 * a filter, columns and a sort.
 *
 * A column is a property of the object (its name, host, source, OS, tags)
 * or a metric of the catalog with a transformation over the view's range
 * (current, avg, min, max, p95, sum, days_left) and the unit it is shown
 * in (auto, GB, GiB, TB, TiB for bytes; % for ratios; ms or s for
 * seconds).  The filter is a selector (../shared/spec/policy.md §2: tag,
 * name, host, os, source, group).  A view is written as JSON (the API's
 * body, `cordon views push`); every error names its field, as
 * "columns[2].transform".  Views are the manager's to keep, with
 * revisions (manager/views.c); the ones cordon ships are here. */
#ifndef CD_VIEW_H
#define CD_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/catalog.h"

#define CD_VIEW_MAX_COLUMNS 32
#define CD_VIEW_NAME_MAX 64        /* [a-z0-9][a-z0-9._-]* */
#define CD_VIEW_TEXT_MAX 256       /* a title */
#define CD_VIEW_FILTER_MAX 4096
#define CD_VIEW_DOC_MAX (64u << 10) /* a view's JSON */

enum cd_vkind { CD_VK_VM, CD_VK_HOST, CD_VK_DATASTORE };
enum cd_vprop { CD_VP_NONE, CD_VP_NAME, CD_VP_HOST, CD_VP_SOURCE, CD_VP_OS, CD_VP_TAGS };
enum cd_vxform {
	CD_VX_CURRENT, CD_VX_AVG, CD_VX_MIN, CD_VX_MAX, CD_VX_P95, CD_VX_SUM, CD_VX_DAYS_LEFT
};
enum cd_vunit {
	CD_VU_AUTO, CD_VU_GB, CD_VU_GIB, CD_VU_TB, CD_VU_TIB, CD_VU_PERCENT, CD_VU_MS, CD_VU_S,
	CD_VU_NONE
};

struct cd_vcolumn {
	char *title;
	enum cd_vprop prop;          /* CD_VP_NONE: a metric */
	const struct cd_metric *metric;
	enum cd_vxform xform;
	enum cd_vunit unit;
};

struct cd_view {
	char *name, *title;
	enum cd_vkind kind;
	char *filter;                /* a selector, "" for every object */
	int64_t range_ms;            /* the range when the request names none */
	struct cd_vcolumn col[CD_VIEW_MAX_COLUMNS];
	size_t ncol;
	size_t sort;                 /* the column sorted by */
	bool descending;
	bool builtin;
};

const char *cd_vkind_name(enum cd_vkind k);
const char *cd_vprop_name(enum cd_vprop p);
const char *cd_vxform_name(enum cd_vxform x);
const char *cd_vunit_name(enum cd_vunit u);
int cd_vkind_parse(const char *s, enum cd_vkind *k);

/* A view from its JSON: 0 with *out, or -EINVAL with "FIELD: what is
 * wrong" in err (out untouched). */
int cd_view_from_json(const json_t *j, struct cd_view *out, char *err, size_t errlen);
/* The same from text (a JSON syntax error says its line and column). */
int cd_view_parse(const char *text, size_t len, struct cd_view *out, char *err, size_t errlen);
/* Its JSON, as cd_view_from_json reads it back (every field written). */
json_t *cd_view_json(const struct cd_view *v);
void cd_view_free(struct cd_view *v);
int cd_view_copy(const struct cd_view *v, struct cd_view *out);

/* The views cordon ships: how many; cd_view_builtin(i, out) makes the
 * i-th (builtin set), 0 or -ENOENT. */
size_t cd_view_builtins(void);
int cd_view_builtin(size_t i, struct cd_view *out);
/* One by name: 0, or -ENOENT. */
int cd_view_builtin_named(const char *name, struct cd_view *out);

#endif
