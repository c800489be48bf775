/* vault.c - the quarantine vault for infected files (see vault.h). */
#define _GNU_SOURCE
#include "vault.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(struct cd_buf *err, int e, const char *what, const char *path)
{
	cd_buf_printf(err, "%s %s: %s", what, path, strerror(e));
	return -e;
}

/* Copy fd's bytes to a new file at dst (0600), hashing them. */
static int copy_out(int fd, const char *dst, unsigned char sha[32], uint64_t *size)
{
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	gnutls_hash_hd_t h;
	gnutls_hash_init(&h, GNUTLS_DIG_SHA256);
	char buf[65536];
	ssize_t n;
	int r = 0;
	*size = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		gnutls_hash(h, buf, (size_t)n);
		*size += (uint64_t)n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				r = -errno;
				break;
			}
			off += w;
		}
		if (r)
			break;
	}
	if (n < 0 && !r)
		r = -errno;
	gnutls_hash_deinit(h, sha);
	if (!r && fsync(out) < 0)
		r = -errno;
	close(out);
	if (r)
		unlink(dst);
	return r;
}

int cd_vault_put(const char *vault, const char *path, const char *signature,
		 char id[CD_VAULT_ID_MAX], struct cd_buf *err)
{
	if (mkdir(vault, 0700) < 0 && errno != EEXIST)
		return fail(err, errno, "cannot make the vault", vault);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errno, "cannot open", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		cd_buf_printf(err, "%s is not a regular file", path);
		return -EINVAL;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s/.incoming-%d-%ld", vault, getpid(), (long)now.tv_nsec);
	unsigned char sha[32];
	uint64_t size;
	int r = copy_out(fd, tmp, sha, &size);
	close(fd);
	if (r < 0)
		return fail(err, -r, "cannot copy into the vault", path);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	/* SECONDS-SHA256PREFIX, then -2, -3, ... for more copies of the same
	 * bytes in the same second: link() takes the name only if it is free
	 * (rename would replace an entry) */
	char *bin = NULL, *meta = NULL;
	r = -EEXIST;
	for (int n = 1; r == -EEXIST && n < 100000; n++) {
		if (n == 1)
			snprintf(id, CD_VAULT_ID_MAX, "%lld-%.16s", (long long)now.tv_sec, hex);
		else
			snprintf(id, CD_VAULT_ID_MAX, "%lld-%.16s-%d", (long long)now.tv_sec, hex, n);
		free(bin);
		bin = cd_asprintf("%s/%s.bin", vault, id);
		r = link(tmp, bin) < 0 ? -errno : 0;
	}
	meta = cd_asprintf("%s/%s.json", vault, id);
	char t[CD_TIME_STRLEN];
	json_t *m = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "path", path,
			      "uid", (json_int_t)st.st_uid, "gid", (json_int_t)st.st_gid,
			      "mode", (json_int_t)(st.st_mode & 07777), "size", (json_int_t)size,
			      "sha256", hex, "signature", signature ? signature : "",
			      "time", cd_time_fmt((int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, t));
	if (r == 0)
		unlink(tmp);
	if (r == 0 && json_dump_file(m, meta, JSON_INDENT(1)) < 0)
		r = -EIO;
	if (r == 0)
		chmod(meta, 0600);
	/* the original goes only once the vault holds the bytes */
	if (r == 0 && unlink(path) < 0)
		r = -errno;
	if (r < 0) {
		cd_buf_printf(err, "cannot move %s into the vault: %s", path, strerror(-r));
		unlink(tmp);
	}
	json_decref(m);
	free(bin);
	free(meta);
	return r;
}

int cd_vault_restore(const char *vault, const char *id, struct cd_buf *err)
{
	if (strchr(id, '/') || !*id || strlen(id) >= CD_VAULT_ID_MAX) {
		cd_buf_printf(err, "'%s' is not a vault entry", id);
		return -EINVAL;
	}
	char *bin = cd_asprintf("%s/%s.bin", vault, id), *meta = cd_asprintf("%s/%s.json", vault, id);
	json_error_t je;
	json_t *m = json_load_file(meta, 0, &je);
	const char *path = json_string_value(json_object_get(m, "path"));
	int r = 0;
	if (!path) {
		cd_buf_printf(err, "no vault entry %s in %s", id, vault);
		r = -ENOENT;
		goto out;
	}
	int in = open(bin, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = fail(err, errno, "cannot open", bin);
		goto out;
	}
	/* never over a file that is there now */
	int mode = (int)json_integer_value(json_object_get(m, "mode"));
	unsigned char sha[32];
	uint64_t size;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.cordon-restore", path);
	r = copy_out(in, tmp, sha, &size);
	close(in);
	if (r < 0) {
		r = fail(err, -r, "cannot write", tmp);
		goto out;
	}
	if (chown(tmp, (uid_t)json_integer_value(json_object_get(m, "uid")),
		  (gid_t)json_integer_value(json_object_get(m, "gid"))) < 0 && errno != EPERM)
		r = -errno;
	if (r == 0 && chmod(tmp, (mode_t)mode) < 0)
		r = -errno;
	if (r == 0 && link(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
	if (r < 0) {
		cd_buf_printf(err, "cannot restore %s: %s", path, strerror(-r));
		goto out;
	}
	unlink(bin);
	unlink(meta);
out:
	json_decref(m);
	free(bin);
	free(meta);
	return r;
}

int cd_vault_delete(const char *path, struct cd_buf *err)
{
	if (unlink(path) < 0)
		return fail(err, errno, "cannot delete", path);
	return 0;
}
