/* test_wal.c - the bytes of the samples a metrics store writes ahead
 * (metrics/wal.h): known bytes, a batch decoded in order, a batch cut
 * short ending at its last whole entry, and a batch split a part per
 * group in the parts' order, each part in the batch's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/wal.h"
#include "test.h"

struct seen {
	int64_t id[16], t[16];
	double v[16];
	size_t n;
};

static void take(void *arg, int64_t id, int64_t t, double v)
{
	struct seen *s = arg;
	if (s->n < 16) {
		s->id[s->n] = id;
		s->t[s->n] = t;
		s->v[s->n++] = v;
	}
}

TEST(wal_known_bytes_and_a_cut_batch)
{
	uint8_t e[CD_WAL_ENTRY_MAX];
	ASSERT_EQ(cd_wal_put(e, 300, 0x0102030405060708LL, 1.0), 18);
	static const uint8_t want[18] = { 0xac, 0x02, 8, 7, 6, 5, 4, 3, 2, 1,
					  0, 0, 0, 0, 0, 0, 0xf0, 0x3f };
	ASSERT(memcmp(e, want, sizeof(want)) == 0);
	uint8_t batch[3 * CD_WAL_ENTRY_MAX];
	size_t len = 0;
	for (int i = 0; i < 3; i++)
		len += cd_wal_put(batch + len, (uint64_t)(i + 1), 1000 * (i + 1), i - 0.5);
	struct seen s = { 0 };
	cd_wal_each(batch, len, take, &s);
	ASSERT_EQ(s.n, 3);
	ASSERT(s.id[2] == 3 && s.t[2] == 3000 && s.v[2] == 1.5);
	ASSERT_EQ(cd_wal_count(batch, len), 3);
	/* cut anywhere inside the last entry: the two before it */
	for (size_t cut = len - 17; cut < len; cut++)
		ASSERT_EQ(cd_wal_count(batch, cut), 2);
	ASSERT_EQ(cd_wal_count(NULL, 0), 0);
}

static size_t part_of(void *arg, uint64_t id)
{
	(void)arg;
	return id == 9 ? SIZE_MAX : (size_t)(id % 2);
}

struct parts {
	size_t part[4], n;
	int64_t t0[4], ids[4][8];
	size_t nids[4];
};

static int emit(void *arg, size_t part, int64_t t0, const void *data, size_t len)
{
	struct parts *p = arg;
	if (p->n == 4)
		return -E2BIG;
	struct seen s = { 0 };
	cd_wal_each(data, len, take, &s);
	p->part[p->n] = part;
	p->t0[p->n] = t0;
	for (size_t i = 0; i < s.n && i < 8; i++)
		p->ids[p->n][i] = s.id[i];
	p->nids[p->n++] = s.n;
	return 0;
}

TEST(wal_split_a_part_a_group_in_order)
{
	/* ids 1 2 3 4 9 5 at times 60 50 40 30 20 10: parts odd (1) and even
	 * (0); 9 in none */
	static const uint64_t ids[] = { 1, 2, 3, 4, 9, 5 };
	uint8_t batch[6 * CD_WAL_ENTRY_MAX];
	size_t len = 0;
	for (int i = 0; i < 6; i++)
		len += cd_wal_put(batch + len, ids[i], 60 - 10 * i, i);
	struct parts p = { 0 };
	ASSERT_EQ(cd_wal_split(batch, len, part_of, emit, &p), 0);
	ASSERT_EQ(p.n, 2);
	ASSERT(p.part[0] == 0 && p.nids[0] == 2 && p.ids[0][0] == 2 && p.ids[0][1] == 4);
	ASSERT(p.t0[0] == 30);
	ASSERT(p.part[1] == 1 && p.nids[1] == 3 && p.ids[1][0] == 1 && p.ids[1][1] == 3 &&
	       p.ids[1][2] == 5);
	ASSERT(p.t0[1] == 10);
	ASSERT_EQ(cd_wal_split(NULL, 0, part_of, emit, &p), 0);
	ASSERT_EQ(p.n, 2);
	/* a batch of samples in no part: nothing emitted */
	size_t only9 = cd_wal_put(batch, 9, 1, 1);
	ASSERT_EQ(cd_wal_split(batch, only9, part_of, emit, &p), 0);
	ASSERT_EQ(p.n, 2);
	len = 0;
	for (int i = 0; i < 6; i++)
		len += cd_wal_put(batch + len, ids[i], 60 - 10 * i, i);
	/* emit's failure ends the split, and is its result */
	p.n = 4;
	ASSERT_EQ(cd_wal_split(batch, len, part_of, emit, &p), -E2BIG);
}
