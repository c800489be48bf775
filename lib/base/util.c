#define _GNU_SOURCE
/* util.c - allocation, bounded buffers, file reading, a string map. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "cordon: out of memory allocating %zu bytes\n", n);
	abort();
}

void cd_malloc_keep(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);      /* (glibc's largest) */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void *cd_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *cd_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *cd_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *cd_strdup(const char *s)
{
	return s ? cd_strndup(s, strlen(s)) : NULL;
}

void cd_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *cd_strndup(const char *s, size_t n)
{
	char *p = cd_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cd_lower(const char *s)
{
	char *p = cd_strdup(s);
	for (char *q = p; q && *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

char *cd_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = cd_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void cd_grow(void *arrp, size_t *cap, size_t need, size_t size)
{
	void **arr = arrp;
	if (need <= *cap)
		return;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	*arr = cd_realloc(*arr, ncap * size);
	*cap = ncap;
}

void cd_buf_init(struct cd_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->full = false;
}

void cd_buf_free(struct cd_buf *b)
{
	free(b->data);
	cd_buf_init(b, b->max);
}

void cd_buf_reset(struct cd_buf *b)
{
	b->len = 0;
	b->full = false;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(struct cd_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n) {
		b->full = true;
		return -E2BIG;
	}
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap < need)
			ncap *= 2;
		b->data = cd_realloc(b->data, ncap);
		b->cap = ncap;
	}
	return 0;
}

int cd_buf_reserve(struct cd_buf *b, size_t n)
{
	return buf_reserve(b, n);
}

int cd_buf_add(struct cd_buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (r < 0)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cd_buf_puts(struct cd_buf *b, const char *s)
{
	return cd_buf_add(b, s, strlen(s));
}

int cd_buf_vprintf(struct cd_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	int r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int cd_buf_printf(struct cd_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = cd_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *cd_buf_steal(struct cd_buf *b)
{
	char *p = b->data ? b->data : cd_strdup("");
	cd_buf_init(b, b->max);
	return p;
}

void cd_logf(void (*log)(const char *line), const char *fmt, ...)
{
	if (!log)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(line);
}

int cd_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	char *tmp = cd_asprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	int r = fd < 0 ? -errno : 0;
	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int cd_lock_path(const char *path, int *fd)
{
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int e = errno;
	close(*fd);
	*fd = -1;
	return e == EWOULDBLOCK ? -EBUSY : -e;
}

int cd_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	struct cd_buf b;
	cd_buf_init(&b, max);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			cd_buf_free(&b);
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		if (cd_buf_add(&b, chunk, (size_t)n) < 0) {
			cd_buf_free(&b);
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	*len = b.len;
	*out = cd_buf_steal(&b);
	return 0;
}

static uint64_t map_hash(const struct cd_map *m, const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= m->exact ? (unsigned char)*s
			      : (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return h;
}

void cd_map_init(struct cd_map *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
	m->exact = false;
}

void cd_map_init_exact(struct cd_map *m)
{
	cd_map_init(m);
	m->exact = true;
}

void cd_map_free(struct cd_map *m)
{
	free(m->keys);
	free(m->vals);
	bool exact = m->exact;
	cd_map_init(m);
	m->exact = exact;
}

static size_t map_slot(const struct cd_map *m, const char *key)
{
	size_t i = (size_t)map_hash(m, key) & (m->cap - 1);
	while (m->keys[i] && (m->exact ? strcmp(m->keys[i], key)
				       : strcasecmp(m->keys[i], key)) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void map_rehash(struct cd_map *m, size_t ncap)
{
	struct cd_map old = *m;
	m->cap = ncap;
	m->keys = cd_calloc(ncap, sizeof(*m->keys));
	m->vals = cd_calloc(ncap, sizeof(*m->vals));
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.keys[i])
			continue;
		size_t s = map_slot(m, old.keys[i]);
		m->keys[s] = old.keys[i];
		m->vals[s] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
}

bool cd_map_put(struct cd_map *m, const char *key, size_t val, size_t *old)
{
	if ((m->n + 1) * 2 > m->cap)
		map_rehash(m, m->cap ? m->cap * 2 : 16);
	size_t s = map_slot(m, key);
	if (m->keys[s]) {
		if (old)
			*old = m->vals[s];
		return false;
	}
	m->keys[s] = key;
	m->vals[s] = val;
	m->n++;
	return true;
}

size_t *cd_map_ref(struct cd_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t s = map_slot(m, key);
	return m->keys[s] ? &m->vals[s] : NULL;
}

bool cd_map_get(const struct cd_map *m, const char *key, size_t *val)
{
	if (!m->cap)
		return false;
	size_t s = map_slot(m, key);
	if (!m->keys[s])
		return false;
	if (val)
		*val = m->vals[s];
	return true;
}

/* Linear probing's deletion: the keys after the slot that their hash
 * does not place after it move back into it, so no search stops early. */
bool cd_map_del(struct cd_map *m, const char *key)
{
	if (!m->cap)
		return false;
	size_t mask = m->cap - 1, i = map_slot(m, key);
	if (!m->keys[i])
		return false;
	for (size_t j = i;;) {
		m->keys[i] = NULL;
		for (;;) {
			j = (j + 1) & mask;
			if (!m->keys[j]) {
				m->n--;
				return true;
			}
			size_t h = (size_t)map_hash(m, m->keys[j]) & mask;
			/* h cyclically in (i, j]: the key stays where it is */
			if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
				continue;
			break;
		}
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
}

bool cd_glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

int64_t cd_wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct timespec cd_deadline(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

char *cd_time_fmt(int64_t us, char buf[CD_TIME_STRLEN])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, CD_TIME_STRLEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, CD_TIME_STRLEN - n, ".%03dZ", (int)((us % 1000000) / 1000));
	return buf;
}

int cd_time_parse(const char *s, int64_t *us)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -EINVAL;
	long frac = 0;
	int off = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (!p)
			return -EINVAL;
		if (*p == '.') {
			int digits = 0;
			for (p++; isdigit((unsigned char)*p); p++, digits++)
				if (digits < 6)
					frac = frac * 10 + (*p - '0');
			for (; digits < 6; digits++)
				frac *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int h, m;
			if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59)
				return -EINVAL;
			off = (h * 60 + m) * 60 * (*p == '+' ? 1 : -1);
			p += 6;
		}
	}
	if (*p)
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < -62135596800 || t > 253402300799)   /* years 1 to 9999 */
		return -EINVAL;
	*us = ((int64_t)t - off) * 1000000 + frac;
	return 0;
}

struct cd_blob *cd_blob_new(char *data, size_t len)
{
	struct cd_blob *b = cd_malloc(sizeof(*b));
	b->data = data;
	b->len = len;
	b->refs = 1;
	return b;
}

struct cd_blob *cd_blob_ref(struct cd_blob *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void cd_blob_unref(struct cd_blob *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->data);
		free(b);
	}
}

void cd_fput_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < ' ' || *p == 127)
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
}
