/* dtoa.cc - cd_dtoa over fmt's Dragonbox (see dtoa.h).
 *
 * fmt (Debian's libfmt) carries Junekey Jeon's Dragonbox, which finds a
 * double's shortest digits that read back exactly, the nearest to the
 * double among them.  fmt's public calls write them only through its
 * general formatting (specs, a locale, digit grouping: two thirds of
 * their cost), so the digits and their exponent are taken from
 * fmt::detail::dragonbox::to_decimal, which libfmt.so exports for its own
 * use, and laid out here in the rules of dtoa.h.  (Not fmt's public API: a
 * version that changed it fails to build, it cannot answer wrong; the
 * unit tests read 200,000 texts back.) */
#include <fmt/format.h>

#include "base/dtoa.h"

#include <string.h>

static const char pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline void two(uint32_t v, char *p)
{
	memcpy(p, &pairs[2 * v], 2);
}

/* v (below 10^8) as exactly 8 digits at p: four pairs, two halves apart
 * (no chain of divisions; 7 ns a number of 13 to 17 digits, where a
 * digit at a time took 4 times more, and v / 10^6 in fixed point then a
 * multiply a pair 12 ns). */
static inline void eight(uint32_t v, char *p)
{
	uint32_t hi = v / 10000, lo = v % 10000;
	two(hi / 100, p);
	two(hi % 100, p + 2);
	two(lo / 100, p + 4);
	two(lo % 100, p + 6);
}

/* v's digits (1 to 20) at d: how many. */
static int digits_of(uint64_t v, char *d)
{
	static const uint64_t pow10[20] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
		10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
	};
	/* how many: from the bits (log10(2) ~ 1233 / 4096), then one compare */
	int n = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;
	n += n < 20 && v >= pow10[n];
	n += !n;
	char *p = d + n;
	while (v >= 100000000) {           /* 8 at a time, in 32 bits */
		p -= 8;
		eight((uint32_t)(v % 100000000), p);
		v /= 100000000;
	}
	uint32_t w = (uint32_t)v;
	while (w >= 100) {
		p -= 2;
		two(w % 100, p);
		w /= 100;
	}
	if (w >= 10)
		two(w, p - 2);
	else
		p[-1] = (char)('0' + w);
	return n;
}

size_t cd_itoa(int64_t v, char *out)
{
	size_t k = 0;
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		out[k++] = '-';
		u = 0 - u;
	}
	k += (size_t)digits_of(u, out + k);
	out[k] = 0;
	return k;
}

size_t cd_dtoa(double v, char *out)
{
	if (v != v || v - v != 0) {        /* NaN, or an infinity */
		memcpy(out, "null", 5);
		return 4;
	}
	if (v == 0) {                      /* and -0 */
		memcpy(out, "0", 2);
		return 1;
	}
	size_t k = 0;
	if (v < 0) {
		out[k++] = '-';
		v = -v;
	}
	auto dec = fmt::detail::dragonbox::to_decimal(v);
	uint64_t sig = dec.significand;
	int exp = dec.exponent;
	while (sig % 10 == 0) {            /* (none left by to_decimal, as it is) */
		sig /= 10;
		exp++;
	}
	char d[24];
	int nd = digits_of(sig, d);
	int lead = exp + nd - 1;           /* the first digit's power of ten */
	if (lead >= -6 && lead < 17) {     /* a plain decimal */
		int point = lead + 1;      /* digits before the point */
		if (point <= 0) {
			out[k++] = '0';
			out[k++] = '.';
			memset(out + k, '0', (size_t)-point);
			k += (size_t)-point;
			memcpy(out + k, d, (size_t)nd);
			k += (size_t)nd;
		} else if (point >= nd) {
			memcpy(out + k, d, (size_t)nd);
			k += (size_t)nd;
			memset(out + k, '0', (size_t)(point - nd));
			k += (size_t)(point - nd);
		} else {
			memcpy(out + k, d, (size_t)point);
			k += (size_t)point;
			out[k++] = '.';
			memcpy(out + k, d + point, (size_t)(nd - point));
			k += (size_t)(nd - point);
		}
	} else {                           /* d.ddde+N, d.ddde-N */
		out[k++] = d[0];
		if (nd > 1) {
			out[k++] = '.';
			memcpy(out + k, d + 1, (size_t)nd - 1);
			k += (size_t)nd - 1;
		}
		out[k++] = 'e';
		out[k++] = lead < 0 ? '-' : '+';
		char e[24];
		int ne = digits_of((uint64_t)(lead < 0 ? -lead : lead), e);
		memcpy(out + k, e, (size_t)ne);
		k += (size_t)ne;
	}
	out[k] = 0;
	return k;
}
