/* test_report.c - a report's document (report/pdf.h): what the builder
 * refuses, the same bytes for the same document, the PDF's dates from the
 * document's time, an output limit kept; and its delivery to a directory
 * (report/deliver.h): bytes, mode, no temporary file, a symbolic link at
 * a name replaced and not followed, names refused.  (tests/report/run
 * reads the PDF with poppler, and delivers by SMTP and to a webhook.) */
#define _GNU_SOURCE   /* memmem */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/tz.h"
#include "base/util.h"
#include "report/deliver.h"
#include "report/pdf.h"
#include "test.h"

/* 2026-12-07 13:05:00 +01:00 */
#define GENERATED INT64_C(1796645100000)

static struct cd_rdoc *small_doc(const struct cd_tz *tz, int64_t generated)
{
	struct cd_rdoc *d;
	ASSERT_EQ(cd_rdoc_new("Title", "a range", generated, tz, &d), 0);
	struct cd_rtable *t;
	const char *h[] = { "name", "value" };
	const bool right[] = { false, true };
	ASSERT_EQ(cd_rdoc_table(d, "A table", 2, h, right, &t), 0);
	const char *row[] = { "bad \xff\xfe bytes\x01", "1.5" };
	ASSERT_EQ(cd_rtable_row(t, row), 0);
	ASSERT_EQ(cd_rtable_row(t, NULL), 0);
	struct cd_rchart *c;
	ASSERT_EQ(cd_rdoc_chart(d, "A chart", "ms", GENERATED - 3600000, GENERATED, 0, tz, &c), 0);
	int64_t ts[] = { GENERATED - 3000000, GENERATED - 2000000, GENERATED - 1000000 };
	double v[] = { 1, NAN, 3 }, lo[] = { 0, 0, 0 }, hi[] = { 2, 2, 4 };
	ASSERT_EQ(cd_rchart_line(c, "a line", ts, v, 3), 0);
	ASSERT_EQ(cd_rchart_band(c, "a band", ts, lo, hi, 3), 0);
	ASSERT_EQ(cd_rdoc_note(d, "a note\nof two lines"), 0);
	return d;
}

TEST(report_pdf_same_bytes)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("Europe/Paris", &tz), 0);
	struct cd_rdoc *d = small_doc(tz, GENERATED);
	struct cd_buf a, b;
	cd_buf_init(&a, 16 << 20);
	cd_buf_init(&b, 16 << 20);
	ASSERT_EQ(cd_buf_puts(&a, "kept"), 0);
	ASSERT_EQ(cd_rdoc_pdf(d, &a), 0);
	ASSERT_EQ(cd_rdoc_pdf(d, &b), 0);
	ASSERT(a.len == b.len + 4 && memcmp(a.data + 4, b.data, b.len) == 0);
	ASSERT(memcmp(b.data, "%PDF-1.5", 8) == 0);
	ASSERT(memmem(b.data, b.len, "/CreationDate (20261207130500+01'00)", 36));
	ASSERT(memmem(b.data, b.len, "/ModDate (20261207130500+01'00)", 31));
	ASSERT(memmem(b.data, b.len, "%%EOF", 5));
	/* the same document made again from scratch: the same bytes */
	struct cd_rdoc *d2 = small_doc(tz, GENERATED);
	struct cd_buf c;
	cd_buf_init(&c, 16 << 20);
	ASSERT_EQ(cd_rdoc_pdf(d2, &c), 0);
	ASSERT(c.len == b.len && memcmp(c.data, b.data, b.len) == 0);
	cd_rdoc_free(d2);
	/* another time: other dates */
	d2 = small_doc(tz, GENERATED + 60000);
	cd_buf_reset(&c);
	ASSERT_EQ(cd_rdoc_pdf(d2, &c), 0);
	ASSERT(memmem(c.data, c.len, "/CreationDate (20261207130600+01'00)", 36));
	cd_rdoc_free(d2);
	/* past the output's limit: an error, and what was there before kept */
	struct cd_buf s;
	cd_buf_init(&s, 2000);
	ASSERT_EQ(cd_buf_puts(&s, "before"), 0);
	ASSERT_EQ(cd_rdoc_pdf(d, &s), -E2BIG);
	ASSERT_EQ(s.len, 6);
	ASSERT_STR_EQ(s.data, "before");
	cd_buf_free(&s);
	cd_buf_free(&a);
	cd_buf_free(&b);
	cd_buf_free(&c);
	cd_rdoc_free(d);
	cd_tz_free(tz);
}

TEST(report_pdf_builder_limits)
{
	struct cd_tz *tz;
	ASSERT_EQ(cd_tz_open("UTC", &tz), 0);
	struct cd_rdoc *d;
	char *big = cd_malloc(CD_RDOC_TEXT_MAX + 2);
	memset(big, 'x', CD_RDOC_TEXT_MAX + 1);
	big[CD_RDOC_TEXT_MAX + 1] = '\0';
	ASSERT_EQ(cd_rdoc_new(big, "", 0, tz, &d), -E2BIG);
	ASSERT(d == NULL);
	ASSERT_EQ(cd_rdoc_new("t", "", CD_TZ_MAX_MS + 1, tz, &d), -EINVAL);
	ASSERT_EQ(cd_rdoc_new("t", NULL, 0, tz, &d), 0);
	struct cd_rtable *t;
	const char *h[CD_RDOC_COLUMNS_MAX + 1] = { 0 };
	ASSERT_EQ(cd_rdoc_table(d, "t", 0, h, NULL, &t), -EINVAL);
	ASSERT_EQ(cd_rdoc_table(d, "t", CD_RDOC_COLUMNS_MAX + 1, h, NULL, &t), -E2BIG);
	ASSERT_EQ(cd_rdoc_table(d, big, 1, h, NULL, &t), -E2BIG);
	ASSERT_EQ(cd_rdoc_table(d, "t", CD_RDOC_COLUMNS_MAX, h, NULL, &t), 0);
	const char *row[CD_RDOC_COLUMNS_MAX] = { "a", big };
	ASSERT_EQ(cd_rtable_row(t, row), -E2BIG);
	big[CD_RDOC_TEXT_MAX] = '\0';
	ASSERT_EQ(cd_rtable_row(t, row), 0);
	struct cd_rchart *c;
	ASSERT_EQ(cd_rdoc_chart(d, "c", "", 10, 10, 0, tz, &c), -EINVAL);
	ASSERT_EQ(cd_rdoc_chart(d, "c", "", 0, 10, -1, tz, &c), -EINVAL);
	ASSERT_EQ(cd_rdoc_chart(d, "c", "", 0, 3600000, 60000, tz, &c), 0);
	int64_t ts[] = { 0, 60000, 60000 };
	double v[] = { 1, 2, 3 }, lo[] = { 1, 3, 1 };
	ASSERT_EQ(cd_rchart_line(c, "x", ts, v, 3), -EINVAL);      /* times not increasing */
	ASSERT_EQ(cd_rchart_line(c, "x", ts, v, 2), 0);
	ASSERT_EQ(cd_rchart_band(c, "b", ts, lo, v, 2), -EINVAL);  /* lo over hi */
	ASSERT_EQ(cd_rchart_line(c, "x", ts, v, CD_RDOC_POINTS_MAX + 1), -E2BIG);
	for (int i = 1; i < CD_RDOC_SERIES_MAX; i++)
		ASSERT_EQ(cd_rchart_line(c, "x", ts, v, 0), 0);
	ASSERT_EQ(cd_rchart_line(c, "x", ts, v, 1), -E2BIG);
	char *note = cd_malloc(CD_RDOC_NOTE_MAX + 2);
	memset(note, 'n', CD_RDOC_NOTE_MAX + 1);
	note[CD_RDOC_NOTE_MAX + 1] = '\0';
	ASSERT_EQ(cd_rdoc_note(d, note), -E2BIG);
	/* a word wider than the page, long cells: cut, not refused */
	note[CD_RDOC_NOTE_MAX] = '\0';
	ASSERT_EQ(cd_rdoc_note(d, note), 0);
	struct cd_buf b;
	cd_buf_init(&b, 16 << 20);
	ASSERT_EQ(cd_rdoc_pdf(d, &b), 0);
	ASSERT(b.len > 1000);
	cd_buf_free(&b);
	cd_rdoc_free(d);
	cd_rdoc_free(NULL);
	free(big);
	free(note);
	cd_tz_free(tz);
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cordon-report-XXXXXX";
	char *d = mkdtemp(tmpl);
	ASSERT(d != NULL);
	return cd_strdup(d);
}

static void rmdir_all(char *d)
{
	char *cmd = cd_asprintf("rm -rf '%s'", d);
	ASSERT(system(cmd) == 0);
	free(cmd);
	free(d);
}

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len;
	return cd_read_file(path, 1 << 20, &s, &len) == 0 ? s : NULL;
}

TEST(report_deliver_dir)
{
	char *dir = tmpdir();
	char err[300];
	struct cd_rfile f[] = {
		{ "report 2026-12-07.pdf", "application/pdf", "%PDF-1.5 bytes", 14 },
		{ "rows.csv", "text/csv", "a,b\n1,2\n", 8 },
	};
	ASSERT_EQ(cd_deliver_dir(dir, f, 2, err, sizeof(err)), 0);
	char *p = cd_asprintf("%s/report 2026-12-07.pdf", dir), *q = cd_asprintf("%s/rows.csv", dir);
	char *s = slurp(p);
	ASSERT_STR_EQ(s, "%PDF-1.5 bytes");
	free(s);
	struct stat st;
	ASSERT_EQ(stat(q, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0640);
	/* a link at a name: replaced, its target untouched */
	char *outside = cd_asprintf("%s/outside", dir);
	ASSERT_EQ(cd_write_file(outside, "keep", 4, 0600), 0);
	ASSERT_EQ(unlink(q), 0);
	ASSERT_EQ(symlink(outside, q), 0);
	f[1].data = "c,d\n";
	f[1].len = 4;
	ASSERT_EQ(cd_deliver_dir(dir, f, 2, err, sizeof(err)), 0);
	ASSERT_EQ(lstat(q, &st), 0);
	ASSERT(S_ISREG(st.st_mode));
	s = slurp(outside);
	ASSERT_STR_EQ(s, "keep");
	free(s);
	s = slurp(q);
	ASSERT_STR_EQ(s, "c,d\n");
	free(s);
	/* nothing else in the directory: no temporary file */
	DIR *dd = opendir(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(dd));)
		n += e->d_name[0] != '.';
	closedir(dd);
	ASSERT_EQ(n, 3);
	/* a name refused, and nothing written of the others */
	static const char *const bad[] = { ".hidden", "a/b", "", "a\"b", "a\\b", "tab\there", "é.pdf", ".." };
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++) {
		ASSERT(!cd_deliver_name_ok(bad[i]));
		struct cd_rfile g[] = { { "fine.csv", "text/csv", "x", 1 }, { bad[i], "text/csv", "x", 1 } };
		ASSERT_EQ(cd_deliver_dir(dir, g, 2, err, sizeof(err)), -EINVAL);
		ASSERT_CONTAINS(err, "file 2: a name of 1-128 printable characters");
	}
	char *fine = cd_asprintf("%s/fine.csv", dir);
	ASSERT(access(fine, F_OK) != 0);
	ASSERT(cd_deliver_name_ok("weekly capacity (lab) 2026-12-07.pdf"));
	struct cd_rfile twice[] = { f[1], f[1] };
	ASSERT_EQ(cd_deliver_dir(dir, twice, 2, err, sizeof(err)), -EINVAL);
	ASSERT_STR_EQ(err, "rows.csv: given twice");
	char *missing = cd_asprintf("%s/missing", dir);
	ASSERT_EQ(cd_deliver_dir(missing, f, 1, err, sizeof(err)), -ENOENT);
	ASSERT_CONTAINS(err, "missing: No such file or directory");
	/* a directory where a file goes: the rename fails, no file left aside */
	char *sub = cd_asprintf("%s/rows.csv.d", dir);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	struct cd_rfile clash[] = { f[0], { "rows.csv.d", "text/csv", "x", 1 } };
	ASSERT(cd_deliver_dir(dir, clash, 2, err, sizeof(err)) < 0);
	ASSERT_CONTAINS(err, "rows.csv.d: Is a directory");
	dd = opendir(dir);
	n = 0;
	for (struct dirent *e; (e = readdir(dd));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dd);
	ASSERT_EQ(n, 4);
	free(p);
	free(q);
	free(outside);
	free(fine);
	free(missing);
	free(sub);
	rmdir_all(dir);
}
