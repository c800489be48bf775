/* flowsend.c - flow records queued and sent (see flowsend.h). */
#include "agent/flowsend.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/http.h"
#include "agent/queue.h"

struct cd_flowsend {
	struct cd_queue q;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stopping;
	struct cd_flowsend_opts o;
	void (*log)(const char *line);
	uint64_t lost;
};

int cd_flowsend_open(struct cd_flowsend **out, const char *dir, size_t max_bytes,
		     void (*log)(const char *line), struct cd_buf *err)
{
	struct cd_flowsend *s = cd_calloc(1, sizeof(*s));
	int r = cd_queue_open(&s->q, dir, max_bytes, err);
	if (r < 0) {
		free(s);
		return r;
	}
	if (s->q.damaged_spans)
		cd_logf(log, "flow records: %zu damaged records of the queue skipped (%zu bytes)",
			s->q.damaged_spans, s->q.damaged_bytes);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	s->log = log;
	*out = s;
	return 0;
}

int cd_flowsend_push(void *arg, json_t *batches, const char *mark)
{
	struct cd_flowsend *s = arg;
	size_t n = json_array_size(batches), records = 0;
	json_t **v = cd_calloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i] = json_array_get(batches, i);
		records += json_array_size(json_object_get(v[i], "records"));
	}
	pthread_mutex_lock(&s->lock);
	int r = cd_queue_push_group(&s->q, v, n, mark);
	if (r < 0)
		s->lost += records;
	pthread_cond_broadcast(&s->wake);
	uint64_t lost = s->lost;
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		cd_logf(s->log, "flow records lost (their queue is full or the disk fails: %s): "
			"%llu since the start", strerror(-r), (unsigned long long)lost);
	free(v);
	json_decref(batches);
	return r;
}

/* One call with what is queued: the highest number the manager took (0:
 * none, try again later). */
static int64_t deliver(struct cd_flowsend *s, struct cd_http *h, json_t *queued)
{
	json_t *batches = json_array(), *q;
	size_t i;
	int64_t last = 0;
	json_array_foreach(queued, i, q) {
		last = json_integer_value(json_object_get(q, "seq"));
		/* the queue's own note that it was full: records were lost */
		if (!json_object_get(q, "records")) {
			cd_logf(s->log, "flow records: %s", json_string_value(json_object_get(q, "message")));
			continue;
		}
		/* what the manager takes: the group's fields are the queue's */
		json_array_append_new(batches, json_pack("{s:O, s:O}", "seq", json_object_get(q, "seq"),
							 "records", json_object_get(q, "records")));
	}
	if (!json_array_size(batches)) {
		json_decref(batches);
		return last;
	}
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	long status = 0;
	json_t *out = NULL, *body = json_pack("{s:o}", "batches", batches);
	int r = cd_http_call(h, "POST", "/api/v1/agent/flows", body, 30000, &status, &out, &err);
	json_decref(body);
	int64_t acked = r == 0 && status == 200 ? json_integer_value(json_object_get(out, "acked")) : 0;
	if (r == 0 && status >= 400 && status < 500 && status != 401 && status != 429) {
		const char *e = json_string_value(json_object_get(out, "error"));
		cd_logf(s->log, "the manager refuses flow records (HTTP %ld: %s); dropping %zu batches",
			status, e ? e : "-", json_array_size(queued));
		acked = last;
	} else if (r < 0 || status != 200) {
		acked = 0;
	}
	cd_buf_free(&err);
	json_decref(out);
	return acked;
}

static void nap(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
	nanosleep(&t, NULL);
}

static void *sender(void *arg)
{
	struct cd_flowsend *s = arg;
	struct cd_http h;
	cd_http_init(&h, s->o.server, s->o.credential, s->o.insecure, s->o.cacert);
	cd_http_set_resend(&h, true);   /* batches are taken once per number */
	if (s->o.cancel)
		cd_http_set_cancel(&h, s->o.cancel);
	double pause = 0.2;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		if (!cd_queue_ready(&s->q)) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 1;
			pthread_cond_timedwait(&s->wake, &s->lock, &t);
			continue;
		}
		json_t *queued = cd_queue_peek(&s->q, CD_FLOWSEND_BATCHES);
		pthread_mutex_unlock(&s->lock);
		int64_t acked = deliver(s, &h, queued);
		json_decref(queued);
		pthread_mutex_lock(&s->lock);
		if (acked > 0) {
			cd_queue_ack(&s->q, acked);
			pause = 0.2;
		} else {
			pthread_mutex_unlock(&s->lock);
			nap(pause);
			pause = pause * 2 > 5 ? 5 : pause * 2;
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	cd_http_free(&h);
	return NULL;
}

void cd_flowsend_mark(struct cd_flowsend *s, char mark[CD_QUEUE_MARK_MAX])
{
	pthread_mutex_lock(&s->lock);
	memcpy(mark, s->q.mark, CD_QUEUE_MARK_MAX);
	pthread_mutex_unlock(&s->lock);
}

int cd_flowsend_start(struct cd_flowsend *s, const struct cd_flowsend_opts *o)
{
	s->o = *o;
	int r = -pthread_create(&s->thread, NULL, sender, s);
	s->running = r == 0;
	return r;
}

void cd_flowsend_close(struct cd_flowsend *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	cd_queue_close(&s->q);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}
