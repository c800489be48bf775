/* scanjob.h - an on-demand or scheduled scan of directory trees, on every
 * core.
 *
 * The trees are walked first (nftw, never following a symbolic link,
 * skipping the excluded paths and everything under them), so the job
 * knows the files and bytes ahead and can say how far along it is and how
 * long it has left.  Then `threads` workers take the files in turn and
 * scan them with one shared scanner.  A full scan takes every file; a
 * quick scan only those modified or changed (mtime or ctime: touch can set
 * the first back, not the second) after `since`. */
#ifndef CD_SCANJOB_H
#define CD_SCANJOB_H

#include <stdatomic.h>
#include <stdint.h>

#include "scan.h"

struct cd_scan_progress {
	uint64_t files_total, bytes_total;
	uint64_t files_done, bytes_done;
	uint64_t infected, skipped, errors;
	double elapsed_s;
};

struct cd_scanjob {
	const char *const *paths;
	size_t npaths;
	const char *const *exclude;   /* path prefixes */
	size_t nexclude;
	int threads;                  /* 0: every core */
	int64_t since;                /* quick scans: mtime cutoff (s), 0: all */
	/* called for every file not clean (and, with all_results, clean
	 * ones too), one call at a time */
	void (*on_result)(void *ctx, const char *path, const struct cd_scan_result *r);
	/* called about every progress_ms, and at the end */
	void (*on_progress)(void *ctx, const struct cd_scan_progress *p);
	int progress_ms;
	bool all_results;
	void *ctx;
	atomic_bool *stop;            /* or NULL; true: end soon, unfinished */
};

/* Run the job to its end; *out gets the final figures.  -ECANCELED when
 * *stop was set before it ended (the figures then cover what was done). */
int cd_scanjob_run(struct cd_scanner *s, const struct cd_scanjob *j,
		   struct cd_scan_progress *out);

#endif
