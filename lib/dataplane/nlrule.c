/* nlrule.c - rendered rule lines to libnftnl expressions, as nft does. */
#include "dataplane/nlrule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/util.h"

#define MAX_TOKENS 32

/* Split a line into words; "quoted strings" are one word, unquoted. */
static int tokenize(char *s, char **tok)
{
	int n = 0;
	while (*s && n < MAX_TOKENS) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*s == '"') {
			char *e = strchr(s + 1, '"');
			if (!e)
				return -1;
			*e = '\0';
			tok[n++] = s + 1;
			s = e + 1;
			continue;
		}
		tok[n++] = s;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return *s ? -1 : n;
}

struct nl {
	struct nftnl_rule *r;
	int nfproto;      /* the family already checked, 0: none */
	int l4proto;      /* the protocol already checked, -1: none */
};

static void add(struct nl *x, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(x->r, e);
}

static void meta_load(struct nl *x, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	add(x, e);
}

static void cmp(struct nl *x, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	add(x, e);
}

static void payload(struct nl *x, uint32_t base, uint32_t off, uint32_t len,
		    uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	add(x, e);
}

static void lookup(struct nl *x, const char *set)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	add(x, e);
}

static void need_family(struct nl *x, int fam)
{
	if (x->nfproto == fam)
		return;
	uint8_t v = fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	meta_load(x, NFT_META_NFPROTO, NFT_REG_1);
	cmp(x, NFT_CMP_EQ, &v, 1);
	x->nfproto = fam;
}

static void need_l4proto(struct nl *x, uint8_t proto)
{
	if (x->l4proto == proto)
		return;
	meta_load(x, NFT_META_L4PROTO, NFT_REG_1);
	cmp(x, NFT_CMP_EQ, &proto, 1);
	x->l4proto = proto;
}

/* ip|ip6 saddr|daddr VALUE */
static int addr_match(struct nl *x, const char *fam, const char *dir,
		      const char *val)
{
	int f = !strcmp(fam, "ip") ? 4 : 6;
	bool src = !strcmp(dir, "saddr");
	if (!src && strcmp(dir, "daddr"))
		return -EINVAL;
	uint32_t off = f == 4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint32_t len = f == 4 ? 4 : 16;
	need_family(x, f);
	if (val[0] == '@') {
		payload(x, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
		lookup(x, val + 1);
		return 0;
	}
	struct cd_addr a;
	const char *why;
	if (cd_addr_parse(val, true, &a, &why) < 0 || a.family != f)
		return -EINVAL;
	if (a.plen % 8 == 0 && a.plen > 0) {
		/* whole bytes: load just those */
		payload(x, NFT_PAYLOAD_NETWORK_HEADER, off, a.plen / 8u, NFT_REG_1);
		cmp(x, NFT_CMP_EQ, a.b, a.plen / 8u);
		return 0;
	}
	uint8_t mask[16] = { 0 }, zero[16] = { 0 };
	for (int bit = 0; bit < a.plen; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	payload(x, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	add(x, e);
	cmp(x, NFT_CMP_EQ, a.b, len);
	return 0;
}

static int proto_num(const char *s)
{
	return !strcmp(s, "tcp") ? IPPROTO_TCP : !strcmp(s, "udp") ? IPPROTO_UDP : -1;
}

/* tcp|udp dport N or N-M */
static int dport(struct nl *x, int proto, const char *val)
{
	char *end;
	unsigned long lo = strtoul(val, &end, 10), hi = lo;
	if (*end == '-')
		hi = strtoul(end + 1, &end, 10);
	if (*end || lo < 1 || hi > 65535 || lo > hi)
		return -EINVAL;
	need_l4proto(x, (uint8_t)proto);
	payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	uint16_t l = htons((uint16_t)lo), h = htons((uint16_t)hi);
	if (lo == hi) {
		cmp(x, NFT_CMP_EQ, &l, 2);
	} else {
		cmp(x, NFT_CMP_GTE, &l, 2);
		cmp(x, NFT_CMP_LTE, &h, 2);
	}
	return 0;
}

static void verdict(struct nl *x, int v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	add(x, e);
}

static void reject(struct nl *x, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = nftnl_expr_alloc("reject");
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
	add(x, e);
}

int cd_nl_rule(struct nftnl_rule *r, const char *line)
{
	char *copy = cd_strdup(line), *t[MAX_TOKENS];
	int n = tokenize(copy, t), i = 0, ret = 0;
	struct nl x = { .r = r, .nfproto = 0, .l4proto = -1 };
#define IS(k, s) (i + (k) < n && !strcmp(t[i + (k)], (s)))
	if (n <= 0)
		ret = -EINVAL;
	while (ret == 0 && i < n) {
		if ((IS(0, "ip") || IS(0, "ip6")) && i + 2 < n) {
			ret = addr_match(&x, t[i], t[i + 1], t[i + 2]);
			i += 3;
		} else if (IS(0, "meta") && IS(1, "l4proto") && IS(2, ".") && IS(3, "th") &&
			   IS(4, "dport") && i + 5 < n && t[i + 5][0] == '@') {
			meta_load(&x, NFT_META_L4PROTO, NFT_REG_1);
			struct nftnl_expr *e = nftnl_expr_alloc("byteorder");
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
			add(&x, e);
			payload(&x, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
			lookup(&x, t[i + 5] + 1);
			x.l4proto = -1;
			i += 6;
		} else if (IS(0, "meta") && IS(1, "l4proto") && i + 2 < n &&
			   proto_num(t[i + 2]) > 0) {
			/* an explicit match always loads, as nft does */
			x.l4proto = -1;
			need_l4proto(&x, (uint8_t)proto_num(t[i + 2]));
			i += 3;
		} else if (i + 2 < n && proto_num(t[i]) > 0 && IS(1, "dport")) {
			ret = dport(&x, proto_num(t[i]), t[i + 2]);
			i += 3;
		} else if ((IS(0, "icmp") || IS(0, "icmpv6")) && IS(1, "type") &&
			   IS(2, "echo-request")) {
			bool v6 = !strcmp(t[i], "icmpv6");
			uint8_t type = v6 ? 128 : 8;
			need_family(&x, v6 ? 6 : 4);
			need_l4proto(&x, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
			payload(&x, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
			cmp(&x, NFT_CMP_EQ, &type, 1);
			i += 3;
		} else if (IS(0, "fib") && (IS(1, "saddr") || IS(1, "daddr")) && IS(2, "type") &&
			   IS(3, "local")) {
			/* the host's own address (a rule's "host" endpoint) */
			struct nftnl_expr *e = nftnl_expr_alloc("fib");
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS,
					   IS(1, "saddr") ? NFTA_FIB_F_SADDR : NFTA_FIB_F_DADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
			add(&x, e);
			uint32_t local = 2;   /* RTN_LOCAL */
			cmp(&x, NFT_CMP_EQ, &local, 4);
			i += 4;
		} else if (IS(0, "log") && IS(1, "prefix") && i + 2 < n) {
			/* to the kernel's log, or with "group N" to nflog */
			struct nftnl_expr *e = nftnl_expr_alloc("log");
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, t[i + 2]);
			i += 3;
			if (IS(0, "group") && i + 1 < n) {
				char *end;
				unsigned long g = strtoul(t[i + 1], &end, 10);
				if (*end || end == t[i + 1] || g > UINT16_MAX)
					ret = -EINVAL;
				nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)g);
				i += 2;
			}
			add(&x, e);
		} else if (IS(0, "counter") && IS(1, "name") && i + 2 < n) {
			struct nftnl_expr *e = nftnl_expr_alloc("objref");
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
			nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, t[i + 2]);
			add(&x, e);
			i += 3;
		} else if (IS(0, "return") || IS(0, "accept") || IS(0, "drop")) {
			verdict(&x, IS(0, "return") ? NFT_RETURN : IS(0, "accept") ? NF_ACCEPT : NF_DROP);
			i++;
		} else if (IS(0, "reject") && IS(1, "with") && IS(2, "tcp") && IS(3, "reset")) {
			reject(&x, NFT_REJECT_TCP_RST, 0);
			i += 4;
		} else if (IS(0, "reject") && IS(1, "with") && IS(2, "icmpx") && IS(3, "type") &&
			   IS(4, "admin-prohibited")) {
			reject(&x, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
			i += 5;
		} else {
			ret = -EINVAL;
		}
	}
#undef IS
	free(copy);
	return ret;
}
