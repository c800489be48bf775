/* backup.c - a manager's data directory in one file, and back (see
 * backup.h): the snapshots made with SQLite's backup API (db/), the
 * file's tables written and checked here, the databases restored checked
 * by their owners (store_schema.c, metrics/chunkdb.c). */
#define _GNU_SOURCE
#include "manager/backup.h"
#include "manager/backup_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "manager/store.h"
#include "metrics/chunkdb.h"

#define APP_ID 0x6364626b              /* 'cdbk' */
#define FORMAT 1
#define PART_MAX (16u << 20)           /* a piece of a file */
#define SMALL_MAX (1u << 20)           /* a certificate, a key, a token */

const struct cd_bk_known cd_bk_known[CD_BK_NKNOWN] = {
	{ "cordon.db", K_STORE }, { "metrics.db", K_METRICS }, { "tls.crt", K_SMALL },
	{ "tls.key", K_SMALL },   { "admin.token", K_SMALL },  { "admin.password", K_SMALL },
};
const char *const cd_bk_db_sides[3] = { "-wal", "-shm", "-journal" };

static const char tables[] =
	"PRAGMA page_size=65536; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	"PRAGMA application_id=1667523179;"     /* APP_ID */
	"CREATE TABLE backup(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE files(name TEXT PRIMARY KEY, mode INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL);"
	"CREATE TABLE parts(name TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,"
	"  PRIMARY KEY(name, n));";


/* ---- small helpers ---- */

int cd_bk_say(struct cd_buf *err, int r, const char *fmt, ...)
{
	if (!err->len) {         /* the first error is the one said */
		va_list ap;
		va_start(ap, fmt);
		cd_buf_vprintf(err, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int read_full(int fd, char *buf, size_t len, size_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t n = read(fd, buf + *got, len - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

/* A file or directory synced, by its path: 0 or -errno. */
int cd_bk_sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* The directory path is in (a copy). */
static char *dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');
	return !sl ? cd_strdup(".") : sl == path ? cd_strdup("/") : cd_strndup(path, (size_t)(sl - path));
}

static void sha_hex(gnutls_hash_hd_t h, char out[65])
{
	unsigned char d[32];
	gnutls_hash_deinit(h, d);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const struct cd_bk_known *find_known(const char *name)
{
	for (size_t i = 0; name && i < CD_BK_NKNOWN; i++)
		if (!strcmp(cd_bk_known[i].name, name))
			return &cd_bk_known[i];
	return NULL;
}

/* ---- making one ---- */

/* A database of the directory opened, its read transaction begun and its
 * snapshot fixed (a read): 0, or -EIO said. */
static int open_source(const char *path, struct cd_db **db, struct cd_buf *err)
{
	int r = cd_db_open_sqlite(path, false, db);
	if (r == 0)
		r = cd_db_begin_read(*db);
	if (r == 0) {
		int64_t n = cd_db_scalar(cd_db_prep(*db, "SELECT count(*) FROM sqlite_schema", NULL));
		r = n < 0 ? (int)n : 0;
	}
	return r ? cd_bk_say(err, -EIO, "%s: %s", path, cd_db_error(*db)) : 0;
}

/* One file into the backup: its parts (hashed as they are read) and its
 * row.  1 when it is not there. */
static int add_file(struct cd_db *b, const char *path, const char *name, size_t max, char *buf,
		    struct cd_backup_info *info, struct cd_buf *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return cd_bk_say(err, -e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
		close(fd);
		return cd_bk_say(err, -EINVAL, "%s: %s", path, !S_ISREG(sb.st_mode) ? "not a regular file"
			   : "larger than 1 MiB: not the file cordond writes");
	}
	gnutls_hash_hd_t h;
	gnutls_hash_init(&h, GNUTLS_DIG_SHA256);
	int64_t size = 0, n = 0;
	int r = 0;
	for (;;) {
		size_t got;
		if ((r = read_full(fd, buf, PART_MAX, &got)) < 0) {
			cd_bk_say(err, r, "%s: %s", path, strerror(-r));
			break;
		}
		if (!got)
			break;
		gnutls_hash(h, buf, got);
		if ((r = cd_db_run(b, "INSERT INTO parts(name, n, data) VALUES(?, ?, ?)", "siB", name, n,
				   (const void *)buf, got)) < 0) {
			cd_bk_say(err, -EIO, "%s: %s", path, cd_db_error(b));
			break;
		}
		n++;
		size += (int64_t)got;
		if (got < PART_MAX)
			break;
	}
	close(fd);
	char sha[65];
	sha_hex(h, sha);
	if (r == 0 && cd_db_run(b, "INSERT INTO files(name, mode, size, sha256) VALUES(?, ?, ?, ?)",
				"siis", name, (int64_t)(sb.st_mode & 07777), size, sha) < 0)
		r = cd_bk_say(err, -EIO, "%s: %s", path, cd_db_error(b));
	if (r == 0) {
		info->bytes += (uint64_t)size;
		size_t l = strlen(info->files);
		snprintf(info->files + l, sizeof(info->files) - l, "%s%s", l ? ", " : "", name);
	}
	return r;
}

/* The backup's rows: what it is, then every file. */
static int fill(struct cd_db *b, const char *dir, char *const snap[2], struct cd_backup_info *info,
		struct cd_buf *err)
{
	char schema[32], fmt[8];
	snprintf(schema, sizeof(schema), "%lld", (long long)info->schema);
	snprintf(fmt, sizeof(fmt), "%d", FORMAT);
	const char *kv[][2] = { { "format", fmt }, { "made", info->made }, { "cordon", info->cordon },
				{ "schema", schema }, { "host", info->host } };
	for (size_t i = 0; i < CD_ARRAY_LEN(kv); i++)
		if (cd_db_run(b, "INSERT INTO backup(key, value) VALUES(?, ?)", "ss", kv[i][0], kv[i][1]) < 0)
			return cd_bk_say(err, -EIO, "%s", cd_db_error(b));
	char *buf = cd_malloc(PART_MAX);
	int r = 0;
	for (size_t i = 0; r >= 0 && i < CD_BK_NKNOWN; i++) {
		const struct cd_bk_known *k = &cd_bk_known[i];
		char *own = k->kind == K_SMALL ? cd_asprintf("%s/%s", dir, k->name) : NULL;
		const char *path = own ? own : snap[k->kind == K_METRICS];
		if (path)
			r = add_file(b, path, k->name, k->kind == K_SMALL ? SMALL_MAX : SIZE_MAX, buf, info, err);
		free(own);
	}
	free(buf);
	return r < 0 ? r : 0;
}

int cd_backup_make(const char *dir, const char *file, struct cd_backup_info *info,
		   struct cd_buf *err)
{
	memset(info, 0, sizeof(*info));
	char *src_path[2] = { cd_asprintf("%s/cordon.db", dir), cd_asprintf("%s/metrics.db", dir) };
	char *tmp = cd_asprintf("%s.tmp", file);
	char *snap[2] = { cd_asprintf("%s.tmp.cordon.db", file), NULL };
	struct cd_db *src[2] = { NULL, NULL }, *b = NULL;
	int r = 0;
	struct stat sb;
	if (stat(src_path[0], &sb) < 0) {
		int en = errno;
		r = cd_bk_say(err, -en, "%s: %s%s", src_path[0], strerror(en),
			en == ENOENT ? " (not the data directory of a cordond on SQLite)" : "");
		goto out;
	}
	if (access(src_path[1], F_OK) == 0)
		snap[1] = cd_asprintf("%s.tmp.metrics.db", file);
	for (int i = 0; i < 2; i++)      /* (what a backup that was stopped left) */
		if (snap[i])
			unlink(snap[i]);
	unlink(tmp);
	/* both snapshots taken back to back: each read transaction begun
	 * and fixed before either is copied */
	for (int i = 0; r == 0 && i < 2; i++)
		if (snap[i])
			r = open_source(src_path[i], &src[i], err);
	for (int i = 0; r == 0 && i < 2; i++)
		if (snap[i] && cd_db_sqlite_backup(src[i], snap[i]) < 0)
			r = cd_bk_say(err, -EIO, "%s: %s", src_path[i], cd_db_error(src[i]));
	for (int i = 0; i < 2; i++) {
		if (src[i] && cd_db_depth(src[i]))
			cd_db_rollback(src[i]);
		cd_db_close(src[i]);
	}
	if (r < 0)
		goto out;
	char why[512];
	int c = cd_store_file_check(snap[0], false, &info->schema, why, sizeof(why));
	if (c < 0 && c != -EPROTO) {      /* (a newer schema's is backed up all the same) */
		r = cd_bk_say(err, -EINVAL, "%s: %s", src_path[0], why);
		goto out;
	}
	cd_time_fmt(cd_wall_ms() * 1000, info->made);
	snprintf(info->cordon, sizeof(info->cordon), "%s", CD_VERSION);
	if (gethostname(info->host, sizeof(info->host) - 1) < 0)
		snprintf(info->host, sizeof(info->host), "?");
	/* the backup: made 0600 before SQLite opens it */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = cd_bk_say(err, -errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	if (cd_db_open_sqlite(tmp, false, &b) < 0 || cd_db_exec(b, tables) < 0 || cd_db_begin(b) < 0) {
		r = cd_bk_say(err, -EIO, "%s: %s", tmp, cd_db_error(b));
		goto out;
	}
	r = fill(b, dir, snap, info, err);
	if (r == 0 && cd_db_commit(b) < 0)
		r = cd_bk_say(err, -EIO, "%s: %s", tmp, cd_db_error(b));
	else if (r < 0)
		cd_db_rollback(b);
	cd_db_close(b);
	b = NULL;
	if (r < 0)
		goto out;
	char *fdir = dir_of(file);
	if ((r = cd_bk_sync_path(tmp)) < 0 || (rename(tmp, file) < 0 && (r = -errno) < 0) ||
	    (r = cd_bk_sync_path(fdir)) < 0)
		cd_bk_say(err, r, "%s: %s", file, strerror(-r));
	free(fdir);
out:
	cd_db_close(b);     /* (opened, or its open failed) */
	for (int i = 0; i < 2; i++) {
		if (snap[i])
			unlink(snap[i]);
		free(snap[i]);
		free(src_path[i]);
	}
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* ---- checking one ---- */

/* Whether file begins as every SQLite file does (its error then says
 * it is damaged rather than something else). */
static bool sqlite_magic(const char *file)
{
	char head[16] = { 0 };
	size_t got = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		read_full(fd, head, sizeof(head), &got);
		close(fd);
	}
	return got == sizeof(head) && !memcmp(head, "SQLite format 3", sizeof(head));
}

/* file opened, an SQLite file of cordon's backups, whole: 0 or -EINVAL */
static int open_backup(const char *file, struct cd_db **b, struct cd_buf *err)
{
	*b = NULL;
	struct stat sb;
	if (stat(file, &sb) < 0)
		return cd_bk_say(err, -EINVAL, "%s: %s", file, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return cd_bk_say(err, -EINVAL, "%s: not a regular file", file);
	if (sb.st_size == 0)
		return cd_bk_say(err, -EINVAL, "%s: an empty file, not a cordon backup", file);
	int64_t id = -EIO;
	if (cd_db_open_sqlite_frozen(file, b) == 0)
		id = cd_db_scalar(cd_db_prep(*b, "PRAGMA application_id", NULL));
	if (id < 0)
		return cd_bk_say(err, -EINVAL, "%s: %s (%s)", file, sqlite_magic(file) ?
			   "an SQLite file, but damaged" : "not a cordon backup", cd_db_error(*b));
	if (id != APP_ID)
		return cd_bk_say(err, -EINVAL, "%s: not a cordon backup (an SQLite database, but not one "
			   "'cordon backup' made)", file);
	/* its three tables and their keys' indexes, nothing else: a view or
	 * a trigger of the same names would run a hostile file's SQL here */
	int64_t odd = cd_db_scalar(cd_db_prep(*b, "SELECT count(*) FROM sqlite_schema WHERE NOT "
					      "((type = 'table' AND name IN ('backup', 'files', 'parts')) OR "
					      "(type = 'index' AND name LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\'"
					      " AND tbl_name IN ('backup', 'files', 'parts')))", NULL));
	if (odd != 0)
		return cd_bk_say(err, -EINVAL, "%s: not a cordon backup (it holds views, triggers or tables "
			   "no backup has)", file);
	/* no value longer than a part read whole (a part is 16 MiB) */
	int64_t big = cd_db_scalar(cd_db_prep(*b, "SELECT count(*) FROM (SELECT value AS v FROM backup "
					      "UNION ALL SELECT name FROM files UNION ALL SELECT sha256 FROM "
					      "files) WHERE length(CAST(v AS BLOB)) > 4096", NULL));
	if (big != 0)
		return cd_bk_say(err, -EINVAL, "%s: damaged: a value of its tables backup or files is over "
			   "4 KiB", file);
	if (cd_db_sqlite_check(*b) < 0)
		return cd_bk_say(err, -EINVAL, "%s: damaged: %s", file, cd_db_error(*b));
	return 0;
}

/* A value of table backup into out: 0, or -EINVAL said. */
static int meta(struct cd_db *b, const char *file, const char *key, char *out, size_t len,
		struct cd_buf *err)
{
	struct cd_db_stmt *st = cd_db_prep(b, "SELECT value FROM backup WHERE key = ?", "s", key);
	int rc = cd_db_step(st);
	const char *v = rc > 0 ? cd_db_text(st, 0) : NULL;
	if (v)
		snprintf(out, len, "%s", v);
	cd_db_done(st);
	if (rc < 0)
		return cd_bk_say(err, -EINVAL, "%s: not a cordon backup (%s)", file, cd_db_error(b));
	return v ? 0 : cd_bk_say(err, -EINVAL, "%s: damaged: no '%s' in its table backup", file, key);
}

/* What it is (table backup) into info: 0, -EINVAL or -EPROTO. */
static int check_meta(struct cd_db *b, const char *file, struct cd_backup_info *info,
		      struct cd_buf *err)
{
	char fmt[32], schema[32];
	int r = meta(b, file, "format", fmt, sizeof(fmt), err);
	if (r == 0 && strcmp(fmt, "1"))
		return cd_bk_say(err, atoi(fmt) > FORMAT ? -EPROTO : -EINVAL, "%s: a backup of format '%s', "
			   "of another cordon (this one reads format %d)", file, fmt, FORMAT);
	if (r == 0)
		r = meta(b, file, "schema", schema, sizeof(schema), err);
	if (r == 0)
		r = meta(b, file, "made", info->made, sizeof(info->made), err);
	if (r == 0)
		r = meta(b, file, "cordon", info->cordon, sizeof(info->cordon), err);
	if (r == 0)
		r = meta(b, file, "host", info->host, sizeof(info->host), err);
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	info->schema = strtoll(schema, &end, 10);
	if (!*schema || *end || errno || info->schema < 0)
		return cd_bk_say(err, -EINVAL, "%s: damaged: its schema is '%s', not a number", file, schema);
	if (info->schema > cd_store_schema_version())
		return cd_bk_say(err, -EPROTO, "%s: a backup of a newer cordon (%s, schema version %lld; this "
			   "cordond knows up to %lld): restore it with a cordond of that version or later",
			   file, info->cordon, (long long)info->schema,
			   (long long)cd_store_schema_version());
	return 0;
}

static bool is_hex64(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!strchr("0123456789abcdef", s[n]))
			return false;
	return n == 64;
}

/* Table files into e (by known's order), then table parts counted
 * against it: 0 or -EINVAL. */
static int check_files(struct cd_db *b, const char *file, struct cd_bk_entry e[CD_BK_NKNOWN],
		       struct cd_backup_info *info, struct cd_buf *err)
{
	memset(e, 0, sizeof(struct cd_bk_entry) * CD_BK_NKNOWN);
	struct cd_db_stmt *st = cd_db_prep(b, "SELECT name, mode, size, sha256, typeof(mode), "
					   "typeof(size) FROM files", NULL);
	int rc, r = 0;
	while (r == 0 && (rc = cd_db_step(st)) > 0) {
		const char *name = cd_db_text(st, 0);
		const struct cd_bk_known *k = find_known(name);
		struct cd_bk_entry *x = k ? &e[k - cd_bk_known] : NULL;
		int64_t mode = cd_db_int(st, 1), size = cd_db_int(st, 2);
		if (!k)
			r = cd_bk_say(err, -EINVAL, "%s: holds a file '%s', which no cordon backup holds", file,
				name ? name : "(null)");
		else if (x->k)
			r = cd_bk_say(err, -EINVAL, "%s: damaged: %s is in it twice", file, name);
		else if (strcmp(cd_db_text(st, 4), "integer") || strcmp(cd_db_text(st, 5), "integer") ||
			 mode < 0 || mode > 07777 || size < 0 ||
			 (k->kind == K_SMALL && size > (int64_t)SMALL_MAX) || !is_hex64(cd_db_text(st, 3)))
			r = cd_bk_say(err, -EINVAL, "%s: damaged: the row of %s is not what cordon writes", file,
				name);
		else
			*x = (struct cd_bk_entry){ .k = k, .mode = mode, .size = size };
		if (r == 0)
			snprintf(x->sha, sizeof(x->sha), "%s", cd_db_text(st, 3));
	}
	if (r == 0 && rc < 0)
		r = cd_bk_say(err, -EINVAL, "%s: not a cordon backup (%s)", file, cd_db_error(b));
	cd_db_done(st);
	if (r == 0 && !e[0].k)
		r = cd_bk_say(err, -EINVAL, "%s: damaged: it holds no cordon.db", file);
	if (r < 0)
		return r;
	/* the parts: each of a file listed, numbered from 0 without a gap,
	 * a blob of 1 byte to 16 MiB; their lengths sum to the file's size
	 * (length() of a blob reads none of it) */
	st = cd_db_prep(b, "SELECT name, n, length(data), typeof(data), typeof(n) FROM parts "
			"ORDER BY name, n", NULL);
	while (r == 0 && (rc = cd_db_step(st)) > 0) {
		const char *name = cd_db_text(st, 0);
		const struct cd_bk_known *k = find_known(name);
		struct cd_bk_entry *x = k ? &e[k - cd_bk_known] : NULL;
		int64_t len = cd_db_int(st, 2);
		if (!x || !x->k)
			r = cd_bk_say(err, -EINVAL, "%s: damaged: a part of '%s', which it does not list", file,
				name ? name : "(null)");
		else if (strcmp(cd_db_text(st, 3), "blob") || strcmp(cd_db_text(st, 4), "integer") ||
			 cd_db_int(st, 1) != x->parts || len < 1 || len > (int64_t)PART_MAX ||
			 x->got + len > x->size)
			r = cd_bk_say(err, -EINVAL, "%s: damaged: part %lld of %s is not what cordon writes", file,
				(long long)cd_db_int(st, 1), name);
		else
			x->parts++, x->got += len;
	}
	if (r == 0 && rc < 0)
		r = cd_bk_say(err, -EINVAL, "%s: not a cordon backup (%s)", file, cd_db_error(b));
	cd_db_done(st);
	for (size_t i = 0; r == 0 && i < CD_BK_NKNOWN; i++) {
		if (e[i].k && e[i].got != e[i].size)
			r = cd_bk_say(err, -EINVAL, "%s: damaged: %s has %lld of its %lld bytes", file,
				e[i].k->name, (long long)e[i].got, (long long)e[i].size);
		if (r == 0 && e[i].k) {
			info->bytes += (uint64_t)e[i].size;
			size_t l = strlen(info->files);
			snprintf(info->files + l, sizeof(info->files) - l, "%s%s", l ? ", " : "",
				 e[i].k->name);
		}
	}
	return r;
}

/* A file's parts read in order, each checked against its row (numbered
 * without a gap, of the sizes said), hashed, and written to fd (-1: only
 * read); then its size and SHA-256 checked: 0, -EINVAL, or -errno (a
 * write to path). */
int cd_bk_stream(struct cd_db *b, const char *file, const struct cd_bk_entry *e, int fd,
		 const char *path, struct cd_buf *err)
{
	gnutls_hash_hd_t h;
	gnutls_hash_init(&h, GNUTLS_DIG_SHA256);
	struct cd_db_stmt *st = cd_db_prep(b, "SELECT n, data FROM parts WHERE name = ? ORDER BY n", "s",
					   e->k->name);
	int64_t n = 0, size = 0;
	int rc, r = 0;
	while (r == 0 && (rc = cd_db_step(st)) > 0) {
		size_t len;
		const void *d = cd_db_blob(st, 1, &len);
		if (cd_db_int(st, 0) != n++ || len > PART_MAX || size + (int64_t)len > e->size)
			r = cd_bk_say(err, -EINVAL, "%s: damaged: %s is not as its row says", file, e->k->name);
		else if (fd >= 0 && (r = write_full(fd, d, len)) < 0)
			cd_bk_say(err, r, "%s: %s", path, strerror(-r));
		if (r == 0) {
			gnutls_hash(h, d, len);
			size += (int64_t)len;
		}
	}
	if (r == 0 && rc < 0)
		r = cd_bk_say(err, -EINVAL, "%s: damaged: %s", file, cd_db_error(b));
	cd_db_done(st);
	char sha[65];
	sha_hex(h, sha);
	if (r == 0 && (size != e->size || strcmp(sha, e->sha)))
		r = cd_bk_say(err, -EINVAL, "%s: damaged: %s is not the file it was (%s)", file, e->k->name,
			size != e->size ? "its size differs" : "its SHA-256 differs");
	return r;
}

/* open_backup, check_meta, check_files, and every file's bytes against
 * its SHA-256: *b open (closed on error) */
int cd_bk_check(const char *file, struct cd_db **b, struct cd_bk_entry e[CD_BK_NKNOWN],
		struct cd_backup_info *info, struct cd_buf *err)
{
	memset(info, 0, sizeof(*info));
	int r = open_backup(file, b, err);
	if (r == 0)
		r = check_meta(*b, file, info, err);
	if (r == 0)
		r = check_files(*b, file, e, info, err);
	for (size_t i = 0; r == 0 && i < CD_BK_NKNOWN; i++)
		if (e[i].k)
			r = cd_bk_stream(*b, file, &e[i], -1, NULL, err);
	if (r < 0) {
		cd_db_close(*b);
		*b = NULL;
	}
	return r;
}

int cd_backup_check(const char *file, struct cd_backup_info *info, struct cd_buf *err)
{
	struct cd_db *b;
	struct cd_bk_entry e[CD_BK_NKNOWN];
	int r = cd_bk_check(file, &b, e, info, err);
	cd_db_close(b);
	return r;
}
