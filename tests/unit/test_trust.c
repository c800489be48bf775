/* test_trust.c - what an agent, possibly the malware's, can make the
 * manager do, through the API's handlers (cd_api_handle) with a store in
 * memory: it cannot lift its own quarantine, touch another workload's
 * scans, write the manager's event types, or see the world; a re-enrolled
 * agent is heard from its first event; its events and flow records come
 * at a rate, and the event log is kept in bounds and read a page at a
 * time. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/api.h"
#include "test.h"
#include "base/token.h"

#define QTAG "ANTI_VIRUS.VirusFound.threat=high"

struct world {
	struct cd_store *s;
	struct cd_mgr *m;
	char *admin;
	int64_t rate_now;       /* the rates' clock: moved by the test alone */
};

static int64_t world_rate_clock(void *ctx)
{
	return ((struct world *)ctx)->rate_now;
}

static const char trust_inv[] =
	"workloads:\n"
	"  - {name: w1, host: hv1, vnics: [{ifname: tap1, ips: [10.0.0.1]}]}\n"
	"  - {name: w2, host: hv1, vnics: [{ifname: tap2, ips: [10.0.0.2]}]}\n";

static void world_open_limits(struct world *w, const char *antimalware,
			      const struct cd_mgr_limits *limits)
{
	memset(w, 0, sizeof(*w));
	struct cd_mgr_options o = { .rate_clock = world_rate_clock, .rate_clock_ctx = w };
	w->rate_now = 1000000000000000LL;
	if (limits)
		o.limits = *limits;
	ASSERT_EQ(cd_store_open(":memory:", &w->s), 0);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&w->m, w->s, &o, &err), 0);
	cd_buf_free(&err);
	struct cd_actor self = { .name = "test", .origin = "local" };
	ASSERT_EQ(cd_mgr_token_create(w->m, "admin", "admin", NULL, NULL, &self, &w->admin), 0);
	char pol[1024];
	snprintf(pol, sizeof(pol),
		 "groups:\n  - {name: q, match: 'tag == \"%s\"'}\n"
		 "rules:\n  - {id: 1, category: emergency, source: [\"group:q\"], action: drop}\n%s",
		 QTAG, antimalware ? antimalware : "");
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	size_t n;
	ASSERT_EQ(cd_mgr_push_policy(w->m, "p", pol, strlen(pol), &self, &d, &rev), 0);
	ASSERT_EQ(cd_mgr_push_inventory(w->m, "lab", "i", trust_inv, strlen(trust_inv), &self, &d, &n), 0);
	cd_diags_free(&d);
}

static void world_open(struct world *w, const char *antimalware)
{
	world_open_limits(w, antimalware, NULL);
}

static void world_close(struct world *w)
{
	free(w->admin);
	cd_mgr_close(w->m);
	cd_store_close(w->s);
}

/* An agent credential for a workload ("W") or host ("H"). */
static char *enroll(struct world *w, const char *host, const char *workload)
{
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *e, *cred;
	ASSERT_EQ(cd_mgr_token_create(w->m, "enroll", "e", host, workload, &self, &e), 0);
	struct cd_token t = { 0 };
	ASSERT_EQ(cd_mgr_enroll(w->m, e, "local", &cred, &t), 0);
	cd_token_free(&t);
	free(e);
	return cred;
}

/* One request; the answer's status, its body as text in *body (may be
 * NULL). */
static int call(struct world *w, const char *tok, const char *method, const char *path,
		json_t *query, const char *body, char **out)
{
	char auth[256];
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	struct cd_api_req r = { .method = method, .path = path, .query = query ? query : json_object(),
				.auth = auth, .origin = "127.0.0.1", .body = body,
				.body_len = body ? strlen(body) : 0 };
	struct cd_api_resp a;
	cd_api_handle(w->m, &r, &a);
	if (!query)
		json_decref((json_t *)r.query);
	if (out)
		*out = a.blob ? strndup(a.blob->data, a.blob->len) : json_dumps(a.body, JSON_COMPACT);
	int st = a.status;
	cd_api_resp_free(&a);
	return st;
}

/* Post one agent event; seq, type, workload, data (JSON text). */
static int event(struct world *w, const char *cred, int seq, const char *type, const char *wl,
		 const char *data, char **out)
{
	char body[2048];
	snprintf(body, sizeof(body),
		 "{\"events\": [{\"seq\": %d, \"time\": \"2026-12-01T00:00:00Z\", \"type\": \"%s\", "
		 "\"workload\": \"%s\", \"message\": \"m\", \"data\": %s}]}", seq, type, wl, data);
	return call(w, cred, "POST", "/api/v1/agent/events", NULL, body, out);
}

static bool quarantined(struct world *w, const char *name)
{
	const struct cd_state *st = cd_mgr_state(w->m);
	long i = cd_inventory_find(&st->inv, name);
	return i >= 0 && cd_workload_has_tag(&st->inv.w[i], QTAG);
}

static int64_t request_scan(struct world *w, const char *wl, const char *kind)
{
	int64_t id;
	struct cd_actor op = { .name = "admin", .role = "admin", .origin = "local" };
	ASSERT_EQ(cd_mgr_scan(w->m, wl, kind, &op, &id), 0);
	return id;
}

static char *scan_data(int64_t id, bool full, int infected)
{
	static char d[200];
	snprintf(d, sizeof(d), "{\"scan\": %lld, \"full\": %s, \"infected\": %d}", (long long)id,
		 full ? "true" : "false", infected);
	return d;
}

static const char detection[] = "{\"file\": \"/x\", \"signature\": \"Eicar\", \"remediated\": true}";

TEST(trust_own_agent_cannot_release_without_a_request)
{
	struct world w;
	world_open(&w, NULL);
	char *a1 = enroll(&w, NULL, "w1"), *out;
	ASSERT_EQ(event(&w, a1, 1, "detection", "w1", detection, NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	/* the malware says a full scan of its own found nothing */
	ASSERT_EQ(event(&w, a1, 2, "scan-finished", "w1", scan_data(0, true, 0), NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	ASSERT_EQ(event(&w, a1, 3, "scan-finished", "w1", "{\"full\": true, \"infected\": 0}", NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	/* a quick scan the manager asked for does not release either */
	int64_t quick = request_scan(&w, "w1", "quick");
	ASSERT_EQ(event(&w, a1, 4, "scan-finished", "w1", scan_data(quick, true, 0), NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	/* each refusal says why */
	json_t *q = json_pack("{s:s, s:s}", "type", "quarantine-kept", "workload", "w1");
	ASSERT_EQ(call(&w, w.admin, "GET", "/api/v1/events", q, NULL, &out), 200);
	ASSERT_CONTAINS(out, "no scan request");
	ASSERT_CONTAINS(out, "not a full scan");
	free(out);
	json_decref(q);
	/* a full scan requested now, reported clean: released, once */
	int64_t id = request_scan(&w, "w1", "full");
	ASSERT_EQ(event(&w, a1, 5, "scan-finished", "w1", scan_data(id, true, 0), NULL), 200);
	ASSERT(!quarantined(&w, "w1"));
	/* quarantined again: the same finished request does not release twice */
	ASSERT_EQ(event(&w, a1, 6, "detection", "w1", detection, NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	ASSERT_EQ(event(&w, a1, 7, "scan-finished", "w1", scan_data(id, true, 0), NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	free(a1);
	world_close(&w);
}

TEST(trust_scan_requested_before_the_last_detection_does_not_release)
{
	struct world w;
	world_open(&w, NULL);
	char *a1 = enroll(&w, NULL, "w1");
	ASSERT_EQ(event(&w, a1, 1, "detection", "w1", detection, NULL), 200);
	int64_t id = request_scan(&w, "w1", "full");
	/* found again while that scan runs (real time) */
	ASSERT_EQ(event(&w, a1, 2, "scan-started", "w1", scan_data(id, true, 0), NULL), 200);
	ASSERT_EQ(event(&w, a1, 3, "detection", "w1", detection, NULL), 200);
	ASSERT_EQ(event(&w, a1, 4, "scan-finished", "w1", scan_data(id, true, 0), NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	free(a1);
	world_close(&w);
}

TEST(trust_release_operator_means_no_release_by_scan)
{
	struct world w;
	world_open(&w, "antimalware: {release: operator}\n");
	char *a1 = enroll(&w, NULL, "w1");
	ASSERT_EQ(event(&w, a1, 1, "detection", "w1", detection, NULL), 200);
	int64_t id = request_scan(&w, "w1", "full");
	ASSERT_EQ(event(&w, a1, 2, "scan-finished", "w1", scan_data(id, true, 0), NULL), 200);
	ASSERT(quarantined(&w, "w1"));
	ASSERT_EQ(call(&w, w.admin, "POST", "/api/v1/workloads/w1/release", NULL, NULL, NULL), 200);
	ASSERT(!quarantined(&w, "w1"));
	free(a1);
	world_close(&w);
}

TEST(trust_scans_are_bound_to_their_workload)
{
	struct world w;
	world_open(&w, NULL);
	char *a1 = enroll(&w, NULL, "w1"), *a2 = enroll(&w, NULL, "w2"), *out;
	ASSERT_EQ(event(&w, a2, 1, "detection", "w2", detection, NULL), 200);
	int64_t id2 = request_scan(&w, "w2", "full");
	/* w1's agent finishes w2's scan: refused, and w2's request untouched */
	ASSERT_EQ(event(&w, a1, 1, "scan-finished", "w1", scan_data(id2, true, 0), &out), 403);
	ASSERT_CONTAINS(out, "events[0].data.scan");
	free(out);
	ASSERT_EQ(event(&w, a1, 2, "scan-progress", "w1", scan_data(id2, true, 0), NULL), 403);
	ASSERT_EQ(event(&w, a1, 3, "scan-finished", "w1", scan_data(999, true, 0), NULL), 403);
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/scans/%lld", (long long)id2);
	ASSERT_EQ(call(&w, w.admin, "GET", path, NULL, NULL, &out), 200);
	ASSERT_CONTAINS(out, "\"state\":\"requested\"");
	free(out);
	ASSERT(quarantined(&w, "w2"));
	free(a1);
	free(a2);
	world_close(&w);
}

TEST(trust_agents_send_only_their_roles_event_types)
{
	struct world w;
	world_open(&w, NULL);
	char *a1 = enroll(&w, NULL, "w1"), *h1 = enroll(&w, "hv1", NULL), *out;
	static const char *const forged[] = { "audit", "quarantine", "quarantine-released", "tag",
					      "policy", "agent-up", "scan-requested" };
	for (size_t i = 0; i < CD_ARRAY_LEN(forged); i++) {
		ASSERT_EQ(event(&w, a1, 1, forged[i], "w1", "{}", &out), 403);
		ASSERT_CONTAINS(out, "events[0].type");
		free(out);
	}
	/* a host's agent does not report detections or scans */
	ASSERT_EQ(event(&w, h1, 1, "detection", "w1", detection, NULL), 403);
	ASSERT_EQ(event(&w, h1, 2, "scan-finished", "w1", scan_data(0, true, 0), NULL), 403);
	ASSERT(!quarantined(&w, "w1"));
	/* nor a workload's agent connection cuts */
	ASSERT_EQ(event(&w, a1, 1, "connections-cut", "w1", "{}", NULL), 403);
	ASSERT_EQ(event(&w, h1, 3, "connections-cut", "w1", "{}", NULL), 200);
	ASSERT_EQ(event(&w, a1, 2, "agent-started", "w1", "{}", NULL), 200);
	free(a1);
	free(h1);
	world_close(&w);
}

TEST(trust_reenrolled_agent_is_heard_from_its_first_event)
{
	struct world w;
	world_open(&w, NULL);
	char *a1 = enroll(&w, NULL, "w1"), *out;
	for (int seq = 1; seq <= 3; seq++)
		ASSERT_EQ(event(&w, a1, seq, "agent-started", "w1", "{}", NULL), 200);
	/* the same workload's agent again, with a fresh state directory */
	char *b1 = enroll(&w, NULL, "w1");
	ASSERT_EQ(event(&w, b1, 1, "detection", "w1", detection, &out), 200);
	ASSERT_CONTAINS(out, "\"stored\":1");
	free(out);
	ASSERT(quarantined(&w, "w1"));
	/* a repeat of the same credential's event is still dropped */
	ASSERT_EQ(event(&w, b1, 1, "detection", "w1", detection, &out), 200);
	ASSERT_CONTAINS(out, "\"stored\":0");
	free(out);
	free(a1);
	free(b1);
	world_close(&w);
}

TEST(trust_workload_agent_sees_only_its_settings_and_scans)
{
	struct world w;
	world_open(&w, "antimalware: {action: report, exclude_paths: [/proc]}\n");
	char *a1 = enroll(&w, NULL, "w1"), *h1 = enroll(&w, "hv1", NULL), *out;
	int64_t id1 = request_scan(&w, "w1", "full"), id2 = request_scan(&w, "w2", "full");
	json_t *q = json_pack("{s:s}", "snapshot", "1");
	ASSERT_EQ(call(&w, a1, "GET", "/api/v1/agent/changes", q, NULL, &out), 200);
	json_decref(q);
	ASSERT(!strstr(out, "w2"));
	ASSERT(!strstr(out, "10.0.0"));
	ASSERT(!strstr(out, "emergency"));
	ASSERT_CONTAINS(out, "report");
	ASSERT_CONTAINS(out, "/proc");
	free(out);
	/* the host's agent still gets the whole policy and its workloads */
	q = json_pack("{s:s, s:s}", "snapshot", "1", "host", "hv1");
	ASSERT_EQ(call(&w, h1, "GET", "/api/v1/agent/changes", q, NULL, &out), 200);
	json_decref(q);
	ASSERT_CONTAINS(out, "10.0.0.2");
	free(out);
	/* changes: its own scan requests only */
	int64_t since = cd_mgr_seq(w.m);
	int64_t id3 = request_scan(&w, "w2", "quick"), id4 = request_scan(&w, "w1", "quick");
	struct cd_actor op = { .name = "admin", .role = "admin", .origin = "local" };
	ASSERT_EQ(cd_mgr_tag(w.m, "w2", "web", true, &op), 1);
	char s[32];
	snprintf(s, sizeof(s), "%lld", (long long)since);
	q = json_pack("{s:s}", "since", s);
	ASSERT_EQ(call(&w, a1, "GET", "/api/v1/agent/changes", q, NULL, &out), 200);
	json_decref(q);
	ASSERT(!strstr(out, "w2"));
	ASSERT(!strstr(out, "web"));
	char want[64];
	snprintf(want, sizeof(want), "\"id\":%lld", (long long)id4);
	ASSERT_CONTAINS(out, want);
	free(out);
	(void)id1;
	(void)id2;
	(void)id3;
	free(a1);
	free(h1);
	world_close(&w);
}

/* A batch of n events from seq, each with a message of len bytes. */
static int events_batch(struct world *w, const char *cred, int seq, int n, size_t len, char **out)
{
	char *msg = malloc(len + 1);
	memset(msg, 'x', len);
	msg[len] = 0;
	json_t *evs = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(evs, json_pack("{s:i, s:s, s:s, s:s, s:s}", "seq", seq + i, "time",
						     "2026-12-01T00:00:00Z", "type", "agent-started",
						     "workload", "w1", "message", msg));
	json_t *o = json_pack("{s:o}", "events", evs);
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(msg);
	int st = call(w, cred, "POST", "/api/v1/agent/events", NULL, body, out);
	free(body);
	return st;
}

static int64_t jint(const char *text, const char *key)
{
	json_t *o = json_loads(text, 0, NULL);
	int64_t v = json_integer_value(json_object_get(o, key));
	json_decref(o);
	return v;
}

TEST(trust_agent_events_come_at_a_rate_nothing_lost)
{
	struct world w;
	/* 2 events a second, a burst of 60 */
	struct cd_mgr_limits l = { .agent_events_per_s = 2 };
	world_open_limits(&w, NULL, &l);
	char *a1 = enroll(&w, NULL, "w1"), *a2 = enroll(&w, "hv1", NULL), *out;
	/* 100 at once: the burst is taken, the rest acknowledged later */
	ASSERT_EQ(events_batch(&w, a1, 1, 100, 10, &out), 200);
	int64_t acked = jint(out, "acked");
	ASSERT_EQ(acked, 60);
	free(out);
	/* what is left: 429 with when to come back, and counted */
	ASSERT_EQ(events_batch(&w, a1, (int)acked + 1, 100 - (int)acked, 10, &out), 429);
	ASSERT_CONTAINS(out, "rate");
	free(out);
	ASSERT_EQ(call(&w, w.admin, "GET", "/api/v1/agents", NULL, NULL, &out), 200);
	json_t *ags = json_loads(out, 0, NULL);
	free(out);
	size_t i;
	json_t *ag;
	int64_t refused = -1;
	json_array_foreach(ags, i, ag)
		if (!strcmp(json_string_value(json_object_get(ag, "name")), "workload:w1"))
			refused = json_integer_value(json_object_get(ag, "events_refused"));
	json_decref(ags);
	ASSERT_EQ(refused, (100 - acked) * 2);
	/* five seconds later, ten more */
	w.rate_now += 5000000;
	ASSERT_EQ(events_batch(&w, a1, (int)acked + 1, 100 - (int)acked, 10, &out), 200);
	ASSERT_EQ(jint(out, "acked"), acked + 10);
	free(out);
	/* another agent is not held back by it, and a detection of the
	 * limited one still goes through once its rate allows */
	ASSERT_EQ(events_batch(&w, a2, 1, 10, 10, &out), 200);
	ASSERT_EQ(jint(out, "stored"), 10);
	free(out);
	/* bytes count too: 64 KiB a second is the default, 1 KiB here */
	world_close(&w);
	free(a1);
	free(a2);
	l = (struct cd_mgr_limits){ .agent_bytes_per_s = 1024 };
	world_open_limits(&w, NULL, &l);
	a1 = enroll(&w, NULL, "w1");
	/* a burst of 30 KiB: 4000-byte messages, about 7 of them */
	ASSERT_EQ(events_batch(&w, a1, 1, 20, 4000, &out), 200);
	acked = jint(out, "acked");
	ASSERT_EQ(acked, 7);
	free(out);
	free(a1);
	world_close(&w);
}

static int64_t event_count(struct world *w, const char *before, int64_t *first, int64_t *last)
{
	json_t *q = json_pack("{s:s}", "type", "agent-started");
	if (before)
		json_object_set_new(q, "before", json_string(before));
	char *out;
	ASSERT_EQ(call(w, w->admin, "GET", "/api/v1/events", q, NULL, &out), 200);
	json_decref(q);
	json_t *a = json_loads(out, 0, NULL);
	free(out);
	int64_t n = (int64_t)json_array_size(a);
	if (first)
		*first = json_integer_value(json_object_get(json_array_get(a, 0), "id"));
	if (last)
		*last = json_integer_value(json_object_get(json_array_get(a, n - 1), "id"));
	json_decref(a);
	return n;
}

TEST(trust_event_log_retention_and_pages)
{
	struct world w;
	/* 1,500 events of about 1 KiB: 1.5 MB, over the 200 kB kept (or,
	 * light, of 179 bytes over 33 kB: the same counts) */
	size_t len = (size_t)test_volume(1000);
	int64_t keep = 200000 * ((int64_t)len + 79) / 1079;   /* a row: len + 79 (store.c) */
	struct cd_mgr_limits l = { .events_max_bytes = keep, .agent_events_per_s = 1e6 };
	world_open_limits(&w, NULL, &l);
	char *a1 = enroll(&w, NULL, "w1"), *out;
	for (int b = 0; b < 3; b++) {
		ASSERT_EQ(events_batch(&w, a1, 1 + b * 500, 500, len, &out), 200);
		ASSERT_EQ(jint(out, "stored"), 500);
		free(out);
	}
	/* pages: at most 1000, the next before the first id */
	json_t *q = json_pack("{s:s}", "limit", "1001");
	ASSERT_EQ(call(&w, w.admin, "GET", "/api/v1/events", q, NULL, &out), 400);
	ASSERT_CONTAINS(out, "\"field\":\"limit\"");
	free(out);
	json_decref(q);
	int64_t first, last, first2, last2;
	ASSERT_EQ(event_count(&w, NULL, &first, &last), 1000);
	char b[32];
	snprintf(b, sizeof(b), "%lld", (long long)first);
	ASSERT_EQ(event_count(&w, b, &first2, &last2), 500);
	ASSERT(last2 < first);
	/* the retention: down to 90% of the size, the newest kept */
	ASSERT_EQ(cd_mgr_events_prune(w.m), 0);
	ASSERT(cd_store_event_bytes(w.s) <= keep);
	ASSERT(cd_store_event_bytes(w.s) >= keep * 3 / 4);
	int64_t f3, l3, n = event_count(&w, NULL, &f3, &l3);
	ASSERT(n > 100 && n < 200);
	ASSERT_EQ(l3, last);
	/* by age: what was received before the cut goes, whatever time the
	 * agent wrote in it */
	struct cd_event old = { .time = cd_mgr_now(), .type = "agent-started", .message = "old",
				.received = cd_mgr_now() - 91LL * 24 * 3600 * 1000000 };
	ASSERT_EQ(cd_store_event_add(w.s, &old), 0);
	ASSERT_EQ(event_count(&w, NULL, NULL, NULL), n + 1);
	ASSERT_EQ(cd_mgr_events_prune(w.m), 0);
	ASSERT_EQ(event_count(&w, NULL, NULL, &l3), n);
	ASSERT_EQ(l3, last);
	free(a1);
	world_close(&w);
}

/* A call of n flow records from cred (seq), each a connection w1 -> w2. */
static int flows_batch(struct world *w, const char *cred, int seq, int n, char **out)
{
	json_t *recs = json_array();
	int64_t minute = cd_mgr_now() / 1000 / 60000 * 60000;
	for (int i = 0; i < n; i++)
		json_array_append_new(recs, json_pack(
			"{s:I, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:i, s:s, s:n, s:n, s:i}",
			"minute", (json_int_t)minute, "vnic", "tap1", "seen_at", "source", "source",
			"workload", "w1", "ip", "10.0.0.1", "destination", "workload", "w2", "ip",
			"10.0.0.2", "protocol", "tcp", "port", 1000 + i, "verdict", "dropped", "rule",
			"staged_rule", "connections", 1));
	json_t *o = json_pack("{s:[{s:i, s:o}]}", "batches", "seq", seq, "records", recs);
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int st = call(w, cred, "POST", "/api/v1/agent/flows", NULL, body, out);
	free(body);
	return st;
}

/* A host's agent's flow records come at a rate too: past its burst, 429
 * with when to come back (nothing of the call stored), and taken once
 * the bucket has filled again. */
TEST(trust_agent_flows_come_at_a_rate)
{
	struct world w;
	/* 10 records a second, a burst of 300 */
	struct cd_mgr_limits l = { .agent_flows_per_s = 10 };
	world_open_limits(&w, NULL, &l);
	char *hv = enroll(&w, "hv1", NULL), *out;
	ASSERT_EQ(flows_batch(&w, hv, 1, 300, &out), 200);
	ASSERT_EQ(jint(out, "stored"), 300);
	free(out);
	ASSERT_EQ(flows_batch(&w, hv, 2, 20, &out), 429);
	ASSERT_CONTAINS(out, "rate of flow records");
	free(out);
	w.rate_now += 2 * 1000000LL;             /* 2 s: 20 records' worth */
	ASSERT_EQ(flows_batch(&w, hv, 2, 20, &out), 200);
	ASSERT_EQ(jint(out, "stored"), 20);
	free(out);
	free(hv);
	world_close(&w);
}
