/* nflog.h - records of the kernel's log (nfnetlink_log) read back.
 *
 * The one reader of an nflog group for cordon (SpoofGuard's drops,
 * spooflog.h; the policy's drops, flowlog.h): a libmnl socket bound to the
 * group in the network namespace it was opened in, copying 128 bytes of
 * each packet (the headers), never blocking; libnetfilter_log's parser
 * takes each message apart.  A record's bytes are the kernel's, its
 * packet a guest's: nothing in them is trusted by the decoders. */
#ifndef CD_NFLOG_H
#define CD_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* One record, valid during the callback */
struct cd_nflog_rec {
	const char *prefix;        /* the rule's prefix, not NUL-terminated */
	size_t prefixlen;          /* (its trailing NULs left out) */
	const uint8_t *hw;         /* the frame's source hardware address, or NULL */
	size_t hwlen;
	const uint8_t *payload;    /* the packet from its network header on */
	size_t len;
	uint32_t indev, outdev;    /* interfaces (0: none) */
	uint32_t physindev, physoutdev;   /* a bridge's ports when bridged (0: none) */
};

typedef void (*cd_nflog_cb)(void *ctx, const struct cd_nflog_rec *r);

struct cd_nflog;
/* Bind group in the calling thread's network namespace.  -EBUSY when
 * another program holds the group; err says so. */
int cd_nflog_open(struct cd_nflog **out, uint16_t group, struct cd_buf *err);
/* A socket cd_nflog_open bound to group (its descriptor, kept by another
 * process meanwhile: agent/flowkeep.h), taken over. */
int cd_nflog_adopt(struct cd_nflog **out, int fd, uint16_t group);
int cd_nflog_fd(const struct cd_nflog *l);
/* Read what is waiting (the socket does not block), max reads of the
 * socket at most: cb for each record with a prefix.  Returns how many,
 * or a negative errno.  Records the
 * kernel could not queue (a full socket buffer) are lost: counted in
 * *lost. */
int cd_nflog_read(struct cd_nflog *l, cd_nflog_cb cb, void *ctx, uint64_t *lost, int max);
/* Unbind the group and close. */
void cd_nflog_close(struct cd_nflog *l);
/* Close this process's descriptor of a socket another process holds too
 * (the flow keeper): the group stays bound to the socket, which goes on
 * queueing records for the next reader. */
void cd_nflog_leave(struct cd_nflog *l);
/* The records in one read of the socket (netlink messages): cb for each,
 * *count increased by how many.  -EINVAL when the messages do not hold
 * together (the records before are taken). */
int cd_nflog_parse(const void *buf, size_t len, cd_nflog_cb cb, void *ctx, int *count);

#endif
