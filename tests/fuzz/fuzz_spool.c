/* fuzz_spool.c - a host agent's spool as it takes up a damaged file
 * (DIR/T-N.json after a bad sector, a truncated write, a hostile local
 * user's edit).  Input: the file's bytes.  Properties: no crash, leak or
 * read out of bounds; what is sent is an array, or nothing; a file that
 * is not one is dropped and counted, never sent, and the spool empties. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzzdir.h"
#include "collect/spool.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int made;
	const char *dir = fuzz_dir("fuzzspool", &made);
	char path[128];
	snprintf(path, sizeof(path), "%s/1764547200000-3.json", dir);
	if (cd_write_file(path, (const char *)data, size, 0600) < 0)
		abort();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_spool s;
	if (cd_spool_open(&s, dir, 1 << 20, &err) < 0)
		abort();
	size_t nfiles, rounds = 0;
	json_t *a;
	while ((a = cd_spool_peek(&s, 1000, 1 << 20, &nfiles))) {
		if (!json_is_array(a) || nfiles != 1 || ++rounds > 1)
			abort();
		json_decref(a);
		cd_spool_ack(&s, nfiles);
	}
	if (s.nv != 0)
		abort();
	cd_spool_close(&s);
	cd_buf_free(&err);
	unlink(path);
	return 0;
}
