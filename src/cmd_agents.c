/* cmd_agents.c - the agents and the event log. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "online.h"
#include "agent/http.h"
#include "policy/report.h"
#include "base/token.h"
#include "base/util.h"

/* ---- agents and events ---- */

const char help_agents[] =
	"usage: cordon [ONLINE OPTIONS] agents [--json]\n"
	"\n"
	"Each agent: its host (or workload), whether it is connected (heard from\n"
	"within three heartbeats), its last heartbeat, and what it has realized:\n"
	"the policy revision and change number it applied, and whether that is\n"
	"the manager's current state.  Under a host's line, each vNIC it cannot\n"
	"filter (macvtap, an Open vSwitch port, a bridge without br_netfilter):\n"
	"its policy and its quarantine are NOT enforced, and the reason.\n";

int cmd_agents(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = online_get_list("agents", argc, argv, "/api/v1/agents", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-24s %-9s %-24s %-8s %-8s %s\n", "AGENT", "CONNECTED", "LAST HEARTBEAT",
		       "REVISION", "CHANGE", "REALIZED");
		size_t i;
		json_t *a;
		json_array_foreach(out, i, a) {
			printf("%-24s %-9s %-24s %-8lld %-8lld %s\n", online_str(a, "name"),
			       json_is_true(json_object_get(a, "connected")) ? "yes" : "no",
			       online_str(a, "last_heartbeat"),
			       (long long)json_integer_value(json_object_get(a, "applied_revision")),
			       (long long)json_integer_value(json_object_get(a, "applied_seq")),
			       json_is_true(json_object_get(a, "current")) ? "current" : "behind");
			size_t j;
			json_t *v;
			json_array_foreach(json_object_get(a, "not_enforced"), j, v) {
				const char *wl = json_string_value(json_object_get(v, "workload"));
				printf("  NOT ENFORCED: vNIC %s%s%s%s: %s\n", online_str(v, "vnic"),
				       wl ? " (" : "", wl ? wl : "", wl ? ")" : "", online_str(v, "reason"));
			}
			/* its clock stepped back: collections skipped until it
			 * passes the last one kept again */
			json_t *ms = json_object_get(json_object_get(a, "status"), "metrics");
			if (json_integer_value(json_object_get(ms, "clock_back")) > 0)
				printf("  CLOCK STEPPED BACK %lld times (by up to %.1f s): %lld metrics "
				       "collections skipped\n",
				       (long long)json_integer_value(json_object_get(ms, "clock_back")),
				       json_number_value(json_object_get(ms, "clock_back_seconds")),
				       (long long)json_integer_value(json_object_get(ms, "skipped")));
		}
	}
	json_decref(out);
	return EXIT_OK;
}

const char help_events[] =
	"usage: cordon [ONLINE OPTIONS] events [--json] [--since TIME] [--until TIME]\n"
	"                                      [--workload W] [--host H] [--type T]\n"
	"                                      [--search TEXT] [--limit N]\n"
	"\n"
	"The event log, oldest first (the newest 1000 unless --limit N; the\n"
	"manager is asked a page of 1000 at a time); with --search, the events\n"
	"whose message or data hold every word of TEXT (a word ending in * as a\n"
	"prefix), newest first: tag\n"
	"changes, policy and inventory changes, agents enrolled, up and down,\n"
	"detections and quarantine.  Every change made through the API is an\n"
	"audit record with who (actor) and from where (origin); --type audit\n"
	"lists exactly those.  TIME is RFC 3339 (2026-11-26T12:00:00Z).\n";

int cmd_events(int argc, char **argv)
{
	const char *json = NULL, *since = NULL, *until = NULL, *wl = NULL, *host = NULL, *type = NULL,
		   *search = NULL, *limit = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json }, { "since", 0, true, &since },
			       { "until", 0, true, &until }, { "workload", 0, true, &wl },
			       { "host", 0, true, &host }, { "type", 0, true, &type },
			       { "search", 0, true, &search }, { "limit", 0, true, &limit } };
	int r = cli_parse("events", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r != EXIT_OK)
		return r;
	long long want = 1000;
	if (limit) {
		char *end;
		want = strtoll(limit, &end, 10);
		if (!*limit || *end || want < 1) {
			fprintf(stderr, "cordon events: --limit must be a whole number above 0\n");
			return EXIT_BADINPUT;
		}
	}
	/* the manager answers a page of at most 1000 at a time, oldest first
	 * (a search's newest first): the next page is before= the page's
	 * lowest id */
	json_t *out = json_array();
	long long before = 0;
	while ((long long)json_array_size(out) < want) {
		long long n = want - (long long)json_array_size(out);
		if (n > 1000)
			n = 1000;
		struct cd_buf p;
		cd_buf_init(&p, 4096);
		cd_buf_printf(&p, "/api/v1/events?limit=%lld", n);
		if (before)
			cd_buf_printf(&p, "&before=%lld", before);
		const char *keys[] = { "since", "until", "workload", "host", "type", "q" };
		const char *vals[] = { since, until, wl, host, type, search };
		for (int i = 0; i < 6; i++)
			if (vals[i]) {
				char *e = cd_http_escape(vals[i]);
				cd_buf_printf(&p, "&%s=%s", keys[i], e);
				free(e);
			}
		json_t *page;
		r = online_call("events", "GET", p.data, NULL, &page);
		cd_buf_free(&p);
		if (r != EXIT_OK) {
			json_decref(out);
			return r;
		}
		size_t got = json_array_size(page);
		if (search) {
			json_array_extend(out, page);
			json_decref(page);
		} else {
			json_array_extend(page, out);
			json_decref(out);
			out = page;
		}
		if ((long long)got < n)
			break;
		before = json_integer_value(json_object_get(json_array_get(out, search ? json_array_size(out) - 1 : 0),
							    "id"));
	}
	if (json) {
		online_print_json(out);
	} else {
		size_t i;
		json_t *e;
		json_array_foreach(out, i, e) {
			printf("%s  %-19s %-16s %s", online_str(e, "time"), online_str(e, "type"),
			       online_str(e, "workload"), online_str(e, "message"));
			if (json_string_value(json_object_get(e, "actor")))
				printf("  [by %s from %s]", online_str(e, "actor"), online_str(e, "origin"));
			putchar('\n');
		}
	}
	json_decref(out);
	return EXIT_OK;
}

