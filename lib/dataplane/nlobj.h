/* nlobj.h - the nf_tables objects of a table as nft sends them: tables,
 * counters, chains, sets and their elements, expressions.  The builders
 * of the inet table (nltable.c) and of the guard's tables (nlguard.c) put
 * them in one batch; each message takes the batch's family. */
#ifndef CD_NLOBJ_H
#define CD_NLOBJ_H

#include <stdio.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/nlbatch.h"

/* nft's datatype numbers (datatype.h) */
enum { TYPE_INTEGER = 4, TYPE_ETHERADDR = 9, TYPE_IPADDR = 7, TYPE_IP6ADDR = 8, TYPE_INET_PROTOCOL = 12,
       TYPE_INET_SERVICE = 13, TYPE_IFNAME = 41 };
#define NLO_CHUNK 1024           /* elements per message */
#define NLO_NOHOOK UINT32_MAX    /* a chain that is jumped to */

/* NFT_MSG_NEWTABLE or NFT_MSG_DELTABLE of table CD_TABLE */
void nlo_table(struct nlbatch *nb, uint16_t type);
void nlo_counter(struct nlbatch *nb, const char *name, const char *comment);
/* a filter base chain on hook at prio (policy accept), or a regular one */
void nlo_chain(struct nlbatch *nb, const char *name, uint32_t hook, int32_t prio);
/* A set with the userdata nft attaches (hex as nft 1.0.6 writes it). */
struct nftnl_set *nlo_set_new(struct nlbatch *nb, const char *name, uint32_t flags,
			      uint32_t keytype, uint32_t keylen, const char *udata_hex);
void nlo_set_add(struct nlbatch *nb, struct nftnl_set *s);

/* Elements collected on a set object: sent in chunks, then freed. */
struct nlo_elems {
	const char *set;
	struct nftnl_set *s;
	size_t n;
};
struct nftnl_set_elem *nlo_elem_new(struct nlbatch *nb, struct nlo_elems *e);
void nlo_elems_flush(struct nlbatch *nb, struct nlo_elems *e);

/* KEY "GLOB*" KEY != @vnics counter name "unknown_vnic" drop, appended to
 * chain of the batch's table (key: NFT_META_IIFNAME or _OIFNAME).
 * -ENOTSUP for a glob nft would not take as a prefix. */
int nlo_unknown_rule(struct nlbatch *nb, const char *chain, uint32_t key, const char *glob);
/* an interface name as a 16-byte key */
void nlo_ifname_key(uint8_t k[16], const char *ifname);
/* a new expression appended to r */
struct nftnl_expr *nlo_ex(struct nftnl_rule *r, const char *name);
/* The expressions nft's rules are made of, appended to r: meta KEY into
 * reg; payload bytes into reg; register 1 compared with data; register 1
 * looked up in set (inv: not in it); counter NAME then drop; a verdict
 * (chain: a goto's or a jump's target, else NULL). */
void nlo_meta(struct nftnl_rule *r, uint32_t key, uint32_t reg);
void nlo_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t reg);
void nlo_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
void nlo_lookup(struct nftnl_rule *r, const char *set, bool inv);
void nlo_counted_drop(struct nftnl_rule *r, const char *counter);
void nlo_verdict(struct nftnl_rule *r, int v, const char *chain);
/* Append r to chain of the batch's table (r is freed); what says what it
 * is, for the error of a refused batch ("a conntrack rule"). */
void nlo_rule_add(struct nlbatch *nb, struct nftnl_rule *r, const char *chain, const char *what);

#endif
