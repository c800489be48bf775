/* pdf.h - a report's document, and its PDF.
 *
 * A document is a title, a subtitle line (the report's range and time
 * zone, as its maker words them) and a "generated" line, then sections
 * in order, each
 *  - a table: a title, column headings, which columns align right, rows
 *    of texts; a table longer than its page goes on over the next ones,
 *    its title ("continued") and headings repeated; a text wider than its
 *    column is cut with "…";
 *  - a time chart: a title, the y axis's unit, a range of time (its
 *    labels in a time zone), lines (named series of points) and bands (a
 *    lower and an upper line, filled lightly behind the lines: a learned
 *    normal range); a point whose value is not finite, or a step missing
 *    between two points, breaks the line there; axis ticks at round
 *    values and round local times;
 *  - a note: a paragraph of text, wrapped.
 * The PDF is A4 portrait, "page N of M" in each page's footer, written by
 * cairo's PDF surface with DejaVu Sans (Debian's fonts-dejavu-core, read
 * from its file: the same glyphs on every machine), its text selectable,
 * its charts vectors.  The same document gives the same bytes: the PDF's
 * dates are the document's "generated" time, and nothing else varies.
 *
 * The builder copies every text (bytes not UTF-8 become U+FFFD, control
 * characters spaces) and every point; what it takes is bounded (the
 * limits below: past one, -E2BIG and nothing added).  A document and its
 * sections belong to one thread at a time; cd_rdoc_pdf may run on
 * several documents in several threads at once. */
#ifndef CD_PDF_H
#define CD_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tz.h"
#include "base/util.h"

#define CD_RDOC_TEXT_MAX 1024          /* bytes of a title, heading, cell or name */
#define CD_RDOC_NOTE_MAX 16384         /* bytes of a note */
#define CD_RDOC_SECTIONS_MAX 512
#define CD_RDOC_COLUMNS_MAX 24
#define CD_RDOC_ROWS_MAX 200000        /* rows of a table */
#define CD_RDOC_SERIES_MAX 24          /* lines and bands of a chart */
#define CD_RDOC_POINTS_MAX 1000000     /* points of a line or band */
#define CD_RDOC_MEM_MAX (512u << 20)   /* bytes a document holds in all */
#define CD_RDOC_FONT_DIR "/usr/share/fonts/truetype/dejavu"

struct cd_rdoc;
struct cd_rtable;      /* a table of a document, freed with it */
struct cd_rchart;      /* a chart of a document, freed with it */

/* A new document; generated_ms is written in tz ("generated 2026-12-07
 * 13:05 +01:00") and is the PDF's creation date.  0, -EINVAL (a time
 * out of the zones' range), -E2BIG. */
int cd_rdoc_new(const char *title, const char *subtitle, int64_t generated_ms, const struct cd_tz *tz,
		struct cd_rdoc **out);
void cd_rdoc_free(struct cd_rdoc *d);          /* NULL: nothing */

/* A table of ncols columns (1 to CD_RDOC_COLUMNS_MAX): headings[i] and
 * right[i] (NULL: all left) each.  Rows are added after. */
int cd_rdoc_table(struct cd_rdoc *d, const char *title, size_t ncols, const char *const *headings,
		  const bool *right, struct cd_rtable **out);
/* A row: ncols texts (NULL: empty). */
int cd_rtable_row(struct cd_rtable *t, const char *const *cells);

/* A chart of [begin_ms, end_ms) (end after begin), unit the y axis's
 * ("%", "GiB", "ms"; "" none), times labelled in tz; step_ms the
 * series' step (a space between two points over 1.5 steps breaks the
 * line; 0: the median space of each series' points). */
int cd_rdoc_chart(struct cd_rdoc *d, const char *title, const char *unit, int64_t begin_ms, int64_t end_ms,
		  int64_t step_ms, const struct cd_tz *tz, struct cd_rchart **out);
/* A line of n points (times increasing: -EINVAL else), and a band of n
 * points, lo[i] <= hi[i] (a point where either is not finite is a gap).
 * Band k takes line k's colour, lighter (a metric's learned range under
 * its line: add them in the same order). */
int cd_rchart_line(struct cd_rchart *c, const char *name, const int64_t *t, const double *v, size_t n);
int cd_rchart_band(struct cd_rchart *c, const char *name, const int64_t *t, const double *lo,
		   const double *hi, size_t n);

/* A paragraph. */
int cd_rdoc_note(struct cd_rdoc *d, const char *text);

/* The document as PDF, appended to out: 0; -ENOENT when the font files
 * are missing; -E2BIG past out's limit; -EIO when cairo fails. */
int cd_rdoc_pdf(const struct cd_rdoc *d, struct cd_buf *out);

#endif
