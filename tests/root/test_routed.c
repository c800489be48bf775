/* test_routed.c - a routed vNIC's plumbing in a real kernel (routed.h):
 * routes made and moved and deleted, gateway and proxy ARP set, a route
 * someone else made left alone, an address two vNICs claim routed to
 * neither, and a second pass that changes and says nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/routed.h"
#include "test.h"

/* what a command prints */
static char *sh(const char *cmd)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 16);
	FILE *f = popen(cmd, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		cd_buf_puts(&b, line);
	if (f)
		pclose(f);
	return cd_buf_steal(&b);
}

/* whether a command's output holds text */
static bool shows(const char *cmd, const char *text)
{
	char *out = sh(cmd);
	bool r = out && strstr(out, text);
	free(out);
	return r;
}

static void addr(struct cd_addr *a, const char *s)
{
	const char *why;
	ASSERT_EQ(cd_addr_parse(s, false, a, &why), 0);
}

static void plumb(const struct cd_routed_vnic *v, size_t n, struct cd_buf *log)
{
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	cd_buf_reset(log);
	ASSERT_EQ(cd_routed_plumb(v, n, log, &err), 0);
	cd_buf_free(&err);
}

TEST(routed_vnic_plumbing)
{
	ASSERT_EQ(system("ip link add rt1 type veth peer name rt1p && ip link add rt2 type veth peer name rt2p &&"
			 " ip link set rt1 up && ip link set rt1p up && ip link set rt2 up && ip link set rt2p up &&"
			 " ip route add 10.7.0.9/32 dev rt2 proto static && ip route add 10.7.0.50/32 dev rt2 proto 205"),
		  0);
	struct cd_addr a1[2], a2[2];
	addr(&a1[0], "10.7.0.1");
	addr(&a1[1], "fd07::1");
	addr(&a2[0], "10.7.0.2");
	addr(&a2[1], "10.7.0.9");      /* someone else's route is there */
	struct cd_routed_vnic v[2] = { { "rt1", a1, 2 }, { "rt2", a2, 2 } };
	struct cd_buf log;
	cd_buf_init(&log, 1 << 16);
	plumb(v, 2, &log);
	ASSERT(shows("ip -4 route show proto 205", "10.7.0.1 dev rt1"));
	ASSERT(shows("ip -6 route show proto 205", "fd07::1 dev rt1"));
	ASSERT(shows("ip -4 route show proto 205", "10.7.0.2 dev rt2"));
	ASSERT(!shows("ip -4 route show proto 205", "10.7.0.50"));      /* no vNIC has it: gone */
	ASSERT(shows("ip -4 route show proto static", "10.7.0.9 dev rt2"));  /* left as it is */
	ASSERT(!shows("ip -4 route show proto 205", "10.7.0.9"));
	ASSERT(shows("ip -4 addr show dev rt1", "169.254.1.1/32"));
	ASSERT(shows("ip -6 addr show dev rt1", "fe80::1/64"));
	ASSERT(shows("cat /proc/sys/net/ipv4/conf/rt2/proxy_arp", "1"));
	ASSERT(strstr(log.data, "route 10.7.0.1/32 dev rt1 added"));
	ASSERT(strstr(log.data, "route 10.7.0.50 deleted"));
	ASSERT(strstr(log.data, "vNIC rt1 routed: gateway 169.254.1.1 and fe80::1, proxy ARP"));

	/* again: nothing to change, nothing said */
	plumb(v, 2, &log);
	ASSERT_EQ(log.len, 0);

	/* 10.7.0.2 moves to rt1: cordon's route follows it */
	a1[1] = a2[0];
	v[1].nips = 0;
	plumb(v, 2, &log);
	ASSERT(shows("ip -4 route show proto 205", "10.7.0.2 dev rt1"));
	ASSERT(strstr(log.data, "route 10.7.0.2/32 dev rt1 moved from another vNIC"));
	ASSERT(!shows("ip -6 route show proto 205", "fd07::1"));        /* rt1 lost it */

	/* rt2 claims rt1's 10.7.0.1 too: routed to neither, and said */
	a2[0] = a1[0];
	v[1].nips = 1;
	plumb(v, 2, &log);
	ASSERT(!shows("ip -4 route show proto 205", "10.7.0.1 "));
	ASSERT(strstr(log.data, "10.7.0.1 is claimed by another vNIC too: not routed"));

	/* a vNIC with IPv6 off: its IPv4 plumbing, and no line about the IPv6
	 * gateway at every pass */
	ASSERT_EQ(system("ip link add rt3 type veth peer name rt3p && sysctl -qw net.ipv6.conf.rt3.disable_ipv6=1"
			 " && ip link set rt3 up && ip link set rt3p up"), 0);
	struct cd_addr a3[1];
	addr(&a3[0], "10.7.0.3");
	struct cd_routed_vnic v3[1] = { { "rt3", a3, 1 } };
	plumb(v3, 1, &log);
	ASSERT(shows("ip -4 addr show dev rt3", "169.254.1.1/32"));
	ASSERT(shows("ip -4 route show proto 205", "10.7.0.3 dev rt3"));
	ASSERT(!strstr(log.data, "could not"));
	plumb(v3, 1, &log);
	ASSERT_EQ(log.len, 0);
	ASSERT_EQ(system("ip link del rt3"), 0);

	/* no vNIC: every route of cordon's goes, the others stay */
	plumb(v, 0, &log);
	ASSERT(!shows("ip route show proto 205; ip -6 route show proto 205", "dev"));
	ASSERT(shows("ip -4 route show proto static", "10.7.0.9 dev rt2"));
	cd_buf_free(&log);
	ASSERT_EQ(system("ip link del rt1 && ip link del rt2"), 0);
}
