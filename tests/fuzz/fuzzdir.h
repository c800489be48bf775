/* fuzzdir.h - a directory of the fuzzer's own under /tmp, made at its
 * first input and removed at exit, for the harnesses that load files
 * (fuzz_queue, fuzz_spool, fuzz_wal).  Included by one harness each. */
#ifndef CD_FUZZDIR_H
#define CD_FUZZDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fuzz_dir_path[64];

static void fuzz_dir_rm(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir_path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fuzz_dir_path);
}

/* The directory (made on the first call: *made set then). */
static const char *fuzz_dir(const char *name, int *made)
{
	*made = 0;
	if (!fuzz_dir_path[0]) {
		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "/tmp/cordon-%s.XXXXXX", name);
		atexit(fuzz_dir_rm);
		if (!mkdtemp(fuzz_dir_path))
			abort();
		*made = 1;
	}
	return fuzz_dir_path;
}

#endif
