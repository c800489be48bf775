/* test_cron.c - report schedules (report/cron.h): what each field takes,
 * errors that name the field and column, Vixie's day rule, known next
 * fire times across daylight saving changes (Paris, New York, Lord
 * Howe's half hour), impossible schedules ended, and the next fire time
 * against a minute-by-minute search for random schedules in UTC. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/tz.h"
#include "base/util.h"
#include "report/cron.h"
#include "test.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return (cd_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static struct cd_cron parsed(const char *text)
{
	struct cd_cron c;
	char err[200];
	if (cd_cron_parse(text, &c, err, sizeof(err)) != 0)
		test_fail(__FILE__, __LINE__, "\"%s\": %s", text, err);
	return c;
}

TEST(cron_fields)
{
	struct cd_cron c = parsed("*/15 1-5/2 1,15 JAN,mar-May mon-fri");
	ASSERT(c.minute == ((1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45)));
	ASSERT_EQ(c.hour, (1 << 1) | (1 << 3) | (1 << 5));
	ASSERT_EQ(c.dom, (1 << 1) | (1 << 15));
	ASSERT_EQ(c.month, (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5));
	ASSERT_EQ(c.dow, 0x3e);
	ASSERT(!c.dom_star && !c.dow_star);
	c = parsed("  0\t0 * * 5-7  ");          /* 7 is Sunday */
	ASSERT_EQ(c.dow, (1 << 5) | (1 << 6) | 1);
	ASSERT(c.dom_star && !c.dow_star);
	ASSERT_EQ(c.dom, 0xfffffffe);
	ASSERT_EQ(c.month, 0x1ffe);
	c = parsed("0 0 */2 * sun");
	ASSERT(c.dom_star);
	ASSERT_EQ(parsed("0 0 * * 7").dow, 1);
	ASSERT_EQ(parsed("* * * * *").minute, (1ull << 60) - 1);
	c = parsed("@weekly");
	ASSERT(c.minute == 1 && c.hour == 1 && c.dow == 1 && c.dom_star && !c.dow_star);
	c = parsed("@Hourly");
	ASSERT(c.minute == 1 && c.hour == 0xffffff);
	ASSERT_EQ(parsed("@yearly").month, 2);
	ASSERT_EQ(parsed("@annually").dom, 2);
	ASSERT_EQ(parsed("@monthly").month, 0x1ffe);
	ASSERT_EQ(parsed(" @daily ").hour, 1);
	ASSERT_EQ(parsed("@midnight").minute, 1);
	ASSERT_EQ(parsed("59 23 31 12 6").minute, 1ull << 59);
}

static void error_is(const char *text, int code, const char *want)
{
	struct cd_cron c;
	char err[200];
	int r = cd_cron_parse(text, &c, err, sizeof(err));
	if (r != code)
		test_fail(__FILE__, __LINE__, "\"%s\": %d, not %d (%s)", text, r, code, err);
	ASSERT_STR_EQ(err, want);
	ASSERT(c.minute == 0 && c.dow == 0);
}

TEST(cron_errors_located)
{
	error_is("0 25 * * *", -EINVAL, "field 2 (hour) at column 3: 25 is out of 0-23");
	error_is("0 0,25 * * *", -EINVAL, "field 2 (hour) at column 5: 25 is out of 0-23");
	error_is("60 * * * *", -EINVAL, "field 1 (minute) at column 1: 60 is out of 0-59");
	error_is("* * 0 * *", -EINVAL, "field 3 (day-of-month) at column 5: 0 is out of 1-31");
	error_is("* * * 13 *", -EINVAL, "field 4 (month) at column 7: 13 is out of 1-12");
	error_is("* * * * 1-8", -EINVAL, "field 5 (day-of-week) at column 11: 8 is out of 0-7");
	error_is("*/0 * * * *", -EINVAL, "field 1 (minute) at column 3: step 0 is out of 1-60");
	error_is("*/61 * * * *", -EINVAL, "field 1 (minute) at column 3: step 61 is out of 1-60");
	error_is("*/ * * * *", -EINVAL, "field 1 (minute) at column 3: expected a step after /");
	error_is("5/10 * * * *", -EINVAL, "field 1 (minute) at column 2: a step needs a range or * before it");
	error_is("5-3 * * * *", -EINVAL, "field 1 (minute) at column 3: the range 5-3 goes backwards");
	error_is("0 0 * foo *", -EINVAL, "field 4 (month) at column 7: unknown name \"foo\" (jan..dec)");
	error_is("0 0 * * monday", -EINVAL,
		 "field 5 (day-of-week) at column 9: unknown name \"monday\" (sun..sat)");
	error_is("mon * * * *", -EINVAL,
		 "field 1 (minute) at column 1: \"mon\" is not a number (names are for months and days of week)");
	error_is("0 0 1,,2 * *", -EINVAL,
		 "field 3 (day-of-month) at column 7: expected a number, a name or *, found ','");
	error_is("0 0 1, * *", -EINVAL,
		 "field 3 (day-of-month) at column 7: expected a number, a name or *, found the field's end");
	error_is("*5 * * * *", -EINVAL, "field 1 (minute) at column 2: unexpected '5'");
	error_is("0 0 * * 1\x01", -EINVAL, "field 5 (day-of-week) at column 10: unexpected byte 0x01");
	error_is("0 0 * *", -EINVAL,
		 "field 5 (day-of-week) at column 8: missing: a schedule has 5 fields (minute hour day-of-month "
		 "month day-of-week)");
	error_is("", -EINVAL,
		 "field 1 (minute) at column 1: missing: a schedule has 5 fields (minute hour day-of-month month "
		 "day-of-week)");
	error_is("0 0 * * * *", -EINVAL,
		 "column 11: a sixth field: a schedule has 5 fields (minute hour day-of-month month day-of-week)");
	error_is("@reboot", -EINVAL,
		 "column 1: unknown schedule \"@reboot\" (@hourly, @daily, @weekly, @monthly, @yearly, or 5 fields)");
	error_is("@daily 5", -EINVAL, "column 8: nothing may follow @daily");
	error_is("99999999999999999999 * * * *", -EINVAL,
		 "field 1 (minute) at column 1: 999999999999 is out of 0-59");
	char big[CD_CRON_MAX + 2];
	memset(big, ' ', sizeof(big));
	memcpy(big, "* * * * *", 9);
	big[CD_CRON_MAX + 1] = '\0';
	error_is(big, -E2BIG, "a schedule of more than 256 characters");
	big[CD_CRON_MAX] = '\0';
	parsed(big);
	/* no room for a message: the code still says it */
	struct cd_cron c;
	ASSERT_EQ(cd_cron_parse("0 25 * * *", &c, NULL, 0), -EINVAL);
}

/* the next fire time after `after` in zone, as an instant */
static int64_t next_of(const char *text, const char *zone, int64_t after)
{
	struct cd_cron c = parsed(text);
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open(zone, &tz), 0);
	int64_t t = -1;
	int r = cd_cron_next(&c, tz, after, &t);
	cd_tz_free(tz);
	if (r != 0)
		test_fail(__FILE__, __LINE__, "\"%s\" in %s: %d", text, zone, r);
	return t;
}

#define NEXT_IS(text, zone, after, want)                                                          \
	do {                                                                                      \
		int64_t g_ = next_of(text, zone, after), w_ = (want);                             \
		if (g_ != w_)                                                                     \
			test_fail(__FILE__, __LINE__, "\"%s\" in %s: %+lld min from the answer", text, zone, \
				  (long long)(g_ - w_) / 60000);                                  \
	} while (0)

TEST(cron_next_known)
{
	NEXT_IS("*/15 * * * *", "UTC", utc(2026, 1, 1, 0, 7), utc(2026, 1, 1, 0, 15));
	/* strictly after */
	NEXT_IS("0 12 * * *", "UTC", utc(2026, 1, 1, 12, 0), utc(2026, 1, 2, 12, 0));
	NEXT_IS("0 12 * * *", "UTC", utc(2026, 1, 1, 12, 0) - 1, utc(2026, 1, 1, 12, 0));
	NEXT_IS("0 12 * * *", "UTC", utc(2026, 1, 1, 11, 59) + 30000, utc(2026, 1, 1, 12, 0));
	/* Friday 4 December 2026, 10:00 in Paris: Monday's 09:00 */
	NEXT_IS("0 9 * * mon-fri", "Europe/Paris", utc(2026, 12, 4, 9, 0), utc(2026, 12, 7, 8, 0));
	NEXT_IS("0 9 * * mon-fri", "Asia/Kolkata", utc(2026, 12, 4, 9, 0), utc(2026, 12, 7, 3, 30));
	NEXT_IS("30 8 * * *", "America/New_York", utc(2026, 1, 10, 0, 0), utc(2026, 1, 10, 13, 30));
	/* both day fields restricted: the 1st or a Monday */
	NEXT_IS("0 0 1 * mon", "UTC", utc(2026, 6, 2, 0, 0), utc(2026, 6, 8, 0, 0));
	NEXT_IS("0 0 1 * mon", "UTC", utc(2026, 6, 29, 0, 0), utc(2026, 7, 1, 0, 0));
	/* a day field from *: both must match (odd days that are Mondays) */
	NEXT_IS("0 0 */2 * mon", "UTC", utc(2026, 6, 1, 0, 0), utc(2026, 6, 15, 0, 0));
	NEXT_IS("0 12 29 2 *", "UTC", utc(2026, 1, 1, 0, 0), utc(2028, 2, 29, 12, 0));
	NEXT_IS("0 12 29 2 *", "UTC", utc(2096, 3, 1, 0, 0), utc(2104, 2, 29, 12, 0));
	NEXT_IS("@weekly", "UTC", utc(2026, 12, 7, 0, 0), utc(2026, 12, 13, 0, 0));
	NEXT_IS("@yearly", "Europe/Paris", utc(2026, 6, 1, 0, 0), utc(2026, 12, 31, 23, 0));
	NEXT_IS("@monthly", "UTC", utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 0, 0));
	NEXT_IS("0 0 * * 7", "UTC", utc(2026, 12, 7, 0, 0), utc(2026, 12, 13, 0, 0));
	NEXT_IS("59 23 31 12 *", "UTC", utc(2026, 1, 1, 0, 0), utc(2026, 12, 31, 23, 59));
}

TEST(cron_next_across_dst)
{
	/* Paris, spring: 02:30 does not exist on 29 March 2026; fires at
	 * 03:00 CEST (01:00 UTC), then on the next day's 02:30 */
	NEXT_IS("30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0));
	NEXT_IS("30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30));
	/* every 15 minutes: 02:00..02:45 and 03:00 fire once, at 03:00 */
	NEXT_IS("*/15 * * * *", "Europe/Paris", utc(2026, 3, 29, 0, 50), utc(2026, 3, 29, 1, 0));
	NEXT_IS("*/15 * * * *", "Europe/Paris", utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 15));
	/* Paris, autumn: 02:30 twice on 25 October; the first only */
	NEXT_IS("30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30));
	NEXT_IS("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30));
	/* in the repeated hour: what fired in the first is not fired again */
	NEXT_IS("*/20 * * * *", "Europe/Paris", utc(2026, 10, 25, 0, 40), utc(2026, 10, 25, 2, 0));
	NEXT_IS("*/20 * * * *", "Europe/Paris", utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 2, 0));
	NEXT_IS("*/20 * * * *", "Europe/Paris", utc(2026, 10, 25, 0, 10), utc(2026, 10, 25, 0, 20));
	/* New York: hourly across both changes */
	NEXT_IS("0 * * * *", "America/New_York", utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 0));
	NEXT_IS("0 * * * *", "America/New_York", utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0));
	NEXT_IS("0 * * * *", "America/New_York", utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 7, 0));
	NEXT_IS("0 2 * * *", "America/New_York", utc(2026, 3, 7, 12, 0), utc(2026, 3, 8, 7, 0));
	/* Lord Howe: 02:00 -> 02:30 on 4 October, 02:00 -> 01:30 on 5 April */
	NEXT_IS("0 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 0, 0), utc(2026, 10, 3, 15, 30));
	NEXT_IS("15 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 0, 0), utc(2026, 10, 3, 15, 30));
	NEXT_IS("30 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 15, 30), utc(2026, 10, 4, 15, 30));
	NEXT_IS("45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 0, 0), utc(2026, 4, 4, 14, 45));
	NEXT_IS("45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 14, 45), utc(2026, 4, 5, 15, 15));
	/* daily in a zone: the same local time whatever the offset */
	NEXT_IS("0 6 * * *", "Europe/Paris", utc(2026, 3, 28, 6, 0), utc(2026, 3, 29, 4, 0));
}

TEST(cron_impossible_ends)
{
	static const char *const never[] = { "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 *" };
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("Europe/Paris", &tz), 0);
	for (size_t i = 0; i < CD_ARRAY_LEN(never); i++) {
		struct cd_cron c = parsed(never[i]);
		int64_t t = 7;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		ASSERT_EQ(cd_cron_next(&c, tz, utc(2026, 1, 1, 0, 0), &t), -ENOENT);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ASSERT_EQ(t, 7);
		ASSERT((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 2000);
	}
	/* near year 9999: nothing after it */
	struct cd_cron c = parsed("0 0 1 1 *");
	int64_t t;
	ASSERT_EQ(cd_cron_next(&c, tz, utc(9999, 6, 1, 0, 0), &t), -ENOENT);
	ASSERT_EQ(cd_cron_next(&c, tz, CD_TZ_MAX_MS + 1, &t), -ERANGE);
	/* but the 29th of February or a Monday of February is possible */
	c = parsed("0 0 30 2 mon");
	ASSERT_EQ(cd_cron_next(&c, tz, utc(2026, 1, 1, 0, 0), &t), 0);
	cd_tz_free(tz);
}

/* Random schedules against a walk through every minute (UTC) */
static const char *const pieces[5][8] = {
	{ "*", "0", "*/7", "5-50/5", "1,2,3", "59", "*/30", "10-12" },
	{ "*", "0", "*/5", "9-17", "23", "1,13", "3-20/4", "*/2" },
	{ "*", "1", "15", "*/10", "28-31", "1-7", "13", "31" },
	{ "*", "1", "feb", "*/3", "jun-aug", "12", "2,4,6", "mar-nov/4" },
	{ "*", "0", "mon-fri", "*/2", "6,0", "sun", "1-5/2", "7" },
};

TEST(cron_next_against_a_walk)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("UTC", &tz), 0);
	srand(31);
	for (int n = 0; n < test_volume(300); n++) {
		char text[100];
		int k[5];
		for (int f = 0; f < 5; f++)
			k[f] = rand() % 8;
		snprintf(text, sizeof(text), "%s %s %s %s %s", pieces[0][k[0]], pieces[1][k[1]], pieces[2][k[2]],
			 pieces[3][k[3]], pieces[4][k[4]]);
		struct cd_cron c = parsed(text);
		int64_t after = utc(2026, 1, 1, 0, 0) + (int64_t)(rand() % (366 * 1440)) * 60000 + rand() % 60000;
		int64_t want = -1;
		/* every minute after, up to 3 years */
		for (int64_t m = after / 60000 + 1; m < after / 60000 + 3 * 366 * 1440; m++) {
			int64_t day = m / 1440, y;
			int mo, d;
			int mod = (int)(m % 1440);
			cd_civil_from_days(day, &y, &mo, &d);
			if (cd_cron_match(&c, mo, d, (int)((day + 4) % 7), mod / 60, mod % 60)) {
				want = m * 60000;
				break;
			}
		}
		int64_t got = -1;
		int r = cd_cron_next(&c, tz, after, &got);
		if (want < 0)
			continue;
		if (r != 0 || got != want)
			test_fail(__FILE__, __LINE__, "\"%s\" after %lld: %d %lld, the walk %lld", text,
				  (long long)after, r, (long long)got, (long long)want);
	}
	cd_tz_free(tz);
}
