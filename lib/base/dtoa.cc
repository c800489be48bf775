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

/* v (below 10^8) as exactly 8 digits at p. */
static void eight(uint32_t v, char *p)
{
	for (int i = 6; i >= 0; i -= 2) {
		memcpy(p + i, &pairs[2 * (v % 100)], 2);
		v /= 100;
	}
}

/* v's decimal digits (1 to 20) into d (24 bytes): how many. */
static int digits_of(uint64_t v, char *d)
{
	char tmp[48], *p = tmp + 24;       /* written back from 24: 24 to copy after */
	while (v >= 100000000) {           /* 8 at a time in 32 bits */
		p -= 8;
		eight((uint32_t)(v % 100000000), p);
		v /= 100000000;
	}
	uint32_t w = (uint32_t)v;
	while (w >= 100) {
		p -= 2;
		memcpy(p, &pairs[2 * (w % 100)], 2);
		w /= 100;
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, &pairs[2 * w], 2);
	} else {
		*--p = (char)('0' + w);
	}
	int n = (int)(tmp + 24 - p);
	memcpy(d, p, 24);                  /* (a fixed size: no call) */
	return n;
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
