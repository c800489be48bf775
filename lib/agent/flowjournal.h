/* flowjournal.h - what the flow watcher added to its aggregate since it
 * last sent everything, in memory that outlives the agent's process.
 *
 * Each count added to a key (agent/flowagg.h) and each dropped attempt
 * remembered is written to a ring of fixed slots in a memory file (a
 * memfd, which the flow keeper holds too: agent/flowkeep.h), at a
 * position that only grows.  When everything held is sent, the position
 * goes with the records as a mark ("EPOCH:POS", the queue's: agent/queue.h);
 * an agent started again on the same ring replays the counts written
 * after its queue's mark into a fresh aggregate, and the attempts of the
 * last two minutes (the aggregate's dedupe window), so that a SIGKILL
 * loses nothing the kernel had given.  A ring made anew (an epoch other
 * than the mark's) has nothing to replay.
 *
 * A key's counts written since the last mark share a slot: the ring holds
 * a slot a key (and attempt) a sending, not one an event.
 *
 * One writer at a time.  A slot is whole once the ring's position passes
 * it (a writer killed within a slot leaves it out); a slot written over
 * since (its own position differs) is counted as lost.  The writer keeps
 * what was not sent under the ring's size: cd_fjournal_unsent() tells it
 * when to send. */
#ifndef CD_FLOWJOURNAL_H
#define CD_FLOWJOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "agent/flowagg.h"
#include "base/util.h"

#define CD_FJOURNAL_SLOTS (1u << 17)   /* 14 MiB: 3 s of 20,000 connections a second */
#define CD_FJOURNAL_MARK 48

struct cd_fjournal;
/* Map the ring in fd, or make one (fd < 0) of slots slots.  0, or -errno
 * with err said (a file that is no ring, or of another size: -EINVAL). */
int cd_fjournal_open(struct cd_fjournal **out, int fd, size_t slots, struct cd_buf *err);
int cd_fjournal_fd(const struct cd_fjournal *j);
void cd_fjournal_close(struct cd_fjournal *j);

void cd_fjournal_count(struct cd_fjournal *j, const struct cd_flowkey *k,
		       const struct cd_flowcount *add);
void cd_fjournal_attempt(struct cd_fjournal *j, int64_t minute, const struct cd_addr *src,
			 const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			 uint32_t tell);
/* Slots written since everything was last sent, and the ring's size. */
size_t cd_fjournal_unsent(const struct cd_fjournal *j);
size_t cd_fjournal_slots(const struct cd_fjournal *j);
/* The mark of everything written so far (for the records about to be
 * sent), and once they are queued: sent. */
void cd_fjournal_mark(struct cd_fjournal *j, char mark[CD_FJOURNAL_MARK]);
void cd_fjournal_sent(struct cd_fjournal *j, const char *mark);

struct cd_fjournal_replay {
	void (*count)(void *ctx, const struct cd_flowkey *k, const struct cd_flowcount *add);
	void (*attempt)(void *ctx, int64_t minute, const struct cd_addr *src,
			const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			uint32_t tell);
	void *ctx;
	size_t counts, attempts;   /* out: replayed */
	size_t lost;               /* out: counts written over */
	bool other_ring;           /* out: the mark is of another ring (none replayed) */
};
/* Replay what was written after mark ("" or NULL: nothing was ever sent,
 * everything the ring holds), then go on writing after it.  A mark that
 * is no mark: -EINVAL. */
int cd_fjournal_replay(struct cd_fjournal *j, const char *mark, struct cd_fjournal_replay *r);

#endif
