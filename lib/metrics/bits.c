/* bits.c - the bit writer (see bits.h; the reader is inline there). */
#include "metrics/bits.h"

void cd_bitw_put(struct cd_bitw *w, uint64_t v, int n)
{
	if (n <= 0 || w->err)
		return;
	if (n < 64)
		v &= (UINT64_C(1) << n) - 1;
	while (n > 0) {
		int take = n < 64 - w->nacc ? n : 64 - w->nacc;
		uint64_t part = take == 64 ? v : (v >> (n - take)) & ((UINT64_C(1) << take) - 1);
		w->acc = take == 64 ? part : (w->acc << take) | part;
		w->nacc += take;
		n -= take;
		if (w->nacc == 64) {
			uint8_t o[8];
			for (int i = 0; i < 8; i++)
				o[i] = (uint8_t)(w->acc >> (56 - 8 * i));
			w->err = cd_buf_add(w->b, o, 8);
			w->acc = 0;
			w->nacc = 0;
			if (w->err)
				return;
		}
	}
}

int cd_bitw_end(struct cd_bitw *w)
{
	if (w->nacc && !w->err) {
		uint8_t o[8];
		uint64_t a = w->acc << (64 - w->nacc);
		int n = (w->nacc + 7) / 8;
		for (int i = 0; i < n; i++)
			o[i] = (uint8_t)(a >> (56 - 8 * i));
		w->err = cd_buf_add(w->b, o, (size_t)n);
	}
	w->acc = 0;
	w->nacc = 0;
	return w->err;
}
