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

int mfmt_duration(const char *s, int64_t *ms)
{
	static const struct { char c; int64_t ms; } u[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }, { 'w', 604800000 },
	};
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || v > 100000 || !end[0] || end[1])
		return -1;
	for (size_t i = 0; i < CD_ARRAY_LEN(u); i++)
		if (u[i].c == *end) {
			*ms = v * u[i].ms;
			return 0;
		}
	return -1;
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

int mfmt_unit_parse(const char *s, enum mfmt_unit *u)
{
	static const char *const names[] = { "auto", "GB", "GiB", "TB", "TiB" };
	for (size_t i = 0; i < CD_ARRAY_LEN(names); i++)
		if (!strcasecmp(s, names[i])) {
			*u = (enum mfmt_unit)i;
			return 0;
		}
	return -1;
}

const char *mfmt_unit_for(enum mfmt_unit u, double max, double *size)
{
	switch (u) {
	case MFMT_GB: *size = 1e9; return "GB";
	case MFMT_GIB: *size = 1073741824.0; return "GiB";
	case MFMT_TB: *size = 1e12; return "TB";
	case MFMT_TIB: *size = 1099511627776.0; return "TiB";
	default: break;
	}
	static const struct { const char *name; double size; } d[] = {
		{ "TB", 1e12 }, { "GB", 1e9 }, { "MB", 1e6 }, { "kB", 1e3 },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(d); i++)
		if (max >= d[i].size) {
			*size = d[i].size;
			return d[i].name;
		}
	*size = 1;
	return "B";
}
