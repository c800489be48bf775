/* ct.c - selective conntrack deletion with libnetfilter_conntrack. */
#include "dataplane/ct.h"

#include <errno.h>
#include <ifaddrs.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"

struct cut {
	const struct cd_state *st;
	const struct cd_host *h;
	const struct cd_addr *only;     /* filter, or NULL */
	size_t nonly;
	struct cd_prog *progs;          /* compiled on demand, per host vNIC */
	bool *have;
	struct nf_conntrack **doomed;   /* entries to delete */
	size_t ndoomed, cap;
	struct cd_addr *local;          /* the host's own addresses */
	size_t nlocal, localcap;
};

/* The addresses of the network namespace the cut runs in: a flow to or
 * from one of them is the host's own (a rule's "host"). */
static void read_local(struct cut *c)
{
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		struct cd_addr a = { 0 };
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = 4, a.plen = 32;
			memcpy(a.b, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else {
			a.family = 6, a.plen = 128;
			memcpy(a.b, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		}
		CD_PUSH(c->local, c->nlocal, c->localcap, a);
	}
	freeifaddrs(ifs);
}

static bool is_local(const struct cut *c, const struct cd_addr *a)
{
	for (size_t i = 0; i < c->nlocal; i++)
		if (cd_addr_eq(&c->local[i], a))
			return true;
	return false;
}

/* What a workload always reaches of its host (the input chain accepts it
 * before the vNIC's chains: DHCP, DHCPv6, DNS). */
static bool host_service(const struct cd_flow *f)
{
	return f->dst_host && ((f->proto == CD_PROTO_UDP &&
				(f->port == 53 || f->port == 67 || f->port == 547)) ||
			       (f->proto == CD_PROTO_TCP && f->port == 53));
}

/* The index in h->v of the vNIC owning a, or -1 when a is not local. */
static long local_vnic(const struct cut *c, const struct cd_addr *a)
{
	size_t wl, vnic;
	if (!cd_state_owner(c->st, a, &wl, &vnic))
		return -1;
	for (size_t k = 0; k < c->h->n; k++)
		if (c->h->v[k].wl == wl && c->h->v[k].vnic == vnic)
			return (long)k;
	return -1;
}

static bool in_only(const struct cut *c, const struct cd_addr *a)
{
	for (size_t i = 0; i < c->nonly; i++)
		if (cd_addr_eq(&c->only[i], a))
			return true;
	return false;
}

/* Read an entry's original direction into a flow; false if not IP. */
static bool to_flow(const struct nf_conntrack *ct, struct cd_flow *f)
{
	memset(f, 0, sizeof(*f));
	uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	if (l3 == AF_INET) {
		f->src.family = f->dst.family = 4;
		f->src.plen = f->dst.plen = 32;
		memcpy(f->src.b, nfct_get_attr(ct, ATTR_ORIG_IPV4_SRC), 4);
		memcpy(f->dst.b, nfct_get_attr(ct, ATTR_ORIG_IPV4_DST), 4);
	} else if (l3 == AF_INET6) {
		f->src.family = f->dst.family = 6;
		f->src.plen = f->dst.plen = 128;
		memcpy(f->src.b, nfct_get_attr(ct, ATTR_ORIG_IPV6_SRC), 16);
		memcpy(f->dst.b, nfct_get_attr(ct, ATTR_ORIG_IPV6_DST), 16);
	} else {
		return false;
	}
	uint8_t l4 = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	switch (l4) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		f->proto = l4 == IPPROTO_TCP ? CD_PROTO_TCP : CD_PROTO_UDP;
		f->port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* echo is what rules name; other ICMP is matched by "any" */
		f->proto = nfct_get_attr_u8(ct, ATTR_ICMP_TYPE) ==
				   (l4 == IPPROTO_ICMP ? 8 : 128)
			   ? CD_PROTO_ICMP : CD_PROTO_ANY;
		break;
	default:
		f->proto = CD_PROTO_ANY;   /* only service "any" matches it */
		break;
	}
	return true;
}

static bool denied_at(struct cut *c, long k, enum cd_stage s,
		      const struct cd_flow *f)
{
	if (k < 0)
		return false;
	if (!c->have[k]) {
		cd_compile_vnic(c->st, c->h->v[k].wl, c->h->v[k].vnic, &c->progs[k]);
		c->have[k] = true;
	}
	struct cd_stage_result res;
	cd_prog_eval(c->st, &c->progs[k], s, f, &res);
	return res.verdict != CD_ALLOW;
}

static int on_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		    void *data)
{
	struct cut *c = data;
	struct cd_flow f;
	(void)type;
	if (!to_flow(ct, &f))
		return NFCT_CB_CONTINUE;
	if (c->only && !in_only(c, &f.src) && !in_only(c, &f.dst))
		return NFCT_CB_CONTINUE;
	f.src_host = is_local(c, &f.src);
	f.dst_host = is_local(c, &f.dst);
	if (host_service(&f))
		return NFCT_CB_CONTINUE;
	long src = local_vnic(c, &f.src), dst = local_vnic(c, &f.dst);
	if (denied_at(c, src, CD_EGRESS, &f) || denied_at(c, dst, CD_INGRESS, &f)) {
		struct nf_conntrack *copy = nfct_clone(ct);
		if (copy)
			CD_PUSH(c->doomed, c->ndoomed, c->cap, copy);
	}
	return NFCT_CB_CONTINUE;
}

int cd_ct_cut(const struct cd_state *st, const struct cd_host *h,
	      const struct cd_addr *only, size_t nonly, size_t *ncut)
{
	struct cut c = {
		.st = st, .h = h, .only = only, .nonly = nonly,
		.progs = cd_calloc(h->n + 1, sizeof(struct cd_prog)),
		.have = cd_calloc(h->n + 1, sizeof(bool)),
	};
	int r = 0;
	*ncut = 0;
	read_local(&c);
	struct nfct_handle *nh = nfct_open(CONNTRACK, 0);
	if (!nh) {
		r = -errno;
		goto out;
	}
	nfct_callback_register(nh, NFCT_T_ALL, on_entry, &c);
	/* one dump of both families: a dump walks every bucket of the
	 * table, empty or not, so it costs the same for any family */
	uint32_t fam = AF_UNSPEC;
	if (nfct_query(nh, NFCT_Q_DUMP, &fam) < 0)
		r = -errno;
	nfct_callback_unregister(nh);
	for (size_t i = 0; i < c.ndoomed; i++) {
		/* an entry may have ended by itself meanwhile: not an error */
		if (nfct_query(nh, NFCT_Q_DESTROY, c.doomed[i]) == 0)
			(*ncut)++;
		else if (errno != ENOENT && r == 0)
			r = -errno;
	}
	nfct_close(nh);
out:
	for (size_t i = 0; i < c.ndoomed; i++)
		nfct_destroy(c.doomed[i]);
	free(c.doomed);
	for (size_t k = 0; k < h->n; k++)
		if (c.have[k])
			cd_prog_free(&c.progs[k]);
	free(c.progs);
	free(c.have);
	free(c.local);
	return r;
}
