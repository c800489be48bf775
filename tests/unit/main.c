/* main.c - the unit test runner.  Each test runs in a process of its own,
 * as libuv's runner does: a failed check, a crash or a leak is that
 * test's alone (its store, locks and connections go with its process),
 * and one that hangs is ended after CD_TEST_TIMEOUT seconds (300). */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/flowkeep.h"
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

int test_volume(int n)
{
	return getenv("CD_TEST_LIGHT") && n >= 10 ? n / 10 : n;
}

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

/* Run test t in a child: 0 when it passed, else 1 (with why printed). */
static int run_one(const struct test *t, int timeout_s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (setjmp(test_jmp) == 0) {
			t->fn();
			fflush(stdout);
			exit(0);           /* exit, not _exit: the leak checkers look now */
		}
		fflush(stdout);
		_exit(1);                  /* failed: what it leaks is no news */
	}
	struct timespec nap = { 0, 5000000 }, t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int status;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0) {
			perror("waitpid");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= timeout_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("    timed out after %d s\n", timeout_s);
			return 1;
		}
		nanosleep(&nap, NULL);
	}
	if (WIFSIGNALED(status)) {
		printf("    killed by signal %d\n", WTERMSIG(status));
		return 1;
	}
	if (WEXITSTATUS(status) > 1)
		printf("    exited %d (a sanitizer's or valgrind's finding above)\n", WEXITSTATUS(status));
	return WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	static int passed, failed, skipped;
	/* this program stands for cordon-agent as the flow keeper a test
	 * starts (test_flowkeep.c) */
	if (argc >= 2 && !strcmp(argv[1], "--flow-keeper"))
		return cd_flowkeep_serve(argc - 2, argv + 2);
	qsort(tests, ntests, sizeof(tests[0]), cmp);
	const char *to = getenv("CD_TEST_TIMEOUT");
	int timeout_s = to && atoi(to) > 0 ? atoi(to) : 300;
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
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int r = run_one(&tests[i], timeout_s);
		clock_gettime(CLOCK_MONOTONIC, &b);
		/* (each test's time, to find the slow ones: CD_TEST_TIMES=1) */
		char took[32] = "";
		if (getenv("CD_TEST_TIMES"))
			snprintf(took, sizeof took, " (%.2f s)", (double)(b.tv_sec - a.tv_sec) +
				 (double)(b.tv_nsec - a.tv_nsec) / 1e9);
		printf("%s %s%s\n", r == 0 ? "ok  " : "FAIL", tests[i].name, took);
		if (r == 0)
			passed++;
		else
			failed++;
		fflush(stdout);
	}
	if (skipped)
		printf("(%d tests need PostgreSQL: tests/unit/pg-run runs them)\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
