/* tz.c - IANA time zones over ICU's calendars (see tz.h). */
#include "base/tz.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>

#include "base/util.h"

#define DAY_MS INT64_C(86400000)

struct cd_tz {
	char name[CD_TZ_NAME_MAX + 1];
	bool utc;                  /* offset 0 always, no calendar */
	UCalendar *cal;            /* behind mu: setting its time changes it */
	pthread_mutex_t mu;
};

int64_t cd_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* [0, 399] */
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void cd_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* the names answered without ICU */
static bool is_utc(const char *name)
{
	return !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC") || !strcmp(name, "GMT") ||
	       !strcmp(name, "Etc/GMT");
}

/* An IANA name's characters: letters, digits, _ + - and / between parts. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CD_TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '/'))
			return false;
		if (c == '/' && name[i + 1] == '/')
			return false;
	}
	return true;
}

int cd_tz_open(const char *name, struct cd_tz **out)
{
	*out = NULL;
	if (!name || !name_ok(name))
		return -EINVAL;
	struct cd_tz *tz = cd_calloc(1, sizeof(*tz));
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	pthread_mutex_init(&tz->mu, NULL);
	if (is_utc(name)) {
		tz->utc = true;
		*out = tz;
		return 0;
	}
	UChar id[CD_TZ_NAME_MAX + 1], canon[128];
	int32_t n = 0;
	for (; name[n]; n++)
		id[n] = (UChar)name[n];
	id[n] = 0;
	/* ICU would make any unknown name GMT: ask it first whether it is
	 * one of its zones (a custom "GMT+5" is not a system zone) */
	UErrorCode st = U_ZERO_ERROR;
	UBool sys = false;
	ucal_getCanonicalTimeZoneID(id, n, canon, (int32_t)CD_ARRAY_LEN(canon), &sys, &st);
	if (U_FAILURE(st) || !sys || !strcmp(name, "Etc/Unknown")) {
		cd_tz_free(tz);
		return -EINVAL;
	}
	st = U_ZERO_ERROR;
	tz->cal = ucal_open(id, n, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || !tz->cal) {
		cd_tz_free(tz);
		return -ENOMEM;
	}
	*out = tz;
	return 0;
}

void cd_tz_free(struct cd_tz *tz)
{
	if (!tz)
		return;
	if (tz->cal)
		ucal_close(tz->cal);
	pthread_mutex_destroy(&tz->mu);
	free(tz);
}

const char *cd_tz_name(const struct cd_tz *tz)
{
	return tz->name;
}

/* The offset at t in ms, t already in range. */
static int offset_ms(const struct cd_tz *ctz, int64_t t, int *off)
{
	if (ctz->utc) {
		*off = 0;
		return 0;
	}
	struct cd_tz *tz = (struct cd_tz *)ctz;   /* the lock and the calendar's time change */
	UErrorCode st = U_ZERO_ERROR;
	pthread_mutex_lock(&tz->mu);
	ucal_setMillis(tz->cal, (UDate)t, &st);
	int32_t raw = ucal_get(tz->cal, UCAL_ZONE_OFFSET, &st);
	int32_t dst = ucal_get(tz->cal, UCAL_DST_OFFSET, &st);
	pthread_mutex_unlock(&tz->mu);
	if (U_FAILURE(st))
		return -ERANGE;
	*off = raw + dst;
	return 0;
}

static int64_t clamp(int64_t t)
{
	return t < CD_TZ_MIN_MS ? CD_TZ_MIN_MS : t > CD_TZ_MAX_MS ? CD_TZ_MAX_MS : t;
}

int cd_tz_offset(const struct cd_tz *tz, int64_t t_ms, int *offset_s)
{
	if (t_ms < CD_TZ_MIN_MS || t_ms > CD_TZ_MAX_MS)
		return -ERANGE;
	int off;
	int r = offset_ms(tz, t_ms, &off);
	if (r == 0)
		*offset_s = (int)floor_div(off, 1000);
	return r;
}

int cd_tz_local(const struct cd_tz *tz, int64_t t_ms, struct tm *tm)
{
	int off;
	int r = cd_tz_offset(tz, t_ms, &off);
	if (r < 0)
		return r;
	int64_t s = floor_div(t_ms, 1000) + off;
	int64_t days = floor_div(s, 86400), sod = s - days * 86400;
	int64_t y;
	int m, d;
	cd_civil_from_days(days, &y, &m, &d);
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	tm->tm_hour = (int)(sod / 3600);
	tm->tm_min = (int)(sod / 60 % 60);
	tm->tm_sec = (int)(sod % 60);
	tm->tm_wday = (int)(((days + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
	tm->tm_yday = (int)(days - cd_days_from_civil(y, 1, 1));
	tm->tm_gmtoff = off;
	tm->tm_zone = NULL;
	return 0;
}

int cd_tz_fmt(const struct cd_tz *tz, int64_t t_ms, char *buf, size_t len)
{
	struct tm tm;
	int r = cd_tz_local(tz, t_ms, &tm);
	if (r < 0)
		return r;
	long off = tm.tm_gmtoff, a = off < 0 ? -off : off;
	char sec[8] = "";
	if (a % 60)
		snprintf(sec, sizeof(sec), ":%02ld", a % 60);
	int n = snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02ld:%02ld%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+', a / 3600,
			 a / 60 % 60, sec);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* t + its offset: the wall time at t as ms on the epoch's scale */
static int wall_at(const struct cd_tz *tz, int64_t t, int64_t *w)
{
	int off;
	int r = offset_ms(tz, clamp(t), &off);
	*w = t + off;
	return r;
}

int cd_tz_mktime(const struct cd_tz *tz, const struct tm *local, int64_t *t_ms, enum cd_tz_wall *how)
{
	int64_t y = (int64_t)local->tm_year + 1900 + floor_div(local->tm_mon, 12);
	int mon = (int)(local->tm_mon - floor_div(local->tm_mon, 12) * 12);
	if (y < 0 || y > 10000)
		return -ERANGE;
	int64_t days = cd_days_from_civil(y, mon + 1, 1) + (int64_t)local->tm_mday - 1;
	int64_t L = days * DAY_MS + (int64_t)local->tm_hour * 3600000 + (int64_t)local->tm_min * 60000 +
		    (int64_t)local->tm_sec * 1000;
	if (L < CD_TZ_MIN_MS - 2 * DAY_MS || L > CD_TZ_MAX_MS + 2 * DAY_MS)
		return -ERANGE;
	if (tz->utc) {
		if (L < CD_TZ_MIN_MS || L > CD_TZ_MAX_MS)
			return -ERANGE;
		*t_ms = L;
		if (how)
			*how = CD_TZ_ONCE;
		return 0;
	}
	/* The offsets in force around L (a day before, a day after, and at
	 * the instants those give): an instant of L is L - o for one of
	 * them whose offset at L - o is o. */
	int offs[4], noff = 0, o;
	int64_t probe[2] = { L - DAY_MS, L + DAY_MS };
	for (int i = 0; i < 2; i++) {
		if (offset_ms(tz, clamp(probe[i]), &o) < 0)
			return -ERANGE;
		offs[noff++] = o;
		int o2;
		if (offset_ms(tz, clamp(L - o), &o2) < 0)
			return -ERANGE;
		offs[noff++] = o2;
	}
	int nvalid = 0;
	int64_t best = 0, lo = INT64_MAX, hi = INT64_MIN;
	for (int i = 0; i < noff; i++) {
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= offs[j] == offs[i];
		if (seen)
			continue;
		int64_t t = L - offs[i];
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
		if (offset_ms(tz, clamp(t), &o) < 0)
			return -ERANGE;
		if (o == offs[i]) {
			best = nvalid++ == 0 || t < best ? t : best;
		}
	}
	enum cd_tz_wall h = nvalid > 1 ? CD_TZ_TWICE : CD_TZ_ONCE;
	if (nvalid == 0) {
		/* skipped: the first instant whose wall time is past L, between
		 * the instant of L on the later offset and on the earlier one */
		h = CD_TZ_SKIPPED;
		int64_t a = lo, b = hi, w;
		while (a < b) {
			int64_t mid = a + (b - a) / 2;
			if (wall_at(tz, mid, &w) < 0)
				return -ERANGE;
			if (w > L)
				b = mid;
			else
				a = mid + 1;
		}
		best = a;
	}
	if (best < CD_TZ_MIN_MS || best > CD_TZ_MAX_MS)
		return -ERANGE;
	*t_ms = best;
	if (how)
		*how = h;
	return 0;
}
