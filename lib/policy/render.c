/* render.c - nft syntax for a host's programs.
 *
 * Each policy rule at a vNIC becomes one or more nft rules: one per
 * combination of remote endpoint (a set, an address list or a prefix),
 * service form (tcp ports, udp ports, protocols, ICMP echo) and address
 * family that can match.  All of them share the rule's named counter, so
 * hit counts stay per policy rule. */
#include "policy/render.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* An nft identifier for pfx + name: the name itself when it is made of
 * [A-Za-z0-9_.-] and not too long, else a cleaned prefix and a hash of the
 * exact name.  Stable: it depends on the name alone, so names do not
 * change when other objects come and go. */
static char *nft_name(const char *pfx, const char *name, size_t maxlen)
{
	size_t n = strlen(name);
	bool clean = n > 0 && n <= maxlen;
	for (const char *c = name; clean && *c; c++)
		clean = isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '-';
	if (clean)
		return cd_asprintf("%s%s", pfx, name);
	uint32_t h = 2166136261u;
	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	struct cd_buf b;
	cd_buf_init(&b, 256);
	cd_buf_puts(&b, pfx);
	for (const char *c = name; *c && b.len < strlen(pfx) + 40; c++) {
		char ch = isalnum((unsigned char)*c) ? *c : '_';
		if (cd_buf_add(&b, &ch, 1) < 0)    /* (at most 40 in 256) */
			break;
	}
	cd_buf_printf(&b, "_%08x", h);
	return cd_buf_steal(&b);
}

void cd_names_init(struct cd_names *nm, const struct cd_policy *pol)
{
	nm->ngroups = pol->ngroups;
	nm->nipsets = pol->nipsets;
	nm->group = cd_calloc(pol->ngroups + 1, sizeof(char *));
	nm->ipset = cd_calloc(pol->nipsets + 1, sizeof(char *));
	for (size_t i = 0; i < pol->ngroups; i++)
		nm->group[i] = nft_name("g_", pol->groups[i].name, 200);
	for (size_t i = 0; i < pol->nipsets; i++)
		nm->ipset[i] = nft_name("s_", pol->ipsets[i].name, 200);
	/* port sets: one per distinct list of ports, shared by the rules */
	struct cd_map seen;
	cd_map_init_exact(&seen);
	nm->ports = cd_calloc(pol->nrules + 1, sizeof(char *));
	nm->port_sets = cd_calloc(pol->nrules + 1, sizeof(char *));
	nm->port_elements = cd_calloc(pol->nrules + 1, sizeof(char *));
	nm->port_refs = cd_calloc(pol->nrules + 1, sizeof(size_t));
	for (size_t i = 0; i < pol->nrules; i++) {
		char *el = cd_port_elements(&pol->rules[i]);
		if (!el)
			continue;
		size_t k;
		if (cd_map_get(&seen, el, &k)) {
			free(el);
		} else {
			k = nm->nport_sets++;
			nm->port_elements[k] = el;
			nm->port_sets[k] = cd_asprintf("p_%zu", k + 1);
			cd_map_put(&seen, el, k, NULL);
		}
		nm->ports[i] = nm->port_sets[k];
		nm->port_refs[k]++;
	}
	cd_map_free(&seen);
}

void cd_names_free(struct cd_names *nm)
{
	for (size_t i = 0; i < nm->ngroups; i++)
		free(nm->group[i]);
	for (size_t i = 0; i < nm->nipsets; i++)
		free(nm->ipset[i]);
	for (size_t i = 0; i < nm->nport_sets; i++) {
		free(nm->port_sets[i]);
		free(nm->port_elements[i]);
	}
	free(nm->group);
	free(nm->ipset);
	free(nm->ports);
	free(nm->port_sets);
	free(nm->port_elements);
	free(nm->port_refs);
	memset(nm, 0, sizeof(*nm));
}

char *cd_vnic_name(const char *ifname)
{
	return nft_name("", ifname, 15);
}

struct rctx {
	const struct cd_state *st;
	const struct cd_names *nm;
	struct cd_buf *b;
	int err;
};

static void out(struct rctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out(struct rctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = cd_buf_vprintf(x->b, fmt, ap);
	va_end(ap);
	if (r < 0 && !x->err)
		x->err = r;
}

static bool has_family(const struct cd_addr *a, size_t n, int fam)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].family == fam)
			return true;
	return false;
}

char *cd_rule_comment(const struct cd_rule *r)
{
	char *c = r->name ? cd_asprintf("%s: %.100s", cd_category_name(r->category),
					r->name)
			  : cd_strdup(cd_category_name(r->category));
	for (char *q = c; *q; q++)
		if (*q == '"' || *q == '\\' || !isprint((unsigned char)*q))
			*q = '\'';
	return c;
}

/* --- sets -------------------------------------------------------------- */

static int cmp_addr(const void *a, const void *b)
{
	return cd_addr_cmp(a, b);
}

/* "a, b, c" of the addresses of family fam, sorted. */
static int element_list(struct cd_buf *b, struct cd_addr *v, size_t n, int fam)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_addr);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (v[i].family != fam)
			continue;
		char buf[CD_ADDR_STRLEN];
		int r = cd_buf_printf(b, "%s%s", first ? "" : ", ", cd_addr_fmt(&v[i], buf));
		if (r < 0)
			return r;
		first = false;
	}
	return 0;
}

size_t cd_group_addrs(const struct cd_state *st, size_t g, int fam,
		      struct cd_addr **out)
{
	struct cd_addr *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t w = 0; w < st->inv.n; w++) {
		if (!cd_member(&st->mem, g, w))
			continue;
		const struct cd_workload *wl = &st->inv.w[w];
		for (size_t i = 0; i < wl->nvnics; i++)
			for (size_t a = 0; a < wl->vnics[i].nips; a++)
				if (wl->vnics[i].ips[a].family == fam)
					CD_PUSH(v, n, cap, wl->vnics[i].ips[a]);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_addr);
	*out = v;
	return n;
}

int cd_render_group_elements(const struct cd_state *st, size_t g, int fam,
			     struct cd_buf *b)
{
	struct cd_addr *v;
	size_t n = cd_group_addrs(st, g, fam, &v);
	int r = element_list(b, v, n, fam);
	free(v);
	return r;
}

int cd_render_ipset_elements(const struct cd_state *st, size_t i, int fam,
			     struct cd_buf *b)
{
	const struct cd_ipset *s = &st->pol.ipsets[i];
	struct cd_addr *v = cd_calloc(s->n ? s->n : 1, sizeof(*v));
	if (s->n)
		memcpy(v, s->addrs, s->n * sizeof(*v));
	int r = element_list(b, v, s->n, fam);
	free(v);
	return r;
}

bool cd_ipset_has_family(const struct cd_ipset *s, int fam)
{
	return has_family(s->addrs, s->n, fam);
}

/* --- rules ------------------------------------------------------------- */

/* A piece of a match: text and the family it implies (0: either). */
struct atom {
	int fam;
	char *text;        /* "" for no match */
	int tcp;           /* service atoms: 0 never tcp, 1 only tcp, 2 maybe */
};

struct atoms {
	struct atom *v;
	size_t n, cap;
};

static void atom_add(struct atoms *a, int fam, int tcp, char *text)
{
	struct atom t = { fam, text, tcp };
	CD_PUSH(a->v, a->n, a->cap, t);
}

static void atoms_free(struct atoms *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].text);
	free(a->v);
}

/* "ip daddr 10.0.0.1": one address; sets are never anonymous here (the
 * kernel looks anonymous sets up through the transaction list, which makes
 * a large table quadratic to load). */
static char *addr_text(const char *key, const struct cd_addr *a)
{
	char buf[CD_ADDR_STRLEN];
	return cd_asprintf("%s %s %s", a->family == 4 ? "ip" : "ip6", key,
			   cd_addr_fmt(a, buf));
}

/* Remote side atoms; key is "saddr" or "daddr". */
static void remote_atoms(struct rctx *x, const struct cd_ref *refs, size_t n,
			 const char *key, struct atoms *out_)
{
	const struct cd_state *st = x->st;
	for (size_t i = 0; i < n; i++) {
		const struct cd_ref *r = &refs[i];
		switch (r->kind) {
		case CD_REF_ANY:
			atom_add(out_, 0, 0, cd_strdup(""));
			break;
		case CD_REF_GROUP:
			for (int fam = 4; fam <= 6; fam += 2)
				atom_add(out_, fam, 0, cd_asprintf("%s %s @%s_v%d",
					 fam == 4 ? "ip" : "ip6", key,
					 x->nm->group[r->idx], fam));
			break;
		case CD_REF_IPSET: {
			const struct cd_ipset *s = &st->pol.ipsets[r->idx];
			for (int fam = 4; fam <= 6; fam += 2)
				if (has_family(s->addrs, s->n, fam))
					atom_add(out_, fam, 0, cd_asprintf("%s %s @%s_v%d",
						 fam == 4 ? "ip" : "ip6", key,
						 x->nm->ipset[r->idx], fam));
			break;
		}
		case CD_REF_WORKLOAD: {
			const struct cd_workload *w = &st->inv.w[r->idx];
			for (size_t v = 0; v < w->nvnics; v++)
				for (size_t a = 0; a < w->vnics[v].nips; a++)
					atom_add(out_, w->vnics[v].ips[a].family, 0,
						 addr_text(key, &w->vnics[v].ips[a]));
			break;
		}
		case CD_REF_ADDR:
			atom_add(out_, r->addr.family, 0, addr_text(key, &r->addr));
			break;
		case CD_REF_HOST:       /* any address of the host's own */
			atom_add(out_, 0, 0, cd_asprintf("fib %s type local", key));
			break;
		}
	}
}

/* The port entries of a rule that are not covered by a whole protocol,
 * merged and sorted: what its port match holds. */
static size_t port_entries(const struct cd_rule *r, struct cd_svc *out)
{
	bool all[4] = { false };
	size_t n = 0;
	for (size_t i = 0; i < r->nsvc; i++)
		if (r->svc[i].proto != CD_PROTO_ICMP && !r->svc[i].lo)
			all[r->svc[i].proto] = true;
	for (size_t i = 0; i < r->nsvc; i++) {
		const struct cd_svc *e = &r->svc[i];
		if ((e->proto == CD_PROTO_TCP || e->proto == CD_PROTO_UDP) && e->lo &&
		    !all[e->proto])
			out[n++] = *e;
	}
	/* sort by (proto, lo), then merge overlapping and adjacent ranges */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && (out[j - 1].proto > out[j].proto ||
					     (out[j - 1].proto == out[j].proto &&
					      out[j - 1].lo > out[j].lo)); j--) {
			struct cd_svc t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && out[m - 1].proto == out[i].proto &&
		    (unsigned)out[i].lo <= (unsigned)out[m - 1].hi + 1) {
			if (out[i].hi > out[m - 1].hi)
				out[m - 1].hi = out[i].hi;
			continue;
		}
		out[m++] = out[i];
	}
	return m;
}

char *cd_port_elements(const struct cd_rule *r)
{
	struct cd_svc *e = cd_calloc(r->nsvc + 1, sizeof(*e));
	size_t n = port_entries(r, e);
	if (n < 2) {
		free(e);
		return NULL;
	}
	struct cd_buf b;
	cd_buf_init(&b, CD_RENDER_MAX);
	for (size_t i = 0; i < n; i++) {
		cd_buf_printf(&b, "%s%s . %u", i ? ", " : "", cd_proto_name(e[i].proto), e[i].lo);
		if (e[i].hi != e[i].lo)
			cd_buf_printf(&b, "-%u", e[i].hi);
	}
	free(e);
	return cd_buf_steal(&b);
}

static void service_atoms(struct rctx *x, const struct cd_rule *r,
			  struct atoms *out_)
{
	if (r->svc_any) {
		atom_add(out_, 0, 2, cd_strdup(""));
		return;
	}
	bool all[4] = { false };
	for (size_t i = 0; i < r->nsvc; i++)
		if (r->svc[i].proto == CD_PROTO_ICMP || !r->svc[i].lo)
			all[r->svc[i].proto] = true;
	if (all[CD_PROTO_TCP])
		atom_add(out_, 0, 1, cd_strdup("meta l4proto tcp"));
	if (all[CD_PROTO_UDP])
		atom_add(out_, 0, 0, cd_strdup("meta l4proto udp"));
	struct cd_svc *e = cd_calloc(r->nsvc + 1, sizeof(*e));
	size_t n = port_entries(r, e);
	const char *set = x->nm->ports[r - x->st->pol.rules];
	if (n == 1) {
		atom_add(out_, 0, e[0].proto == CD_PROTO_TCP,
			 e[0].lo == e[0].hi
				 ? cd_asprintf("%s dport %u", cd_proto_name(e[0].proto), e[0].lo)
				 : cd_asprintf("%s dport %u-%u", cd_proto_name(e[0].proto),
					       e[0].lo, e[0].hi));
	} else if (n > 1 && set) {
		bool tcp = false, udp = false;
		for (size_t i = 0; i < n; i++) {
			tcp |= e[i].proto == CD_PROTO_TCP;
			udp |= e[i].proto == CD_PROTO_UDP;
		}
		atom_add(out_, 0, tcp && udp ? 2 : tcp,
			 cd_asprintf("meta l4proto . th dport @%s", set));
	}
	free(e);
	if (all[CD_PROTO_ICMP]) {
		atom_add(out_, 4, 0, cd_strdup("icmp type echo-request"));
		atom_add(out_, 6, 0, cd_strdup("icmpv6 type echo-request"));
	}
}

void cd_render_flow_prefix(char *buf, size_t len, bool egress, uint32_t rule, bool reject)
{
	if (rule)
		snprintf(buf, len, CD_FLOW_PREFIX "%s r%u %s", egress ? "out" : "in", rule,
			 reject ? "reject" : "drop");
	else
		snprintf(buf, len, CD_FLOW_PREFIX "%s default %s", egress ? "out" : "in",
			 reject ? "reject" : "drop");
}

static void emit(struct rctx *x, const struct cd_prule *pr, enum cd_stage s,
		 const char *local, const struct atom *rem, const struct atom *svc)
{
	const struct cd_rule *r = pr->rule;
	const char *parts[3] = { local, rem->text, svc->text };
	struct cd_buf head;
	cd_buf_init(&head, CD_RENDER_MAX);
	for (int i = 0; i < 3; i++)
		if (*parts[i])
			cd_buf_printf(&head, "%s%s", head.len ? " " : "", parts[i]);
	const char *h = head.data ? head.data : "";
	const char *sep = head.len ? " " : "";
	/* a drop or a reject is logged for the flow records (flowlog.h),
	 * after the rule's own log line when it asks for one */
	char tail[256], flow[96] = "", own[64] = "";
	if (r->log)
		snprintf(own, sizeof(own), "log prefix \"cordon r%u \" ", r->id);
	if (!r->staged && r->action != CD_ALLOW) {
		char pfx[48];
		cd_render_flow_prefix(pfx, sizeof(pfx), s == CD_EGRESS, r->id, r->action == CD_REJECT);
		snprintf(flow, sizeof(flow), "log prefix \"%s\" group %u ", pfx, CD_FLOW_NFLOG_GROUP);
	}
	snprintf(tail, sizeof(tail), "%s%scounter name \"r%u\"", own, flow, r->id);
	if (r->staged) {                   /* counted, and on to the next rule */
		out(x, "%s%s%s\n", h, sep, tail);
		cd_buf_free(&head);
		return;
	}
	switch (r->action) {
	case CD_ALLOW:
		out(x, "%s%s%s %s\n", h, sep, tail,
		    s == CD_EGRESS ? "return" : "accept");
		break;
	case CD_DROP:
		out(x, "%s%s%s drop\n", h, sep, tail);
		break;
	case CD_REJECT:
		if (svc->tcp == 1) {
			out(x, "%s%s%s reject with tcp reset\n", h, sep, tail);
			break;
		}
		if (svc->tcp == 2)
			out(x, "%s%smeta l4proto tcp %s reject with tcp reset\n",
			    h, sep, tail);
		out(x, "%s%s%s reject with icmpx type admin-prohibited\n",
		    h, sep, tail);
		break;
	}
	cd_buf_free(&head);
}

static void render_rule(struct rctx *x, const struct cd_prule *pr,
			enum cd_stage s)
{
	const struct cd_rule *r = pr->rule;
	const char *lkey = s == CD_EGRESS ? "saddr" : "daddr";
	const char *rkey = s == CD_EGRESS ? "daddr" : "saddr";
	struct atoms rem = { 0 }, svc = { 0 };
	remote_atoms(x, s == CD_EGRESS ? r->dst : r->src,
		     s == CD_EGRESS ? r->ndst : r->nsrc, rkey, &rem);
	service_atoms(x, r, &svc);
	for (size_t i = 0; i < rem.n; i++) {
		for (size_t j = 0; j < svc.n; j++) {
			int fam = rem.v[i].fam;
			if (svc.v[j].fam) {
				if (fam && fam != svc.v[j].fam)
					continue;
				fam = svc.v[j].fam;
			}
			if (pr->local_all) {
				emit(x, pr, s, "", &rem.v[i], &svc.v[j]);
				continue;
			}
			for (size_t a = 0; a < pr->nlocal; a++) {
				if (fam && fam != pr->local[a].family)
					continue;
				char *l = addr_text(lkey, &pr->local[a]);
				emit(x, pr, s, l, &rem.v[i], &svc.v[j]);
				free(l);
			}
		}
	}
	atoms_free(&rem);
	atoms_free(&svc);
}

int cd_render_chain(const struct cd_state *st, const struct cd_names *nm,
		    const struct cd_prog *p, enum cd_stage s, struct cd_buf *b)
{
	struct rctx x = { .st = st, .nm = nm, .b = b };
	for (size_t i = 0; i < p->n[s]; i++)
		render_rule(&x, &p->r[s][i], s);
	if (st->pol.default_action == CD_DROP && !p->closed[s]) {
		char pfx[48];
		cd_render_flow_prefix(pfx, sizeof(pfx), s == CD_EGRESS, 0, false);
		out(&x, "log prefix \"%s\" group %u counter name \"default_%s\" drop\n", pfx,
		    CD_FLOW_NFLOG_GROUP, s == CD_EGRESS ? "out" : "in");
	}
	return x.err;
}
