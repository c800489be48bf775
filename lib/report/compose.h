/* compose.h - a report over a range made into its files: its PDF (a
 * cd_rdoc, pdf.h) and a CSV file per table section, from what its
 * sections hold (a view's rows, a chart's points, the security facts),
 * which the caller read (the manager: manager/reports*.c).  Nothing here
 * reads a store or a clock: the same inputs give the same bytes.
 *
 * What the files say:
 *  - the PDF: the report's title; its range in its zone with the offset
 *    ("2026-11-30 06:00 +01:00 to 2026-12-07 06:00 +01:00, times in
 *    Europe/Paris"); the time it was generated; then each section: a
 *    view's rows (its columns' titles with their units, figures with one
 *    decimal, "-" where a cell is empty; at most the section's limit of
 *    rows, the CSV has all), a chart (a line per object, in the metric's
 *    unit: %, a byte unit chosen from the largest value, ms), the
 *    detections, the quarantines with their durations, the policy's rules
 *    no flow record matched; each security table with a line that sums it
 *    up, and a line saying so when it is empty;
 *  - CSV (RFC 4180, CRLF, views/rows.h's fields): a view's as the views'
 *    CSV (cd_vrows_csv), the security tables' with times in RFC 3339 in
 *    the report's zone ("2026-12-07T06:00:00+01:00") and durations in
 *    hours with two decimals.
 * Files are named NAME-YYYY-MM-DD-HHMM.pdf and NAME-YYYY-MM-DD-HHMM-N-SLUG.csv
 * (the range's end in the zone; N the section's number from 1; SLUG the
 * view's name, "detections", "quarantines", "unmatched-rules"). */
#ifndef CD_COMPOSE_H
#define CD_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tz.h"
#include "base/util.h"
#include "metrics/mquery.h"
#include "report/report.h"
#include "views/rows.h"

#define CD_RFILE_PDF_MAX (256u << 20)   /* a report's PDF */
#define CD_RFILE_CSV_MAX (256u << 20)   /* one CSV file */
#define CD_RFACTS_MAX 100000            /* rows of a security table */

/* A detection: a "detection" event (time in ms). */
struct cd_rdetection {
	int64_t time;
	const char *workload, *signature, *file, *action;   /* NULL: not said */
	bool remediated;
};

/* A quarantine that overlaps the range: since when (ms), until when
 * (0: still at the range's end), why it began and how it ended. */
struct cd_rquarantine {
	const char *workload;
	int64_t since, released;
	const char *why, *released_by;
};

/* A rule of the policy. */
struct cd_rrule {
	int64_t id;
	const char *name, *category, *action;
	bool staged;
};

/* A chart's line: an object's points, in the metric's base unit. */
struct cd_rseries {
	const char *name;
	const struct cd_point *p;
	size_t n;
};

/* What section i holds (the caller's, borrowed for the call). */
struct cd_rsecdata {
	const char *missing;            /* why it could not be made ("no view named x"), or NULL */
	/* a view */
	const struct cd_view *view;
	const struct cd_vrows *rows;
	/* a chart */
	const struct cd_rseries *series;
	size_t nseries;
	int64_t step;                   /* its points' step (ms) */
	/* detections, quarantines, rules that matched no flow record */
	const struct cd_rdetection *det;
	size_t ndet;
	const struct cd_rquarantine *quar;
	size_t nquar;
	const struct cd_rrule *rules;   /* the rules no flow record matched */
	size_t nrules;
	size_t rules_total;             /* the policy's enabled rules */
	int64_t policy_rev;
	bool truncated;                 /* a table cut at CD_RFACTS_MAX */
};

struct cd_rcompose {
	const struct cd_report *rep;
	const struct cd_tz *tz;         /* the report's zone */
	int64_t begin, end;             /* the range (ms) */
	int64_t generated;              /* when it was made (ms): the PDF's date */
	const struct cd_rsecdata *data; /* rep->nsec of them */
};

struct cd_rcsv {
	size_t section;                 /* its section's index */
	char *name;
	struct cd_buf data;
};

struct cd_rfiles {
	char *pdf_name;                 /* NULL: no PDF made */
	struct cd_buf pdf;
	struct cd_rcsv csv[CD_REPORT_SECTIONS_MAX];
	size_t ncsv;
};

enum {
	CD_RMAKE_PDF = 1,               /* the PDF */
	CD_RMAKE_CSV = 2,               /* every table section's CSV */
};

/* The files `what` asks for, into *out (zeroed first); with only >= 0,
 * the CSV of that section alone (-EINVAL when it is not a table).  0, or
 * a negative code with err saying what failed (-ENOENT: the fonts are
 * missing; -E2BIG: past a limit). */
int cd_report_compose(const struct cd_rcompose *in, unsigned what, long only, struct cd_rfiles *out,
		      char *err, size_t errlen);
void cd_rfiles_free(struct cd_rfiles *f);

/* A file's name (see above): section -1 for the PDF.  0, or -ERANGE for
 * an end out of the zones' range. */
int cd_report_file_name(const struct cd_report *r, const struct cd_tz *tz, int64_t end, long section,
			char *buf, size_t len);

/* Whether section s makes a table (a view, a security table). */
bool cd_rsection_is_table(const struct cd_rsection *s);

/* t (ms) in RFC 3339 in tz: "2026-12-07T06:00:00+01:00". */
int cd_report_time3339(const struct cd_tz *tz, int64_t t, char *buf, size_t len);

#endif
