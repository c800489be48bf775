/* mgr.h - the manager's state and operations, without HTTP.
 *
 * cordond's request handlers (api.c) call these; each change is written to
 * the store in one transaction, with its audit event, before it changes
 * the working copy in memory and before it is acknowledged.
 *
 * The world.  Workloads come from inventory sources (a static source is
 * replaced whole by `inventory push`).  Tags set through the API are a
 * layer over the source's: `tag add` adds, `tag rm` hides a source's tag
 * or drops an added one.  The effective inventory (every source, with
 * that layer) and the current policy revision make one cd_state: groups,
 * explain and the agents' tables all come from it.
 *
 * The change stream.  Every change has a sequence number.  A tag change is
 * sent to agents as a delta (the workload's new tags); anything else (an
 * inventory push, a policy revision, a rollback) makes every agent take a
 * new snapshot.  An agent asks for what came after the number it has
 * applied; the deltas are kept in memory (at most CD_MGR_DELTAS), so an
 * agent that fell further behind, or any agent after a manager restart,
 * gets a snapshot, which it applies in one transaction. */
#ifndef CD_MGR_H
#define CD_MGR_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/ratelimit.h"
#include "policy/state.h"
#include "base/token.h"
#include "manager/store.h"
#include "base/util.h"

#define CD_MGR_DELTAS 16384
#define CD_ENROLL_TTL_S ((int64_t)24 * 3600)   /* an enrollment token works for a day */

/* Who asks, for the audit record. */
struct cd_actor {
	const char *name;      /* token name: "admin", "agent:hv1", ... */
	const char *role;      /* admin | operator | viewer | agent */
	const char *host;      /* an agent's host, or NULL */
	const char *workload;  /* a scanning agent's workload, or NULL */
	const char *origin;    /* peer address */
};

/* What agents may write, and how long the event log keeps it.  Zero in a
 * field: its default. */
struct cd_mgr_limits {
	int64_t events_keep_s;      /* the log's age: 90 days */
	int64_t events_max_bytes;   /* and size: 1 GiB */
	double agent_events_per_s;  /* an agent's events: 50 a second... */
	double agent_bytes_per_s;   /* ...and 64 KiB a second, each with a
	                             * burst of 30 seconds' worth */
	int collect_s;              /* metrics are collected this often: 20 s */
	int64_t series_per_host;    /* the series a host's agent may make: 20,000 */
	int64_t flows_keep_days;    /* flow records: 30 days of minutes... */
	int64_t flows_max_bytes;    /* ...and at most this much (0: no limit) */
	int64_t flow_totals_max;    /* (rule, verdict) counters kept apart:
	                             * 20,000 (past them: rule "other") */
	double agent_flows_per_s;   /* a host's flow records: 2,000 a second,
	                             * with a burst of 30 seconds' worth */
};
void cd_mgr_limits_fill(struct cd_mgr_limits *l);
#define CD_MGR_PRUNE_EVERY_S 60     /* the retention is applied this often */

/* What cordond does when connected sources change: it runs their
 * connectors (source.h).  Called with the manager's lock held. */
struct cd_mgr_hooks {
	void *ctx;
	/* source name was added (config: its stored configuration, with any
	 * secret) or removed (config NULL) */
	void (*source)(void *ctx, const char *name, const char *kind, const json_t *config);
	/* a tag of a connected source's workload was added or removed
	 * through the API (or by the quarantine): write it back to the
	 * source (the change, not the whole list, so that changes made in
	 * the source meanwhile stay); quarantined: the workload's state */
	void (*tags)(void *ctx, const char *source, const char *id, const char *tag, bool add,
		     bool quarantined);
};

/* The manager: opaque; its insides are the manager's files' alone
 * (mgr_priv.h). */
struct cd_mgr;

/* How cordond (or a test) runs the manager. */
struct cd_mstore;

struct cd_mgr_options {
	void (*log)(const char *line);  /* one line per state change, or NULL */
	struct cd_mgr_hooks hooks;
	struct cd_mgr_limits limits;    /* zero fields: the defaults */
	struct cd_mstore *metrics;      /* the metrics store (the caller's), or NULL */
	/* the clock of the agents' event rates (microseconds), NULL: the
	 * wall clock; a test's own clock makes a rate exact */
	int64_t (*rate_clock)(void *ctx);
	void *rate_clock_ctx;
	/* the server's lock that guards the manager (held around every
	 * call), or NULL for one thread.  The manager releases it for its
	 * slow parts: a password's hash, and the API's routes that run
	 * unlocked (api.h) */
	pthread_mutex_t *lock;
};

/* Open the manager on a store (o may be NULL): *out is new; -EIO etc.
 * with err saying why. */
int cd_mgr_open(struct cd_mgr **out, struct cd_store *s, const struct cd_mgr_options *o,
		struct cd_buf *err);
/* Close and free (m may be NULL); the store stays the caller's. */
void cd_mgr_close(struct cd_mgr *m);
int64_t cd_mgr_now(void);   /* microseconds since the epoch */
/* Whether a server runs the sources' connectors (its hooks.source). */
bool cd_mgr_runs_sources(const struct cd_mgr *m);
/* Take and release the options' lock (nothing when there is none). */
void cd_mgr_lock(struct cd_mgr *m);
void cd_mgr_unlock(struct cd_mgr *m);

/* Replace source's workloads with those of the inventory document text
 * (YAML or JSON; name is used in located errors).  -EINVAL with errors in
 * d: nothing changed. */
int cd_mgr_push_inventory(struct cd_mgr *m, const char *source, const char *name,
			  const char *text, size_t len, const struct cd_actor *a,
			  struct cd_diags *d, size_t *count);
/* Validate and store a new revision and make it current. */
int cd_mgr_push_policy(struct cd_mgr *m, const char *name, const char *text,
		       size_t len, const struct cd_actor *a, struct cd_diags *d,
		       int64_t *rev);
/* Validate a document against the current inventory, storing nothing:
 * 0, or -EINVAL with d's located errors. */
int cd_mgr_check_policy(struct cd_mgr *m, const char *name, const char *text,
			size_t len, struct cd_diags *d);
/* A new revision where the staged rules of these ids are enforced (the
 * document's text edited in place, policy/docedit.h); *changed: how many
 * were staged (0: no revision made).  -ENOENT with d: an id no rule has;
 * -ENOTSUP or -EINVAL with d. */
int cd_mgr_promote(struct cd_mgr *m, const int64_t *ids, size_t n, const struct cd_actor *a,
		   struct cd_diags *d, int64_t *rev, size_t *changed);
/* A new revision with rev's text.  -ENOENT: no such revision. */
int cd_mgr_rollback(struct cd_mgr *m, int64_t rev, const struct cd_actor *a,
		    struct cd_diags *d, int64_t *newrev);
/* Add or remove a tag.  Returns 1 when it changed, 0 when it was already
 * so, -ENOENT for an unknown workload, -EINVAL for a bad tag. */
int cd_mgr_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
	       const struct cd_actor *a);

/* Remove the policy's quarantine tag by hand (an audited
 * "quarantine-released" event).  1 released, 0 not quarantined, -ENOENT. */
int cd_mgr_release(struct cd_mgr *m, const char *workload, const struct cd_actor *a);
/* Ask the scanning agent of workload for a scan (kind "full" or
 * "quick"): stored, audited, and sent on the change stream as a change of
 * kind "scan".  *id names the request.  -ENOENT: no such workload. */
int cd_mgr_scan(struct cd_mgr *m, const char *workload, const char *kind,
		const struct cd_actor *a, int64_t *id);
/* Scan requests not finished for workload (NULL: all), as JSON. */
json_t *cd_mgr_scans_pending(struct cd_mgr *m, const char *workload);

/* Whether agent a may send event (checked before any event of a batch is
 * stored): a type its role sends, and a scan request of its own
 * workload.  0, or -EPERM / -EINVAL with the faulty field ("type",
 * "data.scan") and why. */
int cd_mgr_agent_event_check(struct cd_mgr *m, const struct cd_actor *a, const json_t *event,
			     const char **field, struct cd_buf *why);
/* What an agent's event sets off (cd_mgr_agent_events makes it and the
 * event's record one transaction; the changes it makes are savepoints of
 * it): a "detection" quarantines the
 * workload (the policy's quarantine tag; not when the file was remediated
 * and antimalware.tag_only_if_remediation_fails); a clean "scan-finished"
 * releases it only as quarantine.c's trust model says.  Returns 0 or a
 * negative code. */
int cd_mgr_agent_event(struct cd_mgr *m, const struct cd_actor *a, json_t *event);
/* An agent's batch of events (checked with cd_mgr_agent_event_check),
 * each acted on and stored once per credential cred (the hash of the
 * agent's secret), in order, as its rate allows: *acked the highest seq
 * taken, *stored how many were new, *taken how many of the batch were
 * taken; when the rate stopped the rest, *retry_s says when to send it
 * again.  0 or a store error. */
int cd_mgr_agent_events(struct cd_mgr *m, const struct cd_actor *a, const char *cred,
			json_t *evs, int64_t *acked, size_t *stored, size_t *taken, int *retry_s);
/* Remove a source and its workloads.  -ENOENT: no such source; -EINVAL
 * with errors in d when the policy still needs its workloads. */
int cd_mgr_source_rm(struct cd_mgr *m, const char *source, const struct cd_actor *a,
		     struct cd_diags *d);
/* [{name, kind, endpoint, state, workloads, last_sync, last_error}]
 * (never a secret) */
json_t *cd_mgr_sources(struct cd_mgr *m);
/* The libvirt sources: [{name, uri}], their URIs whole (for the
 * manager's own connections: never to be answered). */
json_t *cd_mgr_libvirt_uris(const struct cd_mgr *m);

/* Connected sources (kind "libvirt" or "vsphere").  Their connectors
 * (source.h) run in cordond and report here, under its lock. */
/* Add a source whose connection was tested; config is its configuration
 * (secrets included: the store is 0600, and the API never returns it).
 * -EEXIST: the name is taken. */
int cd_mgr_source_add(struct cd_mgr *m, const char *name, const char *kind,
		      const json_t *config, const struct cd_actor *a);
/* The connector's whole view of its workloads (an array of inventory
 * workload objects).  Tag-only changes go to agents as deltas, anything
 * else as a snapshot.  The API's tag layer entries that the source now
 * agrees with are dropped (the source holds them: it was written back).
 * -EINVAL with errors in d when the workloads do not load with the rest
 * (nothing changes), -ENOENT when the source was removed. */
int cd_mgr_source_sync(struct cd_mgr *m, const char *name, json_t *workloads,
		       struct cd_diags *d);
/* The connector's state: "in sync", "connecting", "disconnected" or
 * "error", with the last error (NULL: none).  A source not in sync marks
 * its workloads stale; they stay, and so does their enforcement. */
void cd_mgr_source_state(struct cd_mgr *m, const char *name, const char *state,
			 const char *error);

/* The effective inventory document (valid until the next change). */
const char *cd_mgr_inventory(struct cd_mgr *m);
/* Whether an agent that has applied `since` needs a snapshot. */
bool cd_mgr_needs_snapshot(const struct cd_mgr *m, int64_t since);
/* The changes after since: {"seq", "changes": [...]} (possibly empty);
 * for a scanning agent (workload not NULL), only its workload's scan
 * requests. */
json_t *cd_mgr_changes(struct cd_mgr *m, int64_t since, const char *workload);
/* What a scanning agent of workload (and no host) is given instead of the
 * snapshot: the policy's antimalware settings alone, as a policy document
 * with no workloads, and its workload's scan requests.  Same shape as
 * cd_mgr_snapshot's answer; a new object. */
json_t *cd_mgr_snapshot_workload(struct cd_mgr *m, const char *workload);
/* The snapshot answer, {"seq", "snapshot": {"revision", "policy",
 * "inventory"}, "heartbeat_seconds"}, made once per change number and
 * shared (a new reference). */
struct cd_blob *cd_mgr_snapshot(struct cd_mgr *m);
/* The workloads as the API lists them. */
json_t *cd_mgr_workloads(struct cd_mgr *m);

/* ---- several managers on one database (follow.c) ---- */
/* Take up what other managers changed since this one's change number
 * (nothing on a store of its own): 1 when anything came, 0 when nothing
 * did, or a store error.  Call it where no one holds a pointer into the
 * world (between requests, at a tick). */
int cd_mgr_follow(struct cd_mgr *m);
/* What cordond's loop calls (under its lock) as often as it can: what
 * the other managers told (NOTIFY) is taken up, and their changes are
 * followed when they said so, and once a second anyway.  Returns as
 * cd_mgr_follow. */
int cd_mgr_sync(struct cd_mgr *m);
/* Whether a change was refused (-EAGAIN) because another manager had
 * changed the world first: follow, then make it again. */
bool cd_mgr_behind(const struct cd_mgr *m);
/* A duty held by one manager at a time (store.h's leases): "source:NAME"
 * for a source's connector.  1 held, 0 another's, or a negative code. */
int cd_mgr_lease(struct cd_mgr *m, const char *name);
void cd_mgr_lease_drop(struct cd_mgr *m, const char *name);

/* ---- what the manager is at (read-only) ---- */
int64_t cd_mgr_seq(const struct cd_mgr *m);          /* the last change's number */
/* Whether an agent that has applied since has nothing new to take (and
 * can wait for the next change). */
bool cd_mgr_up_to_date(const struct cd_mgr *m, int64_t since);
int64_t cd_mgr_policy_rev(const struct cd_mgr *m);   /* 0: none yet */
/* A number that moves whenever something the console shows may have:
 * an event recorded, an agent's realized change or state.  With the
 * change number, what the console's live stream compares. */
int64_t cd_mgr_pulse(const struct cd_mgr *m);
int cd_mgr_heartbeat_seconds(const struct cd_mgr *m);
/* How often agents collect metrics (cordond --collect-interval). */
int cd_mgr_collect_seconds(const struct cd_mgr *m);
/* The loaded world (groups, explain): valid until the next change. */
const struct cd_state *cd_mgr_state(const struct cd_mgr *m);
/* The policy's quarantine tag, or NULL. */
const char *cd_mgr_quarantine_tag(const struct cd_mgr *m);
/* The host workload runs on, or NULL when there is no such workload. */
const char *cd_mgr_workload_host(const struct cd_mgr *m, const char *workload);
/* A workload's name as the inventory spells it (names match ignoring
 * case), or NULL; a host's likewise (host itself when no workload has it). */
const char *cd_mgr_workload_name(const struct cd_mgr *m, const char *workload);
const char *cd_mgr_host_name(const struct cd_mgr *m, const char *host);
/* The source of a workload, and of a host's workloads (the first by name
 * where several sources have workloads on it; a libvirt host's pools are
 * named by it): NULL when none. */
const char *cd_mgr_workload_source(const struct cd_mgr *m, const char *workload);
const char *cd_mgr_host_source(const struct cd_mgr *m, const char *host);
/* The metrics store, or NULL (it has its own lock: the manager's is not
 * needed to use it). */
struct cd_mstore *cd_mgr_metrics(const struct cd_mgr *m);
/* The datastore objects a VM's disks are on, as its collector last said
 * (borrowed), or NULL. */
json_t *cd_mgr_vm_datastores(const struct cd_mgr *m, const char *vm);
/* Samples into the metrics store (mingest.c): entries {"kind": vm | host
 * | datastore, "name", "t": epoch ms, "metrics": {SERIES: VALUE}} of an
 * agent's host (host: its VMs, itself, its pools) or of a source's
 * connector (source: its VMs, by "id" instead of "name", its hosts, its
 * datastores), whose entries may also hold "increase": {COUNTER: DELTA},
 * added to the counter's last value, and "interval": the seconds a sample
 * covers.  The entries' shape is the caller's to check.  A sample at most
 * 8 days old and 5 minutes ahead, a second (a source's: half its
 * interval) after its series' last (else a duplicate), of a metric the
 * catalog keeps.  0, -ENOTSUP (no store) or -EIO (it cannot be written). */
struct cd_mingest {
	size_t accepted, duplicates, refused;
	json_t *errors;            /* the first 10 refused: {kind, name, metric, error} */
};
int cd_mgr_metrics_ingest(struct cd_mgr *m, const char *host, const char *source,
			  json_t *entries, struct cd_mingest *res);
/* Remove an object's metrics (every series, every tier, for every
 * manager; an audit event says who): 0 with the series removed in *n,
 * -ENOENT (none), -ENOTSUP (no store) or -EIO. */
int cd_mgr_metrics_remove(struct cd_mgr *m, const char *kind, const char *name,
			  const struct cd_actor *a, size_t *n);
/* Why the store last failed. */
const char *cd_mgr_store_error(const struct cd_mgr *m);
/* Tell hooks.source about every connected source (at start). */
void cd_mgr_sources_announce(struct cd_mgr *m);

/* ---- the store's records, read through the manager ---- */
/* A revision (0: the current one); -ENOENT. */
int cd_mgr_revision(struct cd_mgr *m, int64_t rev, struct cd_revision *out);
int cd_mgr_revisions(struct cd_mgr *m, cd_store_rev_cb cb, void *ctx);
int cd_mgr_events(struct cd_mgr *m, const struct cd_event_filter *f, cd_store_event_cb cb,
		  void *ctx);
/* A scan request by id; -ENOENT. */
int cd_mgr_scan_get(struct cd_mgr *m, int64_t id, struct cd_scan_req *out);

/* ---- alerts (alerts.c) ---- */
/* Validate alert definitions (over the built-in ones), store them as a
 * new revision and make them current: -EINVAL with d, nothing changed. */
int cd_mgr_alerts_push(struct cd_mgr *m, const char *file, const char *text, size_t len,
		       const struct cd_actor *a, struct cd_diags *d, int64_t *rev);
/* A new revision with rev's text.  -ENOENT: no such revision. */
int cd_mgr_alerts_rollback(struct cd_mgr *m, int64_t rev, const struct cd_actor *a,
			   struct cd_diags *d, int64_t *newrev);
int cd_mgr_alerts_revision(struct cd_mgr *m, int64_t rev, struct cd_revision *out);
int cd_mgr_alerts_revisions(struct cd_mgr *m, cd_store_rev_cb cb, void *ctx);
/* The current definitions' revision (0: the built-in ones only). */
int64_t cd_mgr_alerts_rev(const struct cd_mgr *m);
/* {revision, definitions: [...], receivers: [...]} as the API gives them. */
json_t *cd_mgr_alert_defs(struct cd_mgr *m);
/* Evaluate the definitions when a collection cycle is due (cordond's
 * tick): alerts raised, updated, cancelled, notified; then the learned
 * thresholds' bands due learned (bands.c: a bounded number, the store
 * read with the manager's lock released and taken again). */
void cd_mgr_alerts_tick(struct cd_mgr *m);
/* What the last cycle took, us. */
int64_t cd_mgr_alerts_cycle_us(const struct cd_mgr *m);
/* Alert cycles evaluated since the start. */
uint64_t cd_mgr_alerts_cycles(const struct cd_mgr *m);
struct cd_band;
/* The band the alert cycles learned for an object's metric (alerts/band.h),
 * copied: false when they have none (yet). */
bool cd_mgr_alert_band(const struct cd_mgr *m, const char *kind, const char *name,
		       const char *metric, struct cd_band *out);
/* One object's band learned now (ms) from the store (bands.c): 0, -EINVAL
 * (no store, a metric not of the catalog), or the store's error. */
struct cd_mstore;
int cd_mgr_band_learn(struct cd_mstore *st, const char *kind, const char *name,
		      const char *metric, int64_t now, struct cd_band *out);
/* The alerts' figures for GET /metrics: cycles, the last one's cost, the
 * bands by state. */
void cd_mgr_alerts_openmetrics(const struct cd_mgr *m, struct cd_buf *b);
int cd_mgr_alerts_each(struct cd_mgr *m, const struct cd_alert_filter *f, cd_store_alert_cb cb,
		       void *ctx);
int cd_mgr_alert_get(struct cd_mgr *m, int64_t id, struct cd_alert_rec *out);
/* An alert as the API gives it (its definition's recommendations, its
 * symptoms, related objects and drill-down). */
json_t *cd_mgr_alert_json(struct cd_mgr *m, const struct cd_alert_rec *a);
/* Acknowledged by a (audited).  -ENOENT. */
int cd_mgr_alert_ack(struct cd_mgr *m, int64_t id, const struct cd_actor *a);

/* ---- users of the console (users.c) ---- */
/* Add a user (audited): -EEXIST when one has that name in any case;
 * -EINVAL for a role that is not admin, operator or viewer. */
int cd_mgr_user_add(struct cd_mgr *m, const char *name, const char *role, const char *password,
		    const struct cd_actor *a);
/* The same for the first user, made only when there is none (several
 * managers starting on a new database make it once): -EEXIST else. */
int cd_mgr_user_first(struct cd_mgr *m, const char *name, const char *role, const char *password,
		      const struct cd_actor *a);
/* Change a user's role and/or password (NULL: unchanged), audited; every
 * console session of theirs ends, on every manager (what it could do was
 * given under the old ones).  -ENOENT; -EINVAL for a bad role; -EBUSY
 * when the last admin user would be one no longer. */
int cd_mgr_user_set(struct cd_mgr *m, const char *name, const char *role, const char *password,
		    const struct cd_actor *a);
/* Remove a user and end every session of theirs.  -ENOENT; -EBUSY for
 * the last admin user. */
int cd_mgr_user_del(struct cd_mgr *m, const char *name, const struct cd_actor *a);
/* [{name, role, created}], or NULL when the store fails. */
json_t *cd_mgr_users(struct cd_mgr *m);
/* The time zone a user's console shows times in: *zone (NULL: none
 * chosen, the browser's), or -ENOENT for no such user. */
int cd_mgr_zone_get(struct cd_mgr *m, const char *user, char **zone);
/* Set it ("" clears it): -EINVAL for a name tzdata does not have
 * (Area/City, as in /usr/share/zoneinfo, or UTC), -ENOENT. */
int cd_mgr_zone_set(struct cd_mgr *m, const char *user, const char *zone);
int64_t cd_mgr_user_count(struct cd_mgr *m);
struct cd_mgr_session {
	char *secret;              /* the cookie's value */
	char *user, *role;
	char csrf[CD_HASH_HEX];    /* what a change sends back (X-CSRF-Token) */
	int retry_after;           /* -EAGAIN: seconds */
};
/* Seconds before a sign-in from origin may be tried (0: now, and the try
 * is counted): a rate per origin (a burst of 5, then one every 10 s), and
 * one in all (5 a second) that an origin a user signed in from before is
 * not held by.  cd_mgr_signin* ask it first. */
int cd_mgr_signin_admit(struct cd_mgr *m, const char *origin);
/* Sign in (audited, refusals too): 0 with *out; -EACCES for a wrong user
 * or password (one answer for both); -EAGAIN when origin, or everyone,
 * tried too often.  In three steps, so that a server checks the hash (a
 * tenth of a second, 64 MiB) without its lock: begin (the rate, the
 * user's hash into *p), check (the password against it: nothing of the
 * manager's), end (the refusal audited, or the session opened; frees
 * *p).  cd_mgr_signin is the three at once. */
struct cd_mgr_signin {
	struct cd_user user;
	bool known;                 /* there is such a user */
};
int cd_mgr_signin_begin(struct cd_mgr *m, const char *name, const char *origin,
			struct cd_mgr_signin *p, struct cd_mgr_session *out);
bool cd_mgr_signin_check(const struct cd_mgr_signin *p, const char *password);
int cd_mgr_signin_end(struct cd_mgr *m, struct cd_mgr_signin *p, bool ok, const char *name,
		      const char *origin, struct cd_mgr_session *out);
int cd_mgr_signin(struct cd_mgr *m, const char *name, const char *password, const char *origin,
		  struct cd_mgr_session *out);
/* Sign in with an API token (admin, operator or viewer): a session named
 * token:NAME with its role, ended with the token's revocation.  Same
 * answers and rate as cd_mgr_signin. */
int cd_mgr_signin_token(struct cd_mgr *m, const char *token, const char *origin,
			struct cd_mgr_session *out);
void cd_mgr_session_free(struct cd_mgr_session *s);
/* The CSRF value of a session's secret. */
void cd_mgr_session_csrf(const char *secret, char out[CD_HASH_HEX]);
int cd_mgr_signout(struct cd_mgr *m, const char *secret, const struct cd_actor *a);

/* Why the vNIC IFNAME on HOST is not enforced, as its agent reports it;
 * NULL when it is (or nothing is known). */
const char *cd_mgr_vnic_unenforced(const struct cd_mgr *m, const char *host, const char *ifname);
/* [{vnic, reason}] of the workload's vNICs not enforced; NULL when none */
json_t *cd_mgr_workload_unenforced(const struct cd_mgr *m, const struct cd_workload *w);

/* List views (views.c): saved by name in revisions over the ones cordon
 * ships.  [{name, title, kind, rev, builtin, ...}], NULL when the store
 * cannot be read. */
struct cd_view;
struct cd_vobject;
json_t *cd_mgr_views(struct cd_mgr *m);
/* The view name (saved, else built in; *rev 0 for a built-in): 0, -ENOENT,
 * -EIO (a saved one that no longer reads). */
int cd_mgr_view_get(struct cd_mgr *m, const char *name, struct cd_view *out, int64_t *rev);
/* Save a view (its JSON; a built-in's name replaces it): 0 with *rev,
 * -EINVAL with "FIELD: ..." in err, or the store's code. */
int cd_mgr_view_put(struct cd_mgr *m, const json_t *doc, const struct cd_actor *a, char *err,
		    size_t errlen, int64_t *rev);
/* Remove a saved view (a built-in it replaced is back): 0, -ENOENT,
 * -EPERM for a built-in. */
int cd_mgr_view_remove(struct cd_mgr *m, const char *name, const struct cd_actor *a);
int cd_mgr_view_revisions(struct cd_mgr *m, const char *name, cd_store_named_cb cb, void *ctx);
/* The objects v lists (those of its kind with samples, the inventory's
 * OS and tags for a VM), its filter applied against the policy's groups:
 * 0 with *out, or -EINVAL with "filter:LINE:COL: ..." in err.  Under the
 * manager's lock; the list is the caller's after. */
struct cd_mgr_vobjects;
int cd_mgr_view_objects(struct cd_mgr *m, const struct cd_view *v, struct cd_mgr_vobjects **out,
			char *err, size_t errlen);
const struct cd_vobject *cd_mgr_vobjects_list(const struct cd_mgr_vobjects *x, size_t *n);
void cd_mgr_vobjects_free(struct cd_mgr_vobjects *x);

/* Reports (reports.c, reports_facts.c, reports_run.c): saved by name in
 * revisions over the ones cordon ships, made over a range into a PDF and
 * CSV files (report/compose.h), delivered, on demand or on their
 * schedule.  [{name, title, rev, schedule, builtin, ...}], NULL when the
 * store cannot be read. */
struct cd_report;
struct cd_rfiles;
json_t *cd_mgr_reports(struct cd_mgr *m);
/* The report name (saved, else built in; *rev 0 for a built-in): 0,
 * -ENOENT, -EIO (a saved one that no longer reads). */
int cd_mgr_report_get(struct cd_mgr *m, const char *name, struct cd_report *out, int64_t *rev);
/* Save a report (its JSON; the views it names must be known): 0 with
 * *rev, -EINVAL with "FIELD: ..." in err, or the store's code. */
int cd_mgr_report_put(struct cd_mgr *m, const json_t *doc, const struct cd_actor *a, char *err,
		      size_t errlen, int64_t *rev);
/* Remove a saved report: 0, -ENOENT, -EPERM for a built-in. */
int cd_mgr_report_remove(struct cd_mgr *m, const char *name, const struct cd_actor *a);
int cd_mgr_report_revisions(struct cd_mgr *m, const char *name, cd_store_named_cb cb, void *ctx);
/* Making a report over [begin, end] (ms), in three steps so that the
 * slow one runs without the manager's lock:
 *  - job (under the lock): r (taken over) with what its sections need of
 *    the manager (its views and their objects, the security facts read
 *    from the store): 0, or -EINVAL with err (a zone, a range);
 *  - make (without it: the metrics store has its own lock): the files
 *    `what` asks for (CD_RMAKE_*, compose.h; only >= 0: that section's
 *    CSV), the PDF dated generated (ms);
 *  - deliver (without it): the files to each destination, each tried up
 *    to attempts times (waits of 10 s, then 60 s, between: see
 *    reports_run.c), stopping early when *stop turns true (NULL: never); a JSON
 *    summary {outcome, files, deliveries} (no secret in it); *ok whether
 *    every destination took them. */
struct cd_mgr_rjob;
int cd_mgr_report_job(struct cd_mgr *m, struct cd_report *r, int64_t begin, int64_t end,
		      struct cd_mgr_rjob **out, char *err, size_t errlen);
int cd_mgr_report_make(struct cd_mgr_rjob *j, int64_t generated, unsigned what, long only,
		       struct cd_rfiles *out, char *err, size_t errlen);
json_t *cd_mgr_report_deliver(const struct cd_mgr_rjob *j, const struct cd_rfiles *f, int attempts,
			      const bool *stop, bool *ok);
const struct cd_report *cd_mgr_rjob_report(const struct cd_mgr_rjob *j);
void cd_mgr_report_job_free(struct cd_mgr_rjob *j);
/* A run made on demand, recorded (under the lock): its row in the store
 * and an event ("report", or "report-failed"), *id the run's.  started:
 * us.  summary is cd_mgr_report_deliver's (or NULL with err: it could not
 * be made). */
int cd_mgr_report_record(struct cd_mgr *m, const struct cd_mgr_rjob *j, int64_t started,
			 const struct cd_actor *a, const json_t *summary, const char *err,
			 int64_t *id);
/* name's runs, newest first: [{id, trigger, fire, begin, end, started,
 * finished, outcome, actor, files, deliveries, error}]; NULL on a store
 * error. */
json_t *cd_mgr_report_runs(struct cd_mgr *m, const char *name, int64_t limit);
/* The scheduler (a thread of its own, reports_run.c): each report with a
 * schedule and a destination made at its fire times in its zone, over
 * [fire - range, fire], by one manager of several.  Start once the
 * manager is open (0 or -errno); stop (joined) before it is closed
 * (cd_mgr_close does, when it was not). */
int cd_mgr_reports_start(struct cd_mgr *m);
void cd_mgr_reports_stop(struct cd_mgr *m);

/* Log an event (and print it); fmt makes the message; data (may be NULL)
 * is taken over. */
int cd_mgr_event(struct cd_mgr *m, const char *type, const char *workload,
		 const char *host, const struct cd_actor *a, json_t *data,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Tokens.  role: admin | operator | viewer; or "enroll" with host or
 * workload set: a one-time enrollment token. *secret is new. */
int cd_mgr_token_create(struct cd_mgr *m, const char *role, const char *name,
			const char *host, const char *workload,
			const struct cd_actor *a, char **secret);
/* The API tokens (agents false: admin, operator, viewer) or the agents'
 * credentials and enrollment tokens (agents true): [{name, role, created,
 * ...}], never a secret nor a hash; NULL on a store error. */
json_t *cd_mgr_tokens(struct cd_mgr *m, bool agents);
/* Revoke every token of that name among them, as one audited change:
 * *count how many; -ENOENT none, -EBUSY it would leave no admin token. */
int cd_mgr_token_revoke(struct cd_mgr *m, const char *name, bool agents,
			const struct cd_actor *a, int64_t *count);
/* The token whose secret this is; -ENOENT when none. */
int cd_mgr_auth(struct cd_mgr *m, const char *secret, struct cd_token *out);
/* Exchange a one-time enrollment secret for an agent credential. */
int cd_mgr_enroll(struct cd_mgr *m, const char *secret, const char *origin,
		  char **credential, struct cd_token *agent);

/* An agent's heartbeat: what it has applied, its status object. */
int cd_mgr_heartbeat(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		     int64_t applied_seq, json_t *status);
/* What an agent asking for changes has realized (kept in memory; the
 * heartbeat writes it to the store). */
void cd_mgr_seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		 int64_t applied_seq);
json_t *cd_mgr_agents(struct cd_mgr *m);
/* Mark agents not heard from in three heartbeats as down (events). */
void cd_mgr_tick(struct cd_mgr *m);
/* An agent's next event of about bytes bytes, against its rate: 0 (taken)
 * or -EAGAIN, with *retry_s when to try again. */
int cd_mgr_agent_admit(struct cd_mgr *m, const struct cd_actor *a, size_t bytes, int *retry_s);
/* A call of n flow records from a host's agent, against its rate: 0
 * (taken) or -EAGAIN, with *retry_s when to try again. */
int cd_mgr_agent_flows_admit(struct cd_mgr *m, const struct cd_actor *a, size_t n, int *retry_s);
/* n of its events were refused (counted, and logged once a minute). */
void cd_mgr_agent_refused(struct cd_mgr *m, const struct cd_actor *a, size_t n);
/* Apply the event log's retention now (cd_mgr_tick does every minute). */
int cd_mgr_events_prune(struct cd_mgr *m);
/* Request the scheduled full scans that are due (full_scan_interval_hours). */
void cd_mgr_scans_tick(struct cd_mgr *m);

#endif
