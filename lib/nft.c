/* nft.c - one-transaction commits through libnftables. */
#include "nft.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

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
	int r = cd_buf_printf(&cmd, "table inet %s\ndelete table inet %s\n%s",
			      CD_TABLE, CD_TABLE, ruleset);
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
	return run("list table inet " CD_TABLE, false, json, out, err);
}

/* Set elements through libnftnl: one batch, one message per element. */
static int commit_elements(const struct cd_update *u, struct cd_buf *err)
{
	size_t need = (u->nops + 2) * 256 + 8192;
	char *buf = cd_malloc(need);
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, need);
	uint32_t seq = (uint32_t)time(NULL), first;
	int r = 0;

	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	first = seq;
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
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
			mnl_nlmsg_batch_current(batch),
			op->add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, NFPROTO_INET,
			(op->add ? NLM_F_CREATE : 0) | NLM_F_ACK, seq++);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		mnl_nlmsg_batch_next(batch);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);

	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(batch),
			      mnl_nlmsg_batch_size(batch)) < 0) {
		r = -errno;
		goto out;
	}
	/* one acknowledgement per element, or an error that aborted them all */
	size_t acks = 0;
	char rbuf[8192];   /* libmnl's MNL_SOCKET_BUFFER_SIZE at most */
	while (acks < u->nops && r == 0) {
		struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			r = -errno;
			break;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first)
				continue;
			const struct nlmsgerr *ne = mnl_nlmsg_get_payload(h);
			if (ne->error) {
				const struct cd_elem_op *op = &u->ops[h->nlmsg_seq - first];
				char a[CD_ADDR_STRLEN];
				if (err)
					cd_buf_printf(err, "%s element %s of set %s: %s\n",
						      op->add ? "adding" : "deleting",
						      cd_addr_fmt(&op->addr, a), op->set,
						      strerror(-ne->error));
				r = ne->error == -EPERM ? -EPERM : -EINVAL;
				break;
			}
			acks++;
		}
	}
out:
	if (nl)
		mnl_socket_close(nl);
	mnl_nlmsg_batch_stop(batch);
	free(buf);
	return r;
}

int cd_nft_commit(const struct cd_update *u, struct cd_buf *err)
{
	if (cd_update_empty(u))
		return 0;
	if (u->chains.len == 0)
		return commit_elements(u, err);
	struct cd_buf script;
	cd_buf_init(&script, CD_RENDER_MAX);
	int r = cd_update_script(u, &script);
	if (r == 0)
		r = run(script.data, false, false, NULL, err);
	cd_buf_free(&script);
	return r;
}
