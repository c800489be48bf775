/* test_varint.c - LEB128 integers and zigzag (base/varint.h): known
 * bytes, every length both ways, and input that runs out or past 64 bits
 * refused without reading past its end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"
#include "test.h"

TEST(varint_known_bytes_and_lengths)
{
	static const struct { uint64_t v; uint8_t b[CD_VARINT_MAX]; size_t n; } cases[] = {
		{ 0, { 0 }, 1 }, { 1, { 1 }, 1 }, { 127, { 0x7f }, 1 }, { 128, { 0x80, 1 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 }, { 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 1 }, 3 },
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1 }, 10 },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(cases); i++) {
		uint8_t o[CD_VARINT_MAX];
		ASSERT_EQ(cd_varint_put(o, cases[i].v), cases[i].n);
		ASSERT(memcmp(o, cases[i].b, cases[i].n) == 0);
		const uint8_t *p = cases[i].b;
		uint64_t v;
		ASSERT(cd_varint_get(&p, cases[i].b + cases[i].n, &v));
		ASSERT(v == cases[i].v);
		ASSERT(p == cases[i].b + cases[i].n);
	}
	/* each power of two and its neighbours, back to back in one buffer */
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	for (int s = 0; s < 64; s++)
		for (int d = -1; d <= 1; d++)
			ASSERT_EQ(cd_varint_add(&b, (UINT64_C(1) << s) + (uint64_t)d), 0);
	const uint8_t *p = (const uint8_t *)b.data, *end = p + b.len;
	for (int s = 0; s < 64; s++)
		for (int d = -1; d <= 1; d++) {
			uint64_t v;
			ASSERT(cd_varint_get(&p, end, &v));
			ASSERT(v == (UINT64_C(1) << s) + (uint64_t)d);
		}
	ASSERT(p == end);
	cd_buf_free(&b);
	/* a buffer's limit is an error, not a reallocation; room made at
	 * once within it, not past it */
	cd_buf_init(&b, 3);
	ASSERT_EQ(cd_buf_reserve(&b, 3), 0);
	ASSERT(b.cap >= 4 && b.len == 0 && !b.full);
	ASSERT_EQ(cd_varint_add(&b, 1 << 14), 0);
	ASSERT(cd_varint_add(&b, 1) < 0);
	ASSERT(b.full);
	cd_buf_free(&b);
	cd_buf_init(&b, 3);
	ASSERT(cd_buf_reserve(&b, 4) < 0);
	cd_buf_free(&b);
}

TEST(varint_refuses_short_and_overlong)
{
	uint8_t o[CD_VARINT_MAX];
	size_t n = cd_varint_put(o, UINT64_MAX);
	/* cut anywhere: refused, the pointer not past the end */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *heap = malloc(cut ? cut : 1);  /* exact size: ASan sees a read past it */
		memcpy(heap, o, cut);
		const uint8_t *p = heap;
		uint64_t v;
		ASSERT(!cd_varint_get(&p, heap + cut, &v));
		ASSERT(p <= heap + cut);
		free(heap);
	}
	/* a 10th byte above 1 would need 65 bits; an 11th byte, more */
	uint8_t big[11] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2 };
	const uint8_t *p = big;
	uint64_t v;
	ASSERT(!cd_varint_get(&p, big + 10, &v));
	big[9] = 0x81;
	p = big;
	ASSERT(!cd_varint_get(&p, big + 11, &v));
}

TEST(varint_zigzag)
{
	static const struct { int64_t d; uint64_t z; } cases[] = {
		{ 0, 0 }, { -1, 1 }, { 1, 2 }, { -2, 3 }, { 2, 4 },
		{ INT64_MAX, UINT64_MAX - 1 }, { INT64_MIN, UINT64_MAX },
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(cases); i++) {
		ASSERT(cd_zigzag(cases[i].d) == cases[i].z);
		ASSERT(cd_unzigzag(cases[i].z) == cases[i].d);
	}
}
