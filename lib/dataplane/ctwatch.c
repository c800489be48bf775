/* ctwatch.c - conntrack's events (see ctwatch.h). */
#include "dataplane/ctwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cd_ctwatch {
	struct mnl_socket *nl;
	struct nf_conntrack *ct;   /* parsed into, one event at a time */
	struct nf_conntrack *blank;   /* what ct is reset to before each */
	char buf[1 << 16] __attribute__((aligned(8)));
};

/* Accounting on in this network namespace (per namespace). */
static int acct_on(void)
{
	int fd = open("/proc/sys/net/netfilter/nf_conntrack_acct", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, "1", 1) == 1 ? 0 : -errno;
	close(fd);
	return r;
}

int cd_ctwatch_open(struct cd_ctwatch **out, struct cd_buf *err)
{
	struct cd_ctwatch *w = cd_calloc(1, sizeof(*w));
	w->ct = nfct_new();
	w->blank = nfct_new();
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int r = 0;
	if (!w->ct || !w->blank || !w->nl ||
	    mnl_socket_bind(w->nl, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY,
			    MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r == 0) {
		int fd = mnl_socket_get_fd(w->nl), size = 4 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			r = -errno;
	}
	if (r < 0) {
		cd_buf_printf(err, "cannot read conntrack's events: %s", strerror(-r));
		cd_ctwatch_close(w);
		return r;
	}
	int a = acct_on();
	if (a < 0)
		cd_buf_printf(err, "conntrack's accounting cannot be turned on (%s): flows will "
			      "have no byte counts", strerror(-a));
	*out = w;
	return 0;
}

int cd_ctwatch_fd(const struct cd_ctwatch *w)
{
	return mnl_socket_get_fd(w->nl);
}

struct read_ctx {
	struct nf_conntrack *ct, *blank;
	cd_ct_event_cb cb;
	void *ctx;
	int n;
};

static void addr_of(struct cd_addr *a, int fam, const void *b)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)fam;
	a->plen = fam == 4 ? 32 : 128;
	if (b)
		memcpy(a->b, b, fam == 4 ? 4 : 16);
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *rc = data;
	uint8_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	bool gone = type == IPCTNL_MSG_CT_DELETE;
	/* an entry made: NEW with CREATE; an update (NEW without it) is not read */
	if (!gone && (type != IPCTNL_MSG_CT_NEW || !(nlh->nlmsg_flags & NLM_F_CREATE)))
		return MNL_CB_OK;
	nfct_copy(rc->ct, rc->blank, NFCT_CP_OVERRIDE);     /* nothing of the last event */
	if (nfct_nlmsg_parse(nlh, rc->ct) < 0 || !nfct_attr_is_set(rc->ct, ATTR_ORIG_L3PROTO) ||
	    !nfct_attr_is_set(rc->ct, ATTR_ORIG_L4PROTO))
		return MNL_CB_OK;
	struct cd_ct_event e = { .gone = gone };
	uint8_t l3 = nfct_get_attr_u8(rc->ct, ATTR_ORIG_L3PROTO);
	if (l3 == AF_INET && nfct_attr_is_set(rc->ct, ATTR_ORIG_IPV4_SRC) &&
	    nfct_attr_is_set(rc->ct, ATTR_ORIG_IPV4_DST)) {
		addr_of(&e.src, 4, nfct_get_attr(rc->ct, ATTR_ORIG_IPV4_SRC));
		addr_of(&e.dst, 4, nfct_get_attr(rc->ct, ATTR_ORIG_IPV4_DST));
	} else if (l3 == AF_INET6 && nfct_attr_is_set(rc->ct, ATTR_ORIG_IPV6_SRC) &&
		   nfct_attr_is_set(rc->ct, ATTR_ORIG_IPV6_DST)) {
		addr_of(&e.src, 6, nfct_get_attr(rc->ct, ATTR_ORIG_IPV6_SRC));
		addr_of(&e.dst, 6, nfct_get_attr(rc->ct, ATTR_ORIG_IPV6_DST));
	} else {
		return MNL_CB_OK;
	}
	e.proto = nfct_get_attr_u8(rc->ct, ATTR_ORIG_L4PROTO);
	if (e.proto == IPPROTO_ICMP || e.proto == IPPROTO_ICMPV6) {
		if (nfct_attr_is_set(rc->ct, ATTR_ICMP_TYPE))
			e.icmp_type = nfct_get_attr_u8(rc->ct, ATTR_ICMP_TYPE);
	} else if (nfct_attr_is_set(rc->ct, ATTR_ORIG_PORT_SRC) &&
		   nfct_attr_is_set(rc->ct, ATTR_ORIG_PORT_DST)) {
		e.sport = ntohs(nfct_get_attr_u16(rc->ct, ATTR_ORIG_PORT_SRC));
		e.dport = ntohs(nfct_get_attr_u16(rc->ct, ATTR_ORIG_PORT_DST));
	}
	if (gone) {
		if (nfct_attr_is_set(rc->ct, ATTR_ORIG_COUNTER_BYTES)) {
			e.bytes_out = nfct_get_attr_u64(rc->ct, ATTR_ORIG_COUNTER_BYTES);
			e.packets_out = nfct_get_attr_u64(rc->ct, ATTR_ORIG_COUNTER_PACKETS);
		}
		if (nfct_attr_is_set(rc->ct, ATTR_REPL_COUNTER_BYTES)) {
			e.bytes_in = nfct_get_attr_u64(rc->ct, ATTR_REPL_COUNTER_BYTES);
			e.packets_in = nfct_get_attr_u64(rc->ct, ATTR_REPL_COUNTER_PACKETS);
		}
	}
	rc->cb(rc->ctx, &e);
	rc->n++;
	return MNL_CB_OK;
}

static int parse(struct nf_conntrack *ct, struct nf_conntrack *blank, const void *buf, size_t len,
		 cd_ct_event_cb cb, void *ctx, int *count)
{
	struct read_ctx rc = { ct, blank, cb, ctx, 0 };
	/* whole, aligned messages only (as nflog.c takes them) */
	size_t at = 0;
	while (len - at >= sizeof(struct nlmsghdr)) {
		uint32_t n = ((const struct nlmsghdr *)((const char *)buf + at))->nlmsg_len;
		if (n < sizeof(struct nlmsghdr) || n > len - at || NLMSG_ALIGN(n) > len - at)
			break;
		at += NLMSG_ALIGN(n);
	}
	int r = mnl_cb_run(buf, at, 0, 0, on_msg, &rc);
	*count += rc.n;
	return r < 0 ? -EINVAL : 0;
}

int cd_ctwatch_parse(const void *buf, size_t len, cd_ct_event_cb cb, void *ctx, int *count)
{
	struct nf_conntrack *ct = nfct_new(), *blank = nfct_new();
	int r = ct && blank ? parse(ct, blank, buf, len, cb, ctx, count) : -ENOMEM;
	if (ct)
		nfct_destroy(ct);
	if (blank)
		nfct_destroy(blank);
	return r;
}

int cd_ctwatch_read(struct cd_ctwatch *w, cd_ct_event_cb cb, void *ctx, uint64_t *lost)
{
	int count = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->nl, w->buf, sizeof(w->buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				(*lost)++;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return count;
			return -errno;
		}
		parse(w->ct, w->blank, w->buf, (size_t)n, cb, ctx, &count);
	}
}

void cd_ctwatch_close(struct cd_ctwatch *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	if (w->ct)
		nfct_destroy(w->ct);
	if (w->blank)
		nfct_destroy(w->blank);
	free(w);
}
