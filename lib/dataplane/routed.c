/* routed.c - routes, gateway addresses and proxy ARP of routed vNICs
 * (see routed.h). */
#define _GNU_SOURCE
#include "dataplane/routed.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/rtnl.h"

/* one of cordon's host routes, as the kernel holds it */
struct route {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t dst[16];         /* the address (4 or 16 bytes) */
	int oif;                 /* through this device */
	bool wanted;             /* a vNIC of the host has that address */
};

struct routes {
	struct route *v;
	size_t n, cap;
};

/* the attributes of a route message that matter here */
struct rt_attrs {
	const struct nlattr *dst, *oif, *table;
};

static int on_rt_attr(const struct nlattr *a, void *data)
{
	struct rt_attrs *t = data;
	switch (mnl_attr_get_type(a)) {
	case RTA_DST: t->dst = a; break;
	case RTA_OIF: t->oif = a; break;
	case RTA_TABLE: t->table = a; break;
	}
	return MNL_CB_OK;
}

/* cordon's host routes (/32, /128, proto CD_RTPROT) of the main table */
static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct routes *rs = data;
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	struct rt_attrs t = { 0 };
	if (rm->rtm_family != AF_INET && rm->rtm_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rm), on_rt_attr, &t);
	unsigned table = t.table ? mnl_attr_get_u32(t.table) : rm->rtm_table;
	size_t alen = rm->rtm_family == AF_INET ? 4 : 16;
	if (table != RT_TABLE_MAIN || rm->rtm_protocol != CD_RTPROT || !t.dst ||
	    rm->rtm_dst_len != alen * 8 || mnl_attr_get_payload_len(t.dst) != alen)
		return MNL_CB_OK;
	struct route r = { .family = rm->rtm_family,
			   .oif = t.oif ? (int)mnl_attr_get_u32(t.oif) : 0 };
	memcpy(r.dst, mnl_attr_get_payload(t.dst), alen);
	CD_PUSH(rs->v, rs->n, rs->cap, r);
	return MNL_CB_OK;
}

/* a request's header in buf */
static struct nlmsghdr *request(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	return nlh;
}

/* cordon's routes: with strict checking the kernel answers only those of
 * its protocol (a host with a full routing table is not walked whole at
 * each heartbeat); on_route keeps only those in any case */
static int dump_routes(struct mnl_socket *nl, struct routes *rs)
{
	char buf[256];
	int one = 1;
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	struct nlmsghdr *nlh = request(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = AF_UNSPEC;
	rm->rtm_protocol = CD_RTPROT;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	return cd_rtnl_talk(nl, nlh, on_route, rs);
}

/* A host route of cordon's: RTM_NEWROUTE creates one where there is none
 * (replace: also one of cordon's through another device), RTM_DELROUTE
 * deletes one.  -EEXIST: a route someone else made is there. */
static int route_op(struct mnl_socket *nl, uint16_t type, int family, const uint8_t *dst, int oif,
		    bool replace)
{
	char buf[256];
	struct nlmsghdr *nlh = request(buf, type, NLM_F_ACK |
				       (type == RTM_NEWROUTE ? NLM_F_CREATE |
					(replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0));
	struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	size_t alen = family == AF_INET ? 4 : 16;
	rm->rtm_family = (uint8_t)family;
	rm->rtm_dst_len = (uint8_t)(alen * 8);
	rm->rtm_table = RT_TABLE_MAIN;
	rm->rtm_protocol = CD_RTPROT;
	rm->rtm_scope = RT_SCOPE_LINK;
	rm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return cd_rtnl_talk(nl, nlh, NULL, NULL);
}

/* an address on the device, unless it has it: 1 added, 0 there, <0 */
static int addr_add(struct mnl_socket *nl, int family, const char *text, int plen, int ifindex)
{
	char buf[256];
	uint8_t a[16];
	if (inet_pton(family, text, a) != 1)
		return -EINVAL;
	struct nlmsghdr *nlh = request(buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_LINK;
	ifa->ifa_index = (uint32_t)ifindex;
	if (family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, family == AF_INET ? 4 : 16, a);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	int r = cd_rtnl_talk(nl, nlh, NULL, NULL);
	return r == -EEXIST ? 0 : r == 0 ? 1 : r;
}

/* proxy_arp on the device: 1 turned on, 0 it was, <0 */
static int proxy_arp_on(const char *ifname)
{
	char path[96], v[4] = "";
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/proxy_arp", ifname);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, v, sizeof(v) - 1);
	int r = 0;
	if (n <= 0 || v[0] != '1')
		r = pwrite(fd, "1\n", 2, 0) == 2 ? 1 : -errno;
	close(fd);
	return r;
}

/* an address as text */
static void fmt(int family, const uint8_t *a, char *out, size_t n)
{
	inet_ntop(family, a, out, (socklen_t)n);
}

/* whether another vNIC than v[i] claims address a: then neither is routed */
static bool claimed_twice(const struct cd_routed_vnic *v, size_t n, size_t i, const struct cd_addr *a)
{
	for (size_t j = 0; j < n; j++)
		for (size_t k = 0; j != i && k < v[j].nips; k++)
			if (cd_addr_eq(&v[j].ips[k], a))
				return true;
	return false;
}

int cd_routed_plumb(const struct cd_routed_vnic *v, size_t n, struct cd_buf *log, struct cd_buf *err)
{
	struct mnl_socket *nl = cd_rtnl_open(err);
	if (!nl)
		return -errno;
	struct routes rs = { 0 };
	int r = dump_routes(nl, &rs);
	if (r < 0)
		cd_buf_printf(err, "listing the routes: %s", strerror(-r));
	for (size_t i = 0; i < n && r == 0; i++) {
		int ifindex = (int)if_nametoindex(v[i].ifname);
		if (!ifindex)
			continue;
		int e[3] = { addr_add(nl, AF_INET, "169.254.1.1", 32, ifindex),
			     addr_add(nl, AF_INET6, "fe80::1", 64, ifindex), proxy_arp_on(v[i].ifname) };
		if (e[1] == -EACCES)
			e[1] = 0;   /* IPv6 is off on the device: no gateway to give, and
				     * no line at every heartbeat to say so */
		static const char *const what[3] = { "gateway 169.254.1.1", "gateway fe80::1",
						     "proxy ARP" };
		if (e[0] > 0 || e[1] > 0 || e[2] > 0)
			cd_buf_printf(log, "vNIC %s routed: gateway 169.254.1.1 and fe80::1, proxy ARP\n",
				      v[i].ifname);
		for (int s = 0; s < 3; s++)
			if (e[s] < 0)
				cd_buf_printf(log, "vNIC %s: could not set its %s: %s\n", v[i].ifname,
					      what[s], strerror(-e[s]));
		for (size_t k = 0; k < v[i].nips; k++) {
			const struct cd_addr *a = &v[i].ips[k];
			int fam = a->family == 4 ? AF_INET : AF_INET6;
			size_t alen = a->family == 4 ? 4 : 16;
			char text[64];
			fmt(fam, a->b, text, sizeof(text));
			if (claimed_twice(v, n, i, a)) {
				cd_buf_printf(log, "vNIC %s: %s is claimed by another vNIC too: not routed\n",
					      v[i].ifname, text);
				continue;
			}
			struct route *have = NULL;
			for (size_t j = 0; j < rs.n && !have; j++)
				if (rs.v[j].family == fam && !memcmp(rs.v[j].dst, a->b, alen))
					have = &rs.v[j];
			if (have)
				have->wanted = true;
			if (have && have->oif == ifindex)
				continue;
			/* a route of cordon's through another device is moved; one
			 * someone else made is left as it is */
			int r2 = route_op(nl, RTM_NEWROUTE, fam, a->b, ifindex, have != NULL);
			if (r2 == -EEXIST)
				continue;
			if (r2 < 0)
				cd_buf_printf(log, "vNIC %s: route to %s/%zu failed: %s\n", v[i].ifname,
					      text, alen * 8, strerror(-r2));
			else
				cd_buf_printf(log, "route %s/%zu dev %s %s\n", text, alen * 8, v[i].ifname,
					      have ? "moved from another vNIC" : "added");
		}
	}
	/* cordon's routes that no vNIC wants any more */
	for (size_t j = 0; j < rs.n && r == 0; j++) {
		const struct route *o = &rs.v[j];
		if (o->wanted)
			continue;
		char text[64];
		fmt(o->family, o->dst, text, sizeof(text));
		int e = route_op(nl, RTM_DELROUTE, o->family, o->dst, o->oif, false);
		if (e == 0)
			cd_buf_printf(log, "route %s deleted (no vNIC has that address now)\n", text);
		else if (e != -ESRCH)
			cd_buf_printf(log, "route %s: could not delete it: %s\n", text, strerror(-e));
	}
	free(rs.v);
	mnl_socket_close(nl);
	return r;
}
