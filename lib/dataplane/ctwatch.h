/* ctwatch.h - the connections the kernel lets through, as conntrack
 * tells of them.
 *
 * A connection gets a conntrack entry when its first packet has passed
 * every hook (the policy's chains among them): an entry made is a
 * connection allowed.  This reads conntrack's events in the network
 * namespace it was opened in (a libmnl socket on the NEW and DESTROY
 * groups; the attributes read with libmnl's checks, not with
 * libnetfilter_conntrack's parser, which ends the process on a malformed
 * one): an entry made, with its
 * addresses, protocol and ports; an entry gone, with its byte and packet
 * counters both ways (nf_conntrack_acct, turned on where it is opened).
 * An update of an entry is not read. */
#ifndef CD_CTWATCH_H
#define CD_CTWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/util.h"

struct cd_ct_event {
	bool gone;                 /* destroyed (counters set), else new */
	struct cd_addr src, dst;   /* the original direction's */
	uint8_t proto;             /* IPPROTO_* */
	uint16_t sport, dport;     /* TCP, UDP, SCTP...; 0 for ICMP */
	uint8_t icmp_type;         /* ICMP and ICMPv6 */
	uint64_t bytes_out, packets_out;   /* original direction (gone only) */
	uint64_t bytes_in, packets_in;     /* reply direction */
};

typedef void (*cd_ct_event_cb)(void *ctx, const struct cd_ct_event *e);

struct cd_ctwatch;
/* Subscribe in the calling thread's network namespace, and turn its
 * conntrack accounting on (without it an entry gone has no counters:
 * then the records say 0 bytes, and err says why).  0 or -errno. */
int cd_ctwatch_open(struct cd_ctwatch **out, struct cd_buf *err);
/* A socket cd_ctwatch_open made (its descriptor, kept by another process
 * meanwhile: agent/flowkeep.h), taken over. */
int cd_ctwatch_adopt(struct cd_ctwatch **out, int fd);
int cd_ctwatch_fd(const struct cd_ctwatch *w);
/* Read the events waiting (never blocks), max reads of the socket at
 * most: cb for each.  Returns how
 * many, or -errno.  Events the kernel could not queue are lost and
 * counted in *lost (a socket buffer overrun). */
int cd_ctwatch_read(struct cd_ctwatch *w, cd_ct_event_cb cb, void *ctx, uint64_t *lost, int max);
void cd_ctwatch_close(struct cd_ctwatch *w);
/* The events in one read of the socket (netlink messages): cb for each.
 * -EINVAL when the messages do not hold together (those before taken). */
int cd_ctwatch_parse(const void *buf, size_t len, cd_ct_event_cb cb, void *ctx, int *count);

#endif
