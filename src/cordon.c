/* cordon.c - the cordon tool: a dispatch table of subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"

static const struct cmd cmds[] = {
	{ "groups", cmd_groups, "list every group of a policy and its members", help_groups },
	{ "explain", cmd_explain, "say what happens to a flow, and which rule decides", help_explain },
	{ "compile", cmd_compile, "print the nftables ruleset for one host", help_compile },
	{ "apply", cmd_apply, "load a host's ruleset into this network namespace", help_apply },
};

static void help(FILE *f)
{
	fprintf(f,
		"usage: cordon COMMAND [OPTIONS]\n"
		"\n"
		"cordon is a distributed firewall for Linux virtualization: workloads\n"
		"carry tags, groups select workloads, ordered rules between groups are\n"
		"enforced at every vNIC of the hypervisor with nftables.\n"
		"\n"
		"Offline commands (they read an inventory and a policy from files):\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"  cordon COMMAND --help   explains a command, with examples\n"
		"  cordon --version        prints the version\n"
		"\n"
		"Exit status: 0 success, 2 bad input (each error as FILE:LINE:COLUMN),\n"
		"1 any other failure.  The policy language: docs/policy.md.\n");
}

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return EXIT_BADINPUT;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		if (argc > 2)
			for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
				if (!strcmp(argv[2], cmds[i].name)) {
					fputs(cmds[i].help, stdout);
					return EXIT_OK;
				}
		help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "version")) {
		printf("cordon %s\n", CD_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(c, cmds[i].name) != 0)
			continue;
		for (int a = 2; a < argc; a++) {
			if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
				fputs(cmds[i].help, stdout);
				return EXIT_OK;
			}
		}
		return cmds[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "cordon: unknown command '%s' (see 'cordon --help')\n", c);
	return EXIT_BADINPUT;
}
