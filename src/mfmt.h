/* mfmt.h - what the metrics commands (cmd_metrics.c, cmd_top.c) print:
 * times in a zone that is always stated, durations, values in the units
 * chosen with their base. */
#ifndef CORDON_MFMT_H
#define CORDON_MFMT_H

#include <stdint.h>

#include "base/units.h"   /* durations and byte units */

/* Print times in zone (an IANA name; NULL: UTC): EXIT_OK, or EXIT_BADINPUT
 * after a message naming cmd. */
int mfmt_zone(const char *cmd, const char *zone);
/* "2026-12-02 19:03:20 CET (+01:00)": the time at ms in the zone chosen. */
#define MFMT_TIME_LEN 64
char *mfmt_time(int64_t ms, char buf[MFMT_TIME_LEN]);
/* RFC 3339 (2026-12-01T00:00:00Z) or epoch ms: 0 with *ms, or -1. */
int mfmt_when(const char *s, int64_t *ms);

#endif
