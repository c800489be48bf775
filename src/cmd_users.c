/* cmd_users.c - cordon user: the console's users (add, list, rm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http.h"
#include "base/token.h"
#include "base/util.h"
#include "cmd.h"
#include "online.h"

const char help_user[] =
	"usage: cordon [ONLINE OPTIONS] user add NAME --role admin|operator|viewer [--password-file F]\n"
	"       cordon [ONLINE OPTIONS] user list [--json]\n"
	"       cordon [ONLINE OPTIONS] user rm NAME\n"
	"\n"
	"Users sign in to the web console with a name and a password (admin).\n"
	"add makes a user, or gives an existing one a new role and password: the\n"
	"password is the first line of F, or, without --password-file, a new\n"
	"random one printed once.  The manager keeps only its slow salted hash\n"
	"(Argon2id).  rm removes a user and ends their sessions.  cordond's first\n"
	"start makes the user admin, its password in DATA-DIR/admin.password.\n";

int cmd_user(int argc, char **argv)
{
	const char *pos[2] = { NULL }, *role = NULL, *pwf = NULL, *json = NULL;
	const struct cli_opt o[] = { { "role", 0, true, &role }, { "password-file", 0, true, &pwf },
				     { "json", 0, false, &json } };
	int r = cli_parse("user", argc, argv, o, CD_ARRAY_LEN(o), 1, 2, pos);
	if (r != EXIT_OK)
		return r;
	json_t *out = NULL;
	if (!strcmp(pos[0], "list")) {
		if ((r = online_call("user", "GET", "/api/v1/users", NULL, &out)) != EXIT_OK)
			return r;
		if (json) {
			online_print_json(out);
		} else {
			printf("%-32s %-9s %s\n", "NAME", "ROLE", "CREATED");
			size_t i;
			json_t *u;
			json_array_foreach(out, i, u)
				printf("%-32s %-9s %s\n", online_str(u, "name"), online_str(u, "role"),
				       online_str(u, "created"));
		}
	} else if (!strcmp(pos[0], "add")) {
		if (!pos[1] || !role)
			return usage_error("user", "add needs NAME and --role");
		char *pw = NULL, *made = NULL;
		if (pwf && cd_token_read(pwf, &pw) < 0) {
			fprintf(stderr, "cordon user: cannot read a password from %s\n", pwf);
			return EXIT_BADINPUT;
		}
		if (!pw)
			pw = cd_strdup((made = cd_token_new('p')) + 4);
		json_t *body = json_pack("{s:s, s:s, s:s}", "name", pos[1], "role", role, "password", pw);
		r = online_call("user", "POST", "/api/v1/users", body, &out);
		if (r == EXIT_OK && made)
			printf("user %s (%s), password: %s\n", pos[1], role, pw);
		else if (r == EXIT_OK)
			printf("user %s (%s)\n", pos[1], role);
		free(pw);
		free(made);
	} else if (!strcmp(pos[0], "rm")) {
		if (!pos[1])
			return usage_error("user", "rm needs NAME");
		char *e = cd_http_escape(pos[1]), *p = cd_asprintf("/api/v1/users/%s", e);
		r = online_call("user", "DELETE", p, NULL, &out);
		if (r == EXIT_OK)
			printf("user %s removed\n", pos[1]);
		free(e);
		free(p);
	} else {
		return usage_error("user", "unknown subcommand '%s' (add, list, rm)", pos[0]);
	}
	json_decref(out);
	return r;
}
