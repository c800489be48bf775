/* cli.c - what every subcommand of the cordon tool shares: the one
 * option parser (long options, their short forms, positional arguments),
 * usage errors, and loading the documents of the offline commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cordon %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'cordon %s --help')\n", cmd);
	return EXIT_BADINPUT;
}

static const struct cli_opt *lookup(const struct cli_opt *o, size_t n, const char *s, size_t len,
				    char short_name)
{
	for (size_t i = 0; i < n; i++)
		if (short_name ? o[i].short_name == short_name
			       : strlen(o[i].name) == len && !strncmp(o[i].name, s, len))
			return &o[i];
	return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *o, size_t n,
	      int minpos, int npos, const char **pos)
{
	int got = 0;
	for (int a = 1; a < argc; a++) {
		const char *s = argv[a];
		bool lng = !strncmp(s, "--", 2) && s[2];
		if (!lng && !(s[0] == '-' && s[1] && !s[2])) {
			if (got >= npos)
				return usage_error(cmd, "unexpected argument '%s'", s);
			pos[got++] = s;
			continue;
		}
		const char *eq = lng ? strchr(s, '=') : NULL;
		const struct cli_opt *x = lng ? lookup(o, n, s + 2, eq ? (size_t)(eq - s - 2) : strlen(s + 2), 0)
					      : lookup(o, n, NULL, 0, s[1]);
		if (!x)
			return usage_error(cmd, "unknown option %s", s);
		if (x->off)
			return usage_error(cmd, "--%s does not apply to this command", x->name);
		const char *v = "1";
		if (x->has_arg) {
			if (eq)
				v = eq + 1;
			else if (a + 1 < argc)
				v = argv[++a];
			else
				return usage_error(cmd, "--%s needs a value", x->name);
		} else if (eq) {
			return usage_error(cmd, "--%s takes no value", x->name);
		}
		if (x->many) {
			if (*x->nmany == x->max)
				return usage_error(cmd, "too many --%s options", x->name);
			x->many[(*x->nmany)++] = v;
		} else {
			*x->val = v;
		}
	}
	if (got < minpos)
		return usage_error(cmd, "missing arguments");
	return EXIT_OK;
}

int parse_offline_opts(const char *cmd, int argc, char **argv,
		       unsigned allowed, struct offline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->proto = "tcp";
	const char *json = NULL, *dry = NULL, *unknown = NULL;
	bool nodocs = allowed & OPT_NODOCS;
	const struct cli_opt opts[] = {
		{ "inventory", 'i', true, &o->inv, .off = nodocs },
		{ "policy", 'p', true, &o->pol, .off = nodocs },
		{ "json", 0, false, &json, .off = !(allowed & OPT_JSON) },
		{ "host", 0, true, &o->host, .off = !(allowed & OPT_HOST) },
		{ "from", 0, true, &o->from, .off = !(allowed & OPT_FLOW) },
		{ "to", 0, true, &o->to, .off = !(allowed & OPT_FLOW) },
		{ "proto", 0, true, &o->proto, .off = !(allowed & OPT_FLOW) },
		{ "port", 0, true, &o->port, .off = !(allowed & OPT_FLOW) },
		{ "dry-run", 0, false, &dry, .off = !(allowed & OPT_DRYRUN) },
		{ "unknown-vnics", 0, true, &unknown, .off = !(allowed & OPT_VNICS) },
		{ "vnic-glob", 0, true, NULL, o->globs, &o->nglobs, CD_ARRAY_LEN(o->globs),
		  .off = !(allowed & OPT_VNICS) },
	};
	int r = cli_parse(cmd, argc, argv, opts, CD_ARRAY_LEN(opts), 0, 0, NULL);
	if (r != EXIT_OK)
		return r;
	o->json = json != NULL;
	o->dry_run = dry != NULL;
	if (unknown && strcmp(unknown, "drop") && strcmp(unknown, "accept"))
		return usage_error(cmd, "--unknown-vnics takes drop or accept, not '%s'", unknown);
	o->unknown_accept = unknown && !strcmp(unknown, "accept");
	for (size_t i = 0; i < o->nglobs; i++)
		if (!*o->globs[i] || strlen(o->globs[i]) > 15 || strpbrk(o->globs[i], "\"\\/ \t\n"))
			return usage_error(cmd, "--vnic-glob '%s' is not an interface name pattern",
					   o->globs[i]);
	if ((allowed & OPT_HOST) && !o->host)
		return usage_error(cmd, "--host is required");
	if ((allowed & OPT_FLOW) && (!o->from || !o->to))
		return usage_error(cmd, "--from and --to are required");
	return EXIT_OK;
}

int load_state(const char *cmd, const char *inv, const char *pol,
	       struct cd_state *st)
{
	if (!inv || !pol) {
		memset(st, 0, sizeof(*st));
		return usage_error(cmd, "--inventory FILE and --policy FILE are required");
	}
	struct cd_diags d;
	cd_diags_init(&d);
	int r = cd_state_load(st, inv, pol, &d);
	cd_diags_print(&d, stderr);
	cd_diags_free(&d);
	return r < 0 ? EXIT_BADINPUT : EXIT_OK;
}
