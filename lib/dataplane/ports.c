/* ports.c - vNIC attachments and their bridges (see ports.h). */
#define _GNU_SOURCE
#include "dataplane/ports.h"
#include "dataplane/rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *cd_port_kind_name(enum cd_port_kind k)
{
	static const char *const n[] = { "absent", "routed", "bridged", "not enforced" };
	return (unsigned)k < CD_ARRAY_LEN(n) ? n[k] : "?";
}

struct link {
	int index, master;
	char name[16], kind[24];
	int nf4, nf6;            /* a bridge's nf_call_ip(6)tables, -1 unknown */
};

struct links {
	struct link *v;
	size_t n, cap;
};

static int on_info_data(const struct nlattr *a, void *data)
{
	struct link *l = data;
	if (mnl_attr_get_type(a) == IFLA_BR_NF_CALL_IPTABLES)
		l->nf4 = mnl_attr_get_u8(a);
	else if (mnl_attr_get_type(a) == IFLA_BR_NF_CALL_IP6TABLES)
		l->nf6 = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int on_linkinfo(const struct nlattr *a, void *data)
{
	struct link *l = data;
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
	else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(a, on_info_data, l);
	return MNL_CB_OK;
}

static int on_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, on_linkinfo, l);
		break;
	}
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct links *ls = data;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct link l = { .index = ifm->ifi_index, .nf4 = -1, .nf6 = -1 };
	mnl_attr_parse(nlh, sizeof(*ifm), on_attr, &l);
	CD_PUSH(ls->v, ls->n, ls->cap, l);
	return MNL_CB_OK;
}

/* One request and its answers (a dump, or an acknowledgement). */
static int dump_links(struct mnl_socket *nl, struct links *ls)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	return cd_rtnl_talk(nl, nlh, on_link, ls);
}

/* ip link set BRIDGE type bridge nf_call_iptables 1 nf_call_ip6tables 1 */
static int bridge_nf_on(struct mnl_socket *nl, const struct link *br)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL) + 1;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = br->index;
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *d = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IPTABLES, 1);
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IP6TABLES, 1);
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, li);
	return cd_rtnl_talk(nl, nlh, NULL, NULL);
}

/* /proc/sys/net/bridge exists once br_netfilter is in the kernel (built
 * in, or the module loaded); its files follow the caller's namespace. */
static bool brnf_present(void)
{
	struct stat sb;
	return stat("/proc/sys/net/bridge/bridge-nf-call-iptables", &sb) == 0;
}

static int read_flag(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void load_brnf(struct cd_buf *log)
{
	const char *paths[] = { "/sbin/modprobe", "/usr/sbin/modprobe" };
	for (size_t i = 0; i < CD_ARRAY_LEN(paths); i++) {
		if (access(paths[i], X_OK) != 0)
			continue;
		char *argv[] = { (char *)paths[i], (char *)"br_netfilter", NULL };
		pid_t pid;
		int st = 0;
		if (posix_spawn(&pid, paths[i], NULL, NULL, argv, environ) == 0 &&
		    waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			cd_buf_printf(log, "loaded the kernel module br_netfilter (bridged vNICs are filtered through it)\n");
			return;
		}
		cd_buf_printf(log, "modprobe br_netfilter failed (exit %d)\n",
			      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return;
	}
}

static const struct link *find(const struct links *ls, const char *name, int index)
{
	for (size_t i = 0; i < ls->n; i++)
		if (name ? strcmp(ls->v[i].name, name) == 0 : ls->v[i].index == index)
			return &ls->v[i];
	return NULL;
}

int cd_ports_prepare(const char *const *ifnames, size_t n, struct cd_port *out,
		     struct cd_buf *log, struct cd_buf *err)
{
	struct mnl_socket *nl = cd_rtnl_open(err);
	if (!nl)
		return -errno;
	struct links ls = { 0 };
	int r = dump_links(nl, &ls);
	if (r < 0)
		cd_buf_printf(err, "listing the links: %s", strerror(-r));
	bool tried_module = false;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct cd_port *p = &out[i];
		memset(p, 0, sizeof(*p));
		const struct link *l = find(&ls, ifnames[i], 0);
		if (!l) {
			p->kind = CD_PORT_ABSENT;
			continue;
		}
		if (strcmp(l->kind, "macvtap") == 0 || strcmp(l->kind, "macvlan") == 0) {
			p->kind = CD_PORT_UNFILTERED;
			snprintf(p->reason, sizeof(p->reason),
				 "a %s device (libvirt type='direct'): its traffic leaves by the "
				 "physical NIC without crossing the host's netfilter hooks", l->kind);
			continue;
		}
		if (!l->master) {
			p->kind = CD_PORT_ROUTED;
			continue;
		}
		const struct link *m = find(&ls, NULL, l->master);
		if (!m || strcmp(m->kind, "bridge") != 0) {
			p->kind = CD_PORT_UNFILTERED;
			bool ovs = m && strcmp(m->kind, "openvswitch") == 0;
			snprintf(p->reason, sizeof(p->reason), ovs ?
				 "a port of the Open vSwitch bridge %s: its traffic is switched "
				 "by Open vSwitch, outside netfilter" :
				 "a port of %s, a %s device: only Linux bridges are filtered",
				 m ? m->name : "an unknown master", m ? m->kind : "");
			continue;
		}
		snprintf(p->bridge, sizeof(p->bridge), "%s", m->name);
		if (!brnf_present() && !tried_module) {
			tried_module = true;
			load_brnf(log);
		}
		if (!brnf_present()) {
			p->kind = CD_PORT_UNFILTERED;
			snprintf(p->reason, sizeof(p->reason),
				 "a port of bridge %s, and this kernel has no br_netfilter "
				 "(modprobe br_netfilter failed)", m->name);
			continue;
		}
		p->kind = CD_PORT_BRIDGED;
		bool global = read_flag("/proc/sys/net/bridge/bridge-nf-call-iptables") == 1 &&
			      read_flag("/proc/sys/net/bridge/bridge-nf-call-ip6tables") == 1;
		if (global || (m->nf4 == 1 && m->nf6 == 1))
			continue;
		int e = bridge_nf_on(nl, m);
		if (e < 0) {
			p->kind = CD_PORT_UNFILTERED;
			snprintf(p->reason, sizeof(p->reason),
				 "a port of bridge %s, whose nf_call_iptables could not be set: %s",
				 m->name, strerror(-e));
			continue;
		}
		cd_buf_printf(log, "bridge %s: nf_call_iptables and nf_call_ip6tables turned on, "
			      "so that cordon's table sees its ports' traffic (first port: %s)\n",
			      m->name, l->name);
		/* the other ports of this bridge find it on */
		for (size_t k = 0; k < ls.n; k++)
			if (ls.v[k].index == m->index)
				ls.v[k].nf4 = ls.v[k].nf6 = 1;
	}
	free(ls.v);
	mnl_socket_close(nl);
	return r;
}
