/* mtext.c - a metrics query's answer as JSON text (see mtext.h). */
#include "manager/mtext.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/dtoa.h"

#define QUEUE 32                   /* series waiting to be written */

struct item {
	char *head;
	struct cd_point *p;
	size_t n;
};

struct cd_mtext {
	struct cd_buf *b;
	size_t written;            /* series written (a comma before the next) */
	int err;                   /* the first error of the writing */
	bool threaded, done;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* a series queued, or taken, or the end */
	struct item q[QUEUE];
	size_t taken, queued;      /* counts: q[taken % QUEUE] is the next */
};

/* One series' text (none after an error r), its head and points freed:
 * 0 or the error. */
static int write_one(struct cd_mtext *w, struct item *it, int r)
{
	struct cd_buf *b = w->b;
	r = r ? r : cd_buf_puts(b, w->written++ ? ", " : "");
	r = r ? r : cd_buf_puts(b, it->head);
	r = r ? r : cd_buf_puts(b, ", \"points\": [");
	/* the points' text a few KB at a time into the answer */
	char pt[4096];
	size_t n = 0;
	bool first = true;
	for (size_t q = 0; !r && q < it->n; q++) {
		if (!isfinite(it->p[q].v))
			continue;
		if (!first) {
			pt[n++] = ',';
			pt[n++] = ' ';
		}
		pt[n++] = '[';
		n += cd_itoa(it->p[q].t, pt + n);
		pt[n++] = ',';
		pt[n++] = ' ';
		n += cd_dtoa(it->p[q].v, pt + n);
		pt[n++] = ']';
		first = false;
		if (n > sizeof(pt) - 2 * CD_DTOA_MAX - 8) {
			r = cd_buf_add(b, pt, n);
			n = 0;
		}
	}
	r = r || !n ? r : cd_buf_add(b, pt, n);
	r = r ? r : cd_buf_puts(b, "]}");
	free(it->head);
	free(it->p);
	return r;
}

static void *writer(void *arg)
{
	struct cd_mtext *w = arg;
	int r = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->taken == w->queued && !w->done)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->taken == w->queued)
			break;
		struct item it = w->q[w->taken % QUEUE];
		pthread_mutex_unlock(&w->mu);
		r = write_one(w, &it, r);  /* (b and written are this thread's now) */
		pthread_mutex_lock(&w->mu);
		w->err = r;
		w->taken++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct cd_mtext *cd_mtext_start(struct cd_buf *b, bool threaded)
{
	struct cd_mtext *w = cd_calloc(1, sizeof(*w));
	w->b = b;
	w->err = cd_buf_puts(b, "{\"series\": [");
	if (threaded && !w->err) {
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		w->threaded = pthread_create(&w->th, NULL, writer, w) == 0;
		if (!w->threaded) {
			pthread_cond_destroy(&w->cv);
			pthread_mutex_destroy(&w->mu);
		}
	}
	return w;
}

int cd_mtext_series(struct cd_mtext *w, char *head, struct cd_point *p, size_t n)
{
	struct item it = { head, p, n };
	if (!w->threaded)
		return w->err = write_one(w, &it, w->err);
	pthread_mutex_lock(&w->mu);
	while (w->queued - w->taken == QUEUE)
		pthread_cond_wait(&w->cv, &w->mu);
	w->q[w->queued++ % QUEUE] = it;
	pthread_cond_broadcast(&w->cv);
	int r = w->err;
	pthread_mutex_unlock(&w->mu);
	return r;
}

int cd_mtext_end(struct cd_mtext *w)
{
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->done = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	int r = w->err ? w->err : cd_buf_puts(w->b, "]}\n");
	if (!r && w->b->full)
		r = -E2BIG;
	free(w);
	return r;
}
