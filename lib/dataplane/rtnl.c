/* rtnl.c - an rtnetlink socket and one request's answer (see rtnl.h). */
#include "dataplane/rtnl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>

struct mnl_socket *cd_rtnl_open(struct cd_buf *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		if (nl)
			mnl_socket_close(nl);
		cd_buf_printf(err, "rtnetlink: %s", strerror(e));
		errno = e;
		return NULL;
	}
	return nl;
}

int cd_rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static _Thread_local char buf[32768];
	unsigned port = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, port, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}
