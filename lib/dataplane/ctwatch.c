/* ctwatch.c - conntrack's events (see ctwatch.h). */
#include "dataplane/ctwatch.h"
#include "dataplane/nlread.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
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
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int r = 0;
	if (!w->nl ||
	    mnl_socket_bind(w->nl, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY,
			    MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r == 0) {
		/* room for the reports made while no agent reads (agent/flowkeep.h) */
		int fd = mnl_socket_get_fd(w->nl), size = 16 << 20;
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

int cd_ctwatch_adopt(struct cd_ctwatch **out, int fd)
{
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl)
		return -errno;
	struct cd_ctwatch *w = cd_calloc(1, sizeof(*w));
	w->nl = nl;
	*out = w;
	return 0;
}

int cd_ctwatch_fd(const struct cd_ctwatch *w)
{
	return mnl_socket_get_fd(w->nl);
}

struct read_ctx {
	cd_ct_event_cb cb;
	void *ctx;
	int n;
};

static void addr_of(struct cd_addr *a, int fam, const void *b)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)fam;
	a->plen = fam == 4 ? 32 : 128;
	memcpy(a->b, b, fam == 4 ? 4 : 16);
}

/* ---- the messages' attributes, read with libmnl's checks (the
 * library's own parser ends the process on an attribute it finds
 * malformed: no reader of outside bytes may) ---- */

#define NATTR 16

struct attrs {
	const struct nlattr *a[NATTR];
};

static int take_attr(const struct nlattr *a, void *data)
{
	struct attrs *x = data;
	uint16_t t = mnl_attr_get_type(a);
	if (t < NATTR && mnl_attr_type_valid(a, NATTR - 1) > 0)
		x->a[t] = a;
	return MNL_CB_OK;
}

static bool nested(const struct nlattr *a, struct attrs *x)
{
	memset(x, 0, sizeof(*x));
	return a && mnl_attr_parse_nested(a, take_attr, x) >= 0;
}

static bool len_is(const struct nlattr *a, size_t n)
{
	return a && mnl_attr_get_payload_len(a) == n;
}

static uint64_t be64(const struct nlattr *a)
{
	if (len_is(a, 8))
		return be64toh(mnl_attr_get_u64(a));
	return len_is(a, 4) ? ntohl(mnl_attr_get_u32(a)) : 0;
}

/* The original direction's addresses, protocol and ports. */
static bool tuple(const struct nlattr *t, struct cd_ct_event *e)
{
	struct attrs tu, ip, pr;
	if (!nested(t, &tu) || !nested(tu.a[CTA_TUPLE_IP], &ip) || !nested(tu.a[CTA_TUPLE_PROTO], &pr))
		return false;
	if (len_is(ip.a[CTA_IP_V4_SRC], 4) && len_is(ip.a[CTA_IP_V4_DST], 4)) {
		addr_of(&e->src, 4, mnl_attr_get_payload(ip.a[CTA_IP_V4_SRC]));
		addr_of(&e->dst, 4, mnl_attr_get_payload(ip.a[CTA_IP_V4_DST]));
	} else if (len_is(ip.a[CTA_IP_V6_SRC], 16) && len_is(ip.a[CTA_IP_V6_DST], 16)) {
		addr_of(&e->src, 6, mnl_attr_get_payload(ip.a[CTA_IP_V6_SRC]));
		addr_of(&e->dst, 6, mnl_attr_get_payload(ip.a[CTA_IP_V6_DST]));
	} else {
		return false;
	}
	if (!len_is(pr.a[CTA_PROTO_NUM], 1))
		return false;
	e->proto = mnl_attr_get_u8(pr.a[CTA_PROTO_NUM]);
	if (e->proto == IPPROTO_ICMP && len_is(pr.a[CTA_PROTO_ICMP_TYPE], 1))
		e->icmp_type = mnl_attr_get_u8(pr.a[CTA_PROTO_ICMP_TYPE]);
	else if (e->proto == IPPROTO_ICMPV6 && len_is(pr.a[CTA_PROTO_ICMPV6_TYPE], 1))
		e->icmp_type = mnl_attr_get_u8(pr.a[CTA_PROTO_ICMPV6_TYPE]);
	else if (e->proto != IPPROTO_ICMP && e->proto != IPPROTO_ICMPV6 &&
		 len_is(pr.a[CTA_PROTO_SRC_PORT], 2) && len_is(pr.a[CTA_PROTO_DST_PORT], 2)) {
		e->sport = ntohs(mnl_attr_get_u16(pr.a[CTA_PROTO_SRC_PORT]));
		e->dport = ntohs(mnl_attr_get_u16(pr.a[CTA_PROTO_DST_PORT]));
	}
	return true;
}

static void counters(const struct nlattr *c, uint64_t *bytes, uint64_t *packets)
{
	struct attrs x;
	if (!nested(c, &x))
		return;
	*bytes = be64(x.a[CTA_COUNTERS_BYTES]);
	*packets = be64(x.a[CTA_COUNTERS_PACKETS]);
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *rc = data;
	/* conntrack's, with its header whole */
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return MNL_CB_OK;
	uint8_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	bool gone = type == IPCTNL_MSG_CT_DELETE;
	/* an entry made: NEW with CREATE; an update (NEW without it) is not read */
	if (!gone && (type != IPCTNL_MSG_CT_NEW || !(nlh->nlmsg_flags & NLM_F_CREATE)))
		return MNL_CB_OK;
	struct attrs top = { 0 };
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), take_attr, &top) < 0)
		return MNL_CB_OK;
	struct cd_ct_event e = { .gone = gone };
	if (!tuple(top.a[CTA_TUPLE_ORIG], &e))
		return MNL_CB_OK;
	if (gone) {
		counters(top.a[CTA_COUNTERS_ORIG], &e.bytes_out, &e.packets_out);
		counters(top.a[CTA_COUNTERS_REPLY], &e.bytes_in, &e.packets_in);
	}
	rc->cb(rc->ctx, &e);
	rc->n++;
	return MNL_CB_OK;
}

int cd_ctwatch_parse(const void *buf, size_t len, cd_ct_event_cb cb, void *ctx, int *count)
{
	struct read_ctx rc = { cb, ctx, 0 };
	int r = cd_nl_run(buf, len, on_msg, &rc);
	*count += rc.n;
	return r;
}

struct drained {
	cd_ct_event_cb cb;
	void *ctx;
	int count;
};

static void take(void *arg, const void *buf, size_t len)
{
	struct drained *d = arg;
	cd_ctwatch_parse(buf, len, d->cb, d->ctx, &d->count);
}

int cd_ctwatch_read(struct cd_ctwatch *w, cd_ct_event_cb cb, void *ctx, uint64_t *lost, int max)
{
	struct drained d = { cb, ctx, 0 };
	int r = cd_nl_drain(w->nl, w->buf, sizeof(w->buf), max, lost, take, &d);
	return r < 0 ? r : d.count;
}

void cd_ctwatch_close(struct cd_ctwatch *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w);
}
