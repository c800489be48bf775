/* fuzz_cron.c - a report's schedule (report/cron.h) as a user may type it.
 * Input: the schedule's text.  Properties: no crash, leak or read out of
 * bounds; refused with a located message, or taken with every field's
 * values in its range; a schedule taken gives, in UTC and in Paris from
 * an instant before each of its clock changes, a fire time after that
 * instant whose wall time matches the schedule (or, in Paris, the first
 * instant after a spring gap), and a later one after it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/tz.h"
#include "report/cron.h"

static void check_next(const struct cd_cron *c, const struct cd_tz *tz, int64_t after)
{
	int64_t t, t2;
	int r = cd_cron_next(c, tz, after, &t);
	if (r == -ENOENT)
		return;
	if (r != 0 || t <= after)
		abort();
	struct tm w;
	if (cd_tz_local(tz, t, &w) != 0)
		abort();
	if (!cd_cron_match(c, w.tm_mon + 1, w.tm_mday, w.tm_wday, w.tm_hour, w.tm_min) || w.tm_sec) {
		/* only the first instant after a gap fires a wall time it does not show */
		int a, b;
		if (cd_tz_offset(tz, t - 1, &a) || cd_tz_offset(tz, t, &b) || b <= a)
			abort();
	}
	r = cd_cron_next(c, tz, t, &t2);
	if (r != 0 && r != -ENOENT)
		abort();
	if (r == 0 && t2 <= t)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cd_tz *utc, *paris;
	if (!utc && (cd_tz_open("UTC", &utc) || cd_tz_open("Europe/Paris", &paris)))
		abort();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	struct cd_cron c;
	char err[200];
	memset(err, 'x', sizeof(err));
	int r = cd_cron_parse(text, &c, err, sizeof(err));
	if (r == 0) {
		if (!c.minute || c.minute >> 60 || !c.hour || c.hour >> 24 || !c.month || (c.month & 1) ||
		    c.month >> 13 || !c.dow || c.dow >> 7 || !c.dom || (c.dom & 1))
			abort();
		/* 2026-03-29 00:30 and 2026-10-25 00:30 UTC, before Paris's changes */
		static const int64_t afters[] = { INT64_C(1774744200000), INT64_C(1792888200000) };
		for (size_t i = 0; i < 2; i++) {
			check_next(&c, utc, afters[i]);
			check_next(&c, paris, afters[i]);
		}
	} else if (r == -EINVAL) {
		if (strncmp(err, "field ", 6) && strncmp(err, "column ", 7))
			abort();
	} else if (r != -E2BIG || size <= CD_CRON_MAX) {
		abort();
	}
	if (!memchr(err, 0, sizeof(err)))
		abort();
	free(text);
	return 0;
}
