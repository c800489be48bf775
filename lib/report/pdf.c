/* pdf.c - a report's document: its builder, its pages, tables and notes,
 * and the PDF written with cairo (see pdf.h; the charts: pdf_chart.c). */
#include "report/pdf_priv.h"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <errno.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- texts copied: bounded, UTF-8, no control characters ---- */

/* The length of the UTF-8 sequence at s (at most n bytes), 0 when it is
 * not one (an overlong form, a surrogate, past U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A copy of s (NULL: "") that cairo can show: what is not UTF-8 becomes
 * U+FFFD, a control character a space (a newline kept when keep_nl).
 * NULL when s is longer than max or the document holds too much. */
static char *text_copy(struct cd_rdoc *d, const char *s, size_t max, bool keep_nl)
{
	if (!s)
		s = "";
	size_t n = strnlen(s, max + 1);
	if (n > max || d->mem + 3 * n + 1 > CD_RDOC_MEM_MAX)
		return NULL;
	char *o = cd_malloc(3 * n + 1), *p = o;
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t l = utf8_len(u, n - i);
		if (l == 0) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			i++;
		} else if (l == 1 && (u[0] < 0x20 || u[0] == 0x7f)) {
			*p++ = keep_nl && u[0] == '\n' ? '\n' : ' ';
			i++;
		} else {
			memcpy(p, u, l);
			p += l;
			i += l;
		}
	}
	*p = '\0';
	d->mem += (size_t)(p - o) + 1;
	return o;
}

/* ---- the builder ---- */

int cd_rdoc_new(const char *title, const char *subtitle, int64_t generated_ms, const struct cd_tz *tz,
		struct cd_rdoc **out)
{
	*out = NULL;
	struct tm tm;
	char when[CD_TZ_FMT_LEN];
	if (cd_tz_local(tz, generated_ms, &tm) < 0 || cd_tz_fmt(tz, generated_ms, when, sizeof(when)) < 0)
		return -EINVAL;
	struct cd_rdoc *d = cd_calloc(1, sizeof(*d));
	d->title = text_copy(d, title, CD_RDOC_TEXT_MAX, false);
	d->subtitle = text_copy(d, subtitle, CD_RDOC_TEXT_MAX, false);
	if (!d->title || !d->subtitle) {
		cd_rdoc_free(d);
		return -E2BIG;
	}
	snprintf(d->generated, sizeof(d->generated), "generated %s", when);
	int off = (int)tm.tm_gmtoff, a = (off < 0 ? -off : off) % 86400;
	snprintf(d->date, sizeof(d->date), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 3600,
		 a / 60 % 60);
	*out = d;
	return 0;
}

static void table_free(struct cd_rtable *t)
{
	free(t->title);
	cd_strv_free(t->head, t->ncols);
	free(t->right);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void cd_rdoc_free(struct cd_rdoc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nsec; i++) {
		if (d->sec[i].table)
			table_free(d->sec[i].table);
		if (d->sec[i].chart)
			chart_free(d->sec[i].chart);
		free(d->sec[i].note);
	}
	free(d->sec);
	free(d->title);
	free(d->subtitle);
	free(d);
}

static int add_section(struct cd_rdoc *d, struct section s)
{
	if (d->nsec >= CD_RDOC_SECTIONS_MAX)
		return -E2BIG;
	CD_PUSH(d->sec, d->nsec, d->cap, s);
	return 0;
}

int cd_rdoc_table(struct cd_rdoc *d, const char *title, size_t ncols, const char *const *headings,
		  const bool *right, struct cd_rtable **out)
{
	*out = NULL;
	if (ncols == 0 || ncols > CD_RDOC_COLUMNS_MAX || d->nsec >= CD_RDOC_SECTIONS_MAX)
		return ncols == 0 ? -EINVAL : -E2BIG;
	struct cd_rtable *t = cd_calloc(1, sizeof(*t));
	t->doc = d;
	t->ncols = ncols;
	t->title = text_copy(d, title, CD_RDOC_TEXT_MAX, false);
	t->head = cd_calloc(ncols, sizeof(*t->head));
	t->right = cd_calloc(ncols, sizeof(*t->right));
	bool ok = t->title != NULL;
	for (size_t i = 0; i < ncols; i++) {
		t->head[i] = text_copy(d, headings ? headings[i] : NULL, CD_RDOC_TEXT_MAX, false);
		ok &= t->head[i] != NULL;
		t->right[i] = right && right[i];
	}
	if (!ok) {
		table_free(t);
		return -E2BIG;
	}
	add_section(d, (struct section){ .kind = SEC_TABLE, .table = t });
	*out = t;
	return 0;
}

int cd_rtable_row(struct cd_rtable *t, const char *const *cells)
{
	if (t->nrows >= CD_RDOC_ROWS_MAX)
		return -E2BIG;
	size_t base = t->nrows * t->ncols;
	cd_grow(&t->cells, &t->cap, base + t->ncols, sizeof(*t->cells));
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = cells ? cells[i] : NULL;
		t->cells[base + i] = NULL;   /* an empty cell holds nothing */
		if (s && *s && !(t->cells[base + i] = text_copy(t->doc, s, CD_RDOC_TEXT_MAX, false))) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[base + j]);
			return -E2BIG;
		}
	}
	t->nrows++;
	return 0;
}

int cd_rdoc_note(struct cd_rdoc *d, const char *text)
{
	if (d->nsec >= CD_RDOC_SECTIONS_MAX)
		return -E2BIG;
	char *s = text_copy(d, text, CD_RDOC_NOTE_MAX, true);
	if (!s)
		return -E2BIG;
	return add_section(d, (struct section){ .kind = SEC_NOTE, .note = s });
}

int cd_rdoc_chart(struct cd_rdoc *d, const char *title, const char *unit, int64_t begin_ms, int64_t end_ms,
		  int64_t step_ms, const struct cd_tz *tz, struct cd_rchart **out)
{
	*out = NULL;
	if (end_ms <= begin_ms || begin_ms < CD_TZ_MIN_MS || end_ms > CD_TZ_MAX_MS || step_ms < 0)
		return -EINVAL;
	if (d->nsec >= CD_RDOC_SECTIONS_MAX)
		return -E2BIG;
	struct cd_rchart *c = cd_calloc(1, sizeof(*c));
	c->doc = d;
	c->begin = begin_ms;
	c->end = end_ms;
	c->step = step_ms;
	c->title = text_copy(d, title, CD_RDOC_TEXT_MAX, false);
	c->unit = text_copy(d, unit, CD_RDOC_TEXT_MAX, false);
	int r = !c->title || !c->unit ? -E2BIG : cd_tz_open(cd_tz_name(tz), &c->tz);
	if (r < 0) {
		chart_free(c);
		return r;
	}
	add_section(d, (struct section){ .kind = SEC_CHART, .chart = c });
	*out = c;
	return 0;
}

static int add_series(struct cd_rchart *c, const char *name, const int64_t *t, const double *v,
		      const double *hi, size_t n)
{
	if (c->ns >= CD_RDOC_SERIES_MAX || n > CD_RDOC_POINTS_MAX)
		return -E2BIG;
	for (size_t i = 1; i < n; i++)
		if (t[i] <= t[i - 1])
			return -EINVAL;
	size_t bytes = n * (sizeof(*t) + sizeof(*v) * (hi ? 2 : 1));
	if (c->doc->mem + bytes > CD_RDOC_MEM_MAX)
		return -E2BIG;
	struct series s = { .band = hi != NULL, .n = n };
	if (!(s.name = text_copy(c->doc, name, CD_RDOC_TEXT_MAX, false)))
		return -E2BIG;
	c->doc->mem += bytes;
	s.t = cd_malloc(n ? n * sizeof(*t) : 1);
	s.v = cd_malloc(n ? n * sizeof(*v) : 1);
	memcpy(s.t, t, n * sizeof(*t));
	memcpy(s.v, v, n * sizeof(*v));
	if (hi) {
		s.hi = cd_malloc(n ? n * sizeof(*hi) : 1);
		memcpy(s.hi, hi, n * sizeof(*hi));
	}
	c->s = cd_realloc(c->s, (c->ns + 1) * sizeof(*c->s));
	c->s[c->ns++] = s;
	return 0;
}

int cd_rchart_line(struct cd_rchart *c, const char *name, const int64_t *t, const double *v, size_t n)
{
	return add_series(c, name, t, v, NULL, n);
}

int cd_rchart_band(struct cd_rchart *c, const char *name, const int64_t *t, const double *lo,
		   const double *hi, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lo[i] > hi[i])
			return -EINVAL;
	return add_series(c, name, t, lo, hi, n);
}

/* ---- drawing: fonts, text, pages ---- */

/* DejaVu Sans and its bold, read once for the process (cairo keeps
 * faces of its own and locks them as it uses them) */
static pthread_mutex_t fonts_mu = PTHREAD_MUTEX_INITIALIZER;
static cairo_font_face_t *faces[2];
static const cairo_user_data_key_t face_key;

static void face_done(void *f)
{
	FT_Done_Face(f);
}

static int fonts_load(void)
{
	static FT_Library ft;
	static const char *const files[2] = { "DejaVuSans.ttf", "DejaVuSans-Bold.ttf" };
	pthread_mutex_lock(&fonts_mu);
	int r = 0;
	if (!ft && FT_Init_FreeType(&ft))
		r = -ENOMEM;
	for (int i = 0; i < 2 && r == 0 && !faces[i]; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", CD_RDOC_FONT_DIR, files[i]);
		FT_Face f;
		if (FT_New_Face(ft, path, 0, &f)) {
			r = -ENOENT;
			break;
		}
		cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(f, 0);
		if (cairo_font_face_set_user_data(cf, &face_key, f, face_done)) {
			cairo_font_face_destroy(cf);
			FT_Done_Face(f);
			r = -ENOMEM;
			break;
		}
		faces[i] = cf;
	}
	pthread_mutex_unlock(&fonts_mu);
	return r;
}

void rend_font(struct rend *r, bool bold, double size)
{
	cairo_set_font_face(r->cr, faces[bold]);
	cairo_set_font_size(r->cr, size);
}

double rend_width(struct rend *r, const char *s)
{
	cairo_text_extents_t e;
	cairo_text_extents(r->cr, s, &e);
	return e.x_advance;
}

void rend_gray(struct rend *r, double g)
{
	cairo_set_source_rgb(r->cr, g, g, g);
}

void rend_text(struct rend *r, double x, double base, const char *s, double max_w, int align)
{
	if (r->dry || !*s)
		return;
	double w = rend_width(r, s);
	char *cut = NULL;
	if (max_w > 0 && w > max_w) {
		/* the longest start of s, whole characters, that fits with "…" */
		size_t n = strlen(s), nb = 0, lo = 0, hi;
		size_t *b = cd_malloc((n + 1) * sizeof(*b));
		for (size_t i = 0; i <= n; i++)
			if (i == n || ((unsigned char)s[i] & 0xc0) != 0x80)
				b[nb++] = i;
		cut = cd_malloc(n + 4);
		hi = nb - 1;
		while (lo < hi) {
			size_t mid = (lo + hi + 1) / 2;
			memcpy(cut, s, b[mid]);
			memcpy(cut + b[mid], "\xe2\x80\xa6", 4);
			if (rend_width(r, cut) <= max_w)
				lo = mid;
			else
				hi = mid - 1;
		}
		size_t keep = b[lo];
		while (keep > 0 && s[keep - 1] == ' ')
			keep--;
		memcpy(cut, s, keep);
		memcpy(cut + keep, "\xe2\x80\xa6", 4);
		free(b);
		s = cut;
		w = rend_width(r, s);
	}
	double x0 = align == ALIGN_RIGHT ? x - w : align == ALIGN_CENTER ? x - w / 2 : x;
	cairo_move_to(r->cr, x0, base);
	cairo_show_text(r->cr, s);
	free(cut);
}

static void footer(struct rend *r)
{
	if (r->dry || r->page == 0)
		return;
	char s[64];
	snprintf(s, sizeof(s), "page %d of %d", r->page, r->pages);
	rend_font(r, false, 7.5);
	rend_gray(r, 0.45);
	rend_text(r, PAGE_W - MARGIN_X, FOOTER_BASE, s, 0, ALIGN_RIGHT);
	rend_text(r, MARGIN_X, FOOTER_BASE, r->doc->title, CONTENT_W * 0.7, ALIGN_LEFT);
	cairo_set_line_width(r->cr, 0.5);
	cairo_move_to(r->cr, MARGIN_X, FOOTER_BASE - 11);
	cairo_line_to(r->cr, PAGE_W - MARGIN_X, FOOTER_BASE - 11);
	cairo_stroke(r->cr);
}

static void new_page(struct rend *r)
{
	if (r->page > 0) {
		footer(r);
		if (!r->dry)
			cairo_show_page(r->cr);
	}
	r->page++;
	r->y = CONTENT_TOP;
}

bool rend_need(struct rend *r, double h)
{
	if (r->y + h <= CONTENT_BOTTOM)
		return false;
	new_page(r);
	return true;
}

/* ---- tables ---- */

#define CELL_PAD 4.0
#define ROW_H 13.0
#define HEAD_H 16.0
#define CELL_SIZE 8.0
#define SECTION_SIZE 12.0
#define SECTION_H 24.0        /* a section's title line, space above included */

static void section_title(struct rend *r, const char *title, bool continued)
{
	rend_font(r, true, SECTION_SIZE);
	rend_gray(r, 0.1);
	if (continued && !r->dry) {
		char *s = cd_asprintf("%s (continued)", title);
		rend_text(r, MARGIN_X, r->y + 16, s, CONTENT_W, ALIGN_LEFT);
		free(s);
	} else {
		rend_text(r, MARGIN_X, r->y + 16, title, CONTENT_W, ALIGN_LEFT);
	}
	r->y += SECTION_H;
}

static const char *cell(const struct cd_rtable *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];
	return s ? s : "";
}

/* Each column's width: its widest text (of up to 20,000 rows, spread over
 * the table), narrowed when they do not fit: the widest cut to one cap. */
static void widths(struct rend *r, const struct cd_rtable *t, double *w)
{
	size_t every = t->nrows > 20000 ? t->nrows / 20000 + 1 : 1;
	for (size_t c = 0; c < t->ncols; c++) {
		rend_font(r, true, CELL_SIZE);
		w[c] = rend_width(r, t->head[c]);
		rend_font(r, false, CELL_SIZE);
		for (size_t i = 0; i < t->nrows; i += every) {
			const char *s = cell(t, i, c);
			if (*s) {
				double x = rend_width(r, s);
				w[c] = x > w[c] ? x : w[c];
			}
		}
		w[c] += 2 * CELL_PAD;
	}
	double sum = 0;
	for (size_t c = 0; c < t->ncols; c++)
		sum += w[c];
	if (sum <= CONTENT_W)
		return;
	/* the cap: columns narrower keep their width, the others share the rest */
	double lo = 0, hi = CONTENT_W;
	for (int it = 0; it < 50; it++) {
		double cap = (lo + hi) / 2, s = 0;
		for (size_t c = 0; c < t->ncols; c++)
			s += w[c] < cap ? w[c] : cap;
		if (s > CONTENT_W)
			hi = cap;
		else
			lo = cap;
	}
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = w[c] < lo ? w[c] : lo;
}

static void table_head(struct rend *r, const struct cd_rtable *t, const double *w, double tw)
{
	if (!r->dry) {
		cairo_set_source_rgb(r->cr, 0.88, 0.91, 0.95);
		cairo_rectangle(r->cr, MARGIN_X, r->y, tw, HEAD_H);
		cairo_fill(r->cr);
		rend_font(r, true, CELL_SIZE);
		rend_gray(r, 0.1);
		double x = MARGIN_X;
		for (size_t c = 0; c < t->ncols; c++) {
			double inner = w[c] - 2 * CELL_PAD;
			rend_text(r, t->right[c] ? x + w[c] - CELL_PAD : x + CELL_PAD, r->y + 11, t->head[c], inner,
				  t->right[c] ? ALIGN_RIGHT : ALIGN_LEFT);
			x += w[c];
		}
		rend_gray(r, 0.55);
		cairo_set_line_width(r->cr, 0.6);
		cairo_move_to(r->cr, MARGIN_X, r->y + HEAD_H);
		cairo_line_to(r->cr, MARGIN_X + tw, r->y + HEAD_H);
		cairo_stroke(r->cr);
	}
	r->y += HEAD_H;
}

static void table_draw(struct rend *r, const struct cd_rtable *t)
{
	double *w = cd_calloc(t->ncols, sizeof(*w)), tw = 0;
	widths(r, t, w);
	for (size_t c = 0; c < t->ncols; c++)
		tw += w[c];
	r->y += 6;
	rend_need(r, SECTION_H + HEAD_H + ROW_H);
	section_title(r, t->title, false);
	table_head(r, t, w, tw);
	if (t->nrows == 0) {
		rend_font(r, false, CELL_SIZE);
		rend_gray(r, 0.45);
		rend_text(r, MARGIN_X + CELL_PAD, r->y + 9.5, "no rows", 0, ALIGN_LEFT);
		r->y += ROW_H;
	}
	for (size_t i = 0; i < t->nrows; i++) {
		if (r->y + ROW_H > CONTENT_BOTTOM) {
			new_page(r);
			section_title(r, t->title, true);
			table_head(r, t, w, tw);
		}
		if (!r->dry) {
			if (i % 2) {
				cairo_set_source_rgb(r->cr, 0.965, 0.969, 0.975);
				cairo_rectangle(r->cr, MARGIN_X, r->y, tw, ROW_H);
				cairo_fill(r->cr);
			}
			rend_font(r, false, CELL_SIZE);
			rend_gray(r, 0.12);
			double x = MARGIN_X;
			for (size_t c = 0; c < t->ncols; c++) {
				rend_text(r, t->right[c] ? x + w[c] - CELL_PAD : x + CELL_PAD, r->y + 9.3, cell(t, i, c),
					  w[c] - 2 * CELL_PAD, t->right[c] ? ALIGN_RIGHT : ALIGN_LEFT);
				x += w[c];
			}
		}
		r->y += ROW_H;
	}
	if (!r->dry) {
		rend_gray(r, 0.55);
		cairo_set_line_width(r->cr, 0.6);
		cairo_move_to(r->cr, MARGIN_X, r->y);
		cairo_line_to(r->cr, MARGIN_X + tw, r->y);
		cairo_stroke(r->cr);
	}
	r->y += 8;
	free(w);
}

/* ---- notes: words wrapped to the page's width ---- */

#define NOTE_SIZE 9.0
#define NOTE_LINE 12.5

static void note_line(struct rend *r, const char *s, size_t n)
{
	if (rend_need(r, NOTE_LINE))
		rend_font(r, false, NOTE_SIZE);
	if (!r->dry) {
		char *line = cd_strndup(s, n);
		rend_gray(r, 0.12);
		rend_text(r, MARGIN_X, r->y + 9.5, line, CONTENT_W, ALIGN_LEFT);
		free(line);
	}
	r->y += NOTE_LINE;
}

static void note_draw(struct rend *r, const char *text)
{
	r->y += 6;
	rend_font(r, false, NOTE_SIZE);
	const char *p = text;
	char *buf = cd_malloc(strlen(text) + 1);
	while (*p) {
		/* the most words of this paragraph that fit; a word wider than
		 * the page alone (cut) */
		size_t best = 0, end = 0;
		const char *nl = strchr(p, '\n');
		size_t para = nl ? (size_t)(nl - p) : strlen(p);
		while (end < para) {
			size_t e = end;
			while (e < para && p[e] == ' ')
				e++;
			while (e < para && p[e] != ' ')
				e++;
			memcpy(buf, p, e);
			buf[e] = '\0';
			if (best > 0 && rend_width(r, buf) > CONTENT_W)
				break;
			best = end = e;
		}
		note_line(r, p, best);
		p += best;
		while (*p == ' ')
			p++;
		if (best == para && *p == '\n')
			p++;
	}
	free(buf);
	r->y += 6;
}

/* ---- the document ---- */

static void layout(struct rend *r)
{
	const struct cd_rdoc *d = r->doc;
	new_page(r);
	rend_font(r, true, 18);
	rend_gray(r, 0.05);
	rend_text(r, MARGIN_X, r->y + 18, d->title, CONTENT_W, ALIGN_LEFT);
	rend_font(r, false, 10.5);
	rend_gray(r, 0.2);
	rend_text(r, MARGIN_X, r->y + 36, d->subtitle, CONTENT_W, ALIGN_LEFT);
	rend_font(r, false, 8.5);
	rend_gray(r, 0.45);
	rend_text(r, MARGIN_X, r->y + 51, d->generated, CONTENT_W, ALIGN_LEFT);
	if (!r->dry) {
		cairo_set_line_width(r->cr, 0.8);
		rend_gray(r, 0.3);
		cairo_move_to(r->cr, MARGIN_X, r->y + 60);
		cairo_line_to(r->cr, PAGE_W - MARGIN_X, r->y + 60);
		cairo_stroke(r->cr);
	}
	r->y += 66;
	for (size_t i = 0; i < d->nsec; i++) {
		const struct section *s = &d->sec[i];
		if (s->kind == SEC_TABLE) {
			table_draw(r, s->table);
		} else if (s->kind == SEC_NOTE) {
			note_draw(r, s->note);
		} else {
			r->y += 6;
			rend_need(r, chart_height(r, s->chart));
			chart_draw(r, s->chart);
		}
	}
	footer(r);
	if (!r->dry)
		cairo_show_page(r->cr);
}

static void font_options(cairo_t *cr)
{
	/* unhinted metrics: text measures the same on the page counting
	 * pass's image surface as on the PDF */
	cairo_font_options_t *o = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(cr, o);
	cairo_font_options_destroy(o);
}

struct sink {
	struct cd_buf *b;
	bool full;
};

/* (cairo 1.16 does not always pass a write's error on to the surface's
 * status: full is what says the PDF is not whole) */
static cairo_status_t sink_write(void *ctx, const unsigned char *data, unsigned int len)
{
	struct sink *s = ctx;
	if (s->full || cd_buf_add(s->b, data, len) < 0) {
		s->full = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

int cd_rdoc_pdf(const struct cd_rdoc *d, struct cd_buf *out)
{
	int r = fonts_load();
	if (r < 0)
		return r;
	/* the pages counted first: each footer says how many */
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	struct rend dry = { .cr = cairo_create(img), .dry = true, .doc = d };
	font_options(dry.cr);
	layout(&dry);
	cairo_status_t st = cairo_status(dry.cr);
	cairo_destroy(dry.cr);
	cairo_surface_destroy(img);
	if (st != CAIRO_STATUS_SUCCESS)
		return -EIO;

	size_t len0 = out->len;
	struct sink sink = { out, false };
	cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "cordond");
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, d->date);
	cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_MOD_DATE, d->date);
	struct rend rr = { .cr = cairo_create(pdf), .doc = d, .pages = dry.page };
	font_options(rr.cr);
	layout(&rr);
	st = cairo_status(rr.cr);
	cairo_destroy(rr.cr);
	cairo_surface_finish(pdf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(pdf);
	cairo_surface_destroy(pdf);
	if (st == CAIRO_STATUS_SUCCESS && !sink.full && rr.page == dry.page)
		return 0;
	out->len = len0;   /* nothing of a PDF not whole */
	if (out->data)
		out->data[len0] = '\0';
	return sink.full ? -E2BIG : -EIO;
}
