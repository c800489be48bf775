/* fuzz_backup.c - cordond --restore of a damaged or hostile backup
 * (cd_backup_restore).  Input: a first byte, then either the file itself
 * (first byte even) or changes to a good backup made at the first input
 * (odd): 5 bytes each, a byte's offset (32 bits, little-endian, modulo the
 * size) and its new value; with bit 1 of the first byte set, the first 4
 * bytes after it are where the file is cut.  Properties: no crash, leak or
 * read out of bounds; a restore refused leaves the directory exactly as it
 * was; one that succeeds leaves a store that checks whole. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "fuzzdir.h"
#include "manager/backup.h"
#include "manager/store.h"
#include "metrics/chunkdb.h"

static char *good;
static size_t good_len;

static void put(const char *dir, const char *name, const char *text)
{
	char *p = cd_asprintf("%s/%s", dir, name);
	if (cd_write_file(p, text, strlen(text), 0600) < 0)
		abort();
	free(p);
}

/* A data directory with a store, a metrics store and its files, backed
 * up into good; restored once into dst. */
static void setup(const char *dir)
{
	char *src = cd_asprintf("%s/src", dir), *db = cd_asprintf("%s/src/cordon.db", dir);
	char *f = cd_asprintf("%s/good.backup", dir), *dst = cd_asprintf("%s/dst", dir);
	struct cd_store *s;
	struct cd_chunkdb *m;
	char err[512];
	if (mkdir(src, 0700) < 0 || cd_store_open(db, &s) < 0 || cd_store_meta_set(s, "mark", "v1") < 0)
		abort();
	cd_store_close(s);
	if (cd_chunkdb_open(src, NULL, &m, err, sizeof(err)) < 0)
		abort();
	cd_chunkdb_close(m);
	put(src, "tls.crt", "CERTIFICATE\n");
	put(src, "tls.key", "KEY\n");
	struct cd_backup_info info;
	struct cd_buf e;
	cd_buf_init(&e, 4096);
	char *aside;
	if (cd_backup_make(src, f, &info, &e) < 0 || cd_read_file(f, 64 << 20, &good, &good_len) < 0 ||
	    cd_backup_restore(f, dst, &info, &aside, &e) < 0)
		abort();
	cd_buf_free(&e);
	free(src);
	free(db);
	free(f);
	free(dst);
}

/* What dir holds: names, sizes, times of change, modes. */
static void listing(const char *dir, struct cd_buf *out)
{
	struct dirent **de;
	int n = scandir(dir, &de, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (strcmp(de[i]->d_name, ".") && strcmp(de[i]->d_name, "..")) {
			char *p = cd_asprintf("%s/%s", dir, de[i]->d_name);
			struct stat sb;
			if (lstat(p, &sb) < 0 ||
			    cd_buf_printf(out, "%s %lld %lld.%09ld %o\n", p, (long long)sb.st_size,
					  (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
					  (unsigned)sb.st_mode) < 0)
				abort();
			if (S_ISDIR(sb.st_mode))
				listing(p, out);
			free(p);
		}
		free(de[i]);
	}
	if (n >= 0)
		free(de);
}

/* A directory of files only (the files set aside) removed. */
static void remove_dir(const char *dir)
{
	struct dirent **de;
	int n = scandir(dir, &de, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *p = cd_asprintf("%s/%s", dir, de[i]->d_name);
		if (strcmp(de[i]->d_name, ".") && strcmp(de[i]->d_name, ".."))
			unlink(p);
		free(p);
		free(de[i]);
	}
	if (n >= 0)
		free(de);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int made;
	const char *dir = fuzz_dir("fuzzbackup", &made);
	if (made)
		setup(dir);
	if (!size)
		return 0;
	char *file = cd_asprintf("%s/in.backup", dir), *dst = cd_asprintf("%s/dst", dir);
	char *buf;
	size_t len;
	if (!(data[0] & 1)) {
		buf = cd_malloc(size);
		memcpy(buf, data + 1, size - 1);
		len = size - 1;
	} else {
		buf = cd_malloc(good_len);
		memcpy(buf, good, good_len);
		len = good_len;
		size_t at = 1;
		if ((data[0] & 2) && size >= 5) {
			uint32_t cut = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
				       (uint32_t)data[4] << 24;
			len = cut % (good_len + 1);
			at = 5;
		}
		for (; len && at + 5 <= size; at += 5) {
			uint32_t off = (uint32_t)data[at] | (uint32_t)data[at + 1] << 8 |
				       (uint32_t)data[at + 2] << 16 | (uint32_t)data[at + 3] << 24;
			buf[off % len] = (char)data[at + 4];
		}
	}
	if (cd_write_file(file, buf, len, 0600) < 0)
		abort();
	free(buf);
	struct cd_buf before, after, err;
	cd_buf_init(&before, 1 << 20);
	cd_buf_init(&after, 1 << 20);
	cd_buf_init(&err, 8192);
	listing(dst, &before);
	struct cd_backup_info info;
	char *aside = NULL;
	int r = cd_backup_restore(file, dst, &info, &aside, &err);
	if (r < 0) {
		listing(dst, &after);
		if (!err.len || aside || strcmp(before.data ? before.data : "", after.data ? after.data : ""))
			abort();
	} else {
		/* what it restored checks whole; the files it replaced go */
		char *db = cd_asprintf("%s/cordon.db", dst), why[512];
		int64_t v;
		if (cd_store_file_check(db, true, &v, why, sizeof(why)) < 0 || v != info.schema)
			abort();
		free(db);
		if (aside)
			remove_dir(aside);
		free(aside);
	}
	cd_buf_free(&before);
	cd_buf_free(&after);
	cd_buf_free(&err);
	free(file);
	free(dst);
	return 0;
}
