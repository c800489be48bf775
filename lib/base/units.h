/* units.h - the units figures are shown in and the durations people type:
 * one definition for the CLI (`cordon top`, `metrics`) and the manager's
 * views and reports. */
#ifndef CD_UNITS_H
#define CD_UNITS_H

#include <stdint.h>

/* "90s", "5m", "24h", "7d", "2w" (a positive count up to 100,000 and one
 * letter): 0 with *ms, or -EINVAL. */
int cd_duration_parse(const char *s, int64_t *ms);

/* How byte figures are shown: chosen by the magnitude (decimal units, kB
 * to TB), or in one unit: GB = 10^9 bytes, GiB = 2^30, TB = 10^12,
 * TiB = 2^40. */
enum cd_bunit { CD_BU_AUTO, CD_BU_GB, CD_BU_GIB, CD_BU_TB, CD_BU_TIB };
/* "auto", "GB", ... (any case): 0, or -EINVAL. */
int cd_bunit_parse(const char *s, enum cd_bunit *u);
const char *cd_bunit_name(enum cd_bunit u);
/* The unit for values up to max: its name ("GiB", "kB", "B") and its size
 * in bytes. */
const char *cd_bunit_for(enum cd_bunit u, double max, double *size);

#endif
