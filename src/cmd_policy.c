/* cmd_policy.c - inventory push and policy push, show, history, diff,
 * rollback, against a manager. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "agent/http.h"
#include "policy/report.h"
#include "base/token.h"
#include "base/util.h"

/* ---- inventory ---- */

const char help_inventory[] =
	"usage: cordon [ONLINE OPTIONS] inventory push -f INVENTORY.yaml --source NAME [--json]\n"
	"\n"
	"Replaces the workloads of the static source NAME with those of the file\n"
	"(the inventory format of docs/policy.md).  The file is checked first,\n"
	"alone (errors located in it) and then with the other sources and the\n"
	"current policy; nothing changes unless both pass.  Agents take the new\n"
	"inventory at once.\n"
	"\n"
	"example:\n"
	"  cordon --token-file /var/lib/cordon/admin.token --cacert /var/lib/cordon/tls.crt \\\n"
	"      inventory push -f examples/vdi/inventory.yaml --source lab\n";

int cmd_inventory(int argc, char **argv)
{
	const char *sub = NULL, *file = NULL, *source = NULL, *json = NULL;
	const struct cli_opt o[] = { { "file", 0, true, &file }, { "source", 0, true, &source }, { "json", 0, false, &json } };
	for (int a = 1; a < argc; a++)      /* -f as --file */
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
	int r = cli_parse("inventory", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, &sub);
	if (r != EXIT_OK)
		return r;
	if (strcmp(sub, "push"))
		return usage_error("inventory", "unknown subcommand '%s' (push)", sub);
	if (!file || !source)
		return usage_error("inventory", "push needs -f FILE and --source NAME");
	json_t *body = online_doc_body("inventory", file, &r), *out;
	if (!body)
		return r;
	char *src = cd_http_escape(source), *path = cd_asprintf("/api/v1/inventory/%s", src);
	r = online_call("inventory", "PUT", path, body, &out);
	free(src);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			online_print_json(out);
		else
			printf("source %s: %lld workloads\n", source,
			       (long long)json_integer_value(json_object_get(out, "workloads")));
	}
	json_decref(out);
	return r;
}

/* ---- policy ---- */

const char help_policy[] =
	"usage: cordon [ONLINE OPTIONS] policy push -f POLICY.yaml [--json]\n"
	"       cordon [ONLINE OPTIONS] policy show [--revision N] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy history [--json]\n"
	"       cordon [ONLINE OPTIONS] policy diff FROM [TO] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy rollback N [--json]\n"
	"       cordon [ONLINE OPTIONS] policy impact -f DRAFT.yaml [--since 7d] [--until T] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy recommend --group G [--days 7] [-o FILE] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy promote ID[,ID...] [--json]\n"
	"\n"
	"Policy revisions are immutable and numbered.  push checks the file with\n"
	"the manager's inventory, stores it as a new revision, makes it current\n"
	"and prints its number; agents apply it at once.  show prints a revision\n"
	"(the current one by default), history lists them all, diff shows what\n"
	"changed from FROM to TO (default: the newest), and rollback N makes a\n"
	"new revision with the text of revision N.  impact evaluates the flows\n"
	"seen (cordon flows) since --since (a duration back, 90s, 5m, 24h, 7d, or\n"
	"a time; default 7d) with the current policy and with the draft, as\n"
	"explain does, and lists those whose verdict the draft changes; nothing\n"
	"is stored.  recommend writes the current policy plus, for group G, allow\n"
	"rules from the flows its members made in the last --days days and a\n"
	"default drop for G, every new rule `mode: staged` (to stdout, or to\n"
	"FILE); nothing is stored until it is pushed.  promote makes a new\n"
	"revision where the staged rules of these ids are enforced.\n";

static void print_revision_line(json_t *v)
{
	printf("%6lld  %s  %-12s %s%s\n", (long long)json_integer_value(json_object_get(v, "revision")),
	       online_str(v, "time"), online_str(v, "author"), online_str(v, "comment"),
	       json_is_true(json_object_get(v, "current")) ? "  (current)" : "");
}

static int num_arg(const char *cmd, const char *what, const char *s, long long *v)
{
	char *end;
	*v = strtoll(s, &end, 10);
	if (!*s || *end || *v < 1)
		return usage_error(cmd, "%s must be a revision number, not '%s'", what, s);
	return EXIT_OK;
}

/* A document's revisions (the policy's, the alert definitions'): pos[0]
 * history, diff FROM [TO] or rollback N, against base's endpoints. */
int cmd_revisions(const char *cmd, const char *base, const char *const *pos, bool json)
{
	const char *sub = pos[0];
	json_t *out = NULL;
	int r;
	char path[160];
	if (!strcmp(sub, "history")) {
		snprintf(path, sizeof(path), "%s/revisions", base);
		if ((r = online_call(cmd, "GET", path, NULL, &out)) == EXIT_OK) {
			if (json) {
				online_print_json(out);
			} else {
				size_t i;
				json_t *v;
				printf("%6s  %-24s  %-12s %s\n", "REV", "TIME", "AUTHOR", "COMMENT");
				json_array_foreach(out, i, v)
					print_revision_line(v);
			}
		}
	} else if (!strcmp(sub, "diff")) {
		long long a = 0, b = 0;
		if (!pos[1])
			return usage_error(cmd, "diff needs FROM [TO]");
		if ((r = num_arg(cmd, "FROM", pos[1], &a)) != EXIT_OK ||
		    (pos[2] && (r = num_arg(cmd, "TO", pos[2], &b)) != EXIT_OK))
			return r;
		if (b)
			snprintf(path, sizeof(path), "%s/diff?from=%lld&to=%lld", base, a, b);
		else
			snprintf(path, sizeof(path), "%s/diff?from=%lld", base, a);
		if ((r = online_call(cmd, "GET", path, NULL, &out)) == EXIT_OK) {
			if (json)
				online_print_json(out);
			else
				fputs(json_string_value(json_object_get(out, "diff")), stdout);
		}
	} else {
		long long n;
		if (!pos[1])
			return usage_error(cmd, "rollback needs the revision N");
		if ((r = num_arg(cmd, "N", pos[1], &n)) != EXIT_OK)
			return r;
		json_t *body = json_pack("{s:I}", "revision", (json_int_t)n);
		snprintf(path, sizeof(path), "%s/rollback", base);
		if ((r = online_call(cmd, "POST", path, body, &out)) == EXIT_OK) {
			if (json)
				online_print_json(out);
			else
				printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
		}
	}
	json_decref(out);
	return r;
}

/* A duration back from now, or a time, into body[key] (ms). */
static int when(const char *opt, const char *s, json_t *body)
{
	int64_t ms;
	if (cd_duration_parse(s, &ms) == 0)
		ms = cd_wall_ms() - ms;
	else if (mfmt_when(s, &ms) < 0)
		return usage_error("policy", "--%s takes a duration (90s, 5m, 24h, 7d) or a time "
				   "(RFC 3339, or ms since the epoch)", opt);
	json_object_set_new(body, opt, json_integer(ms));
	return EXIT_OK;
}

static void impact_side(json_t *s, char *buf, size_t len)
{
	json_t *rule = json_object_get(s, "rule");
	if (json_is_object(rule))
		snprintf(buf, len, "%s (rule %lld)", online_str(s, "verdict"),
			 (long long)json_integer_value(json_object_get(rule, "id")));
	else
		snprintf(buf, len, "%s (default)", online_str(s, "verdict"));
}

static void impact_end(json_t *e, char *buf, size_t len)
{
	const char *w = json_string_value(json_object_get(e, "workload"));
	snprintf(buf, len, "%s", w ? w : online_str(e, "ip"));
}

static int policy_impact(const char *file, const char *since, const char *until, bool json)
{
	int r;
	json_t *body = online_doc_body("policy", file, &r), *out = NULL;
	if (!body)
		return r;
	json_object_set(body, "policy", json_object_get(body, "document"));
	json_object_del(body, "document");
	if ((r = when("since", since ? since : "7d", body)) != EXIT_OK ||
	    (until && (r = when("until", until, body)) != EXIT_OK)) {
		json_decref(body);
		return r;
	}
	if ((r = online_call("policy", "POST", "/api/v1/policy/impact", body, &out)) != EXIT_OK)
		return r;
	if (json) {
		online_print_json(out);
	} else {
		json_t *v;
		size_t i;
		printf("%-20s %-20s %-10s %-22s %-22s %11s  %s\n", "SOURCE", "DESTINATION", "SERVICE",
		       "NOW", "WITH THE DRAFT", "CONNECTIONS", "LAST SEEN");
		json_array_foreach(json_object_get(out, "changed"), i, v) {
			char s[64], d[64], b[48], a[48], svc[24];
			impact_end(json_object_get(v, "source"), s, sizeof(s));
			impact_end(json_object_get(v, "destination"), d, sizeof(d));
			impact_side(json_object_get(v, "before"), b, sizeof(b));
			impact_side(json_object_get(v, "after"), a, sizeof(a));
			json_t *port = json_object_get(v, "port"), *proto = json_object_get(v, "protocol");
			char pn[8];
			snprintf(pn, sizeof(pn), "%lld", (long long)json_integer_value(proto));
			const char *pr = json_is_string(proto) ? json_string_value(proto) : pn;
			if (json_is_integer(port))
				snprintf(svc, sizeof(svc), "%s/%lld", pr, (long long)json_integer_value(port));
			else
				snprintf(svc, sizeof(svc), "%s", pr);
			printf("%-20s %-20s %-10s %-22s %-22s %11lld  %s\n", s, d, svc, b, a,
			       (long long)json_integer_value(json_object_get(v, "connections")),
			       online_str(v, "last_seen"));
		}
		printf("%zu flows change, %lld do not\n", json_array_size(json_object_get(out, "changed")),
		       (long long)json_integer_value(json_object_get(out, "unchanged")));
	}
	json_decref(out);
	return EXIT_OK;
}

static int policy_recommend(const char *group, const char *days, const char *file, bool json)
{
	json_t *body = json_pack("{s:s}", "group", group), *out = NULL;
	if (days) {
		char *end;
		long long n = strtoll(days, &end, 10);
		if (!*days || *end || n < 1 || n > 366) {
			json_decref(body);
			return usage_error("policy", "--days must be a number of days from 1 to 366, not '%s'", days);
		}
		json_object_set_new(body, "days", json_integer(n));
	}
	int r = online_call("policy", "POST", "/api/v1/policy/recommend", body, &out);
	if (r != EXIT_OK)
		return r;
	const char *doc = online_str(out, "document");
	FILE *f = file ? fopen(file, "w") : NULL;
	bool bad = file && (!f || fputs(doc, f) < 0);
	if (f && fclose(f) != 0)
		bad = true;
	if (bad) {
		fprintf(stderr, "cordon policy: %s: %s\n", file, strerror(errno));
		if (f)
			unlink(file);      /* not half a document */
		json_decref(out);
		return EXIT_FAIL;
	}
	if (json)
		online_print_json(out);
	else if (!file)
		fputs(doc, stdout);
	json_t *rules = json_object_get(out, "rules"), *v;
	size_t i;
	struct cd_buf ids;
	cd_buf_init(&ids, 1u << 20);
	json_array_foreach(rules, i, v)
		cd_buf_printf(&ids, "%s%lld", i ? "," : "", (long long)json_integer_value(json_object_get(v, "id")));
	if (!json)
		fprintf(file ? stdout : stderr,
			"%zu staged rules and %zu new groups for %s, from %lld flows (%.0f connections)%s%s\n"
			"review: cordon policy impact -f FILE; push: cordon policy push -f FILE; "
			"then enforce: cordon policy promote %s\n",
			json_array_size(rules), json_array_size(json_object_get(out, "groups")),
			online_str(out, "group"), (long long)json_integer_value(json_object_get(out, "flows")),
			json_number_value(json_object_get(out, "connections")), file ? " in " : "",
			file ? file : "", ids.data ? ids.data : "");
	cd_buf_free(&ids);
	json_decref(out);
	return EXIT_OK;
}

static int policy_promote(const char *list, bool json)
{
	json_t *ids = json_array(), *out = NULL;
	for (const char *p = list; *p;) {
		char *end;
		long long n = strtoll(p, &end, 10);
		if (end == p || n < 1 || (*end && *end != ',')) {
			json_decref(ids);
			return usage_error("policy", "promote takes rule ids separated by commas, not '%s'", list);
		}
		json_array_append_new(ids, json_integer(n));
		p = *end ? end + 1 : end;
	}
	int r = online_call("policy", "POST", "/api/v1/policy/promote", json_pack("{s:o}", "rules", ids), &out);
	if (r != EXIT_OK)
		return r;
	if (json)
		online_print_json(out);
	else
		printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
	json_decref(out);
	return EXIT_OK;
}

int cmd_policy(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *file = NULL, *rev = NULL, *json = NULL, *since = NULL,
		   *until = NULL, *group = NULL, *days = NULL, *output = NULL;
	const struct cli_opt o[] = { { "file", 0, true, &file }, { "revision", 0, true, &rev },
				     { "json", 0, false, &json }, { "since", 0, true, &since },
				     { "until", 0, true, &until }, { "group", 0, true, &group },
				     { "days", 0, true, &days }, { "output", 0, true, &output } };
	for (int a = 1; a < argc; a++)
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
		else if (!strcmp(argv[a], "-o"))
			argv[a] = "--output";
	int r = cli_parse("policy", argc, argv, o, CD_ARRAY_LEN(o), 1, 3, pos);
	if (r != EXIT_OK)
		return r;
	const char *sub = pos[0];
	json_t *out = NULL;
	if (!strcmp(sub, "push")) {
		if (!file)
			return usage_error("policy", "push needs -f FILE");
		json_t *body = online_doc_body("policy", file, &r);
		if (!body)
			return r;
		if ((r = online_call("policy", "POST", "/api/v1/policy", body, &out)) == EXIT_OK) {
			if (json)
				online_print_json(out);
			else
				printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
		}
	} else if (!strcmp(sub, "show")) {
		long long n = 0;
		if (rev && (r = num_arg("policy", "--revision", rev, &n)) != EXIT_OK)
			return r;
		char path[64];
		snprintf(path, sizeof(path), n ? "/api/v1/policy?revision=%lld" : "/api/v1/policy", n);
		if ((r = online_call("policy", "GET", path, NULL, &out)) == EXIT_OK) {
			if (json)
				online_print_json(out);
			else
				fputs(online_str(out, "document"), stdout);
		}
	} else if (!strcmp(sub, "history") || !strcmp(sub, "diff") || !strcmp(sub, "rollback")) {
		return cmd_revisions("policy", "/api/v1/policy", pos, json != NULL);
	} else if (!strcmp(sub, "impact")) {
		if (!file)
			return usage_error("policy", "impact needs -f DRAFT");
		return policy_impact(file, since, until, json != NULL);
	} else if (!strcmp(sub, "recommend")) {
		if (!group)
			return usage_error("policy", "recommend needs --group G");
		return policy_recommend(group, days, output, json != NULL);
	} else if (!strcmp(sub, "promote")) {
		if (!pos[1] || pos[2])
			return usage_error("policy", "promote takes one list of rule ids: 31,32,33");
		return policy_promote(pos[1], json != NULL);
	} else {
		return usage_error("policy", "unknown subcommand '%s' (push, show, history, diff, rollback, impact, recommend, promote)", sub);
	}
	json_decref(out);
	return r;
}

