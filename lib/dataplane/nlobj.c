/* nlobj.c - the nf_tables objects of a table as nft sends them. */
#include "dataplane/nlobj.h"

#include <stdio.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/render.h"

void nlo_table(struct nlbatch *nb, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, CD_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, nlbatch_family(nb));
	nftnl_table_nlmsg_build_payload(
		nlbatch_msg(nb, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
			    cd_strdup(type == NFT_MSG_NEWTABLE ? "creating the table"
							       : "deleting the old table")), t);
	nftnl_table_free(t);
	nlbatch_next(nb);
}

void nlo_counter(struct nlbatch *nb, const char *name, const char *comment)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, CD_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, nlbatch_family(nb));
	if (comment) {
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(512);
		nftnl_udata_put_strz(u, NFTNL_UDATA_OBJ_COMMENT, comment);
		nftnl_obj_set_data(o, NFTNL_OBJ_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	nftnl_obj_nlmsg_build_payload(
		nlbatch_msg(nb, NFT_MSG_NEWOBJ, NLM_F_CREATE, cd_asprintf("adding counter %s", name)), o);
	nftnl_obj_free(o);
	nlbatch_next(nb);
}

void nlo_chain(struct nlbatch *nb, const char *name, uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, CD_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, nlbatch_family(nb));
	if (hook != NLO_NOHOOK) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(
		nlbatch_msg(nb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, cd_asprintf("adding chain %s", name)), c);
	nftnl_chain_free(c);
	nlbatch_next(nb);
}

/* A set, with the userdata nft attaches (hex as nft 1.0.6 writes it). */
struct nftnl_set *nlo_set_new(struct nlbatch *nb, const char *name, uint32_t flags, uint32_t keytype,
				 uint32_t keylen, const char *udata_hex)
{
	static uint32_t id;   /* the kernel wants an id per set of a batch */
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++id);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, CD_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, nlbatch_family(nb));
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, keytype);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, keylen);
	uint8_t ud[128];
	size_t n = strlen(udata_hex) / 2;
	if (n > sizeof(ud))
		abort();   /* a builder's constant: never longer */
	for (size_t i = 0; i < n && i < sizeof(ud); i++) {
		unsigned v;
		sscanf(udata_hex + 2 * i, "%2x", &v);
		ud[i] = (uint8_t)v;
	}
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, ud, (uint32_t)n);
	return s;
}

void nlo_set_add(struct nlbatch *nb, struct nftnl_set *s)
{
	nftnl_set_nlmsg_build_payload(
		nlbatch_msg(nb, NFT_MSG_NEWSET, NLM_F_CREATE,
			    cd_asprintf("adding set %s", nftnl_set_get_str(s, NFTNL_SET_NAME))), s);
	nlbatch_next(nb);
}


void nlo_elems_flush(struct nlbatch *nb, struct nlo_elems *e)
{
	if (e->s && e->n) {
		nftnl_set_elems_nlmsg_build_payload(
			nlbatch_msg(nb, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
				    cd_asprintf("adding elements to set %s", e->set)), e->s);
		nlbatch_next(nb);
	}
	if (e->s)
		nftnl_set_free(e->s);
	e->s = NULL;
	e->n = 0;
}

struct nftnl_set_elem *nlo_elem_new(struct nlbatch *nb, struct nlo_elems *e)
{
	if (e->n == NLO_CHUNK)
		nlo_elems_flush(nb, e);
	if (!e->s) {
		e->s = nftnl_set_alloc();
		nftnl_set_set_str(e->s, NFTNL_SET_TABLE, CD_TABLE);
		nftnl_set_set_str(e->s, NFTNL_SET_NAME, e->set);
	}
	struct nftnl_set_elem *x = nftnl_set_elem_alloc();
	nftnl_set_elem_add(e->s, x);
	e->n++;
	return x;
}

void nlo_ifname_key(uint8_t k[16], const char *ifname)
{
	memset(k, 0, 16);
	memcpy(k, ifname, strlen(ifname));
}

struct nftnl_expr *nlo_ex(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	nftnl_rule_add_expr(r, e);
	return e;
}


void nlo_meta(struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = nlo_ex(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
}

void nlo_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = nlo_ex(r, "payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

void nlo_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nlo_ex(r, "cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

void nlo_lookup(struct nftnl_rule *r, const char *set, bool inv)
{
	struct nftnl_expr *e = nlo_ex(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (inv)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

void nlo_counted_drop(struct nftnl_rule *r, const char *counter)
{
	struct nftnl_expr *e = nlo_ex(r, "objref");
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, counter);
	nlo_verdict(r, NF_DROP, NULL);
}

void nlo_verdict(struct nftnl_rule *r, int v, const char *chain)
{
	struct nftnl_expr *e = nlo_ex(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

void nlo_rule_add(struct nlbatch *nb, struct nftnl_rule *r, const char *chain, const char *what)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CD_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(
		nlbatch_msg(nb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			    cd_asprintf("adding %s to chain %s", what, chain)), r);
	nftnl_rule_free(r);
	nlbatch_next(nb);
}

int nlo_unknown_rule(struct nlbatch *nb, const char *chain, uint32_t key, const char *glob)
{
	size_t n = strlen(glob);
	if (!n || glob[n - 1] != '*' || strpbrk(glob, "?[\\") || memchr(glob, '*', n - 1))
		return -ENOTSUP;   /* only prefix globs, as nft takes them */
	struct nftnl_rule *r = nftnl_rule_alloc();
	nlo_meta(r, key, NFT_REG_1);
	nlo_cmp(r, NFT_CMP_EQ, glob, (uint32_t)(n - 1));
	nlo_meta(r, key, NFT_REG_1);
	nlo_lookup(r, "vnics", true);
	nlo_counted_drop(r, "unknown_vnic");
	nlo_rule_add(nb, r, chain, "an unknown-vNIC rule");
	return 0;
}
