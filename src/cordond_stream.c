/* cordond_stream.c - the console's live updates (see cordond_stream.h).
 *
 * Each stream is a response read by libmicrohttpd's polling thread
 * through reader(): it hands out what is pending, or suspends the
 * connection and hands out nothing.  The main thread's tick formats what
 * is due and resumes the connection.  Both take this file's own lock,
 * never cordond's, so a slow client holds up nothing else. */
#define _GNU_SOURCE
#include "cordond_stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

#define HEARTBEAT_NS (10 * 1000000000LL)
#define LIFETIME_NS (300 * 1000000000LL)

struct stream {
	struct MHD_Connection *conn;
	char out[192];           /* what is still to send */
	size_t len, off;
	int64_t seq, pulse;      /* as last sent */
	int64_t last_write, end_at;
	bool suspended, ending;
	char who[80];            /* the credential's name: its streams counted */
	struct stream *next;
};

static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;
static struct stream *streams;
static int nstreams;
static bool ended;           /* cordond stops: streams end, new ones at once */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Queue s's change event (slock held; s->out is empty). */
static void put_change(struct stream *s, int64_t seq, int64_t pulse, bool first)
{
	int n = snprintf(s->out, sizeof(s->out), "%sevent: change\ndata: {\"seq\":%lld,\"pulse\":%lld}\n\n",
			 first ? "retry: 3000\n" : "", (long long)seq, (long long)pulse);
	s->len = n > 0 && (size_t)n < sizeof(s->out) ? (size_t)n : 0;
	s->off = 0;
	s->seq = seq;
	s->pulse = pulse;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	pthread_mutex_lock(&slock);
	ssize_t n;
	if (s->off < s->len) {
		size_t k = s->len - s->off < max ? s->len - s->off : max;
		memcpy(buf, s->out + s->off, k);
		s->off += k;
		s->last_write = mono_ns();
		n = (ssize_t)k;
	} else if (s->ending) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* nothing to say: off libmicrohttpd's loop until the tick */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
		n = 0;
	}
	pthread_mutex_unlock(&slock);
	return n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	pthread_mutex_lock(&slock);
	for (struct stream **p = &streams; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			nstreams--;
			break;
		}
	pthread_mutex_unlock(&slock);
	free(s);
}

struct MHD_Response *cordond_stream_open(struct MHD_Connection *conn, const char *who,
					 int64_t seq, int64_t pulse, bool *too_many_of_who)
{
	pthread_mutex_lock(&slock);
	int mine = 0;
	for (struct stream *x = streams; x; x = x->next)
		mine += !strncmp(x->who, who ? who : "", sizeof(x->who) - 1);
	*too_many_of_who = mine >= CORDOND_STREAMS_PER_WHO;
	if (nstreams >= CORDOND_STREAMS_MAX || *too_many_of_who) {
		pthread_mutex_unlock(&slock);
		return NULL;
	}
	struct stream *s = cd_calloc(1, sizeof(*s));
	snprintf(s->who, sizeof(s->who), "%s", who ? who : "");
	s->conn = conn;
	s->last_write = mono_ns();
	s->end_at = s->last_write + LIFETIME_NS;
	put_change(s, seq, pulse, true);
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, reader, s,
								   stream_free);
	if (!r) {
		pthread_mutex_unlock(&slock);
		free(s);
		return NULL;
	}
	s->ending = ended;          /* the manager stops: say so and end */
	s->next = streams;
	streams = s;
	nstreams++;
	pthread_mutex_unlock(&slock);
	return r;
}

/* Back into libmicrohttpd's loop, if it was out (slock held). */
static void wake_stream(struct stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

void cordond_streams_tick(int64_t seq, int64_t pulse)
{
	int64_t now = mono_ns();
	pthread_mutex_lock(&slock);
	for (struct stream *s = streams; s; s = s->next) {
		if (s->off < s->len || s->ending)
			goto resume;            /* still going out */
		if (now >= s->end_at) {
			s->ending = true;
		} else if (seq != s->seq || pulse != s->pulse) {
			put_change(s, seq, pulse, false);
		} else if (now - s->last_write >= HEARTBEAT_NS) {
			memcpy(s->out, ":\n\n", 3);
			s->len = 3;
			s->off = 0;
		} else {
			continue;
		}
	resume:
		wake_stream(s);
	}
	pthread_mutex_unlock(&slock);
}

void cordond_streams_end(void)
{
	pthread_mutex_lock(&slock);
	ended = true;
	for (struct stream *s = streams; s; s = s->next) {
		s->ending = true;
		wake_stream(s);
	}
	pthread_mutex_unlock(&slock);
}

int cordond_streams_open(void)
{
	pthread_mutex_lock(&slock);
	int n = nstreams;
	pthread_mutex_unlock(&slock);
	return n;
}
