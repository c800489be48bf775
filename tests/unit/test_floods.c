/* test_floods.c - what a flood cannot do to the event log: alert events
 * past their own rate are left out (the alerts are kept), and the size
 * retention takes what people did (the audit) last. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "manager/mgr.h"
#include "manager/store.h"
#include "test.h"

#define QTAG "ANTI_VIRUS.VirusFound.threat=high"

static int count_type(void *ctx, const struct cd_event *e)
{
	int *n = ctx;
	n[0]++;
	n[1] += e->actor != NULL;
	return 0;
}

static int64_t fixed_clock(void *ctx)
{
	(void)ctx;
	return 1000000000000000LL;    /* the rates' clock stands still */
}

static int count_alert(void *ctx, const struct cd_alert_rec *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

/* A manager on a store in memory, its rates' clock standing still. */
static void open_standing(struct cd_store **s, struct cd_mgr **m)
{
	ASSERT_EQ(cd_store_open(":memory:", s), 0);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_mgr_options o = { .rate_clock = fixed_clock };
	ASSERT_EQ(cd_mgr_open(m, *s, &o, &err), 0);
	cd_buf_free(&err);
}

/* 700 quarantined VMs at once: 700 alerts, at most the burst of their
 * events in the log */
TEST(floods_alert_events_have_a_rate_of_their_own)
{
	struct cd_store *s;
	struct cd_mgr *m;
	open_standing(&s, &m);
	struct cd_actor self = { .name = "test", .origin = "local" };
	const char pol[] = "antimalware: {release: operator}\n"
			   "groups:\n  - {name: q, match: 'tag == \"" QTAG "\"'}\n"
			   "rules:\n  - {id: 1, category: emergency, source: [\"group:q\"], action: drop}\n";
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	ASSERT_EQ(cd_mgr_push_policy(m, "p", pol, strlen(pol), &self, &d, &rev), 0);
	struct cd_buf inv;
	cd_buf_init(&inv, SIZE_MAX);
	cd_buf_puts(&inv, "workloads:\n");
	for (int i = 0; i < 700; i++)
		cd_buf_printf(&inv, "  - {name: vm%03d, host: hv1, tags: ['%s'], vnics: [{ifname: t%03d}]}\n",
			      i, QTAG, i);
	size_t n;
	ASSERT_EQ(cd_mgr_push_inventory(m, "lab", "i", inv.data, inv.len, &self, &d, &n), 0);
	cd_buf_free(&inv);
	cd_diags_free(&d);
	cd_mgr_alerts_tick(m);
	int alerts = 0, ev[2] = { 0 };
	struct cd_alert_filter af = { .state = "active" };
	ASSERT_EQ(cd_store_alert_each(s, &af, count_alert, &alerts), 0);
	struct cd_event_filter ef = { .type = "alert" };
	ASSERT_EQ(cd_store_event_each(s, &ef, count_type, ev), 0);
	ASSERT_EQ(alerts, 700);
	ASSERT_EQ(ev[0], 600);       /* the burst (the clock stands still) */
	cd_mgr_close(m);
	cd_store_close(s);
}

/* A log over its size: the oldest events go, those with an actor last */
TEST(floods_the_audit_is_evicted_last)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	ASSERT_EQ(cd_store_begin(s), 0);
	struct cd_event e = { .type = "audit", .actor = "alice", .message = "user bob removed" };
	for (int i = 0; i < 50; i++) {
		e.time = e.received = 1000 + i;
		ASSERT_EQ(cd_store_event_add(s, &e), 0);
	}
	e.type = "alert";
	e.actor = NULL;
	int n = test_volume(5000);
	for (int i = 0; i < n; i++) {
		e.time = e.received = 2000 + i;
		e.message = "alert raised: datastore-capacity on datastore lab/made-up";
		ASSERT_EQ(cd_store_event_add(s, &e), 0);
	}
	ASSERT_EQ(cd_store_commit(s), 0);
	int64_t removed, bytes = cd_store_event_bytes(s);
	ASSERT_EQ(cd_store_event_prune(s, 0, bytes / 4, &removed), 0);
	ASSERT(removed > n * 6 / 10);
	int ev[2] = { 0 };
	struct cd_event_filter ef = { .type = "audit" };
	ASSERT_EQ(cd_store_event_each(s, &ef, count_type, ev), 0);
	ASSERT_EQ(ev[1], 50);        /* every audit record kept */
	/* with nothing else left, the audit goes too, oldest first */
	ASSERT_EQ(cd_store_event_prune(s, 0, 64, &removed), 0);
	memset(ev, 0, sizeof(ev));
	ASSERT_EQ(cd_store_event_each(s, &ef, count_type, ev), 0);
	ASSERT(ev[1] < 50);
	cd_store_close(s);
}

/* Wrong passwords from many addresses use up the sign-ins' rate in all;
 * an address a user signed in from before is not held by it (no one
 * locks everyone out), a new one still is. */
TEST(floods_signins_no_one_locks_everyone_out)
{
	struct cd_store *s;
	struct cd_mgr *m;
	open_standing(&s, &m);
	struct cd_actor self = { .name = "test", .origin = "local" };
	ASSERT_EQ(cd_mgr_user_add(m, "alice", "admin", "alice-password-1", &self), 0);
	struct cd_mgr_session ss;
	ASSERT_EQ(cd_mgr_signin(m, "alice", "alice-password-1", "10.0.0.10", &ss), 0);
	cd_mgr_session_free(&ss);
	/* 8 addresses, 5 tries each (their bursts): 19 more fit the rate in all */
	int held = 0;
	for (int a = 2; a < 10; a++) {
		char origin[32];
		snprintf(origin, sizeof(origin), "10.0.0.%d", a);
		for (int k = 0; k < 5; k++)
			held += cd_mgr_signin_admit(m, origin) > 0;
	}
	ASSERT_EQ(held, 40 - 19);
	ASSERT_EQ(cd_mgr_signin_admit(m, "10.0.0.10"), 0);     /* hers */
	ASSERT(cd_mgr_signin_admit(m, "10.0.0.11") > 0);       /* no one's yet */
	cd_mgr_close(m);
	cd_store_close(s);
}
