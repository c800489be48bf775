/* spooflog.c - SpoofGuard's log records (see spooflog.h). */
#include "dataplane/spooflog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct cd_spooflog {
	struct mnl_socket *nl;
	uint32_t portid;
	uint16_t group;
	char buf[1 << 16] __attribute__((aligned(8)));   /* one read: records batched */
};

static void set_addr(struct cd_spoof_seen *s, int fam, const uint8_t *b)
{
	s->has_addr = true;
	s->addr.family = (uint8_t)fam;
	s->addr.plen = fam == 4 ? 32 : 128;
	memset(s->addr.b, 0, sizeof(s->addr.b));
	memcpy(s->addr.b, b, fam == 4 ? 4 : 16);
}

int cd_spoof_decode(const char *prefix, size_t prefixlen, const uint8_t *hw, size_t hwlen,
		    const uint8_t *p, size_t n, struct cd_spoof_seen *out)
{
	size_t pl = strlen(CD_SPOOF_PREFIX);
	memset(out, 0, sizeof(*out));
	if (!prefix)
		return -EINVAL;
	/* the kernel's prefix attribute ends with its NUL, maybe padding */
	while (prefixlen && prefix[prefixlen - 1] == 0)
		prefixlen--;
	if (prefixlen <= pl || memcmp(prefix, CD_SPOOF_PREFIX, pl))
		return -EINVAL;
	int k;
	for (k = 0; k < CD_SPOOF_KINDS; k++)
		if (prefixlen - pl == strlen(cd_spoof_names[k]) &&
		    !memcmp(prefix + pl, cd_spoof_names[k], prefixlen - pl))
			break;
	if (k == CD_SPOOF_KINDS)
		return -EINVAL;
	out->kind = (enum cd_spoof)k;
	/* what it claimed: a foreign source MAC; an ARP's sender; a source
	 * address not its own; a neighbour advertisement's target.  A DHCP
	 * server's answer or a router advertisement claims a role, not an
	 * address. */
	if (k == CD_SPOOF_MAC) {
		if (hw && hwlen >= 6) {
			out->has_mac = true;
			memcpy(out->mac, hw, 6);
		}
	} else if (k == CD_SPOOF_ARP) {
		/* Ethernet/IPv4 ARP: sender MAC at 8, sender address at 14 */
		if (n >= 18 && p[0] == 0 && p[1] == 1 && p[2] == 8 && p[3] == 0 && p[4] == 6 &&
		    p[5] == 4) {
			out->has_mac = true;
			memcpy(out->mac, p + 8, 6);
			set_addr(out, 4, p + 14);
		}
	} else if (k == CD_SPOOF_IP) {
		if (n >= 20 && p[0] >> 4 == 4)
			set_addr(out, 4, p + 12);
		else if (n >= 40 && p[0] >> 4 == 6)
			set_addr(out, 6, p + 8);
	} else if (k == CD_SPOOF_ND) {
		/* the target, at 8 in the ICMPv6 message right after the
		 * header (next header 58, type 136) */
		if (n >= 64 && p[0] >> 4 == 6 && p[6] == 58 && p[40] == 136)
			set_addr(out, 6, p + 48);
	}
	return 0;
}

static int config(struct cd_spooflog *l, uint8_t cmd, bool mode)
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

int cd_spooflog_open(struct cd_spooflog **out, uint16_t group, struct cd_buf *err)
{
	struct cd_spooflog *l = cd_calloc(1, sizeof(*l));
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
		 * counted (ENOBUFS), the kernel's log is rate-limited anyway */
		int fd = mnl_socket_get_fd(l->nl), size = 1 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			r = -errno;
	}
	if (r < 0) {
		cd_buf_printf(err, "cannot read nflog group %u: %s%s", group, strerror(-r),
			      r == -EBUSY || r == -EPERM ? " (another program holds it?)" : "");
		cd_spooflog_close(l);
		return r;
	}
	*out = l;
	return 0;
}

int cd_spooflog_fd(const struct cd_spooflog *l)
{
	return mnl_socket_get_fd(l->nl);
}

struct read_ctx {
	void (*cb)(void *, const struct cd_spoof_seen *);
	void *ctx;
	int n;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *rc = data;
	struct nlattr *a[NFULA_MAX + 1] = { 0 };
	if (nflog_nlmsg_parse(nlh, a) < 0 || !a[NFULA_PREFIX])
		return MNL_CB_OK;
	const uint8_t *hw = NULL, *pl = NULL;
	size_t hwlen = 0, n = 0;
	if (a[NFULA_HWADDR] && mnl_attr_get_payload_len(a[NFULA_HWADDR]) >=
				       sizeof(struct nfulnl_msg_packet_hw)) {
		const struct nfulnl_msg_packet_hw *h = mnl_attr_get_payload(a[NFULA_HWADDR]);
		hw = h->hw_addr;
		hwlen = ntohs(h->hw_addrlen) > 8 ? 8 : ntohs(h->hw_addrlen);
	}
	if (a[NFULA_PAYLOAD]) {
		pl = mnl_attr_get_payload(a[NFULA_PAYLOAD]);
		n = mnl_attr_get_payload_len(a[NFULA_PAYLOAD]);
	}
	struct cd_spoof_seen s;
	if (cd_spoof_decode(mnl_attr_get_payload(a[NFULA_PREFIX]),
			    mnl_attr_get_payload_len(a[NFULA_PREFIX]), hw, hwlen, pl, n, &s) < 0)
		return MNL_CB_OK;
	/* a bridge's port when the frame was bridged, else the device */
	struct nlattr *dev = a[NFULA_IFINDEX_PHYSINDEV] ? a[NFULA_IFINDEX_PHYSINDEV]
						     : a[NFULA_IFINDEX_INDEV];
	if (dev && mnl_attr_get_payload_len(dev) >= 4)
		s.ifindex = ntohl(mnl_attr_get_u32(dev));
	rc->cb(rc->ctx, &s);
	rc->n++;
	return MNL_CB_OK;
}

int cd_spooflog_read(struct cd_spooflog *l, void (*cb)(void *ctx, const struct cd_spoof_seen *s),
		     void *ctx, uint64_t *lost)
{
	char *buf = l->buf;
	int count = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(l->nl, buf, sizeof(l->buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				(*lost)++;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return count;
			return -errno;
		}
		cd_spooflog_parse(buf, (size_t)n, cb, ctx, &count);
	}
}

int cd_spooflog_parse(const void *buf, size_t len, void (*cb)(void *, const struct cd_spoof_seen *),
		      void *ctx, int *count)
{
	struct read_ctx rc = { cb, ctx, 0 };
	/* libmnl reads a length past 2 GiB as negative, and attributes up
	 * to a message's aligned end: only whole, aligned messages go to it
	 * (the kernel's always are; a fuzzer's need not be) */
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

void cd_spooflog_close(struct cd_spooflog *l)
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
