/* queue.c - the durable event queue (see queue.h). */
#define _GNU_SOURCE
#include "agent/queue.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <zlib.h>

#define HDR 8

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc(const char *p, size_t n)
{
	return (uint32_t)crc32(0L, (const Bytef *)p, (uInt)n);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A record's header: its length and CRC-32, little-endian. */
static void header(unsigned char h[HDR], const char *text, size_t len)
{
	put32(h, (uint32_t)len);
	put32(h + 4, crc(text, len));
}

static int write_record(int fd, const char *text, size_t len)
{
	unsigned char h[HDR];
	header(h, text, len);
	int r = write_all(fd, h, HDR);
	return r ? r : write_all(fd, text, len);
}

static int save_ack(struct cd_queue *q)
{
	char v[32 + CD_QUEUE_MARK_MAX];
	int n = snprintf(v, sizeof(v), "%lld\n%s%s", (long long)q->acked, q->mark, *q->mark ? "\n" : "");
	return cd_write_file(q->ack_path, v, (size_t)n, 0600);
}

/* Rewrite the file with the unacknowledged records only. */
static int compact(struct cd_queue *q)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", q->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = 0;
	size_t bytes = 0;
	for (size_t i = 0; i < q->n && r == 0; i++) {
		r = write_record(fd, q->v[i].text, q->v[i].len);
		bytes += HDR + q->v[i].len;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, q->path) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		unlink(tmp);
		return r;
	}
	close(q->fd);
	q->fd = open(q->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	close(fd);
	q->file_bytes = bytes;
	return q->fd < 0 ? -errno : 0;
}

/* A record's "more" and "mark" (into mark, when it has one). */
static bool group_of(json_t *e, char mark[CD_QUEUE_MARK_MAX])
{
	const char *m = json_string_value(json_object_get(e, "mark"));
	if (m && mark && strlen(m) < CD_QUEUE_MARK_MAX)
		strcpy(mark, m);
	return json_is_true(json_object_get(e, "more"));
}

/* A whole record at off: its length, CRC and JSON object with a "seq";
 * its group (group_of), when more is not NULL. */
static bool record_at(const char *text, size_t len, size_t off, uint32_t *n, int64_t *seq,
		      bool *more, char mark[CD_QUEUE_MARK_MAX])
{
	if (off + HDR > len)
		return false;
	const unsigned char *h = (const unsigned char *)text + off;
	*n = get32(h);
	if (*n < 2 || *n > CD_QUEUE_RECORD_MAX || off + HDR + *n > len || text[off + HDR] != '{' ||
	    text[off + HDR + *n - 1] != '}' || crc(text + off + HDR, *n) != get32(h + 4))
		return false;
	json_t *e = json_loadb(text + off + HDR, *n, 0, NULL);
	*seq = json_integer_value(json_object_get(e, "seq"));
	if (more)
		*more = group_of(e, mark);
	json_decref(e);
	return *seq > 0;
}

/* The first whole record at or after off, or len. */
static size_t next_record(const char *text, size_t len, size_t off)
{
	uint32_t n;
	int64_t seq;
	for (; off + HDR < len; off++)
		if (record_at(text, len, off, &n, &seq, NULL, NULL))
			return off;
	return len;
}

int cd_queue_open(struct cd_queue *q, const char *dir, size_t max_bytes, struct cd_buf *err)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->max_bytes = max_bytes;
	q->path = cd_asprintf("%s/events.q", dir);
	q->ack_path = cd_asprintf("%s/events.ack", dir);
	char *text = NULL;
	size_t len = 0;
	int r = cd_read_file(q->ack_path, 32 + CD_QUEUE_MARK_MAX, &text, &len);
	if (r == 0) {
		char *e;
		q->acked = strtoll(text, &e, 10);
		/* the mark, on the second line */
		if (*e == '\n' && e[1] && e[1 + strcspn(e + 1, "\n")] == '\n')
			snprintf(q->mark, sizeof(q->mark), "%.*s", (int)strcspn(e + 1, "\n"), e + 1);
	}
	free(text);
	if (r < 0 && r != -ENOENT) {
		cd_buf_printf(err, "%s: %s", q->ack_path, strerror(-r));
		return r;
	}
	text = NULL;
	r = cd_read_file(q->path, (size_t)1 << 31, &text, &len);
	if (r < 0 && r != -ENOENT) {
		cd_buf_printf(err, "%s: %s", q->path, strerror(-r));
		return r;
	}
	size_t off = 0, good = 0, damaged = 0, group = 0, held = 0;
	int64_t last = q->acked;
	while (text && off + HDR <= len) {
		uint32_t n;
		int64_t seq;
		bool more;
		if (!record_at(text, len, off, &n, &seq, &more, q->mark)) {
			/* a record cut short at the end: a crash in its write (its
			 * push never returned, so its number was never sent) */
			size_t next = next_record(text, len, off + 1);
			uint32_t tn = get32((const unsigned char *)text + off);
			if (next == len && tn <= CD_QUEUE_RECORD_MAX && off + HDR + tn > len)
				break;
			/* else damaged (a flipped bit, a bad sector): skipped,
			 * the records after it kept */
			damaged += next - off;
			q->damaged_spans++;
			off = good = next;
			continue;
		}
		if (seq > last)
			last = seq;
		if (seq > q->acked) {
			struct cd_queue_rec rec = { seq, cd_strndup(text + off + HDR, n), n, more };
			CD_PUSH(q->v, q->n, q->cap, rec);
			q->live_bytes += HDR + n;
		}
		off += HDR + n;
		good = off;
		if (!more)
			group = off, held = q->n;
	}
	free(text);
	/* a group cut by a crash between its records: dropped whole (its
	 * records were never sent: a group is peeked once it is whole) */
	bool cut = held < q->n;
	while (q->n > held) {
		q->n--;
		q->live_bytes -= HDR + q->v[q->n].len;
		free(q->v[q->n].text);
	}
	/* a damaged record's number is unknown, and so is that of a tail
	 * cut off (torn, or a whole record whose length was damaged): the
	 * next number is past any they could have had (a record is 10 bytes
	 * at least), never reused (the manager would take a new event under
	 * it for one it has) */
	q->next_seq = last + 1 + (int64_t)((damaged + (len - good)) / (HDR + 2));
	q->damaged_bytes = damaged;
	q->fd = open(q->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (q->fd < 0) {
		r = -errno;
		cd_buf_printf(err, "%s: %s", q->path, strerror(errno));
		return r;
	}
	/* a torn tail goes, and a cut group */
	if (cut)
		good = group;
	if (good < len && ftruncate(q->fd, (off_t)good) < 0) {
		r = -errno;
		cd_buf_printf(err, "%s: %s", q->path, strerror(errno));
		return r;
	}
	q->file_bytes = good;
	/* the damaged spans go from the file (what is kept is rewritten) */
	if (damaged && (r = compact(q)) < 0) {
		cd_buf_printf(err, "%s: %s", q->path, strerror(-r));
		return r;
	}
	return 0;
}

void cd_queue_close(struct cd_queue *q)
{
	if (q->fd >= 0)
		close(q->fd);
	for (size_t i = 0; i < q->n; i++)
		free(q->v[i].text);
	free(q->v);
	free(q->path);
	free(q->ack_path);
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}

/* Append events[0..n) as one write and one sync (numbered here; a group
 * of several: "more" on all but the last, mark on the last when not
 * NULL); room already checked.  All of them, or none. */
static int append(struct cd_queue *q, json_t *const *events, size_t n, const char *mark)
{
	struct cd_buf b;
	cd_buf_init(&b, n * (CD_QUEUE_RECORD_MAX + HDR));
	struct cd_queue_rec *recs = cd_calloc(n ? n : 1, sizeof(*recs));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		json_t *e = events[i];
		json_object_set_new(e, "seq", json_integer(q->next_seq + (int64_t)i));
		if (n > 1 && i + 1 < n)
			json_object_set_new(e, "more", json_true());
		if (mark && i + 1 == n)
			json_object_set_new(e, "mark", json_string(mark));
		char *text = json_dumps(e, JSON_COMPACT);
		size_t len = strlen(text);
		recs[i] = (struct cd_queue_rec){ q->next_seq + (int64_t)i, text, len, n > 1 && i + 1 < n };
		if (len > CD_QUEUE_RECORD_MAX) {
			r = -E2BIG;
			break;
		}
		unsigned char h[HDR];
		header(h, text, len);
		if (cd_buf_add(&b, h, HDR) < 0 || cd_buf_add(&b, text, len) < 0)
			r = -ENOMEM;
	}
	if (r == 0)
		r = write_all(q->fd, b.data, b.len);
	if (r == 0 && fdatasync(q->fd) < 0)
		r = -errno;
	cd_buf_free(&b);
	if (r < 0) {
		/* leave the file as it was: a torn record would be cut at
		 * the next open anyway, but later appends must not follow it */
		if (r != -E2BIG && ftruncate(q->fd, (off_t)q->file_bytes) < 0)
			r = -errno;
		for (size_t i = 0; i < n; i++)
			free(recs[i].text);
		free(recs);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		CD_PUSH(q->v, q->n, q->cap, recs[i]);
		q->live_bytes += HDR + recs[i].len;
		q->file_bytes += HDR + recs[i].len;
	}
	q->next_seq += (int64_t)n;
	if (mark && strlen(mark) < sizeof(q->mark))
		strcpy(q->mark, mark);
	free(recs);
	return 0;
}

static int append_one(struct cd_queue *q, json_t *event)
{
	return append(q, &event, 1, NULL);
}

json_t *cd_event_make(const char *type, const char *workload, json_t *data, const char *fmt, ...)
{
	char msg[1024], t[CD_TIME_STRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	json_t *e = json_pack("{s:s, s:s, s:s}", "time",
			      cd_time_fmt((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, t),
			      "type", type, "message", msg);
	if (workload)
		json_object_set_new(e, "workload", json_string(workload));
	if (data)
		json_object_set_new(e, "data", data);
	return e;
}

int cd_queue_push_group(struct cd_queue *q, json_t *const *events, size_t n, const char *mark)
{
	/* room for them and for a queue-full note */
	size_t reserve = 1024, need = 0;
	for (size_t i = 0; i < n; i++) {
		char *probe = json_dumps(events[i], JSON_COMPACT);
		need += HDR + strlen(probe) + 64 + (mark ? strlen(mark) + 16 : 0);
		free(probe);
	}
	if (q->live_bytes + need + reserve > q->max_bytes) {
		q->dropped += n;
		if (!q->full) {
			json_t *e = cd_event_make("queue-full", NULL, NULL, "the agent's event queue is "
						  "full: events are dropped until the manager takes them");
			append_one(q, e);
			json_decref(e);
			q->full = true;
		}
		return -ENOSPC;
	}
	if (q->dropped) {
		json_t *e = cd_event_make("queue-dropped", NULL,
					  json_pack("{s:I}", "dropped", (json_int_t)q->dropped),
					  "%llu events were dropped while the event queue was full",
					  (unsigned long long)q->dropped);
		int r = append_one(q, e);
		json_decref(e);
		if (r < 0)
			return r;
		q->dropped = 0;
		q->full = false;
	}
	return append(q, events, n, mark);
}

int cd_queue_push(struct cd_queue *q, json_t *event)
{
	return cd_queue_push_group(q, &event, 1, NULL);
}

size_t cd_queue_ready(const struct cd_queue *q)
{
	size_t n = q->n;
	while (n && q->v[n - 1].more)
		n--;
	return n;
}

json_t *cd_queue_peek(const struct cd_queue *q, size_t max)
{
	json_t *a = json_array();
	size_t ready = cd_queue_ready(q);
	for (size_t i = 0; i < ready && i < max; i++)
		json_array_append_new(a, json_loadb(q->v[i].text, q->v[i].len, 0, NULL));
	return a;
}

int cd_queue_ack(struct cd_queue *q, int64_t seq)
{
	/* (a group is never held in part: whole groups are appended, and a cut
	 * one is dropped at open) */
	if (seq >= q->next_seq)
		seq = q->next_seq - 1;
	if (seq <= q->acked)
		return 0;
	q->acked = seq;
	size_t k = 0;
	while (k < q->n && q->v[k].seq <= seq) {
		q->live_bytes -= HDR + q->v[k].len;
		free(q->v[k].text);
		k++;
	}
	memmove(q->v, q->v + k, (q->n - k) * sizeof(*q->v));
	q->n -= k;
	int r = save_ack(q);
	if (r == 0 && q->file_bytes > 4096 && q->live_bytes * 2 < q->file_bytes)
		r = compact(q);
	return r;
}
