/* cmd.h - what the subcommands of the cordon tool share. */
#ifndef CORDON_CMD_H
#define CORDON_CMD_H

#include <jansson.h>
#include <stdbool.h>

#include "policy/state.h"

/* Exit codes of the contract (policy.md §4). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_BADINPUT = 2 };

struct cmd {
	const char *name;                       /* subcommand */
	int (*run)(int argc, char **argv);      /* returns an exit code */
	const char *summary;                    /* one line for `cordon --help` */
	const char *help;                       /* full `cordon CMD --help` */
};

int cmd_groups(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_counters(int argc, char **argv);

extern const char help_groups[], help_explain[], help_compile[], help_apply[],
	help_counters[];

/* Online commands (online.c and the cmd_*.c of each resource), against
 * a manager. */
struct online_opts {
	const char *server;            /* --server URL */
	const char *token_file;
	char *token;                   /* --token T, a copy (the argument is blanked) */
	const char *cacert;
	bool insecure;
};
extern struct online_opts g_online;
extern const char help_online[];
int cmd_inventory(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_workloads(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_agent_token(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_agents(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_top(int argc, char **argv);
/* cordon views, cordon view NAME (cmd_views.c) */
int cmd_views(int argc, char **argv);
int cmd_view(int argc, char **argv);
extern const char help_views[];
/* cordon reports, cordon report NAME (cmd_reports.c) */
int cmd_reports(int argc, char **argv);
int cmd_report(int argc, char **argv);
extern const char help_reports[];
int cmd_alerts(int argc, char **argv);
int cmd_flows(int argc, char **argv);
/* cordon rightsize, cordon reclaim (cmd_capacity.c) */
int cmd_rightsize(int argc, char **argv);
int cmd_reclaim(int argc, char **argv);
extern const char help_rightsize[], help_reclaim[];
/* cordon backup --data-dir DIR FILE (cmd_backup.c) */
int cmd_backup(int argc, char **argv);
extern const char help_backup[];
extern const char help_flows[];
extern const char help_alerts[];
int cmd_user(int argc, char **argv);
extern const char help_user[];
/* A document's revisions: pos[0] history, diff FROM [TO] or rollback N,
 * against base's endpoints (cmd_policy.c). */
int cmd_revisions(const char *cmd, const char *base, const char *const *pos, bool json);
extern const char help_metrics[], help_top[];
/* Every object with samples (of kind, or all) and the latest value of
 * each of its metrics: {"objects": [{kind, name, host, source, last,
 * values: {METRIC: V}}], "units": {METRIC: UNIT}} (cmd_metrics.c). */
int metrics_latest(const char *cmd, const char *kind, json_t **out);
extern const char help_inventory[], help_policy[], help_workloads[], help_tag[],
	help_agent_token[], help_token[], help_agents[], help_events[], help_quarantine[],
	help_sources[], help_scan[];
/* groups and explain without --inventory and --policy */
int online_groups(bool json);
int online_explain(const char *from, const char *to, const char *proto,
		   const char *port, bool json);
void online_done(void);

/* The options of the offline commands; each command allows a subset. */
enum {
	OPT_JSON = 1 << 0,     /* --json */
	OPT_HOST = 1 << 1,     /* --host HOST (required when allowed) */
	OPT_FLOW = 1 << 2,     /* --from, --to, --proto, --port */
	OPT_DRYRUN = 1 << 3,   /* --dry-run */
	OPT_VNICS = 1 << 4,    /* --unknown-vnics, --vnic-glob */
	OPT_NODOCS = 1 << 5,   /* no --inventory, --policy */
};

struct offline_opts {
	const char *inv, *pol;          /* --inventory, --policy */
	const char *host;               /* --host */
	const char *from, *to;          /* --from, --to */
	const char *proto, *port;       /* --proto, --port */
	bool json, dry_run;             /* --json, --dry-run */
	bool unknown_accept;            /* --unknown-vnics accept */
	const char *globs[16];          /* --vnic-glob, repeatable */
	size_t nglobs;
};

/* The one option parser (cli.c): --name VALUE, --name=VALUE, -x VALUE
 * for a short form, flags; positional arguments into pos (at least
 * minpos, at most npos).  An option that is `off` is known but refused
 * ("does not apply to this command"). */
struct cli_opt {
	const char *name;
	char short_name;               /* or 0 */
	bool has_arg;
	const char **val;              /* the value ("1" for a flag) */
	const char **many;             /* or: a repeatable option's values */
	size_t *nmany, max;
	bool off;
};
int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *o, size_t n,
	      int minpos, int npos, const char **pos);

/* Parse argv (argv[0] is the command) for the options in `allowed`, plus
 * --inventory and --policy.  Returns EXIT_OK or, after a message,
 * EXIT_BADINPUT. */
int parse_offline_opts(const char *cmd, int argc, char **argv,
		       unsigned allowed, struct offline_opts *o);

/* Print a usage error for cmd and return EXIT_BADINPUT. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Load --inventory and --policy into st; print every error on failure.
 * Returns EXIT_OK or EXIT_BADINPUT. */
int load_state(const char *cmd, const char *inv, const char *pol,
	       struct cd_state *st);

#endif
