/* nftwatch.h - for the benchmarks: nf_tables' notifications in a network
 * namespace, to see the moment the kernel commits a transaction. */
#ifndef CD_NFTWATCH_H
#define CD_NFTWATCH_H

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* A socket on NFNLGRP_NFTABLES inside /run/netns/NETNS (NULL on failure,
 * said); the caller stays in its own namespace. */
static inline struct mnl_socket *nft_listen(const char *netns)
{
	char p[256];
	snprintf(p, sizeof(p), "/run/netns/%s", netns);
	int ns = open(p, O_RDONLY), home = open("/proc/self/ns/net", O_RDONLY);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
		perror("setns");
		return NULL;
	}
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK);
	unsigned grp = NFNLGRP_NFTABLES;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		perror("netlink");
		return NULL;
	}
	int big = 1 << 22;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (setns(home, CLONE_NEWNET) < 0)
		abort();
	close(ns);
	close(home);
	return nl;
}

/* Wait for a NEWGEN notification; false after timeout_ms. */
static inline bool wait_newgen(struct mnl_socket *nl, int timeout_ms)
{
	char buf[1 << 16];
	double end = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			return false;
		struct pollfd p = { mnl_socket_get_fd(nl), POLLIN, 0 };
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0)
			continue;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, (int)n);
		     h = mnl_nlmsg_next(h, (int *)&n))
			if (NFNL_SUBSYS_ID(h->nlmsg_type) == NFNL_SUBSYS_NFTABLES &&
			    NFNL_MSG_TYPE(h->nlmsg_type) == NFT_MSG_NEWGEN)
				return true;
	}
}

static inline void drain(struct mnl_socket *nl)
{
	char buf[1 << 16];
	while (mnl_socket_recvfrom(nl, buf, sizeof(buf)) > 0)
		;
}


#endif
