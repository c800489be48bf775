/* virturi.h - which libvirt connection URIs a source may use.
 *
 * A libvirt URI can make the process that opens it run programs: the
 * "ext" transport runs the command of its "command" parameter, ssh takes
 * "command" (the ssh binary) and "netcat" (run on the far side).  cordond
 * runs as root and its API takes URIs from admins over the network, so a
 * source's URI is DRIVER[+TRANSPORT]://[USER@][HOST[:PORT]]/PATH[?PARAMS]
 * with: drivers qemu, lxc, xen, libxl, bhyve, ch, vz and test; transports
 * none (the local socket), unix, tls, tcp, ssh, libssh and libssh2; and
 * only the parameters that choose how to reach and trust a daemon
 * (socket, mode, proxy, no_verify, no_tty, pkipath, keyfile, known_hosts,
 * known_hosts_verify, sshauth).  No password in the URI: it would be
 * shown as the source's endpoint. */
#ifndef CD_VIRTURI_H
#define CD_VIRTURI_H

#include "base/util.h"

/* 0, or -EINVAL with the reason in why. */
int cd_virt_uri_check(const char *uri, struct cd_buf *why);
/* The URI as shown to anyone who may read the sources: without its user
 * and parameters (which name keys and files), "qemu+ssh://HOST/system";
 * NULL for NULL or what does not parse.  Caller frees. */
char *cd_virt_uri_public(const char *uri);

#endif
