/* test_client.c - the agent's protocol client (agent/client.h) against a
 * manager over real TLS: a libmicrohttpd server in this process in front
 * of cd_api_handle, on a store in memory.  Enrollment keeps a credential
 * 0600 and uses it afterwards; a used or bad token needs a fresh one;
 * event batches are taken, refused for good (dropped), or kept; the
 * manager unreachable is logged once. */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/client.h"
#include "manager/api.h"
#include "manager/cert.h"
#include "test.h"

struct srv {
	struct MHD_Daemon *d;
	struct cd_store *s;
	struct cd_mgr *m;
	pthread_mutex_t lock;
	char dir[64], url[64], crt[96];
	char *kpem, *cpem;
};

struct conn { struct cd_buf body; };

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)version;
	struct srv *sv = cls;
	struct conn *k = *con_cls;
	if (!k) {
		k = cd_calloc(1, sizeof(*k));
		cd_buf_init(&k->body, 1u << 20);
		*con_cls = k;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cd_buf_add(&k->body, upload, *upload_size) < 0)
			return MHD_NO;     /* past the test server's 1 MiB */
		*upload_size = 0;
		return MHD_YES;
	}
	json_t *q = json_object();
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, q);
	struct cd_api_req r = {
		.method = method, .path = url, .query = q, .origin = "127.0.0.1",
		.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
		.body = k->body.data, .body_len = k->body.len,
	};
	struct cd_api_resp a;
	pthread_mutex_lock(&sv->lock);
	cd_api_handle(sv->m, &r, &a);
	pthread_mutex_unlock(&sv->lock);
	json_decref(q);
	char *text = a.blob ? strndup(a.blob->data, a.blob->len) : json_dumps(a.body, JSON_COMPACT);
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text,
								    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)a.status, resp);
	MHD_destroy_response(resp);
	cd_api_resp_free(&a);
	return ok;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn *k = *con_cls;
	if (k) {
		cd_buf_free(&k->body);
		free(k);
	}
	*con_cls = NULL;
}

static void srv_start(struct srv *sv)
{
	memset(sv, 0, sizeof(*sv));
	snprintf(sv->dir, sizeof(sv->dir), "/tmp/cordon-client.XXXXXX");
	ASSERT(mkdtemp(sv->dir));
	snprintf(sv->crt, sizeof(sv->crt), "%s/tls.crt", sv->dir);
	char key[96];
	snprintf(key, sizeof(key), "%s/tls.key", sv->dir);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_cert_make(sv->crt, key, &err), 0);
	size_t len;
	ASSERT_EQ(cd_read_file(key, 1 << 16, &sv->kpem, &len), 0);
	ASSERT_EQ(cd_read_file(sv->crt, 1 << 16, &sv->cpem, &len), 0);
	ASSERT_EQ(cd_store_open(":memory:", &sv->s), 0);
	ASSERT_EQ(cd_mgr_open(&sv->m, sv->s, NULL, &err), 0);
	cd_buf_free(&err);
	static const char inv[] = "workloads:\n  - {name: w1, host: hv1}\n";
	struct cd_actor self = { .name = "test", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	size_t n;
	ASSERT_EQ(cd_mgr_push_inventory(sv->m, "lab", "i", inv, strlen(inv), &self, &d, &n), 0);
	cd_diags_free(&d);
	pthread_mutex_init(&sv->lock, NULL);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	sv->d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle,
				 sv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				 MHD_OPTION_HTTPS_MEM_KEY, sv->kpem, MHD_OPTION_HTTPS_MEM_CERT, sv->cpem,
				 MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	ASSERT(sv->d);
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(sv->url, sizeof(sv->url), "https://127.0.0.1:%u", (unsigned)i->port);
}

static void srv_stop(struct srv *sv)
{
	if (sv->d)
		MHD_stop_daemon(sv->d);
	sv->d = NULL;
}

static void srv_free(struct srv *sv)
{
	srv_stop(sv);
	cd_mgr_close(sv->m);
	cd_store_close(sv->s);
	free(sv->kpem);
	free(sv->cpem);
	pthread_mutex_destroy(&sv->lock);
	char *c = cd_asprintf("rm -rf '%s'", sv->dir);
	if (system(c) != 0)
		fprintf(stderr, "cannot remove %s\n", sv->dir);
	free(c);
}

static char logged[4096];
static void log_to(const char *line)
{
	size_t n = strlen(logged);
	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

static char *token_file(struct srv *sv, const char *name, const char *secret)
{
	char *p = cd_asprintf("%s/%s", sv->dir, name);
	char *line = cd_asprintf("%s\n", secret);
	ASSERT_EQ(cd_write_file(p, line, strlen(line), 0600), 0);
	free(line);
	return p;
}

TEST(client_enrolls_once_and_keeps_its_credential)
{
	struct srv sv;
	srv_start(&sv);
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *e;
	ASSERT_EQ(cd_mgr_token_create(sv.m, "enroll", "e", "hv1", NULL, &self, &e), 0);
	char *tf = token_file(&sv, "enroll", e), *state = cd_asprintf("%s/agent", sv.dir);
	ASSERT_EQ(mkdir(state, 0700), 0);
	struct cd_client c;
	ASSERT_EQ(cd_client_init(&c, sv.url, false, sv.crt, state, tf, log_to), 0);
	ASSERT_EQ(cd_client_enroll(&c), 0);
	ASSERT(c.cred && !strncmp(c.cred, "cdg_", 4));
	struct stat st;
	ASSERT_EQ(stat(c.cred_path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600u);
	char *cred = cd_strdup(c.cred);
	cd_client_free(&c);
	/* again: the kept credential, not the (used) token */
	ASSERT_EQ(cd_client_init(&c, sv.url, false, sv.crt, state, tf, log_to), 0);
	ASSERT_EQ(cd_client_enroll(&c), 0);
	ASSERT_STR_EQ(c.cred, cred);
	json_t *out;
	ASSERT_EQ(cd_client_call(&c, "GET", "/api/v1/agent/changes?snapshot=1&host=hv1", NULL,
				 10000, &out), 0);
	ASSERT(json_object_get(out, "snapshot"));
	json_decref(out);
	cd_client_free(&c);
	/* a used token with no credential kept: a fresh token is needed */
	char *state2 = cd_asprintf("%s/agent2", sv.dir);
	ASSERT_EQ(mkdir(state2, 0700), 0);
	ASSERT_EQ(cd_client_init(&c, sv.url, false, sv.crt, state2, tf, log_to), 0);
	ASSERT_EQ(cd_client_enroll(&c), -2);
	cd_client_free(&c);
	free(state2);
	free(cred);
	free(state);
	free(tf);
	free(e);
	srv_free(&sv);
}

TEST(client_delivers_batches_and_drops_what_is_refused_for_good)
{
	struct srv sv;
	srv_start(&sv);
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *e, *cred;
	ASSERT_EQ(cd_mgr_token_create(sv.m, "enroll", "e", "hv1", NULL, &self, &e), 0);
	struct cd_token t = { 0 };
	ASSERT_EQ(cd_mgr_enroll(sv.m, e, "local", &cred, &t), 0);
	cd_token_free(&t);
	struct cd_http h;
	ASSERT_EQ(cd_http_init(&h, sv.url, cred, false, sv.crt), 0);
	json_t *evs = json_array();
	for (int i = 1; i <= 3; i++)
		json_array_append_new(evs, json_pack("{s:i, s:s, s:s, s:s, s:s}", "seq", i, "time",
						     "2026-12-01T00:00:00Z", "type", "agent-started",
						     "workload", "w1", "message", "m"));
	logged[0] = 0;
	ASSERT_EQ(cd_client_deliver(&h, evs, log_to), 3);
	json_decref(evs);
	/* a type an agent may not send: refused for good, dropped, said */
	evs = json_pack("[{s:i, s:s, s:s, s:s}]", "seq", 4, "time", "2026-12-01T00:00:00Z", "type",
			"audit", "message", "forged");
	ASSERT_EQ(cd_client_deliver(&h, evs, log_to), 4);
	ASSERT_CONTAINS(logged, "refuses events (HTTP 403");
	/* a credential the manager does not know (401): kept for later */
	cd_http_set_token(&h, "cdg_nothing");
	ASSERT_EQ(cd_client_deliver(&h, evs, log_to), 0);
	/* the manager gone: kept */
	srv_stop(&sv);
	ASSERT_EQ(cd_client_deliver(&h, evs, log_to), 0);
	json_decref(evs);
	cd_http_free(&h);
	free(cred);
	free(e);
	srv_free(&sv);
}

TEST(client_says_once_that_the_manager_is_unreachable)
{
	struct srv sv;
	srv_start(&sv);
	char *tf = token_file(&sv, "cred", "cdg_whatever"), *state = cd_asprintf("%s/a", sv.dir);
	ASSERT_EQ(mkdir(state, 0700), 0);
	struct cd_client c;
	ASSERT_EQ(cd_client_init(&c, sv.url, false, sv.crt, state, tf, log_to), 0);
	ASSERT_EQ(cd_client_enroll(&c), 0);       /* a credential given as is */
	srv_stop(&sv);
	logged[0] = 0;
	json_t *out;
	ASSERT_EQ(cd_client_call(&c, "GET", "/api/v1/agent/changes?snapshot=1", NULL, 5000, &out), -1);
	ASSERT_EQ(cd_client_call(&c, "GET", "/api/v1/agent/changes?snapshot=1", NULL, 5000, &out), -1);
	const char *first = strstr(logged, "enforcement stays");
	ASSERT(first && !strstr(first + 1, "enforcement stays"));
	cd_client_free(&c);
	free(state);
	free(tf);
	srv_free(&sv);
}
