/* bench_mstore.c - the metrics store's ingest rate, the store alone:
 *
 *   bench-mstore FILE.om DIR
 *   bench-mstore query DIR KIND NAME METRIC BEGIN END STEP_S
 *
 * reads an OpenMetrics file (tests/bench/gen_metrics.c) into memory, its
 * series made first, then times appending every sample into a new store
 * in DIR (a bulk load, as `cordon metrics import` does, committed every
 * 65,536 samples) up to its close, on one core; prints samples a second.
 * With query: a catalog metric's points (cd_mquery, in process), the
 * median of 11 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "metrics/mquery.h"
#include "metrics/mstore.h"
#include "metrics/omtext.h"

struct s3 {
	int64_t id, t;
	double v;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int query(char **argv)
{
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[512];
	const struct cd_metric *m = cd_catalog_find(argv[5]);
	if (!m || cd_mstore_open(argv[2], &o, &st, err, sizeof(err))) {
		fprintf(stderr, "bench-mstore: no such metric, or %s\n", err);
		return 1;
	}
	double t[11];
	size_t n = 0;
	for (int i = 0; i < 11; i++) {
		struct cd_point *p;
		double t0 = now();
		if (cd_mquery(st, m, argv[3], argv[4], atoll(argv[6]), atoll(argv[7]),
			      atoll(argv[8]) * 1000, CD_AGG_AVG, &p, &n))
			return 1;
		t[i] = now() - t0;
		free(p);
	}
	qsort(t, 11, sizeof(*t), by_double);
	printf("in process: %.2f ms (%zu points, median of 11)\n", t[5] * 1000, n);
	cd_mstore_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 9 && !strcmp(argv[1], "query"))
		return query(argv);
	if (argc != 3) {
		fprintf(stderr, "usage: bench-mstore FILE.om DIR\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	struct cd_mstore_opts o = { .bulk = true, .max_series = 10000000 };
	struct cd_mstore *st;
	char err[512];
	if (!f || cd_mstore_open(argv[2], &o, &st, err, sizeof(err))) {
		fprintf(stderr, "bench-mstore: cannot open %s or %s\n", argv[1], argv[2]);
		return 1;
	}
	struct cd_map ids;
	cd_map_init_exact(&ids);
	char **keys = NULL;
	size_t nkeys = 0, capkeys = 0;
	struct s3 *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		struct cd_om_line l;
		size_t col;
		const char *msg;
		if (line[len - 1] == '\n')
			len--;
		if (cd_om_parse(line, (size_t)len, &l, &col, &msg) || l.what != CD_OM_SAMPLE)
			continue;
		const char *brace = memchr(line, '{', (size_t)len), *close = memchr(line, '}', (size_t)len);
		if (!brace || !close)
			continue;
		char *key = cd_strndup(line, (size_t)(close - line + 1));
		size_t i;
		if (!cd_map_get(&ids, key, &i)) {
			char *metric = cd_strndup(line, (size_t)(brace - line));
			char *labels = cd_strndup(brace + 1, (size_t)(close - brace - 1));
			size_t ml = strlen(metric);
			struct cd_series_desc d = { .metric = metric, .labels = labels, .kind = "vm",
						    .name = key, .host = "", .source = "",
						    .counter = ml > 6 && !strcmp(metric + ml - 6, "_total") };
			int64_t id;
			if (cd_mstore_series(st, &d, &id))
				return 1;
			i = (size_t)id;
			cd_map_put(&ids, key, i, NULL);
			CD_PUSH(keys, nkeys, capkeys, key);
			free(metric);
			free(labels);
		} else {
			free(key);
		}
		CD_PUSH(v, n, cap, ((struct s3){ (int64_t)i, l.t_ms, l.v }));
	}
	fclose(f);
	free(line);
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		if (cd_mstore_append(st, v[i].id, v[i].t, v[i].v))
			return 1;
		if (i % 65536 == 65535 && cd_mstore_commit(st))
			return 1;
	}
	if (cd_mstore_close(st))
		return 1;
	double secs = now() - t0;
	printf("store ingest (append, commit, close; one core): %zu samples of %zu series in %.2f s: "
	       "%.2f million samples/s\n", n, nkeys, secs, (double)n / secs / 1e6);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	free(v);
	cd_map_free(&ids);
	return 0;
}
