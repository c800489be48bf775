/* mgr.c - the manager's world, its change stream and events, open and
 * close (see mgr.h; the resources are in the files mgr_priv.h lists). */
#include "manager/mgr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "manager/mgr_priv.h"
#include "inventory/virturi.h"
#include "base/token.h"
#include "base/util.h"

int64_t cd_mgr_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- the effective inventory ---- */

/* A workload of the model as the inventory document writes it. */
json_t *cd_mgr_wl_json(const struct cd_workload *w, const char *source)
{
	json_t *o = json_object(), *tags = json_array(), *vnics = json_array();
	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "id", json_string(w->id));
	json_object_set_new(o, "host", json_string(w->host));
	if (w->os)
		json_object_set_new(o, "os", json_string(w->os));
	json_object_set_new(o, "source", json_string(source));
	for (size_t i = 0; i < w->ntags; i++)
		json_array_append_new(tags, json_string(w->tags[i]));
	json_object_set_new(o, "tags", tags);
	for (size_t i = 0; i < w->nvnics; i++) {
		const struct cd_vnic *v = &w->vnics[i];
		json_t *vo = json_object(), *ips = json_array();
		json_object_set_new(vo, "ifname", json_string(v->ifname));
		if (v->mac)
			json_object_set_new(vo, "mac", json_string(v->mac));
		for (size_t k = 0; k < v->nips; k++) {
			char a[CD_ADDR_STRLEN];
			json_array_append_new(ips, json_string(cd_addr_fmt(&v->ips[k], a)));
		}
		json_object_set_new(vo, "ips", ips);
		json_array_append_new(vnics, vo);
	}
	json_object_set_new(o, "vnics", vnics);
	return o;
}

/* A source's workload with the API's tag layer applied (a new object). */
json_t *cd_mgr_effective(const struct cd_mgr *m, json_t *w)
{
	json_t *e = json_deep_copy(w);
	json_t *layer = json_object_get(m->tags, json_string_value(json_object_get(w, "id")));
	if (!layer)
		return e;
	json_t *tags = json_array(), *t;
	size_t i;
	json_array_foreach(json_object_get(w, "tags"), i, t) {
		char *l = cd_lower(json_string_value(t));
		json_t *o = json_object_get(layer, l);
		if (!o || json_is_true(json_object_get(o, "add")))
			json_array_append(tags, t);
		free(l);
	}
	const char *l;
	json_t *o;
	json_object_foreach(layer, l, o) {
		if (!json_is_true(json_object_get(o, "add")))
			continue;
		bool have = false;
		json_array_foreach(tags, i, t)
			have |= !strcasecmp(json_string_value(t), l);
		if (!have)
			json_array_append(tags, json_object_get(o, "tag"));
	}
	json_object_set_new(e, "tags", tags);
	return e;
}

/* The effective inventory document of sources (with the tag layer). */
char *cd_mgr_inventory_doc(const struct cd_mgr *m, json_t *sources)
{
	json_t *all = json_array(), *s, *w;
	size_t i, k;
	json_array_foreach(sources, i, s)
		json_array_foreach(json_object_get(s, "workloads"), k, w)
			json_array_append_new(all, cd_mgr_effective(m, w));
	json_t *doc = json_pack("{s:o}", "workloads", all);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

const char *cd_mgr_policy_text(const struct cd_mgr *m)
{
	return m->pol.doc ? m->pol.doc : "{}";
}

/* Build a world from an inventory document and a policy text. */
int cd_mgr_build(struct cd_state **stp, const char *inv, const char *pol_name,
		 const char *pol, size_t pol_len, struct cd_diags *d)
{
	struct cd_state *st = cd_calloc(1, sizeof(*st));
	int r = cd_state_parse(st, "inventory", inv, strlen(inv), pol_name, pol, pol_len, d);
	if (r < 0) {
		cd_state_free(st);
		free(st);
		st = NULL;
	}
	*stp = st;
	return r;
}

void cd_mgr_state_drop(struct cd_state *st)
{
	if (st) {
		cd_state_free(st);
		free(st);
	}
}

/* Errors of a merged inventory document have no place in the user's file:
 * drop their location and say what they are about. */
void cd_mgr_unplace(struct cd_diags *d, const char *about)
{
	for (size_t k = 0; k < d->n; k++) {
		d->v[k].loc.file = NULL;
		char *msg = cd_asprintf("%s: %s", about, d->v[k].msg);
		free(d->v[k].msg);
		d->v[k].msg = msg;
	}
}

/* Make the world current: the state, the stale document, the heartbeat. */
void cd_mgr_install(struct cd_mgr *m, struct cd_state *st, char *inv_doc)
{
	cd_mgr_state_drop(m->st);
	m->st = st;
	free(m->inv_doc);
	m->inv_doc = inv_doc;
	m->heartbeat_s = (int)m->st->pol.am.heartbeat_seconds;
}

void cd_mgr_set_wl_tags(struct cd_mgr *m, size_t w, json_t *tags)
{
	size_t n = json_array_size(tags), i;
	const char **v = cd_calloc(n + 1, sizeof(char *));
	json_t *t;
	json_array_foreach(tags, i, t)
		v[i] = json_string_value(t);
	struct cd_delta delta = { 0 };
	cd_members_set_tags(&m->st->mem, w, v, n, &delta);
	cd_delta_free(&delta);
	free(v);
	free(m->inv_doc);
	m->inv_doc = NULL;
}

const char *cd_mgr_inventory(struct cd_mgr *m)
{
	if (!m->inv_doc)
		m->inv_doc = cd_mgr_inventory_doc(m, m->sources);
	return m->inv_doc;
}

/* ---- the change stream ---- */

void cd_mgr_delta_push(struct cd_mgr *m, char *body)
{
	struct cd_mgr_delta *slot;
	if (m->ndeltas == CD_MGR_DELTAS) {     /* the oldest goes */
		slot = &m->deltas[m->head];
		m->base = slot->seq;
		free(slot->body);
		m->head = (m->head + 1) % CD_MGR_DELTAS;
	} else {
		slot = &m->deltas[(m->head + m->ndeltas++) % CD_MGR_DELTAS];
	}
	slot->seq = m->seq;
	slot->body = body;
}

/* Everything before now needs a snapshot. */
void cd_mgr_reset_stream(struct cd_mgr *m)
{
	for (size_t i = 0; i < m->ndeltas; i++)
		free(m->deltas[(m->head + i) % CD_MGR_DELTAS].body);
	m->ndeltas = m->head = 0;
	m->base = m->seq;
}

int cd_mgr_begin_n(struct cd_mgr *m, int n)
{
	/* changes begun inside others (savepoints) each end with their own
	 * cd_mgr_finish: the numbers they take are stacked */
	if (m->nopen >= (int)CD_ARRAY_LEN(m->taking))
		return -EDEADLK;
	int r = cd_store_begin(m->store);
	int64_t before = m->seq;         /* past what the open ones take too */
	for (int i = 0; i < m->nopen; i++)
		before += m->taking[i];
	m->taking[m->nopen++] = n;
	if (r == 0 && n > 0 && cd_store_shared(m->store)) {
		/* the write lock is held: the world this change was made
		 * against must be the last one */
		int64_t last;
		r = cd_store_seq(m->store, &last);
		if (r == 0 && last != before) {
			m->behind = true;
			r = -EAGAIN;
		}
	}
	if (r == 0 && n > 0) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", (long long)(before + n));
		r = cd_store_meta_set(m->store, "seq", v);
	}
	return r;
}

int64_t cd_mgr_open_seq(const struct cd_mgr *m)
{
	int64_t seq = m->seq;
	for (int i = 0; i < m->nopen; i++)
		seq += m->taking[i];
	return seq;
}

void cd_mgr_record(struct cd_mgr *m, const char *body)
{
	json_array_append_new(m->recorded, body ? json_string(body) : json_null());
}

int cd_mgr_begin(struct cd_mgr *m)
{
	return cd_mgr_begin_n(m, 1);
}

bool cd_mgr_needs_snapshot(const struct cd_mgr *m, int64_t since)
{
	return since < m->base || since > m->seq;
}

struct cd_blob *cd_mgr_snapshot(struct cd_mgr *m)
{
	if (!m->snap) {
		json_t *snap = json_object(), *out = json_object();
		json_object_set_new(snap, "revision", json_integer(m->pol.rev));
		json_object_set_new(snap, "policy", json_string(cd_mgr_policy_text(m)));
		json_object_set_new(snap, "inventory", json_string(cd_mgr_inventory(m)));
		json_object_set_new(out, "seq", json_integer(m->seq));
		json_object_set_new(out, "snapshot", snap);
		json_object_set_new(out, "heartbeat_seconds", json_integer(m->heartbeat_s));
		/* scan requests not finished; an agent skips those it ran */
		json_object_set_new(out, "scans", cd_mgr_scans_pending(m, NULL));
		char *text = json_dumps(out, JSON_COMPACT);
		json_decref(out);
		m->snap = cd_blob_new(text, strlen(text));
	}
	return cd_blob_ref(m->snap);
}

json_t *cd_mgr_changes(struct cd_mgr *m, int64_t since, const char *workload)
{
	json_t *out = json_object();
	json_object_set_new(out, "seq", json_integer(m->seq));
	json_t *ch = json_array();
	for (size_t i = 0; i < m->ndeltas; i++) {
		const struct cd_mgr_delta *d = &m->deltas[(m->head + i) % CD_MGR_DELTAS];
		if (d->seq <= since)
			continue;
		json_t *c = json_loads(d->body, 0, NULL);
		const char *kind = json_string_value(json_object_get(c, "kind"));
		const char *wl = json_string_value(json_object_get(c, "workload"));
		if (!workload || (kind && !strcmp(kind, "scan") && wl && !strcasecmp(wl, workload)))
			json_array_append_new(ch, c);
		else
			json_decref(c);
	}
	json_object_set_new(out, "changes", ch);
	return out;
}

/* ---- events ---- */

int cd_mgr_event(struct cd_mgr *m, const char *type, const char *workload,
		 const char *host, const struct cd_actor *a, json_t *data,
		 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	struct cd_event e = {
		.time = cd_mgr_now(), .type = type, .workload = workload, .host = host,
		.actor = a ? a->name : NULL, .origin = a ? a->origin : NULL,
		.message = msg, .data = dj,
	};
	int r = cd_store_event_add(m->store, &e);
	m->pulse++;
	free(dj);
	if (a)
		cd_mgr_logf(m, "event %s: %s (by %s from %s)", type, msg, a->name,
		      a->origin ? a->origin : "-");
	else
		cd_mgr_logf(m, "event %s: %s", type, msg);
	return r;
}

void cd_mgr_layer_set(struct cd_mgr *m, const char *wl, const char *tag, bool add)
{
	json_t *layer = json_object_get(m->tags, wl);
	if (!layer) {
		layer = json_object();
		json_object_set_new(m->tags, wl, layer);
	}
	char *l = cd_lower(tag);
	json_object_set_new(layer, l, json_pack("{s:s, s:b}", "tag", tag, "add", add));
	free(l);
}

void cd_mgr_layer_del(struct cd_mgr *m, const char *wl, const char *tag)
{
	json_t *layer = json_object_get(m->tags, wl);
	if (!layer)
		return;
	char *l = cd_lower(tag);
	json_object_del(layer, l);
	free(l);
	if (!json_object_size(layer))
		json_object_del(m->tags, wl);
}

bool cd_mgr_runs_sources(const struct cd_mgr *m)
{
	return m->hooks.source != NULL;
}

void cd_mgr_lock(struct cd_mgr *m)
{
	if (m->lock)
		pthread_mutex_lock(m->lock);
}

void cd_mgr_unlock(struct cd_mgr *m)
{
	if (m->lock)
		pthread_mutex_unlock(m->lock);
}

int cd_mgr_open(struct cd_mgr **out, struct cd_store *s, const struct cd_mgr_options *o,
		struct cd_buf *err)
{
	struct cd_mgr *m = cd_calloc(1, sizeof(*m));
	*out = NULL;
	if (o) {
		m->log = o->log;
		m->hooks = o->hooks;
		m->metrics = o->metrics;
		m->limits = o->limits;
		m->rate_clock = o->rate_clock;
		m->rate_clock_ctx = o->rate_clock_ctx;
		m->lock = o->lock;
	}
	cd_mgr_limits_fill(&m->limits);
	m->store = s;
	m->sources = json_array();
	m->tags = json_object();
	m->vm_datastores = json_object();
	m->deltas = cd_calloc(CD_MGR_DELTAS, sizeof(*m->deltas));
	m->recorded = json_array();
	int r;
	if (cd_store_shared(s) && (r = cd_store_listen(s)) < 0)
		goto fail;
	if (cd_mgr_load_world(m, err) < 0) {
		cd_mgr_close(m);
		return -EIO;
	}
	m->base = m->seq;   /* agents take a snapshot after a restart... */
	cd_mgr_load_stream(m);      /* ...unless the stored stream has what they miss */
	m->upkeep_since = cd_mgr_now();     /* agents are called down once it could hear them */
	if ((r = cd_store_agent_each(s, cd_mgr_load_agent, m)) < 0 || (r = cd_mgr_alerts_open(m)) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	cd_buf_printf(err, "reading the store: %s", r == -EIO ? cd_store_error(s) : strerror(-r));
	cd_mgr_close(m);
	return r;
}

void cd_mgr_close(struct cd_mgr *m)
{
	if (!m)
		return;
	cd_mgr_reports_stop(m);      /* (its thread uses the rest) */
	cd_mgr_alerts_close(m);
	cd_mgr_users_close(m);
	cd_mgr_authc_free(m);
	cd_mgr_reset_stream(m);
	free(m->deltas);
	json_decref(m->recorded);
	json_decref(m->sources);
	json_decref(m->tags);
	json_decref(m->vm_datastores);
	json_decref(m->host_series);
	json_decref(m->pool_hosts);
	cd_revision_free(&m->pol);
	cd_mgr_state_drop(m->st);
	free(m->inv_doc);
	cd_blob_unref(m->snap);
	for (size_t i = 0; i < m->nagents; i++) {
		cd_agent_rec_free(&m->agents[i].rec);
		json_decref(m->agents[i].unenforced);
	}
	free(m->agents);
	free(m);
}

/* ---- what the manager is at ---- */

int64_t cd_mgr_seq(const struct cd_mgr *m)
{
	return m->seq;
}

bool cd_mgr_up_to_date(const struct cd_mgr *m, int64_t since)
{
	return since == m->seq && since >= m->base;
}

int64_t cd_mgr_policy_rev(const struct cd_mgr *m)
{
	return m->pol.rev;
}

int64_t cd_mgr_pulse(const struct cd_mgr *m)
{
	return m->pulse;
}

int cd_mgr_heartbeat_seconds(const struct cd_mgr *m)
{
	return m->heartbeat_s;
}

int cd_mgr_collect_seconds(const struct cd_mgr *m)
{
	return m->limits.collect_s;
}

const struct cd_state *cd_mgr_state(const struct cd_mgr *m)
{
	return m->st;
}

const char *cd_mgr_quarantine_tag(const struct cd_mgr *m)
{
	return m->st->pol.am.quarantine_tag;
}

const char *cd_mgr_workload_host(const struct cd_mgr *m, const char *workload)
{
	long w = cd_inventory_find(&m->st->inv, workload);
	return w >= 0 ? m->st->inv.w[w].host : NULL;
}

const char *cd_mgr_workload_name(const struct cd_mgr *m, const char *workload)
{
	long w = cd_inventory_find(&m->st->inv, workload);
	return w >= 0 ? m->st->inv.w[w].name : NULL;
}

const char *cd_mgr_host_name(const struct cd_mgr *m, const char *host)
{
	for (size_t i = 0; i < m->st->inv.n; i++)
		if (m->st->inv.w[i].host && !strcasecmp(m->st->inv.w[i].host, host))
			return m->st->inv.w[i].host;
	return host;
}

const char *cd_mgr_workload_source(const struct cd_mgr *m, const char *workload)
{
	long w = cd_inventory_find(&m->st->inv, workload);
	return w >= 0 ? m->st->inv.w[w].source : NULL;
}

const char *cd_mgr_host_source(const struct cd_mgr *m, const char *host)
{
	const char *first = NULL;
	for (size_t i = 0; i < m->st->inv.n; i++) {
		const char *s = m->st->inv.w[i].source;
		if (m->st->inv.w[i].host && !strcasecmp(m->st->inv.w[i].host, host) && s &&
		    (!first || strcmp(s, first) < 0))
			first = s;
	}
	return first;
}

json_t *cd_mgr_vm_datastores(const struct cd_mgr *m, const char *vm)
{
	return json_object_get(m->vm_datastores, vm);
}

struct cd_mstore *cd_mgr_metrics(const struct cd_mgr *m)
{
	return m->metrics;
}

const char *cd_mgr_store_error(const struct cd_mgr *m)
{
	return cd_store_error(m->store);
}

int cd_mgr_revision(struct cd_mgr *m, int64_t rev, struct cd_revision *out)
{
	return cd_store_rev_get(m->store, CD_DOC_POLICY, rev, out);
}

int cd_mgr_revisions(struct cd_mgr *m, cd_store_rev_cb cb, void *ctx)
{
	return cd_store_rev_each(m->store, CD_DOC_POLICY, cb, ctx);
}

int cd_mgr_events(struct cd_mgr *m, const struct cd_event_filter *f, cd_store_event_cb cb,
		  void *ctx)
{
	return cd_store_event_each(m->store, f, cb, ctx);
}

int cd_mgr_scan_get(struct cd_mgr *m, int64_t id, struct cd_scan_req *out)
{
	return cd_store_scan_get(m->store, id, out);
}

/* ---- changes ---- */

/* Commit a store transaction that took the next number; then the change
 * is everyone's. */
int cd_mgr_finish(struct cd_mgr *m, int r)
{
	int n = m->nopen > 0 ? m->taking[m->nopen - 1] : 0;
	/* the change stream kept with the change: a row per number */
	int64_t first = cd_mgr_open_seq(m) - n + 1, now = cd_mgr_now();
	for (int i = 0; r == 0 && i < n; i++)
		r = cd_store_change_add(m->store, first + i, now,
					json_string_value(json_array_get(m->recorded, (size_t)i)));
	if (r == 0 && n > 0 && (first + n - 1) / 1024 != (first - 1) / 1024)
		r = cd_store_change_prune(m->store, first + n - 1 - CD_MGR_DELTAS);
	if (r == 0 && n > 0)
		r = cd_store_notify(m->store, "change");
	json_array_clear(m->recorded);
	if (m->nopen > 0)
		m->nopen--;
	if (r == 0)
		r = cd_store_commit(m->store);
	if (r < 0) {
		cd_store_rollback(m->store);
		return r;
	}
	if (n > 0) {
		m->seq += n;
		cd_blob_unref(m->snap);     /* the snapshot is of an older state now */
		m->snap = NULL;
	}
	return 0;
}

json_t *cd_mgr_workloads(struct cd_mgr *m)
{
	json_t *out = json_array();
	const struct cd_state *st = m->st;
	const char *qtag = st->pol.am.quarantine_tag;
	for (size_t w = 0; w < st->inv.n; w++) {
		const struct cd_workload *wl = &st->inv.w[w];
		json_t *o = cd_mgr_wl_json(wl, wl->source ? wl->source : "");
		json_t *ips = json_array(), *groups = json_array();
		for (size_t v = 0; v < wl->nvnics; v++)
			for (size_t k = 0; k < wl->vnics[v].nips; k++) {
				char a[CD_ADDR_STRLEN];
				json_array_append_new(ips, json_string(cd_addr_fmt(&wl->vnics[v].ips[k], a)));
			}
		for (size_t g = 0; g < st->pol.ngroups; g++)
			if (cd_member(&st->mem, g, w))
				json_array_append_new(groups, json_string(st->pol.groups[g].name));
		json_object_set_new(o, "ips", ips);
		json_object_set_new(o, "groups", groups);
		bool q = qtag && cd_workload_has_tag(wl, qtag);
		json_object_set_new(o, "quarantined", json_boolean(q));
		const char *state = cd_mgr_source_state_name(cd_mgr_source_get(m, wl->source));
		json_object_set_new(o, "stale", json_boolean(strcmp(state, "in sync") != 0));
		json_t *ne = cd_mgr_workload_unenforced(m, wl);
		if (ne)        /* never silently open: its host cannot filter it */
			json_object_set_new(o, "not_enforced", ne);
		if (q) {       /* since when and why: recorded when it was set */
			struct cd_quarantine qr = { 0 };
			char ts[CD_TIME_STRLEN];
			if (cd_store_quarantine_get(m->store, wl->name, &qr) == 0)
				json_object_set_new(o, "quarantine", json_pack("{s:s, s:s}", "since",
						    cd_time_fmt(qr.since, ts), "why", qr.why));
			else
				json_object_set_new(o, "quarantine", json_pack("{s:n, s:s}", "since",
						    "why", "its inventory source gives it the quarantine tag"));
			cd_quarantine_free(&qr);
		}
		json_array_append_new(out, o);
	}
	return out;
}

