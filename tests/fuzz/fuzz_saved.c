/* fuzz_saved.c - an enforcing agent reading back the state it saved
 * (DIR/snapshot.json and DIR/journal.jsonl after a bad sector, a flipped
 * bit, a torn write).  Input: the snapshot's bytes, a NUL, the journal's.
 * Properties: no crash, leak or read out of bounds; a snapshot taken up
 * makes a world; the journal's changes kept are in order, after the
 * snapshot's number, each of a workload of that world; read again, the
 * same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/saved.h"
#include "fuzzdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int made;
	const char *dir = fuzz_dir("fuzzsaved", &made);
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	char snap[128], jour[128];
	snprintf(snap, sizeof(snap), "%s/snapshot.json", dir);
	snprintf(jour, sizeof(jour), "%s/journal.jsonl", dir);
	if (cd_write_file(snap, (const char *)data, n1, 0600) < 0)
		abort();
	unlink(jour);
	if (nul && cd_write_file(jour, (const char *)nul + 1, size - n1 - 1, 0600) < 0)
		abort();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_saved s, t;
	int r = cd_saved_read(dir, &s, &err);
	if (r == 1) {
		if (!s.st || !s.policy || !s.inventory || s.seq < 0 || s.rev < 0)
			abort();
		int64_t last = s.seq;
		size_t i;
		json_t *c;
		json_array_foreach(s.changes, i, c) {
			int64_t seq = json_integer_value(json_object_get(c, "seq"));
			const char *w = json_string_value(json_object_get(c, "workload"));
			if (seq <= last || !w || cd_inventory_find(&s.st->inv, w) < 0)
				abort();
			last = seq;
		}
	} else if (r != 0) {
		abort();
	}
	cd_buf_reset(&err);
	if (cd_saved_read(dir, &t, &err) != r ||
	    (r == 1 && (t.seq != s.seq || t.damaged != s.damaged ||
			!json_equal(t.changes, s.changes))))
		abort();
	if (r == 1) {
		cd_saved_free(&s);
		cd_saved_free(&t);
	}
	cd_buf_free(&err);
	return 0;
}
