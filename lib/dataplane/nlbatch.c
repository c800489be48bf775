/* nlbatch.c - nf_tables batches: build, send, wait for every ack. */
#include "dataplane/nlbatch.h"

#include <errno.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

void nlbatch_begin(struct nlbatch *nb, size_t limit)
{
	memset(nb, 0, sizeof(*nb));
	nb->seq = (uint32_t)time(NULL);
	nb->family = NFPROTO_INET;
	nb->buf = cd_malloc(2 * limit);
	nb->b = mnl_nlmsg_batch_start(nb->buf, limit);
	nftnl_batch_begin(mnl_nlmsg_batch_current(nb->b), nb->seq++);
	nlbatch_next(nb);
	nb->first = nb->seq;
}

void nlbatch_next(struct nlbatch *nb)
{
	if (!mnl_nlmsg_batch_next(nb->b))
		nb->full = true;
}

void nlbatch_set_family(struct nlbatch *nb, uint16_t family)
{
	nb->family = family;
}

uint16_t nlbatch_family(const struct nlbatch *nb)
{
	return nb->family;
}

struct nlmsghdr *nlbatch_msg(struct nlbatch *nb, uint16_t type, uint16_t flags,
			     char *what)
{
	CD_PUSH(nb->what, nb->n, nb->cap, what);
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(nb->b), type, nb->family,
				     flags | NLM_F_ACK, nb->seq++);
}

struct mnl_socket *nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

int nlbatch_commit(struct nlbatch *nb, struct mnl_socket *nl, struct cd_buf *err)
{
	nftnl_batch_end(mnl_nlmsg_batch_current(nb->b), nb->seq++);
	nlbatch_next(nb);
	if (nb->full)   /* never send a cut batch */
		return -ENOTSUP;
	int fd = mnl_socket_get_fd(nl);
	/* room for the whole batch, and for one acknowledgement per message
	 * (as nft does; the FORCE variants pass the system limits as root);
	 * acknowledgements without a copy of each request */
	int snd = (int)mnl_nlmsg_batch_size(nb->b) + 65536;
	int rcv = (int)(nb->n * 1024) + 65536, one = 1;   /* truesize of an ack */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(nb->b),
			      mnl_nlmsg_batch_size(nb->b)) < 0) {
		int e = errno;
		if (err)
			cd_buf_printf(err, "sending the batch: %s\n", strerror(e));
		return -e;
	}
	/* one acknowledgement per message, or an error that aborted them all */
	size_t acks = 0;
	int r = 0;
	char rbuf[8192];   /* libmnl's MNL_SOCKET_BUFFER_SIZE at most */
	while (acks < nb->n && r == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 30000) <= 0) {
			if (err)
				cd_buf_printf(err, "no answer from the kernel after %zu of %zu acknowledgements\n",
					      acks, nb->n);
			return -ETIMEDOUT;
		}
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			int e = errno;
			if (err)
				cd_buf_printf(err, "reading the kernel's answer: %s\n", strerror(e));
			return -e;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < nb->first ||
			    h->nlmsg_seq - nb->first >= nb->n)
				continue;
			const struct nlmsgerr *ne = mnl_nlmsg_get_payload(h);
			if (ne->error) {
				if (err)
					cd_buf_printf(err, "%s: %s\n", nb->what[h->nlmsg_seq - nb->first],
						      strerror(-ne->error));
				r = ne->error == -EPERM ? -EPERM : -EINVAL;
				break;
			}
			acks++;
		}
	}
	return r;
}

void nlbatch_free(struct nlbatch *nb)
{
	mnl_nlmsg_batch_stop(nb->b);
	for (size_t i = 0; i < nb->n; i++)
		free(nb->what[i]);
	free(nb->what);
	free(nb->buf);
	memset(nb, 0, sizeof(*nb));
}
