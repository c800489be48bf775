/* cordon.c - the cordon tool: a dispatch table of subcommands. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "base/diag.h"

static const struct cmd cmds[] = {
	{ "groups", cmd_groups, "list every group of a policy and its members", help_groups },
	{ "explain", cmd_explain, "say what happens to a flow, and which rule decides", help_explain },
	{ "compile", cmd_compile, "print the nftables ruleset for one host", help_compile },
	{ "apply", cmd_apply, "load a host's ruleset into this network namespace", help_apply },
	{ "counters", cmd_counters, "per-rule hit counters of this namespace's table", help_counters },
	{ "inventory", cmd_inventory, "push an inventory source's workloads to the manager", help_inventory },
	{ "policy", cmd_policy, "push, show, list, diff and roll back policy revisions", help_policy },
	{ "workloads", cmd_workloads, "the manager's workloads: tags, groups, quarantine", help_workloads },
	{ "tag", cmd_tag, "add or remove a workload's tag", help_tag },
	{ "agent-token", cmd_agent_token, "agents' enrollment tokens and credentials: create, list, revoke", help_agent_token },
	{ "token", cmd_token, "API tokens (admin, operator, viewer): create, list, revoke", help_token },
	{ "user", cmd_user, "the web console's users: add, list, remove", help_user },
	{ "agents", cmd_agents, "agents: connected, heartbeat, realized revision", help_agents },
	{ "events", cmd_events, "the event log and audit records", help_events },
	{ "flows", cmd_flows, "flow records: who talks to whom, verdicts, rules; top-N", help_flows },
	{ "scan", cmd_scan, "an on-demand scan of a workload, followed with --wait", help_scan },
	{ "quarantine", cmd_quarantine, "release a workload from quarantine by hand", help_quarantine },
	{ "sources", cmd_sources, "inventory sources: state, last sync, workloads", help_sources },
	{ "source", cmd_source, "add or remove an inventory source", help_sources },
	{ "metrics", cmd_metrics, "metrics of VMs, hosts and datastores; query, import, du", help_metrics },
	{ "top", cmd_top, "VMs, hosts or datastores, one a line, by a metric", help_top },
	{ "views", cmd_views, "list views: saved, pushed, removed, their revisions", help_views },
	{ "view", cmd_view, "a list view's rows over a range: a table, JSON or CSV", help_views },
	{ "reports", cmd_reports, "reports: saved, pushed, removed, their revisions and runs", help_reports },
	{ "report", cmd_report, "a report over a range: its PDF, its CSV files, delivered now", help_reports },
	{ "rightsize", cmd_rightsize, "oversized and undersized VMs, with a recommended size", help_rightsize },
	{ "reclaim", cmd_reclaim, "idle VMs, VMs powered off, pool images no domain uses", help_reclaim },
	{ "alerts", cmd_alerts, "alerts (list, show, acknowledge) and alert definitions", help_alerts },
	{ "backup", cmd_backup, "a consistent backup of a manager's data directory, online", help_backup },
};
enum { NOFFLINE = 5 };

static void help(FILE *f)
{
	fprintf(f,
		"usage: cordon COMMAND [OPTIONS]\n"
		"\n"
		"cordon is a distributed firewall for Linux virtualization: workloads\n"
		"carry tags, groups select workloads, ordered rules between groups are\n"
		"enforced at every vNIC of the hypervisor with nftables.\n"
		"\n"
		"Offline commands (they read an inventory and a policy from files, and\n"
		"apply and counters work on the current network namespace):\n");
	for (size_t i = 0; i < NOFFLINE; i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"Online commands, against a manager (cordond); groups and explain are\n"
		"online too when given no --inventory and --policy:\n");
	for (size_t i = NOFFLINE; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n%s", help_online);
	fprintf(f,
		"\n"
		"  cordon COMMAND --help   explains a command, with examples\n"
		"  cordon --version        prints the version\n"
		"\n"
		"Exit status: 0 success, 2 bad input (each error as FILE:LINE:COLUMN),\n"
		"1 any other failure.  The policy language: docs/policy.md.\n");
}

/* The online options before the command; returns how many words they
 * took, or -1 after a message. */
static int global_opts(int argc, char **argv)
{
	int a = 1;
	while (a < argc && !strncmp(argv[a], "--", 2)) {
		const char *o = argv[a];
		bool token = !strcmp(o, "--token");
		const char **val = !strcmp(o, "--server") ? &g_online.server
				 : !strcmp(o, "--token-file") ? &g_online.token_file
				 : !strcmp(o, "--cacert") ? &g_online.cacert : NULL;
		if (!strcmp(o, "--insecure")) {
			g_online.insecure = true;
			a++;
			continue;
		}
		if (!val && !token)
			break;
		if (a + 1 >= argc) {
			fprintf(stderr, "cordon: %s needs a value\n", o);
			return -1;
		}
		if (!token) {
			*val = argv[a + 1];
		} else {
			/* anyone on the machine can read /proc/PID/cmdline: keep
			 * a copy and blank the argument (as curl does with -u),
			 * and say so, since it was visible until now */
			free(g_online.token);
			g_online.token = cd_strdup(argv[a + 1]);
			memset(argv[a + 1], '*', strlen(argv[a + 1]));
			fprintf(stderr, "cordon: warning: --token puts the token where other users of this "
				"machine can see it (the process list, shell history); prefer --token-file "
				"FILE or CORDON_TOKEN\n");
		}
		a += 2;
	}
	return a - 1;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
	int r = run(argc, argv);
	online_done();
	return r;
}

static int run(int argc, char **argv)
{
	int g = global_opts(argc, argv);
	if (g < 0)
		return EXIT_BADINPUT;
	argc -= g;
	argv += g;
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
