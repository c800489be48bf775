/* flowwatch.c - flow records from conntrack and the kernel's log (see
 * flowwatch.h). */
#define _GNU_SOURCE
#include "agent/flowwatch.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/flowagg.h"
#include "agent/flowjournal.h"
#include "agent/flowkeep.h"
#include "dataplane/ctwatch.h"
#include "dataplane/flowlog.h"
#include "policy/eval.h"

struct judged {
	const struct cd_state *st;
	long swl, dwl;             /* the workloads at each end (-1: none) */
	const char *vnic;
	struct cd_flowkey k;
};

struct cd_flowwatch {
	struct cd_flowwatch_opts o;
	char *host, *keep_dir, *keeper_exe, *mark;
	pthread_t thread;
	pthread_mutex_t lock;      /* the agent's state */
	pthread_cond_t cond;
	int started;               /* 1, or a negative code */
	int wake;
	struct cd_buf why;
	struct cd_ctwatch *ct;
	struct cd_nflog *log;
	struct cd_flowagg *agg;
	struct cd_fjournal *j;     /* what agg holds that was not sent */
	int keeper;                /* the connection to the flow keeper, or -1 */
	bool replayed;             /* the journal's counts are back in agg */
	bool hand_over;            /* the stop leaves the keeper to the next agent */
	size_t replay_counts, replay_lost;
	uint64_t ct_lost, log_lost;
	json_t *batch;             /* records being gathered for emit */
	json_t *sending;           /* and the batches gathered */
	size_t batch_bytes;        /* their JSON's */
	int64_t flushed;           /* when everything held was last taken */
	/* allowed connections judged, by addresses, protocol and port: for
	 * the minute cache_minute, and the state since the last change */
	struct cd_map cache;
	char **ckeys;
	struct judged *cval;
	size_t nc, capk, capv;
	int64_t cache_minute;
	bool changed;              /* the agent changed its state */
};

static int64_t wall(void)
{
	return cd_wall_ms();
}

/* ---- what a flow is, judged on the state applied ---- */

/* The workload of this host that owns a (-1: none). */
static long local_owner(const struct cd_flowwatch *w, const struct cd_state *st,
			const struct cd_addr *a, size_t *vnic)
{
	size_t wl, v;
	if (!cd_state_owner(st, a, &wl, &v) || strcasecmp(st->inv.w[wl].host, w->host))
		return -1;
	*vnic = v;
	return (long)wl;
}

static long owner_any(const struct cd_state *st, const struct cd_addr *a)
{
	size_t wl, v;
	return cd_state_owner(st, a, &wl, &v) ? (long)wl : -1;
}

/* A name as a record holds it: at most CD_FLOWS_NAME_MAX bytes, else
 * left out (a cut could split a character) */
static const char *fits(const char *s)
{
	return s && strlen(s) <= CD_FLOWS_NAME_MAX ? s : NULL;
}

static json_t *rule_json(const struct cd_state *st, uint32_t id)
{
	for (size_t i = 0; id && i < st->pol.nrules; i++) {
		const struct cd_rule *r = &st->pol.rules[i];
		if (r->id == id)
			return json_pack("{s:I, s:s?, s:s}", "id", (json_int_t)r->id, "name", fits(r->name),
					 "category", cd_category_name(r->category));
	}
	return id ? json_pack("{s:I, s:n, s:n}", "id", (json_int_t)id, "name", "category")
		  : json_null();
}

/* at most CD_FLOWS_LIST_MAX entries that fit */
static void list_add(json_t *a, const char *s)
{
	if (json_array_size(a) < CD_FLOWS_LIST_MAX && fits(s))
		json_array_append_new(a, json_string(s));
}

static json_t *tags_json(const struct cd_state *st, long wl)
{
	json_t *a = json_array();
	for (size_t i = 0; wl >= 0 && i < st->inv.w[wl].ntags; i++)
		list_add(a, st->inv.w[wl].tags[i]);
	return a;
}

static json_t *groups_json(const struct cd_state *st, long wl)
{
	json_t *a = json_array();
	for (size_t g = 0; wl >= 0 && g < st->pol.ngroups; g++)
		if (cd_member(&st->mem, g, (size_t)wl))
			list_add(a, st->pol.groups[g].name);
	return a;
}


static json_t *describe(void *arg)
{
	const struct judged *j = arg;
	const struct cd_state *st = j->st;
	return json_pack("{s:s, s:{s:s?}, s:{s:s?}, s:o, s:o, s:o, s:o, s:o, s:o}",
		"vnic", j->vnic,
		"source", "workload", j->swl >= 0 ? fits(st->inv.w[j->swl].name) : NULL,
		"destination", "workload", j->dwl >= 0 ? fits(st->inv.w[j->dwl].name) : NULL,
		"rule", rule_json(st, j->k.rule), "staged_rule", rule_json(st, j->k.staged),
		"source_tags", tags_json(st, j->swl), "destination_tags", tags_json(st, j->dwl),
		"source_groups", groups_json(st, j->swl), "destination_groups", groups_json(st, j->dwl));
}

/* Where the flow is seen here, and its vNIC: false when at neither end. */
static bool place(struct cd_flowwatch *w, const struct cd_state *st, const struct cd_addr *src,
		  const struct cd_addr *dst, struct judged *j, bool *src_here, bool *dst_here)
{
	size_t sv = 0, dv = 0;
	long sl = local_owner(w, st, src, &sv), dl = local_owner(w, st, dst, &dv);
	*src_here = sl >= 0;
	*dst_here = dl >= 0;
	if (sl < 0 && dl < 0)
		return false;
	j->st = st;
	j->swl = sl >= 0 ? sl : owner_any(st, src);
	j->dwl = dl >= 0 ? dl : owner_any(st, dst);
	j->vnic = sl >= 0 ? st->inv.w[sl].vnics[sv].ifname : st->inv.w[dl].vnics[dv].ifname;
	j->k.seen = sl >= 0 && dl >= 0 ? CD_SEEN_BOTH : sl >= 0 ? CD_SEEN_SOURCE : CD_SEEN_DESTINATION;
	j->k.src = *src;
	j->k.dst = *dst;
	return true;
}

/* An allowed connection judged as explain judges it, at the checks of
 * this host: the first one's rule; a staged rule that would deny it
 * first at one of them makes it would-drop or would-reject. */
static void judge_allowed(const struct cd_state *st, const struct cd_ct_event *e, bool src_here,
			  bool dst_here, struct judged *j)
{
	j->k.verdict = CD_FV_ALLOWED;
	j->k.rule = j->k.staged = 0;
	struct cd_flow f = { .src = e->src, .dst = e->dst, .port = e->dport };
	if (e->proto == IPPROTO_TCP)
		f.proto = CD_PROTO_TCP;
	else if (e->proto == IPPROTO_UDP)
		f.proto = CD_PROTO_UDP;
	else if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)
		f.proto = CD_PROTO_ICMP;
	else
		return;                    /* a protocol no rule names alone */
	struct cd_verdict v;
	cd_explain(st, &f, &v);
	const struct cd_stage_result *first = src_here ? &v.stage[CD_EGRESS] : &v.stage[CD_INGRESS];
	if (first->checked && first->rule)
		j->k.rule = first->rule->id;
	for (int s = CD_EGRESS; s <= CD_INGRESS; s++) {
		const struct cd_stage_result *r = &v.stage[s];
		if (!(s == CD_EGRESS ? src_here : dst_here) || !r->checked || !r->staged ||
		    r->staged->action == CD_ALLOW)
			continue;
		j->k.staged = r->staged->id;
		j->k.verdict = r->staged->action == CD_DROP ? CD_FV_WOULD_DROP : CD_FV_WOULD_REJECT;
		break;
	}
}

static int64_t minute_of(int64_t t)
{
	return t - ((t % 60000) + 60000) % 60000;
}

#define CACHE_MAX 100000
/* socket reads a lock hold, and holds a turn: a read of the kernel's
 * reports gives one datagram, one event (a few hundred bytes) for
 * conntrack; 16 reads a turn with a wait between turns lost events at
 * 30,000 connections a second */
#define READS_A_HOLD 32
#define HOLDS_A_TURN 16
#define FLUSH_MS 10000             /* everything held is sent this often */
#define GATHER_NS 500000           /* a wait after a turn: 2,000 turns a second at most */

static void cache_clear(struct cd_flowwatch *w)
{
	cd_map_free(&w->cache);
	cd_map_init_exact(&w->cache);
	for (size_t i = 0; i < w->nc; i++)
		free(w->ckeys[i]);
	w->nc = 0;
}

static void counts_add(struct cd_flowcount *c, const struct cd_flowcount *add)
{
	c->connections += add->connections;
	c->bytes_out += add->bytes_out;
	c->bytes_in += add->bytes_in;
	c->packets_out += add->packets_out;
	c->packets_in += add->packets_in;
}

static void on_ct(void *arg, const struct cd_ct_event *e)
{
	struct cd_flowwatch *w = arg;
	const struct cd_state *st = *w->o.have ? *w->o.st : NULL;
	if (!st)
		return;
	int64_t minute = minute_of(w->o.now_ms());
	if (minute != w->cache_minute || w->changed) {
		cache_clear(w);
		w->cache_minute = minute;
		w->changed = false;
	}
	/* judged once a minute for its addresses, protocol and port */
	uint16_t port = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP ? e->dport : 0;
	char key[CD_FLOW_PAIR_KEY];
	cd_flow_pair_key(&e->src, &e->dst, e->proto, port, key);
	struct judged j = { 0 };
	size_t ci;
	if (cd_map_get(&w->cache, key, &ci)) {
		j = w->cval[ci];
		if (j.swl == -2)           /* at neither end: not ours */
			return;
	} else {
		bool sh, dh;
		if (place(w, st, &e->src, &e->dst, &j, &sh, &dh)) {
			j.k.proto = e->proto;
			j.k.port = port;
			judge_allowed(st, e, sh, dh, &j);
		} else {
			j.swl = -2;
		}
		if (w->nc < CACHE_MAX) {
			cd_grow(&w->cval, &w->capv, w->nc + 1, sizeof(*w->cval));
			w->cval[w->nc] = j;
			char *k = cd_strdup(key);
			CD_PUSH(w->ckeys, w->nc, w->capk, k);
			cd_map_put(&w->cache, k, w->nc - 1, NULL);
		}
		if (j.swl == -2)
			return;
	}
	j.k.minute = minute;
	struct cd_flowcount *c = cd_flowagg_at(w->agg, &j.k, describe, &j);
	if (!c)
		return;
	struct cd_flowcount add = { 1, 0, 0, 0, 0 };
	if (e->gone)
		add = (struct cd_flowcount){ 0, e->bytes_out, e->bytes_in, e->packets_out, e->packets_in };
	counts_add(c, &add);
	cd_fjournal_count(w->j, &j.k, &add);
}

static void on_log(void *arg, const struct cd_nflog_rec *r)
{
	struct cd_flowwatch *w = arg;
	const struct cd_state *st = *w->o.have ? *w->o.st : NULL;
	struct cd_flowdrop d;
	struct judged j = { 0 };
	bool sh, dh;
	if (!st || cd_flowdrop_decode(r, &d) < 0 || !place(w, st, &d.src, &d.dst, &j, &sh, &dh))
		return;
	/* the vNIC the kernel logged it at, when it still has that name */
	char name[IF_NAMESIZE];
	for (size_t i = 0; d.ifindex && if_indextoname(d.ifindex, name) && i < 2; i++) {
		long wl = d.egress ? j.swl : j.dwl;
		for (size_t v = 0; wl >= 0 && v < st->inv.w[wl].nvnics; v++)
			if (!strcmp(st->inv.w[wl].vnics[v].ifname, name))
				j.vnic = st->inv.w[wl].vnics[v].ifname;
		break;
	}
	j.k.minute = minute_of(w->o.now_ms());
	if (!cd_flowagg_attempt(w->agg, j.k.minute, &d.src, &d.dst, d.proto, d.sport, d.dport, d.isn))
		return;                    /* a retransmission of an attempt counted */
	cd_fjournal_attempt(w->j, j.k.minute, &d.src, &d.dst, d.proto, d.sport, d.dport, d.isn);
	j.k.proto = d.proto;
	j.k.port = d.proto == IPPROTO_TCP || d.proto == IPPROTO_UDP ? d.dport : 0;
	j.k.verdict = d.reject ? CD_FV_REJECTED : CD_FV_DROPPED;
	j.k.rule = d.rule;
	struct cd_flowcount *c = cd_flowagg_at(w->agg, &j.k, describe, &j);
	if (c) {
		c->connections++;
		cd_fjournal_count(w->j, &j.k, &(struct cd_flowcount){ 1, 0, 0, 0, 0 });
	}
}

/* ---- sending ---- */

/* The records taken are gathered in batches, to go as one group */
static void close_batch(struct cd_flowwatch *w)
{
	if (w->batch && json_array_size(w->batch)) {
		if (!w->sending)
			w->sending = json_array();
		json_array_append_new(w->sending, json_pack("{s:o}", "records", w->batch));
		w->batch = NULL;
	}
}

static void take_one(void *arg, json_t *record)
{
	struct cd_flowwatch *w = arg;
	/* a batch is one record of the durable queue: under its 64 KiB */
	size_t len = json_dumpb(record, NULL, 0, JSON_COMPACT);
	if (w->batch && (json_array_size(w->batch) >= CD_FLOWS_PER_EMIT ||
			 w->batch_bytes + len > CD_FLOWS_BATCH_BYTES))
		close_batch(w);
	if (!w->batch) {
		w->batch = json_array();
		w->batch_bytes = 0;
	}
	json_array_append_new(w->batch, record);
	w->batch_bytes += len + 1;
}

/* Everything held, every FLUSH_MS, sooner when half the journal waits
 * (all of it at the end), as one group with the journal's mark: a key's
 * minute comes in parts, which the manager adds up.  The journal then
 * starts afresh from the mark: what a group that could not be queued
 * held is lost (counted by the queue), never counted twice. */
static void send_due(struct cd_flowwatch *w, bool all)
{
	int64_t now = w->o.now_ms();
	if (!all && now - w->flushed < FLUSH_MS && cd_fjournal_unsent(w->j) <= cd_fjournal_slots(w->j) / 2)
		return;
	char mark[CD_FJOURNAL_MARK];
	cd_fjournal_mark(w->j, mark);
	w->flushed = now;
	cd_flowagg_take(w->agg, INT64_MAX, take_one, w);
	close_batch(w);
	if (w->sending)
		w->o.emit(w->o.ctx, w->sending, mark);
	w->sending = NULL;
	cd_fjournal_sent(w->j, mark);
}

/* ---- an agent before this one: its journal replayed ---- */

static void replay_count(void *arg, const struct cd_flowkey *k, const struct cd_flowcount *add)
{
	struct cd_flowwatch *w = arg;
	const struct cd_state *st = *w->o.st;
	struct judged j = { 0 };
	bool sh, dh;
	if (!place(w, st, &k->src, &k->dst, &j, &sh, &dh))
		j = (struct judged){ .st = st, .swl = owner_any(st, &k->src), .dwl = owner_any(st, &k->dst) };
	j.k = *k;
	struct cd_flowcount *c = cd_flowagg_at(w->agg, k, describe, &j);
	if (c)
		counts_add(c, add);
}

static void replay_attempt(void *arg, int64_t minute, const struct cd_addr *src,
			   const struct cd_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport,
			   uint32_t tell)
{
	struct cd_flowwatch *w = arg;
	cd_flowagg_attempt(w->agg, minute, src, dst, proto, sport, dport, tell);
}

/* Once the state is there (the workloads' names): what the agent before
 * this one had counted and not sent; under the lock. */
static void replay(struct cd_flowwatch *w)
{
	struct cd_fjournal_replay r = { .count = replay_count, .attempt = replay_attempt, .ctx = w };
	w->replayed = true;
	if (cd_fjournal_replay(w->j, w->o.mark, &r) < 0)
		cd_logf(w->o.log, "flow records: the queue's mark %s is no journal's: nothing replayed",
			w->o.mark);
	else if (r.counts || r.lost)
		cd_logf(w->o.log, "flow records: %zu counts the agent before this one had not sent are "
			"counted (%zu written over: lost), and %zu dropped attempts remembered",
			r.counts, r.lost, r.attempts);
	w->replay_counts = r.counts;
	w->replay_lost = r.lost;
}

/* A keeper for the sockets and the journal this agent has. */
static void keep(struct cd_flowwatch *w)
{
	int mine[CD_FK_N] = { w->ct ? cd_ctwatch_fd(w->ct) : -1, w->log ? cd_nflog_fd(w->log) : -1,
			      cd_fjournal_fd(w->j) };
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	if (cd_flowkeep_spawn(w->o.keeper_exe, w->o.keep_dir, mine, &w->keeper, &err) < 0)
		cd_logf(w->o.log, "flow records are not kept across a crash of the agent: %s", err.data);
	cd_buf_free(&err);
}

/* The keeper ended under a running agent (killed): another is started
 * for the same sockets and journal. */
static void keeper_gone(struct cd_flowwatch *w)
{
	close(w->keeper);
	w->keeper = -1;
	cd_logf(w->o.log, "flow records: the flow keeper ended; another is started");
	keep(w);
}

/* The sockets and the journal: the flow keeper's when one runs in
 * keep_dir (an agent before this one was killed: what the kernel queued
 * since is read on), else new ones, and a keeper started for them. */
static int open_sources(struct cd_flowwatch *w)
{
	int fds[CD_FK_N], r = -ENOENT;
	const char *dir = w->o.keep_dir;
	if (dir)
		r = cd_flowkeep_claim(dir, fds, &w->keeper, &w->why);
	bool none = r == -ENOENT || r == -ECONNREFUSED;   /* no keeper there */
	if (r == 0) {
		if (fds[CD_FK_CT] >= 0 && cd_ctwatch_adopt(&w->ct, fds[CD_FK_CT]) < 0)
			close(fds[CD_FK_CT]);
		if (fds[CD_FK_LOG] >= 0 && cd_nflog_adopt(&w->log, fds[CD_FK_LOG], CD_FLOW_NFLOG_GROUP) < 0)
			close(fds[CD_FK_LOG]);
		if ((r = cd_fjournal_open(&w->j, fds[CD_FK_RING], 0, &w->why)) < 0)
			close(fds[CD_FK_RING]);
		return r < 0 ? r : w->ct || w->log ? 0 : -EBADF;
	}
	if (r == -EBUSY) {
		cd_buf_printf(&w->why, "another agent reads this host's flows (the flow keeper in %s "
			      "serves it)", dir);
		return r;
	}
	if (dir && !none) {
		/* one that does not answer, or not as this agent reads: ended
		 * (it holds the log's group) */
		cd_logf(w->o.log, "flow records: %s; that keeper is ended", w->why.data);
		cd_buf_reset(&w->why);
		cd_flowkeep_end(dir);
	}
	int rc = cd_ctwatch_open(&w->ct, &w->why);
	if (w->why.len)
		cd_buf_puts(&w->why, "; ");
	int rl = cd_nflog_open(&w->log, CD_FLOW_NFLOG_GROUP, &w->why);
	if (rc < 0 && rl < 0)
		return rc;
	if ((r = cd_fjournal_open(&w->j, -1, CD_FJOURNAL_SLOTS, &w->why)) < 0)
		return r;
	if (dir)
		keep(w);
	return 0;
}

/* ---- the thread ---- */

static void started(struct cd_flowwatch *w, int r)
{
	pthread_mutex_lock(&w->lock);
	w->started = r < 0 ? r : 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void *watch(void *arg)
{
	struct cd_flowwatch *w = arg;
	int r = w->o.ns_fd >= 0 && setns(w->o.ns_fd, CLONE_NEWNET) < 0 ? -errno : 0;
	if (r < 0)
		cd_buf_printf(&w->why, "cannot enter the host's network namespace: %s", strerror(-r));
	else
		r = open_sources(w);
	started(w, r);
	if (r < 0)
		return NULL;
	struct pollfd p[4] = { { w->wake, POLLIN, 0 } };
	for (;;) {
		/* the sockets are read once there is a state to judge by and
		 * the journal is replayed (the kernel holds what comes) */
		if (!w->replayed) {
			pthread_mutex_lock(&w->lock);
			if (*w->o.have && *w->o.st)
				replay(w);
			pthread_mutex_unlock(&w->lock);
		}
		p[1] = (struct pollfd){ w->replayed && w->ct ? cd_ctwatch_fd(w->ct) : -1, POLLIN, 0 };
		p[2] = (struct pollfd){ w->replayed && w->log ? cd_nflog_fd(w->log) : -1, POLLIN, 0 };
		p[3] = (struct pollfd){ w->keeper, POLLIN, 0 };
		int n = poll(p, 4, w->replayed ? 1000 : 100);
		if (n > 0 && p[0].revents)
			break;
		if (n > 0 && p[3].revents) {
			keeper_gone(w);
			p[1].revents = p[2].revents = 0;
			continue;
		}
		/* many reads a turn, a few a lock hold: the agent's changes
		 * wait for no more than READS_A_HOLD reports' judging */
		for (int h = 0; n > 0 && h < HOLDS_A_TURN; h++) {
			pthread_mutex_lock(&w->lock);
			int a = p[1].revents ? cd_ctwatch_read(w->ct, on_ct, w, &w->ct_lost, READS_A_HOLD) : 0;
			int b = p[2].revents ? cd_nflog_read(w->log, on_log, w, &w->log_lost, READS_A_HOLD) : 0;
			pthread_mutex_unlock(&w->lock);
			send_due(w, false);
			if (a <= 0 && b <= 0)
				break;             /* both drained */
		}
		if (w->replayed)
			send_due(w, false);
		/* events come in their thousands a second: let them gather
		 * (the kernel holds them, in a socket buffer of megabytes)
		 * rather than wake for each few; half of the agent's time went
		 * to switching to this thread and back */
		if (n > 0)
			nanosleep(&(struct timespec){ 0, GATHER_NS }, NULL);
	}
	if (!w->replayed)
		return NULL;               /* nothing was read */
	/* what came before the stop, then everything held */
	pthread_mutex_lock(&w->lock);
	if (w->ct)
		cd_ctwatch_read(w->ct, on_ct, w, &w->ct_lost, 1000);
	if (w->log)
		cd_nflog_read(w->log, on_log, w, &w->log_lost, 1000);
	pthread_mutex_unlock(&w->lock);
	send_due(w, true);
	return NULL;
}

int cd_flowwatch_start(struct cd_flowwatch **out, const struct cd_flowwatch_opts *o,
		       struct cd_buf *err)
{
	struct cd_flowwatch *w = cd_calloc(1, sizeof(*w));
	w->o = *o;
	w->host = cd_strdup(o->host);
	w->o.host = w->host;
	/* the caller's strings, kept (the journal is replayed later) */
	w->o.keep_dir = w->keep_dir = o->keep_dir ? cd_strdup(o->keep_dir) : NULL;
	w->o.keeper_exe = w->keeper_exe = o->keeper_exe ? cd_strdup(o->keeper_exe) : NULL;
	w->o.mark = w->mark = o->mark ? cd_strdup(o->mark) : NULL;
	if (!w->o.now_ms)
		w->o.now_ms = wall;
	w->agg = cd_flowagg_new(o->max_keys ? o->max_keys : 100000, 100000);
	cd_map_init_exact(&w->cache);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	cd_buf_init(&w->why, 1024);
	w->keeper = -1;
	w->wake = eventfd(0, EFD_CLOEXEC);
	int r = w->wake < 0 ? -errno : -pthread_create(&w->thread, NULL, watch, w);
	if (r == 0) {
		pthread_mutex_lock(&w->lock);
		while (!w->started)
			pthread_cond_wait(&w->cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
		if (w->started < 0) {
			r = w->started;
			pthread_join(w->thread, NULL);
		}
	} else {
		cd_buf_printf(&w->why, "cannot start the flow watcher: %s", strerror(-r));
	}
	if (w->why.len)
		cd_buf_puts(err, w->why.data);
	if (r < 0) {
		w->started = 0;
		cd_flowwatch_stop(w);
		return r;
	}
	*out = w;
	return 0;
}

void cd_flowwatch_lock(struct cd_flowwatch *w)
{
	if (w)
		pthread_mutex_lock(&w->lock);
}

void cd_flowwatch_unlock(struct cd_flowwatch *w)
{
	if (!w)
		return;
	w->changed = true;         /* what was judged is judged again */
	pthread_mutex_unlock(&w->lock);
}

json_t *cd_flowwatch_status(struct cd_flowwatch *w)
{
	pthread_mutex_lock(&w->lock);
	json_t *o = json_pack("{s:b, s:b, s:I, s:I, s:I, s:b, s:I, s:I}", "conntrack", w->ct != NULL,
			      "log", w->log != NULL, "conntrack_lost", (json_int_t)w->ct_lost, "log_lost",
			      (json_int_t)w->log_lost, "keys_overflow",
			      (json_int_t)cd_flowagg_overflow(w->agg), "kept", w->keeper >= 0,
			      "replayed", (json_int_t)w->replay_counts, "journal_lost",
			      (json_int_t)w->replay_lost);
	pthread_mutex_unlock(&w->lock);
	return o;
}

void cd_flowwatch_hand_over(struct cd_flowwatch *w)
{
	if (w)
		w->hand_over = true;
}

void cd_flowwatch_stop(struct cd_flowwatch *w)
{
	if (!w)
		return;
	if (w->started > 0) {
		uint64_t one = 1;
		if (write(w->wake, &one, sizeof(one)) == sizeof(one))
			pthread_join(w->thread, NULL);
	}
	/* the keeper ends with an agent that read (it sent everything);
	 * one that never replayed, or hands over, leaves it to the next,
	 * the log's group still bound to the socket the keeper holds */
	bool kept = w->keeper >= 0 && (!w->replayed || w->hand_over);
	if (kept)
		close(w->keeper);
	else
		cd_flowkeep_release(w->keeper);
	cd_ctwatch_close(w->ct);
	if (kept)
		cd_nflog_leave(w->log);
	else
		cd_nflog_close(w->log);
	cd_fjournal_close(w->j);
	if (w->wake >= 0)
		close(w->wake);
	json_decref(w->batch);
	json_decref(w->sending);
	cd_flowagg_free(w->agg);
	cache_clear(w);
	cd_map_free(&w->cache);
	free(w->ckeys);
	free(w->cval);
	cd_buf_free(&w->why);
	free(w->host);
	free(w->keep_dir);
	free(w->keeper_exe);
	free(w->mark);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
