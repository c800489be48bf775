/* rwrite.c - Prometheus remote write 1.0 (see rwrite.h). */
#include "metrics/rwrite.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/varint.h"

/* ---- the protobuf ---- */

/* A label's value as sent, a series' labels, a whole request before
 * compression: past these the encoding fails (-E2BIG), never grows on */
#define RW_VALUE_MAX (64u << 10)
#define RW_SERIES_MAX (1u << 20)
#define RW_REQUEST_MAX (256u << 20)

/* A length-delimited field: its tag, its length, its bytes. */
static int bytes_field(struct cd_buf *b, int field, const void *p, size_t len)
{
	int r = cd_varint_add(b, (uint64_t)field << 3 | 2);
	r = r ? r : cd_varint_add(b, len);
	return r ? r : cd_buf_add(b, p, len);
}

struct label {
	char *name, *value;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

/* metric{k="v",...} into labels, __name__ among them, sorted: how many,
 * or -1.  The values' escapes (\\, \", \n) are undone. */
static int parse_key(const char *key, struct label *l, int max)
{
	const char *brace = strchr(key, '{');
	if (!brace || brace == key)
		return -1;
	int n = 0;
	l[n].name = cd_strdup("__name__");
	l[n++].value = cd_strndup(key, (size_t)(brace - key));
	const char *p = brace + 1;
	while (*p && *p != '}') {
		const char *eq = strchr(p, '=');
		if (!eq || eq[1] != '"' || n == max)
			goto bad;
		struct cd_buf v;
		cd_buf_init(&v, RW_VALUE_MAX);
		const char *q = eq + 2;
		int r = 0;
		for (; !r && *q && *q != '"'; q++) {
			char c = *q;
			if (c == '\\' && q[1])
				c = *++q == 'n' ? '\n' : *q;
			r = cd_buf_add(&v, &c, 1);
		}
		if (r || *q != '"') {
			cd_buf_free(&v);
			goto bad;
		}
		l[n].name = cd_strndup(p, (size_t)(eq - p));
		l[n++].value = v.data ? cd_buf_steal(&v) : cd_strdup("");
		cd_buf_free(&v);
		p = q + 1;
		if (*p == ',')
			p++;
	}
	if (*p != '}')
		goto bad;
	qsort(l, (size_t)n, sizeof(*l), by_name);
	return n;
bad:
	for (int i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].value);
	}
	return -1;
}

int cd_rw_encode(const struct cd_rw_series *s, size_t n, struct cd_buf *out)
{
	struct cd_buf ts, part;
	cd_buf_init(&ts, RW_SERIES_MAX);
	cd_buf_init(&part, RW_SERIES_MAX);
	int r = 0;
	for (size_t i = 0; !r && i < n; i++) {
		struct label l[40];
		int nl = parse_key(s[i].key, l, 40);
		if (nl < 0) {
			r = -EINVAL;
			break;
		}
		cd_buf_reset(&ts);
		for (int k = 0; k < nl; k++) {
			cd_buf_reset(&part);
			r = r ? r : bytes_field(&part, 1, l[k].name, strlen(l[k].name));
			r = r ? r : bytes_field(&part, 2, l[k].value, strlen(l[k].value));
			r = r ? r : bytes_field(&ts, 1, part.data, part.len);
			free(l[k].name);
			free(l[k].value);
		}
		for (size_t k = 0; !r && k < s[i].n; k++) {
			cd_buf_reset(&part);
			uint8_t d[9] = { 1 << 3 | 1 };         /* value: a double */
			uint64_t bits;
			memcpy(&bits, &s[i].v[k], 8);
			for (int j = 0; j < 8; j++)
				d[1 + j] = (uint8_t)(bits >> (8 * j));
			r = cd_buf_add(&part, d, 9);
			r = r ? r : cd_varint_add(&part, 2 << 3 | 0);             /* timestamp: ms */
			r = r ? r : cd_varint_add(&part, (uint64_t)s[i].t[k]);
			r = r ? r : bytes_field(&ts, 2, part.data, part.len);
		}
		r = r ? r : bytes_field(out, 1, ts.data, ts.len);
	}
	cd_buf_free(&ts);
	cd_buf_free(&part);
	return r;
}

/* ---- the sender ---- */

struct qs {                        /* a sample waiting */
	int64_t series, t;
	double v;
};

struct cd_rw {
	struct cd_mstore *st;
	char *url, *auth;
	void (*log)(const char *line);
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct qs *q;              /* a ring of CD_RW_QUEUE */
	size_t head, n;
	uint64_t sent, dropped;
};

static void tap(void *ctx, int64_t series, int64_t t, double v)
{
	struct cd_rw *w = ctx;
	pthread_mutex_lock(&w->mu);
	if (w->n == CD_RW_QUEUE) {         /* full: the oldest goes */
		w->head = (w->head + 1) % CD_RW_QUEUE;
		w->n--;
		w->dropped++;
	}
	w->q[(w->head + w->n++) % CD_RW_QUEUE] = (struct qs){ series, t, v };
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int by_series(const void *a, const void *b)
{
	const struct qs *x = a, *y = b;
	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* A batch as a compressed WriteRequest: 0, or -EINVAL. */
static int request(struct cd_rw *w, struct qs *b, size_t n, char **body, size_t *len)
{
	qsort(b, n, sizeof(*b), by_series);
	struct cd_rw_series *s = cd_malloc(n * sizeof(*s));
	struct cd_series_info *info = cd_malloc(n * sizeof(*info));
	int64_t *t = cd_malloc(n * sizeof(*t));
	double *v = cd_malloc(n * sizeof(*v));
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		t[i] = b[i].t;
		v[i] = b[i].v;
		if (ns && b[i].series == b[i - 1].series) {
			s[ns - 1].n++;
			continue;
		}
		if (cd_mstore_info(w->st, b[i].series, &info[ns]))
			continue;
		s[ns] = (struct cd_rw_series){ info[ns].key, &t[i], &v[i], 1 };
		ns++;
	}
	struct cd_buf pb;
	cd_buf_init(&pb, RW_REQUEST_MAX);
	int r = cd_rw_encode(s, ns, &pb);
	if (!r) {
		size_t max = snappy_max_compressed_length(pb.len);
		*body = cd_malloc(max ? max : 1);
		*len = max;
		if (snappy_compress(pb.data ? pb.data : "", pb.len, *body, len) != SNAPPY_OK) {
			free(*body);
			r = -EINVAL;
		}
	}
	cd_buf_free(&pb);
	free(s);
	free(info);
	free(t);
	free(v);
	return r;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* POST a request: the HTTP status, or 0 when there was no answer. */
static long post(struct cd_rw *w, const char *body, size_t len)
{
	CURL *c = curl_easy_init();
	if (!c)
		return 0;
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Encoding: snappy");
	h = curl_slist_append(h, "Content-Type: application/x-protobuf");
	h = curl_slist_append(h, "X-Prometheus-Remote-Write-Version: 0.1.0");
	if (w->auth)
		h = curl_slist_append(h, w->auth);
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cordon/" CD_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static void *run(void *arg)
{
	struct cd_rw *w = arg;
	struct qs *b = cd_malloc(CD_RW_BATCH * sizeof(*b));
	double pause = 0.5;
	bool failing = false;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		if (!w->n) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		size_t n = w->n < CD_RW_BATCH ? w->n : CD_RW_BATCH;
		for (size_t i = 0; i < n; i++)
			b[i] = w->q[(w->head + i) % CD_RW_QUEUE];
		w->head = (w->head + n) % CD_RW_QUEUE;
		w->n -= n;
		pthread_mutex_unlock(&w->mu);
		char *body;
		size_t len;
		long status = 0;
		bool sent = false;
		if (request(w, b, n, &body, &len) == 0) {
			/* the batch again and again until taken or refused */
			while (!sent) {
				status = post(w, body, len);
				sent = (status >= 200 && status < 300) ||
				       (status >= 400 && status < 500 && status != 429);
				if (sent)
					break;
				if (!failing)
					cd_logf(w->log, "remote write to %s: %s; trying again", w->url,
						status ? "the receiver answered an error" : "no answer");
				failing = true;
				pthread_mutex_lock(&w->mu);
				bool stop = w->stop;
				if (!stop) {
					struct timespec until = cd_deadline((int)(pause * 1000));
					pthread_cond_timedwait(&w->cv, &w->mu, &until);
					stop = w->stop;
				}
				pthread_mutex_unlock(&w->mu);
				if (stop)
					break;
				pause = pause * 2 > 30 ? 30 : pause * 2;
			}
			free(body);
		}
		pthread_mutex_lock(&w->mu);
		if (sent && status < 300) {
			w->sent += n;
			if (failing)
				cd_logf(w->log, "remote write to %s: taken again", w->url);
			failing = false;
			pause = 0.5;
		} else if (sent) {
			w->dropped += n;
			cd_logf(w->log, "remote write to %s: HTTP %ld, %zu samples dropped", w->url, status,
				n);
		}
	}
	pthread_mutex_unlock(&w->mu);
	free(b);
	return NULL;
}

struct cd_rw *cd_rw_start(struct cd_mstore *st, const struct cd_rw_opts *o, struct cd_buf *err)
{
	char *token = NULL;
	size_t len;
	if (o->token_file) {
		int r = cd_read_file(o->token_file, 4096, &token, &len);
		if (r < 0) {
			cd_buf_printf(err, "%s: %s", o->token_file, strerror(-r));
			return NULL;
		}
		token[strcspn(token, "\r\n")] = 0;
	}
	struct cd_rw *w = cd_calloc(1, sizeof(*w));
	w->st = st;
	w->url = cd_strdup(o->url);
	w->auth = token ? cd_asprintf("Authorization: Bearer %s", token) : NULL;
	free(token);
	w->log = o->log;
	w->q = cd_malloc(CD_RW_QUEUE * sizeof(*w->q));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (cd_mstore_tap(st, tap, w)) {
		cd_buf_printf(err, "at most 4 remote-write URLs");
		free(w->q);
		free(w->url);
		free(w->auth);
		free(w);
		return NULL;
	}
	if (pthread_create(&w->th, NULL, run, w)) {
		/* the store's tap holds w: it stays, queueing (bounded) */
		cd_buf_printf(err, "cannot start the remote-write thread");
		return NULL;
	}
	return w;
}

void cd_rw_stats(struct cd_rw *w, uint64_t *sent, uint64_t *dropped, size_t *queued)
{
	pthread_mutex_lock(&w->mu);
	*sent = w->sent;
	*dropped = w->dropped;
	*queued = w->n;
	pthread_mutex_unlock(&w->mu);
}

void cd_rw_stop(struct cd_rw *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->q);
	free(w->url);
	if (w->auth)
		memset(w->auth, 0, strlen(w->auth));   /* the token */
	free(w->auth);
	free(w);
}
