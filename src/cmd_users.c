/* cmd_users.c - cordon user: the console's users (add, set, list, rm). */
#include <sodium.h>
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
	"       cordon [ONLINE OPTIONS] user set NAME [--role ROLE] [--password-file F | --new-password]\n"
	"       cordon [ONLINE OPTIONS] user list [--json]\n"
	"       cordon [ONLINE OPTIONS] user rm NAME\n"
	"\n"
	"Users sign in to the web console with a name and a password (admin).\n"
	"add makes a user (names match ignoring case: a name taken is refused):\n"
	"the password is the first line of F, or, without --password-file, a new\n"
	"random one printed once.  The manager keeps only its slow salted hash\n"
	"(Argon2id).  set gives a user a new role, a new password (from F, or a\n"
	"new random one printed once with --new-password), or both; rm removes a\n"
	"user.  Both end every console session of the user, on every manager.\n"
	"The last admin user is neither removed nor given another role.\n"
	"cordond's first start makes the user admin, its password in\n"
	"DATA-DIR/admin.password.\n";

int cmd_user(int argc, char **argv)
{
	const char *pos[2] = { NULL }, *role = NULL, *pwf = NULL, *json = NULL, *newpw = NULL;
	const struct cli_opt o[] = { { "role", 0, true, &role }, { "password-file", 0, true, &pwf },
				     { "json", 0, false, &json }, { "new-password", 0, false, &newpw } };
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
	} else if (!strcmp(pos[0], "add") || !strcmp(pos[0], "set")) {
		bool add = !strcmp(pos[0], "add");
		if (!pos[1] || (add && !role))
			return usage_error("user", "add needs NAME and --role");
		if (!add && !role && !pwf && !newpw)
			return usage_error("user", "set needs NAME and --role, --password-file or --new-password");
		if (pwf && newpw)
			return usage_error("user", "--password-file or --new-password, not both");
		char *pw = NULL, *made = NULL;
		if (pwf && cd_token_read(pwf, &pw) < 0) {
			fprintf(stderr, "cordon user: cannot read a password from %s\n", pwf);
			return EXIT_BADINPUT;
		}
		if (!pw && (add || newpw))
			pw = cd_strdup((made = cd_token_new('p')) + 4);
		json_t *body = json_object();
		if (add)
			json_object_set_new(body, "name", json_string(pos[1]));
		if (role)
			json_object_set_new(body, "role", json_string(role));
		if (pw)
			json_object_set_new(body, "password", json_string(pw));
		char *e = cd_http_escape(pos[1]), *p = cd_asprintf("/api/v1/users/%s", e);
		r = online_call("user", add ? "POST" : "PUT", add ? "/api/v1/users" : p, body, &out);
		if (r == EXIT_OK) {
			printf("user %s %s", pos[1], add ? "added" : "changed, its sessions ended");
			if (role)
				printf(" (%s)", role);
			if (made)
				printf(", password: %s", pw);
			printf("\n");
		}
		if (pw)
			sodium_memzero(pw, strlen(pw));
		free(pw);
		free(made);
		free(e);
		free(p);
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
		return usage_error("user", "unknown subcommand '%s' (add, set, list, rm)", pos[0]);
	}
	json_decref(out);
	return r;
}
