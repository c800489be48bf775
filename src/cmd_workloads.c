/* cmd_workloads.c - workloads, their tags, scans and quarantine release,
 * against a manager. */
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

/* ---- workloads ---- */

const char help_workloads[] =
	"usage: cordon [ONLINE OPTIONS] workloads [--json]\n"
	"\n"
	"Every workload the manager knows: host, source, addresses, tags (the\n"
	"source's with those set through cordon), groups and quarantine state.\n"
	"--json prints an array of objects with name, id, host, source, tags,\n"
	"ips, groups, quarantined and vnics.\n";

int cmd_workloads(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = online_get_list("workloads", argc, argv, "/api/v1/workloads", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-20s %-10s %-10s %-28s %-4s %s\n", "NAME", "HOST", "SOURCE", "ADDRESSES",
		       "QUAR", "TAGS / GROUPS");
		size_t i;
		json_t *w;
		json_array_foreach(out, i, w) {
			char *ips = online_list_str(json_object_get(w, "ips")), *tags = online_list_str(json_object_get(w, "tags")),
			     *groups = online_list_str(json_object_get(w, "groups"));
			printf("%-20s %-10s %-10s %-28s %-4s %s / %s\n", online_str(w, "name"), online_str(w, "host"),
			       online_str(w, "source"), ips, json_is_true(json_object_get(w, "quarantined")) ? "yes" : "no",
			       tags[0] ? tags : "-", groups[0] ? groups : "-");
			free(ips);
			free(tags);
			free(groups);
		}
	}
	json_decref(out);
	return EXIT_OK;
}

/* ---- tags ---- */

const char help_tag[] =
	"usage: cordon [ONLINE OPTIONS] tag add WORKLOAD TAG [--json]\n"
	"       cordon [ONLINE OPTIONS] tag rm WORKLOAD TAG [--json]\n"
	"\n"
	"Adds or removes one tag of a workload.  Its groups change at once and\n"
	"the agents enforce the change (established connections the new policy\n"
	"forbids are cut).  Tags set here are kept over the inventory source's:\n"
	"'tag rm' also hides a tag the source gives.  Needs an admin or operator\n"
	"token.\n"
	"\n"
	"example:\n"
	"  cordon tag add vdi-001 ANTI_VIRUS.VirusFound.threat=high\n";

int cmd_tag(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *json = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json } };
	int r = cli_parse("tag", argc, argv, o, 1, 3, 3, pos);
	if (r != EXIT_OK)
		return r;
	bool add = !strcmp(pos[0], "add");
	if (!add && strcmp(pos[0], "rm") && strcmp(pos[0], "remove"))
		return usage_error("tag", "unknown subcommand '%s' (add, rm)", pos[0]);
	char *w = cd_http_escape(pos[1]), *path;
	json_t *body = NULL, *out;
	if (add) {
		path = cd_asprintf("/api/v1/workloads/%s/tags", w);
		body = json_pack("{s:s}", "tag", pos[2]);
	} else {
		char *t = cd_http_escape(pos[2]);
		path = cd_asprintf("/api/v1/workloads/%s/tags?tag=%s", w, t);
		free(t);
	}
	r = online_call("tag", add ? "POST" : "DELETE", path, body, &out);
	free(w);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			online_print_json(out);
		else if (!json_is_true(json_object_get(out, "changed")))
			printf("%s %s tag %s already\n", pos[1], add ? "has" : "does not have", pos[2]);
	}
	json_decref(out);
	return r;
}

/* ---- scans ---- */

const char help_scan[] =
	"usage: cordon [ONLINE OPTIONS] scan WORKLOAD [--full | --quick] [--wait] [--json]\n"
	"\n"
	"Asks the scanning agent of WORKLOAD for an on-demand scan of its watched\n"
	"paths: --full (the default) every file, --quick the files changed since\n"
	"the last full scan.  Prints the request's number; with --wait, follows\n"
	"it: files and bytes done of the total, the rate and the time left, then\n"
	"what it found.  A clean full scan releases a quarantined workload when\n"
	"the policy says remove_tag_on_clean_full_scan.  Needs an admin or\n"
	"operator token.\n";

static void print_progress(json_t *p, bool final)
{
	double done = (double)json_integer_value(json_object_get(p, "bytes_done"));
	double total = (double)json_integer_value(json_object_get(p, "bytes_total"));
	double secs = json_number_value(json_object_get(p, "seconds"));
	double rate = secs > 0 ? done / secs : 0;
	printf("%s%lld/%lld files, %.1f/%.1f MiB, %.1f MiB/s, %s %.0f s%s, %lld infected",
	       final ? "" : "\r", (long long)json_integer_value(json_object_get(p, "files_done")),
	       (long long)json_integer_value(json_object_get(p, "files_total")), done / 1048576,
	       total / 1048576, rate / 1048576, final ? "took" : "left",
	       final ? secs : rate > 0 ? (total - done) / rate : 0, final ? "" : " ",
	       (long long)json_integer_value(json_object_get(p, "infected")));
	fputs(final ? "\n" : "   ", stdout);
	fflush(stdout);
}

int cmd_scan(int argc, char **argv)
{
	const char *wl = NULL, *full = NULL, *quick = NULL, *wait = NULL, *json = NULL;
	const struct cli_opt o[] = { { "full", 0, false, &full }, { "quick", 0, false, &quick },
			       { "wait", 0, false, &wait }, { "json", 0, false, &json } };
	int r = cli_parse("scan", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, &wl);
	if (r != EXIT_OK)
		return r;
	if (full && quick)
		return usage_error("scan", "give --full or --quick, not both");
	char *w = cd_http_escape(wl), *path = cd_asprintf("/api/v1/workloads/%s/scan", w);
	json_t *out;
	r = online_call("scan", "POST", path, json_pack("{s:s}", "kind", quick ? "quick" : "full"), &out);
	free(w);
	free(path);
	if (r != EXIT_OK)
		return r;
	long long id = json_integer_value(json_object_get(out, "id"));
	if (!wait) {
		if (json)
			online_print_json(out);
		else
			printf("scan %lld of %s requested\n", id, wl);
		json_decref(out);
		return EXIT_OK;
	}
	json_decref(out);
	char sp[64];
	snprintf(sp, sizeof(sp), "/api/v1/scans/%lld", id);
	for (;;) {
		if ((r = online_call("scan", "GET", sp, NULL, &out)) != EXIT_OK)
			return r;
		const char *state = online_str(out, "state");
		json_t *p = json_object_get(out, "progress");
		bool done = !strcmp(state, "finished") || !strcmp(state, "failed");
		if (done) {
			if (json) {
				online_print_json(out);
			} else {
				if (json_is_object(p))
					print_progress(p, true);
				printf("scan %lld of %s %s\n", id, wl, state);
			}
			json_decref(out);
			return EXIT_OK;
		}
		if (!json && json_is_object(p))
			print_progress(p, false);
		else if (!json)
			printf("\rscan %lld of %s: %s   ", id, wl, state), fflush(stdout);
		json_decref(out);
		usleep(500000);
	}
}

/* ---- quarantine and sources ---- */

const char help_quarantine[] =
	"usage: cordon [ONLINE OPTIONS] quarantine release WORKLOAD [--json]\n"
	"\n"
	"Removes the policy's quarantine tag (antimalware.quarantine_tag) from a\n"
	"workload by hand: it leaves the quarantine group and its traffic follows\n"
	"the other rules again.  Audited as a quarantine-released event.  Needs an\n"
	"admin or operator token.\n";

int cmd_quarantine(int argc, char **argv)
{
	const char *pos[2] = { NULL }, *json = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json } };
	int r = cli_parse("quarantine", argc, argv, o, 1, 2, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "release"))
		return usage_error("quarantine", "unknown subcommand '%s' (release)", pos[0]);
	char *w = cd_http_escape(pos[1]), *path = cd_asprintf("/api/v1/workloads/%s/release", w);
	json_t *out;
	r = online_call("quarantine", "POST", path, NULL, &out);
	free(w);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			online_print_json(out);
		else if (json_is_true(json_object_get(out, "changed")))
			printf("%s released from quarantine\n", pos[1]);
		else
			printf("%s is not quarantined\n", pos[1]);
	}
	json_decref(out);
	return r;
}

