/* fuzz_flowjournal.c - the flow journal as a new agent finds it (a memory
 * file the keeper held: agent/flowjournal.h), and the keeper's answer to
 * a claim (agent/flowkeep.h).
 * Input: 1 byte of ring size, 1 byte choosing the mark, then the file's
 * bytes (its header's magic and size set right: the rest as it comes).
 * Properties: no crash or read out of bounds; every key replayed has a
 * verdict and an end the contract names; counts replayed are at most
 * the ring's slots; a second replay from the same mark gives the
 * same; the hello parser takes only what the keeper sends. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/flowjournal.h"
#include "agent/flowkeep.h"

static void on_count(void *ctx, const struct cd_flowkey *k, const struct cd_flowcount *c)
{
	(void)c;
	if (k->verdict > CD_FV_WOULD_REJECT || k->seen > CD_SEEN_BOTH ||
	    (k->src.family != 4 && k->src.family != 6))
		abort();
	(*(size_t *)ctx)++;
}

static void on_attempt(void *ctx, int64_t minute, const struct cd_addr *src, const struct cd_addr *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport, uint32_t tell)
{
	(void)ctx, (void)minute, (void)src, (void)dst, (void)proto, (void)sport, (void)dport, (void)tell;
}

static size_t replay(int fd, const char *mark, size_t *lost)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	struct cd_fjournal *j;
	size_t n = 0;
	if (cd_fjournal_open(&j, dup(fd), 0, &err) < 0)
		abort();
	struct cd_fjournal_replay r = { on_count, on_attempt, &n, 0, 0, 0, false };
	if (cd_fjournal_replay(j, mark, &r) == 0 && (r.counts != n || n > cd_fjournal_slots(j)))
		abort();
	*lost = r.lost;
	cd_fjournal_close(j);
	cd_buf_free(&err);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* the keeper's answer */
	unsigned mask;
	int h = cd_flowkeep_hello((const char *)data + 2, size - 2, data[1] % 4, &mask);
	if (h == 0 && (mask > 7 || !(mask & 4)))
		abort();
	/* a ring of 1 to 64 slots, made, then written over by the input */
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	struct cd_fjournal *j;
	if (cd_fjournal_open(&j, -1, (size_t)data[0] % 64 + 1, &err) < 0)
		abort();
	int fd = dup(cd_fjournal_fd(j));
	char mark[CD_FJOURNAL_MARK];
	cd_fjournal_mark(j, mark);
	cd_fjournal_close(j);
	size_t len = (size_t)lseek(fd, 0, SEEK_END), keep = 32;   /* magic, epoch, slots, slot size */
	if (size - 2 > keep && pwrite(fd, data + 2 + keep, size - 2 - keep < len - keep ? size - 2 - keep : len - keep,
				      (off_t)keep) < 0)
		abort();
	const char *marks[] = { "", mark, "0000000000000001:5", "zz" };
	const char *m = marks[data[1] % 4];
	size_t lost1, lost2;
	size_t a = replay(fd, m, &lost1), b = replay(fd, m, &lost2);
	if (a != b || lost1 != lost2)
		abort();
	close(fd);
	cd_buf_free(&err);
	return 0;
}
