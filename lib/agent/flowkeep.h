/* flowkeep.h - the flow keeper: a small process that holds the flow
 * watcher's descriptors while the agent is away.
 *
 * The kernel queues conntrack's events and the policy's log in sockets
 * (their buffers: megabytes) for as long as a process holds them, and the
 * watcher's journal (agent/flowjournal.h) is a memory file that lives as
 * long.  The keeper holds the three, and gives them to one agent at a time
 * over DIR/keeper.sock (a Unix seqpacket socket; peers of its own user
 * only), so an agent that crashes or is killed with SIGKILL and starts
 * again reads on where it stopped, and nothing the kernel reported in
 * between is lost.
 *
 * The agent keeps its connection open while it runs.  One that stops
 * says so (cd_flowkeep_release) and the keeper ends; one that dies leaves
 * the keeper waiting CD_FLOWKEEP_WAIT_S for the next, after which it ends.
 * The keeper runs as `EXE --flow-keeper DIR MASK` (the front-end's main
 * calls cd_flowkeep_serve), in its own session, with the listening socket
 * on descriptor 3 and the three it keeps on 4, 5 and 6 (MASK: which of
 * them it has); its pid is in DIR/keeper.pid.  Why not fork alone: a
 * child of a threaded process may only call what is async-signal-safe,
 * and it would hold every other descriptor of the agent's (its output
 * pipes among them). */
#ifndef CD_FLOWKEEP_H
#define CD_FLOWKEEP_H

#include "base/util.h"

#define CD_FLOWKEEP_WAIT_S 300
enum { CD_FK_CT, CD_FK_LOG, CD_FK_RING, CD_FK_N };

/* Take the descriptors (-1: the keeper has none) from the keeper running
 * in dir.  0, with *conn the connection to keep; -ENOENT or -ECONNREFUSED
 * when none runs there; -EBUSY when another agent has them. */
int cd_flowkeep_claim(const char *dir, int fds[CD_FK_N], int *conn, struct cd_buf *err);
/* Start a keeper in dir for these descriptors (-1: none; the caller's
 * stay its own), connected to it as its agent (*conn). */
int cd_flowkeep_spawn(const char *exe, const char *dir, const int fds[CD_FK_N], int *conn,
		      struct cd_buf *err);
/* The keeper's answer (msg, len bytes) to a claim that came with nfds
 * descriptors: 0 with *mask (which of the three they are), -EBUSY, or
 * -EPROTO for anything else. */
int cd_flowkeep_hello(const char *msg, size_t len, int nfds, unsigned *mask);
/* End the keeper of dir (its pid file's, when that process is one: a
 * SIGTERM, then up to 2 s for it to go). */
void cd_flowkeep_end(const char *dir);
/* The agent stops on purpose: the keeper ends (its descriptors with it). */
void cd_flowkeep_release(int conn);
/* The keeper's main: argv after --flow-keeper (DIR MASK); its exit status. */
int cd_flowkeep_serve(int argc, char **argv);

#endif
