/* test_reportdef.c - reports' definitions (report/report.h) and their
 * composition (report/compose.h): the built-in ones read and write back
 * the same; bad ones refused with the field named; a report over a store
 * of known samples and given security facts made into its files: the
 * PDF's text and the CSVs' bytes as expected, the same bytes twice, the
 * files' names in the report's zone. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "manager/store.h"
#include "report/compose.h"
#include "report/report.h"
#include "test.h"
#include "views/rows.h"

#define T0 INT64_C(1764547200000)      /* 2025-12-01T00:00:00Z */
#define HOUR INT64_C(3600000)

TEST(reportdef_builtins_round_trip)
{
	ASSERT_EQ(cd_report_builtins(), 2);
	for (size_t i = 0; i < cd_report_builtins(); i++) {
		struct cd_report r, w;
		ASSERT_EQ(cd_report_builtin(i, &r), 0);
		ASSERT(r.builtin && r.schedule && r.ndest == 0 && r.pdf && r.csv);
		json_t *j = cd_report_json(&r);
		char err[256];
		ASSERT_EQ(cd_report_from_json(j, &w, err, sizeof err), 0);
		json_t *k = cd_report_json(&w);
		json_object_set_new(k, "builtin", json_true());
		ASSERT(json_equal(j, k));
		json_decref(j);
		json_decref(k);
		cd_report_free(&r);
		cd_report_free(&w);
	}
	struct cd_report r;
	ASSERT_EQ(cd_report_builtin_named("weekly-capacity", &r), 0);
	ASSERT_EQ(r.nsec, 4);
	ASSERT(r.sec[0].kind == CD_RS_VIEW && !strcmp(r.sec[0].view, "datastores-by-days-left"));
	ASSERT(r.sec[2].kind == CD_RS_CHART && r.sec[2].top == 10 && r.sec[2].ckind == CD_VK_HOST);
	ASSERT(r.sec[3].rollup == CD_AGG_MAX);
	ASSERT_STR_EQ(r.schedule, "0 6 * * mon");
	cd_report_free(&r);
	ASSERT_EQ(cd_report_builtin_named("monthly-security", &r), 0);
	ASSERT(r.nsec == 3 && r.sec[0].kind == CD_RS_DETECTIONS && r.sec[2].kind == CD_RS_UNMATCHED);
	ASSERT(r.calendar == CD_RCAL_MONTH);
	cd_report_free(&r);
	ASSERT_EQ(cd_report_builtin_named("nope", &r), -ENOENT);
}

/* Calendar ranges in the report's zone: the month or ISO week before the
 * one the run is in, midnight to midnight, across a year's end and a
 * change of the clocks; a duration: the time before the run. */
TEST(reportdef_calendar_ranges)
{
	static const struct {
		const char *range, *zone;
		int64_t at, begin, end;          /* epoch ms (UTC in the comments) */
	} cases[] = {
		/* 2026-03-01 06:00 in Paris: February, from 2026-01-31 23:00 to 2026-02-28 23:00 */
		{ "previous_month", "Europe/Paris", 1772341200000, 1769900400000, 1772319600000 },
		/* 2026-01-01 06:00 in Paris: December 2025 */
		{ "previous_month", "Europe/Paris", 1767243600000, 1764543600000, 1767222000000 },
		/* exactly the 1st's midnight (UTC): the month that just ended */
		{ "previous_month", "UTC", 1772323200000, 1769904000000, 1772323200000 },
		/* Wednesday 2026-04-01 10:00 +02:00: Monday 23 March 00:00 +01:00 to Monday
		 * 30 March 00:00 +02:00 (the clocks went forward on the 29th: 167 hours) */
		{ "previous_week", "Europe/Paris", 1775030400000, 1774220400000, 1774821600000 },
		/* Sunday 2026-01-04 12:00 in New York: 22 to 29 December 2025 */
		{ "previous_week", "America/New_York", 1767546000000, 1766379600000, 1766984400000 },
		/* at exactly Paris's 1st midnight: February, ending at it */
		{ "previous_month", "Europe/Paris", 1772319600000, 1769900400000, 1772319600000 },
		/* Asuncion skipped 2023-10-01's midnight (00:00 -04:00 became 01:00 -03:00):
		 * September ends at the first instant after the gap, 04:00Z */
		{ "previous_month", "America/Asuncion", 1697382000000, 1693540800000, 1696132800000 },
		{ "36h", "Europe/Paris", 1775030400000, 1775030400000 - 36 * HOUR, 1775030400000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char doc[256], err[256];
		snprintf(doc, sizeof doc, "{\"name\": \"c\", \"range\": \"%s\", \"timezone\": \"%s\", "
			 "\"sections\": [{\"detections\": {}}]}", cases[i].range, cases[i].zone);
		struct cd_report r;
		ASSERT_EQ(cd_report_parse(doc, strlen(doc), &r, err, sizeof err), 0);
		int64_t b, e;
		ASSERT_EQ(cd_report_span(&r, cases[i].at, &b, &e), 0);
		if (b != cases[i].begin || e != cases[i].end)
			test_fail(__FILE__, __LINE__, "case %zu (%s in %s): %lld to %lld, not %lld to %lld", i,
				  cases[i].range, cases[i].zone, (long long)b, (long long)e,
				  (long long)cases[i].begin, (long long)cases[i].end);
		/* written back as given */
		json_t *j = cd_report_json(&r);
		ASSERT_STR_EQ(json_string_value(json_object_get(j, "range")), cases[i].range);
		json_decref(j);
		cd_report_free(&r);
	}
	const char *bad = "{\"name\": \"c\", \"range\": \"previous_year\", \"sections\": [{\"detections\": {}}]}";
	struct cd_report r;
	char err[256] = "";
	ASSERT_EQ(cd_report_parse(bad, strlen(bad), &r, err, sizeof err), -EINVAL);
	ASSERT_CONTAINS(err, "range: \"previous_year\" is not a duration");
	ASSERT_CONTAINS(err, "previous_month");
}

TEST(reportdef_full_one_reads_back)
{
	const char *doc =
		"{\"name\": \"ops.weekly\", \"title\": \"Ops\", \"range\": \"36h\", \"timezone\": "
		"\"Europe/Paris\", \"schedule\": \"30 6 * * 1-5\", \"sections\": ["
		"{\"view\": \"hosts\", \"title\": \"Hosts\", \"limit\": 20},"
		"{\"chart\": {\"title\": \"CPU\", \"kind\": \"vm\", \"metric\": \"vm_cpu_usage_ratio\","
		" \"objects\": [\"vm-a\", \"vm-b\"], \"rollup\": \"max\"}},"
		"{\"detections\": {\"title\": \"Found\"}}, {\"quarantines\": {}}, {\"unmatched_rules\": {}}],"
		"\"formats\": [\"csv\"], \"deliver\": [{\"directory\": \"/srv/r\"},"
		"{\"webhook\": \"https://h.example.org/x\", \"token_file\": \"/etc/t\"},"
		"{\"smtp\": \"smtps://mail.example.org\", \"from\": \"r@example.org\", \"to\": "
		"[\"a@example.org\", \"b@example.org\"], \"user\": \"r\", \"password_file\": \"/etc/p\","
		" \"subject\": \"Weekly\"}]}";
	struct cd_report r, w;
	char err[512] = "";
	ASSERT_EQ(cd_report_parse(doc, strlen(doc), &r, err, sizeof err), 0);
	ASSERT(!r.pdf && r.csv && r.ndest == 3 && r.range_ms == 36 * HOUR);
	ASSERT(r.sec[1].nobjects == 2 && r.sec[1].rollup == CD_AGG_MAX && r.sec[0].limit == 20);
	ASSERT(r.dest[2].kind == CD_RD_SMTP && r.dest[2].nto == 2 && !r.dest[2].starttls);
	json_t *j = cd_report_json(&r);
	ASSERT_EQ(cd_report_from_json(j, &w, err, sizeof err), 0);
	json_t *k = cd_report_json(&w);
	ASSERT(json_equal(j, k));
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "range")), "36h");
	json_decref(j);
	json_decref(k);
	cd_report_free(&r);
	cd_report_free(&w);
}

TEST(reportdef_bad_ones_name_their_field)
{
#define S "\"sections\": [{\"detections\": {}}]"
	static const struct { const char *doc, *says; } cases[] = {
		{ "[]", "the report: not a JSON object" },
		{ "{" S "}", "name: missing" },
		{ "{\"name\": \"A\", " S "}", "name: \"A\" is not" },
		{ "{\"name\": \"a\", \"colour\": 1, " S "}", "colour: unknown field" },
		{ "{\"name\": \"a\"}", "sections: an array of 1 to 32" },
		{ "{\"name\": \"a\", \"range\": \"3y\", " S "}", "range: \"3y\" is not a duration" },
		{ "{\"name\": \"a\", \"timezone\": \"Mars/Olympus\", " S "}",
		  "timezone: \"Mars/Olympus\" is not an IANA time zone" },
		{ "{\"name\": \"a\", \"schedule\": \"0 25 * * *\", " S "}",
		  "schedule: field 2 (hour) at column 3: 25 is out of 0-23" },
		{ "{\"name\": \"a\", \"sections\": [{}]}", "sections[0]: one of view, chart" },
		{ "{\"name\": \"a\", \"sections\": [{\"view\": \"v\", \"detections\": {}}]}",
		  "sections[0]: view or detections, not both" },
		{ "{\"name\": \"a\", \"sections\": [{\"view\": \"v\", \"limit\": 0}]}",
		  "sections[0].limit: a number of rows" },
		{ "{\"name\": \"a\", \"sections\": [{\"detections\": {}}, {\"chart\": {\"metric\": \"nope\"}}]}",
		  "sections[1].chart.metric: \"nope\" is not in the catalog" },
		{ "{\"name\": \"a\", \"sections\": [{\"chart\": {\"metric\": \"vm_cpu_usage_ratio\","
		  " \"kind\": \"host\"}}]}", "sections[0].chart.kind: vm_cpu_usage_ratio is a vm's metric" },
		{ "{\"name\": \"a\", \"sections\": [{\"chart\": {\"metric\": \"vm_cpu_usage_ratio\","
		  " \"objects\": {\"top\": 99}}}]}", "sections[0].chart.objects.top: a number from 1 to 24" },
		{ "{\"name\": \"a\", \"sections\": [{\"chart\": {\"metric\": \"vm_cpu_usage_ratio\","
		  " \"rollup\": \"p99\"}}]}", "sections[0].chart.rollup: \"p99\" is not avg or max" },
		{ "{\"name\": \"a\", \"sections\": [{\"quarantines\": {\"x\": 1}}]}",
		  "sections[0].quarantines.x: unknown field" },
		{ "{\"name\": \"a\", \"formats\": [\"pdf\", \"pdf\"], " S "}", "formats[1]: \"pdf\" or" },
		{ "{\"name\": \"a\", \"deliver\": [{\"directory\": \"reports\"}], " S "}",
		  "deliver[0].directory: \"reports\" is not an absolute path" },
		{ "{\"name\": \"a\", \"deliver\": [{\"webhook\": \"ftp://x\"}], " S "}",
		  "deliver[0].webhook: \"ftp://x\" does not start with http:// or https://" },
		{ "{\"name\": \"a\", \"deliver\": [{\"webhook\": \"https://u:p@x/\"}], " S "}",
		  "deliver[0].webhook: no user or password in the URL" },
		{ "{\"name\": \"a\", \"deliver\": [{\"smtp\": \"smtp://m\", \"from\": \"a@b\"}], " S "}",
		  "deliver[0].to: an array of 1 to 50" },
		{ "{\"name\": \"a\", \"deliver\": [{\"smtp\": \"smtp://m\", \"from\": \"a@b\", \"to\": "
		  "[\"c@d\"], \"user\": \"u\", \"password_file\": \"/p\"}], " S "}",
		  "deliver[0].password_file: a password goes over TLS only" },
		{ "{\"name\": \"a\", \"deliver\": [{\"smtp\": \"smtp://m\", \"from\": \"a@b\", \"to\": "
		  "[\"c@d\\r\\nBcc: e@f\"]}], " S "}", "deliver[0].to[0]: an address" },
		{ "{\"name\": \"a\", \"deliver\": [{}], " S "}", "deliver[0]: one of directory, webhook" },
		{ "{\"name\": \"a\", \"title\": \"x\\ny\", " S "}", "title: holds a control character" },
		{ "{\"name\": \"a\", \"name\": \"b\"}", "1:" },
	};
#undef S
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cd_report r;
		char err[512] = "";
		ASSERT_EQ(cd_report_parse(cases[i].doc, strlen(cases[i].doc), &r, err, sizeof err), -EINVAL);
		if (!strstr(err, cases[i].says))
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not say \"%s\"", i, err,
				  cases[i].says);
	}
}

/* hv-1's memory: a known shape, every 5 minutes */
static double mem_at(int i)
{
	return 8e9 + 2e9 * sin(i / 40.0) + (i % 13) * 1e7;
}

static struct cd_mstore *store(char *dir)
{
	struct cd_mstore_opts o = { 0 };
	struct cd_mstore *st;
	char err[256];
	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(cd_mstore_open(dir, &o, &st, err, sizeof err), 0);
	struct cd_series_desc d = { .metric = "host_memory_used_bytes", .labels = "host=\"hv-1\"",
				    .kind = "host", .name = "hv-1", .host = "hv-1", .source = "kvm1" };
	int64_t id;
	ASSERT_EQ(cd_mstore_series(st, &d, &id), 0);
	for (int i = 0; i < 48 * 12; i++)
		ASSERT_EQ(cd_mstore_append(st, id, T0 + i * 300000LL, mem_at(i)), 0);
	ASSERT_EQ(cd_mstore_commit(st), 0);
	ASSERT_EQ(cd_mstore_maintain(st, T0 + 3 * 86400000LL), 0);
	return st;
}

/* make the report's files: in *f */
static void make(const struct cd_report *r, const struct cd_tz *tz, const struct cd_view *v,
		 const struct cd_vrows *rows, const struct cd_rseries *ser, size_t nser,
		 unsigned what, long only, struct cd_rfiles *f)
{
	static const struct cd_rdetection det[] = {
		{ T0 + 3 * HOUR, "vdi-001", "Eicar-Test-Signature", "/home/u/eicar.com", "quarantine_file", true },
		{ T0 + 30 * HOUR, "vdi-002", "Win.Trojan=x", "C:\\a, \"b\".exe", "report", false },
	};
	static const struct cd_rquarantine quar[] = {
		{ "vdi-002", T0 - 5 * HOUR, T0 + 2 * HOUR, "vdi-002 quarantined: x found in y", "clean full scan" },
		{ "vdi-001", T0 + 3 * HOUR, 0, "vdi-001 quarantined: Eicar", NULL },
	};
	static const struct cd_rrule rules[] = { { 7, "ssh-in", "application", "allow", false },
						 { 9, NULL, "emergency", "drop", true } };
	struct cd_rsecdata d[5] = {
		{ .view = v, .rows = rows },
		{ .series = ser, .nseries = nser, .step = HOUR },
		{ .det = det, .ndet = 2 },
		{ .quar = quar, .nquar = 2 },
		{ .rules = rules, .nrules = 2, .rules_total = 5, .policy_rev = 3 },
	};
	struct cd_rcompose in = { .rep = r, .tz = tz, .begin = T0, .end = T0 + 48 * HOUR - 1,
				  .generated = T0 + 48 * HOUR + 5 * 60000, .data = d };
	char err[512];
	int e = cd_report_compose(&in, what, only, f, err, sizeof err);
	if (e)
		test_fail(__FILE__, __LINE__, "compose: %d %s", e, err);
}

static bool same(const struct cd_buf *a, const struct cd_buf *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

TEST(reportdef_compose_files)
{
	char dir[] = "/tmp/cd-rdef-XXXXXX";
	struct cd_mstore *st = store(dir);
	const char *doc = "{\"name\": \"t\", \"title\": \"Test report\", \"timezone\": "
			  "\"Europe/Paris\", \"sections\": [{\"view\": \"hm\"}, {\"chart\": {\"metric\": "
			  "\"host_memory_used_bytes\"}}, {\"detections\": {}}, {\"quarantines\": {}},"
			  " {\"unmatched_rules\": {}}]}";
	const char *vdoc = "{\"name\": \"hm\", \"title\": \"Hosts' memory\", \"kind\": \"host\", "
			   "\"columns\": [{\"property\": \"name\"}, {\"title\": \"avg\", \"metric\": "
			   "\"host_memory_used_bytes\", \"transform\": \"avg\", \"unit\": \"GB\"}]}";
	struct cd_report r;
	struct cd_view v;
	char err[512];
	ASSERT_EQ(cd_report_parse(doc, strlen(doc), &r, err, sizeof err), 0);
	ASSERT_EQ(cd_view_parse(vdoc, strlen(vdoc), &v, err, sizeof err), 0);
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("Europe/Paris", &tz), 0);
	struct cd_vobject o = { .name = "hv-1", .source = "kvm1" };
	struct cd_vrows *rows;
	ASSERT_EQ(cd_vrows_compute(&v, st, &o, 1, T0, T0 + 48 * HOUR - 1, &rows), 0);
	struct cd_point *p;
	size_t n;
	ASSERT_EQ(cd_mquery(st, cd_catalog_find("host_memory_used_bytes"), "host", "hv-1", T0,
			    T0 + 48 * HOUR - 1, HOUR, CD_AGG_AVG, &p, &n), 0);
	ASSERT_EQ(n, 48);
	struct cd_rseries ser = { "hv-1", p, n };
	struct cd_rfiles f, g;
	make(&r, tz, &v, rows, &ser, 1, CD_RMAKE_PDF | CD_RMAKE_CSV, -1, &f);
	ASSERT_STR_EQ(f.pdf_name, "t-2025-12-03-0059.pdf");
	ASSERT(f.pdf.len > 1000 && !memcmp(f.pdf.data, "%PDF-", 5));
	ASSERT_EQ(f.ncsv, 4);           /* the chart has none */
	ASSERT_STR_EQ(f.csv[0].name, "t-2025-12-03-0059-1-hm.csv");
	ASSERT_STR_EQ(f.csv[1].name, "t-2025-12-03-0059-3-detections.csv");
	ASSERT_STR_EQ(f.csv[3].name, "t-2025-12-03-0059-5-unmatched-rules.csv");
	/* the view's CSV: cd_vrows_csv's, the hours' means */
	double sum = 0;
	for (int h = 0; h < 48; h++) {
		double s = 0;
		for (int i = h * 12; i < h * 12 + 12; i++)
			s += mem_at(i);
		sum += s / 12;
	}
	char want[128];
	snprintf(want, sizeof want, "name,avg (GB)\r\nhv-1,%.2f\r\n", sum / 48 / 1e9);
	ASSERT_STR_EQ(f.csv[0].data.data, want);
	ASSERT_STR_EQ(f.csv[1].data.data,
		      "Time,Workload,Signature,File,Action,Remediated\r\n"
		      "2025-12-01T04:00:00+01:00,vdi-001,Eicar-Test-Signature,/home/u/eicar.com,quarantine_file,yes\r\n"
		      "2025-12-02T07:00:00+01:00,vdi-002,Win.Trojan=x,\"C:\\a, \"\"b\"\".exe\",report,no\r\n");
	ASSERT_STR_EQ(f.csv[2].data.data,
		      "Workload,Since,Released,Still quarantined,Duration (h),Why,Released by\r\n"
		      "vdi-002,2025-11-30T20:00:00+01:00,2025-12-01T03:00:00+01:00,no,7.00,"
		      "vdi-002 quarantined: x found in y,clean full scan\r\n"
		      "vdi-001,2025-12-01T04:00:00+01:00,,yes,45.00,vdi-001 quarantined: Eicar,\r\n");
	ASSERT_STR_EQ(f.csv[3].data.data, "Rule,Name,Category,Action,Mode\r\n"
					  "7,ssh-in,application,allow,enforced\r\n9,,emergency,drop,staged\r\n");
	/* the same inputs: the same bytes */
	make(&r, tz, &v, rows, &ser, 1, CD_RMAKE_PDF | CD_RMAKE_CSV, -1, &g);
	ASSERT(same(&f.pdf, &g.pdf));
	for (size_t i = 0; i < f.ncsv; i++)
		ASSERT(same(&f.csv[i].data, &g.csv[i].data));
	cd_rfiles_free(&g);
	/* one section's CSV alone; a chart has none */
	make(&r, tz, &v, rows, &ser, 1, 0, 3, &g);
	ASSERT(g.ncsv == 1 && !g.pdf_name && same(&g.csv[0].data, &f.csv[2].data));
	cd_rfiles_free(&g);
	struct cd_rsecdata d[5] = { { 0 } };
	struct cd_rcompose in = { .rep = &r, .tz = tz, .begin = T0, .end = T0 + HOUR, .data = d };
	ASSERT_EQ(cd_report_compose(&in, 0, 1, &g, err, sizeof err), -EINVAL);
	ASSERT_CONTAINS(err, "section 1 is not a table");
	/* the PDF's text, when poppler is here */
	char path[64];
	snprintf(path, sizeof path, "%s/t.pdf", dir);
	FILE *fp = fopen(path, "wb");
	ASSERT(fp && fwrite(f.pdf.data, 1, f.pdf.len, fp) == f.pdf.len && fclose(fp) == 0);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v pdftotext >/dev/null && pdftotext -layout %s %s/t.txt", path,
		 dir);
	if (system(cmd) == 0) {
		char *text;
		size_t len;
		snprintf(path, sizeof path, "%s/t.txt", dir);
		ASSERT_EQ(cd_read_file(path, 1 << 20, &text, &len), 0);
		ASSERT_CONTAINS(text, "2025-12-01 01:00 +01:00 to 2025-12-03 00:59 +01:00, times in Europe/Paris");
		ASSERT_CONTAINS(text, "generated 2025-12-03 01:05 +01:00");
		ASSERT_CONTAINS(text, "Hosts' memory");
		ASSERT_CONTAINS(text, "1 host, figures over the range at a 1h step.");
		ASSERT_CONTAINS(text, "2 detections on 2 workloads.");
		ASSERT_CONTAINS(text, "2 quarantines, 1 still at the range's end; the longest 1d 20h 59m.");
		ASSERT_CONTAINS(text, "2 of the 5 enabled rules of policy revision 3");
		ASSERT_CONTAINS(text, "ssh-in");
		free(text);
	}
	cd_rfiles_free(&f);
	free(p);
	cd_vrows_free(rows);
	cd_view_free(&v);
	cd_report_free(&r);
	cd_tz_free(tz);
	cd_mstore_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}

static int runs_row(void *ctx, const struct cd_report_run *r)
{
	json_array_append_new(ctx, json_sprintf("%s %s %s", r->trigger, r->outcome,
						r->detail ? r->detail : "-"));
	return 0;
}

struct seen_ids { int64_t id[8]; size_t n; };

static int seen_id(void *ctx, int64_t rule)
{
	struct seen_ids *s = ctx;
	if (s->n < 8)
		s->id[s->n++] = rule;
	return 0;
}

/* Reports' runs in the store (store_reports.c): a scheduled fire stored
 * once (a second manager's claim refused), runs on demand each stored,
 * the last fire, the runs newest first, ended, said interrupted, pruned;
 * the rules flow records name. */
static void store_runs(const char *target)
{
	struct cd_store *s;
	if (target) {      /* a database of its own: the tables made again */
		struct cd_db *db;
		int r = cd_db_open(target, &db);
		if (!r)
			r = cd_db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
		cd_db_close(db);
		ASSERT_EQ(r, 0);
	}
	ASSERT_EQ(cd_store_open(target ? target : ":memory:", &s), 0);
	struct cd_report_run run = { .name = "ops", .fire = T0, .trigger = "schedule", .begin_ms = T0 - HOUR,
				     .end_ms = T0, .started = T0 * 1000, .outcome = "running",
				     .actor = "schedule" };
	int64_t id1, id2, id3, id4, fire = -1;
	ASSERT_EQ(cd_store_report_last_fire(s, "ops", &fire), 0);
	ASSERT_EQ(fire, 0);
	ASSERT_EQ(cd_store_report_run_add(s, &run, &id1), 0);
	ASSERT_EQ(cd_store_report_run_add(s, &run, &id2), -EEXIST);
	run.fire = 0;
	run.trigger = "api";
	ASSERT_EQ(cd_store_report_run_add(s, &run, &id2), 0);
	ASSERT_EQ(cd_store_report_run_add(s, &run, &id3), 0);
	run.fire = T0 + HOUR;
	run.trigger = "schedule";
	run.started = (T0 + 2 * HOUR) * 1000;
	ASSERT_EQ(cd_store_report_run_add(s, &run, &id4), 0);
	ASSERT(id1 < id2 && id2 < id3 && id3 < id4);
	ASSERT_EQ(cd_store_report_last_fire(s, "ops", &fire), 0);
	ASSERT_EQ(fire, T0 + HOUR);
	ASSERT_EQ(cd_store_report_run_end(s, id4, (T0 + 3 * HOUR) * 1000, "ok", "{\"files\": []}"), 0);
	/* the three left running before T0 + 1h: interrupted */
	ASSERT_EQ(cd_store_report_runs_interrupted(s, (T0 + HOUR) * 1000), 3);
	json_t *a = json_array();
	ASSERT_EQ(cd_store_report_runs(s, "ops", 0, runs_row, a), 0);
	ASSERT_EQ(json_array_size(a), 4);
	ASSERT_STR_EQ(json_string_value(json_array_get(a, 0)), "schedule ok {\"files\": []}");
	ASSERT_STR_EQ(json_string_value(json_array_get(a, 3)), "schedule interrupted -");
	json_array_clear(a);
	ASSERT_EQ(cd_store_report_runs_prune(s, "ops", 2), 0);
	ASSERT_EQ(cd_store_report_runs(s, "ops", 0, runs_row, a), 0);
	ASSERT_EQ(json_array_size(a), 2);
	json_decref(a);
	/* a flow record of rule 7, with staged rule 9 */
	struct cd_flow_rec f = { .minute = T0 + 5 * 60000, .host = "hv1", .vnic = "tap1", .seen_at = "source",
				 .src_ip = "10.0.0.1", .dst_ip = "10.0.0.2", .proto = 6, .port = 443,
				 .verdict = "allowed", .rule_id = 7, .staged_id = 9, .connections = 1,
				 .src_tags = "", .dst_tags = "", .src_groups = "", .dst_groups = "" };
	ASSERT_EQ(cd_store_flow_batch(s, "cred", 1, T0 * 1000, &f, 1, 100), 1);
	struct seen_ids ids = { 0 };
	ASSERT_EQ(cd_store_flow_rules_seen(s, T0 + 5 * 60000 + 1234, T0 + HOUR, seen_id, &ids), 0);
	ASSERT(ids.n == 2 && ids.id[0] == 7 && ids.id[1] == 9);
	ids.n = 0;
	ASSERT_EQ(cd_store_flow_rules_seen(s, T0 + 6 * 60000, T0 + HOUR, seen_id, &ids), 0);
	ASSERT_EQ(ids.n, 0);
	cd_store_close(s);
}

TEST(reportdef_store_runs)
{
	store_runs(NULL);
}

TEST(pg_reportdef_store_runs)
{
	store_runs(getenv("CD_TEST_PG"));
}
