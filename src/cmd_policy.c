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
	"\n"
	"Policy revisions are immutable and numbered.  push checks the file with\n"
	"the manager's inventory, stores it as a new revision, makes it current\n"
	"and prints its number; agents apply it at once.  show prints a revision\n"
	"(the current one by default), history lists them all, diff shows what\n"
	"changed from FROM to TO (default: the newest), and rollback N makes a\n"
	"new revision with the text of revision N.\n";

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

int cmd_policy(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *file = NULL, *rev = NULL, *json = NULL;
	const struct cli_opt o[] = { { "file", 0, true, &file }, { "revision", 0, true, &rev }, { "json", 0, false, &json } };
	for (int a = 1; a < argc; a++)
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
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
	} else {
		return usage_error("policy", "unknown subcommand '%s' (push, show, history, diff, rollback)", sub);
	}
	json_decref(out);
	return r;
}

