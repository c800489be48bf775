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

/* Copy fd's bytes to a new file dst (0600) in directory dir, hashing
 * them; with own, give it that owner and mode (through the descriptor:
 * the name may be swapped under us meanwhile). */
static int copy_out(int fd, int dir, const char *dst, const struct stat *own,
		    unsigned char sha[32], uint64_t *size)
{
	int out = openat(dir, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
	if (!r && own && fchown(out, own->st_uid, own->st_gid) < 0 && errno != EPERM)
		r = -errno;
	if (!r && own && fchmod(out, own->st_mode & 07777) < 0)
		r = -errno;
	if (!r && fsync(out) < 0)
		r = -errno;
	close(out);
	if (r)
		unlinkat(dir, dst, 0);
	return r;
}

/* The directory that holds path, reached without following a symbolic
 * link anywhere on the way, one component at a time from "/" (openat2's
 * RESOLVE_NO_SYMLINKS does the same, but not on older kernels nor under
 * valgrind): the guest's users may have swapped one of its parents for a
 * link to /etc since the file was taken.  Its last component goes to
 * *base.  -ELOOP when a component is a link. */
static int open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || !slash || !slash[1] || !strcmp(slash + 1, ".") ||
	    !strcmp(slash + 1, ".."))
		return -EINVAL;
	*base = slash + 1;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (const char *p = path + 1; p < slash;) {
		size_t n = strcspn(p, "/");
		char comp[256];
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(comp) || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2))) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		int next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		if (next < 0) {
			struct stat st;
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				e = ELOOP;
			close(fd);
			return -e;
		}
		close(fd);
		fd = next;
		p += n;
	}
	return fd;
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
	int r = copy_out(fd, AT_FDCWD, tmp, NULL, sha, &size);
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
	const char *base;
	int dir = open_parent(path, &base);
	if (dir < 0) {
		cd_buf_printf(err, "cannot restore %s: %s", path, dir == -ELOOP ?
			      "a directory on its way is now a symbolic link" : strerror(-dir));
		r = dir;
		goto out;
	}
	int in = open(bin, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = fail(err, errno, "cannot open", bin);
		close(dir);
		goto out;
	}
	/* never over a file that is there now */
	int mode = (int)json_integer_value(json_object_get(m, "mode"));
	unsigned char sha[32];
	uint64_t size;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.cordon-restore", base);
	struct stat own = {
		.st_uid = (uid_t)json_integer_value(json_object_get(m, "uid")),
		.st_gid = (gid_t)json_integer_value(json_object_get(m, "gid")),
		.st_mode = (mode_t)mode,
	};
	r = copy_out(in, dir, tmp, &own, sha, &size);
	close(in);
	if (r < 0) {
		r = fail(err, -r, "cannot write", path);
		close(dir);
		goto out;
	}
	if (linkat(dir, tmp, dir, base, 0) < 0)
		r = -errno;
	unlinkat(dir, tmp, 0);
	close(dir);
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
