/* notify.c - the notifications' thread and queue (notify.h). */
#include "alerts/notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define GIVE_UP_MS (10 * 60000)
#define TIMEOUT_S 10

struct item {
	struct item *next;
	char *url, *body;
	int64_t due, first;        /* ms, monotonic */
	int64_t backoff;
};

struct cd_notify {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item *head, *tail;
	size_t n;
	bool stop;
	struct cd_notify_stats st;
	void (*log)(const char *line);
};

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void item_free(struct item *it)
{
	free(it->url);
	free(it->body);
	free(it);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* POST the item: its HTTP status, or 0 when there was none. */
static long post(const struct item *it)
{
	CURL *c = curl_easy_init();
	if (!c)
		return 0;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, it->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	long code = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

/* The first item due, unlinked; or NULL with *wait_ms till the next. */
static struct item *take(struct cd_notify *n, int64_t now, int64_t *wait_ms)
{
	struct item **best = NULL;
	for (struct item **p = &n->head; *p; p = &(*p)->next)
		if (!best || (*p)->due < (*best)->due)
			best = p;
	*wait_ms = best ? (*best)->due - now : -1;
	if (!best || (*best)->due > now)
		return NULL;
	struct item *it = *best;
	*best = it->next;
	if (n->tail == it) {
		n->tail = NULL;
		for (struct item *q = n->head; q; q = q->next)
			n->tail = q;
	}
	it->next = NULL;
	n->n--;
	return it;
}

static void push(struct cd_notify *n, struct item *it)
{
	if (n->tail)
		n->tail->next = it;
	else
		n->head = it;
	n->tail = it;
	n->n++;
}

static void *run(void *arg)
{
	struct cd_notify *n = arg;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		int64_t wait;
		struct item *it = take(n, mono_ms(), &wait);
		if (!it) {
			if (wait < 0) {
				pthread_cond_wait(&n->cv, &n->mu);
			} else {
				struct timespec d;
				clock_gettime(CLOCK_MONOTONIC, &d);   /* the condition's clock */
				int64_t ns = d.tv_nsec + (wait < 60000 ? wait : 60000) * 1000000;
				d.tv_sec += ns / 1000000000;
				d.tv_nsec = ns % 1000000000;
				pthread_cond_timedwait(&n->cv, &n->mu, &d);
			}
			continue;
		}
		pthread_mutex_unlock(&n->mu);
		long code = post(it);
		int64_t now = mono_ms();
		pthread_mutex_lock(&n->mu);
		bool done = code >= 200 && code < 300;
		bool refused = code >= 400 && code < 500 && code != 408 && code != 429;
		if (done) {
			n->st.sent++;
			item_free(it);
		} else if (refused || now - it->first >= GIVE_UP_MS) {
			n->st.failed++;
			if (n->log)
				cd_logf(n->log, "notification to %s given up: %s %ld", it->url,
					code ? "HTTP status" : "no answer after retries", code);
			item_free(it);
		} else {
			it->due = now + it->backoff;
			it->backoff = it->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : it->backoff * 2;
			push(n, it);
		}
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

struct cd_notify *cd_notify_start(void (*log)(const char *line))
{
	struct cd_notify *n = cd_calloc(1, sizeof(*n));
	n->log = log;
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* the thread takes no signal: the program's main thread handles them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = pthread_create(&n->th, NULL, run, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
		free(n);
		return NULL;
	}
	return n;
}

void cd_notify_stop(struct cd_notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->th, NULL);
	while (n->head) {
		struct item *it = n->head;
		n->head = it->next;
		item_free(it);
	}
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

static void queue(struct cd_notify *n, char *url, json_t *body)
{
	struct item *it = cd_calloc(1, sizeof(*it));
	it->url = url;
	it->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	it->due = it->first = mono_ms();
	it->backoff = BACKOFF_MIN_MS;
	if (!n || !it->body) {
		item_free(it);
		return;
	}
	pthread_mutex_lock(&n->mu);
	if (n->n >= CD_NOTIFY_QUEUE) {       /* the oldest goes */
		struct item *old = n->head;
		n->head = old->next;
		if (!n->head)
			n->tail = NULL;
		n->n--;
		n->st.dropped++;
		item_free(old);
	}
	push(n, it);
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

void cd_notify_alertmanager(struct cd_notify *n, const char *base, json_t *alerts)
{
	size_t l = strlen(base);
	queue(n, cd_asprintf("%.*s/api/v2/alerts", (int)(l && base[l - 1] == '/' ? l - 1 : l), base),
	      alerts);
}

void cd_notify_webhook(struct cd_notify *n, const char *url, json_t *body)
{
	queue(n, cd_strdup(url), body);
}

void cd_notify_stats(struct cd_notify *n, struct cd_notify_stats *out)
{
	pthread_mutex_lock(&n->mu);
	*out = n->st;
	out->queued = (int64_t)n->n;
	pthread_mutex_unlock(&n->mu);
}
