/* cmd_tokens.c - API tokens and agents' enrollment tokens and
 * credentials: create, list, revoke. */
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

/* ---- tokens ---- */

/* `list` and `revoke NAME`, shared by token and agent-token: path is
 * /api/v1/tokens or /api/v1/agent-tokens. */
static int tokens_list_revoke(const char *cmd, const char *path, const char *sub,
			      const char *name, bool json, bool agents)
{
	json_t *out;
	int r;
	if (!strcmp(sub, "list")) {
		if (name)
			return usage_error(cmd, "list takes no name");
		if ((r = online_call(cmd, "GET", path, NULL, &out)) != EXIT_OK)
			return r;
		if (json) {
			online_print_json(out);
		} else {
			printf("%-32s %-9s %s\n", "NAME", "ROLE", agents ? "CREATED (EXPIRES)" : "CREATED");
			size_t i;
			json_t *t;
			json_array_foreach(out, i, t) {
				printf("%-32s %-9s %s", online_str(t, "name"), online_str(t, "role"), online_str(t, "created"));
				if (json_string_value(json_object_get(t, "expires")))
					printf(" (%s)", online_str(t, "expires"));
				putchar('\n');
			}
		}
		json_decref(out);
		return EXIT_OK;
	}
	if (strcmp(sub, "revoke"))
		return usage_error(cmd, "unknown subcommand '%s' (create, list, revoke)", sub);
	if (!name)
		return usage_error(cmd, "revoke needs a NAME (see 'cordon %s list')", cmd);
	char *e = cd_http_escape(name), *p = cd_asprintf("%s/%s", path, e);
	free(e);
	r = online_call(cmd, "DELETE", p, NULL, &out);
	free(p);
	if (r != EXIT_OK)
		return r;
	if (json)
		online_print_json(out);
	else
		printf("%s revoked (%lld)\n", name, (long long)json_integer_value(json_object_get(out, "count")));
	json_decref(out);
	return EXIT_OK;
}

/* Create a token (body taken over) and print it: the secret alone, or
 * the whole answer with --json. */
static int create(const char *cmd, const char *path, json_t *body, bool json)
{
	json_t *out;
	int r = online_call(cmd, "POST", path, body, &out);
	if (r != EXIT_OK)
		return r;
	if (json)
		online_print_json(out);
	else
		printf("%s\n", online_str(out, "token"));
	json_decref(out);
	return EXIT_OK;
}

const char help_agent_token[] =
	"usage: cordon [ONLINE OPTIONS] agent-token create --host HOST\n"
	"       cordon [ONLINE OPTIONS] agent-token create --workload NAME\n"
	"       cordon [ONLINE OPTIONS] agent-token list [--json]\n"
	"       cordon [ONLINE OPTIONS] agent-token revoke NAME\n"
	"\n"
	"create prints a one-time enrollment token for the enforcing agent of\n"
	"HOST, or for the scanning agent of workload NAME.  The agent exchanges\n"
	"it for its own credential at first start (cordon-agent --token-file F);\n"
	"the token then no longer works, and is good for a day at most.\n"
	"list shows the agents' credentials (host:HOST, workload:NAME) and the\n"
	"enrollment tokens not yet used (enroll:host:HOST, ...); revoke NAME\n"
	"ends every one of that name at once (the agent's next request gets\n"
	"401; what it enforces stays).  Needs an admin token; revocations are\n"
	"audit records.\n";

int cmd_agent_token(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *host = NULL, *wl = NULL, *json = NULL;
	const struct cli_opt o[] = { { "host", 0, true, &host }, { "workload", 0, true, &wl }, { "json", 0, false, &json } };
	int r = cli_parse("agent-token", argc, argv, o, CD_ARRAY_LEN(o), 1, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "create"))
		return tokens_list_revoke("agent-token", "/api/v1/agent-tokens", pos[0], pos[1], json, true);
	if (pos[1])
		return usage_error("agent-token", "create takes --host or --workload, not '%s'", pos[1]);
	if (!host == !wl)
		return usage_error("agent-token", "give either --host HOST or --workload NAME");
	json_t *body = host ? json_pack("{s:s}", "host", host) : json_pack("{s:s}", "workload", wl);
	return create("agent-token", "/api/v1/agent-tokens", body, json != NULL);
}

const char help_token[] =
	"usage: cordon [ONLINE OPTIONS] token create --role admin|operator|viewer --name NAME\n"
	"       cordon [ONLINE OPTIONS] token list [--json]\n"
	"       cordon [ONLINE OPTIONS] token revoke NAME\n"
	"\n"
	"create prints a new API token.  Roles: admin (everything), operator\n"
	"(reads, tags, scans, quarantine release), viewer (reads only).  The\n"
	"manager keeps only its hash: store it now (a file of mode 0600).\n"
	"list shows the tokens' names, roles and when they were made (never a\n"
	"secret); revoke NAME ends every token of that name at once (not the\n"
	"last admin ones).  Needs an admin token; revocations are audit records.\n";

int cmd_token(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *role = NULL, *name = NULL, *json = NULL;
	const struct cli_opt o[] = { { "role", 0, true, &role }, { "name", 0, true, &name }, { "json", 0, false, &json } };
	int r = cli_parse("token", argc, argv, o, CD_ARRAY_LEN(o), 1, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "create"))
		return tokens_list_revoke("token", "/api/v1/tokens", pos[0], pos[1], json, false);
	if (pos[1])
		return usage_error("token", "create takes --role and --name, not '%s'", pos[1]);
	if (!role || !name)
		return usage_error("token", "create needs --role and --name");
	return create("token", "/api/v1/tokens", json_pack("{s:s, s:s}", "role", role, "name", name),
		      json != NULL);
}

