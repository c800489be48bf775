/* test_scan.c - the libclamav scanner with the project's signatures:
 * detections by hash and by body, archives, what is skipped, and a reload
 * that picks up a new signature. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "test.h"

static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static char *put(const char *dir, const char *name, const char *text)
{
	char *p = cd_asprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static char *mkdir_tmp(void)
{
	char t[] = "/tmp/cordon-scan.XXXXXX";
	return cd_strdup(mkdtemp(t));
}

static void rm_rf(const char *d)
{
	char *c = cd_asprintf("rm -rf '%s'", d);
	if (system(c) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
	free(c);
}

TEST(scan_detects_and_skips)
{
	struct cd_scanner *s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_scan_limits lim = CD_SCAN_LIMITS_DEFAULT;
	ASSERT_EQ(cd_scanner_open(&s, "signatures", &lim, &err), 0);
	ASSERT_EQ(cd_scanner_signatures(s), 3u);
	char *d = mkdir_tmp();
	struct cd_scan_result r;
	char *p = put(d, "eicar.com", eicar);
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_INFECTED);
	ASSERT_CONTAINS(r.signature, "Cordon.Test.EICAR");
	free(p);
	p = put(d, "notes.txt", "some text\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n");
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_INFECTED);
	ASSERT_CONTAINS(r.signature, "Cordon.Test.EICAR-Body");
	free(p);
	p = put(d, "clean.txt", "nothing to see here\n");
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_CLEAN);
	char *l = cd_asprintf("%s/link", d);
	ASSERT_EQ(symlink(p, l), 0);
	cd_scan_file(s, l, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_SKIPPED);
	ASSERT_CONTAINS(r.why, "symbolic link");
	free(l);
	free(p);
	p = cd_asprintf("%s/gone", d);
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_ERROR);
	ASSERT_CONTAINS(r.why, "vanished");
	free(p);
	cd_scan_file(s, d, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_SKIPPED);
	/* archives, as libclamav opens them */
	static const char *const arch[] = { "clam.zip", "clam.tar.gz", "clam.7z", "clam.exe.bz2" };
	for (size_t i = 0; i < 4; i++) {
		char *a = cd_asprintf("/usr/share/clamav-testfiles/%s", arch[i]);
		if (access(a, R_OK) == 0) {
			cd_scan_file(s, a, &r);
			ASSERT_EQ(r.verdict, CD_SCAN_INFECTED);
			ASSERT_CONTAINS(r.signature, "Cordon.Test.ClamAV-TestFile");
		}
		free(a);
	}
	cd_scanner_close(s);
	rm_rf(d);
	free(d);
	cd_buf_free(&err);
}

TEST(scan_reload_picks_up_new_signatures)
{
	char *d = mkdir_tmp(), *db = cd_asprintf("%s/db", d);
	ASSERT_EQ(mkdir(db, 0700), 0);
	char *h = put(db, "a.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Cordon.Test.EICAR\n");
	struct cd_scanner *s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_scan_limits lim = CD_SCAN_LIMITS_DEFAULT;
	ASSERT_EQ(cd_scanner_open(&s, db, &lim, &err), 0);
	char *p = put(d, "notes.txt", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE in a note\n");
	struct cd_scan_result r;
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_CLEAN);
	bool re;
	ASSERT_EQ(cd_scanner_reload(s, &re, &err), 0);
	ASSERT(!re);
	char *n = put(db, "b.ndb", "Cordon.Test.EICAR-Body:0:*:45494341522d5354414e444152442d414e544956495255532d544553542d46494c45\n");
	ASSERT_EQ(cd_scanner_reload(s, &re, &err), 0);
	ASSERT(re);
	ASSERT_EQ(cd_scanner_signatures(s), 2u);
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_INFECTED);
	/* a broken database: the engine in use stays */
	free(put(db, "c.ndb", "this is not a signature\n"));
	ASSERT(cd_scanner_reload(s, &re, &err) < 0);
	ASSERT_CONTAINS(err.data, "c.ndb");
	cd_scan_file(s, p, &r);
	ASSERT_EQ(r.verdict, CD_SCAN_INFECTED);
	cd_scanner_close(s);
	/* no signatures at all is an error, said */
	char *empty = cd_asprintf("%s/empty", d);
	ASSERT_EQ(mkdir(empty, 0700), 0);
	cd_buf_reset(&err);
	ASSERT(cd_scanner_open(&s, empty, &lim, &err) < 0);
	ASSERT(err.len > 0);
	free(empty);
	free(h);
	free(n);
	free(p);
	free(db);
	rm_rf(d);
	free(d);
	cd_buf_free(&err);
}
