/* fuzz_agent.c - the agent protocol as a hostile agent speaks it: the
 * bodies of POST /api/v1/agent/events and /api/v1/agent/heartbeat, sent
 * with a real agent credential (a workload's scanning agent, or a host's
 * enforcing agent), to a manager with a store in memory, a policy with a
 * quarantine, an inventory, and scan requests of two workloads.
 *
 * Input: one byte (bit 0: heartbeat or events; bit 1: the host's agent or
 * w1's), then the body.  Every answer is a 2xx or 4xx with a JSON body;
 * never a crash, leak, hang or 5xx; and w2's quarantine, which only an
 * operator or w2's own scans may lift, is never lifted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/api.h"

#define QTAG "ANTI_VIRUS.VirusFound.threat=high"

static struct cd_mgr *m;
static char *wl_agent, *host_agent;

static char *cred(const char *host, const char *workload)
{
	struct cd_actor self = { .name = "fuzz", .origin = "local" };
	char *e, *c;
	struct cd_token t = { 0 };
	if (cd_mgr_token_create(m, "enroll", "e", host, workload, &self, &e) < 0 ||
	    cd_mgr_enroll(m, e, "local", &c, &t) < 0)
		abort();
	cd_token_free(&t);
	free(e);
	return c;
}

static void setup(void)
{
	struct cd_store *s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	/* no rate: every event goes as far as the handlers (the rate itself
	 * is tested in tests/unit/test_trust.c) */
	struct cd_mgr_options o = { .limits = { .agent_events_per_s = 1e9, .agent_bytes_per_s = 1e12 } };
	if (cd_store_open(":memory:", &s) < 0 || cd_mgr_open(&m, s, &o, &err) < 0)
		abort();
	cd_buf_free(&err);
	static const char pol[] =
		"groups:\n  - {name: q, match: 'tag == \"" QTAG "\"'}\n"
		"rules:\n  - {id: 1, category: emergency, source: [\"group:q\"], action: drop}\n";
	static const char inv[] =
		"workloads:\n  - {name: w1, host: hv1, vnics: [{ifname: tap1, ips: [10.0.0.1]}]}\n"
		"  - {name: w2, host: hv1, tags: [web], vnics: [{ifname: tap2, ips: [10.0.0.2]}]}\n";
	struct cd_actor self = { .name = "fuzz", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev, id;
	size_t n;
	if (cd_mgr_push_policy(m, "p", pol, strlen(pol), &self, &d, &rev) < 0 ||
	    cd_mgr_push_inventory(m, "lab", "i", inv, strlen(inv), &self, &d, &n) < 0 ||
	    cd_mgr_tag(m, "w2", QTAG, true, &self) != 1 ||
	    cd_mgr_scan(m, "w1", "full", &self, &id) < 0 || cd_mgr_scan(m, "w2", "full", &self, &id) < 0)
		abort();
	cd_diags_free(&d);
	wl_agent = cred(NULL, "w1");
	host_agent = cred("hv1", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m)
		setup();
	if (size < 1)
		return 0;
	char auth[256];
	snprintf(auth, sizeof(auth), "Bearer %s", data[0] & 2 ? host_agent : wl_agent);
	json_t *query = json_object();
	struct cd_api_req r = {
		.method = "POST", .path = data[0] & 1 ? "/api/v1/agent/heartbeat" : "/api/v1/agent/events",
		.query = query, .auth = auth, .origin = "fuzz",
		.body = (const char *)data + 1, .body_len = size - 1,
	};
	struct cd_api_resp out;
	cd_api_handle(m, &r, &out);
	if (out.status < 200 || out.status >= 500 || (!out.body && !out.blob))
		abort();
	const struct cd_state *st = cd_mgr_state(m);
	long w2 = cd_inventory_find(&st->inv, "w2");
	if (w2 < 0 || !cd_workload_has_tag(&st->inv.w[w2], QTAG))
		abort();           /* another workload's agent lifted w2's quarantine */
	cd_api_resp_free(&out);
	json_decref(query);
	return 0;
}
