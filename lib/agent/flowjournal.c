/* flowjournal.c - the flow watcher's journal (see flowjournal.h). */
#define _GNU_SOURCE
#include "agent/flowjournal.h"
#include "agent/queue.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC 0x314c4e524a57464cull   /* "LFWJRNL1" */
#define HEAD 4096
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define KNOWN 16384                 /* keys' slots remembered (a power of 2) */
#define KNOWN_PROBES 8

enum { SLOT_COUNT = 1, SLOT_ATTEMPT = 2 };

struct head {
	uint64_t magic, epoch, slots, slot_size;
	uint64_t marked;            /* a mark of it was sent: "" is no mark of it */
	uint64_t pos;               /* slots before it are whole */
	/* where the attempts of the current minute and of the one before
	 * begin (the aggregate forgets attempts older than that) */
	int64_t minute;
	uint64_t minute_pos, before_pos;
};

_Static_assert(CD_FJOURNAL_MARK <= CD_QUEUE_MARK_MAX, "a journal's mark fits the queue's");

struct slot {
	uint64_t pos;               /* written last: the slot's own position */
	int64_t minute;
	struct cd_addr src, dst;
	uint8_t type, proto, verdict, seen;
	uint16_t port, sport;
	uint32_t rule, staged, tell;
	uint64_t c[5];              /* connections, bytes and packets out and in */
};

static bool same_family(const struct cd_addr *a, const struct cd_addr *b)
{
	return (a->family == 4 || a->family == 6) && a->family == b->family;
}

_Static_assert(sizeof(struct head) <= HEAD, "the header fits its page");

struct cd_fjournal {
	int fd;
	struct head *h;
	struct slot *s;
	size_t map_len;
	uint64_t slots;             /* as checked at open (the header is shared) */
	struct known {             /* keys' slots since the last mark (a writer's) */
		uint64_t hash, pos;
	} *known;
	uint64_t sent;              /* the position everything before was sent */
	uint64_t floor;             /* no slot before it is added to: the last mark's */
};

static size_t map_size(size_t slots)
{
	return HEAD + slots * sizeof(struct slot);
}

int cd_fjournal_open(struct cd_fjournal **out, int fd, size_t slots, struct cd_buf *err)
{
	bool made = fd < 0;
	if (made) {
		/* sealed at its size: no holder can shrink it under a mapping */
		fd = memfd_create("cordon-flow-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, (off_t)map_size(slots)) < 0 || fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
			int r = -errno;
			cd_buf_printf(err, "cannot make the flow journal: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return r;
		}
	}
	struct stat sb;
	struct head h;
	if (!made && (fstat(fd, &sb) < 0 || sb.st_size < HEAD || (fcntl(fd, F_GET_SEALS) & SEALS) != SEALS ||
		      pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.magic != MAGIC ||
		      h.slot_size != sizeof(struct slot) || !h.slots || h.slots > (1u << 24) ||
		      (size_t)sb.st_size != map_size(h.slots))) {
		cd_buf_printf(err, "the flow journal handed over is no journal of this agent's");
		return -EINVAL;
	}
	if (!made)
		slots = h.slots;
	size_t len = map_size(slots);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int r = -errno;
		cd_buf_printf(err, "cannot map the flow journal: %s", strerror(errno));
		if (made)
			close(fd);
		return r;
	}
	struct cd_fjournal *j = cd_calloc(1, sizeof(*j));
	j->fd = fd;
	j->h = p;
	j->s = (struct slot *)((char *)p + HEAD);
	j->map_len = len;
	if (made) {
		uint64_t epoch = 0;
		while (!epoch && getrandom(&epoch, sizeof(epoch), 0) != sizeof(epoch))
			epoch = (uint64_t)getpid() << 32 ^ (uint64_t)cd_wall_ms();
		*j->h = (struct head){ .magic = MAGIC, .epoch = epoch, .slots = slots,
				       .slot_size = sizeof(struct slot) };
	}
	j->slots = slots;
	j->sent = j->floor = __atomic_load_n(&j->h->pos, __ATOMIC_ACQUIRE);
	*out = j;
	return 0;
}

int cd_fjournal_fd(const struct cd_fjournal *j)
{
	return j->fd;
}

void cd_fjournal_close(struct cd_fjournal *j)
{
	if (!j)
		return;
	munmap(j->h, j->map_len);
	close(j->fd);
	free(j->known);
	free(j);
}

/* The next slot, to fill; put() makes it whole. */
static struct slot *next(struct cd_fjournal *j, int64_t minute)
{
	struct head *h = j->h;
	if (minute > h->minute) {
		h->before_pos = h->minute == minute - 60000 ? h->minute_pos : h->pos;
		h->minute_pos = h->pos;
		h->minute = minute;
	}
	struct slot *s = &j->s[h->pos % j->slots];
	memset(s, 0, sizeof(*s));
	s->pos = UINT64_MAX;        /* not whole while it is written */
	s->minute = minute;
	return s;
}

static void put(struct cd_fjournal *j, struct slot *s)
{
	uint64_t pos = j->h->pos;
	__atomic_store_n(&s->pos, pos, __ATOMIC_RELEASE);
	__atomic_store_n(&j->h->pos, pos + 1, __ATOMIC_RELEASE);
}

static bool same_key(const struct slot *s, const struct cd_flowkey *k)
{
	return s->type == SLOT_COUNT && s->minute == k->minute && cd_addr_eq(&s->src, &k->src) &&
	       cd_addr_eq(&s->dst, &k->dst) && s->proto == k->proto && s->port == k->port &&
	       s->verdict == (uint8_t)k->verdict && s->seen == (uint8_t)k->seen && s->rule == k->rule &&
	       s->staged == k->staged;
}

static uint64_t key_hash(const struct cd_flowkey *k)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *parts[] = { k->src.b, k->dst.b };
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 1099511628211ull;
	uint64_t rest[] = { (uint64_t)k->minute, k->proto, k->port, (uint64_t)k->verdict, k->rule, k->staged,
			    (uint64_t)k->seen };
	for (size_t i = 0; i < sizeof(rest) / sizeof(*rest); i++)
		h = (h ^ rest[i]) * 1099511628211ull;
	return h;
}

void cd_fjournal_count(struct cd_fjournal *j, const struct cd_flowkey *k,
		       const struct cd_flowcount *add)
{
	uint64_t c[5] = { add->connections, add->bytes_out, add->bytes_in, add->packets_out,
			  add->packets_in };
	/* a key written since the last sending adds to its slot: the ring
	 * holds a slot a key (and attempt) per sending, not one an event.
	 * Each count is one 8-byte store: a writer killed between them
	 * leaves a connection's bytes half added, never a connection. */
	if (!j->known) {
		j->known = cd_malloc(KNOWN * sizeof(*j->known));
		for (size_t i = 0; i < KNOWN; i++)
			j->known[i].pos = UINT64_MAX;   /* none */
	}
	uint64_t h = key_hash(k);
	struct known *e = NULL;
	for (size_t i = 0; i < KNOWN_PROBES; i++) {
		struct known *x = &j->known[(h + i) & (KNOWN - 1)];
		bool live = x->pos >= j->floor && x->pos < j->h->pos;
		if (live && x->hash == h && j->s[x->pos % j->slots].pos == x->pos &&
		    same_key(&j->s[x->pos % j->slots], k)) {
			uint64_t *to = j->s[x->pos % j->slots].c;
			for (int f = 0; f < 5; f++)
				if (c[f])
					__atomic_store_n(&to[f], to[f] + c[f], __ATOMIC_RELEASE);
			return;
		}
		if (!e && !live)
			e = x;
	}
	struct slot *s = next(j, k->minute);
	s->type = SLOT_COUNT;
	s->src = k->src;
	s->dst = k->dst;
	s->proto = k->proto;
	s->port = k->port;
	s->verdict = (uint8_t)k->verdict;
	s->seen = (uint8_t)k->seen;
	s->rule = k->rule;
	s->staged = k->staged;
	memcpy(s->c, c, sizeof(c));
	if (e)
		*e = (struct known){ h, j->h->pos };
	put(j, s);
}

void cd_fjournal_attempt(struct cd_fjournal *j, int64_t minute, const struct cd_addr *src,
			 const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			 uint32_t tell)
{
	struct slot *s = next(j, minute);
	s->type = SLOT_ATTEMPT;
	s->src = *src;
	s->dst = *dst;
	s->proto = proto;
	s->sport = sport;
	s->port = dport;
	s->tell = tell;
	put(j, s);
}

size_t cd_fjournal_unsent(const struct cd_fjournal *j)
{
	return (size_t)(j->h->pos - j->sent);
}

size_t cd_fjournal_slots(const struct cd_fjournal *j)
{
	return (size_t)j->slots;
}

void cd_fjournal_mark(struct cd_fjournal *j, char mark[CD_FJOURNAL_MARK])
{
	j->floor = j->h->pos;       /* what the mark covers is not added to */
	snprintf(mark, CD_FJOURNAL_MARK, "%016" PRIx64 ":%" PRIu64, j->h->epoch, j->h->pos);
}

static int parse_mark(const char *mark, uint64_t *epoch, uint64_t *pos)
{
	char *e;
	errno = 0;
	*epoch = strtoull(mark, &e, 16);
	if (e != mark + 16 || *e != ':' || errno)
		return -EINVAL;
	const char *p = e + 1;
	*pos = strtoull(p, &e, 10);
	return *p < '0' || *p > '9' || *e || errno ? -EINVAL : 0;
}

void cd_fjournal_sent(struct cd_fjournal *j, const char *mark)
{
	uint64_t epoch, pos;
	if (parse_mark(mark, &epoch, &pos) == 0 && epoch == j->h->epoch && pos > j->sent) {
		j->sent = pos;
		j->h->marked = 1;
	}
}

int cd_fjournal_replay(struct cd_fjournal *j, const char *mark, struct cd_fjournal_replay *r)
{
	const struct head *h = j->h;
	uint64_t end = __atomic_load_n(&h->pos, __ATOMIC_ACQUIRE), from = 0, epoch = h->epoch;
	r->counts = r->attempts = r->lost = 0;
	r->other_ring = false;
	if (mark && *mark && parse_mark(mark, &epoch, &from) < 0)
		return -EINVAL;
	/* no mark, on a ring whose marks were sent: the queue was lost or
	 * made anew, not a first agent killed before its first sending */
	if (epoch != h->epoch || from > end || ((!mark || !*mark) && h->marked)) {
		r->other_ring = true;
		from = end;
	}
	/* the attempts from the minute before the last one written */
	uint64_t lo = h->before_pos < from ? h->before_pos : from;
	if (end > j->slots && lo < end - j->slots)
		lo = end - j->slots;
	for (uint64_t p = lo; p < end; p++) {
		const struct slot *s = &j->s[p % j->slots];
		/* (the ring is the keeper's and this agent's only, yet a slot
		 * is checked as any input: an enum out of range is no slot) */
		if (__atomic_load_n(&s->pos, __ATOMIC_ACQUIRE) != p || s->verdict > CD_FV_WOULD_REJECT ||
		    s->seen > CD_SEEN_BOTH || !same_family(&s->src, &s->dst) || s->minute <= 0 ||
		    s->minute % 60000) {
			r->lost += p >= from;
			continue;
		}
		if (s->type == SLOT_ATTEMPT) {
			r->attempt(r->ctx, s->minute, &s->src, &s->dst, s->proto, s->sport, s->port, s->tell);
			r->attempts++;
		} else if (s->type == SLOT_COUNT && p >= from) {
			struct cd_flowkey k = { .minute = s->minute, .src = s->src, .dst = s->dst,
						.proto = s->proto, .port = s->port,
						.verdict = (enum cd_flow_verdict)s->verdict,
						.rule = s->rule, .staged = s->staged,
						.seen = (enum cd_flow_seen)s->seen };
			struct cd_flowcount c = { s->c[0], s->c[1], s->c[2], s->c[3], s->c[4] };
			r->count(r->ctx, &k, &c);
			r->counts++;
		}
	}
	/* those before lo were written over (the writer sends everything
	 * before the ring comes round, unless it was killed meanwhile) */
	if (lo > from)
		r->lost += (size_t)(lo - from);
	j->sent = j->floor = from;
	return 0;
}
