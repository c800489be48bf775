/* mfmt.h - what the metrics commands (cmd_metrics.c, cmd_top.c) print:
 * times in a zone that is always stated, durations, values in the units
 * chosen with their base. */
#ifndef CORDON_MFMT_H
#define CORDON_MFMT_H

#include <stdint.h>

/* Print times in zone (an IANA name; NULL: UTC): EXIT_OK, or EXIT_BADINPUT
 * after a message naming cmd. */
int mfmt_zone(const char *cmd, const char *zone);
/* "2026-12-02 19:03:20 CET (+01:00)": the time at ms in the zone chosen. */
#define MFMT_TIME_LEN 64
char *mfmt_time(int64_t ms, char buf[MFMT_TIME_LEN]);
/* "90s", "5m", "24h", "7d", "2w": 0 with *ms, or -1. */
int mfmt_duration(const char *s, int64_t *ms);
/* RFC 3339 (2026-12-01T00:00:00Z) or epoch ms: 0 with *ms, or -1. */
int mfmt_when(const char *s, int64_t *ms);

/* How byte figures are shown: chosen by the magnitude (decimal units,
 * kB to TB), or in one unit. */
enum mfmt_unit { MFMT_AUTO, MFMT_GB, MFMT_GIB, MFMT_TB, MFMT_TIB };
/* "auto", "GB", ...: 0, or -1. */
int mfmt_unit_parse(const char *s, enum mfmt_unit *u);
/* The unit for values up to max: its name ("GiB") and its size in bytes. */
const char *mfmt_unit_for(enum mfmt_unit u, double max, double *size);

#endif
