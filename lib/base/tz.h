/* tz.h - IANA time zones ("Europe/Paris"), for the times a report or a
 * schedule is given in: a UTC offset at an instant (daylight saving time
 * included), an instant's local fields and text, and a local wall time's
 * instant.
 *
 * Why ICU and not setenv("TZ") with localtime_r: cordond has many
 * threads, and TZ is one setting of the whole process (glibc reads it
 * under a lock, but two threads wanting two zones would take turns
 * changing it under each other).  ICU's calendars carry their zone each,
 * and its data comes with libicu (libxml2 depends on it already).
 * ICU answers any unknown name with GMT, silently: cd_tz_open asks ICU
 * whether the name is one of its system zones first and refuses it
 * otherwise.  "UTC" (and "Etc/UTC", "GMT", "Etc/GMT") is answered here,
 * without ICU: offset 0 at every instant.
 *
 * Instants are milliseconds since the epoch; local fields are proleptic
 * Gregorian, years 1 to 9999 (instants outside are -ERANGE).
 *
 * A zone may be used by several threads at once: its calendar is behind
 * a lock of its own. */
#ifndef CD_TZ_H
#define CD_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CD_TZ_NAME_MAX 64      /* longest zone name taken (the longest IANA name has 32) */
#define CD_TZ_FMT_LEN 32       /* room for cd_tz_fmt's text, NUL included */

/* the first and last instants taken: 0001-01-01T00:00:00Z and
 * 9999-12-31T23:59:59.999Z */
#define CD_TZ_MIN_MS INT64_C(-62135596800000)
#define CD_TZ_MAX_MS INT64_C(253402300799999)

struct cd_tz;

/* Open the zone called name: 0, or -EINVAL for a name that is not an
 * IANA zone ICU knows (a custom "GMT+05:00" neither), -ENOMEM when ICU
 * cannot make a calendar. */
int cd_tz_open(const char *name, struct cd_tz **out);
void cd_tz_free(struct cd_tz *tz);              /* NULL: nothing */
/* The name it was opened with. */
const char *cd_tz_name(const struct cd_tz *tz);

/* *offset_s: the zone's UTC offset at t in seconds (east positive),
 * daylight saving time included.  0 or -ERANGE. */
int cd_tz_offset(const struct cd_tz *tz, int64_t t_ms, int *offset_s);

/* t's local fields in *tm (tm_year from 1900, tm_mon 0-11, tm_wday,
 * tm_yday; tm_isdst 0; tm_gmtoff the offset; tm_zone NULL: ICU's
 * abbreviations are a locale's, and a report writes the offset).  0 or
 * -ERANGE. */
int cd_tz_local(const struct cd_tz *tz, int64_t t_ms, struct tm *tm);

/* t as "2026-12-07 13:05 +01:00" (local time to the minute, and the
 * offset; an offset with seconds, as local mean times before 1900 have,
 * as "+00:09:21").  0, -ERANGE, or -ENOSPC when len is too small
 * (CD_TZ_FMT_LEN always does). */
int cd_tz_fmt(const struct cd_tz *tz, int64_t t_ms, char *buf, size_t len);

/* How a local wall time maps to instants. */
enum cd_tz_wall {
	CD_TZ_ONCE,      /* one instant, the usual case */
	CD_TZ_TWICE,     /* a clock set back (autumn) passes it twice: the first is given */
	CD_TZ_SKIPPED,   /* a clock set forward (spring) skips it: the first instant
			  * after the gap is given (02:30 on a 02:00->03:00 night:
			  * 03:00 new time) */
};
/* *t_ms: the instant of the local wall time in *local (tm_year, tm_mon,
 * tm_mday, tm_hour, tm_min, tm_sec; a field past its range carries into
 * the next, as mktime's do; tm_isdst and tm_gmtoff are not read), with
 * how it maps in *how (NULL: not wanted).  0, or -ERANGE. */
int cd_tz_mktime(const struct cd_tz *tz, const struct tm *local, int64_t *t_ms, enum cd_tz_wall *how);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), and
 * back (as Howard Hinnant's days_from_civil): the one calendar
 * arithmetic the zones, schedules and charts share. */
int64_t cd_days_from_civil(int64_t y, int m, int d);
void cd_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
