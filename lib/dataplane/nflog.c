/* nflog.c - the kernel's log read back (see nflog.h). */
#include "dataplane/nflog.h"
#include "dataplane/nlread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct cd_nflog {
	struct mnl_socket *nl;
	uint32_t portid;
	uint16_t group;
	char buf[1 << 16] __attribute__((aligned(8)));   /* one read: records batched */
};

static int config(struct cd_nflog *l, uint8_t cmd, bool mode)
{
	char *buf = l->buf;
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, l->group);
	if (cmd != NFULNL_CFG_CMD_NONE)     /* the kernel refuses a "none" command */
		nflog_attr_put_cfg_cmd(nlh, cmd);
	if (mode)
		nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, 128);   /* headers are enough */
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* records of the group may come before the acknowledgement */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(l->nl, buf, sizeof(l->buf));
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(buf, (size_t)n, 0, l->portid, NULL, NULL);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int cd_nflog_open(struct cd_nflog **out, uint16_t group, struct cd_buf *err)
{
	struct cd_nflog *l = cd_calloc(1, sizeof(*l));
	l->group = group;
	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int r = 0;
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r == 0) {
		l->portid = mnl_socket_get_portid(l->nl);
		r = config(l, NFULNL_CFG_CMD_BIND, false);
	}
	if (r == 0)
		r = config(l, NFULNL_CFG_CMD_NONE, true);
	if (r == 0) {
		/* never block the reader; a burst beyond the buffer is lost and
		 * counted (ENOBUFS) */
		int fd = mnl_socket_get_fd(l->nl), size = 4 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			r = -errno;
	}
	if (r < 0) {
		cd_buf_printf(err, "cannot read nflog group %u: %s%s", group, strerror(-r),
			      r == -EBUSY || r == -EPERM ? " (another program holds it?)" : "");
		cd_nflog_close(l);
		return r;
	}
	*out = l;
	return 0;
}

int cd_nflog_adopt(struct cd_nflog **out, int fd, uint16_t group)
{
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl)
		return -errno;
	struct cd_nflog *l = cd_calloc(1, sizeof(*l));
	l->nl = nl;
	l->group = group;
	l->portid = mnl_socket_get_portid(nl);
	*out = l;
	return 0;
}

int cd_nflog_fd(const struct cd_nflog *l)
{
	return mnl_socket_get_fd(l->nl);
}

struct read_ctx {
	cd_nflog_cb cb;
	void *ctx;
	int n;
};

static uint32_t ifindex(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? ntohl(mnl_attr_get_u32(a)) : 0;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *rc = data;
	struct nlattr *a[NFULA_MAX + 1] = { 0 };
	if (nflog_nlmsg_parse(nlh, a) < 0 || !a[NFULA_PREFIX])
		return MNL_CB_OK;
	struct cd_nflog_rec r = { .prefix = mnl_attr_get_payload(a[NFULA_PREFIX]),
				  .prefixlen = mnl_attr_get_payload_len(a[NFULA_PREFIX]) };
	/* the kernel's prefix attribute ends with its NUL, maybe padding */
	while (r.prefixlen && r.prefix[r.prefixlen - 1] == 0)
		r.prefixlen--;
	if (a[NFULA_HWADDR] && mnl_attr_get_payload_len(a[NFULA_HWADDR]) >=
				       sizeof(struct nfulnl_msg_packet_hw)) {
		const struct nfulnl_msg_packet_hw *h = mnl_attr_get_payload(a[NFULA_HWADDR]);
		r.hw = h->hw_addr;
		r.hwlen = ntohs(h->hw_addrlen) > 8 ? 8 : ntohs(h->hw_addrlen);
	}
	if (a[NFULA_PAYLOAD]) {
		r.payload = mnl_attr_get_payload(a[NFULA_PAYLOAD]);
		r.len = mnl_attr_get_payload_len(a[NFULA_PAYLOAD]);
	}
	r.indev = ifindex(a[NFULA_IFINDEX_INDEV]);
	r.outdev = ifindex(a[NFULA_IFINDEX_OUTDEV]);
	r.physindev = ifindex(a[NFULA_IFINDEX_PHYSINDEV]);
	r.physoutdev = ifindex(a[NFULA_IFINDEX_PHYSOUTDEV]);
	rc->cb(rc->ctx, &r);
	rc->n++;
	return MNL_CB_OK;
}

struct drained {
	cd_nflog_cb cb;
	void *ctx;
	int count;
};

static void take(void *arg, const void *buf, size_t len)
{
	struct drained *d = arg;
	cd_nflog_parse(buf, len, d->cb, d->ctx, &d->count);
}

int cd_nflog_read(struct cd_nflog *l, cd_nflog_cb cb, void *ctx, uint64_t *lost, int max)
{
	struct drained d = { cb, ctx, 0 };
	int r = cd_nl_drain(l->nl, l->buf, sizeof(l->buf), max, lost, take, &d);
	return r < 0 ? r : d.count;
}

int cd_nflog_parse(const void *buf, size_t len, cd_nflog_cb cb, void *ctx, int *count)
{
	struct read_ctx rc = { cb, ctx, 0 };
	int r = cd_nl_run(buf, len, on_msg, &rc);
	*count += rc.n;
	return r;
}

void cd_nflog_leave(struct cd_nflog *l)
{
	if (l)
		l->portid = 0;       /* no unbind: the group stays the socket's */
	cd_nflog_close(l);
}

void cd_nflog_close(struct cd_nflog *l)
{
	if (!l)
		return;
	if (l->nl) {
		if (l->portid)
			config(l, NFULNL_CFG_CMD_UNBIND, false);
		mnl_socket_close(l->nl);
	}
	free(l);
}
