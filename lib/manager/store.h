/* store.h - the manager's durable state, behind a narrow interface.
 *
 * Everything cordond must not lose lives here: inventory sources, tag
 * changes made through the API, policy revisions, API tokens (hashed),
 * agents and their realization status, the event log, and the change
 * stream agents follow.  The manager keeps a working copy in memory and
 * writes through this interface; it never sees SQL.
 *
 * The back end is SQLite in WAL mode (a file: one manager) or PostgreSQL
 * (a server several managers share), through db/db.h: the same tables
 * and answers on both (store_schema.c).  A write returns only after its
 * transaction committed: a manager killed at any point loses nothing it
 * acknowledged (SQLite's WAL with synchronous=NORMAL is durable against a
 * process crash; against a power cut, up to the last checkpoint).
 *
 * Times are microseconds since the epoch (UTC).  Functions return 0 or a
 * negative errno-style code; -EIO carries the back end's message in
 * cd_store_error(). */
#ifndef CD_STORE_H
#define CD_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct cd_store;

/* target: an SQLite file, or a PostgreSQL URI or key=value string
 * (db.h).  *out is set even on failure (for cd_store_error); close it. */
int cd_store_open(const char *target, struct cd_store **out);
void cd_store_close(struct cd_store *s);
/* The schema's version this cordon writes (store_schema.c). */
int64_t cd_store_schema_version(void);
/* An SQLite store's file that nothing writes (a backup's), without
 * opening it as a store (nothing migrated): whole (SQLite's integrity
 * check, when full), a store of cordon's, of a schema this cordon knows.
 * 0 with *version; -EINVAL (damaged, not a store) or -EPROTO (a newer
 * cordon's, *version set too), why in err. */
int cd_store_file_check(const char *path, bool full, int64_t *version, char *err, size_t errlen);
const char *cd_store_error(const struct cd_store *s);
/* Whether other managers may share the database (PostgreSQL). */
bool cd_store_shared(const struct cd_store *s);

/* Group writes into one transaction.  A transaction begun inside another
 * is a savepoint of it: its commit keeps its writes for the outer one to
 * commit, its rollback undoes them alone.  Every begin is paired with one
 * commit or one rollback (a rollback after a failed outermost begin does
 * nothing). */
int cd_store_begin(struct cd_store *s);
int cd_store_commit(struct cd_store *s);
void cd_store_rollback(struct cd_store *s);

/* A read transaction: one consistent view for several reads while
 * others write (ended by cd_store_commit or cd_store_rollback). */
int cd_store_begin_read(struct cd_store *s);

/* Small named values (the last change sequence number, ...). */
int cd_store_meta_get(struct cd_store *s, const char *key, char **val);
int cd_store_meta_set(struct cd_store *s, const char *key, const char *val);

/* Inventory sources: a name, a kind ("static", "libvirt", ...), the
 * connector's configuration (JSON, may be NULL) and its workloads (a JSON
 * array).  cb is called per source in name order. */
int cd_store_source_put(struct cd_store *s, const char *name, const char *kind,
			const char *config, const char *workloads, int64_t updated);
int cd_store_source_del(struct cd_store *s, const char *name);
typedef int (*cd_store_source_cb)(void *ctx, const char *name, const char *kind,
				  const char *config, const char *workloads, int64_t updated);
int cd_store_source_each(struct cd_store *s, cd_store_source_cb cb, void *ctx);
/* A connected source's state as its connector said it (error may be
 * NULL), for every manager to show; and every source's. */
int cd_store_source_state(struct cd_store *s, const char *name, const char *state, const char *error);
typedef int (*cd_store_state_cb)(void *ctx, const char *name, const char *state, const char *error);
int cd_store_source_states(struct cd_store *s, cd_store_state_cb cb, void *ctx);

/* Tags set through the API on a workload (by id), over its source's:
 * add true = the tag is added, false = it is removed. */
int cd_store_tag_put(struct cd_store *s, const char *wl, const char *tag, bool add);
int cd_store_tag_del(struct cd_store *s, const char *wl, const char *tag);
typedef int (*cd_store_tag_cb)(void *ctx, const char *wl, const char *tag, bool add);
int cd_store_tag_each(struct cd_store *s, cd_store_tag_cb cb, void *ctx);

/* Revisions of a document (the policy, the alert definitions):
 * immutable, numbered from 1, each document on its own. */
enum cd_doc { CD_DOC_POLICY, CD_DOC_ALERTS };
struct cd_revision {
	int64_t rev;
	int64_t time;
	char *author;       /* who pushed it */
	char *comment;      /* "pushed", "rollback to 3", ... */
	char *doc;          /* the policy text (NULL in lists) */
};
void cd_revision_free(struct cd_revision *r);
int cd_store_rev_add(struct cd_store *s, enum cd_doc which, const char *doc, const char *author,
		     const char *comment, int64_t time, int64_t *rev);
/* -ENOENT when there is no such revision (rev 0: the newest). */
int cd_store_rev_get(struct cd_store *s, enum cd_doc which, int64_t rev, struct cd_revision *out);
typedef int (*cd_store_rev_cb)(void *ctx, const struct cd_revision *r);
int cd_store_rev_each(struct cd_store *s, enum cd_doc which, cd_store_rev_cb cb, void *ctx);
/* The newest revision's number (0: none), or a negative code. */
int64_t cd_store_rev_last(struct cd_store *s, enum cd_doc which);

/* Documents kept by name (kind "view", "report"), each name with its own
 * revisions from 1; doc NULL records the name's removal. */
int cd_store_named_put(struct cd_store *s, const char *kind, const char *name, const char *doc,
		       const char *author, const char *comment, int64_t time, int64_t *rev);
/* Revision rev of the name (0: its newest; its doc NULL when removed):
 * 0, -ENOENT, or a negative code. */
int cd_store_named_get(struct cd_store *s, const char *kind, const char *name, int64_t rev,
		       struct cd_revision *out);
/* Called with each name's newest revision (doc NULL: removed), by name;
 * or with each revision of one name, oldest first. */
typedef int (*cd_store_named_cb)(void *ctx, const char *name, const struct cd_revision *r);
int cd_store_named_each(struct cd_store *s, const char *kind, cd_store_named_cb cb, void *ctx);
int cd_store_named_revs(struct cd_store *s, const char *kind, const char *name,
			cd_store_named_cb cb, void *ctx);

/* API tokens, by the hash of the secret (never the secret). */
struct cd_token {
	char *hash;         /* hex SHA-256 of the secret */
	char *name;         /* "admin", "agent:hv1", ... */
	char *role;         /* admin | operator | viewer | agent | enroll */
	char *host;         /* agent and enroll tokens: the host, or NULL */
	char *workload;     /* ... or the workload (scanning role) */
	int64_t created;
};
void cd_token_free(struct cd_token *t);
int cd_store_token_add(struct cd_store *s, const struct cd_token *t);
/* -ENOENT when unknown. */
int cd_store_token_get(struct cd_store *s, const char *hash, struct cd_token *out);
int cd_store_token_del(struct cd_store *s, const char *hash);
/* Every token, by name (the hash left out). */
typedef int (*cd_store_token_cb)(void *ctx, const struct cd_token *t);
int cd_store_token_each(struct cd_store *s, cd_store_token_cb cb, void *ctx);
/* How many tokens have this name and role (NULL: any); or -EIO. */
int64_t cd_store_token_count(struct cd_store *s, const char *name, const char *role);
/* Remove the tokens of this name and role (NULL: any): how many, or -EIO. */
int64_t cd_store_token_del_name(struct cd_store *s, const char *name, const char *role);

/* Users of the console: a name, a role (admin | operator | viewer) and
 * the slow salted hash of their password (never the password). */
struct cd_user {
	char *name, *role, *hash;
	char *zone;             /* the console's time zone, or NULL */
	int64_t created;
};
void cd_user_free(struct cd_user *u);
/* A new user: -EEXIST when one has that name, in any case. */
int cd_store_user_create(struct cd_store *s, const struct cd_user *u);
/* An existing user's role and password hash (NULL: unchanged): -ENOENT. */
int cd_store_user_set(struct cd_store *s, const char *name, const char *role, const char *hash);
/* -ENOENT when there is no such user. */
int cd_store_user_get(struct cd_store *s, const char *name, struct cd_user *out);
int cd_store_user_del(struct cd_store *s, const char *name);
/* A user's time zone (NULL: none).  -ENOENT when there is no such user. */
int cd_store_user_zone(struct cd_store *s, const char *name, const char *zone);
/* Every user by name (the hash left out); or how many there are. */
typedef int (*cd_store_user_cb)(void *ctx, const struct cd_user *u);
int cd_store_user_each(struct cd_store *s, cd_store_user_cb cb, void *ctx);
int64_t cd_store_user_count(struct cd_store *s, const char *role);   /* role NULL: all */
/* An origin's sign-in bucket (ratelimit.h's level and at; -ENOENT: none
 * yet, full), written back; those untouched since `before` dropped. */
int cd_store_signin_get(struct cd_store *s, const char *origin, double *level, int64_t *at);
int cd_store_signin_put(struct cd_store *s, const char *origin, double level, int64_t at);
int cd_store_signins_prune(struct cd_store *s, int64_t before);

/* Agents and what they have realized. */
struct cd_agent_rec {
	char *name;             /* "host:hv1" or "workload:vdi-001" */
	char *host, *workload;  /* its role's scope (one is NULL) */
	int64_t enrolled, last_seen;
	int64_t applied_rev, applied_seq, applied_at;
	char *status;           /* JSON object the agent last reported */
	bool up;                /* heard from within three heartbeats (by any manager) */
};
void cd_agent_rec_free(struct cd_agent_rec *a);
int cd_store_agent_put(struct cd_store *s, const struct cd_agent_rec *a);
typedef int (*cd_store_agent_cb)(void *ctx, const struct cd_agent_rec *a);
/* The agent heard from (its record written, up): 1 when it was down or
 * unknown, 0 when it was up (another manager heard it before). */
int cd_store_agent_mark_up(struct cd_store *s, const struct cd_agent_rec *a);
/* Mark down the agents up whose last_seen is before `before`, each once
 * (whichever manager asks first): cb gets each, marked down. */
int cd_store_agent_down(struct cd_store *s, int64_t before, cd_store_agent_cb cb, void *ctx);
int cd_store_agent_each(struct cd_store *s, cd_store_agent_cb cb, void *ctx);

/* Scan requests (cordon scan): id assigned by the store; state
 * "requested", then "running", then "finished" or "failed". */
struct cd_scan_req {
	int64_t id;
	char *workload;
	char *kind;             /* "full" | "quick" */
	char *state;
	char *by;               /* who asked */
	int64_t requested, updated;
	char *result;           /* JSON object (the last progress), or NULL */
};
void cd_scan_req_free(struct cd_scan_req *q);
int cd_store_scan_add(struct cd_store *s, struct cd_scan_req *q);
int cd_store_scan_update(struct cd_store *s, int64_t id, const char *state,
			 const char *result, int64_t updated);
typedef int (*cd_store_scan_cb)(void *ctx, const struct cd_scan_req *q);
/* Requests not finished, oldest first (workload NULL: all). */
int cd_store_scan_pending(struct cd_store *s, const char *workload, cd_store_scan_cb cb, void *ctx);
int cd_store_scan_get(struct cd_store *s, int64_t id, struct cd_scan_req *out);
/* When the newest request of this kind for workload was made (0: never). */
int cd_store_scan_last(struct cd_store *s, const char *workload, const char *kind,
		       int64_t *requested);

/* Quarantines: since when a workload is quarantined and why (recorded
 * when the quarantine tag is set through the manager), and the time of its
 * last detection.  A release by scan needs a scan requested after both. */
struct cd_quarantine {
	int64_t since, detected;
	char *why;
};
void cd_quarantine_free(struct cd_quarantine *q);
int cd_store_quarantine_put(struct cd_store *s, const char *workload, int64_t since,
			    const char *why);
/* A detection at time (no record: nothing to do). */
int cd_store_quarantine_detected(struct cd_store *s, const char *workload, int64_t time);
/* -ENOENT when there is no record. */
int cd_store_quarantine_get(struct cd_store *s, const char *workload, struct cd_quarantine *out);
int cd_store_quarantine_del(struct cd_store *s, const char *workload);

/* Alerts: raised active (at most one per definition and object), updated
 * while active, cancelled; acknowledged by someone.  detail is JSON. */
struct cd_alert_rec {
	int64_t id;
	char *definition, *kind, *object, *severity;
	char *state;            /* "active" | "cancelled" */
	int64_t raised, updated, cancelled;    /* cancelled: 0 while active */
	char *acked_by;         /* or NULL */
	int64_t acked_at;
	char *detail;
};
void cd_alert_rec_free(struct cd_alert_rec *a);
/* A new active alert (raised is its time): its id into a->id; -EIO also
 * when one of that definition and object is active. */
int cd_store_alert_raise(struct cd_store *s, struct cd_alert_rec *a);
/* The active alert id's detail at time: -ENOENT when it is not active. */
int cd_store_alert_update(struct cd_store *s, int64_t id, const char *detail, int64_t time);
int cd_store_alert_cancel(struct cd_store *s, int64_t id, const char *detail, int64_t time);
/* -ENOENT when there is no such alert. */
int cd_store_alert_ack(struct cd_store *s, int64_t id, const char *by, int64_t time);
int cd_store_alert_get(struct cd_store *s, int64_t id, struct cd_alert_rec *out);
struct cd_alert_filter {
	const char *state, *severity, *kind, *name, *definition;   /* or NULL */
	int64_t before;         /* ids below this one, 0: all (the next page) */
	int64_t limit;          /* 0: all */
};
/* The alerts the filter takes, newest first; the strings are the row's
 * until cb returns. */
typedef int (*cd_store_alert_cb)(void *ctx, const struct cd_alert_rec *a);
int cd_store_alert_each(struct cd_store *s, const struct cd_alert_filter *f, cd_store_alert_cb cb,
			void *ctx);

/* The event log (the audit records among them). */
struct cd_event {
	int64_t id;             /* assigned by the store */
	int64_t time;
	const char *type;       /* "tag", "policy", "agent-up", "detection", ... */
	const char *workload;   /* or NULL */
	const char *host;       /* or NULL */
	const char *actor;      /* who did it (audit), or NULL */
	const char *origin;     /* from where: peer address, or NULL */
	const char *message;
	const char *data;       /* JSON object or NULL */
	int64_t received;       /* when the manager took it; 0: time */
};
int cd_store_event_add(struct cd_store *s, struct cd_event *e);
/* An agent's event, once: -EEXIST when (agent, agent_seq) was stored. */
int cd_store_event_add_once(struct cd_store *s, struct cd_event *e,
			    const char *agent, int64_t agent_seq);
/* 1 when (agent, agent_seq) is stored, 0 when not, or -EIO. */
int cd_store_event_known(struct cd_store *s, const char *agent, int64_t agent_seq);
struct cd_event_filter {
	int64_t since;          /* time, 0: all */
	int64_t until;          /* time, 0: all */
	const char *workload;   /* or NULL */
	const char *host;       /* or NULL */
	const char *match;      /* words that message or data hold, or NULL */
	const char *type;       /* or NULL; "audit": events with an actor */
	int64_t before;         /* ids below this one, 0: all (the next page) */
	int64_t limit;          /* newest LIMIT, 0: all */
};
/* The retention: remove the events received before `before` (time),
 * then the oldest until their sizes sum to 90% of max_bytes (when over
 * it; 0: no limit); *removed says how many went.  Past alerts go with
 * them: those cancelled before `before`, then before the oldest event
 * kept. */
int cd_store_event_prune(struct cd_store *s, int64_t before, int64_t max_bytes, int64_t *removed);
/* About how many bytes the event log holds (text, and 64 a row), past
 * alerts included. */
int64_t cd_store_event_bytes(struct cd_store *s);
typedef int (*cd_store_event_cb)(void *ctx, const struct cd_event *e);
int cd_store_event_each(struct cd_store *s, const struct cd_event_filter *f,
			cd_store_event_cb cb, void *ctx);
/* Each workload's newest event of type at or after since: cb(ctx,
 * workload, its time) once per workload, in no order. */
int cd_store_event_latest(struct cd_store *s, const char *type, int64_t since,
			  int (*cb)(void *ctx, const char *workload, int64_t time), void *ctx);

/* ---- flow records (store_flows.c; their meaning: flows.h) ---- */

/* A flow record as stored.  Strings are the caller's (writing) or the
 * row's until the callback returns (reading). */
struct cd_flow_rec {
	int64_t id;             /* assigned by the store */
	int64_t minute;         /* epoch ms of the minute's start */
	const char *host, *vnic, *seen_at;
	const char *src_wl, *dst_wl;    /* or NULL (outside the inventory) */
	const char *src_ip, *dst_ip;    /* as cd_addr_fmt writes them */
	int proto;              /* 0..255 */
	int port;               /* 1..65535, 0: none (ICMP) */
	const char *verdict;
	int64_t rule_id;        /* 0: the default action (name, cat NULL) */
	const char *rule_name, *rule_cat;
	int64_t staged_id;      /* 0: none */
	const char *staged_name, *staged_cat;
	int64_t connections, bytes_out, bytes_in, packets_out, packets_in;
	/* each list as flows.c writes it: "" or SEP a SEP b SEP */
	const char *src_tags, *dst_tags, *src_groups, *dst_groups;
};
/* Which records a query takes (every field given narrows it). */
struct cd_flow_filter {
	int64_t since, until;   /* minutes from since to until (ms), both in */
	const char *workload;   /* either end's workload (NULL: any)... */
	const char *workload_ip;/* ...or either end's address */
	const char *src_wl, *src_ip, *dst_wl, *dst_ip;
	const char *group_like, *tag_like;   /* LIKE patterns (backslash escapes):
	                                      * either end's list matches */
	int port;               /* 0: any */
	int proto;              /* -1: any */
	const char *verdict;
	int64_t rule;           /* -1: any, 0: the default action */
	const char *host;
	bool dedupe;            /* drop a "destination" record whose "source"
	                         * or "both" record (same minute or one next
	                         * to it, addresses, protocol, port, verdict)
	                         * is stored */
	int64_t before_minute, before_id;   /* records before this one, in
	                                     * the order below (0: from the newest) */
	int64_t limit;
};
/* A batch of an agent's records, once per (cred, seq), in one
 * transaction with the counters per rule and verdict (at most
 * totals_max pairs: past them a new pair is counted under rule -1) and
 * the size: 1 stored, 0 when that batch was stored before (nothing
 * written). */
int cd_store_flow_batch(struct cd_store *s, const char *cred, int64_t seq, int64_t received,
			const struct cd_flow_rec *v, size_t n, int64_t totals_max);
/* A flow key of the records (deduplicated by the filter), summed over
 * its minutes: what an impact preview evaluates. */
struct cd_flow_key {
	const char *src_wl, *src_ip, *dst_wl, *dst_ip;   /* the row's until the callback returns */
	int proto, port;
	double connections;
	int64_t last_minute;
};
/* Each key the filter takes, ordered by addresses, protocol and port;
 * -E2BIG past CD_FLOW_KEYS_MAX keys (their sums are held in memory). */
#define CD_FLOW_KEYS_MAX 500000
int cd_store_flow_keys(struct cd_store *s, const struct cd_flow_filter *f,
		       int (*cb)(void *ctx, const struct cd_flow_key *k), void *ctx);
typedef int (*cd_store_flow_cb)(void *ctx, const struct cd_flow_rec *f);
/* The records the filter takes, newest first (minute, then id). */
int cd_store_flow_each(struct cd_store *s, const struct cd_flow_filter *f, cd_store_flow_cb cb,
		       void *ctx);
/* Sums by a key over the records the filter takes (its paging and limit
 * ignored), largest connections first, at most n. */
enum cd_flow_by { CD_FLOW_BY_PAIR, CD_FLOW_BY_PORT, CD_FLOW_BY_RULE, CD_FLOW_BY_WORKLOAD };
struct cd_flow_sum {
	const char *a, *b;      /* pair: source, destination; workload: a (a
	                         * workload's name, else the address) */
	int proto, port;        /* port */
	int64_t rule_id;        /* rule (0: the default action) */
	const char *rule_name, *rule_cat;
	double connections, bytes_out, bytes_in, packets_out, packets_in;
};
int cd_store_flow_top(struct cd_store *s, const struct cd_flow_filter *f, enum cd_flow_by by,
		      int64_t n, int (*cb)(void *ctx, const struct cd_flow_sum *x), void *ctx);
/* Connections stored since the database was made, per rule (0: the
 * default action) and verdict, in order of rule then verdict. */
int cd_store_flow_totals(struct cd_store *s,
			 int (*cb)(void *ctx, int64_t rule, const char *verdict, int64_t n),
			 void *ctx);
/* About how many bytes the records hold (text, and 128 a row). */
int64_t cd_store_flow_bytes(struct cd_store *s);
/* The retention: the records of minutes before `before` (ms) and the
 * batches received before `received_before` (us), then the oldest until
 * their sizes sum to 90% of max_bytes (when over it; 0: no limit).
 * *removed: how many records went. */
int cd_store_flow_prune(struct cd_store *s, int64_t before, int64_t received_before,
			int64_t max_bytes, int64_t *removed);

/* ---- reports' runs (store_reports.c) ---- */

/* A report's run: strings the caller's (writing) or the row's until the
 * callback returns (reading). */
struct cd_report_run {
	int64_t id;             /* assigned by the store */
	const char *name;
	int64_t fire;           /* a scheduled run's fire time (ms); 0: on demand */
	const char *trigger;    /* "schedule" | "api" */
	int64_t begin_ms, end_ms;
	int64_t started, finished;      /* us; finished 0: not finished */
	const char *outcome;    /* running | ok | failed | interrupted */
	const char *actor;      /* who asked, or NULL */
	const char *detail;     /* JSON: files, deliveries, errors; or NULL */
};
/* A run stored: 0 with *id; -EEXIST when the report's run of that fire
 * is stored already (another manager made it).  A run on demand (fire 0)
 * is always stored. */
int cd_store_report_run_add(struct cd_store *s, const struct cd_report_run *r, int64_t *id);
int cd_store_report_run_end(struct cd_store *s, int64_t id, int64_t finished, const char *outcome,
			    const char *detail);
/* The newest fire a run of name was stored for (0: none). */
int cd_store_report_last_fire(struct cd_store *s, const char *name, int64_t *fire);
/* name's runs newest first, at most limit (0: all). */
int cd_store_report_runs(struct cd_store *s, const char *name, int64_t limit,
			 int (*cb)(void *ctx, const struct cd_report_run *r), void *ctx);
/* Runs still running that started before `before` (us) said
 * "interrupted" (their manager stopped): how many, or a negative code. */
int cd_store_report_runs_interrupted(struct cd_store *s, int64_t before);
/* name's runs but its newest keep removed. */
int cd_store_report_runs_prune(struct cd_store *s, const char *name, int64_t keep);
/* Each rule the flow records of the minutes from since to until (ms)
 * name, as the rule that decided or the staged one that would have:
 * cb(ctx, id) once per id, in order. */
int cd_store_flow_rules_seen(struct cd_store *s, int64_t since, int64_t until,
			     int (*cb)(void *ctx, int64_t rule), void *ctx);

/* ---- what several managers on one database share (store_sync.c) ---- */

/* The change stream as stored: each change number with its delta (JSON
 * text as agents get it) or NULL (anything else: the world is read
 * again).  The last change's number is meta's "seq" (0: none). */
int cd_store_seq(struct cd_store *s, int64_t *seq);
int cd_store_change_add(struct cd_store *s, int64_t seq, int64_t time, const char *body);
typedef int (*cd_store_change_cb)(void *ctx, int64_t seq, const char *body);
/* The changes after `after`, in order. */
int cd_store_change_each(struct cd_store *s, int64_t after, cd_store_change_cb cb, void *ctx);
/* Forget the changes up to and including upto. */
int cd_store_change_prune(struct cd_store *s, int64_t upto);
/* The tag layer's entries of one workload, in the order they were made. */
int cd_store_tag_each_of(struct cd_store *s, const char *wl, cd_store_tag_cb cb, void *ctx);

/* Tell the other managers something changed (sent when the transaction
 * commits; nothing on SQLite), and hear it: cd_store_listen once, then
 * cd_store_notified says how many came since it was last asked (or that
 * the connection was made again: anything may have changed).  Both 0 on
 * SQLite. */
int cd_store_listen(struct cd_store *s);
int cd_store_notify(struct cd_store *s, const char *what);
#define CD_STORE_NOTE_CHANGE 1u     /* a change of the world (its stream) */
#define CD_STORE_NOTE_TOKENS 2u     /* a token went (revoked, used, expired) */
#define CD_STORE_NOTE_EVENT 4u      /* an event was recorded */
unsigned cd_store_notified(struct cd_store *s);
/* A number that moves whenever a token may have gone, here or (told)
 * by another manager: what caches of tokens compare. */
uint64_t cd_store_tokens_gen(const struct cd_store *s);
/* The socket notifications arrive on (-1: none). */
int cd_store_socket(struct cd_store *s);

/* Leases: a duty one manager holds at a time (the alerts' evaluation, a
 * source's connector, the upkeep), held while its connection to the
 * database lives, so that another takes it over when it dies.  2 taken
 * now (first, or again after the connection was made again), 1 held
 * before, 0 another manager holds it, or a negative code (then it is
 * not held).  On SQLite one manager holds every lease (1). */
int cd_store_lease(struct cd_store *s, const char *name);
void cd_store_lease_drop(struct cd_store *s, const char *name);

#endif
