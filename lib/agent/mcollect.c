/* mcollect.c - a host agent's metrics thread (see mcollect.h). */
#include "agent/mcollect.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/http.h"
#include "collect/collect.h"
#include "collect/spool.h"

#define SEND_MAX_ENTRIES 4096
#define SEND_MAX_BYTES (768u << 10)    /* under the manager's 1 MiB a body */

struct cd_mcollect {
	char *host, *uri;
	void (*log)(const char *line);
	const volatile sig_atomic_t *cancel;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int interval_s;
	struct cd_spool spool;
	struct cd_http http;
	virConnectPtr conn;
	bool libvirt_failing, manager_failing;
	struct cd_mcollect_stats st;
	struct cd_mclock clock;
	char **said;               /* domains whose stale memory was said */
	size_t nsaid, capsaid;
};

#define SAID_MAX 4096

/* Say once a domain that its guest's memory figures were stale (see
 * collect.h), and take the note out of its entry. */
static void say_stale(struct cd_mcollect *m, json_t *out)
{
	size_t i;
	json_t *e, *s;
	json_array_foreach(out, i, e) {
		if (!(s = json_object_get(e, "memory_stale")))
			continue;
		const char *name = json_string_value(json_object_get(e, "name"));
		bool said = false;
		for (size_t k = 0; k < m->nsaid && !said; k++)
			said = !strcmp(m->said[k], name);
		if (!said && m->nsaid < SAID_MAX) {
			CD_PUSH(m->said, m->nsaid, m->capsaid, cd_strdup(name));
			const char *err = json_string_value(json_object_get(s, "error"));
			long long age = json_integer_value(json_object_get(s, "seconds"));
			if (json_is_true(json_object_get(s, "period_set")))
				cd_logf(m->log, "metrics: vm %s: its guest's memory figures were %lld s old "
					"(no balloon stats period): set one of %d s, live; its QEMU "
					"process's resident set stands in until they come", name, age,
					CD_COLLECT_BALLOON_PERIOD_S);
			else
				cd_logf(m->log, "metrics: vm %s: its guest's memory figures are %lld s old: "
					"%s; its memory used is its QEMU process's resident set", name,
					age, err ? err : "?");
		}
		json_object_del(e, "memory_stale");
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void silent(void *ctx, virErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* The domains asked one after the other in a thread of its own: a domain
 * whose QEMU does not answer holds up the call that asks it first, and
 * with it the connection the call is on.  When the thread makes no
 * progress for a while, it is left to finish on its own with its
 * connection, and a new thread on a new connection takes the domains not
 * asked yet.  The next collection's call (NOWAIT) finds the stuck domain
 * busy and reports it with what libvirt has without asking QEMU. */
struct vcall {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	virConnectPtr conn;        /* a reference of its own */
	void **doms;               /* the domains of this call, its own */
	int n, next;               /* how many; the one being asked */
	int64_t t;
	json_t *out;               /* the entries so far */
	bool done, abandoned;
};

static void vcall_free(struct vcall *c)
{
	cd_collect_domains_free(c->doms, c->n);
	virConnectClose(c->conn);
	json_decref(c->out);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static void *vcall_run(void *arg)
{
	struct vcall *c = arg;
	for (int i = 0; i < c->n; i++) {
		json_t *e = cd_collect_domain(c->doms[i], c->t);
		pthread_mutex_lock(&c->mu);
		if (e)
			json_array_append_new(c->out, e);
		c->next = i + 1;
		pthread_cond_signal(&c->cv);
		bool gone = c->abandoned;
		pthread_mutex_unlock(&c->mu);
		if (gone)
			break;
	}
	pthread_mutex_lock(&c->mu);
	c->done = true;
	bool gone = c->abandoned;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (gone)
		vcall_free(c);     /* its collector went on without it */
	return NULL;
}

static bool listed(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* The running domains' entries into out, a domain holding up its call at
 * most stall_ms (m->conn open; it may be another one after): how many
 * domains were left out (stuck), or -EIO. */
static int domains_within(struct cd_mcollect *m, int64_t t, int stall_ms, json_t *out,
			  struct cd_buf *err)
{
	char **seen = NULL;        /* asked already, or stuck */
	size_t nseen = 0, cap = 0;
	int stuck = 0, r = 0;
	for (int round = 0; round < 8 && m->conn; round++) {
		void **all;
		int n = cd_collect_domains(m->conn, &all, err);
		if (n < 0) {
			r = -EIO;
			break;
		}
		struct vcall *c = cd_calloc(1, sizeof(*c));
		c->doms = cd_malloc((size_t)(n ? n : 1) * sizeof(*c->doms));
		for (int i = 0; i < n; i++) {
			if (listed(seen, nseen, virDomainGetName(all[i])))
				virDomainFree(all[i]);
			else
				c->doms[c->n++] = all[i];
		}
		free(all);
		if (!c->n) {
			free(c->doms);
			free(c);
			break;
		}
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->cv, NULL);
		virConnectRef(m->conn);
		c->conn = m->conn;
		c->t = t;
		c->out = json_array();
		pthread_t th;
		if (pthread_create(&th, NULL, vcall_run, c)) {
			vcall_free(c);
			break;
		}
		pthread_detach(th);
		pthread_mutex_lock(&c->mu);
		int progress = -1;
		while (!c->done && c->next != progress) {      /* while it goes on */
			progress = c->next;
			struct timespec until = cd_deadline(stall_ms);
			while (!c->done && c->next == progress &&
			       pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0)
				;
		}
		json_array_extend(out, c->out);
		json_array_clear(c->out);
		if (c->done) {
			pthread_mutex_unlock(&c->mu);
			vcall_free(c);
			break;
		}
		/* stuck on domain c->next: it and those before are seen */
		for (int i = 0; i <= c->next && i < c->n; i++)
			CD_PUSH(seen, nseen, cap, cd_strdup(virDomainGetName(c->doms[i])));
		stuck++;
		c->abandoned = true;
		pthread_mutex_unlock(&c->mu);
		virConnectClose(m->conn);
		m->conn = virConnectOpen(m->uri);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return r ? r : stuck;
}

/* One collection: libvirt's entries (when connected), the host's from
 * /proc where libvirt gave none. */
static json_t *collect(struct cd_mcollect *m, int64_t t, int interval_s)
{
	json_t *out = json_array();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (m->uri && !m->conn) {
		m->conn = virConnectOpen(m->uri);
		if (!m->conn && !m->libvirt_failing) {
			virErrorPtr e = virGetLastError();
			cd_logf(m->log, "metrics: cannot connect to libvirt (%s): %s", m->uri,
				e && e->message ? e->message : "?");
		}
	}
	if (m->conn) {
		int ms = interval_s * 1000 / 2;
		int r = cd_collect_host(m->conn, m->host, t, out);
		if (!r)
			r = domains_within(m, t, ms < 2000 ? ms : 2000, out, &err);
		if (r >= 0 && m->conn) {
			json_t *off = cd_collect_inactive(m->conn, t);
			json_array_extend(out, off);
			json_decref(off);
		}
		say_stale(m, out);
		if (r < 0) {
			if (!m->libvirt_failing)
				cd_logf(m->log, "metrics: %s; connecting again",
					err.len ? err.data : "libvirt failed");
			if (m->conn)
				virConnectClose(m->conn);
			m->conn = NULL;
		} else if (r) {
			cd_logf(m->log, "metrics: %d domain(s) did not answer; collected the others", r);
		}
	}
	cd_collect_relate(out);        /* each domain's pools */
	m->libvirt_failing = m->uri && !m->conn;
	json_t *proc = NULL, *host = NULL, *e;
	size_t i;
	json_array_foreach(out, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "kind")), "host"))
			host = e;
	if (cd_collect_proc("/proc", m->host, t, &proc) == 0) {
		if (host)
			json_object_update_missing(json_object_get(host, "metrics"),
						   json_object_get(proc, "metrics"));
		else
			json_array_append(out, proc);
		json_decref(proc);
	}
	cd_buf_free(&err);
	return out;
}

/* Send what the spool holds, oldest first, while the manager takes it. */
static void send_all(struct cd_mcollect *m)
{
	size_t nfiles;
	json_t *entries;
	while ((entries = cd_spool_peek(&m->spool, SEND_MAX_ENTRIES, SEND_MAX_BYTES, &nfiles))) {
		json_t *body = json_pack("{s:o}", "samples", entries), *out = NULL;
		struct cd_buf err;
		cd_buf_init(&err, 4096);
		long status = 0;
		int r = cd_http_call(&m->http, "POST", "/api/v1/agent/metrics", body, 30000, &status,
				     &out, &err);
		json_decref(body);
		bool taken = r == 0 && status == 200;
		/* refused for good (not the manager's state: its answer to this
		 * body): dropped, so that it does not hold up the rest */
		bool refused = r == 0 && status >= 400 && status < 500 && status != 401 &&
			       status != 429;
		size_t bad = json_array_size(json_object_get(out, "malformed"));
		if (taken && bad)         /* a damaged collection: it alone is refused */
			cd_logf(m->log, "metrics: the manager refuses %zu entries as malformed (the first: "
				"%s); the others of the %zu collections are taken", bad,
				json_string_value(json_object_get(json_array_get(json_object_get(out,
					"malformed"), 0), "error")), nfiles);
		if (taken || refused) {
			if (refused) {
				const char *e = json_string_value(json_object_get(out, "error"));
				cd_logf(m->log, "metrics: the manager refuses %zu collections (HTTP %ld: "
					"%s); dropped", nfiles, status, e ? e : "-");
			}
			cd_spool_ack(&m->spool, nfiles);
			pthread_mutex_lock(&m->mu);
			m->st.sent += taken ? nfiles : 0;
			pthread_mutex_unlock(&m->mu);
			if (m->manager_failing)
				cd_logf(m->log, "metrics: the manager takes samples again");
			m->manager_failing = false;
		} else if (!m->manager_failing) {
			cd_logf(m->log, "metrics: the manager does not take samples (%s); %zu "
				"collections wait in the spool", r ? err.data : "it answered an error",
				m->spool.nv);
			m->manager_failing = true;
		}
		json_decref(out);
		cd_buf_free(&err);
		if (!taken && !refused)
			break;
	}
}

bool cd_mclock_take(struct cd_mclock *c, int64_t t, struct cd_mcollect_stats *s,
		    void (*log)(const char *line))
{
	if (c->last && t <= c->last) {
		if (!c->behind) {
			char a[CD_TIME_STRLEN], b[CD_TIME_STRLEN];
			cd_logf(log, "metrics: the clock stepped back by %.3f s (from %s to %s): no "
				"collection is kept until it passes %s again (a series' samples go "
				"forward in time)", (double)(c->last - t) / 1000, cd_time_fmt(c->last * 1000, a),
				cd_time_fmt(t * 1000, b), a);
			s->clock_back++;
			c->behind = true;
		}
		if (c->last - t > s->clock_back_ms)
			s->clock_back_ms = c->last - t;
		s->skipped++;
		return false;
	}
	if (c->behind)
		cd_logf(log, "metrics: the clock is past the last collection again: %llu "
			"collections were skipped", (unsigned long long)s->skipped);
	c->behind = false;
	c->last = t;
	return true;
}

static void *run(void *arg)
{
	struct cd_mcollect *m = arg;
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		/* at the next multiple of the interval: every agent's
		 * collections fall at the same times */
		int64_t step = (int64_t)m->interval_s * 1000, next = (now_ms() / step + 1) * step;
		while (!m->stop && now_ms() < next) {
			int64_t left = next - now_ms();
			struct timespec until = cd_deadline((int)(left < 1000 ? left : 1000));
			pthread_cond_timedwait(&m->cv, &m->mu, &until);
			if (m->cancel && *m->cancel)
				m->stop = true;
		}
		if (m->stop)
			break;
		int interval = m->interval_s;
		int64_t t = now_ms();
		if (!cd_mclock_take(&m->clock, t, &m->st, m->log))
			continue;          /* (the lock held, as at the loop's top) */
		pthread_mutex_unlock(&m->mu);
		json_t *entries = collect(m, t, interval);
		int r = cd_spool_put(&m->spool, t, entries);
		json_decref(entries);
		if (r < 0 && r != -ENOSPC)
			cd_logf(m->log, "metrics: cannot keep a collection: %s", strerror(-r));
		send_all(m);
		pthread_mutex_lock(&m->mu);
		m->st.collections++;
		m->st.dropped = m->spool.dropped;
		m->st.spooled = m->spool.nv;
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

struct cd_mcollect *cd_mcollect_start(const struct cd_mcollect_opts *o, struct cd_buf *err)
{
	struct cd_mcollect *m = cd_calloc(1, sizeof(*m));
	if (cd_spool_open(&m->spool, o->spool_dir, o->spool_max ? o->spool_max
							       : CD_MCOLLECT_SPOOL_MAX, err) < 0) {
		cd_spool_close(&m->spool);
		free(m);
		return NULL;
	}
	m->host = cd_strdup(o->host);
	m->uri = o->libvirt_uri ? cd_strdup(o->libvirt_uri) : NULL;
	m->log = o->log;
	m->cancel = o->cancel;
	m->interval_s = o->interval_s > 0 ? o->interval_s : 20;
	if (m->uri)
		virSetErrorFunc(NULL, silent);    /* errors are reported here, once */
	cd_http_init(&m->http, o->server, o->credential, o->insecure, o->cacert);
	cd_http_set_resend(&m->http, true);     /* a sample sent twice is a duplicate */
	cd_http_set_cancel(&m->http, o->cancel);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (pthread_create(&m->th, NULL, run, m)) {
		cd_buf_printf(err, "cannot start the metrics thread");
		cd_mcollect_stop(m);
		return NULL;
	}
	m->st.spooled = m->spool.nv;
	return m;
}

void cd_mcollect_interval(struct cd_mcollect *m, int seconds)
{
	if (!m || seconds < 1 || seconds > 3600)
		return;
	pthread_mutex_lock(&m->mu);
	if (m->interval_s != seconds) {
		m->interval_s = seconds;
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
}

void cd_mcollect_stats(struct cd_mcollect *m, struct cd_mcollect_stats *s)
{
	pthread_mutex_lock(&m->mu);
	*s = m->st;
	pthread_mutex_unlock(&m->mu);
}

json_t *cd_mcollect_status(struct cd_mcollect *m)
{
	struct cd_mcollect_stats ms;
	cd_mcollect_stats(m, &ms);
	json_t *mo = json_pack("{s:I, s:I, s:I, s:I}", "collections", (json_int_t)ms.collections,
			       "sent", (json_int_t)ms.sent, "spooled", (json_int_t)ms.spooled,
			       "dropped", (json_int_t)ms.dropped);
	if (ms.clock_back)         /* its clock stepped back: collections skipped */
		json_object_update_new(mo, json_pack("{s:I, s:f, s:I}", "clock_back",
						     (json_int_t)ms.clock_back, "clock_back_seconds",
						     ms.clock_back_ms / 1000.0, "skipped",
						     (json_int_t)ms.skipped));
	return mo;
}

void cd_mcollect_stop(struct cd_mcollect *m)
{
	if (!m)
		return;
	if (m->th) {
		pthread_mutex_lock(&m->mu);
		m->stop = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->th, NULL);
	}
	if (m->conn)
		virConnectClose(m->conn);
	cd_http_free(&m->http);
	cd_spool_close(&m->spool);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	for (size_t i = 0; i < m->nsaid; i++)
		free(m->said[i]);
	free(m->said);
	free(m->host);
	free(m->uri);
	free(m);
}
