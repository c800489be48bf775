/* test_flows.c - flow records through the API's handlers (cd_api_handle)
 * with a store in memory, and (pg_*) on the PostgreSQL tests/unit/pg-run
 * starts: an agent's batch is stored once per seq; a bad record refuses
 * the whole call, naming its field, and nothing of it is stored; the
 * host is the credential's; filters, pages, sums by a key, the
 * deduplication of a connection seen at both ends, the retention in days
 * and bytes, and the counters on GET /metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "manager/api.h"
#include "manager/flows.h"
#include "test.h"
#include "base/token.h"

#define MIN 60000LL

struct world {
	struct cd_store *s;
	struct cd_mgr *m;
	char *admin, *viewer, *hv1, *hv2;
	int64_t now;            /* the current minute, ms */
};

static const char inv[] =
	"workloads:\n"
	"  - {name: web, host: hv1, tags: [tier=web], vnics: [{ifname: tap1, ips: [10.0.0.1]}]}\n"
	"  - {name: db, host: hv2, tags: [tier=db], vnics: [{ifname: tap2, ips: [10.0.0.2]}]}\n";
static const char pol[] =
	"groups:\n  - {name: dbs, match: 'tag == \"tier=db\"'}\n"
	"rules:\n  - {id: 7, category: application, destination: [\"group:dbs\"], action: allow}\n";

static char *cred_for(struct world *w, const char *host, const char *workload)
{
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *e, *cred;
	ASSERT_EQ(cd_mgr_token_create(w->m, "enroll", host ? host : "e", host, workload, &self, &e), 0);
	struct cd_token t = { 0 };
	ASSERT_EQ(cd_mgr_enroll(w->m, e, "local", &cred, &t), 0);
	cd_token_free(&t);
	free(e);
	return cred;
}

static void world_open(struct world *w, bool pg, const struct cd_mgr_limits *l)
{
	memset(w, 0, sizeof(*w));
	const char *target = ":memory:";
	if (pg) {
		/* a database of its own: the tables made again */
		target = getenv("CD_TEST_PG");
		ASSERT(target);
		struct cd_db *db;
		int r = cd_db_open(target, &db);
		if (!r)
			r = cd_db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
		cd_db_close(db);
		ASSERT_EQ(r, 0);
	}
	ASSERT_EQ(cd_store_open(target, &w->s), 0);
	struct cd_mgr_options o = { 0 };
	if (l)
		o.limits = *l;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&w->m, w->s, &o, &err), 0);
	cd_buf_free(&err);
	struct cd_actor self = { .name = "test", .origin = "local" };
	ASSERT_EQ(cd_mgr_token_create(w->m, "admin", "admin", NULL, NULL, &self, &w->admin), 0);
	ASSERT_EQ(cd_mgr_token_create(w->m, "viewer", "viewer", NULL, NULL, &self, &w->viewer), 0);
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	size_t n;
	ASSERT_EQ(cd_mgr_push_policy(w->m, "p", pol, strlen(pol), &self, &d, &rev), 0);
	ASSERT_EQ(cd_mgr_push_inventory(w->m, "lab", "i", inv, strlen(inv), &self, &d, &n), 0);
	cd_diags_free(&d);
	w->hv1 = cred_for(w, "hv1", NULL);
	w->hv2 = cred_for(w, "hv2", NULL);
	w->now = cd_mgr_now() / 1000 / MIN * MIN;
}

static void world_close(struct world *w)
{
	free(w->admin);
	free(w->viewer);
	free(w->hv1);
	free(w->hv2);
	cd_mgr_close(w->m);
	cd_store_close(w->s);
}

/* One request: its status; its body (text) into *out when out. */
static int call(struct world *w, const char *tok, const char *method, const char *path,
		const char *query, const char *body, char **out)
{
	char auth[256];
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	json_t *q = json_object();
	char *qs = query ? strdup(query) : NULL, *save = NULL;
	for (char *kv = qs ? strtok_r(qs, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		*eq = 0;
		json_object_set_new(q, kv, json_string(eq + 1));
	}
	free(qs);
	struct cd_api_req r = { .method = method, .path = path, .query = q, .auth = auth,
				.origin = "127.0.0.1", .body = body, .body_len = body ? strlen(body) : 0 };
	struct cd_api_resp a;
	cd_api_handle(w->m, &r, &a);
	json_decref(q);
	if (out)
		*out = a.blob ? strndup(a.blob->data, a.blob->len) : json_dumps(a.body, JSON_COMPACT);
	int st = a.status;
	cd_api_resp_free(&a);
	return st;
}

/* A record: minute (minutes before now), its ends, port, verdict, rule
 * (0: default), seen_at, connections. */
static json_t *rec(struct world *w, int ago, const char *swl, const char *sip, const char *dwl,
		   const char *dip, int port, const char *verdict, int rule, const char *seen, int conns)
{
	json_t *r = json_pack("{s:I, s:s, s:s, s:{s:s?, s:s}, s:{s:s?, s:s}, s:s, s:i, s:s, s:i, "
			      "s:i, s:i, s:[s], s:[s], s:[], s:[s]}",
			      "minute", (json_int_t)(w->now - ago * MIN), "vnic", "tap1", "seen_at", seen,
			      "source", "workload", swl, "ip", sip, "destination", "workload", dwl,
			      "ip", dip, "protocol", "tcp", "port", port, "verdict", verdict,
			      "connections", conns, "bytes_out", strcmp(verdict, "allowed") ? 0 : 100 * conns,
			      "bytes_in", strcmp(verdict, "allowed") ? 0 : 1000 * conns,
			      "source_tags", "tier=web", "destination_tags", "tier=db",
			      "source_groups", "destination_groups", "dbs");
	json_object_set_new(r, "rule", rule ? json_pack("{s:i, s:s, s:s}", "id", rule, "name", "r",
							"category", "application") : json_null());
	json_object_set_new(r, "staged_rule", json_null());
	return r;
}

/* POST one batch of records (taken over) as cred: its status. */
static int post(struct world *w, const char *cred, int seq, json_t *recs, char **out)
{
	json_t *b = json_pack("{s:[{s:i, s:o}]}", "batches", "seq", seq, "records", recs);
	char *body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	int st = call(w, cred, "POST", "/api/v1/agent/flows", NULL, body, out);
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

/* GET /api/v1/flows?query: how many entries "flows" holds (-status when
 * not 200); *out the body when out. */
static int flows(struct world *w, const char *query, char **out)
{
	char *body;
	int st = call(w, w->viewer, "GET", "/api/v1/flows", query, NULL, &body);
	json_t *o = json_loads(body, 0, NULL);
	int n = st == 200 ? (int)json_array_size(json_object_get(o, "flows")) : -st;
	json_decref(o);
	if (out)
		*out = body;
	else
		free(body);
	return n;
}

static json_t *three(struct world *w)
{
	return json_pack("[o, o, o]",
			 rec(w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 7, "source", 3),
			 rec(w, 2, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 7, "source", 2),
			 rec(w, 2, NULL, "192.0.2.9", "db", "10.0.0.2", 22, "dropped", 0, "destination", 5));
}

static void ingest_once_by_seq(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	char *out;
	ASSERT_EQ(post(&w, w.hv1, 1, three(&w), &out), 200);
	ASSERT_EQ(jint(out, "acked"), 1);
	ASSERT_EQ(jint(out, "stored"), 3);
	free(out);
	/* sent again after a crash: acknowledged, not stored again */
	ASSERT_EQ(post(&w, w.hv1, 1, three(&w), &out), 200);
	ASSERT_EQ(jint(out, "acked"), 1);
	ASSERT_EQ(jint(out, "stored"), 0);
	free(out);
	ASSERT_EQ(flows(&w, NULL, NULL), 3);
	/* per credential: another agent's seq 1 is its own */
	ASSERT_EQ(post(&w, w.hv2, 1, three(&w), &out), 200);
	ASSERT_EQ(jint(out, "stored"), 3);
	free(out);
	/* two batches in a call, one known */
	json_t *b = json_pack("{s:[{s:i, s:o}, {s:i, s:o}]}", "batches", "seq", 1, "records", three(&w),
			      "seq", 2, "records", three(&w));
	char *body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	ASSERT_EQ(call(&w, w.hv1, "POST", "/api/v1/agent/flows", NULL, body, &out), 200);
	ASSERT_EQ(jint(out, "acked"), 2);
	ASSERT_EQ(jint(out, "stored"), 3);
	free(out);
	free(body);
	/* seq 2's records are seq 1's keys and minutes: added to their rows */
	ASSERT_EQ(flows(&w, "dedupe=false", NULL), 6);
	/* the host is the credential's */
	ASSERT_EQ(flows(&w, "host=hv1&dedupe=false", NULL), 3);
	ASSERT_EQ(flows(&w, "host=HV2", NULL), 3);
	world_close(&w);
}
TEST(flows_ingest_once_by_seq) { ingest_once_by_seq(false); }
TEST(pg_flows_ingest_once_by_seq) { ingest_once_by_seq(true); }

/* A record of three() changed by patch (an object merged in, JSON text),
 * in a second batch after a good one: the call's status, and the field
 * named. */
static int bad_call(struct world *w, const char *patch, char **field)
{
	json_t *recs = three(w), *p = json_loads(patch, 0, NULL);
	ASSERT(p);
	json_t *r = json_array_get(recs, 2);
	const char *k;
	json_t *v;
	json_object_foreach(p, k, v)
		json_object_set(r, k, v);
	json_decref(p);
	json_t *b = json_pack("{s:[{s:i, s:o}, {s:i, s:o}]}", "batches", "seq", 10, "records", three(w),
			      "seq", 11, "records", recs);
	char *body = json_dumps(b, JSON_COMPACT), *out;
	json_decref(b);
	int st = call(w, w->hv1, "POST", "/api/v1/agent/flows", NULL, body, &out);
	free(body);
	json_t *o = json_loads(out, 0, NULL);
	*field = strdup(json_string_value(json_object_get(o, "field")) ?
			json_string_value(json_object_get(o, "field")) : "");
	json_decref(o);
	free(out);
	return st;
}

static void bad_record_refuses_the_call(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	char ahead[64], vnic[80], many[4096];
	snprintf(ahead, sizeof(ahead), "{\"minute\": %lld}", (long long)(w.now + 2 * 1440 * MIN));
	memset(vnic, 'v', sizeof(vnic));
	snprintf(vnic, sizeof(vnic), "{\"vnic\": \"%065d\"}", 0);
	int k = snprintf(many, sizeof(many), "{\"source_tags\": [");
	for (int i = 0; i < 257; i++)
		k += snprintf(many + k, sizeof(many) - (size_t)k, "%s\"t%d\"", i ? "," : "", i);
	snprintf(many + k, sizeof(many) - (size_t)k, "]}");
	static const struct { const char *patch, *field; } cases[] = {
		{ "{\"port\": 70000}", "port" },
		{ "{\"ports\": 1}", "ports" },
		{ "{\"connections\": -1}", "connections" },
		{ "{\"bytes_in\": \"12\"}", "bytes_in" },
		{ "{\"minute\": 61000}", "minute" },
		{ "{\"seen_at\": \"middle\"}", "seen_at" },
		{ "{\"source\": {\"workload\": null, \"ip\": \"10.0.0.0/8\"}}", "source.ip" },
		{ "{\"source\": {\"ip\": \"10.0.0.1\", \"mac\": \"x\"}}", "source.mac" },
		{ "{\"destination\": {\"workload\": 3, \"ip\": \"10.0.0.1\"}}", "destination.workload" },
		{ "{\"protocol\": \"sctp\"}", "protocol" },
		{ "{\"protocol\": 256}", "protocol" },
		{ "{\"protocol\": \"icmp\"}", "port" },
		{ "{\"port\": null}", "port" },
		{ "{\"verdict\": \"maybe\"}", "verdict" },
		{ "{\"verdict\": \"would-drop\"}", "staged_rule" },
		{ "{\"bytes_out\": 1}", "bytes_out" },
		{ "{\"rule\": {\"id\": 0, \"category\": \"application\"}}", "rule.id" },
		{ "{\"rule\": {\"id\": 1, \"category\": \"app\"}}", "rule.category" },
		{ "{\"rule\": {\"id\": 1, \"category\": \"application\", \"x\": 1}}", "rule.x" },
		{ "{\"source_groups\": [\"a\\u001fb\"]}", "source_groups[0]" },
		{ "{\"destination_tags\": [\"\"]}", "destination_tags[0]" },
		{ "{\"destination_groups\": \"dbs\"}", "destination_groups" },
		{ "{\"vnic\": \"\"}", "vnic" },
	};
	char *field;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(bad_call(&w, cases[i].patch, &field), 400);
		char want[64];
		snprintf(want, sizeof(want), "batches[1].records[2].%s", cases[i].field);
		ASSERT_STR_EQ(field, want);
		free(field);
	}
	const char *more[][2] = { { ahead, "minute" }, { vnic, "vnic" }, { many, "source_tags" } };
	for (size_t i = 0; i < 3; i++) {
		ASSERT_EQ(bad_call(&w, more[i][0], &field), 400);
		char want[64];
		snprintf(want, sizeof(want), "batches[1].records[2].%s", more[i][1]);
		ASSERT_STR_EQ(field, want);
		free(field);
	}
	/* nothing of any of those calls was stored: not even the good batch */
	ASSERT_EQ(flows(&w, "since=0&dedupe=false", NULL), 0);
	/* the call's own shape */
	char *out;
	ASSERT_EQ(call(&w, w.hv1, "POST", "/api/v1/agent/flows", NULL, "{\"batches\": [{\"seq\": 0, "
		       "\"records\": []}]}", &out), 400);
	ASSERT_CONTAINS(out, "\"field\":\"batches[0].seq\"");
	free(out);
	ASSERT_EQ(call(&w, w.hv1, "POST", "/api/v1/agent/flows", NULL, "{\"batches\": [], \"x\": 1}",
		       &out), 400);
	free(out);
	ASSERT_EQ(call(&w, w.hv1, "POST", "/api/v1/agent/flows", NULL, "{\"batches\": [{}]}", &out), 400);
	ASSERT_CONTAINS(out, "\"field\":\"batches[0].seq\"");
	free(out);
	ASSERT_EQ(call(&w, w.hv1, "POST", "/api/v1/agent/flows", NULL, "{\"batches\": 3}", &out), 400);
	ASSERT_CONTAINS(out, "\"field\":\"batches\"");
	free(out);
	/* only a host's agent sends them; not a viewer, not a revoked one */
	char *wl = cred_for(&w, NULL, "web");
	ASSERT_EQ(post(&w, wl, 1, three(&w), NULL), 403);
	ASSERT_EQ(post(&w, w.viewer, 1, three(&w), NULL), 403);
	struct cd_actor self = { .name = "test", .origin = "local" };
	int64_t n;
	ASSERT_EQ(cd_mgr_token_revoke(w.m, "host:hv1", true, &self, &n), 0);
	ASSERT_EQ(post(&w, w.hv1, 1, three(&w), NULL), 401);
	ASSERT_EQ(flows(&w, "since=0&dedupe=false", NULL), 0);
	free(wl);
	world_close(&w);
}
TEST(flows_bad_record_refuses_the_call) { bad_record_refuses_the_call(false); }
TEST(pg_flows_bad_record_refuses_the_call) { bad_record_refuses_the_call(true); }

/* Each filter alone and together; a record as the API answers it; each
 * bad parameter named. */
static void filters_and_bad_parameters(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	ASSERT_EQ(post(&w, w.hv1, 1, three(&w), NULL), 200);
	json_t *more = json_pack("[o]", rec(&w, 90, "web", "10.0.0.1", NULL, "fd00::0:1", 443, "rejected",
					      0, "source", 1));
	json_object_set_new(json_array_get(more, 0), "protocol", json_integer(132));
	ASSERT_EQ(post(&w, w.hv2, 1, more, NULL), 200);
	static const struct { const char *q; int n; } cases[] = {
		{ NULL, 3 },                          /* the last hour */
		{ "since=0", 4 },
		{ "workload=web", 2 },
		{ "workload=DB", 3 },
		{ "workload=192.0.2.9", 1 },
		{ "source=web", 2 },
		{ "source=192.0.2.9", 1 },
		{ "destination=db", 3 },
		{ "destination=fd00::1&since=0", 1 },
		{ "group=dbs", 3 },
		{ "group=DBS", 3 },
		{ "group=db", 0 },                    /* a whole entry, not a part */
		{ "group=d%", 0 },
		{ "tag=tier=web", 3 },
		{ "port=5432", 2 },
		{ "port=22", 1 },
		{ "protocol=tcp", 3 },
		{ "protocol=6", 3 },
		{ "protocol=132&since=0", 1 },
		{ "verdict=dropped", 1 },
		{ "verdict=allowed", 2 },
		{ "rule=7", 2 },
		{ "rule=default&since=0", 2 },
		{ "host=hv2&since=0", 1 },
		{ "workload=web&port=5432&verdict=allowed&rule=7&host=hv1", 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = flows(&w, cases[i].q, NULL);
		if (n != cases[i].n)
			fprintf(stdout, "    query %s\n", cases[i].q ? cases[i].q : "(none)");
		ASSERT_EQ(n, cases[i].n);
	}
	/* since and until: RFC 3339 or ms, by the minute's start */
	char q[160], t[CD_TIME_STRLEN];
	snprintf(q, sizeof(q), "since=%lld&until=%lld", (long long)(w.now - 2 * MIN),
		 (long long)(w.now - 2 * MIN));
	ASSERT_EQ(flows(&w, q, NULL), 2);
	snprintf(q, sizeof(q), "since=%s", cd_time_fmt((w.now - MIN) * 1000, t));
	ASSERT_EQ(flows(&w, q, NULL), 1);
	/* what an answer says */
	char *out;
	ASSERT_EQ(flows(&w, "verdict=dropped", &out), 1);
	ASSERT_CONTAINS(out, "\"host\":\"hv1\"");
	ASSERT_CONTAINS(out, "\"source\":{\"workload\":null,\"ip\":\"192.0.2.9\"}");
	ASSERT_CONTAINS(out, "\"rule\":null");
	ASSERT_CONTAINS(out, "\"protocol\":\"tcp\"");
	ASSERT_CONTAINS(out, "\"destination_groups\":[\"dbs\"]");
	ASSERT_CONTAINS(out, "\"next\":null");
	free(out);
	ASSERT_EQ(flows(&w, "protocol=132&since=0", &out), 1);
	ASSERT_CONTAINS(out, "\"protocol\":132");
	ASSERT_CONTAINS(out, "\"ip\":\"fd00::1\"");
	free(out);
	/* bad parameters: 400 naming them */
	static const char *const bad[][2] = {
		{ "since=yesterday", "since" }, { "until=1x", "until" }, { "port=0", "port" },
		{ "port=65536", "port" }, { "protocol=sctp", "protocol" }, { "protocol=256", "protocol" },
		{ "verdict=denied", "verdict" }, { "rule=0", "rule" }, { "rule=x", "rule" },
		{ "limit=1001", "limit" }, { "limit=0", "limit" }, { "before=12", "before" },
		{ "top=1001", "top" }, { "top=5&by=host", "by" }, { "by=pair", "by" },
		{ "top=5&limit=10", "limit" }, { "dedupe=maybe", "dedupe" }, { "colour=red", "colour" },
		{ "since=100&until=50", "until" }, { "group=", "group" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(flows(&w, bad[i][0], &out), -400);
		char want[64];
		snprintf(want, sizeof(want), "\"field\":\"%s\"", bad[i][1]);
		ASSERT_CONTAINS(out, want);
		free(out);
	}
	/* agents do not read them */
	ASSERT_EQ(call(&w, w.hv1, "GET", "/api/v1/flows", NULL, NULL, NULL), 403);
	world_close(&w);
}
TEST(flows_filters_and_bad_parameters) { filters_and_bad_parameters(false); }
TEST(pg_flows_filters_and_bad_parameters) { filters_and_bad_parameters(true); }

static void pages_newest_first(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	/* 250 records over 50 minutes, sent in 3 batches out of order */
	for (int b = 0; b < 3; b++) {
		json_t *a = json_array();
		for (int i = 0; i < 250; i++)
			if (i % 3 == b)
				json_array_append_new(a, rec(&w, i / 5, "web", "10.0.0.1", "db", "10.0.0.2",
							     1000 + i, "allowed", 7, "source", 1));
		ASSERT_EQ(post(&w, w.hv1, 3 - b, a, NULL), 200);
	}
	char q[128] = "limit=100", *out;
	int total = 0, pages = 0;
	int64_t last = INT64_MAX;
	json_t *seen = json_object();
	for (;;) {
		int n = flows(&w, q, &out);
		json_t *o = json_loads(out, 0, NULL), *f;
		free(out);
		size_t i;
		json_array_foreach(json_object_get(o, "flows"), i, f) {
			int64_t m = json_integer_value(json_object_get(f, "minute"));
			ASSERT(m <= last);         /* newest first */
			last = m;
			char k[16];
			snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(json_object_get(f, "port")));
			ASSERT(!json_object_get(seen, k));     /* once */
			json_object_set_new(seen, k, json_true());
		}
		total += n;
		pages++;
		const char *next = json_string_value(json_object_get(o, "next"));
		if (!next) {
			json_decref(o);
			break;
		}
		snprintf(q, sizeof(q), "limit=100&before=%s", next);
		json_decref(o);
		ASSERT(pages < 10);
	}
	ASSERT_EQ(total, 250);
	ASSERT_EQ(json_object_size(seen), 250);
	ASSERT_EQ(pages, 3);
	json_decref(seen);
	ASSERT_EQ(flows(&w, NULL, NULL), 100);      /* the default limit */
	world_close(&w);
}
TEST(flows_pages_newest_first) { pages_newest_first(false); }
TEST(pg_flows_pages_newest_first) { pages_newest_first(true); }

/* The first sum of a top answer: its connections and key. */
static int64_t top_first(struct world *w, const char *q, const char *key, char *val, size_t len)
{
	char *out;
	ASSERT(flows(w, q, &out) > 0);
	json_t *o = json_loads(out, 0, NULL);
	free(out);
	json_t *f = json_array_get(json_object_get(o, "flows"), 0), *k = json_object_get(f, key);
	char *t = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(val, len, "%s", t);
	free(t);
	int64_t c = json_integer_value(json_object_get(f, "connections"));
	json_decref(o);
	return c;
}

static void top_and_dedupe(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	ASSERT_EQ(post(&w, w.hv1, 1, three(&w), NULL), 200);
	/* the same connections as the destination's host saw them */
	json_t *dst = json_pack("[o, o]",
				rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 7,
				    "destination", 3),
				rec(&w, 2, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 7,
				    "destination", 2));
	ASSERT_EQ(post(&w, w.hv2, 1, dst, NULL), 200);
	ASSERT_EQ(flows(&w, NULL, NULL), 3);             /* counted once */
	ASSERT_EQ(flows(&w, "dedupe=false", NULL), 5);
	ASSERT_EQ(flows(&w, "host=hv2", NULL), 2);       /* a host's own view */
	/* a record seen only at the destination stays */
	ASSERT_EQ(flows(&w, "verdict=dropped", NULL), 1);
	char v[256];
	ASSERT_EQ(top_first(&w, "top=10&by=pair", "source", v, sizeof(v)), 5);
	ASSERT_STR_EQ(v, "\"192.0.2.9\"");
	ASSERT_EQ(top_first(&w, "top=10&by=pair&dedupe=false", "source", v, sizeof(v)), 10);
	ASSERT_STR_EQ(v, "\"web\"");
	ASSERT_EQ(top_first(&w, "top=1&by=port", "port", v, sizeof(v)), 5);
	ASSERT_EQ(top_first(&w, "top=1&by=rule", "rule", v, sizeof(v)), 5);
	ASSERT_STR_EQ(v, "null");
	ASSERT_EQ(top_first(&w, "top=1&by=workload", "workload", v, sizeof(v)), 10);
	ASSERT_STR_EQ(v, "\"db\"");
	char *out;
	ASSERT_EQ(flows(&w, "top=10&by=rule", &out), 2);
	ASSERT_CONTAINS(out, "{\"rule\":{\"id\":7,\"name\":\"r\",\"category\":\"application\"},"
			"\"connections\":5,\"bytes_out\":500,\"bytes_in\":5000,\"packets_out\":0,"
			"\"packets_in\":0}");
	free(out);
	ASSERT_EQ(flows(&w, "top=10&by=workload", NULL), 3);    /* web, db, 192.0.2.9 */
	ASSERT_EQ(flows(&w, "top=10", NULL), 2);                /* by pair */
	/* Prometheus: every connection stored, per rule and verdict */
	ASSERT_EQ(call(&w, w.viewer, "GET", "/metrics", NULL, NULL, &out), 200);
	ASSERT_CONTAINS(out, "# TYPE cordon_flow_connections counter\n");
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"7\",verdict=\"allowed\"} 10\n");
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"default\",verdict=\"dropped\"} 5\n");
	free(out);
	world_close(&w);
}
TEST(flows_top_and_dedupe) { top_and_dedupe(false); }
TEST(pg_flows_top_and_dedupe) { top_and_dedupe(true); }

static void retention_days_and_bytes(bool pg)
{
	struct world w;
	struct cd_mgr_limits l = { .flows_keep_days = 2 };
	world_open(&w, pg, &l);
	/* 3 days ago, a day ago, now */
	json_t *a = json_pack("[o, o, o]",
			      rec(&w, 3 * 1440, "web", "10.0.0.1", "db", "10.0.0.2", 1, "allowed", 7, "source", 1),
			      rec(&w, 1440, "web", "10.0.0.1", "db", "10.0.0.2", 2, "allowed", 7, "source", 1),
			      rec(&w, 0, "web", "10.0.0.1", "db", "10.0.0.2", 3, "allowed", 7, "source", 1));
	ASSERT_EQ(post(&w, w.hv1, 1, a, NULL), 200);
	ASSERT_EQ(flows(&w, "since=0", NULL), 3);
	ASSERT_EQ(cd_mgr_flows_prune(w.m), 0);
	ASSERT_EQ(flows(&w, "since=0", NULL), 2);
	ASSERT_EQ(flows(&w, "since=0&port=1", NULL), 0);
	int64_t per = cd_store_flow_bytes(w.s) / 2;
	ASSERT(per > 128);
	/* the counters are not pruned: a counter does not go back */
	char *out;
	ASSERT_EQ(call(&w, w.viewer, "GET", "/metrics", NULL, NULL, &out), 200);
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"7\",verdict=\"allowed\"} 3\n");
	free(out);
	world_close(&w);

	/* by bytes: 100 records over 100 minutes, a budget of 50: the
	 * newest 45 or so kept */
	l = (struct cd_mgr_limits){ .flows_max_bytes = 50 * per };
	world_open(&w, pg, &l);
	a = json_array();
	for (int i = 0; i < 100; i++)
		json_array_append_new(a, rec(&w, i, "web", "10.0.0.1", "db", "10.0.0.2", 100 + i, "allowed",
					     7, "source", 1));
	ASSERT_EQ(post(&w, w.hv1, 1, a, NULL), 200);
	int64_t before = cd_store_flow_bytes(w.s);
	ASSERT(before >= 100 * per - 100 && before <= 100 * per + 100);
	ASSERT_EQ(cd_mgr_flows_prune(w.m), 0);
	ASSERT(cd_store_flow_bytes(w.s) <= 50 * per);
	int n = flows(&w, "since=0&limit=1000", &out);
	ASSERT(n >= 40 && n <= 46);
	json_t *o = json_loads(out, 0, NULL);
	free(out);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(o, "flows"), i, f)    /* the newest are kept */
		ASSERT(json_integer_value(json_object_get(f, "port")) < 100 + n);
	json_decref(o);
	/* a batch acknowledged is still known after its records went */
	ASSERT_EQ(post(&w, w.hv1, 1, json_pack("[o]", rec(&w, 0, "web", "10.0.0.1", "db", "10.0.0.2", 9,
							   "allowed", 7, "source", 1)), &out), 200);
	ASSERT_EQ(jint(out, "stored"), 0);
	free(out);
	world_close(&w);
}
TEST(flows_retention_days_and_bytes) { retention_days_and_bytes(false); }
TEST(pg_flows_retention_days_and_bytes) { retention_days_and_bytes(true); }

/* The recommendation for a group: one class a tag (two workloads of one
 * tag give one group), an existing group reused for a set of
 * destinations whose members are exactly its own, an address outside
 * the inventory as itself, a staged flow taken, a dropped one not, and
 * nothing made of the flows that are not the group's; then promoted. */
static void recommend_classes(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	static const char inv2[] =
		"workloads:\n"
		"  - {name: web-1, host: hv1, tags: [tier=web, env=prod], vnics: [{ifname: t1, ips: [10.0.0.11]}]}\n"
		"  - {name: web-2, host: hv1, tags: [tier=web, env=prod], vnics: [{ifname: t2, ips: [10.0.0.12]}]}\n"
		"  - {name: db-1, host: hv1, tags: [tier=db, env=prod], vnics: [{ifname: t3, ips: [10.0.0.21]}]}\n"
		"  - {name: mon-1, host: hv1, tags: [role=mon], vnics: [{ifname: t4, ips: [10.0.0.31]}]}\n"
		"  - {name: other-1, host: hv1, tags: [tier=other], vnics: [{ifname: t5, ips: [10.0.0.41]}]}\n"
		"  - {name: other-2, host: hv1, tags: [tier=other2], vnics: [{ifname: t6, ips: [10.0.0.42]}]}\n";
	static const char pol2[] =
		"# the operator's\ndefault_action: allow\ngroups:\n"
		"  - {name: app, match: 'tag == \"env=prod\"'}\n  - {name: dbs, match: 'tag == \"tier=db\"'}\n"
		"rules:\n  - {id: 40, destination: [\"group:dbs\"], service: [tcp/22], action: drop}\n";
	struct cd_actor self = { .name = "test", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	size_t n;
	ASSERT_EQ(cd_mgr_push_inventory(w.m, "lab", "i", inv2, strlen(inv2), &self, &d, &n), 0);
	ASSERT_EQ(cd_mgr_push_policy(w.m, "p", pol2, strlen(pol2), &self, &d, &rev), 0);
	cd_diags_free(&d);
	json_t *a = json_pack("[o, o, o, o, o, o, o, o, o]",
		rec(&w, 1, "web-1", "10.0.0.11", "db-1", "10.0.0.21", 5432, "allowed", 0, "source", 3),
		rec(&w, 1, "web-2", "10.0.0.12", "db-1", "10.0.0.21", 5432, "allowed", 0, "source", 2),
		rec(&w, 2, "web-1", "10.0.0.11", "db-1", "10.0.0.21", 6432, "would-drop", 0, "source", 1),
		rec(&w, 1, "mon-1", "10.0.0.31", "web-1", "10.0.0.11", 9100, "allowed", 0, "source", 1),
		rec(&w, 1, "mon-1", "10.0.0.31", "web-2", "10.0.0.12", 9100, "allowed", 0, "source", 1),
		rec(&w, 1, "mon-1", "10.0.0.31", "db-1", "10.0.0.21", 9100, "allowed", 0, "source", 1),
		rec(&w, 1, "web-1", "10.0.0.11", NULL, "192.0.2.7", 443, "allowed", 0, "source", 4),
		rec(&w, 1, "other-1", "10.0.0.41", "other-2", "10.0.0.42", 80, "allowed", 0, "source", 9),
		rec(&w, 1, "web-1", "10.0.0.11", "db-1", "10.0.0.21", 22, "dropped", 40, "source", 2));
	json_object_set_new(json_array_get(a, 2), "staged_rule",
			    json_pack("{s:i, s:s, s:s}", "id", 39, "name", "s", "category", "application"));
	char *out;
	ASSERT_EQ(post(&w, w.hv1, 1, a, &out), 200);
	free(out);
	ASSERT_EQ(call(&w, w.viewer, "POST", "/api/v1/policy/recommend", NULL,
		       "{\"group\": \"app\", \"days\": 1}", &out), 200);
	json_t *o = json_loads(out, 0, NULL);
	free(out);
	ASSERT_EQ(json_integer_value(json_object_get(o, "flows")), 7);
	char *groups = json_dumps(json_object_get(o, "groups"), JSON_COMPACT | JSON_SORT_KEYS);
	ASSERT_STR_EQ(groups, "[{\"match\":\"tag == \\\"role=mon\\\"\",\"name\":\"tag-role-mon\"},"
			      "{\"match\":\"tag == \\\"tier=web\\\"\",\"name\":\"tag-tier-web\"}]");
	free(groups);
	/* the rules, as "source > destinations > services", in order */
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(o, "rules"), i, r) {
		char *s = json_dumps(json_object_get(r, "source"), JSON_COMPACT | JSON_ENCODE_ANY);
		char *t = json_dumps(json_object_get(r, "destination"), JSON_COMPACT | JSON_ENCODE_ANY);
		char *v = json_dumps(json_object_get(r, "service"), JSON_COMPACT | JSON_ENCODE_ANY);
		char *at = json_dumps(json_object_get(r, "applied_to"), JSON_COMPACT | JSON_ENCODE_ANY);
		cd_buf_printf(&b, "%lld %s > %s > %s %s %s\n",
			      (long long)json_integer_value(json_object_get(r, "id")), s ? s : "-",
			      t ? t : "-", v ? v : "-", at ? at : "-",
			      json_string_value(json_object_get(r, "action")));
		free(s);
		free(t);
		free(v);
		free(at);
	}
	ASSERT_STR_EQ(b.data, "41 [\"group:tag-role-mon\"] > [\"group:app\"] > [\"tcp/9100\"] - allow\n"
			      "42 [\"group:tag-tier-web\"] > [\"192.0.2.7\"] > [\"tcp/443\"] - allow\n"
			      "43 [\"group:tag-tier-web\"] > [\"group:dbs\"] > [\"tcp/5432\",\"tcp/6432\"] - allow\n"
			      "44 - > - > - [\"group:app\"] drop\n");
	cd_buf_free(&b);
	/* the operator's text first, untouched; the new after it */
	const char *doc = json_string_value(json_object_get(o, "document"));
	ASSERT(!strncmp(doc, pol2, strlen(pol2) - strlen("rules:\n  - {id: 40, destination: [\"group:dbs\"], "
							 "service: [tcp/22], action: drop}\n")));
	ASSERT_CONTAINS(doc, "  # covers 3 flows, 6 connections: web-1 -> db-1 tcp/5432 (3), web-2 -> db-1 tcp/5432 (2), web-1 -> db-1 tcp/6432 (1)\n");
	/* pushed, then promoted: a revision each */
	json_t *push = json_pack("{s:s}", "document", doc);
	char *body = json_dumps(push, JSON_COMPACT);
	json_decref(push);
	ASSERT_EQ(call(&w, w.admin, "POST", "/api/v1/policy", NULL, body, NULL), 201);
	free(body);
	ASSERT_EQ(call(&w, w.viewer, "POST", "/api/v1/policy/promote", NULL, "{\"rules\": [41]}", NULL), 403);
	ASSERT_EQ(call(&w, w.admin, "POST", "/api/v1/policy/promote", NULL, "{\"rules\": [41, 44, 44]}",
		       &out), 201);
	ASSERT_EQ(jint(out, "promoted"), 2);
	free(out);
	ASSERT_EQ(call(&w, w.admin, "POST", "/api/v1/policy/promote", NULL, "{\"rules\": [41]}", NULL), 409);
	ASSERT_EQ(call(&w, w.admin, "POST", "/api/v1/policy/promote", NULL, "{\"rules\": [45]}", &out), 400);
	ASSERT_CONTAINS(out, "no rule has id 45");
	free(out);
	ASSERT_EQ(call(&w, w.viewer, "POST", "/api/v1/policy/recommend", NULL, "{\"group\": \"nope\"}", NULL), 404);
	json_decref(o);
	world_close(&w);
}
TEST(flows_recommend_classes) { recommend_classes(false); }
TEST(pg_flows_recommend_classes) { recommend_classes(true); }

/* The counters per rule and verdict are bounded: past the limit, a new
 * pair (an agent's made-up rule ids) is counted under rule "other"; the
 * pairs known go on counting apart. */
static void totals_bounded(bool pg)
{
	struct world w;
	struct cd_mgr_limits l = { .flow_totals_max = 2 };
	world_open(&w, pg, &l);
	json_t *a = json_array();
	for (int rule = 7; rule <= 10; rule++)
		json_array_append_new(a, rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed",
					     rule, "source", rule));
	ASSERT_EQ(post(&w, w.hv1, 1, a, NULL), 200);   /* 7 and 8 apart, 9 and 10 "other" */
	a = json_pack("[o, o]", rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 7, "source", 1),
		      rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432, "allowed", 11, "source", 5));
	ASSERT_EQ(post(&w, w.hv1, 2, a, NULL), 200);
	char *out;
	ASSERT_EQ(call(&w, w.viewer, "GET", "/metrics", NULL, NULL, &out), 200);
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"7\",verdict=\"allowed\"} 8\n");
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"8\",verdict=\"allowed\"} 8\n");
	ASSERT_CONTAINS(out, "cordon_flow_connections_total{rule=\"other\",verdict=\"allowed\"} 24\n");
	ASSERT(!strstr(out, "rule=\"9\"") && !strstr(out, "rule=\"10\"") && !strstr(out, "rule=\"11\""));
	free(out);
	world_close(&w);
}
TEST(flows_totals_bounded) { totals_bounded(false); }
TEST(pg_flows_totals_bounded) { totals_bounded(true); }

/* A key's minute sent in parts (an agent sends what it holds every few
 * seconds): one row, the counts added up; the size counted once. */
static void parts_merge(bool pg)
{
	struct world w;
	world_open(&w, pg, NULL);
	ASSERT_EQ(post(&w, w.hv1, 1, json_pack("[o]", rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2",
							   5432, "allowed", 7, "source", 3)), NULL), 200);
	int64_t size = cd_store_flow_bytes(w.s);
	ASSERT_EQ(post(&w, w.hv1, 2, json_pack("[o, o]", rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2",
							     5432, "allowed", 7, "source", 4),
					       rec(&w, 1, "web", "10.0.0.1", "db", "10.0.0.2", 5432,
						   "dropped", 0, "source", 2)), NULL), 200);
	char *out;
	ASSERT_EQ(flows(&w, "verdict=allowed", &out), 1);
	json_t *o = json_loads(out, 0, NULL);
	free(out);
	json_t *f = json_array_get(json_object_get(o, "flows"), 0);
	ASSERT_EQ(json_integer_value(json_object_get(f, "connections")), 7);
	ASSERT_EQ(json_integer_value(json_object_get(f, "bytes_out")), 700);
	json_decref(o);
	ASSERT_EQ(flows(&w, NULL, NULL), 2);            /* the drop is a key of its own */
	ASSERT(cd_store_flow_bytes(w.s) < 2 * size + size / 2);   /* two rows' size, not three */
	world_close(&w);
}
TEST(flows_parts_merge) { parts_merge(false); }
TEST(pg_flows_parts_merge) { parts_merge(true); }
