/* reload.h - the agent's reload (SIGHUP, systemctl reload cordon-agent).
 *
 * The agent's options shape every thread it starts (its connections, the
 * metrics collector, the flow sender, the scanner's paths), so a reload
 * is what sshd's is: the configuration is checked by the program itself
 * (cordon-agent --check-config with the same command line, as the unit's
 * ExecStartPre does), and only a good one is taken, by executing the
 * agent again in its own process (the same PID for systemd, no STOPPING).
 * Across it the table stays in the kernel (fail static) and the flow
 * keeper holds the flow sockets for the agent that comes next, as after a
 * crash.  A bad one is said, FILE:LINE as at a start, and the running
 * agent goes on as it was. */
#ifndef CD_RELOAD_H
#define CD_RELOAD_H

#include "base/util.h"

/* Check the configuration the agent's command line argv (argv[0] first,
 * NULL-terminated) and its file give now: 0, or -EINVAL with the first
 * line the check said in err (its reason, FILE:LINE: ...; of 4 KiB read
 * at most), or another negative errno when it could not be run. */
int cd_reload_check(char *const argv[], struct cd_buf *err);

/* Execute this program again with argv (its binary as it is on disk now:
 * base/self.h), every descriptor past stderr closed first.  Returns only
 * on failure: a negative errno. */
int cd_reload_exec(char *const argv[]);

#endif
