/* util.h - allocation, bounded buffers, string helpers and a string map.
 *
 * Allocation failure is fatal (as in Redis' zmalloc): cordon cannot make
 * progress without memory, and a half-built policy must never be applied. */
#ifndef CD_UTIL_H
#define CD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#define CD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* For a server (cordond, and the benchmark of its store): the allocator
 * keeps the memory of large arrays freed, up to 64 MiB, rather than
 * giving it back and faulting it in again at the next query.  glibc's
 * default moves its thresholds as it goes: whether a query's arrays of
 * several MB (a 6-month trend's rollup points) came from memory kept or
 * fresh pages depended on which was freed first (a page fault a 4 KB,
 * 1,400 a query there). */
void cd_malloc_keep(void);
void *cd_malloc(size_t n);
void *cd_calloc(size_t n, size_t size);
void *cd_realloc(void *p, size_t n);
char *cd_strdup(const char *s);
/* Free v[0..n) and v. */
void cd_strv_free(char **v, size_t n);
char *cd_strndup(const char *s, size_t n);
char *cd_lower(const char *s);                 /* new lower-case copy */
char *cd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of elements of size `size`) so that it can hold at least
 * `need` elements; *cap is updated.  Doubling, never shrinking. */
void cd_grow(void *arrp, size_t *cap, size_t need, size_t size);
#define CD_PUSH(arr, n, cap, val)                                   \
	do {                                                        \
		cd_grow(&(arr), &(cap), (n) + 1, sizeof(*(arr)));   \
		(arr)[(n)++] = (val);                               \
	} while (0)

/* A growable byte buffer with a hard size limit (as curl's dynbuf):
 * going past `max` is an error (-E2BIG), never a silent reallocation. */
struct cd_buf {
	char *data;   /* NUL-terminated contents, NULL while empty */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* largest len allowed */
	bool full;    /* a write was refused since the last reset: what
		       * follows is not whole (a text built with several
		       * writes checks it once, at its end) */
};
void cd_buf_init(struct cd_buf *b, size_t max);
void cd_buf_free(struct cd_buf *b);
void cd_buf_reset(struct cd_buf *b);
/* Room for n more bytes made at once (a text whose size is known about:
 * no copy at each doubling): 0, or -E2BIG past max (and b is full). */
int cd_buf_reserve(struct cd_buf *b, size_t n) __attribute__((warn_unused_result));
int cd_buf_add(struct cd_buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int cd_buf_puts(struct cd_buf *b, const char *s);
int cd_buf_printf(struct cd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cd_buf_vprintf(struct cd_buf *b, const char *fmt, va_list ap);
char *cd_buf_steal(struct cd_buf *b);          /* caller frees; b is reset */

/* An immutable text shared by reference count (thread-safe counts): a
 * manager's snapshot answer goes to many agents at once without a copy
 * each. */
struct cd_blob {
	char *data;
	size_t len;
	int refs;
};
struct cd_blob *cd_blob_new(char *data, size_t len);   /* takes data; one ref */
struct cd_blob *cd_blob_ref(struct cd_blob *b);
void cd_blob_unref(struct cd_blob *b);

/* Read a whole file, at most `max` bytes.  Returns 0, -errno, or -EFBIG
 * when the file is larger than max.  *out is NUL-terminated. */
int cd_read_file(const char *path, size_t max, char **out, size_t *len);
/* Format a line and give it to log (NULL: nothing), as the manager and
 * the agent's client report what they do. */
void cd_logf(void (*log)(const char *line), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Replace path with len bytes of data, whole or not at all: written to
 * PATH.tmp (mode), synced, renamed over path.  0 or -errno. */
int cd_write_file(const char *path, const void *data, size_t len, unsigned mode);
/* An exclusive lock (flock) on the file at path, made 0600 if absent, held
 * while *fd stays open: 0; -EBUSY when another holds it; else -errno. */
int cd_lock_path(const char *path, int *fd);

/* Microseconds since the epoch as RFC 3339 UTC with milliseconds
 * ("2026-11-26T12:00:00.123Z"); returns buf.  And back: -EINVAL when s is
 * not such a time (a date alone, or any offset, is accepted too). */
#define CD_TIME_STRLEN 40
char *cd_time_fmt(int64_t us, char buf[CD_TIME_STRLEN]);
int cd_time_parse(const char *s, int64_t *us);
/* The CLOCK_REALTIME time ms milliseconds from now: the deadline
 * pthread_cond_timedwait() takes. */
struct timespec cd_deadline(int ms);
/* The wall clock (CLOCK_REALTIME), in ms since the epoch. */
int64_t cd_wall_ms(void);

/* String -> index map, case-insensitive unless made exact (open addressing, FNV-1a). */
struct cd_map {
	const char **keys;  /* borrowed keys, NULL for empty slots */
	size_t *vals;       /* value of each slot */
	size_t cap;         /* slots, a power of two */
	size_t n;           /* keys stored */
	bool exact;         /* compare case-sensitively */
};
void cd_map_init(struct cd_map *m);
void cd_map_init_exact(struct cd_map *m);      /* case-sensitive keys */
void cd_map_free(struct cd_map *m);
/* Insert key -> val; returns false (and stores nothing) when key exists,
 * setting *old to the existing value if old is not NULL. */
bool cd_map_put(struct cd_map *m, const char *key, size_t val, size_t *old);
bool cd_map_get(const struct cd_map *m, const char *key, size_t *val);
/* The value of key, to change in place, or NULL. */
size_t *cd_map_ref(struct cd_map *m, const char *key);
/* Remove key: false when it is not there. */
bool cd_map_del(struct cd_map *m, const char *key);

/* Shell glob match of a whole string, both sides already lower case. */
bool cd_glob(const char *pattern, const char *s);

/* Bitset helpers over uint64_t words. */
#define CD_BITWORDS(n) (((n) + 63) / 64)
static inline bool cd_bit_get(const uint64_t *b, size_t i)
{
	return (b[i >> 6] >> (i & 63)) & 1;
}
static inline void cd_bit_set(uint64_t *b, size_t i, bool v)
{
	if (v)
		b[i >> 6] |= UINT64_C(1) << (i & 63);
	else
		b[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

/* Write s to f with control characters (a newline among them) and
 * backslashes escaped as \xNN and \\: a log line stays one line, whatever a
 * client put in a path or a name. */
void cd_fput_escaped(FILE *f, const char *s);

#endif
