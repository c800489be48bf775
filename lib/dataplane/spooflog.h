/* spooflog.h - what SpoofGuard drops, read back from the kernel's log.
 *
 * The guard's spoof_KIND chains (policy/guard.h) log what they drop to
 * nflog group CD_NFLOG_GROUP, at most CD_SPOOF_LOG_RATE frames a second
 * per chain, with the prefix "cordon-spoof KIND".  This reads that group
 * in the network namespace it was opened in (libnetfilter_log's message
 * parser on a libmnl socket) and decodes each record: which vNIC sent it,
 * the kind of spoof, and what it claimed (its source MAC, the address it
 * sent from or announced).  The frame is the guest's: the decoder trusts
 * no length or field in it. */
#ifndef CD_SPOOFLOG_H
#define CD_SPOOFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/util.h"
#include "policy/guard.h"

struct cd_spoof_seen {
	enum cd_spoof kind;
	uint32_t ifindex;          /* the vNIC (a bridge's port, or the tap) */
	bool has_mac;              /* what it claimed (see cd_spoof_decode): */
	uint8_t mac[6];            /* a foreign source MAC, an ARP's sender */
	bool has_addr;
	struct cd_addr addr;       /* a source address, an ARP's sender, a */
				   /* neighbour advertisement's target */
};

/* Decode one record: its prefix, the frame's source hardware address
 * (hw, hwlen; may be absent) and its payload from the network header on
 * (an ARP header for kind arp).  Returns 0, or -EINVAL when the prefix is
 * not one of the guard's (the payload may be short: what cannot be read
 * is left out). */
int cd_spoof_decode(const char *prefix, size_t prefixlen, const uint8_t *hw, size_t hwlen,
		    const uint8_t *payload, size_t len, struct cd_spoof_seen *out);

struct cd_spooflog;
/* Bind group in the calling thread's network namespace.  -EBUSY when
 * another program holds the group. */
int cd_spooflog_open(struct cd_spooflog **out, uint16_t group, struct cd_buf *err);
int cd_spooflog_fd(const struct cd_spooflog *l);
/* Read what is waiting (the socket does not block) and call cb for each
 * record of the guard's.  Returns how many, or a negative errno.  Records
 * the kernel could not queue (a full socket buffer) are lost: counted in
 * *lost. */
int cd_spooflog_read(struct cd_spooflog *l, void (*cb)(void *ctx, const struct cd_spoof_seen *s),
		     void *ctx, uint64_t *lost);
void cd_spooflog_close(struct cd_spooflog *l);
/* The records in one read of the socket (netlink messages), as
 * cd_spooflog_read takes them: cb for each of the guard's, *count
 * increased by how many.  -EINVAL when the messages do not hold together
 * (the records before are taken). */
int cd_spooflog_parse(const void *buf, size_t len, void (*cb)(void *ctx, const struct cd_spoof_seen *s),
		      void *ctx, int *count);

#endif
