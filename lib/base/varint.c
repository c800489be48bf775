/* varint.c - LEB128 integers (see varint.h). */
#include "base/varint.h"

size_t cd_varint_put(uint8_t out[CD_VARINT_MAX], uint64_t v)
{
	size_t k = 0;
	while (v >= 0x80) {
		out[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[k++] = (uint8_t)v;
	return k;
}

int cd_varint_add(struct cd_buf *b, uint64_t v)
{
	uint8_t o[CD_VARINT_MAX];
	return cd_buf_add(b, o, cd_varint_put(o, v));
}

bool cd_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (q == end)
			break;
		uint8_t c = *q++;
		if (shift == 63 && c > 1)
			break;             /* past 64 bits */
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			*p = q;
			return true;
		}
	}
	*p = q;
	return false;
}
