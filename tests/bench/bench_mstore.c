/* bench_mstore.c - the metrics store's ingest rate, the store alone:
 *
 *   bench-mstore FILE.om DIR
 *   bench-mstore query DIR KIND NAME METRIC BEGIN END STEP_S
 *   bench-mstore live VMS ROUNDS DIR [POSTGRESQL DIR2]
 *   bench-mstore open VMS DIR
 *
 * reads an OpenMetrics file (tests/bench/gen_metrics.c) into memory, its
 * series made first, then times appending every sample into a new store
 * in DIR (a bulk load, as `cordon metrics import` does, committed every
 * 65,536 samples) up to its close, on one core; prints samples a second.
 * With query: a catalog metric's points (cd_mquery, in process), the
 * median of 11 runs.  With live: as a manager takes agents' collections,
 * VMS VMs' 12 series each, ROUNDS collections 20 s apart, committed (each
 * written ahead) a host of 50 VMs at a time, into a store in DIR or on a
 * PostgreSQL server; prints samples a second, and the median of 11 reads
 * of one VM's series (all its rounds) through this store and, on
 * PostgreSQL, through a second one (another manager's, in DIR2).  With
 * open: a store of VMS VMs' 12 series, each with a sealed block (a day)
 * and a head (the next), made in DIR; then the median of 3 openings (the
 * series, their last values from each group's last block, the heads). */
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

/* The median of 11 reads of series id's samples through st, in ms. */
static double read_ms(struct cd_mstore *st, int64_t id, size_t *n)
{
	double t[11];
	for (int i = 0; i < 11; i++) {
		struct cd_sample *v;
		double t0 = now();
		if (cd_mstore_samples(st, id, INT64_MIN, INT64_MAX, &v, n, NULL))
			return -1;
		t[i] = now() - t0;
		free(v);
	}
	qsort(t, 11, sizeof(*t), by_double);
	return t[5] * 1000;
}

static const char *const metrics[12] = {
		"vm_cpu_seconds_total", "vm_memory_used_bytes", "vm_memory_bytes", "vm_vcpus",
		"vm_disk_read_bytes_total", "vm_disk_write_bytes_total", "vm_disk_read_ops_total",
		"vm_disk_write_ops_total", "vm_network_receive_bytes_total",
		"vm_network_transmit_bytes_total", "vm_cpu_ready_seconds_total", "vm_memory_swapped_bytes",
};

static int series12(struct cd_mstore *st, int vms, int64_t *ids)
{
	for (int k = 0; k < vms * 12; k++) {
		char name[32], labels[64];
		snprintf(name, sizeof(name), "vm-%04d", k / 12);
		snprintf(labels, sizeof(labels), "vm=\"%s\"", name);
		const char *m = metrics[k % 12];
		struct cd_series_desc d = { .metric = m, .labels = labels, .kind = "vm", .name = name,
					    .host = "", .source = "",
					    .counter = strstr(m, "_total") != NULL };
		if (cd_mstore_series(st, &d, &ids[k]))
			return -1;
	}
	return 0;
}

static int open_bench(char **argv)
{
	int vms = atoi(argv[2]);
	struct cd_mstore_opts o = { .bulk = true, .max_series = 10000000 };
	struct cd_mstore *st;
	char err[512];
	if (vms <= 0 || cd_mstore_open(argv[3], &o, &st, err, sizeof(err))) {
		fprintf(stderr, "bench-mstore open: %s\n", vms > 0 ? err : "VMS DIR");
		return 1;
	}
	int64_t *ids = cd_malloc((size_t)vms * 12 * sizeof(*ids));
	int64_t t0 = INT64_C(1764547200000);
	int r = series12(st, vms, ids);
	for (int day = 0; !r && day < 2; day++)      /* the first day sealed by the second's */
		for (int k = 0; !r && k < vms * 12; k++)
			r = cd_mstore_append(st, ids[k], t0 + day * 86400000 + 60000, day + k * 0.5);
	free(ids);
	if (r || cd_mstore_close(st))
		return 1;
	double ms[3];
	struct cd_mstore_opts o2 = { .max_series = 10000000 };
	for (int i = 0; i < 3; i++) {
		double c0 = now();
		if (cd_mstore_open(argv[3], &o2, &st, err, sizeof(err))) {
			fprintf(stderr, "bench-mstore open: %s\n", err);
			return 1;
		}
		ms[i] = (now() - c0) * 1000;
		cd_mstore_discard(st);
	}
	qsort(ms, 3, sizeof(ms[0]), by_double);
	printf("opening a store of %d series (%d groups, a block and a head each): %.0f ms (median of 3)\n",
	       vms * 12, vms, ms[1]);
	return 0;
}

static int live(int argc, char **argv)
{
	int vms = atoi(argv[2]), rounds = atoi(argv[3]);
	const char *pg = argc == 7 ? argv[5] : NULL;
	struct cd_mstore_opts o = { .shared = pg };
	struct cd_mstore *st;
	char err[512];
	if (vms <= 0 || rounds <= 0 || cd_mstore_open(argv[4], &o, &st, err, sizeof(err))) {
		fprintf(stderr, "bench-mstore live: %s\n", vms > 0 && rounds > 0 ? err : "VMS ROUNDS");
		return 1;
	}
	int64_t *ids = cd_malloc((size_t)vms * 12 * sizeof(*ids));
	if (series12(st, vms, ids))
		return 1;
	int64_t t0 = INT64_C(1764547200000);
	double c0 = now();
	size_t n = 0;
	for (int r = 0; r < rounds; r++)
		for (int h = 0; h < vms; h += 50) {
			for (int k = h * 12; k < (h + 50 < vms ? h + 50 : vms) * 12; k++, n++)
				if (cd_mstore_append(st, ids[k], t0 + r * 20000 + k / 12 % 7,
						     (double)(r * 1000 + k % 977) * 1.5))
					return 1;
			if (cd_mstore_commit(st))
				return 1;
		}
	double secs = now() - c0;
	printf("live ingest on %s: %zu samples (%d VMs x 12 series x %d collections, a commit per 50 VMs)"
	       " in %.2f s: %.0f samples/s\n", pg ? "PostgreSQL" : "SQLite", n, vms, rounds, secs,
	       (double)n / secs);
	size_t got;
	printf("one series' %d samples read through the manager that wrote them: %.2f ms (median of 11)\n",
	       rounds, read_ms(st, ids[1], &got));
	int r = 0;
	if (argc == 7) {
		struct cd_mstore *other;
		struct cd_mstore_opts o2 = { .shared = pg };
		r = cd_mstore_open(argv[6], &o2, &other, err, sizeof(err));
		if (!r) {
			double ms = read_ms(other, ids[1], &got);
			printf("... through another manager on the same database: %.2f ms, %zu samples\n",
			       ms, got);
			cd_mstore_close(other);
		}
	}
	free(ids);
	return cd_mstore_close(st) || r;
}

int main(int argc, char **argv)
{
	cd_malloc_keep();          /* as cordond: the store as it runs there */
	if (argc == 9 && !strcmp(argv[1], "query"))
		return query(argv);
	if ((argc == 5 || argc == 7) && !strcmp(argv[1], "live"))
		return live(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "open"))
		return open_bench(argv);
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
