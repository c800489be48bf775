/* fuzz_queue.c - the agent's event queue as it opens a damaged file
 * (DIR/events.q after a bad sector, a flipped bit, a torn write).
 * Input: the file's bytes.  Properties: no crash, leak or read out of
 * bounds; every number kept is below the next number given; no group is
 * left cut at the end; opened again, the file (rewritten when damaged)
 * gives the same records and no damage. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/queue.h"
#include "fuzzdir.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int made;
	const char *dir = fuzz_dir("fuzzq", &made);
	char path[128];
	snprintf(path, sizeof(path), "%s/events.q", dir);
	if (cd_write_file(path, (const char *)data, size, 0600) < 0)
		abort();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_queue q;
	if (cd_queue_open(&q, dir, 1 << 20, &err) < 0)
		abort();
	for (size_t i = 0; i < q.n; i++)
		if (q.v[i].seq >= q.next_seq)
			abort();
	/* a group cut at the end is dropped whole */
	if (cd_queue_ready(&q) != q.n)
		abort();
	size_t n = q.n;
	int64_t next = q.next_seq, first = n ? q.v[0].seq : 0;
	cd_queue_close(&q);
	if (cd_queue_open(&q, dir, 1 << 20, &err) < 0 || q.n != n || q.damaged_spans ||
	    (n && q.v[0].seq != first) || q.next_seq > next)
		abort();
	cd_queue_close(&q);
	cd_buf_free(&err);
	unlink(path);
	return 0;
}
