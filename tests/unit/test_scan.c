/* test_scan.c - the libclamav scanner with the project's signatures:
 * detections by hash and by body, archives, what is skipped, and a reload
 * that picks up a new signature. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "antimalware/scan.h"
#include "antimalware/scanjob.h"
#include "antimalware/vault.h"
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

struct seen {
	int infected, other, progress;
	struct cd_scan_progress last;
};

static void on_result(void *ctx, const char *path, const struct cd_scan_result *r)
{
	struct seen *s = ctx;
	(void)path;
	if (r->verdict == CD_SCAN_INFECTED)
		s->infected++;
	else
		s->other++;
}

static void on_progress(void *ctx, const struct cd_scan_progress *p)
{
	struct seen *s = ctx;
	s->progress++;
	s->last = *p;
}

static void stop_at_first(void *ctx, const char *path, const struct cd_scan_result *r)
{
	(void)path;
	(void)r;
	atomic_store((atomic_bool *)ctx, true);
}

TEST(scanjob_walks_excludes_and_counts)
{
	struct cd_scanner *s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_scan_limits lim = CD_SCAN_LIMITS_DEFAULT;
	ASSERT_EQ(cd_scanner_open(&s, "signatures", &lim, &err), 0);
	char *d = mkdir_tmp();
	char *sub = cd_asprintf("%s/home", d), *ex = cd_asprintf("%s/cache", d);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	ASSERT_EQ(mkdir(ex, 0700), 0);
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%02d.txt", i);
		free(put(sub, name, "plain text, nothing more\n"));
	}
	char *bad = put(sub, "eicar.com", eicar);
	free(put(ex, "eicar.com", eicar));          /* excluded */
	char *l = cd_asprintf("%s/link-to-eicar", d);
	ASSERT_EQ(symlink(bad, l), 0);               /* not followed */
	const char *paths[] = { d };
	const char *excl[] = { ex };
	struct seen seen = { 0 };
	struct cd_scanjob j = {
		.paths = paths, .npaths = 1, .exclude = excl, .nexclude = 1, .threads = 2,
		.on_result = on_result, .on_progress = on_progress, .ctx = &seen,
	};
	struct cd_scan_progress p;
	ASSERT_EQ(cd_scanjob_run(s, &j, &p), 0);
	ASSERT_EQ(p.files_total, 21u);
	ASSERT_EQ(p.files_done, 21u);
	ASSERT_EQ(p.infected, 1u);
	ASSERT_EQ(seen.infected, 1);
	ASSERT(seen.progress >= 1);
	ASSERT_EQ(seen.last.files_done, 21u);
	ASSERT_EQ(p.bytes_done, p.bytes_total);
	/* stopped from the first result on: unfinished, and said so */
	atomic_bool stop = false;
	j.stop = &stop;
	j.all_results = true;
	j.threads = 1;
	j.on_result = stop_at_first;
	j.on_progress = NULL;
	j.ctx = &stop;
	ASSERT_EQ(cd_scanjob_run(s, &j, &p), -ECANCELED);
	ASSERT(p.files_done < 21u);
	/* a quick scan: only files changed since a time */
	stop = false;
	j.since = time(NULL) + 3600;
	ASSERT_EQ(cd_scanjob_run(s, &j, &p), 0);
	ASSERT_EQ(p.files_total, 0u);
	cd_scanner_close(s);
	free(l);
	free(bad);
	free(sub);
	free(ex);
	rm_rf(d);
	free(d);
	cd_buf_free(&err);
}

TEST(vault_moves_and_restores)
{
	char *d = mkdir_tmp(), *vault = cd_asprintf("%s/vault", d);
	char *p = put(d, "eicar.com", eicar);
	ASSERT_EQ(chmod(p, 0640), 0);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	char id[CD_VAULT_ID_MAX];
	ASSERT_EQ(cd_vault_put(vault, p, "Cordon.Test.EICAR", id, &err), 0);
	ASSERT(access(p, F_OK) < 0);
	char *bin = cd_asprintf("%s/%s.bin", vault, id), *meta = cd_asprintf("%s/%s.json", vault, id);
	struct stat st;
	ASSERT_EQ(stat(bin, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600u);
	ASSERT_EQ(stat(meta, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600u);
	ASSERT_EQ(stat(vault, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0700u);
	char *text;
	size_t len;
	ASSERT_EQ(cd_read_file(meta, 1 << 16, &text, &len), 0);
	ASSERT_CONTAINS(text, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
	ASSERT_CONTAINS(text, "eicar.com");
	free(text);
	/* restored as it was */
	ASSERT_EQ(cd_vault_restore(vault, id, &err), 0);
	ASSERT_EQ(cd_read_file(p, 1 << 16, &text, &len), 0);
	ASSERT_STR_EQ(text, eicar);
	free(text);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0640u);
	ASSERT(access(bin, F_OK) < 0);
	/* never over a file that is there now; bad ids refused */
	char id2[CD_VAULT_ID_MAX];
	ASSERT_EQ(cd_vault_put(vault, p, "x", id2, &err), 0);
	free(put(d, "eicar.com", "a new file\n"));
	ASSERT(cd_vault_restore(vault, id2, &err) < 0);
	ASSERT(cd_vault_restore(vault, "../etc", &err) < 0);
	ASSERT(cd_vault_restore(vault, "nothing", &err) < 0);
	/* its directory swapped for a link elsewhere since: not followed */
	char *sub = cd_asprintf("%s/home", d), *elsewhere = cd_asprintf("%s/elsewhere", d);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	ASSERT_EQ(mkdir(elsewhere, 0700), 0);
	char *q = put(sub, "x.com", eicar);
	char id3[CD_VAULT_ID_MAX];
	ASSERT_EQ(cd_vault_put(vault, q, "x", id3, &err), 0);
	ASSERT_EQ(rmdir(sub), 0);
	ASSERT_EQ(symlink(elsewhere, sub), 0);
	cd_buf_reset(&err);
	ASSERT_EQ(cd_vault_restore(vault, id3, &err), -ELOOP);
	ASSERT_CONTAINS(err.data, "symbolic link");
	char *there = cd_asprintf("%s/x.com", elsewhere);
	ASSERT(access(there, F_OK) < 0);
	/* the entry stays, for when the directory is back */
	ASSERT_EQ(unlink(sub), 0);
	ASSERT_EQ(mkdir(sub, 0700), 0);
	ASSERT_EQ(cd_vault_restore(vault, id3, &err), 0);
	ASSERT_EQ(access(q, F_OK), 0);
	free(there);
	free(q);
	free(sub);
	free(elsewhere);
	free(bin);
	free(meta);
	free(p);
	free(vault);
	rm_rf(d);
	free(d);
	cd_buf_free(&err);
}

TEST(vault_identical_files_each_get_an_entry)
{
	char *d = mkdir_tmp(), *vault = cd_asprintf("%s/vault", d);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	char ids[5][CD_VAULT_ID_MAX], name[4200];
	/* five copies of one file, quarantined within the same second */
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "copy%d.com", i);
		char *p = put(d, name, eicar);
		ASSERT_EQ(cd_vault_put(vault, p, "Cordon.Test.EICAR", ids[i], &err), 0);
		free(p);
		for (int k = 0; k < i; k++)
			ASSERT(strcmp(ids[i], ids[k]) != 0);
	}
	/* and each comes back to its own place */
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(cd_vault_restore(vault, ids[i], &err), 0);
		snprintf(name, sizeof(name), "%s/copy%d.com", d, i);
		ASSERT_EQ(access(name, F_OK), 0);
	}
	free(vault);
	rm_rf(d);
	free(d);
	cd_buf_free(&err);
}
