/* cmd_alerts.c - cordon alerts: alerts listed, shown (symptoms, values,
 * recommendations, drill-down), acknowledged, their actions run; the
 * alert definitions pushed, shown, and their revisions. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http.h"
#include "base/util.h"
#include "cmd.h"
#include "mfmt.h"
#include "online.h"

const char help_alerts[] =
	"usage: cordon [ONLINE OPTIONS] alerts [list] [--state active|cancelled] [--severity S]\n"
	"                                      [--kind K] [--name OBJECT] [--json] [--tz ZONE]\n"
	"       cordon [ONLINE OPTIONS] alerts show ID [--json] [--tz ZONE]\n"
	"       cordon [ONLINE OPTIONS] alerts ack ID\n"
	"       cordon [ONLINE OPTIONS] alerts run ID N\n"
	"       cordon [ONLINE OPTIONS] alerts push -f ALERTS.yaml\n"
	"       cordon [ONLINE OPTIONS] alerts definitions [--json]\n"
	"       cordon [ONLINE OPTIONS] alerts history | diff FROM [TO] | rollback N\n"
	"\n"
	"Alerts are raised by alert definitions: symptoms of an object (a VM,\n"
	"host, datastore or source) that hold for some collection cycles.  list\n"
	"prints the alerts, newest first (active and past; --state chooses),\n"
	"show one with the symptoms that hold and the values that made them,\n"
	"its related objects, what to look at next and the recommendations; ack\n"
	"acknowledges it (operator); run ID N runs the action of its\n"
	"recommendation N (scan, release, tag).  push stores a document of\n"
	"definitions as a new revision (admin; every error located, nothing\n"
	"applied on error): it adds to the built-in definitions, replaces one of\n"
	"the same name, or turns one off (enabled: false).  definitions prints\n"
	"them all; history, diff and rollback work on their revisions as on\n"
	"the policy's.  Times are printed in UTC, or --tz ZONE.\n";

static void when(const json_t *o, const char *key, char buf[MFMT_TIME_LEN])
{
	int64_t ms;
	const char *s = json_string_value(json_object_get(o, key));
	if (s && mfmt_when(s, &ms) == 0)
		mfmt_time(ms, buf);
	else
		snprintf(buf, MFMT_TIME_LEN, "-");
}

static void print_list(json_t *a)
{
	printf("%-6s %-9s %-9s %-24s %-32s %s\n", "ID", "SEVERITY", "STATE", "DEFINITION", "OBJECT",
	       "RAISED");
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o) {
		char t[MFMT_TIME_LEN], obj[160];
		when(o, "raised", t);
		snprintf(obj, sizeof(obj), "%s/%s", online_str(o, "kind"), online_str(o, "object"));
		printf("%-6lld %-9s %-9s %-24s %-32s %s%s\n", (long long)json_integer_value(json_object_get(o, "id")),
		       online_str(o, "severity"), online_str(o, "state"), online_str(o, "definition"), obj, t,
		       json_string_value(json_object_get(o, "acked_by")) ? "  (acknowledged)" : "");
	}
}

/* A word of a command line, quoted for a POSIX shell when it holds
 * anything but letters, digits and ._/:=,@+- (an object's name is the
 * inventory's: it may hold anything). */
static void put_word(const char *w)
{
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/:=,@+-") ==
			  strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*w);
	putchar('\'');
}

/* The alert's drill-down as the commands that show it: a metrics query
 * (the object's metric, or each related VM's, over the alert's own
 * window: --begin and --end, so that it shows the same read later) or
 * the event log of its object.  --json prints it as the API has it. */
static void print_drilldown(json_t *dd)
{
	static const struct { const char *key, *opt; } ev[] = {
		{ "workload=", "--workload" }, { "host=", "--host" }, { "q=", "--search" },
	};
	const char *path = json_string_value(json_object_get(dd, "events"));
	const char *p = path ? strchr(path, '?') : NULL;
	for (size_t i = 0; p && i < sizeof ev / sizeof ev[0]; i++)
		if (!strncmp(p + 1, ev[i].key, strlen(ev[i].key))) {
			const char *v = p + 1 + strlen(ev[i].key);
			char *d = curl_easy_unescape(NULL, v, (int)strcspn(v, "&"), NULL);
			printf("look next: cordon events %s ", ev[i].opt);
			put_word(d ? d : "");
			putchar('\n');
			curl_free(d);
			return;
		}
	json_t *q = json_object_get(dd, "query");
	const char *m = json_string_value(json_array_get(json_object_get(q, "metrics"), 0));
	if (!m)
		return;
	char b[CD_TIME_STRLEN], e[CD_TIME_STRLEN];
	cd_time_fmt(json_integer_value(json_object_get(q, "begin")) * 1000, b);
	cd_time_fmt(json_integer_value(json_object_get(q, "end")) * 1000, e);
	const char *rollup = json_string_value(json_object_get(q, "rollup"));
	size_t i;
	json_t *obj;
	json_array_foreach(json_object_get(q, "objects"), i, obj) {
		printf("%s cordon metrics query ", i ? "          " : "look next:");
		put_word(online_str(obj, "kind"));
		putchar('/');
		put_word(online_str(obj, "name"));
		putchar(' ');
		put_word(m);
		printf(" --begin %s --end %s --step %llds", b, e,
		       (long long)json_integer_value(json_object_get(q, "step_seconds")));
		if (rollup) {
			fputs(" --rollup ", stdout);
			put_word(rollup);
		}
		putchar('\n');
	}
}

static void print_alert(json_t *o)
{
	char t[MFMT_TIME_LEN];
	printf("alert %lld: %s on %s %s, %s, %s\n", (long long)json_integer_value(json_object_get(o, "id")),
	       online_str(o, "definition"), online_str(o, "kind"), online_str(o, "object"),
	       online_str(o, "severity"), online_str(o, "state"));
	if (json_string_value(json_object_get(o, "description")))
		printf("  %s\n", online_str(o, "description"));
	static const char *const times[] = { "raised", "updated", "cancelled", "acked_at" };
	for (int i = 0; i < 4; i++)
		if (json_string_value(json_object_get(o, times[i]))) {
			when(o, times[i], t);
			printf("  %-10s %s%s%s\n", times[i][0] == 'a' ? "acked" : times[i], t,
			       i == 3 ? " by " : "", i == 3 ? online_str(o, "acked_by") : "");
		}
	if (json_string_value(json_object_get(o, "reason")))
		printf("  reason     %s\n", online_str(o, "reason"));
	printf("symptoms:\n");
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(o, "symptoms"), i, s) {
		json_t *v = json_object_get(s, "value");
		printf("  [%s] %s", json_is_true(json_object_get(s, "holds")) ? "holds" : "  -  ",
		       online_str(s, "symptom"));
		if (json_is_number(v))
			printf(": %g", json_number_value(v));
		if (json_object_get(s, "of"))
			printf(" (%lld of %lld)", (long long)json_integer_value(json_object_get(s, "matched")),
			       (long long)json_integer_value(json_object_get(s, "of")));
		if (json_string_value(json_object_get(s, "why")))
			printf(": %s", online_str(s, "why"));
		putchar('\n');
		json_t *band = json_object_get(s, "band");
		if (json_is_object(band))      /* a learned threshold's: the band it was held to */
			printf("      band %g to %g (centre %g, %g sigmas) at %s, hour %lld of the week; "
			       "learned from %.0f days\n", json_number_value(json_object_get(band, "lower")),
			       json_number_value(json_object_get(band, "upper")),
			       json_number_value(json_object_get(band, "centre")),
			       json_number_value(json_object_get(s, "sigmas")), online_str(band, "hour"),
			       (long long)json_integer_value(json_object_get(band, "hour_of_week")),
			       floor(json_number_value(json_object_get(band, "days"))));
		json_t *r;
		size_t k;
		json_array_foreach(json_object_get(s, "related"), k, r)
			printf("      %s: %g\n", online_str(r, "name"), json_number_value(json_object_get(r, "value")));
	}
	json_t *rec;
	if (json_array_size(json_object_get(o, "recommendations")))
		printf("recommendations:\n");
	json_array_foreach(json_object_get(o, "recommendations"), i, rec)
		printf("  %zu. %s%s%s%s\n", i + 1, online_str(rec, "text"),
		       json_string_value(json_object_get(rec, "action")) ? " [action: " : "",
		       json_string_value(json_object_get(rec, "action")) ? online_str(rec, "action") : "",
		       json_string_value(json_object_get(rec, "action")) ? "]" : "");
	print_drilldown(json_object_get(o, "drilldown"));
}

static int id_arg(const char *s, long long *id)
{
	char *end;
	*id = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || *id < 1)
		return usage_error("alerts", "an alert ID is a number, not '%s'", s ? s : "");
	return EXIT_OK;
}

int cmd_alerts(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *file = NULL, *json = NULL, *tz = NULL, *state = NULL,
		   *sev = NULL, *kind = NULL, *name = NULL;
	const struct cli_opt o[] = { { "file", 0, true, &file }, { "json", 0, false, &json },
				     { "tz", 0, true, &tz }, { "state", 0, true, &state },
				     { "severity", 0, true, &sev }, { "kind", 0, true, &kind },
				     { "name", 0, true, &name } };
	for (int a = 1; a < argc; a++)
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
	int r = cli_parse("alerts", argc, argv, o, CD_ARRAY_LEN(o), 0, 3, pos);
	if (r != EXIT_OK || (r = mfmt_zone("alerts", tz)) != EXIT_OK)
		return r;
	const char *sub = pos[0] ? pos[0] : "list";
	json_t *out = NULL;
	char path[256];
	long long id;
	if (!strcmp(sub, "list")) {
		struct cd_buf p;
		cd_buf_init(&p, 4096);
		cd_buf_puts(&p, "/api/v1/alerts?limit=500");
		const char *keys[] = { "state", "severity", "kind", "name" };
		const char *vals[] = { state, sev, kind, name };
		for (int i = 0; i < 4; i++)
			if (vals[i]) {
				char *e = cd_http_escape(vals[i]);
				cd_buf_printf(&p, "&%s=%s", keys[i], e);
				free(e);
			}
		r = online_call("alerts", "GET", p.data, NULL, &out);
		cd_buf_free(&p);
		if (r == EXIT_OK)
			json ? online_print_json(out) : print_list(out);
	} else if (!strcmp(sub, "show") || !strcmp(sub, "ack") || !strcmp(sub, "run")) {
		if ((r = id_arg(pos[1], &id)) != EXIT_OK)
			return r;
		json_t *body = NULL;
		if (!strcmp(sub, "run")) {
			char *end;
			long long n = pos[2] ? strtoll(pos[2], &end, 10) : 0;
			if (!pos[2] || *end || n < 1)
				return usage_error("alerts", "run needs the alert ID and the recommendation N (from 1)");
			body = json_pack("{s:I}", "recommendation", (json_int_t)n);
		}
		snprintf(path, sizeof(path), "/api/v1/alerts/%lld%s", id, !strcmp(sub, "show") ? ""
			 : !strcmp(sub, "ack") ? "/ack" : "/run");
		r = online_call("alerts", !strcmp(sub, "show") ? "GET" : "POST", path, body, &out);
		if (r == EXIT_OK && json)
			online_print_json(out);
		else if (r == EXIT_OK && !strcmp(sub, "run"))
			printf("%s of %s: %s\n", online_str(out, "action"), online_str(out, "workload"),
			       json_is_true(json_object_get(out, "changed")) ? "done" : "nothing to do");
		else if (r == EXIT_OK)
			print_alert(out);
	} else if (!strcmp(sub, "push")) {
		if (!file)
			return usage_error("alerts", "push needs -f FILE");
		json_t *body = online_doc_body("alerts", file, &r);
		if (!body)
			return r;
		if ((r = online_call("alerts", "POST", "/api/v1/alert-definitions", body, &out)) == EXIT_OK) {
			if (json)
				online_print_json(out);
			else
				printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
		}
	} else if (!strcmp(sub, "definitions")) {
		if ((r = online_call("alerts", "GET", "/api/v1/alert-definitions", NULL, &out)) == EXIT_OK) {
			if (json) {
				online_print_json(out);
			} else {
				printf("revision %lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
				size_t i;
				json_t *d;
				json_array_foreach(json_object_get(out, "definitions"), i, d)
					printf("%-28s %-9s %-9s %s%s%s\n", online_str(d, "name"), online_str(d, "object"),
					       online_str(d, "severity"),
					       json_is_true(json_object_get(d, "builtin")) ? "built in" : "pushed",
					       json_is_true(json_object_get(d, "enabled")) ? "" : ", off",
					       "");
			}
		}
	} else if (!strcmp(sub, "history") || !strcmp(sub, "diff") || !strcmp(sub, "rollback")) {
		return cmd_revisions("alerts", "/api/v1/alert-definitions", pos, json != NULL);
	} else {
		return usage_error("alerts", "unknown subcommand '%s' (list, show, ack, run, push, definitions, "
				   "history, diff, rollback)", sub);
	}
	json_decref(out);
	return r;
}
