/* test_tz.c - IANA time zones (base/tz.h): known offsets in winter and
 * summer, a half-hour zone and a half-hour daylight saving time, the text
 * a report writes, wall times a clock change skips or passes twice,
 * unknown zones refused, and one zone shared by threads. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/tz.h"
#include "base/util.h"
#include "test.h"

/* an instant given in UTC */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return (cd_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static int offset_at(const char *zone, int64_t t)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open(zone, &tz), 0);
	int off = -1;
	ASSERT_EQ(cd_tz_offset(tz, t, &off), 0);
	cd_tz_free(tz);
	return off;
}

TEST(tz_known_offsets)
{
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 1, 15, 12, 0)), 3600);
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 7, 15, 12, 0)), 7200);
	ASSERT_EQ(offset_at("America/New_York", utc(2026, 1, 15, 12, 0)), -5 * 3600);
	ASSERT_EQ(offset_at("America/New_York", utc(2026, 7, 15, 12, 0)), -4 * 3600);
	ASSERT_EQ(offset_at("Asia/Kolkata", utc(2026, 1, 15, 12, 0)), 5 * 3600 + 1800);
	ASSERT_EQ(offset_at("Asia/Kolkata", utc(2026, 7, 15, 12, 0)), 5 * 3600 + 1800);
	/* Lord Howe Island: +10:30, and +11:00 in its (southern) summer */
	ASSERT_EQ(offset_at("Australia/Lord_Howe", utc(2026, 7, 15, 0, 0)), 10 * 3600 + 1800);
	ASSERT_EQ(offset_at("Australia/Lord_Howe", utc(2026, 1, 15, 0, 0)), 11 * 3600);
	ASSERT_EQ(offset_at("UTC", utc(2026, 7, 15, 0, 0)), 0);
	ASSERT_EQ(offset_at("Etc/UTC", utc(1, 1, 1, 0, 0)), 0);
	/* the instants of a change: Paris moves at 01:00 UTC both ways */
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 3, 29, 1, 0) - 1), 3600);
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 3, 29, 1, 0)), 7200);
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 10, 25, 1, 0) - 1), 7200);
	ASSERT_EQ(offset_at("Europe/Paris", utc(2026, 10, 25, 1, 0)), 3600);
	/* New York: 2 a.m. local, 07:00 UTC in March, 06:00 UTC in November */
	ASSERT_EQ(offset_at("America/New_York", utc(2026, 3, 8, 7, 0)), -4 * 3600);
	ASSERT_EQ(offset_at("America/New_York", utc(2026, 3, 8, 7, 0) - 1), -5 * 3600);
	ASSERT_EQ(offset_at("America/New_York", utc(2026, 11, 1, 6, 0)), -5 * 3600);
	/* an alias ICU knows by its canonical name */
	ASSERT_EQ(offset_at("US/Eastern", utc(2026, 1, 15, 12, 0)), -5 * 3600);
}

static void fmt_is(const char *zone, int64_t t, const char *want)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open(zone, &tz), 0);
	char buf[CD_TZ_FMT_LEN];
	ASSERT_EQ(cd_tz_fmt(tz, t, buf, sizeof(buf)), 0);
	ASSERT_STR_EQ(buf, want);
	cd_tz_free(tz);
}

TEST(tz_format_and_fields)
{
	fmt_is("Europe/Paris", utc(2026, 12, 7, 12, 5), "2026-12-07 13:05 +01:00");
	fmt_is("Europe/Paris", utc(2026, 7, 1, 22, 30), "2026-07-02 00:30 +02:00");
	fmt_is("America/New_York", utc(2026, 1, 1, 3, 0), "2025-12-31 22:00 -05:00");
	fmt_is("Asia/Kolkata", utc(2026, 12, 7, 12, 5), "2026-12-07 17:35 +05:30");
	fmt_is("Australia/Lord_Howe", utc(2026, 1, 1, 0, 0), "2026-01-01 11:00 +11:00");
	fmt_is("Australia/Lord_Howe", utc(2026, 7, 1, 0, 0), "2026-07-01 10:30 +10:30");
	fmt_is("UTC", utc(2026, 12, 7, 12, 5) + 59999, "2026-12-07 12:05 +00:00");
	fmt_is("UTC", -1, "1969-12-31 23:59 +00:00");
	/* Paris's local mean time before 1891: +00:09:21 */
	fmt_is("Europe/Paris", utc(1880, 1, 1, 0, 0), "1880-01-01 00:09 +00:09:21");

	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("America/New_York", &tz), 0);
	ASSERT_STR_EQ(cd_tz_name(tz), "America/New_York");
	struct tm tm;
	ASSERT_EQ(cd_tz_local(tz, utc(2026, 3, 8, 7, 0) + 1500, &tm), 0);
	ASSERT_EQ(tm.tm_year, 126);
	ASSERT_EQ(tm.tm_mon, 2);
	ASSERT_EQ(tm.tm_mday, 8);
	ASSERT_EQ(tm.tm_hour, 3);
	ASSERT_EQ(tm.tm_min, 0);
	ASSERT_EQ(tm.tm_sec, 1);
	ASSERT_EQ(tm.tm_wday, 0);     /* a Sunday */
	ASSERT_EQ(tm.tm_yday, 66);
	ASSERT_EQ(tm.tm_gmtoff, -4 * 3600);
	char small[10];
	ASSERT_EQ(cd_tz_fmt(tz, 0, small, sizeof(small)), -ENOSPC);
	int off;
	ASSERT_EQ(cd_tz_offset(tz, CD_TZ_MAX_MS + 1, &off), -ERANGE);
	ASSERT_EQ(cd_tz_local(tz, CD_TZ_MIN_MS - 1, &tm), -ERANGE);
	ASSERT_EQ(cd_tz_local(tz, CD_TZ_MIN_MS, &tm), 0);
	cd_tz_free(tz);

	/* the calendar arithmetic both ways, over the years taken */
	for (int64_t d = cd_days_from_civil(1, 1, 1); d <= cd_days_from_civil(9999, 12, 31); d += 997) {
		int64_t y;
		int m, dd;
		cd_civil_from_days(d, &y, &m, &dd);
		ASSERT_EQ(cd_days_from_civil(y, m, dd), d);
	}
	ASSERT_EQ(cd_days_from_civil(1970, 1, 1), 0);
	ASSERT_EQ(cd_days_from_civil(2000, 3, 1), 11017);
}

static void wall_is(const char *zone, int y, int mo, int d, int h, int mi, int64_t want, enum cd_tz_wall how)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open(zone, &tz), 0);
	struct tm w = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	int64_t t;
	enum cd_tz_wall got;
	ASSERT_EQ(cd_tz_mktime(tz, &w, &t, &got), 0);
	if (t != want)
		test_fail(__FILE__, __LINE__, "%s %04d-%02d-%02d %02d:%02d: %lld, not %lld (%+lld s)", zone, y, mo, d,
			  h, mi, (long long)t, (long long)want, (long long)(t - want) / 1000);
	ASSERT_EQ(got, how);
	cd_tz_free(tz);
}

TEST(tz_wall_times_across_changes)
{
	wall_is("Europe/Paris", 2026, 12, 7, 13, 5, utc(2026, 12, 7, 12, 5), CD_TZ_ONCE);
	/* spring: 02:00-02:59 do not exist; each is the first instant after, 03:00 CEST */
	wall_is("Europe/Paris", 2026, 3, 29, 1, 59, utc(2026, 3, 29, 0, 59), CD_TZ_ONCE);
	wall_is("Europe/Paris", 2026, 3, 29, 2, 0, utc(2026, 3, 29, 1, 0), CD_TZ_SKIPPED);
	wall_is("Europe/Paris", 2026, 3, 29, 2, 30, utc(2026, 3, 29, 1, 0), CD_TZ_SKIPPED);
	wall_is("Europe/Paris", 2026, 3, 29, 3, 0, utc(2026, 3, 29, 1, 0), CD_TZ_ONCE);
	/* autumn: 02:00-02:59 twice, the first (CEST) given */
	wall_is("Europe/Paris", 2026, 10, 25, 1, 59, utc(2026, 10, 24, 23, 59), CD_TZ_ONCE);
	wall_is("Europe/Paris", 2026, 10, 25, 2, 0, utc(2026, 10, 25, 0, 0), CD_TZ_TWICE);
	wall_is("Europe/Paris", 2026, 10, 25, 2, 30, utc(2026, 10, 25, 0, 30), CD_TZ_TWICE);
	wall_is("Europe/Paris", 2026, 10, 25, 3, 0, utc(2026, 10, 25, 2, 0), CD_TZ_ONCE);
	wall_is("America/New_York", 2026, 3, 8, 2, 15, utc(2026, 3, 8, 7, 0), CD_TZ_SKIPPED);
	wall_is("America/New_York", 2026, 11, 1, 1, 15, utc(2026, 11, 1, 5, 15), CD_TZ_TWICE);
	/* Lord Howe's half hour: 02:00 -> 02:30 on 4 October 2026, 02:00 ->
	 * 01:30 on 5 April 2026 */
	wall_is("Australia/Lord_Howe", 2026, 10, 4, 2, 15, utc(2026, 10, 3, 15, 30), CD_TZ_SKIPPED);
	wall_is("Australia/Lord_Howe", 2026, 10, 4, 2, 30, utc(2026, 10, 3, 15, 30), CD_TZ_ONCE);
	wall_is("Australia/Lord_Howe", 2026, 4, 5, 1, 45, utc(2026, 4, 4, 14, 45), CD_TZ_TWICE);
	wall_is("Australia/Lord_Howe", 2026, 4, 5, 2, 0, utc(2026, 4, 4, 15, 30), CD_TZ_ONCE);
	wall_is("Asia/Kolkata", 2026, 6, 1, 0, 0, utc(2026, 5, 31, 18, 30), CD_TZ_ONCE);
	wall_is("UTC", 2026, 3, 29, 2, 30, utc(2026, 3, 29, 2, 30), CD_TZ_ONCE);
	/* fields past their range carry, as mktime's */
	wall_is("Europe/Paris", 2026, 13, 32, 24, 60, utc(2027, 2, 2, 0, 0), CD_TZ_ONCE);
}

TEST(tz_unknown_zones_refused)
{
	static const char *const bad[] = {
		"Mars/Olympus_Mons", "Europe/Pariss", "", "GMT+5", "GMT+05:00", "../etc/passwd", "Europe//Paris",
		"/Europe/Paris", "Europe/Paris/", "Etc/Unknown", "Europe/Paris\n", "Europe/Par is",
		"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/B",
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++) {
		struct cd_tz *tz = (struct cd_tz *)1;
		if (cd_tz_open(bad[i], &tz) != -EINVAL)
			test_fail(__FILE__, __LINE__, "\"%s\" was taken", bad[i]);
		ASSERT(tz == NULL);
	}
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open(NULL, &tz), -EINVAL);
	cd_tz_free(NULL);
}

/* threads sharing a zone, each asking about another season */
static struct cd_tz *shared;
static void *asker(void *arg)
{
	long k = (long)arg;
	for (int i = 0; i < 2000; i++) {
		int64_t t = utc(2026, (int)(1 + (k + i) % 12), 15, 12, 0);
		int off, want = (k + i) % 12 >= 3 && (k + i) % 12 <= 9 ? 7200 : 3600;
		if (cd_tz_offset(shared, t, &off) < 0 || off != want)
			return (void *)1;
	}
	return NULL;
}

TEST(tz_shared_by_threads)
{
	ASSERT_EQ(cd_tz_open("Europe/Paris", &shared), 0);
	pthread_t th[4];
	for (long k = 0; k < 4; k++)
		ASSERT_EQ(pthread_create(&th[k], NULL, asker, (void *)k), 0);
	for (int k = 0; k < 4; k++) {
		void *r;
		pthread_join(th[k], &r);
		ASSERT(r == NULL);
	}
	cd_tz_free(shared);
}
