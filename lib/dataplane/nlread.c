/* nlread.c - a report socket drained, whole messages parsed (see nlread.h). */
#include "dataplane/nlread.h"

#include <errno.h>

int cd_nl_run(const void *buf, size_t len, mnl_cb_t cb, void *data)
{
	size_t at = 0;
	while (len - at >= sizeof(struct nlmsghdr)) {
		uint32_t n = ((const struct nlmsghdr *)((const char *)buf + at))->nlmsg_len;
		if (n < sizeof(struct nlmsghdr) || n > len - at || NLMSG_ALIGN(n) > len - at)
			break;
		at += NLMSG_ALIGN(n);
	}
	return mnl_cb_run(buf, at, 0, 0, cb, data) < 0 ? -EINVAL : 0;
}

int cd_nl_drain(struct mnl_socket *nl, void *buf, size_t cap, int max, uint64_t *lost,
		void (*take)(void *arg, const void *buf, size_t len), void *arg)
{
	for (int k = 0; k < max; k++) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, cap);
		if (n < 0) {
			if (errno == ENOBUFS) {
				(*lost)++;
				continue;
			}
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		take(arg, buf, (size_t)n);
	}
	return 0;
}
