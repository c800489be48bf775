/* fuzz_api.c - the manager's request handlers (cd_api_handle) on
 * arbitrary requests: any method, path, query, token and body, against a
 * manager with a store in memory, a policy and an inventory.
 *
 * Input: "METHOD PATH[?QUERY]\n" then the token line ("-" for none, "A"
 * for the admin token, "V" viewer, "G" an agent's), then the body.  The
 * handler must answer every request with a status and a JSON body, never
 * crash, leak or hang; 5xx is a finding (the store never fails here).
 * With CD_FUZZ_PG (tests/fuzz/run sets it for a second run), the store
 * and the metrics are on that PostgreSQL server instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/api.h"
#include "metrics/mstore.h"
#include "base/token.h"

static struct cd_mgr *m;
static char *admin, *viewer, *agent;
static char metrics_dir[] = "/tmp/cordon-fuzz-api-XXXXXX";

static void remove_metrics(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", metrics_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", metrics_dir);
}

static void setup(void)
{
	struct cd_store *s;
	const char *pg = getenv("CD_FUZZ_PG");
	if (cd_store_open(pg ? pg : ":memory:", &s) < 0)
		abort();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	/* a metrics store of its own, for the metrics routes */
	struct cd_mstore *ms;
	struct cd_mstore_opts mo = { .shared = pg };
	char merr[256];
	if (!mkdtemp(metrics_dir) || cd_mstore_open(metrics_dir, &mo, &ms, merr, sizeof(merr)) < 0)
		abort();
	atexit(remove_metrics);
	struct cd_mgr_options o = { .metrics = ms };
	if (cd_mgr_open(&m, s, &o, &err) < 0)
		abort();
	cd_buf_free(&err);
	struct cd_actor self = { .name = "fuzz", .origin = "local" };
	char *enroll;
	cd_mgr_token_create(m, "admin", "admin", NULL, NULL, &self, &admin);
	cd_mgr_token_create(m, "viewer", "viewer", NULL, NULL, &self, &viewer);
	cd_mgr_token_create(m, "enroll", "e", "hv1", NULL, &self, &enroll);
	struct cd_token t = { 0 };
	cd_mgr_enroll(m, enroll, "local", &agent, &t);
	cd_token_free(&t);
	free(enroll);
	static const char pol[] =
		"groups:\n  - {name: q, match: 'tag == \"bad\"'}\n  - {name: web, match: 'tag =~ \"web*\"'}\n"
		"rules:\n  - {id: 1, category: emergency, source: [\"group:q\"], action: drop}\n"
		"  - {id: 2, source: [\"group:web\"], destination: [any], service: [tcp/443], action: allow}\n";
	static const char inv[] =
		"workloads:\n  - {name: w1, host: hv1, tags: [web], vnics: [{ifname: tap1, ips: [10.0.0.1]}]}\n"
		"  - {name: w2, host: hv2, tags: [bad], vnics: [{ifname: tap2, ips: [10.0.0.2, \"fd00::2\"]}]}\n";
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	size_t n;
	if (cd_mgr_push_policy(m, "p", pol, strlen(pol), &self, &d, &rev) < 0 ||
	    cd_mgr_push_inventory(m, "lab", "i", inv, strlen(inv), &self, &d, &n) < 0)
		abort();
	cd_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m)
		setup();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	char *line = text, *nl = memchr(text, '\n', size);
	if (!nl) {
		free(text);
		return 0;
	}
	*nl = 0;
	char *tokl = nl + 1, *nl2 = memchr(tokl, '\n', size - (size_t)(tokl - text));
	const char *body = NULL;
	size_t blen = 0;
	if (nl2) {
		*nl2 = 0;
		body = nl2 + 1;
		blen = size - (size_t)(body - text);
	}
	char *sp = strchr(line, ' ');
	if (!sp) {
		free(text);
		return 0;
	}
	*sp = 0;
	char *path = sp + 1, *qs = strchr(path, '?');
	json_t *query = json_object();
	if (qs) {
		*qs++ = 0;
		for (char *kv = strtok(qs, "&"); kv; kv = strtok(NULL, "&")) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = 0;
			json_object_set_new(query, kv, json_string(eq ? eq : ""));
		}
	}
	char auth[256];
	const char *tok = !strcmp(tokl, "A") ? admin : !strcmp(tokl, "V") ? viewer
			: !strcmp(tokl, "G") ? agent : NULL;
	if (tok)
		snprintf(auth, sizeof(auth), "Bearer %s", tok);
	else
		snprintf(auth, sizeof(auth), "%.200s", tokl);
	struct cd_api_req r = {
		.method = line, .path = path, .query = query, .auth = strcmp(tokl, "-") ? auth : NULL,
		.origin = "fuzz", .body = body, .body_len = blen,
	};
	struct cd_api_resp out;
	cd_api_handle(m, &r, &out);
	if (out.wait)
		cd_api_changes(m, out.since, &out);
	/* a stream admitted has no body: the server sends the stream */
	if (out.status < 200 || out.status >= 500 || (!out.body && !out.blob && !out.stream))
		abort();
	cd_api_resp_free(&out);
	json_decref(query);
	free(text);
	return 0;
}
