/* cmd.h - what the subcommands of the cordon tool share. */
#ifndef CORDON_CMD_H
#define CORDON_CMD_H

#include <stdbool.h>

#include "state.h"

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

extern const char help_groups[], help_explain[], help_compile[], help_apply[];

/* Print a usage error for cmd and return EXIT_BADINPUT. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Load --inventory and --policy into st; print every error on failure.
 * Returns EXIT_OK or EXIT_BADINPUT. */
int load_state(const char *cmd, const char *inv, const char *pol,
	       struct cd_state *st);

#endif
