/* cordond.c - the manager: HTTPS in front of libcordon's API.
 *
 *   cordond --data-dir DIR [--listen ADDR:PORT]
 *
 * libmicrohttpd's polling thread (epoll) runs the connections and TLS;
 * every request is answered by cd_api_handle() under one lock (the
 * manager's options' lock), so the manager's state is touched by one
 * thread at a time.  The routes the API's table marks unlocked (a metrics
 * query or export, a sign-in's password hash, a source's connection test)
 * go to workers (cordond_work.h) without the lock: cd_api_handle takes it
 * for what needs the manager and leaves it for the slow part.  A long-poll is a
 * suspended connection, resumed at once when a request changed the change
 * number, or by the main thread's tick (every 100 ms) when its wait has
 * run out.  The main thread also marks silent agents down, and stops on
 * SIGTERM. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "console/assets.h"
#include "cordond_sources.h"
#include "cordond_first.h"
#include "cordond_tls.h"
#include "cordond_stream.h"
#include "cordond_opts.h"
#include "cordond_restore.h"
#include "cordond_work.h"
#include "manager/api.h"
#include "base/notify.h"
#include "manager/backup.h"
#include "manager/cert.h"
#include "manager/tlscreds.h"
#include "manager/mgr.h"
#include "inventory/source.h"
#include "manager/store.h"
#include "metrics/service.h"
#include "base/addr.h"
#include "base/util.h"

/* TLS 1.2 and 1.3 only, with AEAD ciphers and forward secrecy (what
 * Mozilla's "intermediate" configuration allows); no session tickets. */
#define CD_TLS_PRIORITIES                                                       \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"  \
	"+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:"    \
	"+ECDHE-ECDSA:%NO_TICKETS"

/* A request's line and headers: the API's limits, answered in JSON, and
 * libmicrohttpd's buffer per connection (past it, it answers 414 or 431
 * itself, with a fixed body of its own).  (The connections' limits are
 * options: cordond_opts.c.) */
#define CD_URI_MAX (8u << 10)
#define CD_HEADERS_MAX (16u << 10)
#define CD_CONN_MEMORY (32u << 10)

/* One request as it arrives. */
struct req {
	struct cd_buf body;
	bool too_big;
	bool answered;
	struct cd_api_resp resp;
	int64_t start;
	char origin[INET6_ADDRSTRLEN];
	char *method, *path;
	/* a suspended long-poll, or a request a worker answers */
	struct MHD_Connection *conn;
	json_t *query;                  /* a worker's request: its query, and */
	const char *auth, *cookie, *csrf;   /* its headers (the connection's) */
	const char *content_type, *from, *host;
	int64_t since, deadline;
	struct req *next_wait;
	bool draining;     /* answered 503 as the manager stops */
};

static struct cd_mgr *mgr;
static const char *console_dir = CD_CONSOLE_DIR;    /* --console-dir */
static struct req *waiting;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void wake(void);
static int draining;    /* long-polls answered 503 at the stop, not yet gone */
static bool stopping;   /* no long-poll waits any more: it is answered 503 */

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char t[CD_TIME_STRLEN];
	fprintf(stderr, "%s cordond: ", cd_time_fmt(cd_mgr_now(), t));
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cd_fput_escaped(stderr, line);    /* paths and names come from clients */
	fputc('\n', stderr);
}

static void mgr_log(const char *line)
{
	log_line("%s", line);
}

/* A query argument as it came, NUL bytes and all (the API refuses them);
 * a key given twice becomes an array, refused too. */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	json_t *q = cls;
	char k[128];
	if (key_size != strlen(key) || key_size >= sizeof(k))
		key_size = 0;   /* an unknown parameter '' */
	memcpy(k, key, key_size);
	k[key_size] = 0;
	json_t *v = json_stringn(value ? value : "", value ? value_size : 0);
	json_t *had = json_object_get(q, k);
	if (had && !json_is_array(had)) {
		json_t *a = json_array();
		json_array_append(a, had);
		json_object_set_new(q, k, a);
		had = a;
	}
	if (had)
		json_array_append_new(had, v);
	else
		json_object_set_new(q, k, v);
	return MHD_YES;
}

static enum MHD_Result count_kv(void *cls, enum MHD_ValueKind kind, const char *key,
				size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	(void)key;
	(void)value;
	*(size_t *)cls += key_size + value_size + 2;
	return MHD_YES;
}

static void blob_done(void *cls)
{
	cd_blob_unref(cls);
}

/* On every answer: its type, no caching, and no other origin's script,
 * frame or form. */
static void add_headers(struct MHD_Response *resp, const char *type)
{
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", CD_CONSOLE_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result send_json(struct MHD_Connection *conn, struct req *rq);

/* GET /api/v1/stream, admitted: the live stream, or 503 when too many are
 * open (the lock held: seq and pulse are read under it). */
static enum MHD_Result send_stream(struct MHD_Connection *conn, struct req *rq)
{
	bool mine;
	struct MHD_Response *resp = cordond_stream_open(conn, rq->resp.who, cd_mgr_seq(mgr),
							cd_mgr_pulse(mgr), &mine);
	if (!resp) {
		rq->resp.stream = false;
		rq->resp.status = mine ? 429 : 503;
		rq->resp.retry_after = 30;
		rq->resp.body = json_pack("{s:s}", "error", mine ? "this credential has as many live "
					  "streams open as it may (16): close one" : "too many live streams are open");
		return send_json(conn, rq);
	}
	add_headers(resp, "text/event-stream");
	enum MHD_Result ok = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	log_line("%s %s %s %s 200 stream", rq->origin, rq->resp.who ? rq->resp.who : "-", rq->method,
		 rq->path);
	rq->answered = true;
	return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, struct req *rq)
{
	struct cd_api_resp *r = &rq->resp;
	struct MHD_Response *resp;
	if (r->blob) {         /* shared: the response holds a reference */
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			r->blob->len, r->blob->data, blob_done, cd_blob_ref(r->blob));
	} else {
		char *text = r->body ? json_dumps(r->body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (!text)
			text = cd_strdup("{}");
		size_t len = strlen(text);
		char *nl = cd_realloc(text, len + 2);
		nl[len] = '\n';
		nl[len + 1] = 0;
		resp = MHD_create_response_from_buffer(len + 1, nl, MHD_RESPMEM_MUST_FREE);
	}
	add_headers(resp, r->content_type ? r->content_type : "application/json");
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	if (r->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	log_line("%s %s %s %s %d %.1f ms", rq->origin, r->who ? r->who : "-", rq->method,
		 rq->path, r->status, (double)(cd_mgr_now() - rq->start) / 1000.0);
	rq->answered = true;
	return ok;
}

/* GET (or HEAD) of a console file: 200 with it, or a JSON 404 / 405. */
static enum MHD_Result send_asset(struct MHD_Connection *conn, struct req *rq, const char *method,
				  const char *url)
{
	char *data;
	size_t len;
	const char *type;
	int r = strcmp(method, "GET") && strcmp(method, "HEAD") ? -EPERM
		: cd_console_asset(console_dir, url, &data, &len, &type);
	rq->answered = true;
	if (r == 0) {
		rq->resp.status = 200;
		rq->resp.blob = cd_blob_new(data, len);
		rq->resp.content_type = type;
	} else {
		rq->resp.status = r == -EPERM ? 405 : 404;
		rq->resp.body = json_pack("{s:s}", "error", r == -EPERM ? "the console's files are read only"
					  : "no such page");
	}
	return send_json(conn, rq);
}

/* A worker answers rq, a request on a route that runs unlocked
 * (cd_api_unlocked): cd_api_handle takes the lock for what it needs, and
 * leaves it for its slow part.  Then rq's connection is resumed (handle()
 * sends the answer), and the long-polls woken when it changed anything. */
static void answer_offloaded(void *arg)
{
	struct req *rq = arg;
	struct cd_api_req ar = {
		.method = rq->method, .path = rq->path, .query = rq->query, .auth = rq->auth,
		.cookie = rq->cookie, .csrf = rq->csrf, .content_type = rq->content_type,
		.from = rq->from, .host = rq->host, .origin = rq->origin, .body = rq->body.data,
		.body_len = rq->too_big ? rq->body.max + 1 : rq->body.len,
	};
	pthread_mutex_lock(&lock);
	bool stop = stopping;
	int64_t seq = cd_mgr_seq(mgr);
	pthread_mutex_unlock(&lock);
	if (stop) {          /* handed over as the manager stops: not read */
		rq->resp.status = 503;
		rq->resp.retry_after = 5;
		rq->resp.body = json_pack("{s:s}", "error", "the manager is stopping");
	} else {
		cd_api_handle(mgr, &ar, &rq->resp);
	}
	pthread_mutex_lock(&lock);
	if (cd_mgr_seq(mgr) != seq)
		wake();
	json_decref(rq->query);
	rq->query = NULL;
	MHD_resume_connection(rq->conn);
	pthread_mutex_unlock(&lock);
}

/* Hand rq to a worker, its connection suspended; when every worker is
 * busy and the queue full, 503 at once. */
static enum MHD_Result offload(struct MHD_Connection *conn, struct req *rq, json_t *query)
{
	rq->query = query;
	rq->auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	rq->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
	rq->csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
	rq->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	rq->from = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	rq->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	pthread_mutex_lock(&lock);      /* the worker resumes it under the lock: after this */
	rq->conn = conn;
	MHD_suspend_connection(conn);
	if (stopping || !cordond_work_push(answer_offloaded, rq)) {
		json_decref(rq->query);
		rq->query = NULL;
		rq->resp.status = 503;
		rq->resp.retry_after = 1;
		rq->resp.body = json_pack("{s:s}", "error", stopping ? "the manager is stopping"
					  : "the manager's workers are all busy (metrics queries, sign-ins, "
					  "sources' connection tests); ask again in a second");
		MHD_resume_connection(conn);
	}
	pthread_mutex_unlock(&lock);
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct req *rq = *con_cls;
	if (!rq) {
		rq = cd_calloc(1, sizeof(*rq));
		rq->start = cd_mgr_now();
		rq->method = cd_strdup(method);
		rq->path = cd_strndup(url, 512);
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		if (sa && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, rq->origin,
				  sizeof(rq->origin));
		else if (sa && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, rq->origin,
				  sizeof(rq->origin));
		else
			strcpy(rq->origin, "-");
		size_t max = cd_api_body_limit(method, url);
		cd_buf_init(&rq->body, max ? max : 1);
		*con_cls = rq;
		/* a request line or headers past the API's limits: answered in
		 * JSON here (past CD_CONN_MEMORY, libmicrohttpd answers itself) */
		size_t ulen = strlen(url), hlen = 0;
		MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, count_kv, &ulen);
		MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_kv, &hlen);
		if (ulen > CD_URI_MAX || hlen > CD_HEADERS_MAX) {
			bool uri = ulen > CD_URI_MAX;
			rq->resp.status = uri ? 414 : 431;
			rq->resp.body = json_pack("{s:s}", "error", uri ? "the request's path and query "
						  "are longer than the 8 KiB the API takes"
						  : "the request's headers are larger than the 16 KiB "
						  "the API takes");
			return send_json(conn, rq);
		}
		/* the console's files: public, read-only */
		if (cd_console_path(url))
			return send_asset(conn, rq, method, url);
		/* the token and the declared length first: a client that may
		 * not send this body is answered before a byte of it is read */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		struct cd_api_req hr = {
			.method = method, .path = url,
			.auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
			.cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie"),
			.csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token"),
			.origin = rq->origin, .body_len = cl ? (size_t)strtoull(cl, NULL, 10) : 0,
		};
		pthread_mutex_lock(&lock);
		bool ok = cd_api_admit(mgr, &hr, &rq->resp);
		pthread_mutex_unlock(&lock);
		if (!ok)
			return send_json(conn, rq);
		cd_api_resp_free(&rq->resp);
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	if (rq->conn) {                      /* a long-poll or a worker's answer resumed */
		rq->conn = NULL;
		return send_json(conn, rq);
	}
	if (*upload_size) {
		if (!rq->too_big && cd_buf_add(&rq->body, upload, *upload_size) < 0)
			rq->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	json_t *query = json_object();
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, add_arg, query);
	if (cd_api_unlocked(method, url))
		return offload(conn, rq, query);
	struct cd_api_req ar = {
		.method = method, .path = url, .query = query,
		.auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
		.cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie"),
		.csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token"),
		.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
		.from = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin"),
		.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"),
		.origin = rq->origin, .body = rq->body.data,
		/* past the limit: the API sees a body one byte too long */
		.body_len = rq->too_big ? rq->body.max + 1 : rq->body.len,
	};
	pthread_mutex_lock(&lock);
	int64_t seq = cd_mgr_seq(mgr);
	cd_api_handle(mgr, &ar, &rq->resp);
	json_decref(query);
	if (cd_mgr_seq(mgr) != seq)
		wake();
	if (rq->resp.wait && stopping) {
		/* asked on a connection kept open while the manager stops:
		 * nothing may stay suspended (libmicrohttpd's stop aborts) */
		cd_api_resp_free(&rq->resp);
		rq->resp.status = 503;
		rq->resp.retry_after = 5;
		rq->resp.body = json_pack("{s:s}", "error", "the manager is stopping");
	}
	if (rq->resp.wait) {
		rq->conn = conn;
		rq->since = rq->resp.since;
		rq->deadline = cd_mgr_now() + (int64_t)rq->resp.wait_ms * 1000;
		rq->next_wait = waiting;
		waiting = rq;
		MHD_suspend_connection(conn);
		pthread_mutex_unlock(&lock);
		return MHD_YES;
	}
	if (rq->resp.stream) {
		enum MHD_Result ok = send_stream(conn, rq);
		pthread_mutex_unlock(&lock);
		return ok;
	}
	pthread_mutex_unlock(&lock);
	return send_json(conn, rq);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct req *rq = *con_cls;
	if (!rq)
		return;
	pthread_mutex_lock(&lock);
	for (struct req **p = &waiting; *p; p = &(*p)->next_wait)
		if (*p == rq) {
			*p = rq->next_wait;
			break;
		}
	if (rq->draining)
		draining--;
	pthread_mutex_unlock(&lock);
	cd_buf_free(&rq->body);
	cd_api_resp_free(&rq->resp);
	json_decref(rq->query);
	free(rq->method);
	free(rq->path);
	free(rq);
	*con_cls = NULL;
}

/* Answer the long-polls whose change came or whose time ran out (the
 * lock held). */
static void wake(void)
{
	int64_t now = cd_mgr_now();
	for (struct req **p = &waiting; *p;) {
		struct req *rq = *p;
		if (cd_mgr_seq(mgr) != rq->since || now >= rq->deadline) {
			*p = rq->next_wait;
			rq->resp.wait = false;
			cd_api_changes(mgr, rq->since, &rq->resp);
			MHD_resume_connection(rq->conn);
		} else {
			p = &rq->next_wait;
		}
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	log_line("http: %s", line);
}

/* ---- setup, serve, drain ---- */

/* What main holds from setup to teardown. */
struct server {
	struct cordond_config cfg;
	struct sockaddr_storage ss;
	struct cd_store *st;
	struct cd_msvc *msvc;
	struct MHD_Daemon *d;
	int dir_lock;          /* held on DIR/cordond.lock */
	int sfd;              /* SIGTERM, SIGINT and SIGHUP, read by the main thread */
};

/* The data directory, its certificate (made at first start), the store,
 * the metrics, the manager, the sources, the workers and the listener,
 * in that order: 0, or -1 when one of them could not start (said on
 * stderr). */
static int setup(struct server *s, const sigset_t *mask)
{
	const struct cordond_config *c = &s->cfg;
	const char *dir = c->dir;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "cordond: cannot make %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "cordond: %s is not a directory\n", dir);
		return -1;
	}
	cd_sockaddr_parse(c->listen_at, &s->ss);     /* checked by cordond_config_read */
	char *db = cd_asprintf("%s/cordon.db", dir), *lockf = cd_asprintf("%s/cordond.lock", dir);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int rc = -1;
	/* the directory is this process's (cordond --restore takes the same
	 * lock): first, before anything in it is read or made */
	int lr = cd_lock_path(lockf, &s->dir_lock);
	if (lr < 0) {
		fprintf(stderr, "cordond: %s: %s\n", lockf, lr == -EBUSY ? "another cordond runs on this "
			"data directory, or a restore" : strerror(-lr));
		goto out;
	}
	char *pend = cd_asprintf("%s/" CD_BACKUP_PENDING, dir);
	bool pending = access(pend, F_OK) == 0;
	free(pend);
	if (pending) {
		fprintf(stderr, "cordond: a restore into %s was cut short: some of its files are the "
			"backup's, some not; run cordond --restore FILE again (what it had replaced is in "
			"%s/before-restore-*)\n", dir, dir);
		goto out;
	}
	if (cordond_tls_start(dir, c->tls_cert, c->tls_key, mgr_log) < 0)
		goto out;
	if (cd_store_open(c->target ? c->target : db, &s->st) < 0) {
		fprintf(stderr, "cordond: %s: %s\n", c->target ? "the store" : db, cd_store_error(s->st));
		goto out;
	}
	char merr[512];
	s->cfg.mso.log = mgr_log;
	s->cfg.mso.shared = c->target;     /* the metrics' chunks in the same database */
	if (cd_msvc_start(dir, &s->cfg.mso, &s->msvc, merr, sizeof(merr)) < 0) {
		fprintf(stderr, "cordond: %s\n", merr);
		goto out;
	}
	struct cd_mgr_options mopt = c->mopt;
	mopt.metrics = cd_msvc_store(s->msvc);
	mopt.log = mgr_log;
	mopt.lock = &lock;
	cordond_sources_init(&mgr, &lock, mgr_log);
	mopt.hooks = (struct cd_mgr_hooks){ .source = cordond_hook_source, .tags = cordond_hook_tags };
	if (cd_mgr_open(&mgr, s->st, &mopt, &err) < 0) {
		fprintf(stderr, "cordond: %s\n", err.data);
		goto out;
	}
	if (cordond_first_start(mgr, dir, mgr_log) < 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, mask, SFD_CLOEXEC);
	if (s->sfd < 0) {         /* SIGTERM would never be read: no start */
		fprintf(stderr, "cordond: signalfd: %s\n", strerror(errno));
		goto out;
	}
	pthread_mutex_lock(&lock);
	cordond_sources_start();     /* their threads block the signals too */
	pthread_mutex_unlock(&lock);
	cd_msvc_keep(s->msvc);
	if (cordond_work_start() < 0) {
		fprintf(stderr, "cordond: cannot start its worker threads\n");
		goto out;
	}
	s->d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, NULL,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->ss,
				MHD_OPTION_HTTPS_CERT_CALLBACK, cd_tlscreds_retrieve,
				MHD_OPTION_HTTPS_PRIORITIES, CD_TLS_PRIORITIES,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				MHD_OPTION_CONNECTION_LIMIT, c->conn_max,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->conn_per_addr,
				MHD_OPTION_CONNECTION_TIMEOUT, c->idle_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CD_CONN_MEMORY,
				MHD_OPTION_END);
	if (!s->d) {
		fprintf(stderr, "cordond: cannot listen on %s: %s\n", c->listen_at, strerror(errno));
		goto out;
	}
	/* the reports' scheduler: a thread of its own, stopped by cd_mgr_close */
	int sr = cd_mgr_reports_start(mgr);
	if (sr < 0)
		log_line("the reports' scheduler could not start: %s", strerror(-sr));
	log_line("listening on https://%s (data in %s, change %lld, policy revision %lld)",
		 c->listen_at, dir, (long long)cd_mgr_seq(mgr), (long long)cd_mgr_policy_rev(mgr));
	/* a Type=notify unit's start ends here: the API answers */
	char ready[512];
	snprintf(ready, sizeof(ready), "READY=1\nSTATUS=listening on https://%s", c->listen_at);
	cd_notify(ready);
	rc = 0;
out:
	free(db);
	free(lockf);
	cd_buf_free(&err);
	return rc;
}

/* The main thread until SIGTERM or SIGINT: every 100 ms it follows the
 * other managers, resumes the long-polls whose wait ran out and writes
 * the log out; every second the manager's, the sources', the scans' and
 * the alerts' ticks. */
static void serve(struct server *s)
{
	int64_t next_tick = cd_mgr_now() + 1000000;
	int64_t follow_said = 0;
	for (;;) {
		/* the signals, and the other managers' notifications (several
		 * managers on one database): a change made by one is on every
		 * manager's stream at once */
		pthread_mutex_lock(&lock);
		struct pollfd p[2] = { { s->sfd, POLLIN, 0 }, { cd_store_socket(s->st), POLLIN, 0 } };
		pthread_mutex_unlock(&lock);
		if (poll(p, p[1].fd >= 0 ? 2 : 1, 100) < 0 && errno != EINTR)
			return;
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			usleep(100000);     /* the database is gone: its connection is made again below */
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(s->sfd, &si, sizeof(si)) != sizeof(si)) {
				/* nothing read: nothing to act on */
			} else if (si.ssi_signo == SIGHUP) {
				cordond_tls_reload();
			} else {
				log_line("signal %u: stopping", si.ssi_signo);
				return;
			}
		}
		pthread_mutex_lock(&lock);
		int fr = cd_mgr_sync(mgr);
		if (fr < 0 && fr != -EBUSY && cd_mgr_now() - follow_said > 10000000) {
			log_line("cannot follow the other managers (at change %lld): %s",
				 (long long)cd_mgr_seq(mgr), fr == -EIO ? cd_store_error(s->st) : strerror(-fr));
			follow_said = cd_mgr_now();
		}
		wake();
		cordond_streams_tick(cd_mgr_seq(mgr), cd_mgr_pulse(mgr));
		fflush(stderr);
		if (cd_mgr_now() >= next_tick) {
			cd_mgr_tick(mgr);
			cordond_sources_tick();
			cd_mgr_scans_tick(mgr);
			cd_mgr_alerts_tick(mgr);
			next_tick = cd_mgr_now() + 1000000;
		}
		pthread_mutex_unlock(&lock);
	}
}

/* Take no new connection, answer the long-polls 503 and give them and
 * the streams up to 3 s to go out, then stop the listener. */
static void drain(struct server *s)
{
	cd_notify("STOPPING=1");
	MHD_socket ls = MHD_quiesce_daemon(s->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	pthread_mutex_lock(&lock);
	stopping = true;
	for (struct req *rq = waiting; rq; rq = rq->next_wait) {
		rq->resp.wait = false;
		rq->resp.status = 503;
		rq->resp.retry_after = 5;
		rq->resp.body = json_pack("{s:s}", "error", "the manager is stopping");
		rq->draining = true;
		draining++;
		MHD_resume_connection(rq->conn);
	}
	waiting = NULL;
	pthread_mutex_unlock(&lock);
	cordond_streams_end();
	/* the workers' requests all answered (a query in progress ends: its
	 * reads have a budget; a source's connection test, by its
	 * connector's timeouts), no connection left suspended */
	cordond_work_stop();
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&lock);
		int left = draining + cordond_streams_open();
		pthread_mutex_unlock(&lock);
		if (!left)
			break;
		usleep(10000);
	}
	MHD_stop_daemon(s->d);
	s->d = NULL;
}

/* What setup started, stopped in the reverse order (whatever it got to). */
static void teardown(struct server *s)
{
	cordond_work_stop();     /* (when the server never started) */
	cordond_sources_stop();
	cd_mgr_close(mgr);
	cd_msvc_stop(s->msvc);
	cd_store_close(s->st);
	if (s->sfd >= 0)
		close(s->sfd);
	cordond_tls_stop();
	if (s->dir_lock >= 0)
		close(s->dir_lock);
}

int main(int argc, char **argv)
{
	struct server s = { .sfd = -1, .dir_lock = -1 };
	int r = cordond_config_read(argc, argv, &s.cfg);
	if (r)
		return r > 0 ? 0 : 2;
	if (s.cfg.fingerprint_only) {
		char pin[CD_CERT_PIN_LEN];
		char *crt = s.cfg.tls_cert ? cd_strdup(s.cfg.tls_cert) : cd_asprintf("%s/tls.crt", s.cfg.dir);
		struct cd_buf e;
		cd_buf_init(&e, 1024);
		r = cd_cert_pin(crt, pin, &e);
		if (r < 0)
			fprintf(stderr, "cordond: %s%s\n", e.data,
				r == -ENOENT ? " (cordond makes it at its first start)" : "");
		else
			printf("%s\n", pin);
		free(crt);
		cd_buf_free(&e);
		return r < 0 ? 1 : 0;
	}
	if (s.cfg.check_only) {
		printf("cordond: the configuration is good (%s and the command line)\n",
		       s.cfg.conf ? s.cfg.conf : "no file");
		return 0;
	}
	if (s.cfg.restore)
		return cordond_restore(s.cfg.restore, s.cfg.dir);
	console_dir = s.cfg.console_dir;
	cd_malloc_keep();    /* a query's arrays of several MB: kept, not faulted in each time */
	umask(077);          /* the database, the key, the token: the manager's alone */
	/* SIGTERM and SIGINT blocked before any thread starts (the metrics'
	 * remote write, the keeper, the sources inherit the mask): the main
	 * thread alone reads them, from a signalfd, and stops in order */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* a line per request: buffered, written out at every tick (100 ms) */
	static char logbuf[1 << 16];
	setvbuf(stderr, logbuf, _IOFBF, sizeof(logbuf));
	int rc = 1;
	if (setup(&s, &mask) == 0) {
		serve(&s);
		drain(&s);
		rc = 0;
	}
	teardown(&s);
	return rc;
}
