/* dtoa.cc - cd_dtoa over double-conversion (see dtoa.h). */
#include "base/dtoa.h"

#include <double-conversion/double-to-string.h>
#include <string.h>

using double_conversion::DoubleToStringConverter;
using double_conversion::StringBuilder;

/* ECMAScript's rules (-0 as 0, an exponent with its sign), but a plain
 * decimal only from 1e-6 to 1e17: a larger integer in plain digits would
 * not fit a reader's 64-bit integer (jansson's fails on it) */
static const DoubleToStringConverter conv(DoubleToStringConverter::UNIQUE_ZERO |
					  DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN,
					  "null", "null", 'e', -6, 17, 0, 0);

size_t cd_dtoa(double v, char *out)
{
	if (v != v || v - v != 0) {        /* NaN, or an infinity */
		memcpy(out, "null", 5);
		return 4;
	}
	StringBuilder b(out, CD_DTOA_MAX);
	conv.ToShortest(v, &b);
	size_t n = (size_t)b.position();
	b.Finalize();
	return n;
}
