/* source.c - the thread that keeps a connected source in step (see
 * source.h). */
#include "inventory/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory/vsphere.h"
#include "inventory/virt.h"

#define POLL_MS 1000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000

struct cd_src {
	char *name;
	const struct cd_src_ops *ops;
	json_t *config;
	struct cd_src_sink sink;       /* where it reports, under sink.lock */
	pthread_t thread;
	pthread_mutex_t mu;            /* guards the fields below */
	pthread_cond_t cond;
	bool stop;
	json_t *writes;                /* [{"id", "tag", "add", "q"}] in order */
};

const struct cd_src_ops *cd_src_kind(const char *kind)
{
	if (!strcmp(kind, "libvirt"))
		return &cd_virt_ops;
	if (!strcmp(kind, "vsphere"))
		return &cd_vsphere_ops;
	return NULL;
}

int cd_src_test(const struct cd_src_ops *ops, const json_t *config, struct cd_buf *err)
{
	const char *field;
	int r = ops->check_config(config, &field, err);
	if (r < 0)
		return r;
	void *h;
	r = ops->open(config, &h, err);
	if (r == 0)
		ops->close(h);
	return r;
}

const char *cd_src_name(const struct cd_src *s)
{
	return s->name;
}

void cd_src_write(struct cd_src *s, const char *id, const char *tag, bool add, bool quarantined)
{
	pthread_mutex_lock(&s->mu);
	json_array_append_new(s->writes, json_pack("{s:s, s:s, s:b, s:b}", "id", id, "tag", tag,
						   "add", add, "q", quarantined));
	pthread_mutex_unlock(&s->mu);
}

/* Sleep ms unless stopped; true when stopped. */
static bool nap(struct cd_src *s, int ms)
{
	struct timespec t = cd_deadline(ms);
	pthread_mutex_lock(&s->mu);
	while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &t) == 0)
		;
	bool stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static bool stopping(struct cd_src *s)
{
	pthread_mutex_lock(&s->mu);
	bool stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void report(struct cd_src *s, const char *state, const char *error)
{
	pthread_mutex_lock(s->sink.lock);
	s->sink.state(s->sink.ctx, s->name, state, error);
	pthread_mutex_unlock(s->sink.lock);
}

static void deliver(struct cd_src *s, json_t *ws)
{
	struct cd_diags d;
	cd_diags_init(&d);
	pthread_mutex_lock(s->sink.lock);
	int r = s->sink.sync(s->sink.ctx, s->name, ws, &d);
	if (r == -EINVAL)
		s->sink.state(s->sink.ctx, s->name, "error", d.n ? d.v[0].msg : "the workloads do not load");
	else if (r < 0 && r != -ENOENT)
		s->sink.state(s->sink.ctx, s->name, "error", strerror(-r));
	else
		s->sink.state(s->sink.ctx, s->name, "in sync", NULL);
	pthread_mutex_unlock(s->sink.lock);
	cd_diags_free(&d);
}

/* Write back what the API changed; a failure is the source's last error. */
static int write_back(struct cd_src *s, void *h)
{
	pthread_mutex_lock(&s->mu);
	json_t *w = s->writes;
	s->writes = json_array();
	pthread_mutex_unlock(&s->mu);
	json_t *o;
	size_t i;
	int r = 0;
	json_array_foreach(w, i, o) {
		struct cd_buf err;
		cd_buf_init(&err, 1024);
		const char *id = json_string_value(json_object_get(o, "id"));
		r = s->ops->write(h, id, json_string_value(json_object_get(o, "tag")),
				  json_is_true(json_object_get(o, "add")),
				  json_is_true(json_object_get(o, "q")), &err);
		if (r < 0) {
			char *msg = cd_asprintf("writing back workload %s: %s", id,
						err.data ? err.data : strerror(-r));
			pthread_mutex_lock(s->sink.lock);
			s->sink.write_failed(s->sink.ctx, s->name, id, msg);
			pthread_mutex_unlock(s->sink.lock);
			free(msg);
		}
		cd_buf_free(&err);
		if (r == -ECONNRESET) {  /* the connection is gone: keep the rest, in order */
			json_t *rest = json_array();
			for (; i < json_array_size(w); i++)
				json_array_append(rest, json_array_get(w, i));
			pthread_mutex_lock(&s->mu);
			json_array_extend(rest, s->writes);
			json_decref(s->writes);
			s->writes = rest;
			pthread_mutex_unlock(&s->mu);
			break;
		}
	}
	json_decref(w);
	return r == -ECONNRESET ? r : 0;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The connector's metrics when due, to the sink; its failure other than
 * the connection's is the source's last error. */
static int collect(struct cd_src *s, void *h, int64_t *next, struct cd_buf *err)
{
	int64_t now = now_ms();
	if (!s->ops->metrics || !s->sink.metrics || now < *next)
		return 0;
	int every = s->sink.collect_seconds > 0 ? s->sink.collect_seconds : 20;
	if (every < s->ops->metrics_period)
		every = s->ops->metrics_period;
	*next = now - now % (every * 1000LL) + every * 1000LL;
	json_t *out = json_array();
	int r = s->ops->metrics(h, now, out, err);
	pthread_mutex_lock(s->sink.lock);
	if (json_array_size(out))
		s->sink.metrics(s->sink.ctx, s->name, out);
	if (r < 0 && r != -ECONNRESET) {
		char *msg = cd_asprintf("metrics: %s", err->data ? err->data : strerror(-r));
		s->sink.state(s->sink.ctx, s->name, "in sync", msg);
		free(msg);
	}
	pthread_mutex_unlock(s->sink.lock);
	json_decref(out);
	return r == -ECONNRESET ? r : 0;
}

static void *run(void *arg)
{
	struct cd_src *s = arg;
	void *h = NULL;
	int backoff = BACKOFF_MIN_MS;
	bool ever = false;
	int64_t next_collect = 0;
	while (!stopping(s)) {
		struct cd_buf err;
		cd_buf_init(&err, 4096);
		if (!h) {
			int r = s->ops->open(s->config, &h, &err);
			if (r < 0) {
				h = NULL;
				report(s, ever ? "disconnected" : "error",
				       err.data ? err.data : strerror(-r));
				cd_buf_free(&err);
				if (nap(s, backoff))
					break;
				backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
				continue;
			}
			ever = true;
			next_collect = 0;     /* a new session: its metrics at once */
			backoff = BACKOFF_MIN_MS;
		}
		json_t *ws = NULL;
		int r = s->ops->poll(h, POLL_MS, &ws, &err);
		if (r > 0)
			deliver(s, ws);
		json_decref(ws);
		if (r >= 0)
			r = write_back(s, h);
		if (r >= 0)
			r = collect(s, h, &next_collect, &err);
		if (r < 0) {
			report(s, "disconnected", err.data ? err.data : strerror(-r));
			s->ops->close(h);
			h = NULL;
		}
		cd_buf_free(&err);
	}
	if (h)
		s->ops->close(h);
	return NULL;
}

struct cd_src *cd_src_start(const struct cd_src_sink *sink, const char *name,
			    const struct cd_src_ops *ops, const json_t *config)
{
	struct cd_src *s = cd_calloc(1, sizeof(*s));
	s->name = cd_strdup(name);
	s->ops = ops;
	s->config = json_deep_copy(config);
	s->sink = *sink;
	s->writes = json_array();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		json_decref(s->config);
		json_decref(s->writes);
		free(s->name);
		free(s);
		return NULL;
	}
	return s;
}

void cd_src_signal(struct cd_src *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

void cd_src_stop(struct cd_src *s)
{
	if (!s)
		return;
	cd_src_signal(s);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	json_decref(s->config);
	json_decref(s->writes);
	free(s->name);
	free(s);
}
