/* test_spoof.c - SpoofGuard in a real kernel: forged frames from a routed
 * vNIC (a veth the host routes to) and from a bridged one (a bridge's
 * port) are dropped, and the records the guard logs read back through
 * nflog name the vNIC, the kind and what the frame claimed. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/nltable.h"
#include "dataplane/spooflog.h"
#include "helpers.h"
#include "policy/host.h"
#include "test.h"

static const char inv[] =
	"workloads:\n"
	"  - {name: r, host: h, vnics: [{ifname: sgr, mac: '52:54:00:00:00:01', ips: [10.8.0.1]}]}\n"
	"  - {name: b, host: h, vnics: [{ifname: sgb, mac: '52:54:00:00:00:02', ips: [10.8.0.2]}]}\n";

/* one frame out of dev (the guest's side of a veth) */
static void send_frame(const char *dev, const uint8_t *f, size_t n)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	ASSERT(fd >= 0);
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(dev),
				  .sll_halen = 6 };
	ASSERT(sa.sll_ifindex > 0);
	ASSERT_EQ(sendto(fd, f, n, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)n);
	close(fd);
}

struct seen {
	struct cd_spoof_seen v[16];
	size_t n;
};

static void take(void *ctx, const struct cd_spoof_seen *s)
{
	struct seen *x = ctx;
	if (x->n < 16)
		x->v[x->n++] = *s;
}

/* records until n are in or 5 s pass */
static void wait_records(struct cd_spooflog *l, struct seen *x, size_t n)
{
	uint64_t lost = 0;
	for (int i = 0; i < 50 && x->n < n; i++) {
		struct pollfd p = { cd_spooflog_fd(l), POLLIN, 0 };
		if (poll(&p, 1, 100) > 0)
			ASSERT(cd_spooflog_read(l, take, x, &lost) >= 0);
	}
}

static size_t ipv4_frame(uint8_t *f, const uint8_t src_mac[6], const char *src_ip)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memset(f, 0, 42);
	memcpy(f, bc, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 17;                    /* UDP, 8 bytes, ports 9 to 9 */
	inet_pton(AF_INET, src_ip, ip + 12);
	inet_pton(AF_INET, "10.8.0.99", ip + 16);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	ip[21] = 9, ip[23] = 9, ip[25] = 8;
	return 42;
}

TEST(spoofguard_drops_and_logs_on_both_attachments)
{
	ASSERT_EQ(system("ip link add sgr type veth peer name sgrp && ip link add sgb type veth peer name sgbp &&"
			 " ip link add sgbr type bridge && ip link set sgb master sgbr &&"
			 " ip link set sgbr type bridge nf_call_iptables 1 &&"
			 " ip link set sgrp address 52:54:00:00:00:01 && ip link set sgbp address 52:54:00:00:00:02 &&"
			 /* no IPv6 chatter from the guests' sides: only the frames sent here */
			 " sysctl -qw net.ipv6.conf.sgrp.disable_ipv6=1 net.ipv6.conf.sgbp.disable_ipv6=1 &&"
			 " for d in sgr sgrp sgb sgbp sgbr; do ip link set $d up || exit 1; done"),
		  0);
	struct cd_state st;
	must_load(&st, inv, "rules: []\n");
	struct cd_host h;
	ASSERT_EQ(cd_host_build(&h, &st, "h", NULL), 0);
	struct cd_buf err;
	cd_buf_init(&err, 1 << 16);
	int r = cd_nft_replace_host(&h, &st, &err);
	if (r < 0)
		test_fail(__FILE__, __LINE__, "apply: %s", err.data);
	struct cd_spooflog *l;
	r = cd_spooflog_open(&l, CD_NFLOG_GROUP, &err);
	if (r < 0)
		test_fail(__FILE__, __LINE__, "nflog: %s", err.data);
	/* a second reader of the group is refused, and says why */
	struct cd_spooflog *l2;
	cd_buf_reset(&err);
	ASSERT(cd_spooflog_open(&l2, CD_NFLOG_GROUP, &err) < 0 && strstr(err.data, "group 4119"));

	uint8_t f[64];
	static const uint8_t me_r[6] = { 0x52, 0x54, 0, 0, 0, 1 }, me_b[6] = { 0x52, 0x54, 0, 0, 0, 2 },
			     foreign[6] = { 0x52, 0x54, 0, 0x66, 0x66, 0x66 };
	struct seen x = { .n = 0 };
	/* routed: another address as source (inet prerouting) */
	send_frame("sgrp", f, ipv4_frame(f, me_r, "10.8.0.7"));
	/* routed: an ARP reply for another address (table arp) */
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 1, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 2, 0x52, 0x54, 0, 0, 0, 1, 10, 8, 0, 2,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 8, 0, 2,
	};
	send_frame("sgrp", arp, sizeof(arp));
	/* bridged: a foreign MAC (table bridge) */
	send_frame("sgbp", f, ipv4_frame(f, foreign, "10.8.0.2"));
	wait_records(l, &x, 3);
	ASSERT_EQ(x.n, 3);
	unsigned ir = if_nametoindex("sgr"), ib = if_nametoindex("sgb");
	bool got[3] = { false, false, false };
	for (size_t i = 0; i < x.n; i++) {
		const struct cd_spoof_seen *s = &x.v[i];
		if (s->kind == CD_SPOOF_IP && s->ifindex == ir && s->has_addr && s->addr.b[3] == 7)
			got[0] = true;
		if (s->kind == CD_SPOOF_ARP && s->ifindex == ir && s->has_addr && s->addr.b[3] == 2 &&
		    s->has_mac && !memcmp(s->mac, me_r, 6))
			got[1] = true;
		if (s->kind == CD_SPOOF_MAC && s->ifindex == ib && s->has_mac &&
		    !memcmp(s->mac, foreign, 6) && !s->has_addr)
			got[2] = true;
	}
	ASSERT(got[0]);
	ASSERT(got[1]);
	ASSERT(got[2]);
	/* a frame that is the vNIC's own is no record: sent, then a spoof
	 * after it, and only the spoof comes */
	x.n = 0;
	send_frame("sgbp", f, ipv4_frame(f, me_b, "10.8.0.2"));
	send_frame("sgbp", f, ipv4_frame(f, me_b, "10.8.0.8"));
	wait_records(l, &x, 1);
	ASSERT_EQ(x.n, 1);
	ASSERT(x.v[0].kind == CD_SPOOF_IP && x.v[0].ifindex == ib && x.v[0].addr.b[3] == 8);
	cd_spooflog_close(l);
	cd_host_free(&h);
	cd_state_free(&st);
	cd_buf_free(&err);
	ASSERT_EQ(system("ip link del sgr && ip link del sgb && ip link del sgbr"), 0);
}
