/* cron.h - a report's schedule in cron's syntax, and its next fire time in
 * a time zone.
 *
 *   minute hour day-of-month month day-of-week
 *   0-59   0-23 1-31         1-12  0-7 (0 and 7 Sunday)
 *
 * Each field is `*`, a number, a range `a-b`, or a list of those split by
 * commas; `*` and a range may take a step after a slash (`1-5/2`; the
 * star and "/15": every 15 minutes); months and days of week take their
 * English names too (jan..dec, sun..sat, any case).  @hourly, @daily
 * (@midnight), @weekly, @monthly, @yearly (@annually) stand for their
 * five fields.  As in Vixie cron (and cronie): when both day fields are
 * restricted, a day matching either is enough ("0 0 1 * mon": the 1st
 * and every Monday); a day field that begins with `*` (with a step too)
 * counts as not restricted, so both must then match.
 *
 * Fire times are wall times of the schedule's zone, to the minute.  When
 * a clock is set forward (spring), a wall time the gap skips fires once,
 * at the first instant after the gap (02:30 on a 02:00->03:00 night fires
 * at 03:00 new time, together with anything at 03:00); when a clock is
 * set back (autumn), a wall time it passes twice fires once, the first
 * time. */
#ifndef CD_CRON_H
#define CD_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tz.h"

#define CD_CRON_MAX 256        /* longest schedule text taken */

struct cd_cron {
	uint64_t minute;           /* bit m: minute m, 0-59 */
	uint32_t hour;             /* bit h: hour h, 0-23 */
	uint32_t dom;              /* bit d: day of month d, 1-31 */
	uint16_t month;            /* bit m: month m, 1-12 */
	uint8_t dow;               /* bit d: day of week d, 0 Sunday - 6 */
	bool dom_star, dow_star;   /* the day field began with '*' (Vixie's rule) */
};

/* Parse text into *out: 0, or -EINVAL with the first error in err
 * ("field 2 (hour) at column 4: 25 is out of 0-23"; columns count bytes
 * from 1), -E2BIG for a text over CD_CRON_MAX bytes. */
int cd_cron_parse(const char *text, struct cd_cron *out, char *err, size_t errlen);

/* Whether a local date and time matches (month 1-12, wday 0 Sunday). */
bool cd_cron_match(const struct cd_cron *c, int month, int mday, int wday, int hour, int minute);

/* *next_ms: the schedule's first fire time strictly after after_ms, its
 * wall times read in tz (see above for daylight saving time).  0;
 * -ENOENT when there is none in the next 400 years (the Gregorian
 * calendar's cycle: "0 0 30 2 *" never fires) or before year 10000;
 * -ERANGE for an after_ms out of the zones' range. */
int cd_cron_next(const struct cd_cron *c, const struct cd_tz *tz, int64_t after_ms, int64_t *next_ms);

#endif
