/* rows.h - a view's rows: each object's cells over a range, read from the
 * metrics store's tiers, sorted, paged, and written as CSV.
 *
 * The store answers at a step chosen by the range's length: 1 hour (the
 * 1-hour tier) past a day, 5 minutes (the 5-minute tier) past an hour, a
 * minute (raw samples) up to an hour; times not yet rolled up come from raw
 * samples (mquery.h).  Over the range's points at that step:
 *   avg        the mean of the steps' averages;
 *   min, max   the lowest and highest (a gauge's samples; a rate's
 *              between two samples of the finest data kept);
 *   p95        the 95th percentile (nearest rank) of the steps' averages;
 *   sum        a rate's increase: the bytes or requests in the range;
 *   current    the value at the range's end: the last minute's from raw
 *              samples in its last 10 minutes, else the last step's
 *              average;
 *   days_left  a datastore's days until full (forecast.h's rule, over
 *              the range).
 * A cell with no data is empty (null in JSON, nothing in CSV), never 0. */
#ifndef CD_ROWS_H
#define CD_ROWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "metrics/mstore.h"
#include "views/view.h"

#define CD_VROWS_MAX_OBJECTS 200000

/* An object listed: what its property columns show.  Strings are
 * borrowed for the call to cd_vrows_compute, which copies them. */
struct cd_vobject {
	const char *name, *host, *source, *os;
	const char *tags;            /* "env=prod, tier=web", or NULL */
};

struct cd_vrows;

/* v's rows for objects o[0..n) over [begin, end] (epoch ms): 0 with
 * *out, sorted by the view's column; -EINVAL for a range out of bounds,
 * -E2BIG past CD_VROWS_MAX_OBJECTS, or the store's error. */
int cd_vrows_compute(const struct cd_view *v, struct cd_mstore *st, const struct cd_vobject *o,
		     size_t n, int64_t begin, int64_t end, struct cd_vrows **out);
void cd_vrows_free(struct cd_vrows *r);

size_t cd_vrows_count(const struct cd_vrows *r);
/* The step the store answered at ("1h", "5m", "1m") and its tier's name. */
const char *cd_vrows_tier(const struct cd_vrows *r);
/* Column c's unit as shown ("%", "GB", "days", "" for none). */
const char *cd_vrows_unit(const struct cd_vrows *r, size_t c);
/* Sorted again by column c (empty cells last; ties by name). */
void cd_vrows_sort(struct cd_vrows *r, size_t c, bool descending);
/* Rows [offset, offset + limit) as
 *   {"columns": [{"title", "unit", "property" | "metric", "transform"}],
 *    "rows": [{"name": N, "cells": [V | null, ...]}], "total": N,
 *    "offset": N, "step": "1h", "begin": MS, "end": MS}
 * numbers in the column's unit. */
json_t *cd_vrows_json(const struct cd_vrows *r, size_t offset, size_t limit);
/* Every row as CSV (RFC 4180; a header of titles with their units; two
 * decimals; the same rows always give the same bytes). */
int cd_vrows_csv(const struct cd_vrows *r, struct cd_buf *out);
/* s as a CSV field (RFC 4180), appended to b: quoted when it holds a
 * comma, quote or line break; a leading = + - @ is prefixed with ' (a
 * spreadsheet would run it).  The reports' other tables are written with
 * it too.  0, or -ENOBUFS past b's limit. */
int cd_csv_field(struct cd_buf *b, const char *s);
/* Row i's cell c: true with its number in the column's unit, false when
 * empty or a property (then *s its text, if s is not NULL). */
bool cd_vrows_cell(const struct cd_vrows *r, size_t i, size_t c, double *v, const char **s);

#endif
