/* test_views.c - list views (views/view.h, views/rows.h): every built-in
 * view reads and writes back the same; bad views refused with the field
 * named; rows over a store of known gauge samples (avg, min, max, p95,
 * current, a rate's sum), computed here from the samples themselves;
 * empty cells last whatever the order; CSV's bytes. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/mquery.h"
#include "metrics/stats.h"
#include "test.h"
#include "views/rows.h"

#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */
#define DAYS 3
#define N (DAYS * 4320)                /* every 20 s */

TEST(views_builtin_round_trip)
{
	ASSERT(cd_view_builtins() >= 3);
	for (size_t i = 0; i < cd_view_builtins(); i++) {
		struct cd_view v, w;
		ASSERT_EQ(cd_view_builtin(i, &v), 0);
		ASSERT(v.builtin);
		json_t *j = cd_view_json(&v);
		char err[256];
		ASSERT_EQ(cd_view_from_json(j, &w, err, sizeof err), 0);
		json_t *k = cd_view_json(&w);
		json_object_set_new(k, "builtin", json_true());
		ASSERT(json_equal(j, k));
		json_decref(j);
		json_decref(k);
		cd_view_free(&v);
		cd_view_free(&w);
	}
	struct cd_view v;
	ASSERT_EQ(cd_view_builtin_named("vms-by-contention", &v), 0);
	ASSERT(v.descending && !strcmp(v.col[v.sort].title, "Ready p95"));
	cd_view_free(&v);
	ASSERT_EQ(cd_view_builtin_named("nope", &v), -ENOENT);
}

TEST(views_bad_ones_name_their_field)
{
	static const struct { const char *doc, *says; } cases[] = {
		{ "[]", "the view: not a JSON object" },
		{ "{\"kind\": \"vm\", \"columns\": [{\"property\": \"name\"}]}", "name: missing" },
		{ "{\"name\": \"A b\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\"}]}",
		  "name: \"A b\" is not" },
		{ "{\"name\": \"a\", \"kind\": \"pod\", \"columns\": [{\"property\": \"name\"}]}",
		  "kind: \"pod\" is not vm, host or datastore" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": []}", "columns: an array of 1 to" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\"},"
		  " {\"metric\": \"vm_cpu_usage_ratio\", \"transform\": \"p99\"}]}",
		  "columns[1].transform: \"p99\" is not one of" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"metric\": \"host_cpu_usage_ratio\"}]}",
		  "columns[0].metric: host_cpu_usage_ratio is a host's, this view lists vms" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"metric\": \"vm_memory_used_bytes\","
		  " \"unit\": \"%\"}]}", "columns[0].unit: % does not fit vm_memory_used_bytes" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"metric\": \"vm_memory_used_bytes\","
		  " \"transform\": \"days_left\"}]}", "columns[0].transform: days_left is a datastore's" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"metric\": \"vm_memory_used_bytes\","
		  " \"transform\": \"sum\"}]}", "columns[0].transform: sum adds up a rate" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\", "
		  "\"metric\": \"vm_vcpus\"}]}", "columns[0]: give a property or a metric" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"colour\"}]}",
		  "columns[0].property: \"colour\" is not one of" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\", \"wdth\": 3}]}",
		  "columns[0].wdth: unknown field (one of title, property" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"filter\": \"tag == \", \"columns\": "
		  "[{\"property\": \"name\"}]}", "filter:1:" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"range\": \"3y\", \"columns\": "
		  "[{\"property\": \"name\"}]}", "range: \"3y\" is not a duration" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\"}], "
		  "\"sort\": {\"column\": 4}}", "sort.column: 4 is not a column" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\"}], "
		  "\"sort\": {\"column\": \"CPU\"}}", "sort.column: no column is titled \"CPU\"" },
		{ "{\"name\": \"a\", \"name\": \"b\"}", "1:" },
		{ "{\"name\": \"a\", \"kind\": \"vm\", \"title\": \"x\\u0000y\", \"columns\": "
		  "[{\"property\": \"name\"}]}", "is not allowed" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cd_view v;
		char err[512] = "";
		ASSERT_EQ(cd_view_parse(cases[i].doc, strlen(cases[i].doc), &v, err, sizeof err), -EINVAL);
		if (!strstr(err, cases[i].says))
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not say \"%s\"", i, err,
				  cases[i].says);
	}
}

static int64_t series(struct cd_mstore *st, const char *vm, const char *metric, bool counter)
{
	char labels[64];
	snprintf(labels, sizeof labels, "vm=\"%s\"", vm);
	struct cd_series_desc d = { .metric = metric, .labels = labels, .kind = "vm", .name = vm,
				    .host = "hv1", .source = "kvm1", .counter = counter };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	return id;
}

/* vm-a's memory: a known shape; vm-b: none, only network */
static double mem_at(int i)
{
	return 1e9 + 1e8 * sin(i / 500.0) + (i % 97) * 1e5;
}

TEST(views_rows_against_the_samples)
{
	char dir[] = "/tmp/cd-views-XXXXXX";
	ASSERT(mkdtemp(dir) != NULL);
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[512];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof err), 0);
	int64_t mem = series(st, "vm-a", "vm_memory_used_bytes", false);
	int64_t rx = series(st, "vm-b", "vm_net_rx_bytes_total", true);
	double bytes = 0;
	for (int i = 0; i < N; i++) {
		int64_t t = T0 + i * 20000LL;
		ASSERT_EQ(cd_mstore_append(st, mem, t, mem_at(i)), 0);
		if (i)
			bytes += 1000 + i % 10;
		ASSERT_EQ(cd_mstore_append(st, rx, t, bytes), 0);
	}
	ASSERT_EQ(cd_mstore_commit(st), 0);
	ASSERT_EQ(cd_mstore_maintain(st, T0 + (DAYS + 1) * 86400000LL), 0);

	const char *doc = "{\"name\": \"t\", \"kind\": \"vm\", \"columns\": ["
			  "{\"property\": \"name\"}, {\"property\": \"host\"},"
			  "{\"metric\": \"vm_memory_used_bytes\", \"transform\": \"avg\", \"unit\": \"GB\"},"
			  "{\"metric\": \"vm_memory_used_bytes\", \"transform\": \"min\", \"unit\": \"GB\"},"
			  "{\"metric\": \"vm_memory_used_bytes\", \"transform\": \"max\", \"unit\": \"GB\"},"
			  "{\"metric\": \"vm_memory_used_bytes\", \"transform\": \"p95\", \"unit\": \"GB\"},"
			  "{\"metric\": \"vm_memory_used_bytes\", \"unit\": \"GB\"},"
			  "{\"metric\": \"vm_net_rx_bytes_per_second\", \"transform\": \"sum\"}],"
			  "\"sort\": {\"column\": 2, \"order\": \"desc\"}}";
	struct cd_view v;
	ASSERT_EQ(cd_view_parse(doc, strlen(doc), &v, err, sizeof err), 0);
	struct cd_vobject objs[] = { { .name = "vm-b", .host = "hv1" }, { .name = "vm-a", .host = "hv1" } };
	/* two whole days: the 1-hour tier */
	int64_t begin = T0, end = T0 + 2 * 86400000LL - 1;
	struct cd_vrows *r;
	ASSERT_EQ(cd_vrows_compute(&v, st, objs, 2, begin, end, &r), 0);
	ASSERT_EQ(cd_vrows_count(r), 2);
	ASSERT(!strcmp(cd_vrows_tier(r), "1h"));
	ASSERT(!strcmp(cd_vrows_unit(r, 2), "GB"));
	/* the hours' means, from the samples */
	double hours[48], sum = 0, lo = INFINITY, hi = -INFINITY;
	for (int h = 0; h < 48; h++) {
		double s = 0;
		for (int i = h * 180; i < h * 180 + 180; i++) {
			s += mem_at(i);
			lo = fmin(lo, mem_at(i));
			hi = fmax(hi, mem_at(i));
		}
		hours[h] = s / 180;
		sum += hours[h];
	}
	double p95;
	ASSERT(cd_percentile(hours, 48, 95, &p95));
	double x;
	const char *s;
	/* vm-a first: vm-b has no memory, and empty sorts last */
	ASSERT(!cd_vrows_cell(r, 0, 0, &x, &s) && !strcmp(s, "vm-a"));
	ASSERT(cd_vrows_cell(r, 0, 2, &x, NULL) && fabs(x - sum / 48 / 1e9) < 1e-9);
	ASSERT(cd_vrows_cell(r, 0, 3, &x, NULL) && fabs(x - lo / 1e9) < 1e-12);
	ASSERT(cd_vrows_cell(r, 0, 4, &x, NULL) && fabs(x - hi / 1e9) < 1e-12);
	ASSERT(cd_vrows_cell(r, 0, 5, &x, NULL) && fabs(x - p95 / 1e9) < 1e-12);
	/* current: the last sample of the range's last 10 minutes (raw) */
	int last = (int)((end - T0) / 20000);
	ASSERT(cd_vrows_cell(r, 0, 6, &x, NULL) && fabs(x - mem_at(last) / 1e9) < 1e-12);
	ASSERT(!cd_vrows_cell(r, 0, 7, &x, NULL));
	ASSERT(!cd_vrows_cell(r, 1, 2, &x, NULL));
	/* vm-b's bytes received over the range: the counter's increase */
	double want = 0;
	for (int i = 1; i <= last; i++)
		want += 1000 + i % 10;
	ASSERT(cd_vrows_cell(r, 1, 7, &x, NULL));
	ASSERT(!strcmp(cd_vrows_unit(r, 7), "MB"));
	ASSERT(fabs(x * 1e6 - want) <= 1010);   /* the first sample's increase: before begin */
	/* ascending: still the empty cell last */
	cd_vrows_sort(r, 2, false);
	ASSERT(!cd_vrows_cell(r, 0, 0, &x, &s) && !strcmp(s, "vm-a"));
	/* CSV: the header with units, two decimals, an empty cell empty */
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	ASSERT_EQ(cd_vrows_csv(r, &b), 0);
	char *line2 = strstr(b.data, "\r\n");
	ASSERT(line2 && !strncmp(b.data, "name,host,vm_memory_used_bytes avg (GB),", 40));
	ASSERT(strstr(b.data, "\r\nvm-b,hv1,,,,,,") != NULL);
	char want_a[64];
	snprintf(want_a, sizeof want_a, "\r\nvm-a,hv1,%.2f,", sum / 48 / 1e9);
	ASSERT(strstr(b.data, want_a) != NULL);
	/* the same rows again: the same bytes */
	struct cd_vrows *r2;
	ASSERT_EQ(cd_vrows_compute(&v, st, objs, 2, begin, end, &r2), 0);
	cd_vrows_sort(r2, 2, false);
	struct cd_buf b2;
	cd_buf_init(&b2, 1 << 20);
	ASSERT_EQ(cd_vrows_csv(r2, &b2), 0);
	ASSERT(b.len == b2.len && !memcmp(b.data, b2.data, b.len));
	/* a page of JSON */
	json_t *j = cd_vrows_json(r2, 1, 10);
	ASSERT_EQ(json_integer_value(json_object_get(j, "total")), 2);
	ASSERT_EQ(json_array_size(json_object_get(j, "rows")), 1);
	json_decref(j);
	/* bounds */
	ASSERT_EQ(cd_vrows_compute(&v, st, objs, 2, end, begin, &r2), -EINVAL);
	cd_buf_free(&b);
	cd_buf_free(&b2);
	cd_vrows_free(r);
	cd_vrows_free(r2);
	cd_view_free(&v);
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}

TEST(views_csv_quotes_and_formulas)
{
	char dir[] = "/tmp/cd-views-XXXXXX";
	ASSERT(mkdtemp(dir) != NULL);
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[512];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof err), 0);
	const char *doc = "{\"name\": \"t\", \"kind\": \"vm\", \"columns\": [{\"property\": \"name\"},"
			  "{\"title\": \"say \\\"x\\\"\", \"property\": \"tags\"}]}";
	struct cd_view v;
	ASSERT_EQ(cd_view_parse(doc, strlen(doc), &v, err, sizeof err), 0);
	struct cd_vobject objs[] = { { .name = "=cmd()", .tags = "a=1, b=\"2\"" } };
	struct cd_vrows *r;
	ASSERT_EQ(cd_vrows_compute(&v, st, objs, 1, T0, T0 + 3600000, &r), 0);
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	ASSERT_EQ(cd_vrows_csv(r, &b), 0);
	ASSERT(!strcmp(b.data, "name,\"say \"\"x\"\"\"\r\n'=cmd(),\"a=1, b=\"\"2\"\"\"\r\n"));
	cd_buf_free(&b);
	cd_vrows_free(r);
	cd_view_free(&v);
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}
