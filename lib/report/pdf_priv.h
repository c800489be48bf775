/* pdf_priv.h - the insides of a report's document (pdf.h), shared by its
 * builder and pages (pdf.c) and its charts (pdf_chart.c). */
#ifndef CD_PDF_PRIV_H
#define CD_PDF_PRIV_H

#include <cairo.h>

#include "report/pdf.h"

/* A4 portrait, in points */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN_X 48.0
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define CONTENT_TOP 50.0
#define CONTENT_BOTTOM (PAGE_H - 58.0)
#define FOOTER_BASE (PAGE_H - 30.0)

struct series {
	char *name;
	bool band;                 /* lo in v, hi in hi; a line: v only */
	size_t n;
	int64_t *t;
	double *v, *hi;
};

struct cd_rchart {
	struct cd_rdoc *doc;
	char *title, *unit;
	int64_t begin, end, step;
	struct cd_tz *tz;          /* a zone of its own, opened by name */
	struct series *s;
	size_t ns;
};

struct cd_rtable {
	struct cd_rdoc *doc;
	char *title;
	size_t ncols;
	char **head;
	bool *right;
	char **cells;              /* row r's column c: cells[r * ncols + c] */
	size_t nrows, cap;
};

enum section_kind { SEC_TABLE, SEC_CHART, SEC_NOTE };
struct section {
	enum section_kind kind;
	struct cd_rtable *table;
	struct cd_rchart *chart;
	char *note;
};

struct cd_rdoc {
	char *title, *subtitle;
	char generated[64];        /* "generated 2026-12-07 13:05 +01:00" */
	char date[96];             /* the PDF's dates: "2026-12-07T13:05:00+01:00" */
	struct section *sec;
	size_t nsec, cap;
	size_t mem;                /* bytes held, against CD_RDOC_MEM_MAX */
};

/* Drawing a document: once to count its pages (dry: nothing drawn, text
 * only measured), once to draw them. */
struct rend {
	cairo_t *cr;
	bool dry;
	int page, pages;           /* the page being drawn (1...), and how many */
	double y;                  /* the top of what comes next */
	const struct cd_rdoc *doc;
};

enum { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_CENTER };
void rend_font(struct rend *r, bool bold, double size);
double rend_width(struct rend *r, const char *s);
/* s on the baseline at x (its left, right or middle as align says), cut
 * with "…" to max_w points (0: not cut) */
void rend_text(struct rend *r, double x, double base, const char *s, double max_w, int align);
void rend_gray(struct rend *r, double g);
/* Make room for h points: the next page when fewer remain (true then). */
bool rend_need(struct rend *r, double h);

/* A chart's height on its page, and the chart drawn from r->y. */
double chart_height(struct rend *r, const struct cd_rchart *c);
void chart_draw(struct rend *r, const struct cd_rchart *c);
void chart_free(struct cd_rchart *c);

#endif
