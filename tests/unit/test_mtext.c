/* test_mtext.c - a metrics query's answer as text (manager/mtext.h): the
 * same bytes written by the caller's thread and by a thread of its own,
 * series in order, points that are not finite left out, and an answer
 * past its limit an error (-E2BIG), what was queued freed. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "manager/mtext.h"
#include "test.h"

static char *answer(bool threaded, size_t limit, int *r)
{
	struct cd_buf b;
	cd_buf_init(&b, limit);
	struct cd_mtext *w = cd_mtext_start(&b, threaded);
	*r = 0;
	for (int s = 0; s < 100; s++) {
		size_t n = 1441;
		struct cd_point *p = malloc(n * sizeof(*p));
		for (size_t i = 0; i < n; i++)
			p[i] = (struct cd_point){ 1796428800000 + (int64_t)i * 60000,
						  i % 97 == 5 ? NAN : s * 1000.0 + 1.0 / (double)(i + 3) };
		char *head = malloc(64);
		snprintf(head, 64, "{\"name\":\"vm-%04d\"", s);
		int e = cd_mtext_series(w, head, p, s == 7 ? 0 : n);
		if (!*r)
			*r = e;
	}
	int e = cd_mtext_end(w);
	if (!*r)
		*r = e;
	return cd_buf_steal(&b);
}

TEST(mtext_threaded_or_not_the_same_text)
{
	int r1, r2;
	char *a = answer(false, 64u << 20, &r1), *b = answer(true, 64u << 20, &r2);
	ASSERT_EQ(r1, 0);
	ASSERT_EQ(r2, 0);
	ASSERT_STR_EQ(a, b);
	ASSERT(!strncmp(a, "{\"series\": [{\"name\":\"vm-0000\", \"points\": [[1796428800000, 0.3333333333333333], "
			"[1796428860000, 0.25], ", 100));
	ASSERT_CONTAINS(a, "{\"name\":\"vm-0007\", \"points\": []}, {\"name\":\"vm-0008\"");
	ASSERT(!strstr(a, "null"));        /* NaN left out */
	ASSERT(!strstr(a, "[1796429100000,"));   /* (i = 5) */
	size_t n = strlen(a);
	ASSERT(n > 100 * 1400 * 20);
	ASSERT(!strcmp(a + n - 6, "]]}]}\n"));
	free(a);
	free(b);
	/* past the limit: an error, threaded or not, and nothing leaks */
	for (int t = 0; t < 2; t++) {
		a = answer(t, 100000, &r1);
		ASSERT_EQ(r1, -E2BIG);
		free(a);
	}
}
