/* test_omtext.c - OpenMetrics lines: samples with labels (escapes kept
 * as written), values read exactly (decimals, exponents, NaN, Inf,
 * denormals), timestamps in seconds to the millisecond, TYPE and EOF;
 * bad lines refused at their column; an import that refuses a file whole
 * with located errors, and one that keeps every sample bit for bit. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "metrics/import.h"
#include "metrics/omtext.h"
#include "test.h"

static int parse(const char *s, struct cd_om_line *l, size_t *col)
{
	const char *msg;
	return cd_om_parse(s, strlen(s), l, col, &msg);
}

TEST(omtext_lines)
{
	struct cd_om_line l;
	size_t col;
	ASSERT_EQ(parse("vm_cpu_seconds_total{vm=\"a\\\"b\",source=\"kvm1\"} 12.345678901 1764547200.123", &l, &col), 0);
	ASSERT_EQ(l.what, CD_OM_SAMPLE);
	ASSERT(cd_om_eq(l.name, "vm_cpu_seconds_total"));
	ASSERT_EQ(l.nlabels, 2);
	ASSERT(cd_om_eq(l.key[0], "vm") && cd_om_eq(l.val[0], "a\\\"b"));
	ASSERT(l.v == 12.345678901 && l.has_t && l.t_ms == 1764547200123);
	ASSERT_EQ(parse("x 1e-320 1.7645472e9", &l, &col), 0);     /* a denormal */
	ASSERT(l.v == 1e-320 && l.t_ms == 1764547200000);
	ASSERT_EQ(parse("x 0.1", &l, &col), 0);
	ASSERT(l.v == 0.1 && !l.has_t);
	ASSERT_EQ(parse("x 123456789012345678901234567890 17", &l, &col), 0);
	ASSERT(l.v == 123456789012345678901234567890.0 && l.t_ms == 17000);
	ASSERT_EQ(parse("x NaN", &l, &col), 0);
	ASSERT(isnan(l.v));
	ASSERT_EQ(parse("x -Inf 1.0005", &l, &col), 0);
	ASSERT(l.v == -INFINITY && l.t_ms == 1001);                /* rounded to the ms */
	ASSERT_EQ(parse("# TYPE vm_cpu_seconds counter", &l, &col), 0);
	ASSERT(l.what == CD_OM_TYPE && cd_om_eq(l.type, "counter"));
	ASSERT_EQ(parse("# EOF", &l, &col), 0);
	ASSERT_EQ(l.what, CD_OM_EOF);
	ASSERT_EQ(parse("# HELP x a thing", &l, &col), 0);
	ASSERT_EQ(l.what, CD_OM_COMMENT);
	/* refused, at their column */
	static const struct { const char *s; size_t col; } bad[] = {
		{ "x{a=\"1\",a=\"2\"} 1", 9 }, { "x{a=1} 1", 4 }, { "x{a=\"1\" 1", 8 },
		{ "x 1e999", 3 }, { "x", 2 }, { "x 1 2 3", 6 }, { "x abc", 3 }, { "9x 1", 1 },
		{ "x{a=\"\\q\"} 1", 6 }, { "# TYPE", 7 }, { "# TYPE x", 8 }, { "x{a=\"1\"", 8 },
		{ "x 1 17645471547137240", 5 }, { "x 1 9e13", 5 },   /* past 9e12 s */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].s, &l, &col) != -EINVAL || col != bad[i].col)
			test_fail(__FILE__, __LINE__, "'%s': column %zu, expected an error at %zu",
				  bad[i].s, col, bad[i].col);
	}
	/* a double written reads back the same */
	double vs[] = { 0.1, 1.0 / 3, 5e-324, 1.7976931348623157e308, -0.0, 12345678901234567.0 };
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		struct cd_buf b;
		cd_buf_init(&b, 256);
		cd_buf_puts(&b, "x ");
		cd_om_double(&b, vs[i]);
		ASSERT_EQ(parse(b.data, &l, &col), 0);
		ASSERT(memcmp(&l.v, &vs[i], 8) == 0 || (vs[i] == 0 && l.v == 0));
		cd_buf_free(&b);
	}
}

static int import_text(const char *dir, const char *text, struct cd_diags *d,
		       struct cd_import_stats *s)
{
	struct cd_mstore_opts o = { .bulk = true };
	struct cd_mstore *st;
	char err[256];
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r = cd_metrics_import(st, f, "t.om", d, s);
	fclose(f);
	if (r)
		cd_mstore_discard(st);
	else
		ASSERT_EQ(cd_mstore_close(st), 0);
	return r;
}

TEST(omtext_import)
{
	char dir[] = "/tmp/cordon-import-XXXXXX";
	ASSERT(mkdtemp(dir));
	struct cd_diags d;
	struct cd_import_stats s;
	cd_diags_init(&d);
	/* a file with errors: refused whole, every error located */
	ASSERT_EQ(import_text(dir, "# TYPE a counter\na_total{vm=\"x\"} 1 10\na_total{vm=\"x\"} 2 9\n"
			      "b{vm=\"x\"} 1\nc{ 1 1\n", &d, &s), -EINVAL);
	ASSERT_EQ(cd_nerrors(&d), 3);
	ASSERT_EQ(d.v[0].loc.line, 3);
	ASSERT_CONTAINS(d.v[0].msg, "not after");
	ASSERT_EQ(d.v[1].loc.line, 4);
	ASSERT_CONTAINS(d.v[1].msg, "without a timestamp");
	ASSERT_EQ(d.v[2].loc.line, 5);
	ASSERT_EQ(d.v[2].loc.col, 3);
	cd_diags_free(&d);
	uint64_t n, bytes;
	char err[256];
	ASSERT_EQ(cd_mstore_du(dir, &n, &bytes, err, sizeof(err)), 0);
	ASSERT_EQ(n, 0);            /* nothing of it kept */
	/* a good one: counters (OpenMetrics' _total and Prometheus' own
	 * names), gauges, other labels kept, objects from the labels */
	cd_diags_init(&d);
	ASSERT_EQ(import_text(dir, "# TYPE a counter\n# TYPE g gauge\n# TYPE p_total counter\n"
			      "a_total{vm=\"x\",disk=\"vda\"} 1.5 10\ng{datastore=\"s/p\"} 0.1 10\n"
			      "p_total{host=\"h\"} 7 10\na_total{disk=\"vda\",vm=\"x\"} 2.25 20.5\n"
			      "a_created{vm=\"x\"} 5 10\n# EOF\n", &d, &s), 0);
	ASSERT_EQ(s.samples, 4);
	ASSERT_EQ(s.series, 3);
	cd_diags_free(&d);
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof(err)), 0);
	struct cd_series_info info;
	ASSERT_EQ(cd_mstore_find(st, "a_total{disk=\"vda\",vm=\"x\"}", &info), 0);
	ASSERT(info.counter && !strcmp(info.kind, "vm") && !strcmp(info.name, "x"));
	ASSERT(info.last_t == 20500 && info.last_v == 2.25);
	ASSERT_EQ(cd_mstore_find(st, "p_total{host=\"h\"}", &info), 0);
	ASSERT(info.counter && !strcmp(info.kind, "host"));
	ASSERT_EQ(cd_mstore_find(st, "g{datastore=\"s/p\"}", &info), 0);
	ASSERT(!info.counter && info.last_v == 0.1 && !strcmp(info.name, "s/p"));
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}
