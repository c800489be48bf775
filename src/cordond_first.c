/* cordond_first.c - the admin token and first user of cordond_first.h. */
#include "cordond_first.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/token.h"
#include "base/util.h"

static void logf_(void (*log)(const char *line), const char *what, const char *path)
{
	char *l = cd_asprintf("%s is in %s", what, path);
	log(l);
	free(l);
}

int cordond_first_start(struct cd_mgr *m, const char *dir, void (*log)(const char *line))
{
	struct cd_actor self = { .name = "cordond", .origin = "local" };
	char *tokf = cd_asprintf("%s/admin.token", dir);
	int r = 0;
	if (access(tokf, F_OK) < 0) {
		char *secret;
		if (cd_mgr_token_create(m, "admin", "admin", NULL, NULL, &self, &secret) < 0) {
			r = -1;
		} else {
			r = cd_token_write(tokf, secret) < 0 ? -1 : 0;
			free(secret);
		}
		if (r < 0)
			fprintf(stderr, "cordond: cannot make the admin token %s\n", tokf);
		else
			logf_(log, "the admin API token", tokf);
	}
	free(tokf);
	if (r < 0 || cd_mgr_user_count(m) != 0)
		return r;
	/* the console's first user: admin, its password in a file (0600) */
	char *pw = cd_token_new('p'), *pwf = cd_asprintf("%s/admin.password", dir);
	int pr = cd_mgr_user_first(m, "admin", "admin", pw + 4, &self);
	if (pr == 0)
		pr = cd_token_write(pwf, pw + 4);
	if (pr == 0)
		logf_(log, "the console's admin password", pwf);
	if (pr < 0 && pr != -EEXIST) {     /* -EEXIST: another manager made it */
		fprintf(stderr, "cordond: cannot make the console's admin user (%s)\n", pwf);
		r = -1;
	}
	free(pw);
	free(pwf);
	return r;
}
