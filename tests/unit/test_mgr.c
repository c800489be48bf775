/* test_mgr.c - the manager without HTTP: enrollment tokens work once and
 * for a day only; a database of an earlier cordon is brought up to date. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manager/mgr.h"
#include "manager/mgr_priv.h"   /* white-box: the tag layer */
#include "test.h"
#include "base/token.h"

TEST(mgr_enrollment_tokens_once_and_for_a_day)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	struct cd_mgr *m;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&m, s, NULL, &err), 0);
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *fresh, *cred;
	ASSERT_EQ(cd_mgr_token_create(m, "enroll", "e1", "hv1", NULL, &self, &fresh), 0);
	struct cd_token t = { 0 };
	ASSERT_EQ(cd_mgr_enroll(m, fresh, "local", &cred, &t), 0);
	ASSERT_STR_EQ(t.name, "host:hv1");
	ASSERT_STR_EQ(t.role, "agent");
	/* the credential authenticates; the enrollment token no more */
	struct cd_token a = { 0 };
	ASSERT_EQ(cd_mgr_auth(m, cred, &a), 0);
	ASSERT_STR_EQ(a.host, "hv1");
	cd_token_free(&a);
	char *cred2;
	struct cd_token t2 = { 0 };
	ASSERT_EQ(cd_mgr_enroll(m, fresh, "local", &cred2, &t2), -ENOENT);
	/* an enrollment token older than a day is refused */
	char *old = cd_token_new('e');
	char hash[CD_HASH_HEX];
	cd_token_hash(old, hash);
	struct cd_token ot = { .hash = hash, .name = "e2", .role = "enroll", .host = "hv2",
			       .created = cd_mgr_now() - (CD_ENROLL_TTL_S + 60) * 1000000 };
	ASSERT_EQ(cd_store_token_add(s, &ot), 0);
	ASSERT_EQ(cd_mgr_enroll(m, old, "local", &cred2, &t2), -ETIMEDOUT);
	/* an API token is not an enrollment token */
	char *api;
	ASSERT_EQ(cd_mgr_token_create(m, "viewer", "v", NULL, NULL, &self, &api), 0);
	ASSERT_EQ(cd_mgr_enroll(m, api, "local", &cred2, &t2), -EPERM);
	free(api);
	free(old);
	free(fresh);
	free(cred);
	cd_token_free(&t);
	cd_mgr_close(m);
	cd_store_close(s);
	cd_buf_free(&err);
}

/* What the hooks saw. */
static json_t *hooked;
static void hook_src(void *ctx, const char *name, const char *kind, const json_t *config)
{
	(void)ctx;
	json_array_append_new(hooked, json_pack("{s:s, s:s?, s:b}", "source", name, "kind", kind,
						"added", config != NULL));
}
static void hook_tag(void *ctx, const char *source, const char *id, const char *tag, bool add, bool q)
{
	(void)ctx;
	json_array_append_new(hooked, json_pack("{s:s, s:s, s:s, s:b, s:b}", "source", source, "id", id,
						"tag", tag, "add", add, "q", q));
}

static json_t *wl(const char *name, const char *id, const char *ip, const char *tag)
{
	return json_pack("{s:s, s:s, s:s, s:[s], s:[{s:s, s:[s]}]}", "name", name, "id", id, "host", "esx1",
			 "tags", tag, "vnics", "ifname", ip + 5, "ips", ip);
}

static json_t *get_wl(struct cd_mgr *m, const char *name)
{
	json_t *all = cd_mgr_workloads(m), *w, *out = NULL;
	size_t i;
	json_array_foreach(all, i, w)
		if (!strcmp(json_string_value(json_object_get(w, "name")), name))
			out = json_incref(w);
	json_decref(all);
	return out;
}

static bool wl_has(struct cd_mgr *m, const char *name, const char *key, const char *val)
{
	json_t *w = get_wl(m, name), *v;
	size_t i;
	bool has = false;
	json_array_foreach(json_object_get(w, key), i, v)
		has |= !strcmp(json_string_value(v), val);
	json_decref(w);
	return has;
}

static int no_root(void *ctx, const struct cd_event *e)
{
	ASSERT(!strstr(e->data, "root@") && !strstr(e->data, "keyfile"));
	++*(int *)ctx;
	return 0;
}

TEST(mgr_connected_source_sync)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	struct cd_mgr *m;
	hooked = json_array();
	struct cd_mgr_options o = { .hooks = { .source = hook_src, .tags = hook_tag } };
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&m, s, &o, &err), 0);
	struct cd_actor self = { .name = "test", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	static const char pol[] = "groups:\n  - {name: web, match: 'tag == \"role=web\"'}\n"
				  "antimalware: {quarantine_tag: q}\n";
	int64_t rev;
	ASSERT_EQ(cd_mgr_push_policy(m, "p", pol, strlen(pol), &self, &d, &rev), 0);
	json_t *cfg = json_pack("{s:s, s:s, s:s}", "url", "https://vc/sdk", "user", "u", "password", "pw");
	ASSERT_EQ(cd_mgr_source_add(m, "vc", "vsphere", cfg, &self), 0);
	ASSERT_EQ(cd_mgr_source_add(m, "vc", "vsphere", cfg, &self), -EEXIST);
	ASSERT_EQ(json_array_size(hooked), 1);
	/* the listing says where, never the password */
	json_t *l = cd_mgr_sources(m);
	char *ls = json_dumps(l, 0);
	ASSERT(!strstr(ls, "pw") && strstr(ls, "https://vc/sdk") && strstr(ls, "connecting"));
	free(ls);
	json_decref(l);
	/* a libvirt URI: shown without its user and parameters, in the
	 * listing and in the event that says it was added */
	json_t *lv = json_pack("{s:s}", "uri", "qemu+ssh://root@hv7:2222/system?keyfile=/root/.ssh/k");
	ASSERT_EQ(cd_mgr_source_add(m, "lv", "libvirt", lv, &self), 0);
	json_decref(lv);
	l = cd_mgr_sources(m);
	ls = json_dumps(l, 0);
	ASSERT_CONTAINS(ls, "\"qemu+ssh://hv7:2222/system\"");
	ASSERT(!strstr(ls, "root") && !strstr(ls, "keyfile"));
	free(ls);
	json_decref(l);
	struct cd_event_filter f = { .type = "source" };
	int nev = 0;
	ASSERT_EQ(cd_store_event_each(s, &f, no_root, &nev), 0);
	ASSERT_EQ(nev, 2);

	/* the first sync: a new world; agents take a snapshot */
	json_t *ws = json_pack("[o, o]", wl("a", "id-a", "10.1.0.1", "role=db"), wl("b", "id-b", "10.1.0.2", "x=1"));
	int64_t seq = cd_mgr_seq(m);
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", ws, &d), 0);
	cd_mgr_source_state(m, "vc", "in sync", NULL);
	ASSERT(cd_mgr_needs_snapshot(m, seq));
	ASSERT(!wl_has(m, "a", "groups", "web"));
	/* a tag changed at the source: one delta, no snapshot */
	seq = cd_mgr_seq(m);
	json_array_set_new(json_object_get(json_array_get(ws, 0), "tags"), 0, json_string("role=web"));
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", ws, &d), 0);
	ASSERT_EQ(cd_mgr_seq(m), seq + 1);
	ASSERT(!cd_mgr_needs_snapshot(m, seq));
	json_t *ch = cd_mgr_changes(m, seq, NULL);
	ASSERT_EQ(json_array_size(json_object_get(ch, "changes")), 1);
	json_decref(ch);
	ASSERT(wl_has(m, "a", "groups", "web"));
	/* the same view again: nothing */
	seq = cd_mgr_seq(m);
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", ws, &d), 0);
	ASSERT_EQ(cd_mgr_seq(m), seq);

	/* a tag through the API: the change goes to the hook, the layer holds it
	 * until the source agrees */
	json_array_clear(hooked);
	ASSERT_EQ(cd_mgr_tag(m, "b", "q", true, &self), 1);
	ASSERT_EQ(json_array_size(hooked), 1);
	json_t *h = json_array_get(hooked, 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(h, "tag")), "q");
	ASSERT(json_is_true(json_object_get(h, "q")));
	ASSERT(wl_has(m, "b", "tags", "q"));
	ASSERT(json_object_get(m->tags, "id-b"));
	json_array_append_new(json_object_get(json_array_get(ws, 1), "tags"), json_string("q"));
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", ws, &d), 0);
	ASSERT(!json_object_get(m->tags, "id-b"));   /* the source has it now */
	ASSERT(wl_has(m, "b", "tags", "q"));
	/* and the source removes it: gone (the layer does not pin it) */
	json_array_remove(json_object_get(json_array_get(ws, 1), "tags"), 1);
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", ws, &d), 0);
	ASSERT(!wl_has(m, "b", "tags", "q"));

	/* a second server with a VM of the same name and id: its copy is renamed */
	ASSERT_EQ(cd_mgr_source_add(m, "vc2", "vsphere", cfg, &self), 0);
	json_t *ws2 = json_pack("[o]", wl("a", "id-a", "10.1.0.3", "t"));
	ASSERT_EQ(cd_mgr_source_sync(m, "vc2", ws2, &d), 0);
	json_decref(ws2);
	json_t *a2 = get_wl(m, "a@vc2");
	ASSERT(a2);
	ASSERT_STR_EQ(json_string_value(json_object_get(a2, "id")), "id-a@vc2");
	json_decref(a2);
	ASSERT_EQ(cd_mgr_source_rm(m, "vc2", &self, &d), 0);
	/* a view that does not load: refused with the reason, nothing changes */
	json_t *bad = json_pack("[o, o]", wl("c", "id-c", "10.1.0.9", "t"), wl("d", "id-d", "10.1.0.9", "t"));
	seq = cd_mgr_seq(m);
	ASSERT_EQ(cd_mgr_source_sync(m, "vc", bad, &d), -EINVAL);
	ASSERT(d.n > 0);
	ASSERT_EQ(cd_mgr_seq(m), seq);
	ASSERT(get_wl(m, "c") == NULL);
	json_decref(bad);
	cd_diags_free(&d);
	cd_diags_init(&d);
	/* the source goes away: its workloads stay, stale */
	cd_mgr_source_state(m, "vc", "disconnected", "gone");
	json_t *b = get_wl(m, "b");
	ASSERT(json_is_true(json_object_get(b, "stale")));
	json_decref(b);
	cd_mgr_source_state(m, "vc", "in sync", NULL);
	b = get_wl(m, "b");
	ASSERT(json_is_false(json_object_get(b, "stale")));
	json_decref(b);
	/* removing it tells the hook */
	json_array_clear(hooked);
	ASSERT_EQ(cd_mgr_source_rm(m, "vc", &self, &d), 0);
	ASSERT_EQ(json_array_size(hooked), 1);
	ASSERT(json_is_false(json_object_get(json_array_get(hooked, 0), "added")));
	json_decref(ws);
	json_decref(cfg);
	json_decref(hooked);
	cd_diags_free(&d);
	cd_mgr_close(m);
	cd_store_close(s);
	cd_buf_free(&err);
}

static int count_ev(void *ctx, const struct cd_event *e)
{
	(void)e;
	++*(int *)ctx;
	return 0;
}

TEST(mgr_store_migrates_an_earlier_schema)
{
	char path[] = "/tmp/cordon-store.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	close(fd);
	/* the event log as the first cordon made it, with one event */
	sqlite3 *db;
	ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE events(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
			       " type TEXT NOT NULL, workload TEXT, host TEXT, actor TEXT, origin TEXT,"
			       " message TEXT NOT NULL, data TEXT, agent TEXT, agent_seq INTEGER);"
			       "INSERT INTO events(time, type, message) VALUES(1000000, 'tag', 'old one');",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(path, &s), 0);
	ASSERT(cd_store_event_bytes(s) > 64);
	struct cd_event_filter f = { 0 };
	int n = 0;
	ASSERT_EQ(cd_store_event_each(s, &f, count_ev, &n), 0);
	ASSERT_EQ(n, 1);
	/* received is its time: the retention sees it as that old */
	int64_t removed;
	ASSERT_EQ(cd_store_event_prune(s, 2000000, 0, &removed), 0);
	ASSERT_EQ(removed, 1);
	ASSERT_EQ(cd_store_event_bytes(s), 0);
	cd_store_close(s);
	/* opened again: nothing to do */
	ASSERT_EQ(cd_store_open(path, &s), 0);
	cd_store_close(s);
	/* a database of a later cordon is refused, not damaged */
	ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ASSERT_EQ(cd_store_open(path, &s), -EPROTO);
	ASSERT_CONTAINS(cd_store_error(s), "newer cordon");
	cd_store_close(s);
	unlink(path);
	char wal[64];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
}

TEST(mgr_store_nested_transactions)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	char *v = NULL;
	/* an inner change committed, the outer rolled back: nothing stays */
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "k", "inner"), 0);
	ASSERT_EQ(cd_store_commit(s), 0);
	cd_store_rollback(s);
	ASSERT_EQ(cd_store_meta_get(s, "k", &v), -ENOENT);
	/* an inner one rolled back, the outer committed: the outer's stays */
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "k", "outer"), 0);
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_meta_set(s, "k", "inner"), 0);
	cd_store_rollback(s);
	ASSERT_EQ(cd_store_commit(s), 0);
	ASSERT_EQ(cd_store_meta_get(s, "k", &v), 0);
	ASSERT_STR_EQ(v, "outer");
	free(v);
	/* a rollback with nothing open does nothing; the next begin works */
	cd_store_rollback(s);
	ASSERT_EQ(cd_store_begin(s), 0);
	ASSERT_EQ(cd_store_commit(s), 0);
	cd_store_close(s);
}

static int count_alert(void *ctx, const struct cd_alert_rec *a)
{
	(void)a;
	++*(int *)ctx;
	return 0;
}

TEST(mgr_store_alerts_searched_events_and_one_retention)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	/* one active alert per definition and object */
	struct cd_alert_rec a = { .definition = "d", .kind = "vm", .object = "w1", .severity = "warning",
				  .raised = 1000000, .detail = "{\"held\": 1}" };
	ASSERT_EQ(cd_store_alert_raise(s, &a), 0);
	int64_t id = a.id;
	ASSERT(cd_store_alert_raise(s, &a) < 0);
	ASSERT_EQ(cd_store_alert_update(s, id, "{\"held\": 1, \"x\": 2}", 2000000), 0);
	ASSERT_EQ(cd_store_alert_ack(s, id, "alice", 2500000), 0);
	ASSERT_EQ(cd_store_alert_cancel(s, id, "{\"held\": 0}", 3000000), 0);
	ASSERT_EQ(cd_store_alert_cancel(s, id, "{}", 3000001), -ENOENT);   /* no longer active */
	struct cd_alert_rec got = { 0 };
	ASSERT_EQ(cd_store_alert_get(s, id, &got), 0);
	ASSERT_STR_EQ(got.state, "cancelled");
	ASSERT_STR_EQ(got.acked_by, "alice");
	ASSERT_EQ(got.cancelled, 3000000);
	cd_alert_rec_free(&got);
	a.raised = 9000000;           /* raised again: a new alert */
	ASSERT_EQ(cd_store_alert_raise(s, &a), 0);
	int n = 0;
	struct cd_alert_filter f = { .state = "active" };
	ASSERT_EQ(cd_store_alert_each(s, &f, count_alert, &n), 0);
	ASSERT_EQ(n, 1);
	/* events searched by their words */
	struct cd_event e = { .time = 1000000, .type = "alert", .message = "alert 1 raised: d on vm w1",
			      .data = "{\"definition\": \"disk-latency\"}" };
	ASSERT_EQ(cd_store_event_add(s, &e), 0);
	e.time = 8000000;
	e.message = "tag added";
	e.data = NULL;
	ASSERT_EQ(cd_store_event_add(s, &e), 0);
	struct cd_event_filter ef = { .match = "\"latency\"" };
	int ne = 0;
	ASSERT_EQ(cd_store_event_each(s, &ef, count_ev, &ne), 0);
	ASSERT_EQ(ne, 1);
	/* one retention: the past alert goes with the events older than it */
	int64_t before = cd_store_event_bytes(s), removed;
	ASSERT(before > 2 * 128);
	ASSERT_EQ(cd_store_event_prune(s, 5000000, 0, &removed), 0);
	ASSERT_EQ(removed, 1);
	ASSERT_EQ(cd_store_alert_get(s, id, &got), -ENOENT);
	n = 0;
	ASSERT_EQ(cd_store_alert_each(s, &f, count_alert, &n), 0);
	ASSERT_EQ(n, 1);                  /* the active one stays */
	ASSERT(cd_store_event_bytes(s) < before);
	cd_store_close(s);
}

static int take_latest(void *ctx, const char *workload, int64_t time)
{
	int64_t *t = ctx;
	t[workload[0] == 'a' ? 0 : 1] = time;
	t[2]++;
	return 0;
}

/* Each workload's newest event of a type (the alert states "detection"
 * and "spoofing"): however many newer ones others have, and only those
 * of that type since the time asked. */
TEST(mgr_store_newest_event_per_workload)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	ASSERT_EQ(cd_store_begin(s), 0);
	struct cd_event e = { .time = 5000000, .type = "spoof", .workload = "b", .message = "m" };
	ASSERT_EQ(cd_store_event_add(s, &e), 0);
	e.time = 6000000;
	e.type = "detection";     /* newer, of another type */
	ASSERT_EQ(cd_store_event_add(s, &e), 0);
	e.type = "spoof";
	e.workload = "a";
	int n = test_volume(12000);        /* more than any page of the log */
	for (int i = 0; i < n; i++) {
		e.time = 7000000 + i;
		ASSERT_EQ(cd_store_event_add(s, &e), 0);
	}
	e.time = 1000;            /* before the time asked */
	e.workload = "c";
	ASSERT_EQ(cd_store_event_add(s, &e), 0);
	ASSERT_EQ(cd_store_commit(s), 0);
	int64_t t[3] = { 0 };
	ASSERT_EQ(cd_store_event_latest(s, "spoof", 2000, take_latest, t), 0);
	ASSERT_EQ(t[0], 7000000 + n - 1);
	ASSERT_EQ(t[1], 5000000);
	ASSERT_EQ(t[2], 2);
	cd_store_close(s);
}

static int count_vnic_events(void *ctx, const struct cd_event *e)
{
	int *n = ctx;
	n[0] += !strcmp(e->type, "vnic-not-enforced");
	n[1] += !strcmp(e->type, "vnic-enforced");
	return 0;
}

/* An agent's word on what it cannot enforce: what is malformed is left
 * out, names and reasons are bounded, and an event marks each vNIC that
 * appears or goes (not a repeated heartbeat). */
TEST(mgr_unenforced_vnics_from_a_hostile_status)
{
	char big[700];
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	json_t *st = json_pack("{s:[s, s, s, s, s, i, s, s]}", "unenforced", "vnet3: a macvtap device",
			       "no separator", ": no name", "averyveryverylongname: x", "", 7, "vnet4: x",
			       "vnet6: a line\n2026-12-06T00:00:00Z cordond: forged");
	json_array_append_new(json_object_get(st, "unenforced"), json_sprintf("vnet5: %s", big));
	json_t *u = cd_mgr_unenforced_parse(st);
	ASSERT_EQ(json_object_size(u), 2);
	ASSERT_STR_EQ(json_string_value(json_object_get(u, "vnet3")), "a macvtap device");
	ASSERT_STR_EQ(json_string_value(json_object_get(u, "vnet4")), "x");
	json_decref(u);
	json_decref(st);
	u = cd_mgr_unenforced_parse(NULL);     /* no status: nothing */
	ASSERT_EQ(json_object_size(u), 0);
	json_decref(u);
	json_t *many = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(many, json_sprintf("v%d: r", i));
	st = json_pack("{s:o}", "unenforced", many);
	u = cd_mgr_unenforced_parse(st);
	ASSERT_EQ(json_object_size(u), 4096);
	json_decref(u);
	json_decref(st);

	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	struct cd_mgr *m;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&m, s, NULL, &err), 0);
	struct cd_actor self = { .name = "test", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	size_t nw;
	const char *inv = "workloads:\n"
			  "  - {name: w3, host: hv1, vnics: [{ifname: vnet3, ips: [10.0.0.3]}]}\n";
	ASSERT_EQ(cd_mgr_push_inventory(m, "lab", "i", inv, strlen(inv), &self, &d, &nw), 0);
	cd_diags_free(&d);
	/* a vNIC no workload of the host has, or a workload's agent: not heard */
	struct cd_actor wa = { .name = "workload:w3", .workload = "w3", .origin = "local" };
	st = json_pack("{s:[s]}", "unenforced", "vnet3: a macvtap device");
	ASSERT_EQ(cd_mgr_heartbeat(m, &wa, 0, 0, st), 0);
	json_decref(st);
	ASSERT(!cd_mgr_vnic_unenforced(m, "hv1", "vnet3"));
	struct cd_actor a = { .name = "host:hv1", .host = "hv1", .origin = "local" };
	st = json_pack("{s:[s, s, s]}", "unenforced", "vnet3: a macvtap device", "vnet9: x",
		       "vnet3\033[2J: escape");
	ASSERT_EQ(cd_mgr_heartbeat(m, &a, 0, 0, st), 0);
	ASSERT_EQ(cd_mgr_heartbeat(m, &a, 0, 0, st), 0);     /* the same again: no event */
	json_decref(st);
	ASSERT_STR_EQ(cd_mgr_vnic_unenforced(m, "HV1", "vnet3"), "a macvtap device");
	ASSERT(!cd_mgr_vnic_unenforced(m, "hv1", "vnet4"));
	ASSERT(!cd_mgr_vnic_unenforced(m, "hv2", "vnet3"));
	st = json_pack("{s:[]}", "unenforced");
	ASSERT_EQ(cd_mgr_heartbeat(m, &a, 0, 0, st), 0);
	json_decref(st);
	ASSERT(!cd_mgr_vnic_unenforced(m, "hv1", "vnet3"));
	struct cd_event_filter f = { .host = "hv1" };
	int n[2] = { 0, 0 };
	ASSERT_EQ(cd_mgr_events(m, &f, count_vnic_events, n), 0);
	ASSERT_EQ(n[0], 1);
	ASSERT_EQ(n[1], 1);
	cd_mgr_close(m);
	cd_store_close(s);
	cd_buf_free(&err);
}
