/* units.c - units and durations (see units.h). */
#include "base/units.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "base/util.h"

int cd_duration_parse(const char *s, int64_t *ms)
{
	static const struct { char c; int64_t ms; } u[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }, { 'w', 604800000 },
	};
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || v > 100000 || !end[0] || end[1])
		return -EINVAL;
	for (size_t i = 0; i < CD_ARRAY_LEN(u); i++)
		if (u[i].c == *end) {
			*ms = v * u[i].ms;
			return 0;
		}
	return -EINVAL;
}

static const char *const bunit_names[] = { "auto", "GB", "GiB", "TB", "TiB" };

int cd_bunit_parse(const char *s, enum cd_bunit *u)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(bunit_names); i++)
		if (!strcasecmp(s, bunit_names[i])) {
			*u = (enum cd_bunit)i;
			return 0;
		}
	return -EINVAL;
}

const char *cd_bunit_name(enum cd_bunit u)
{
	return (size_t)u < CD_ARRAY_LEN(bunit_names) ? bunit_names[u] : "auto";
}

const char *cd_bunit_for(enum cd_bunit u, double max, double *size)
{
	switch (u) {
	case CD_BU_GB: *size = 1e9; return "GB";
	case CD_BU_GIB: *size = 1073741824.0; return "GiB";
	case CD_BU_TB: *size = 1e12; return "TB";
	case CD_BU_TIB: *size = 1099511627776.0; return "TiB";
	case CD_BU_AUTO: break;
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
