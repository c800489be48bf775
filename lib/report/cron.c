/* cron.c - cron schedules and their next fire time (see cron.h). */
#include "report/cron.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* Each field's name, range and names (index 1 the first value's). */
static const struct field {
	const char *name;
	int lo, hi;                /* the values taken (day of week: 7 too) */
	const char *const *names;  /* NULL: numbers only */
	int name0;                 /* the value of names[0] */
} fields[5] = {
	{ "minute", 0, 59, NULL, 0 },
	{ "hour", 0, 23, NULL, 0 },
	{ "day-of-month", 1, 31, NULL, 0 },
	{ "month", 1, 12,
	  (const char *const[]){ "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
				 "nov", "dec", NULL }, 1 },
	{ "day-of-week", 0, 7, (const char *const[]){ "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL },
	  0 },
};

static const struct {
	const char *name, *fields;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

struct parser {
	const char *text;          /* the whole schedule, for columns */
	const char *p;             /* where we are */
	int f;                     /* the field being read, 0-4 */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->errlen)
		snprintf(ps->err, ps->errlen, "field %d (%s) at column %d: %s", ps->f + 1, fields[ps->f].name,
			 (int)(at - ps->text) + 1, msg);
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A number or a name at ps->p, into *v. */
static int value(struct parser *ps, int *v)
{
	const struct field *fd = &fields[ps->f];
	const char *s = ps->p;
	if (isdigit((unsigned char)*s)) {
		long n = 0;
		const char *e = s;
		while (isdigit((unsigned char)*e)) {
			if (n < 100000)
				n = n * 10 + (*e - '0');
			e++;
		}
		if (n < fd->lo || n > fd->hi)
			return fail(ps, s, "%.*s is out of %d-%d", (int)(e - s > 12 ? 12 : e - s), s, fd->lo,
				    fd->hi);
		ps->p = e;
		*v = (int)n;
		return 0;
	}
	if (isalpha((unsigned char)*s)) {
		const char *e = s;
		while (isalpha((unsigned char)*e))
			e++;
		int n = (int)(e - s);
		if (!fd->names)
			return fail(ps, s, "\"%.*s\" is not a number (names are for months and days of week)",
				    n > 12 ? 12 : n, s);
		for (int i = 0; fd->names[i]; i++)
			if (n == 3 && !strncasecmp(s, fd->names[i], 3)) {
				ps->p = e;
				*v = fd->name0 + i;
				return 0;
			}
		return fail(ps, s, "unknown name \"%.*s\" (%s..%s)", n > 12 ? 12 : n, s, fd->names[0],
			    ps->f == 3 ? "dec" : "sat");
	}
	if (*s == '\0' || is_blank(*s))
		return fail(ps, s, "expected a number, a name or *, found the field's end");
	if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
		return fail(ps, s, "expected a number, a name or *, found byte 0x%02x", (unsigned char)*s);
	return fail(ps, s, "expected a number, a name or *, found '%c'", *s);
}

/* One field's list at ps->p into *bits (bit v for each value v). */
static int field(struct parser *ps, uint64_t *bits, bool *star)
{
	const struct field *fd = &fields[ps->f];
	*bits = 0;
	*star = *ps->p == '*';
	for (;;) {
		const char *item = ps->p;
		int a, b, step = 1;
		bool range = false;
		if (*ps->p == '*') {
			ps->p++;
			a = fd->lo;
			b = fd->hi;
			range = true;
		} else {
			int r = value(ps, &a);
			if (r < 0)
				return r;
			b = a;
			if (*ps->p == '-') {
				ps->p++;
				const char *at = ps->p;
				if ((r = value(ps, &b)) < 0)
					return r;
				if (b < a)
					return fail(ps, at, "the range %.*s goes backwards", (int)(ps->p - item),
						    item);
				range = true;
			}
		}
		if (*ps->p == '/') {
			const char *at = ++ps->p;
			if (!range)
				return fail(ps, at - 1, "a step needs a range or * before it");
			long n = 0;
			while (isdigit((unsigned char)*ps->p)) {
				if (n < 100000)
					n = n * 10 + (*ps->p - '0');
				ps->p++;
			}
			if (ps->p == at)
				return fail(ps, at, "expected a step after /");
			if (n < 1 || n > fd->hi - fd->lo + 1)
				return fail(ps, at, "step %.*s is out of 1-%d", (int)(ps->p - at > 12 ? 12 : ps->p - at),
					    at, fd->hi - fd->lo + 1);
			step = (int)n;
		}
		for (int v = a; v <= b; v += step)
			*bits |= UINT64_C(1) << v;
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '\0' || is_blank(*ps->p))
			return 0;
		if ((unsigned char)*ps->p < 0x20 || (unsigned char)*ps->p >= 0x7f)
			return fail(ps, ps->p, "unexpected byte 0x%02x", (unsigned char)*ps->p);
		return fail(ps, ps->p, "unexpected '%c'", *ps->p);
	}
}

static int parse_fields(struct parser *ps, struct cd_cron *out)
{
	uint64_t bits[5];
	bool star[5];
	for (ps->f = 0; ps->f < 5; ps->f++) {
		while (is_blank(*ps->p))
			ps->p++;
		if (*ps->p == '\0') {
			if (ps->errlen)
				snprintf(ps->err, ps->errlen,
					 "field %d (%s) at column %d: missing: a schedule has 5 fields (minute hour "
					 "day-of-month month day-of-week)",
					 ps->f + 1, fields[ps->f].name, (int)(ps->p - ps->text) + 1);
			return -EINVAL;
		}
		int r = field(ps, &bits[ps->f], &star[ps->f]);
		if (r < 0)
			return r;
	}
	while (is_blank(*ps->p))
		ps->p++;
	if (*ps->p) {
		if (ps->errlen)
			snprintf(ps->err, ps->errlen,
				 "column %d: a sixth field: a schedule has 5 fields (minute hour day-of-month month "
				 "day-of-week)",
				 (int)(ps->p - ps->text) + 1);
		return -EINVAL;
	}
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	/* 7 is Sunday too */
	out->dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);
	out->dom_star = star[2];
	out->dow_star = star[4];
	return 0;
}

int cd_cron_parse(const char *text, struct cd_cron *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	size_t n = strnlen(text, CD_CRON_MAX + 1);
	if (n > CD_CRON_MAX) {
		if (errlen)
			snprintf(err, errlen, "a schedule of more than %d characters", CD_CRON_MAX);
		return -E2BIG;
	}
	struct parser ps = { text, text, 0, err, errlen };
	while (is_blank(*ps.p))
		ps.p++;
	if (*ps.p == '@') {
		const char *e = ps.p;
		while (*e && !is_blank(*e))
			e++;
		const char *rest = e;
		while (is_blank(*rest))
			rest++;
		for (size_t i = 0; i < CD_ARRAY_LEN(macros); i++) {
			if ((size_t)(e - ps.p) != strlen(macros[i].name) ||
			    strncasecmp(ps.p, macros[i].name, (size_t)(e - ps.p)))
				continue;
			if (*rest) {
				if (errlen)
					snprintf(err, errlen, "column %d: nothing may follow %s", (int)(rest - text) + 1,
						 macros[i].name);
				return -EINVAL;
			}
			struct parser mp = { macros[i].fields, macros[i].fields, 0, err, errlen };
			return parse_fields(&mp, out);
		}
		if (errlen)
			snprintf(err, errlen,
				 "column %d: unknown schedule \"%.*s\" (@hourly, @daily, @weekly, @monthly, @yearly, "
				 "or 5 fields)",
				 (int)(ps.p - text) + 1, (int)(e - ps.p > 20 ? 20 : e - ps.p), ps.p);
		return -EINVAL;
	}
	int r = parse_fields(&ps, out);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

static bool bit(uint64_t bits, int i)
{
	return (bits >> i) & 1;
}

static bool day_match(const struct cd_cron *c, int month, int mday, int wday)
{
	if (!bit(c->month, month))
		return false;
	bool dom = bit(c->dom, mday), dow = bit(c->dow, wday);
	return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

bool cd_cron_match(const struct cd_cron *c, int month, int mday, int wday, int hour, int minute)
{
	return day_match(c, month, mday, wday) && bit(c->hour, hour) && bit(c->minute, minute);
}

int cd_cron_next(const struct cd_cron *c, const struct cd_tz *tz, int64_t after_ms, int64_t *next_ms)
{
	struct tm now;
	int r = cd_tz_local(tz, after_ms, &now);
	if (r < 0)
		return r;
	if (!c->minute || !c->hour || !c->month || !(c->dom | c->dow))
		return -ENOENT;
	/* Wall times after the wall minute of after_ms, in order, day by
	 * day; each matching one made an instant; the first past after_ms
	 * is the answer.  (One before it is a wall time passed twice whose
	 * first time is gone, or the minute of after_ms itself.) */
	int64_t day0 = cd_days_from_civil((int64_t)now.tm_year + 1900, now.tm_mon + 1, now.tm_mday);
	int64_t last = day0 + 146097;     /* 400 years */
	int h0 = now.tm_hour, m0 = now.tm_min + 1;
	for (int64_t day = day0; day <= last;) {
		int64_t y;
		int mon, mday;
		cd_civil_from_days(day, &y, &mon, &mday);
		if (y > 9999)
			break;
		if (!bit(c->month, mon)) {   /* the next month's first day */
			day = cd_days_from_civil(mon == 12 ? y + 1 : y, mon == 12 ? 1 : mon + 1, 1);
			h0 = m0 = 0;
			continue;
		}
		int wday = (int)(((day + 4) % 7 + 7) % 7);
		if (day_match(c, mon, mday, wday)) {
			for (int h = h0; h < 24; h++) {
				if (!bit(c->hour, h))
					continue;
				for (int m = h == h0 ? m0 : 0; m < 60; m++) {
					if (!bit(c->minute, m))
						continue;
					struct tm w = { .tm_year = (int)(y - 1900), .tm_mon = mon - 1, .tm_mday = mday,
							.tm_hour = h, .tm_min = m };
					int64_t t;
					if ((r = cd_tz_mktime(tz, &w, &t, NULL)) < 0)
						return r == -ERANGE ? -ENOENT : r;
					if (t > after_ms) {
						*next_ms = t;
						return 0;
					}
				}
			}
		}
		day++;
		h0 = m0 = 0;
	}
	return -ENOENT;
}
