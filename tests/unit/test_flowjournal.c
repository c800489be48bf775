/* test_flowjournal.c - the flow watcher's journal: what was written after
 * a mark is replayed exactly, by a second mapping of the same memory
 * file (an agent after the one killed), a key's counts in one slot; a
 * mark of another ring replays
 * nothing; slots written over are counted lost; a slot out of range is
 * no slot. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/flowjournal.h"
#include "test.h"

struct seen {
	size_t counts, attempts;
	uint64_t connections, bytes;
	int64_t first_minute;
};

static void on_count(void *ctx, const struct cd_flowkey *k, const struct cd_flowcount *c)
{
	struct seen *s = ctx;
	if (!s->counts++)
		s->first_minute = k->minute;
	s->connections += c->connections;
	s->bytes += c->bytes_out + c->bytes_in;
}

static void on_attempt(void *ctx, int64_t minute, const struct cd_addr *src, const struct cd_addr *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport, uint32_t tell)
{
	(void)minute, (void)src, (void)dst, (void)proto, (void)sport, (void)dport, (void)tell;
	((struct seen *)ctx)->attempts++;
}

static struct cd_flowkey key(int64_t minute)
{
	struct cd_flowkey k = { .minute = minute, .proto = 6, .port = 8080, .rule = 10 };
	const char *why;
	cd_addr_parse("10.0.0.1", false, &k.src, &why);
	cd_addr_parse("10.0.0.2", false, &k.dst, &why);
	return k;
}

static struct seen replayed(int fd, const char *mark, struct cd_fjournal_replay *r, int want)
{
	struct seen s = { 0 };
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	struct cd_fjournal *j;
	ASSERT_EQ(cd_fjournal_open(&j, dup(fd), 0, &err), 0);
	*r = (struct cd_fjournal_replay){ on_count, on_attempt, &s, 0, 0, 0, false };
	ASSERT_EQ(cd_fjournal_replay(j, mark, r), want);
	cd_fjournal_close(j);
	cd_buf_free(&err);
	return s;
}

TEST(flowjournal_replays_after_mark)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	struct cd_fjournal *j;
	ASSERT_EQ(cd_fjournal_open(&j, -1, 64, &err), 0);
	struct cd_flowkey k = key(60000);
	struct cd_flowcount one = { 1, 0, 0, 0, 0 }, bytes = { 0, 100, 50, 2, 1 };
	for (int i = 0; i < 10; i++)
		cd_fjournal_count(j, &k, &one);
	char mark[CD_FJOURNAL_MARK];
	cd_fjournal_mark(j, mark);
	cd_fjournal_sent(j, mark);
	ASSERT_EQ(cd_fjournal_unsent(j), 0u);
	/* after the mark: 3 connections, one's bytes, an attempt */
	for (int i = 0; i < 3; i++)
		cd_fjournal_count(j, &k, &one);
	cd_fjournal_count(j, &k, &bytes);
	cd_fjournal_attempt(j, 60000, &k.src, &k.dst, 6, 40000, 5432, 7);
	/* a key's counts since the mark share a slot */
	ASSERT_EQ(cd_fjournal_unsent(j), 2u);
	struct cd_fjournal_replay r;
	struct seen s = replayed(cd_fjournal_fd(j), mark, &r, 0);
	ASSERT_EQ(s.counts, 1u);
	ASSERT_EQ(s.connections, 3u);
	ASSERT_EQ(s.bytes, 150u);
	ASSERT_EQ(s.attempts, 1u);
	ASSERT_EQ(r.lost, 0u);
	ASSERT_EQ(s.first_minute, 60000);
	/* no mark, on a ring a mark of which was sent: the queue was lost,
	 * nothing is counted again */
	s = replayed(cd_fjournal_fd(j), "", &r, 0);
	ASSERT_EQ(s.counts, 0u);
	ASSERT(r.other_ring);
	/* another ring's mark: nothing */
	s = replayed(cd_fjournal_fd(j), "00000000000000aa:3", &r, 0);
	ASSERT_EQ(s.counts, 0u);
	ASSERT(r.other_ring);
	/* no mark at all */
	s = replayed(cd_fjournal_fd(j), "12:x", &r, -EINVAL);
	cd_fjournal_close(j);
	cd_buf_free(&err);
}

TEST(flowjournal_counts_written_over_as_lost)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	struct cd_fjournal *j;
	ASSERT_EQ(cd_fjournal_open(&j, -1, 16, &err), 0);
	ASSERT_EQ(cd_fjournal_slots(j), 16u);
	struct cd_flowkey k = key(60000);
	struct cd_flowcount one = { 1, 0, 0, 0, 0 };
	char mark[CD_FJOURNAL_MARK];
	cd_fjournal_mark(j, mark);
	for (int i = 0; i < 20; i++) {
		k.port = (uint16_t)(1000 + i);   /* 20 keys, 20 slots */
		cd_fjournal_count(j, &k, &one);
	}
	struct cd_fjournal_replay r;
	struct seen s = replayed(cd_fjournal_fd(j), mark, &r, 0);
	ASSERT_EQ(s.connections, 16u);
	ASSERT_EQ(r.lost, 4u);
	/* no mark on a ring never marked (an agent killed before its first
	 * sending): everything it holds */
	s = replayed(cd_fjournal_fd(j), "", &r, 0);
	ASSERT_EQ(s.connections, 16u);
	/* a slot out of range (a verdict no enum has) is no slot */
	struct cd_flowkey bad = k;
	bad.verdict = (enum cd_flow_verdict)200;
	cd_fjournal_mark(j, mark);
	cd_fjournal_count(j, &bad, &one);
	cd_fjournal_count(j, &k, &one);
	s = replayed(cd_fjournal_fd(j), mark, &r, 0);
	ASSERT_EQ(s.connections, 1u);
	ASSERT_EQ(r.lost, 1u);
	/* a minute no minute is (a slot damaged) is no slot */
	struct cd_flowkey odd = key(60001);
	cd_fjournal_mark(j, mark);
	cd_fjournal_count(j, &odd, &one);
	s = replayed(cd_fjournal_fd(j), mark, &r, 0);
	ASSERT_EQ(s.counts, 0u);
	ASSERT_EQ(r.lost, 1u);
	/* a file that is no journal (nor sealed as one) */
	int fd = memfd_create("x", 0);
	ASSERT(fd >= 0);
	ASSERT_EQ(ftruncate(fd, 8192), 0);
	struct cd_fjournal *other;
	ASSERT_EQ(cd_fjournal_open(&other, fd, 0, &err), -EINVAL);
	close(fd);
	cd_fjournal_close(j);
	cd_buf_free(&err);
}
