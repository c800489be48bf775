/* flowagg.h - flow records aggregated per minute and key (the agent's).
 *
 * A key is what the records contract names (spec/flows.md): the minute,
 * the two addresses, the protocol and destination port, the verdict and
 * the deciding rule (and the staged one), and at which end this host saw
 * it.  Each key's counts (connections, bytes and packets both ways) add
 * up over its minute; a description made once when the key is first seen
 * (the workloads' names, tags and groups, the rules' names, the vNIC)
 * goes with it.  Records of the minutes past are taken out as JSON
 * objects, the contract's fields.  Bounded: past max keys, what would
 * make a new one is counted as overflow and left out.
 *
 * Dropped connections are attempts: a retransmission (the same addresses
 * and ports, in the same minute or the next: a minute's end may split an
 * attempt's packets) is counted once, in the minute of its first packet;
 * past max attempts remembered in a minute, each is counted. */
#ifndef CD_FLOWAGG_H
#define CD_FLOWAGG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/util.h"

enum cd_flow_verdict {
	CD_FV_ALLOWED, CD_FV_DROPPED, CD_FV_REJECTED, CD_FV_WOULD_DROP, CD_FV_WOULD_REJECT,
};
enum cd_flow_seen { CD_SEEN_SOURCE, CD_SEEN_DESTINATION, CD_SEEN_BOTH };

extern const char *const cd_flow_verdict_names[];
extern const char *const cd_flow_seen_names[];

struct cd_flowkey {
	int64_t minute;            /* epoch ms of the minute's start */
	struct cd_addr src, dst;
	uint8_t proto;             /* IPPROTO_* */
	uint16_t port;             /* the destination port; 0: none (ICMP) */
	enum cd_flow_verdict verdict;
	uint32_t rule, staged;     /* ids; 0: the default action, none */
	enum cd_flow_seen seen;
};

struct cd_flowcount {
	uint64_t connections, bytes_out, bytes_in, packets_out, packets_in;
};

struct cd_flowagg;
struct cd_flowagg *cd_flowagg_new(size_t max_keys, size_t max_attempts);
void cd_flowagg_free(struct cd_flowagg *a);
/* The counts of key k, to add to: made when new, with describe(ctx)'s
 * object (taken over; NULL: an empty one) for its description.  NULL
 * when the aggregate is full (the overflow counted). */
struct cd_flowcount *cd_flowagg_at(struct cd_flowagg *a, const struct cd_flowkey *k,
				   json_t *(*describe)(void *ctx), void *ctx);
/* Whether this dropped attempt (its addresses, protocol and ports, and
 * what else tells it from a new one from the same port: TCP's initial
 * sequence number; in its minute or the one before) is seen for the
 * first time. */
bool cd_flowagg_attempt(struct cd_flowagg *a, int64_t minute, const struct cd_addr *src,
			const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			uint32_t tell);
/* Every record of a minute before `before`, as a JSON object (the
 * description's fields, then the key's and the counts), to fn (which
 * takes it over), oldest minute first; they are forgotten.  Returns how
 * many. */
size_t cd_flowagg_take(struct cd_flowagg *a, int64_t before,
		       void (*fn)(void *ctx, json_t *record), void *ctx);
/* A flow's addresses, protocol and port as a map key (hex, made without
 * printf: the watcher looks one up for every event). */
#define CD_FLOW_PAIR_KEY 75
void cd_flow_pair_key(const struct cd_addr *src, const struct cd_addr *dst, uint8_t proto,
		      uint16_t port, char out[CD_FLOW_PAIR_KEY]);
/* Keys held, and what overflowed since the start. */
size_t cd_flowagg_keys(const struct cd_flowagg *a);
uint64_t cd_flowagg_overflow(const struct cd_flowagg *a);

#endif
