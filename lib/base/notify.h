/* notify.h - telling the service manager how the program is (systemd's
 * sd_notify protocol: a datagram "READY=1", "STOPPING=1", "RELOADING=1",
 * "STATUS=..." to the socket in $NOTIFY_SOCKET), for Type=notify units.
 *
 * Written here rather than linked from libsystemd: the protocol is one
 * datagram on a Unix socket, which systemd documents as stable for
 * programs to speak themselves, and the agent and manager need nothing
 * else of libsystemd.  Without $NOTIFY_SOCKET (not under systemd) it does
 * nothing. */
#ifndef CD_NOTIFY_H
#define CD_NOTIFY_H

/* Send state (lines NAME=VALUE); 0, 0 when there is no NOTIFY_SOCKET, or
 * -errno. */
int cd_notify(const char *state);

#endif
