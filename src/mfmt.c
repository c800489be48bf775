/* mfmt.c - times, durations and units for the metrics commands (see
 * mfmt.h). */
#include "mfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "base/util.h"

int mfmt_zone(const char *cmd, const char *zone)
{
	if (!zone)
		zone = "UTC";
	/* an IANA name: a file of the zone database, nothing else */
	char *path = cd_asprintf("/usr/share/zoneinfo/%s", zone);
	bool ok = zone[0] && zone[0] != '/' && !strstr(zone, "..") && strlen(zone) < 64 &&
		  access(path, R_OK) == 0;
	free(path);
	if (!ok)
		return usage_error(cmd, "--tz takes a zone of the IANA database (UTC, Europe/Paris, "
				   "Asia/Tokyo), not '%s'", zone);
	setenv("TZ", zone, 1);
	tzset();
	return EXIT_OK;
}

char *mfmt_time(int64_t ms, char buf[MFMT_TIME_LEN])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	char day[32], zone[16], off[8];
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%Z", &tm);
	strftime(off, sizeof(off), "%z", &tm);     /* +0100 */
	snprintf(buf, MFMT_TIME_LEN, "%s %s (%.3s:%.2s)", day, zone, off, off + 3);
	return buf;
}

int mfmt_when(const char *s, int64_t *ms)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end != s && !*end && v >= 0) {
		*ms = v;
		return 0;
	}
	int64_t us;
	if (cd_time_parse(s, &us) < 0)
		return -1;
	*ms = us / 1000;
	return 0;
}
