/* test_queue.c - the durable event queue: survives reopen, cuts a torn
 * tail, acknowledges, compacts, and says when it fills. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/queue.h"
#include "test.h"

static char *tmpdir(void)
{
	char t[] = "/tmp/cordon-queue.XXXXXX";
	char *d = mkdtemp(t);
	return d ? cd_strdup(d) : NULL;
}

static void rmdir_all(const char *d)
{
	char *cmd = cd_asprintf("rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
	free(cmd);
}

static json_t *ev(int i)
{
	return json_pack("{s:s, s:s, s:i}", "type", "test", "message", "an event", "i", i);
}

TEST(queue_survives_reopen_and_acks)
{
	char *d = tmpdir();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_queue q;
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	for (int i = 0; i < 10; i++) {
		json_t *e = ev(i);
		ASSERT_EQ(cd_queue_push(&q, e), 0);
		json_decref(e);
	}
	ASSERT_EQ(cd_queue_ack(&q, 4), 0);
	cd_queue_close(&q);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 6u);
	json_t *a = cd_queue_peek(&q, 100);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(a, 0), "seq")), 5);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(a, 0), "i")), 4);
	json_decref(a);
	/* numbers go on after a reopen */
	json_t *e = ev(10);
	ASSERT_EQ(cd_queue_push(&q, e), 0);
	json_decref(e);
	ASSERT_EQ(q.v[q.n - 1].seq, 11);
	ASSERT_EQ(cd_queue_ack(&q, 11), 0);
	ASSERT_EQ(q.n, 0u);
	cd_queue_close(&q);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 0u);
	ASSERT_EQ(q.next_seq, 12);
	cd_queue_close(&q);
	cd_buf_free(&err);
	rmdir_all(d);
	free(d);
}

TEST(queue_cuts_a_torn_tail)
{
	char *d = tmpdir();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_queue q;
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	for (int i = 0; i < 3; i++) {
		json_t *e = ev(i);
		ASSERT_EQ(cd_queue_push(&q, e), 0);
		json_decref(e);
	}
	cd_queue_close(&q);
	/* a crash in the middle of the fourth record */
	char *p = cd_asprintf("%s/events.q", d);
	int fd = open(p, O_WRONLY | O_APPEND);
	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, "\x40\0\0\0\x01\x02\x03\x04{\"se", 13), 13);
	close(fd);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 3u);
	json_t *e = ev(3);
	ASSERT_EQ(cd_queue_push(&q, e), 0);
	json_decref(e);
	cd_queue_close(&q);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 4u);
	/* past any number the cut tail could have held (13 bytes: one) */
	ASSERT_EQ(q.v[3].seq, 5);
	cd_queue_close(&q);
	/* a flipped byte inside a record, anywhere in it (its length, its
	 * CRC, its text): that record alone is skipped and said, the others
	 * kept, and no number given again */
	char *text;
	size_t len;
	ASSERT_EQ(cd_read_file(p, 1 << 20, &text, &len), 0);
	size_t rec = len / 4;                 /* the four records are as long */
	for (size_t at = rec; at < 2 * rec; at += 7) {
		text[at] ^= 0x20;
		fd = open(p, O_WRONLY | O_TRUNC);
		ASSERT_EQ(write(fd, text, len), (ssize_t)len);
		close(fd);
		text[at] ^= 0x20;
		ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
		ASSERT_EQ(q.n, 3u);
		ASSERT(q.v[0].seq == 1 && q.v[1].seq == 3 && q.v[2].seq == 5);
		ASSERT_EQ(q.damaged_spans, 1u);
		ASSERT(q.damaged_bytes >= rec);
		ASSERT(q.next_seq > 4 + (int64_t)(rec / 10) - 1);
		cd_queue_close(&q);
		/* the file was rewritten without it */
		ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
		ASSERT(q.n == 3u && q.damaged_spans == 0);
		cd_queue_close(&q);
		fd = open(p, O_WRONLY | O_TRUNC);     /* the four again, for the next flip */
		ASSERT_EQ(write(fd, text, len), (ssize_t)len);
		close(fd);
	}
	free(text);
	free(p);
	cd_buf_free(&err);
	rmdir_all(d);
	free(d);
}

TEST(queue_full_says_so_and_counts)
{
	char *d = tmpdir();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_queue q;
	ASSERT_EQ(cd_queue_open(&q, d, 4096, &err), 0);
	int ok = 0, dropped = 0;
	for (int i = 0; i < 100; i++) {
		json_t *e = ev(i);
		int r = cd_queue_push(&q, e);
		json_decref(e);
		if (r == 0)
			ok++;
		else if (r == -ENOSPC)
			dropped++;
	}
	ASSERT(ok > 10 && dropped > 10);
	ASSERT_EQ(ok + dropped, 100);
	json_t *a = cd_queue_peek(&q, 1000);
	json_t *last = json_array_get(a, json_array_size(a) - 1);
	ASSERT_STR_EQ(json_string_value(json_object_get(last, "type")), "queue-full");
	json_decref(a);
	/* the manager takes them: the next event comes after a count */
	ASSERT_EQ(cd_queue_ack(&q, q.next_seq - 1), 0);
	json_t *e = ev(1000);
	ASSERT_EQ(cd_queue_push(&q, e), 0);
	json_decref(e);
	ASSERT_EQ(q.n, 2u);
	a = cd_queue_peek(&q, 10);
	json_t *n = json_array_get(a, 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(n, "type")), "queue-dropped");
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(n, "data"), "dropped")), dropped);
	json_decref(a);
	cd_queue_close(&q);
	/* compaction kept exactly the unacknowledged */
	ASSERT_EQ(cd_queue_open(&q, d, 4096, &err), 0);
	ASSERT_EQ(q.n, 2u);
	cd_queue_close(&q);
	cd_buf_free(&err);
	rmdir_all(d);
	free(d);
}

static int push_group(struct cd_queue *q, int first, size_t n, const char *mark)
{
	json_t *v[8];
	for (size_t i = 0; i < n; i++)
		v[i] = ev(first + (int)i);
	int r = cd_queue_push_group(q, v, n, mark);
	for (size_t i = 0; i < n; i++)
		json_decref(v[i]);
	return r;
}

/* A group goes in whole or not at all: one cut by a crash within its
 * write is dropped at open; one without room is dropped whole; the last mark
 * outlives its record (acknowledged, compacted). */
TEST(queue_groups_whole_and_mark_kept)
{
	char *d = tmpdir();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_queue q;
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(push_group(&q, 1, 3, "m1"), 0);
	ASSERT_EQ(cd_queue_ready(&q), 3u);
	ASSERT_STR_EQ(q.mark, "m1");
	json_t *a = cd_queue_peek(&q, 100);
	ASSERT(json_is_true(json_object_get(json_array_get(a, 0), "more")));
	ASSERT(!json_object_get(json_array_get(a, 2), "more"));
	ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(a, 2), "mark")), "m1");
	json_decref(a);
	/* a second group, its write cut after its first record (a crash) */
	size_t before = q.file_bytes;
	ASSERT_EQ(push_group(&q, 4, 3, "m2"), 0);
	ASSERT_EQ(cd_queue_ack(&q, 100), 0);     /* an ack past what is there */
	ASSERT_EQ(q.acked, 6);
	size_t first_len = q.v[0].len;
	cd_queue_close(&q);
	char *path = cd_asprintf("%s/events.q", d);
	ASSERT_EQ(truncate(path, (off_t)(before + 8 + first_len + 5)), 0);
	/* the ack file says 6 (all of it): made to say 3 again, as if the
	 * cut group had never been acknowledged */
	char *ack = cd_asprintf("%s/events.ack", d);
	ASSERT_EQ(cd_write_file(ack, "3\nm1\n", 5, 0600), 0);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 0u);                      /* its first record dropped with it */
	ASSERT_STR_EQ(q.mark, "m1");
	/* numbers are not given again */
	ASSERT_EQ(push_group(&q, 7, 2, "m3"), 0);
	ASSERT(q.v[0].seq >= 5);
	cd_queue_close(&q);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 2u);
	ASSERT_STR_EQ(q.mark, "m3");
	/* no room for a whole group: none of it goes in */
	struct cd_queue small;
	char *d2 = tmpdir();
	ASSERT_EQ(cd_queue_open(&small, d2, 1400, &err), 0);
	size_t n0 = small.n;
	ASSERT_EQ(push_group(&small, 1, 8, "big"), -ENOSPC);
	ASSERT_EQ(cd_queue_ready(&small), small.n);
	ASSERT(small.n <= n0 + 1);               /* the queue-full note alone */
	ASSERT_STR_EQ(small.mark, "");
	cd_queue_close(&small);
	/* acknowledged and compacted away: the mark is kept with the number */
	for (int i = 0; i < 60; i++)
		ASSERT_EQ(push_group(&q, 10 + i, 1, NULL), 0);
	ASSERT_EQ(cd_queue_ack(&q, q.v[q.n - 1].seq), 0);
	cd_queue_close(&q);
	ASSERT_EQ(cd_queue_open(&q, d, 1 << 20, &err), 0);
	ASSERT_EQ(q.n, 0u);
	ASSERT_STR_EQ(q.mark, "m3");
	cd_queue_close(&q);
	cd_buf_free(&err);
	free(path);
	free(ack);
	rmdir_all(d);
	rmdir_all(d2);
	free(d);
	free(d2);
}
