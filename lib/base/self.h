/* self.h - the program's own binary, for the processes it starts of
 * itself (the agent's flow keeper, its configuration check, its reload),
 * and a clean descriptor table for them. */
#ifndef CD_SELF_H
#define CD_SELF_H

#include <stddef.h>

/* The path of this program's binary as it is on disk now, into buf (n
 * bytes): /proc/self/exe read (under valgrind, the program's, not
 * valgrind's; a binary replaced since, an upgrade, by the one now at its
 * path), or "/proc/self/exe" itself (the running binary) when it cannot
 * be read or the binary was removed.  Returns buf or that string. */
const char *cd_self_exe(char *buf, size_t n);

/* Close every descriptor from fd up: close_range, or one by one up to the
 * descriptor limit where a system call filter refuses it.  Async-signal-
 * safe (for a child between fork and exec). */
void cd_close_from(int fd);

#endif
