/* nft.c - one-transaction commits through libnftables. */
#include "dataplane/nft.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "policy/host.h"
#include "base/diff.h"
#include "dataplane/nlbatch.h"
#include "dataplane/nlrule.h"

/* Run cmd in one batch; with out, keep what nft printed. */
static int run(const char *cmd, bool dry_run, bool json, struct cd_buf *out,
	       struct cd_buf *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	nft_ctx_buffer_error(nft);
	nft_ctx_buffer_output(nft);
	nft_ctx_set_dry_run(nft, dry_run);
	if (json)
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	int r = 0;
	if (nft_run_cmd_from_buffer(nft, cmd) != 0) {
		const char *e = nft_ctx_get_error_buffer(nft);
		if (err && e)
			cd_buf_puts(err, e);
		r = !e ? -EINVAL :
		    strstr(e, "Operation not permitted") ? -EPERM :
		    strstr(e, "No such file or directory") ? -ENOENT : -EINVAL;
	} else if (out) {
		const char *o = nft_ctx_get_output_buffer(nft);
		if (o && cd_buf_puts(out, o) < 0)
			r = -E2BIG;
	}
	nft_ctx_free(nft);
	return r;
}

int cd_nft_replace(const char *ruleset, bool dry_run, struct cd_buf *err)
{
	struct cd_buf cmd;
	cd_buf_init(&cmd, (size_t)CD_RENDER_MAX + 4096);
	int r = cd_buf_printf(&cmd, "table inet %s\ndelete table inet %s\n"
			      "table bridge %s\ndelete table bridge %s\n"
			      "table arp %s\ndelete table arp %s\n%s",
			      CD_TABLE, CD_TABLE, CD_TABLE, CD_TABLE, CD_TABLE, CD_TABLE, ruleset);
	if (r == 0)
		r = run(cmd.data, dry_run, false, NULL, err);
	cd_buf_free(&cmd);
	return r;
}

int cd_nft_run(const char *script, struct cd_buf *err)
{
	return run(script, false, false, NULL, err);
}

int cd_nft_list(bool json, struct cd_buf *out, struct cd_buf *err)
{
	int r = run("list table inet " CD_TABLE, false, json, out, err);
	if (r == 0 && !json) {
		/* the guard's bridge and arp tables, when there are */
		r = run("list table bridge " CD_TABLE, false, false, out, NULL);
		if (r == 0 || r == -EINVAL || r == -ENOENT)
			r = run("list table arp " CD_TABLE, false, false, out, NULL);
		if (r == -EINVAL || r == -ENOENT)
			r = 0;
	}
	return r;
}

/* The handles of a chain's rules, in order, from a dump. */
struct handles {
	uint64_t *v;
	size_t n, cap;
};

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct handles *h = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		uint64_t x = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		CD_PUSH(h->v, h->n, h->cap, x);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int chain_handles(struct mnl_socket *nl, const char *chain, struct handles *h)
{
	char buf[8192];
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
						     NLM_F_DUMP, seq);
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CD_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	int ret;
	while ((ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, on_rule, h);
		if (ret <= 0)
			break;
	}
	return ret < 0 ? -errno : 0;
}

/* Split rule lines (each ends with a newline). */
static size_t lines(const char *text, const char ***out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (const char *c = text; *c;) {
		CD_PUSH(*out, n, cap, c);
		const char *nl = strchr(c, '\n');
		c = nl ? nl + 1 : c + strlen(c);
	}
	return n;
}

struct rule_lines { const char **o, **n; };

static bool rule_eq(void *ctx, size_t i, size_t j)
{
	const struct rule_lines *l = ctx;
	size_t la = strcspn(l->o[i], "\n"), lb = strcspn(l->n[j], "\n");
	return la == lb && memcmp(l->o[i], l->n[j], la) == 0;
}

/* The smallest edit of one chain from rw->old to rw->new: the rules of a
 * longest common subsequence of the two stay where they are; the others
 * are deleted by handle (read from a dump of the chain), and each new rule
 * is inserted before the kept rule that follows it (or appended).  Without
 * a matching dump (the chain is not as cordon left it), or for chains too
 * long to compare, the whole chain is rewritten. */
static int nl_rewrite(struct nlbatch *nb, struct mnl_socket *nl,
		      const struct cd_chain_rw *rw)
{
	const char **o, **n;
	size_t no = lines(rw->old ? rw->old : "", &o), nn = lines(rw->new, &n);
	struct handles h = { 0 };
	int r = chain_handles(nl, rw->chain, &h);
	/* keep[i]: old rule i stays; fresh[j]: new rule j is inserted */
	bool *keep = cd_calloc(no + 1, sizeof(bool));
	bool *fresh = cd_calloc(nn + 1, sizeof(bool));
	struct rule_lines rl = { o, n };
	bool whole = r < 0 || h.n != no || cd_lcs(no, nn, rule_eq, &rl, keep, fresh) < 0;
	for (size_t j = 0; j < nn; j++)
		fresh[j] = !fresh[j];
	r = 0;
	struct nftnl_rule *rule;
	if (whole) {
		rule = nftnl_rule_alloc();
		nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, CD_TABLE);
		nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, rw->chain);
		nftnl_rule_nlmsg_build_payload(nlbatch_msg(nb, NFT_MSG_DELRULE, 0,
						      cd_asprintf("flushing chain %s", rw->chain)), rule);
		nftnl_rule_free(rule);
		nlbatch_next(nb);
		for (size_t j = 0; j < nn; j++)
			fresh[j] = true;
		no = 0;
	}
	for (size_t i = 0; i < no; i++) {
		if (keep[i])
			continue;
		rule = nftnl_rule_alloc();
		nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, CD_TABLE);
		nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, rw->chain);
		nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE, h.v[i]);
		nftnl_rule_nlmsg_build_payload(nlbatch_msg(nb, NFT_MSG_DELRULE, 0,
						      cd_asprintf("deleting a rule of chain %s", rw->chain)), rule);
		nftnl_rule_free(rule);
		nlbatch_next(nb);
	}
	/* walk the new chain; k: the next kept old rule */
	size_t k = 0;
	for (size_t j = 0; j < nn && r == 0; j++) {
		if (!fresh[j]) {      /* a kept rule: move past it in the old chain */
			while (k < no && !keep[k])
				k++;
			k++;
			continue;
		}
		size_t before = k;
		while (before < no && !keep[before])
			before++;
		char *line = cd_strndup(n[j], strcspn(n[j], "\n"));
		rule = nftnl_rule_alloc();
		nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, CD_TABLE);
		nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, rw->chain);
		uint16_t flags = NLM_F_CREATE;
		if (before < no)      /* insert before that kept rule */
			nftnl_rule_set_u64(rule, NFTNL_RULE_POSITION, h.v[before]);
		else
			flags |= NLM_F_APPEND;
		if (cd_nl_rule(rule, line) < 0) {
			r = -ENOTSUP;
			free(line);
		} else {
			nftnl_rule_nlmsg_build_payload(
				nlbatch_msg(nb, NFT_MSG_NEWRULE, flags,
				       cd_asprintf("adding rule to chain %s: %s", rw->chain, line)), rule);
			free(line);
			nlbatch_next(nb);
		}
		nftnl_rule_free(rule);
	}
	free(keep);
	free(fresh);
	free(h.v);
	free(o);
	free(n);
	return r;
}

int cd_nft_commit_direct(const struct cd_update *u, struct cd_buf *err)
{
	struct nlbatch nb;
	size_t limit = (u->nops + 4) * 512 + 65536;
	for (size_t i = 0; i < u->nrw; i++)
		limit += strlen(u->rw[i].new) * 16 + strlen(u->rw[i].old ? u->rw[i].old : "") + 4096;
	nlbatch_begin(&nb, limit);
	int r = 0;
	for (size_t i = 0; i < u->nops; i++) {
		const struct cd_elem_op *op = &u->ops[i];
		struct nftnl_set *s = nftnl_set_alloc();
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		if (!s || !e)
			abort();
		nftnl_set_set_str(s, NFTNL_SET_TABLE, CD_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, op->set);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, op->addr.b,
				   op->addr.family == 4 ? 4 : 16);
		nftnl_set_elem_add(s, e);
		char a[CD_ADDR_STRLEN];
		char *what = cd_asprintf("%s element %s of set %s",
					 op->add ? "adding" : "deleting",
					 cd_addr_fmt(&op->addr, a), op->set);
		nftnl_set_elems_nlmsg_build_payload(
			nlbatch_msg(&nb, op->add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
				    op->add ? NLM_F_CREATE : 0, what), s);
		nftnl_set_free(s);
		nlbatch_next(&nb);
	}
	struct mnl_socket *nl = nl_open();
	if (!nl) {
		r = -errno;
		goto out;
	}
	for (size_t i = 0; i < u->nrw && r == 0; i++)
		r = nl_rewrite(&nb, nl, &u->rw[i]);
	if (r == 0)
		r = nlbatch_commit(&nb, nl, err);
out:
	if (nl)
		mnl_socket_close(nl);
	nlbatch_free(&nb);
	return r;
}

int cd_nft_commit(const struct cd_update *u, struct cd_buf *err)
{
	if (cd_update_empty(u))
		return 0;
	int r = cd_nft_commit_direct(u, err);
	if (r != -ENOTSUP)
		return r;
	struct cd_buf script;
	cd_buf_init(&script, CD_RENDER_MAX);
	r = cd_update_script(u, &script);
	if (r == 0)
		r = run(script.data, false, false, NULL, err);
	cd_buf_free(&script);
	return r;
}
