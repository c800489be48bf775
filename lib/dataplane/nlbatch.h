/* nlbatch.h - one nf_tables transaction built with libnftnl and sent with
 * libmnl: messages between a batch begin and end, each acknowledged, all
 * applied or none.  Used by incremental updates and whole-table applies. */
#ifndef CD_NLBATCH_H
#define CD_NLBATCH_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

struct nlbatch {
	struct mnl_nlmsg_batch *b;
	bool full;               /* a message went past the limit: never send */
	char *buf;               /* twice the limit, as libmnl wants */
	uint32_t seq, first;     /* next sequence number, the first message's */
	uint16_t family;         /* of the messages: NFPROTO_INET unless set */
	char **what;             /* per message: what it does, for errors */
	size_t n, cap;
};

/* Start a batch of at most `limit` bytes (messages past it mark it full). */
void nlbatch_begin(struct nlbatch *nb, size_t limit);
/* The header of the next message (NLM_F_ACK added); what is owned. */
struct nlmsghdr *nlbatch_msg(struct nlbatch *nb, uint16_t type, uint16_t flags,
			     char *what);
/* Close the message built since nlbatch_msg(). */
void nlbatch_next(struct nlbatch *nb);
/* The family of the messages that follow (a batch may change tables). */
void nlbatch_set_family(struct nlbatch *nb, uint16_t family);
uint16_t nlbatch_family(const struct nlbatch *nb);
/* Close the batch, send it on nl and wait for every acknowledgement.
 * Returns 0, -ENOTSUP when the batch was full (nothing sent), or -errno
 * with the failing message's description in err. */
int nlbatch_commit(struct nlbatch *nb, struct mnl_socket *nl, struct cd_buf *err);
void nlbatch_free(struct nlbatch *nb);

/* A bound NETLINK_NETFILTER socket, or NULL with errno set. */
struct mnl_socket *nl_open(void);

#endif
