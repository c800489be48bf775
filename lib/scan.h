/* scan.h - files scanned with ClamAV's engine (libclamav).
 *
 * A scanner holds one compiled engine, loaded once from a database file or
 * directory.  Scans are thread-safe: each takes a reference on the engine
 * it starts with, so a reload (cd_scanner_reload, when the database
 * changed) builds and compiles a new engine beside the old one and swaps
 * it in without stopping scans in flight; the old engine goes when its
 * last scan ends.
 *
 * A file is opened without following symlinks and without blocking, must
 * be a regular file, and is scanned through its descriptor, so a file
 * renamed or removed during the scan is still the one scanned.  Archives
 * are opened as libclamav does, within the limits (size, recursion, number
 * of files, time), so a zip bomb ends at a limit instead of the disk. */
#ifndef CD_SCAN_H
#define CD_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct cd_scan_limits {
	uint64_t max_filesize;     /* larger files are not scanned (reported) */
	uint64_t max_scansize;     /* data scanned per file, archives included */
	uint32_t max_recursion;    /* archive nesting */
	uint32_t max_files;        /* files inside one archive */
	uint32_t max_scantime_ms;  /* per file */
};
#define CD_SCAN_LIMITS_DEFAULT { 100u << 20, 400u << 20, 16, 10000, 120000 }

enum cd_scan_verdict {
	CD_SCAN_CLEAN,
	CD_SCAN_INFECTED,
	CD_SCAN_SKIPPED,           /* not a regular file, too large, excluded */
	CD_SCAN_ERROR,             /* unreadable, vanished, engine error */
};

struct cd_scan_result {
	enum cd_scan_verdict verdict;
	char signature[128];       /* INFECTED: the signature's name */
	char why[256];             /* SKIPPED, ERROR: a sentence */
	uint64_t size;             /* bytes of the file */
};

struct cd_scanner;

/* Load and compile the database at db (a file or a directory). */
int cd_scanner_open(struct cd_scanner **out, const char *db,
		    const struct cd_scan_limits *lim, struct cd_buf *err);
void cd_scanner_close(struct cd_scanner *s);
unsigned cd_scanner_signatures(struct cd_scanner *s);
/* Reload when the database changed since it was loaded: *reloaded tells.
 * On failure the engine in use stays. */
int cd_scanner_reload(struct cd_scanner *s, bool *reloaded, struct cd_buf *err);
/* Scan one file (thread-safe). */
void cd_scan_file(struct cd_scanner *s, const char *path, struct cd_scan_result *r);
/* The same for an open descriptor (fanotify hands one). */
void cd_scan_fd(struct cd_scanner *s, int fd, const char *name, struct cd_scan_result *r);
const char *cd_scan_verdict_name(enum cd_scan_verdict v);

#endif
