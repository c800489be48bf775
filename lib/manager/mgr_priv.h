/* mgr_priv.h - what the manager's files share, and nothing outside the
 * manager may use.  The layers, bottom up:
 *
 *   mgr.c         the world (the effective inventory and loaded state),
 *                 the change stream, events, open and close
 *   tags.c        the tag layer over the sources' own tags
 *   sources.c     pushed documents and connected sources
 *   policy.c      policy revisions
 *   quarantine.c  the quarantine's trust model and scan requests
 *   agents.c      agents heard from; tokens.c, their credentials and the
 *                 API's tokens; eventlog.c, rates and retention
 *
 * A change is made as: cd_mgr_begin (a transaction and the next change
 * number), the store's writes and the event, cd_mgr_finish (commit, or
 * roll back on error), then the working copy, then cd_mgr_delta_push. */
#ifndef CD_MGR_PRIV_H
#define CD_MGR_PRIV_H

#include "manager/mgr.h"

struct cd_mgr_delta {
	int64_t seq;
	char *body;            /* JSON object text */
};

/* A connected agent, as the manager sees it (persisted at each change of
 * what it realized, and at most every few heartbeats otherwise). */
struct cd_mgr_agent {
	struct cd_agent_rec rec;
	bool up;               /* heard from within three heartbeats */
	bool dirty;            /* what it realized moved since it was written */
	int64_t stored_seen;   /* last_seen as last written to the store */
	struct cd_bucket ev_count, ev_bytes;   /* its events' rate */
	struct cd_bucket flows;                /* its flow records' */
	int64_t refused;       /* events refused for the rate (since start) */
	int64_t refused_logged;/* when that was last logged */
	json_t *unenforced;    /* {ifname: reason}: vNICs it cannot filter (realize.c) */
};

struct cd_mgr {
	struct cd_store *store;
	pthread_mutex_t *lock;  /* the server's, around every call; or NULL */
	json_t *sources;        /* [{name, kind, config, workloads: [...]}] by name */
	json_t *tags;           /* {workload id: {ltag: {"tag": T, "add": B}}} */
	struct cd_revision pol; /* the current policy; rev 0: none yet */
	struct cd_state *st;    /* the effective world (its members point
	                         * into it: it never moves) */
	char *inv_doc;          /* effective inventory JSON, NULL when stale */
	int64_t seq;            /* the last change's number */
	int64_t pulse;          /* bumped by every event and agent's move (live updates) */
	int64_t base;           /* deltas after base are in memory */
	struct cd_mgr_delta *deltas;   /* a ring of CD_MGR_DELTAS */
	size_t ndeltas, head;
	struct cd_mgr_agent *agents;
	size_t nagents, agents_cap;
	int heartbeat_s;        /* from the policy's antimalware block */
	int64_t sched_next;     /* when to look for scheduled scans due */
	struct cd_mgr_limits limits;    /* kept by cd_mgr_open, like log */
	int64_t prune_next;     /* when to apply the event log's retention */
	int64_t upkeep_since;   /* since when this manager (started, or took the upkeep) could hear agents */
	struct cd_blob *snap;   /* the snapshot answer at seq, or NULL */
	void (*log)(const char *line);  /* one line per state change */
	struct cd_mgr_hooks hooks;      /* kept by cd_mgr_open, like log */
	struct cd_mstore *metrics;      /* kept by cd_mgr_open, like log */
	int64_t (*rate_clock)(void *ctx);       /* kept by cd_mgr_open, or NULL:
	                                         * cd_mgr_rate_now() reads it */
	void *rate_clock_ctx;
	struct cd_mgr_alerting *alerting;   /* alerts.c */
	struct cd_mgr_signins *signins;     /* users.c: sign-in attempts' rates */
	json_t *vm_datastores;  /* {vm: [datastore objects]}, as collectors say */
	json_t *host_series;    /* {lowercased host: its agent's series}, and */
	json_t *pool_hosts;     /* {lowercased pool: the host whose it is}: NULL
	                         * until the first samples (mingest.c) */
	uint64_t counted_removals;      /* the store's removals they were made at */
	int taking[4];          /* the change numbers each open change takes */
	int nopen;
	json_t *recorded;       /* the deltas of the change about to finish (texts) */
	struct cd_mgr_authc *authc;     /* tokens.c: tokens found, kept a while */
	int64_t next_follow;    /* follow.c: when to look for others' changes anyway */
	bool behind;            /* another manager changed the world: follow */
	struct cd_mgr_reporting *reporting;   /* reports_run.c: the scheduler, or NULL */
};


/* Begin a change: a store transaction that takes the next change number;
 * cd_mgr_finish ends it whatever this returned. */
int cd_mgr_begin(struct cd_mgr *m);
/* The same taking n change numbers: 0 for a record that is no change of
 * the world (a token, an enrollment), 2 for a sync that is two. */
int cd_mgr_begin_n(struct cd_mgr *m, int n);
/* Commit a transaction that took the next number (r == 0), or roll it
 * back; then the change is everyone's. */
int cd_mgr_finish(struct cd_mgr *m, int r);
/* The number of the innermost open change (its last, when it takes
 * several). */
int64_t cd_mgr_open_seq(const struct cd_mgr *m);
/* What the open change is, for the other managers: its deltas (JSON
 * object text, as cd_mgr_delta_push gets it; copied), one per number it
 * takes, in order.  A number with none is a new world. */
void cd_mgr_record(struct cd_mgr *m, const char *body);
/* Put a change (JSON object text, taken over) on the stream. */
void cd_mgr_delta_push(struct cd_mgr *m, char *body);
/* Add or remove a tag of workload, as one change; the event is of type
 * evtype with message msg (NULL: the tag change said plainly) and data
 * (taken over).  Setting or removing the policy's quarantine tag records
 * or drops the workload's quarantine (since when and why).  1 changed, 0
 * already so, -ENOENT, -EINVAL (a bad tag) or a store error. */
int cd_mgr_set_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
		   const struct cd_actor *a, const char *evtype, const char *msg, json_t *data);

/* ---- the world (mgr.c) ---- */

/* A workload as an inventory object, from source. */
json_t *cd_mgr_wl_json(const struct cd_workload *w, const char *source);
/* Workload object w with the tag layer applied (a new reference). */
json_t *cd_mgr_effective(const struct cd_mgr *m, json_t *w);
/* The effective inventory document of these sources (caller frees). */
char *cd_mgr_inventory_doc(const struct cd_mgr *m, json_t *sources);
const char *cd_mgr_policy_text(const struct cd_mgr *m);
/* Load a world from an inventory and a policy; -EINVAL with d. */
int cd_mgr_build(struct cd_state **stp, const char *inv, const char *pol_name,
		 const char *pol, size_t pol_len, struct cd_diags *d);
void cd_mgr_state_drop(struct cd_state *st);
/* Say where the errors of d came from (the sources and the policy). */
void cd_mgr_unplace(struct cd_diags *d, const char *about);
/* Make st (and its inventory document, taken over) the current world. */
void cd_mgr_install(struct cd_mgr *m, struct cd_state *st, char *inv_doc);
/* Workload w's tags are now tags (a JSON array of strings): its groups
 * follow, the effective inventory document is made again. */
void cd_mgr_set_wl_tags(struct cd_mgr *m, size_t w, json_t *tags);
/* Every agent takes a snapshot next. */
void cd_mgr_reset_stream(struct cd_mgr *m);

/* ---- the tag layer (mgr.c, used by tags.c and sources.c) ---- */
void cd_mgr_layer_set(struct cd_mgr *m, const char *wl, const char *tag, bool add);
void cd_mgr_layer_del(struct cd_mgr *m, const char *wl, const char *tag);

/* ---- sources (sources.c) ---- */
json_t *cd_mgr_source_get(const struct cd_mgr *m, const char *name);
bool cd_mgr_source_connected(const json_t *s);
/* Whether agent a counts as down at now (us): not heard since this
 * manager's start, nor in three heartbeats, and this manager has held
 * the upkeep for that long (agents.c). */
bool cd_mgr_agent_down(const struct cd_mgr *m, const struct cd_mgr_agent *a, int64_t now);
/* The source object of a workload id, or NULL. */
json_t *cd_mgr_source_wl(const struct cd_mgr *m, const char *id);
const char *cd_mgr_source_state_name(const json_t *s);
/* Several managers: the sources' states as their connectors' managers
 * said them (each tick). */
void cd_mgr_sources_refresh(struct cd_mgr *m);

/* ---- following other managers (follow.c) ---- */
/* Read the sources, the tag layer and the policy from the store into m
 * (at open, and when another manager made a new world). */
int cd_mgr_load_world(struct cd_mgr *m, struct cd_buf *err);
/* The stream's last deltas from the store (at open). */
int cd_mgr_load_stream(struct cd_mgr *m);

/* ---- agents (agents.c) ---- */
/* A stored agent record into memory, at open. */
int cd_mgr_load_agent(void *ctx, const struct cd_agent_rec *a);
/* ... and later, what other managers heard of it (the newer wins). */
int cd_mgr_merge_agent(void *ctx, const struct cd_agent_rec *a);
/* The agent's record in memory (made when it was never heard of). */
struct cd_mgr_agent *cd_mgr_agent_get(struct cd_mgr *m, const struct cd_actor *a);
/* ---- alerts (alerts.c, alerts_world.c) ---- */
int cd_mgr_alerts_open(struct cd_mgr *m);
void cd_mgr_alerts_close(struct cd_mgr *m);
struct cd_aworld;
struct cd_mgr_world;
struct cd_bands;
struct cd_band;
/* The evaluator's view of the world for one cycle at now (ms); its bands
 * looked up in bands. */
struct cd_mgr_world *cd_mgr_world_new(struct cd_mgr *m, int64_t now, int64_t interval,
				      struct cd_bands *bands, struct cd_aworld *out);
void cd_mgr_world_free(struct cd_mgr_world *w);
/* bands.c: the bands due learned, a bounded number (256, 100 ms), the store read
 * with the manager's lock released (taken again before it returns). */
void cd_mgr_bands_learn(struct cd_mgr *m, struct cd_bands *c);

/* ---- tokens (tokens.c) ---- */
void cd_mgr_authc_free(struct cd_mgr *m);

/* ---- users (users.c) ---- */
void cd_mgr_users_close(struct cd_mgr *m);
/* A token that is a console session past its 12 hours. */
bool cd_mgr_session_expired(const struct cd_token *t);

/* One line to the manager's log. */
#define cd_mgr_logf(m, ...) cd_logf((m)->log, __VA_ARGS__)

/* realize.c: the vNICs a host's agent says it cannot filter.  parse takes
 * {ifname: reason} out of a heartbeat status; set installs it (taken
 * over), with an event per vNIC that appears or goes when announce. */
json_t *cd_mgr_unenforced_parse(const json_t *status);
void cd_mgr_unenforced_set(struct cd_mgr *m, struct cd_mgr_agent *ag, json_t *now, bool announce);
/* [{vnic, workload, reason}] of an agent */
json_t *cd_mgr_unenforced_list(const struct cd_mgr *m, const struct cd_mgr_agent *ag);

/* The clock of the rates (agents' events, alert events): the options'
 * rate_clock, or the wall clock (eventlog.c). */
int64_t cd_mgr_rate_now(const struct cd_mgr *m);


/* Documents kept by name in revisions over the ones cordon ships
 * (named.c): list views and reports.  A kind says how its documents read
 * (parse, free), which cordon ships, and how one is listed. */
struct cd_named_kind {
	const char *kind;          /* named_revisions' kind: "view", "report" */
	const char *event;         /* the event logged: "view", "report-definition" */
	const char *what;          /* in messages and the event's data: "view" */
	size_t size;               /* the model's */
	int (*parse)(const char *text, size_t len, void *out, char *err, size_t errlen);
	void (*free)(void *doc);
	size_t (*builtins)(void);
	int (*builtin)(size_t i, void *out);
	int (*builtin_named)(const char *name, void *out);
	const char *(*name_of)(const void *doc);
	/* a document as GET lists it (rev 0 and builtin for a shipped one) */
	json_t *(*summary)(struct cd_mgr *m, const void *doc, int64_t rev, bool builtin);
};
/* The saved document (its newest revision): 0, -ENOENT (none, or
 * removed), -EIO (one that no longer reads). */
int cd_mgr_named_saved(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
		       void *out, int64_t *rev);
/* The saved one, else the built-in (*rev 0): 0 or -ENOENT, -EIO. */
int cd_mgr_named_get(struct cd_mgr *m, const struct cd_named_kind *k, const char *name, void *out,
		     int64_t *rev);
/* The saved ones (with time, author, replaces_builtin), then the
 * built-ins none replaces; NULL when the store cannot be read. */
json_t *cd_mgr_named_list(struct cd_mgr *m, const struct cd_named_kind *k);
/* text (checked by the caller) as a new revision of name, and its event
 * "WHAT NAME saved (revision N" + fmt's text + ")": 0 with *rev. */
int cd_mgr_named_save(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
		      const char *text, const struct cd_actor *a, int64_t *rev, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* A saved one removed (a revision without a document): 0, -ENOENT, or
 * -EPERM for a built-in. */
int cd_mgr_named_remove(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
			const struct cd_actor *a);

#endif
