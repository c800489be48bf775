/* test_dtoa.c - doubles as their shortest text (base/dtoa.h). */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dtoa.h"
#include "base/util.h"
#include "test.h"

TEST(dtoa_shortest_json_numbers)
{
	static const struct { double v; const char *text; } cases[] = {
		{ 0, "0" }, { -0.0, "0" }, { 1, "1" }, { -1.5, "-1.5" }, { 0.1, "0.1" },
		{ 0.3, "0.3" }, { 0.1 + 0.2, "0.30000000000000004" }, { 123456, "123456" },
		{ 0.000001, "0.000001" }, { 0.0000001, "1e-7" }, { 1e21, "1e+21" },
		{ 1e17, "1e+17" }, { 99999999999999984, "99999999999999980" },
		{ 123456789012345680.0, "1.2345678901234568e+17" },
		{ 29319168, "29319168" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 5e-324, "5e-324" }, { 1.0 / 3, "0.3333333333333333" },
		/* the plain range's edges, either sign, the exponent unpadded
		 * (the texts double-conversion gave: the same, by Dragonbox) */
		{ 1e16, "10000000000000000" }, { -1.5e-7, "-1.5e-7" }, { 123e300, "1.23e+302" },
		{ 0.00001234, "0.00001234" }, { 1.5e-6, "0.0000015" }, { -123456.789, "-123456.789" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	};
	char b[CD_DTOA_MAX];
	for (size_t i = 0; i < CD_ARRAY_LEN(cases); i++) {
		ASSERT_EQ(cd_dtoa(cases[i].v, b), strlen(cases[i].text));
		ASSERT_STR_EQ(b, cases[i].text);
	}
	ASSERT_EQ(cd_dtoa(NAN, b), 4);
	ASSERT_STR_EQ(b, "null");
	ASSERT_EQ(cd_dtoa(-INFINITY, b), 4);
	ASSERT_STR_EQ(b, "null");
}

/* Random bit patterns (every finite double alike, subnormals and all):
 * each text reads back as the very same double, by strtod and by a JSON
 * reader, and fits. */
TEST(dtoa_reads_back_exactly)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	int n = test_volume(200000);
	for (int i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		char b[CD_DTOA_MAX];
		size_t len = cd_dtoa(v, b);
		ASSERT(len > 0 && len < CD_DTOA_MAX && strlen(b) == len);
		double back = strtod(b, NULL);
		ASSERT(back == v || (v == 0 && back == 0));
		json_error_t e;
		json_t *j = json_loads(b, JSON_DECODE_ANY, &e);
		ASSERT(j && json_is_number(j));
		ASSERT(json_number_value(j) == v);
		json_decref(j);
	}
}

/* Whole numbers (an answer's times) by the same digit writer: every
 * length, either sign, the extremes. */
TEST(dtoa_whole_numbers)
{
	char b[CD_DTOA_MAX], want[32];
	int64_t v = 1;
	for (int len = 1; len <= 19; len++) {
		int64_t cases[4] = { v, v - 1, -v, v / 10 * 9 + 7 };
		for (int k = 0; k < 4; k++) {
			snprintf(want, sizeof(want), "%lld", (long long)cases[k]);
			ASSERT_EQ(cd_itoa(cases[k], b), strlen(want));
			ASSERT_STR_EQ(b, want);
		}
		if (len < 19)
			v *= 10;
	}
	ASSERT_EQ(cd_itoa(INT64_MAX, b), 19);
	ASSERT_STR_EQ(b, "9223372036854775807");
	ASSERT_EQ(cd_itoa(INT64_MIN, b), 20);
	ASSERT_STR_EQ(b, "-9223372036854775808");
	ASSERT_EQ(cd_itoa(1796428800000, b), 13);
	ASSERT_STR_EQ(b, "1796428800000");
}
