/* nlread.h - reading a netlink socket of the kernel's reports (nflog,
 * conntrack's events): a non-blocking socket drained a bounded number of
 * reads at a time, overruns counted, and only whole, aligned messages
 * given to libmnl's parser (libmnl reads a length past 2 GiB as
 * negative, and attributes up to a message's aligned end: the kernel's
 * messages always are whole, a fuzzer's need not be). */
#ifndef CD_NLREAD_H
#define CD_NLREAD_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

/* cb for each whole, aligned message of buf: 0, or -EINVAL when the
 * messages do not hold together (those before taken). */
int cd_nl_run(const void *buf, size_t len, mnl_cb_t cb, void *data);

/* Up to max reads of nl into buf (cap bytes), each given to take;
 * ENOBUFS (the kernel could not queue) counted in *lost.  0 once the
 * socket is empty or max reads are done, or -errno. */
int cd_nl_drain(struct mnl_socket *nl, void *buf, size_t cap, int max, uint64_t *lost,
		void (*take)(void *arg, const void *buf, size_t len), void *arg);

#endif
