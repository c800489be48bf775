/* dtoa.h - a double as the shortest text that reads back as the same
 * double, in JSON's number syntax, by the Dragonbox algorithm as fmt
 * ships it (Debian's libfmt).
 *
 * Why not printf: "%.17g" took 450 ns a number here, and a query's
 * answer has up to millions of them (the 24 hours of 100 series at
 * 1-minute steps spent 65 of their 92 ms in it).  Google's
 * double-conversion (Grisu3) then took 1,150 instructions a number of
 * that answer, Dragonbox and the layout here 380, the same texts (20
 * million doubles of every kind compared).  Shortest is also what JSON
 * readers expect: 0.1, not 0.10000000000000001.
 *
 * The library is C++: dtoa.cc is the only C++ of cordon, a C function
 * over it, built without exceptions nor RTTI. */
#ifndef CD_DTOA_H
#define CD_DTOA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CD_DTOA_MAX 32             /* the longest text and its NUL */

/* v's text into out (CD_DTOA_MAX bytes at least), NUL-terminated: its
 * length.  1e-7, 0.000001, 123456, 1e+17 (a plain decimal from 1e-6 up
 * to 1e17, where every integer fits 64 bits); -0 is 0; NaN and the
 * infinities, which JSON has not, are null. */
size_t cd_dtoa(double v, char *out);

/* v in decimal into out (CD_DTOA_MAX bytes at least), NUL-terminated:
 * its length (the times of an answer, by the same digit writer). */
size_t cd_itoa(int64_t v, char *out);

#ifdef __cplusplus
}
#endif

#endif
