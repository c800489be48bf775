/* main.c - the unit test runner. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

struct test {
	const char *name;
	void (*fn)(void);
};

static struct test tests[512];
static size_t ntests;
jmp_buf test_jmp;

void test_register(const char *name, void (*fn)(void))
{
	if (ntests == sizeof(tests) / sizeof(tests[0])) {
		fprintf(stderr, "too many tests\n");
		abort();
	}
	tests[ntests++] = (struct test){ name, fn };
}

bool test_in_child;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fprintf(stdout, "\n");
	if (test_in_child) {
		fflush(stdout);
		_exit(1);
	}
	longjmp(test_jmp, 1);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct test *)a)->name, ((const struct test *)b)->name);
}

int main(int argc, char **argv)
{
	static int passed, failed, skipped;
	qsort(tests, ntests, sizeof(tests[0]), cmp);
	/* pg_*: against a PostgreSQL server that tests/unit/pg-run starts */
	bool pg = getenv("CD_TEST_PG") != NULL;
	for (size_t i = 0; i < ntests; i++) {
		bool want = argc < 2;
		for (int a = 1; a < argc; a++)
			want |= strstr(tests[i].name, argv[a]) != NULL;
		if (!want)
			continue;
		if (!pg && !strncmp(tests[i].name, "pg_", 3)) {
			skipped++;
			continue;
		}
		if (setjmp(test_jmp) == 0) {
			tests[i].fn();
			printf("ok   %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		}
		fflush(stdout);
	}
	if (skipped)
		printf("(%d tests need PostgreSQL: tests/unit/pg-run runs them)\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
