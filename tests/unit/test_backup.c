/* test_backup.c - a data directory into one file and back
 * (manager/backup.h): a backup taken while a writer holds a transaction
 * open has what was committed and not the rest; restored over a
 * directory, the files replaced are set aside and the new ones are the
 * backup's, byte for byte; into a new directory, the same; and every
 * refusal (a process holding the directory, a newer schema, an empty,
 * random, truncated or altered file, an SQLite file that is no backup, a
 * file listed that no backup holds, a part missing) changes nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "db/db.h"
#include "manager/backup.h"
#include "manager/store.h"
#include "metrics/chunkdb.h"
#include "test.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cordon-backup-XXXXXX";
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

static void put(const char *dir, const char *name, const char *text)
{
	char *p = cd_asprintf("%s/%s", dir, name);
	ASSERT_EQ(cd_write_file(p, text, strlen(text), 0600), 0);
	free(p);
}

static char *get(const char *dir, const char *name)
{
	char *p = cd_asprintf("%s/%s", dir, name), *text = NULL;
	size_t len;
	int r = cd_read_file(p, 1 << 20, &text, &len);
	free(p);
	return r < 0 ? NULL : text;
}

/* The store's value of meta key k (a copy), as a new process sees it. */
static char *meta_of(const char *db_path, const char *k)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(db_path, &s), 0);
	char *v = NULL;
	cd_store_meta_get(s, k, &v);
	cd_store_close(s);
	return v;
}

/* A manager's data directory: its store (meta mark = v1), its metrics
 * store, its certificate, key and token. */
static char *data_dir(void)
{
	char *d = tmpdir(), *db = cd_asprintf("%s/cordon.db", d);
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(db, &s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "mark", "v1"), 0);
	cd_store_close(s);
	free(db);
	struct cd_chunkdb *m;
	char err[512];
	ASSERT_EQ(cd_chunkdb_open(d, NULL, &m, err, sizeof(err)), 0);
	cd_chunkdb_close(m);
	put(d, "tls.crt", "CERTIFICATE\n");
	put(d, "tls.key", "KEY\n");
	put(d, "admin.token", "ctk_secret\n");
	return d;
}

/* What dir holds, a line a file: its name, size and time of change
 * (directories within it followed too). */
static void listing(const char *dir, struct cd_buf *out)
{
	struct dirent **de;
	int n = scandir(dir, &de, NULL, alphasort);
	if (n < 0) {
		ASSERT_EQ(cd_buf_printf(out, "%s: none\n", dir) >= 0, 1);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(de[i]->d_name, ".") && strcmp(de[i]->d_name, "..")) {
			char *p = cd_asprintf("%s/%s", dir, de[i]->d_name);
			struct stat sb;
			ASSERT_EQ(lstat(p, &sb), 0);
			ASSERT(cd_buf_printf(out, "%s %lld %lld.%09ld %o\n", p, (long long)sb.st_size,
					     (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
					     (unsigned)sb.st_mode) >= 0);
			if (S_ISDIR(sb.st_mode))
				listing(p, out);
			free(p);
		}
		free(de[i]);
	}
	free(de);
}

/* Restore f into dir is refused as want says, its message holding
 * said, and dir is as it was. */
static void refused(const char *f, const char *dir, int want, const char *said)
{
	struct cd_buf before, after, err;
	cd_buf_init(&before, 1 << 20);
	cd_buf_init(&after, 1 << 20);
	cd_buf_init(&err, 4096);
	listing(dir, &before);
	struct cd_backup_info info;
	char *aside = (char *)"x";
	int r = cd_backup_restore(f, dir, &info, &aside, &err);
	if (r != want)
		fprintf(stderr, "restore of %s: %d, %s\n", f, r, err.data ? err.data : "");
	ASSERT_EQ(r, want);
	ASSERT(aside == NULL);
	ASSERT_CONTAINS(err.data, said);
	listing(dir, &after);
	ASSERT_STR_EQ(after.data ? after.data : "", before.data ? before.data : "");
	cd_buf_free(&before);
	cd_buf_free(&after);
	cd_buf_free(&err);
}

static void make(const char *dir, const char *f)
{
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = cd_backup_make(dir, f, &info, &err);
	if (r)
		fprintf(stderr, "%s\n", err.data);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(info.schema, cd_store_schema_version());
	ASSERT_STR_EQ(info.files, "cordon.db, metrics.db, tls.crt, tls.key, admin.token");
	cd_buf_free(&err);
}

/* Run sql on the backup f (it is changed in place). */
static void alter(const char *f, const char *sql)
{
	struct cd_db *db;
	ASSERT_EQ(cd_db_open_sqlite(f, false, &db), 0);
	int r = cd_db_exec(db, sql);
	if (r)
		fprintf(stderr, "%s\n", cd_db_error(db));
	ASSERT_EQ(r, 0);
	cd_db_close(db);
}

static void copy(const char *from, const char *to, size_t max)
{
	char *text;
	size_t len;
	ASSERT_EQ(cd_read_file(from, 64 << 20, &text, &len), 0);
	ASSERT_EQ(cd_write_file(to, text, len < max ? len : max, 0600), 0);
	free(text);
}

TEST(backup_online_and_restored)
{
	char *d = data_dir(), *t = tmpdir();
	char *db = cd_asprintf("%s/cordon.db", d), *f = cd_asprintf("%s/b.backup", t);
	/* a writer inside its transaction while the backup is taken: what
	 * it committed is in, what it has not is not */
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(db, &s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "mark", "v1"), 0);
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "mark", "uncommitted"), 0);
	make(d, f);
	cd_store_rollback(s);
	ASSERT_EQ(cd_store_meta_set(s, "mark", "v2"), 0);     /* after the backup */
	cd_store_close(s);
	struct stat sb;
	ASSERT_EQ(stat(f, &sb), 0);
	ASSERT_EQ(sb.st_mode & 0777, 0600);
	char *tmp = cd_asprintf("%s.tmp", f);
	ASSERT(access(tmp, F_OK) < 0);
	free(tmp);
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_backup_check(f, &info, &err), 0);
	ASSERT_EQ(info.schema, cd_store_schema_version());

	/* over the directory: the backup's state, the replaced files aside */
	put(d, "tls.key", "ANOTHER KEY\n");
	put(d, "admin.password", "made later\n");
	char *aside;
	ASSERT_EQ(cd_backup_restore(f, d, &info, &aside, &err), 0);
	ASSERT(aside != NULL);
	char *v = meta_of(db, "mark"), *k = get(d, "tls.key");
	ASSERT_STR_EQ(v, "v1");
	ASSERT_STR_EQ(k, "KEY\n");
	ASSERT(access(db, F_OK) == 0);
	char *pw = cd_asprintf("%s/admin.password", d);
	ASSERT(access(pw, F_OK) < 0);      /* not in the backup: set aside */
	free(pw);
	ASSERT_EQ(stat(db, &sb), 0);
	ASSERT_EQ(sb.st_mode & 0777, 0600);
	free(v);
	free(k);
	char *old = cd_asprintf("%s/cordon.db", aside);
	v = meta_of(old, "mark");
	k = get(aside, "tls.key");
	ASSERT_STR_EQ(v, "v2");
	ASSERT_STR_EQ(k, "ANOTHER KEY\n");
	free(v);
	free(k);
	free(old);
	k = get(aside, "admin.password");
	ASSERT_STR_EQ(k, "made later\n");
	free(k);
	free(aside);
	/* the metrics store opens as one */
	struct cd_chunkdb *m;
	char e[512];
	ASSERT_EQ(cd_chunkdb_open(d, NULL, &m, e, sizeof(e)), 0);
	cd_chunkdb_close(m);

	/* into a directory not made yet: made 0700, nothing set aside */
	char *n = cd_asprintf("%s/new", t), *ndb = cd_asprintf("%s/new/cordon.db", t);
	ASSERT_EQ(cd_backup_restore(f, n, &info, &aside, &err), 0);
	ASSERT(aside == NULL);
	ASSERT_EQ(stat(n, &sb), 0);
	ASSERT_EQ(sb.st_mode & 0777, 0700);
	v = meta_of(ndb, "mark");
	k = get(n, "admin.token");
	ASSERT_STR_EQ(v, "v1");
	ASSERT_STR_EQ(k, "ctk_secret\n");
	free(v);
	free(k);
	cd_buf_free(&err);
	free(n);
	free(ndb);
	free(db);
	free(f);
	rmdir_all(d);
	rmdir_all(t);
}

TEST(backup_refusals_change_nothing)
{
	char *d = data_dir(), *t = tmpdir();
	char *f = cd_asprintf("%s/b.backup", t), *g = cd_asprintf("%s/g.backup", t);
	make(d, f);
	char *n = cd_asprintf("%s/none", t);

	/* a process holds the directory (cordond does, from start to end) */
	int lock;
	char e[512];
	ASSERT_EQ(cd_chunkdb_lock(d, &lock, e, sizeof(e)), 0);
	refused(f, d, -EBUSY, "a cordond runs on it");
	close(lock);

	/* not a backup: empty, random bytes, an SQLite file of another
	 * kind, a directory */
	ASSERT_EQ(cd_write_file(g, "", 0, 0600), 0);
	refused(g, d, -EINVAL, "an empty file, not a cordon backup");
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7919 % 251);
	ASSERT_EQ(cd_write_file(g, junk, sizeof(junk), 0600), 0);
	refused(g, d, -EINVAL, "not a cordon backup (file is not a database)");
	char *db = cd_asprintf("%s/cordon.db", d);
	refused(db, n, -EINVAL, "not a cordon backup (an SQLite database, but not one");
	free(db);
	refused(t, d, -EINVAL, "not a regular file");

	/* damaged: cut short, a byte of a part changed, a part missing, a
	 * file no backup holds */
	struct stat sb;
	ASSERT_EQ(stat(f, &sb), 0);
	copy(f, g, (size_t)sb.st_size * 2 / 3);
	refused(g, d, -EINVAL, "damaged");
	copy(f, g, SIZE_MAX);
	alter(g, "UPDATE parts SET data = CAST(lower(CAST(data AS TEXT)) AS BLOB) WHERE name = 'tls.key'");
	refused(g, n, -EINVAL, "tls.key is not the file it was (its SHA-256 differs)");
	copy(f, g, SIZE_MAX);
	alter(g, "UPDATE parts SET n = 3 WHERE name = 'tls.crt'");
	refused(g, d, -EINVAL, "part 3 of tls.crt is not what cordon writes");
	copy(f, g, SIZE_MAX);
	alter(g, "INSERT INTO files VALUES('../escape', 384, 0, '"
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')");
	refused(g, d, -EINVAL, "holds a file '../escape', which no cordon backup holds");
	copy(f, g, SIZE_MAX);
	alter(g, "DELETE FROM files WHERE name = 'cordon.db'; DELETE FROM parts WHERE name = 'cordon.db'");
	refused(g, d, -EINVAL, "it holds no cordon.db");

	/* a newer cordon's: said in the backup, or only in its cordon.db */
	copy(f, g, SIZE_MAX);
	alter(g, "UPDATE backup SET value = '999' WHERE key = 'schema'");
	refused(g, d, -EPROTO, "a backup of a newer cordon");
	char *e2 = tmpdir(), *db2 = cd_asprintf("%s/cordon.db", e2);
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(db2, &s), 0);
	cd_store_close(s);
	struct cd_db *raw;
	ASSERT_EQ(cd_db_open_sqlite(db2, false, &raw), 0);
	ASSERT_EQ(cd_db_exec(raw, "PRAGMA user_version = 999"), 0);
	cd_db_close(raw);
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_backup_make(e2, g, &info, &err), 0);     /* made all the same */
	ASSERT_EQ(info.schema, 999);
	cd_buf_free(&err);
	refused(g, d, -EPROTO, "schema version 999");
	free(db2);
	rmdir_all(e2);

	/* the good one still restores */
	char *aside;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_backup_restore(f, d, &info, &aside, &err), 0);
	free(aside);
	cd_buf_free(&err);
	free(f);
	free(g);
	free(n);
	rmdir_all(d);
	rmdir_all(t);
}

TEST(backup_of_no_data_dir)
{
	char *t = tmpdir(), *f = cd_asprintf("%s/b.backup", t);
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_backup_make(t, f, &info, &err), -ENOENT);
	ASSERT_CONTAINS(err.data, "cordon.db: No such file or directory (not the data directory");
	ASSERT(access(f, F_OK) < 0);
	char *tmp = cd_asprintf("%s.tmp", f);
	ASSERT(access(tmp, F_OK) < 0);
	free(tmp);
	cd_buf_free(&err);
	free(f);
	rmdir_all(t);
}

/* A store as the first cordon made it (schema 0: store_schema.c's base
 * tables then), with a token. */
static const char schema0[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	"  config TEXT, workloads TEXT NOT NULL, updated INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE tags(workload TEXT NOT NULL, tag TEXT NOT NULL,"
	"  ltag TEXT NOT NULL, add_ INTEGER NOT NULL, PRIMARY KEY(workload, ltag));"
	"CREATE TABLE revisions(rev INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE tokens(hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, host TEXT, workload TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE agents(name TEXT PRIMARY KEY, host TEXT, workload TEXT,"
	"  enrolled INTEGER, last_seen INTEGER, applied_rev INTEGER, applied_seq INTEGER,"
	"  applied_at INTEGER, status TEXT);"
	"CREATE TABLE events(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  type TEXT NOT NULL, workload TEXT, host TEXT, actor TEXT, origin TEXT,"
	"  message TEXT NOT NULL, data TEXT, agent TEXT, agent_seq INTEGER);"
	"CREATE UNIQUE INDEX events_agent ON events(agent, agent_seq) WHERE agent IS NOT NULL;"
	"CREATE INDEX events_time ON events(time);"
	"CREATE TABLE scans(id INTEGER PRIMARY KEY, workload TEXT NOT NULL,"
	"  kind TEXT NOT NULL, state TEXT NOT NULL, by_ TEXT, requested INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL, result TEXT);"
	"CREATE TABLE quarantines(workload TEXT PRIMARY KEY COLLATE NOCASE,"
	"  since INTEGER NOT NULL, detected INTEGER NOT NULL, why TEXT NOT NULL);"
	"INSERT INTO tokens(hash, name, role, created) VALUES('h', 'old', 'viewer', 1);";

TEST(backup_of_an_older_schema_restored_then_migrated)
{
	char *d = tmpdir(), *t = tmpdir();
	char *db = cd_asprintf("%s/cordon.db", d), *f = cd_asprintf("%s/b.backup", t);
	char *r = cd_asprintf("%s/r", t), *rdb = cd_asprintf("%s/r/cordon.db", t);
	struct cd_db *raw;
	ASSERT_EQ(cd_db_open_sqlite(db, false, &raw), 0);
	ASSERT_EQ(cd_db_exec(raw, schema0), 0);
	cd_db_close(raw);
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_backup_make(d, f, &info, &err), 0);
	ASSERT_EQ(info.schema, 0);
	ASSERT_STR_EQ(info.files, "cordon.db");
	char *aside;
	ASSERT_EQ(cd_backup_restore(f, r, &info, &aside, &err), 0);
	ASSERT(aside == NULL);
	/* restored as it was; the next start brings it up to date */
	int64_t v = -1;
	char why[512];
	ASSERT_EQ(cd_store_file_check(rdb, true, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, 0);
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(rdb, &s), 0);
	ASSERT_EQ(cd_store_token_count(s, "old", "viewer"), 1);
	cd_store_close(s);
	ASSERT_EQ(cd_store_file_check(rdb, true, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, cd_store_schema_version());
	cd_buf_free(&err);
	free(db);
	free(f);
	free(r);
	free(rdb);
	rmdir_all(d);
	rmdir_all(t);
}
