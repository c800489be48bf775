/* test.h - a small unit test harness in the manner of libuv's.
 *
 * TEST(name) { ... } defines and registers a test; ASSERT* macros print
 * the location and both values, then end the test as failed.  The runner
 * (main.c) runs every test, or those named on its command line, and ends
 * with the line "N passed, N failed". */
#ifndef CD_TEST_H
#define CD_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void test_register(const char *name, void (*fn)(void));
extern jmp_buf test_jmp;
/* set in a test's forked child: a failed check ends the child (exit 1) */
extern bool test_in_child;
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* A test's volume n, or a tenth of it (at least 1) when CD_TEST_LIGHT is
 * set: valgrind's run (tests/valgrind) looks for memory errors, which the
 * same code shows at any volume; the native and ASan runs check the
 * logic at full volume. */
int test_volume(int n);

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                   \
		test_register(#name, test_##name);                          \
	}                                                                   \
	static void test_##name(void)

#define ASSERT(c)                                                           \
	do {                                                                \
		if (!(c))                                                   \
			test_fail(__FILE__, __LINE__, "assertion failed: %s", #c); \
	} while (0)

#define ASSERT_EQ(a, b)                                                     \
	do {                                                                \
		long long a_ = (long long)(a), b_ = (long long)(b);         \
		if (a_ != b_)                                               \
			test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
				  #a, #b, a_, b_);                          \
	} while (0)

#define ASSERT_STR_EQ(a, b)                                                 \
	do {                                                                \
		const char *a_ = (a), *b_ = (b);                            \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                      \
			test_fail(__FILE__, __LINE__, "%s == %s:\n  \"%s\"\n  \"%s\"", \
				  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define ASSERT_CONTAINS(hay, needle)                                        \
	do {                                                                \
		const char *h_ = (hay), *n_ = (needle);                     \
		if (!h_ || !strstr(h_, n_))                                 \
			test_fail(__FILE__, __LINE__, "%s does not contain \"%s\":\n%s", \
				  #hay, n_, h_ ? h_ : "(null)");            \
	} while (0)

#endif
