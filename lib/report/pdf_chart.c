/* pdf_chart.c - a report's time charts (pdf.h): axes with round ticks
 * (values of 1, 2 or 5 times a power of ten; local times on round
 * minutes, hours, days, weeks, months, years of the chart's zone), bands
 * filled behind lines, a line broken where a step is missing, a legend. */
#include "report/pdf_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_H 170.0
#define PLOT_GAP 8.0          /* between the title line and the plot */
#define XLABELS_H 26.0        /* two lines of time labels under the plot */
#define LEGEND_LINE 12.0
#define LABEL_SIZE 7.0
#define MAX_TICKS 16

static const double palette[][3] = {
	{ 0.122, 0.467, 0.706 }, { 0.839, 0.153, 0.157 }, { 0.173, 0.627, 0.173 }, { 1.000, 0.498, 0.055 },
	{ 0.580, 0.404, 0.741 }, { 0.549, 0.337, 0.294 }, { 0.890, 0.467, 0.761 }, { 0.498, 0.498, 0.498 },
	{ 0.737, 0.741, 0.133 }, { 0.090, 0.745, 0.812 },
};
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void chart_free(struct cd_rchart *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ns; i++) {
		free(c->s[i].name);
		free(c->s[i].t);
		free(c->s[i].v);
		free(c->s[i].hi);
	}
	free(c->s);
	free(c->title);
	free(c->unit);
	cd_tz_free(c->tz);
	free(c);
}

/* A series' colour: line k and band k share palette entry k, in the
 * order each kind was added (a learned band under its metric's line). */
static const double *color_of(const struct cd_rchart *c, size_t i)
{
	size_t k = 0;
	for (size_t j = 0; j < i; j++)
		k += c->s[j].band == c->s[i].band;
	return palette[k % NCOLORS];
}

static void set_color(struct rend *r, const double *rgb, double tint)
{
	/* tint: how much white is mixed in (a band's fill is light, opaque:
	 * no transparency group in the PDF) */
	cairo_set_source_rgb(r->cr, rgb[0] + (1 - rgb[0]) * tint, rgb[1] + (1 - rgb[1]) * tint,
			     rgb[2] + (1 - rgb[2]) * tint);
}

/* ---- the value axis ---- */

/* x rounded to 1, 2 or 5 times a power of ten */
static double nice(double x)
{
	double e = floor(log10(x)), f = x / pow(10, e);
	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * pow(10, e);
}

struct yaxis {
	double lo, hi, step;
	double scale;              /* labels divided by it, with its suffix */
	const char *suffix;
	int decimals;
	bool empty;                /* no finite value in the range */
};

static void y_axis(const struct cd_rchart *c, struct yaxis *a)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < c->ns; i++) {
		const struct series *s = &c->s[i];
		for (size_t k = 0; k < s->n; k++) {
			if (s->t[k] < c->begin || s->t[k] > c->end)
				continue;
			double v[2] = { s->v[k], s->band ? s->hi[k] : s->v[k] };
			for (int j = 0; j < 2; j++)
				if (isfinite(v[j])) {
					lo = v[j] < lo ? v[j] : lo;
					hi = v[j] > hi ? v[j] : hi;
				}
		}
	}
	a->empty = !(lo <= hi);
	if (a->empty)
		lo = 0, hi = 1;
	/* zero on the axis when the values are not far from it */
	if (lo > 0 && lo < hi - lo)
		lo = 0;
	if (hi < 0 && hi > lo - hi)
		hi = 0;
	if (hi - lo < 1e-12 * fmax(fabs(hi), 1)) {
		double d = lo == 0 ? 1 : fabs(lo) * 0.1;
		lo -= d;
		hi += d;
		if (lo < 0 && hi - d >= 0)
			lo = 0;
	}
	a->step = nice((hi - lo) / 5);
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	if (a->hi - a->lo < a->step)
		a->hi = a->lo + a->step;
	double m = fmax(fabs(a->lo), fabs(a->hi));
	a->scale = 1;
	a->suffix = "";
	if (m >= 1e12)
		a->scale = 1e12, a->suffix = "T";
	else if (m >= 1e9)
		a->scale = 1e9, a->suffix = "G";
	else if (m >= 1e6)
		a->scale = 1e6, a->suffix = "M";
	else if (m >= 1e4)
		a->scale = 1e3, a->suffix = "k";
	double st = a->step / a->scale;
	a->decimals = st >= 1 ? 0 : (int)ceil(-log10(st) - 1e-9);
	a->decimals = a->decimals > 6 ? 6 : a->decimals;
}

static void y_label(const struct yaxis *a, double v, char *buf, size_t len)
{
	double x = v / a->scale;
	if (fabs(x) < a->step / a->scale * 1e-6)
		x = 0;   /* not "-0" */
	snprintf(buf, len, "%.*f%s", a->decimals, x, x == 0 ? "" : a->suffix);
}

/* ---- the time axis ---- */

struct xtick {
	int64_t t;
	char l1[24], l2[24];       /* the time, and the date or year when it changes */
};

enum unit { U_SEC, U_DAY, U_WEEK, U_MONTH, U_YEAR };
static const struct {
	enum unit u;
	int n;
	double approx_s;
} steps[] = {
	{ U_SEC, 60, 60 },         { U_SEC, 120, 120 },        { U_SEC, 300, 300 },       { U_SEC, 600, 600 },
	{ U_SEC, 900, 900 },       { U_SEC, 1800, 1800 },      { U_SEC, 3600, 3600 },     { U_SEC, 7200, 7200 },
	{ U_SEC, 10800, 10800 },   { U_SEC, 21600, 21600 },    { U_SEC, 43200, 43200 },   { U_DAY, 1, 86400 },
	{ U_DAY, 2, 172800 },      { U_WEEK, 1, 604800 },      { U_WEEK, 2, 1209600 },    { U_MONTH, 1, 2629800 },
	{ U_MONTH, 3, 7889400 },   { U_MONTH, 6, 15778800 },   { U_YEAR, 1, 31557600 },   { U_YEAR, 2, 63115200 },
	{ U_YEAR, 5, 157788000 },  { U_YEAR, 10, 315576000 },  { U_YEAR, 20, 631152000 }, { U_YEAR, 50, 1577880000 },
	{ U_YEAR, 100, 3155760000 }, { U_YEAR, 1000, 31557600000 },
};

/* The ticks of [begin, end]: round local times, at most 8 or so. */
static size_t x_ticks(const struct cd_rchart *c, struct xtick *tk)
{
	double span = (double)(c->end - c->begin) / 1000;
	size_t si = 0;
	while (si + 1 < sizeof(steps) / sizeof(steps[0]) && span / steps[si].approx_s > 7)
		si++;
	enum unit u = steps[si].u;
	int n = steps[si].n;
	struct tm b;
	if (cd_tz_local(c->tz, c->begin, &b) < 0)
		return 0;
	int64_t day = cd_days_from_civil((int64_t)b.tm_year + 1900, b.tm_mon + 1, b.tm_mday);
	int sod = u == U_SEC ? (b.tm_hour * 3600 + b.tm_min * 60 + b.tm_sec) / n * n : 0;
	size_t nt = 0;
	int64_t prev = INT64_MIN;
	int prev_day = -1, prev_year = -1;
	for (int it = 0; it < 2000 && nt < MAX_TICKS; it++) {
		int64_t y;
		int mo, d;
		cd_civil_from_days(day, &y, &mo, &d);
		bool take = true;
		if (u == U_DAY)
			take = day % n == 0;
		else if (u == U_WEEK)
			take = (day + 3) % 7 == 0 && ((day + 3) / 7) % n == 0;   /* Mondays */
		else if (u == U_MONTH)
			take = d == 1 && (mo - 1) % n == 0;
		else if (u == U_YEAR)
			take = d == 1 && mo == 1 && y % n == 0;
		if (take) {
			struct tm w = { .tm_year = (int)(y - 1900), .tm_mon = mo - 1, .tm_mday = d,
					.tm_sec = sod };
			int64_t t;
			struct tm l;
			if (cd_tz_mktime(c->tz, &w, &t, NULL) < 0 || t > c->end)
				break;
			if (t >= c->begin && t > prev && cd_tz_local(c->tz, t, &l) == 0) {
				struct xtick *x = &tk[nt++];
				x->t = prev = t;
				x->l2[0] = '\0';
				bool new_day = l.tm_yday != prev_day, new_year = l.tm_year != prev_year;
				if (u == U_SEC) {
					snprintf(x->l1, sizeof(x->l1), "%02d:%02d", l.tm_hour, l.tm_min);
					if (new_day)
						snprintf(x->l2, sizeof(x->l2), "%d %s", l.tm_mday, months[l.tm_mon]);
				} else if (u == U_DAY || u == U_WEEK) {
					snprintf(x->l1, sizeof(x->l1), "%d %s", l.tm_mday, months[l.tm_mon]);
					if (new_year)
						snprintf(x->l2, sizeof(x->l2), "%d", l.tm_year + 1900);
				} else if (u == U_MONTH) {
					snprintf(x->l1, sizeof(x->l1), "%s", months[l.tm_mon]);
					if (new_year)
						snprintf(x->l2, sizeof(x->l2), "%d", l.tm_year + 1900);
				} else {
					snprintf(x->l1, sizeof(x->l1), "%d", l.tm_year + 1900);
				}
				prev_day = l.tm_yday;
				prev_year = l.tm_year;
			}
		}
		/* the next candidate: a step on within the day, else the next day
		 * (a month's or year's first day found a day at a time would be
		 * slow: jump to it) */
		if (u == U_SEC && sod + n < 86400) {
			sod += n;
			continue;
		}
		sod = 0;
		if (u == U_MONTH)
			day = cd_days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1);
		else if (u == U_YEAR)
			day = cd_days_from_civil(y + 1, 1, 1);
		else
			day++;
	}
	return nt;
}

/* "Europe/Paris, +01:00", or "+02:00 to +01:00" when it changes */
static void zone_caption(const struct cd_rchart *c, char *buf, size_t len)
{
	int o[2];
	int64_t t[2] = { c->begin, c->end };
	char s[2][16];
	for (int i = 0; i < 2; i++) {
		if (cd_tz_offset(c->tz, t[i], &o[i]) < 0)
			o[i] = 0;
		int a = o[i] < 0 ? -o[i] : o[i];
		snprintf(s[i], sizeof(s[i]), "%c%02d:%02d", o[i] < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	}
	if (o[0] == o[1])
		snprintf(buf, len, "times in %s, UTC%s", cd_tz_name(c->tz), s[0]);
	else
		snprintf(buf, len, "times in %s, UTC%s to %s", cd_tz_name(c->tz), s[0], s[1]);
}

/* ---- the legend ---- */

#define SWATCH_W 16.0

/* The legend's lines: each item placed left to right, wrapped; the
 * number of lines, each item's x and line in xs/line (NULL: not wanted). */
static int legend_layout(struct rend *r, const struct cd_rchart *c, double *xs, int *line)
{
	rend_font(r, false, LABEL_SIZE + 0.5);
	double x = 0;
	int lines = c->ns ? 1 : 0;
	for (size_t i = 0; i < c->ns; i++) {
		double w = SWATCH_W + 4 + fmin(rend_width(r, c->s[i].name), CONTENT_W / 2) + 14;
		if (x > 0 && x + w > CONTENT_W) {
			x = 0;
			lines++;
		}
		if (xs) {
			xs[i] = x;
			line[i] = lines - 1;
		}
		x += w;
	}
	return lines;
}

double chart_height(struct rend *r, const struct cd_rchart *c)
{
	return 24 + PLOT_GAP + PLOT_H + XLABELS_H + legend_layout(r, c, NULL, NULL) * LEGEND_LINE + 10;
}

/* ---- the series ---- */

struct plot {
	double x0, y0, w, h;       /* the plot's rectangle */
	int64_t begin, end;
	double lo, hi;
};

static double px(const struct plot *p, int64_t t)
{
	return p->x0 + (double)(t - p->begin) / (double)(p->end - p->begin) * p->w;
}

static double py(const struct plot *p, double v)
{
	return p->y0 + p->h - (v - p->lo) / (p->hi - p->lo) * p->h;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The step that breaks a line when missing: the chart's, or the median
 * space between the series' points. */
static int64_t series_step(const struct cd_rchart *c, const struct series *s)
{
	if (c->step > 0 || s->n < 2)
		return c->step > 0 ? c->step : INT64_MAX / 4;
	int64_t *d = cd_malloc((s->n - 1) * sizeof(*d));
	for (size_t i = 1; i < s->n; i++)
		d[i - 1] = s->t[i] - s->t[i - 1];
	qsort(d, s->n - 1, sizeof(*d), cmp_i64);
	int64_t m = d[(s->n - 1) / 2];
	free(d);
	return m;
}

/* Whether point k of s starts a new piece of line: a value not finite,
 * or more than 1.5 steps since the point before. */
static bool breaks(const struct series *s, size_t k, int64_t step)
{
	return k == 0 || (double)(s->t[k] - s->t[k - 1]) > 1.5 * (double)step;
}

static bool finite_at(const struct series *s, size_t k)
{
	return isfinite(s->v[k]) && (!s->band || isfinite(s->hi[k]));
}

/* A line: each piece as a path; a piece of one point a dot.  Points
 * closer than a quarter point on the page are drawn as their first,
 * lowest, highest and last (the same picture, a fraction of the bytes
 * for a long series). */
static void draw_line(struct rend *r, const struct plot *p, const struct series *s, int64_t step)
{
	cairo_t *cr = r->cr;
	size_t k = 0;
	while (k < s->n) {
		if (!finite_at(s, k)) {
			k++;
			continue;
		}
		size_t e = k + 1;
		while (e < s->n && finite_at(s, e) && !breaks(s, e, step))
			e++;
		if (e - k == 1) {
			cairo_new_sub_path(cr);
			cairo_arc(cr, px(p, s->t[k]), py(p, s->v[k]), 1.3, 0, 2 * M_PI);
			cairo_fill(cr);
			k = e;
			continue;
		}
		cairo_move_to(cr, px(p, s->t[k]), py(p, s->v[k]));
		size_t i = k + 1;
		while (i < e) {
			long bucket = lround(px(p, s->t[i]) * 4);
			size_t first = i, last = i, mn = i, mx = i;
			while (i < e && lround(px(p, s->t[i]) * 4) == bucket) {
				if (s->v[i] < s->v[mn])
					mn = i;
				if (s->v[i] > s->v[mx])
					mx = i;
				last = i++;
			}
			size_t pts[4] = { first, mn < mx ? mn : mx, mn < mx ? mx : mn, last };
			size_t done = SIZE_MAX;
			for (int j = 0; j < 4; j++)
				if (pts[j] != done && (done == SIZE_MAX || pts[j] > done)) {
					cairo_line_to(cr, px(p, s->t[pts[j]]), py(p, s->v[pts[j]]));
					done = pts[j];
				}
		}
		cairo_stroke(cr);
		k = e;
	}
}

/* A band: each piece a polygon, the upper line forward and the lower
 * back (points within a quarter point: the widest of them). */
static void draw_band(struct rend *r, const struct plot *p, const struct series *s, int64_t step)
{
	cairo_t *cr = r->cr;
	double *xs = cd_malloc(s->n * sizeof(double) * 3), *lo = xs + s->n, *hi = lo + s->n;
	size_t k = 0;
	while (k < s->n) {
		if (!finite_at(s, k)) {
			k++;
			continue;
		}
		size_t e = k + 1, m = 0;
		while (e < s->n && finite_at(s, e) && !breaks(s, e, step))
			e++;
		for (size_t i = k; i < e; i++) {
			double x = px(p, s->t[i]);
			if (m > 0 && lround(x * 4) == lround(xs[m - 1] * 4)) {
				lo[m - 1] = fmin(lo[m - 1], s->v[i]);
				hi[m - 1] = fmax(hi[m - 1], s->hi[i]);
				continue;
			}
			xs[m] = x;
			lo[m] = s->v[i];
			hi[m++] = s->hi[i];
		}
		if (m == 1) {   /* one point: a bar of its range */
			cairo_rectangle(cr, xs[0] - 1, py(p, hi[0]), 2, py(p, lo[0]) - py(p, hi[0]));
		} else {
			cairo_move_to(cr, xs[0], py(p, hi[0]));
			for (size_t i = 1; i < m; i++)
				cairo_line_to(cr, xs[i], py(p, hi[i]));
			for (size_t i = m; i-- > 0;)
				cairo_line_to(cr, xs[i], py(p, lo[i]));
			cairo_close_path(cr);
		}
		k = e;
	}
	free(xs);
	cairo_fill(cr);
}

/* ---- the chart ---- */

void chart_draw(struct rend *r, const struct cd_rchart *c)
{
	double h = chart_height(r, c), top = r->y;
	r->y += h;
	if (r->dry)
		return;
	cairo_t *cr = r->cr;
	char cap[CD_TZ_NAME_MAX + 48];
	zone_caption(c, cap, sizeof(cap));
	rend_font(r, false, LABEL_SIZE);
	rend_gray(r, 0.45);
	double capw = rend_width(r, cap);
	rend_text(r, PAGE_W - MARGIN_X, top + 16, cap, 0, ALIGN_RIGHT);
	rend_font(r, true, 12);
	rend_gray(r, 0.1);
	rend_text(r, MARGIN_X, top + 16, c->title, CONTENT_W - capw - 12, ALIGN_LEFT);

	struct yaxis ya;
	y_axis(c, &ya);
	char lab[48];
	rend_font(r, false, LABEL_SIZE);
	double lw = 0;
	long nticks = lround((ya.hi - ya.lo) / ya.step);
	for (long i = 0; i <= nticks; i++) {
		y_label(&ya, ya.lo + (double)i * ya.step, lab, sizeof(lab));
		lw = fmax(lw, rend_width(r, lab));
	}
	struct plot p = { .x0 = MARGIN_X + (*c->unit ? 14 : 0) + lw + 6, .y0 = top + 24 + PLOT_GAP,
			  .h = PLOT_H, .begin = c->begin, .end = c->end, .lo = ya.lo, .hi = ya.hi };
	p.w = PAGE_W - MARGIN_X - 6 - p.x0;

	/* grid and value labels */
	cairo_set_line_width(cr, 0.4);
	for (long i = 0; i <= nticks; i++) {
		double v = ya.lo + (double)i * ya.step, y = py(&p, v);
		rend_gray(r, 0.86);
		cairo_move_to(cr, p.x0, y);
		cairo_line_to(cr, p.x0 + p.w, y);
		cairo_stroke(cr);
		y_label(&ya, v, lab, sizeof(lab));
		rend_gray(r, 0.35);
		rend_text(r, p.x0 - 4, y + 2.5, lab, 0, ALIGN_RIGHT);
	}
	if (*c->unit) {
		cairo_save(cr);
		cairo_translate(cr, MARGIN_X + 8, p.y0 + p.h / 2);
		cairo_rotate(cr, -M_PI / 2);
		rend_gray(r, 0.3);
		rend_text(r, 0, 0, c->unit, p.h, ALIGN_CENTER);
		cairo_restore(cr);
	}
	struct xtick tk[MAX_TICKS];
	size_t nt = x_ticks(c, tk);
	for (size_t i = 0; i < nt; i++) {
		double x = px(&p, tk[i].t);
		rend_gray(r, 0.9);
		cairo_move_to(cr, x, p.y0);
		cairo_line_to(cr, x, p.y0 + p.h + 3);
		cairo_stroke(cr);
		rend_gray(r, 0.35);
		rend_text(r, x, p.y0 + p.h + 11, tk[i].l1, 0, ALIGN_CENTER);
		rend_text(r, x, p.y0 + p.h + 20, tk[i].l2, 0, ALIGN_CENTER);
	}

	/* bands first, lines over them, inside the plot */
	cairo_save(cr);
	cairo_rectangle(cr, p.x0, p.y0 - 1, p.w, p.h + 2);
	cairo_clip(cr);
	for (size_t i = 0; i < c->ns; i++)
		if (c->s[i].band) {
			set_color(r, color_of(c, i), 0.8);
			draw_band(r, &p, &c->s[i], series_step(c, &c->s[i]));
		}
	cairo_set_line_width(cr, 1.1);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (size_t i = 0; i < c->ns; i++)
		if (!c->s[i].band) {
			set_color(r, color_of(c, i), 0);
			draw_line(r, &p, &c->s[i], series_step(c, &c->s[i]));
		}
	cairo_restore(cr);
	rend_gray(r, 0.4);
	cairo_set_line_width(cr, 0.6);
	cairo_move_to(cr, p.x0, p.y0);
	cairo_line_to(cr, p.x0, p.y0 + p.h);
	cairo_line_to(cr, p.x0 + p.w, p.y0 + p.h);
	cairo_stroke(cr);
	if (ya.empty) {
		const char *none = "no data in this range";
		rend_font(r, false, 9);
		double nw = rend_width(r, none);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_rectangle(cr, p.x0 + (p.w - nw) / 2 - 6, p.y0 + p.h / 2 - 12, nw + 12, 18);
		cairo_fill(cr);
		rend_gray(r, 0.5);
		rend_text(r, p.x0 + p.w / 2, p.y0 + p.h / 2, none, 0, ALIGN_CENTER);
	}

	/* the legend */
	double *xs = cd_calloc(c->ns ? c->ns : 1, sizeof(*xs));
	int *line = cd_calloc(c->ns ? c->ns : 1, sizeof(*line));
	legend_layout(r, c, xs, line);
	for (size_t i = 0; i < c->ns; i++) {
		double x = MARGIN_X + xs[i], y = p.y0 + p.h + XLABELS_H + line[i] * LEGEND_LINE + 6;
		const double *rgb = color_of(c, i);
		if (c->s[i].band) {
			set_color(r, rgb, 0.8);
			cairo_rectangle(cr, x, y - 4, SWATCH_W, 8);
			cairo_fill(cr);
		} else {
			set_color(r, rgb, 0);
			cairo_set_line_width(cr, 1.6);
			cairo_move_to(cr, x, y);
			cairo_line_to(cr, x + SWATCH_W, y);
			cairo_stroke(cr);
		}
		rend_font(r, false, LABEL_SIZE + 0.5);
		rend_gray(r, 0.2);
		rend_text(r, x + SWATCH_W + 4, y + 3, c->s[i].name, CONTENT_W / 2, ALIGN_LEFT);
	}
	free(xs);
	free(line);
}
