/* alerts.c - the manager's alerting: the alert definitions (revisions,
 * push, rollback), each collection cycle's evaluation (alerts_world.c
 * answers the evaluator), alerts raised, updated and cancelled in the
 * store with their events, acknowledged, and handed to the notifier. */
#include "manager/mgr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/aeval.h"
#include "alerts/band.h"
#include "alerts/notify.h"
#include "base/util.h"
#include "manager/mgr_priv.h"

#define RESEND_US (60 * 1000000LL)     /* active alerts to Alertmanager again */

struct cd_mgr_alerting {
	struct cd_adefs defs;
	int64_t rev;                   /* the definitions' revision; 0: built in only */
	struct cd_aeval *eval;
	int64_t next;                  /* the next cycle, us */
	int64_t resend;                /* when active alerts go to Alertmanager again */
	struct cd_notify *notify;
	json_t *ids;                   /* DEF \x1f KIND \x1f OBJECT -> active alert id */
	int64_t cycle_us;              /* the last cycle's cost */
	uint64_t cycles;               /* cycles evaluated since the start */
	struct cd_bands *bands;        /* the learned thresholds' (bands.c) */
	bool leader;                   /* this manager evaluates (holds the lease) */
	/* the alerts' own rate in the event log (agents' events have theirs):
	 * past it an alert is raised and cancelled as ever, its event left
	 * out and counted, said once a minute */
	struct cd_bucket ev_rate;
	int64_t ev_unlogged, ev_said;
};

#define ALERT_EVENTS_PER_S 10          /* a burst of ALERT_EVENTS_BURST */
#define ALERT_EVENTS_BURST 600

/* May an alert's event go to the log now?  (Counted when not.) */
static bool alert_event_ok(struct cd_mgr *m)
{
	struct cd_mgr_alerting *al = m->alerting;
	int64_t now = cd_mgr_rate_now(m);
	if (cd_bucket_wait(&al->ev_rate, ALERT_EVENTS_PER_S, ALERT_EVENTS_BURST, 1, now) > 0) {
		al->ev_unlogged++;
		return false;
	}
	cd_bucket_take(&al->ev_rate, 1);
	return true;
}

static char *key_of(const char *def, const char *kind, const char *object)
{
	return cd_asprintf("%s\x1f%s\x1f%s", def, kind, object);
}

static int id_row(void *ctx, const struct cd_alert_rec *a)
{
	struct cd_mgr_alerting *al = ctx;
	char *key = key_of(a->definition, a->kind, a->object);
	json_object_set_new(al->ids, key, json_integer(a->id));
	free(key);
	return 0;
}

static int restore_row(void *ctx, const struct cd_alert_rec *a)
{
	struct cd_mgr_alerting *al = ctx;
	enum cd_akind k;
	if (cd_akind_parse(a->kind, &k) < 0)
		return 0;
	json_t *d = json_loads(a->detail, 0, NULL);
	cd_aeval_restore(al->eval, a->definition, k, a->object,
			 (uint32_t)json_integer_value(json_object_get(d, "held")));
	json_decref(d);
	return id_row(ctx, a);
}

/* The current definitions from the store (the built-in ones when there
 * are none, or when they no longer load). */
static int load_defs(struct cd_mgr *m, struct cd_mgr_alerting *al)
{
	struct cd_revision v = { 0 };
	int r = cd_store_rev_get(m->store, CD_DOC_ALERTS, 0, &v);
	struct cd_adefs defs = { 0 };
	if (r == 0) {
		struct cd_diags d;
		cd_diags_init(&d);
		if (cd_adefs_parse("alert definitions", v.doc, strlen(v.doc), &defs, &d) < 0) {
			cd_mgr_logf(m, "alert definitions revision %lld do not load (%s): the built-in ones "
				    "instead", (long long)v.rev, d.n ? d.v[0].msg : "?");
			r = cd_adefs_builtin(&defs);
		}
		cd_diags_free(&d);
	} else if (r == -ENOENT) {
		r = cd_adefs_builtin(&defs);
	}
	if (r == 0) {
		cd_adefs_free(&al->defs);
		al->defs = defs;
		al->rev = v.rev;
	}
	cd_revision_free(&v);
	return r;
}

/* The evaluator as the active alerts in the store say (at start, and
 * when this manager takes the evaluation over from another). */
static int restore(struct cd_mgr *m, struct cd_mgr_alerting *al)
{
	cd_aeval_free(al->eval);
	al->eval = cd_aeval_new();
	json_object_clear(al->ids);
	struct cd_alert_filter f = { .state = "active" };
	return cd_store_alert_each(m->store, &f, restore_row, al);
}

int cd_mgr_alerts_open(struct cd_mgr *m)
{
	struct cd_mgr_alerting *al = cd_calloc(1, sizeof(*al));
	m->alerting = al;
	al->ids = json_object();
	al->bands = cd_bands_new();
	al->notify = cd_notify_start(m->log);
	int r = load_defs(m, al);
	if (r < 0)
		return r;
	/* on a database of its own it evaluates from the start; several
	 * managers take the "alerts" lease first (cd_mgr_alerts_tick) */
	al->leader = !cd_store_shared(m->store);
	return restore(m, al);
}

void cd_mgr_alerts_close(struct cd_mgr *m)
{
	struct cd_mgr_alerting *al = m->alerting;
	if (!al)
		return;
	cd_notify_stop(al->notify);
	cd_aeval_free(al->eval);
	cd_adefs_free(&al->defs);
	cd_bands_free(al->bands);
	json_decref(al->ids);
	free(al);
	m->alerting = NULL;
}

/* ---- definitions ---- */

static int set_defs(struct cd_mgr *m, const char *file, const char *text, size_t len,
		    const char *comment, const struct cd_actor *a, struct cd_diags *d, int64_t *rev)
{
	struct cd_adefs defs;
	if (cd_adefs_parse(file, text, len, &defs, d) < 0)
		return -EINVAL;
	char *doc = cd_strndup(text, len);
	int r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_rev_add(m->store, CD_DOC_ALERTS, doc, a ? a->name : NULL, comment,
				     cd_mgr_now(), rev);
	if (r == 0)
		r = cd_mgr_event(m, "alert-definitions", NULL, NULL, a,
				 json_pack("{s:I}", "revision", (json_int_t)*rev),
				 "alert definitions revision %lld: %s (%zu definitions)", (long long)*rev,
				 comment, defs.n);
	r = cd_mgr_finish(m, r);
	free(doc);
	if (r < 0) {
		cd_adefs_free(&defs);
		return r;
	}
	/* the evaluator's pairs are by name: a definition gone is cancelled
	 * at the next cycle */
	cd_adefs_free(&m->alerting->defs);
	m->alerting->defs = defs;
	m->alerting->rev = *rev;
	return 0;
}

int cd_mgr_alerts_push(struct cd_mgr *m, const char *file, const char *text, size_t len,
		       const struct cd_actor *a, struct cd_diags *d, int64_t *rev)
{
	return set_defs(m, file, text, len, "pushed", a, d, rev);
}

int cd_mgr_alerts_rollback(struct cd_mgr *m, int64_t rev, const struct cd_actor *a,
			   struct cd_diags *d, int64_t *newrev)
{
	struct cd_revision old = { 0 };
	int r = cd_store_rev_get(m->store, CD_DOC_ALERTS, rev, &old);
	if (r < 0)
		return r;
	char comment[64], name[64];
	snprintf(comment, sizeof(comment), "rollback to revision %lld", (long long)rev);
	snprintf(name, sizeof(name), "revision %lld", (long long)rev);
	r = set_defs(m, name, old.doc, strlen(old.doc), comment, a, d, newrev);
	cd_revision_free(&old);
	return r;
}

int cd_mgr_alerts_revision(struct cd_mgr *m, int64_t rev, struct cd_revision *out)
{
	return cd_store_rev_get(m->store, CD_DOC_ALERTS, rev, out);
}

int cd_mgr_alerts_revisions(struct cd_mgr *m, cd_store_rev_cb cb, void *ctx)
{
	return cd_store_rev_each(m->store, CD_DOC_ALERTS, cb, ctx);
}

int64_t cd_mgr_alerts_rev(const struct cd_mgr *m)
{
	return m->alerting->rev;
}

static json_t *symptom_json(const struct cd_asymptom *s)
{
	static const char *const types[] = { "metric", "population", "capacity", "state" };
	json_t *o = json_pack("{s:s, s:s, s:i, s:i}", "symptom", s->label, "type", types[s->type],
			      "wait_cycles", (int)s->wait_cycles, "cancel_cycles", (int)s->cancel_cycles);
	if (s->metric)
		json_object_set_new(o, "metric", json_string(s->metric));
	if (s->type == CD_SYM_STATE) {
		json_object_set_new(o, "state", json_string(cd_astate_name(s->state)));
		if (s->seconds)
			json_object_set_new(o, "seconds", json_integer(s->seconds));
	} else if (cd_aop_learned(s->op)) {
		json_object_set_new(o, "op", json_string(cd_aop_name(s->op)));
		json_object_set_new(o, "sigmas", json_real(s->sigmas));
	} else {
		json_object_set_new(o, "op", json_string(cd_aop_name(s->op)));
		json_object_set_new(o, "value", json_real(s->value));
	}
	if (s->type == CD_SYM_POPULATION)
		json_object_set_new(o, "share", s->percent ? json_sprintf("%g%%", s->share)
						       : json_integer((json_int_t)s->share));
	if (s->type == CD_SYM_CAPACITY)
		json_object_set_new(o, "window_seconds", json_integer(s->window_ms / 1000));
	return o;
}

static json_t *recs_json(const struct cd_adef *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->nrec; i++) {
		json_t *r = json_pack("{s:s}", "text", d->rec[i].text);
		if (d->rec[i].action != CD_ACT_NONE)
			json_object_set_new(r, "action", json_string(cd_aaction_name(d->rec[i].action)));
		if (d->rec[i].tag)
			json_object_set_new(r, "tag", json_string(d->rec[i].tag));
		json_array_append_new(a, r);
	}
	return a;
}

json_t *cd_mgr_alert_defs(struct cd_mgr *m)
{
	const struct cd_adefs *a = &m->alerting->defs;
	json_t *defs = json_array(), *recv = json_array();
	for (size_t i = 0; i < a->n; i++) {
		const struct cd_adef *d = &a->v[i];
		json_t *syms = json_array(), *notify = json_array();
		for (size_t k = 0; k < d->nsym; k++)
			json_array_append_new(syms, symptom_json(&d->sym[k]));
		for (size_t k = 0; k < d->nnotify; k++)
			json_array_append_new(notify, json_string(d->notify[k]));
		json_array_append_new(defs, json_pack("{s:s, s:s?, s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:o}",
			"name", d->name, "description", d->description, "object", cd_akind_name(d->kind),
			"severity", cd_asev_name(d->severity), "when", d->all ? "all" : "any",
			"enabled", d->enabled, "builtin", d->builtin, "symptoms", syms,
			"recommendations", recs_json(d), "notify", notify));
	}
	for (size_t i = 0; i < a->nrecv; i++)
		json_array_append_new(recv, json_pack("{s:s, s:s, s:s}", "name", a->recv[i].name, "type",
					a->recv[i].alertmanager ? "alertmanager" : "webhook", "url",
					a->recv[i].alertmanager ? a->recv[i].alertmanager : a->recv[i].webhook));
	return json_pack("{s:I, s:o, s:o}", "revision", (json_int_t)m->alerting->rev,
			 "definitions", defs, "receivers", recv);
}

/* ---- alerts ---- */

json_t *cd_mgr_alert_json(struct cd_mgr *m, const struct cd_alert_rec *a)
{
	char t1[CD_TIME_STRLEN], t2[CD_TIME_STRLEN], t3[CD_TIME_STRLEN], t4[CD_TIME_STRLEN];
	json_t *detail = json_loads(a->detail, 0, NULL);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}",
		"id", (json_int_t)a->id, "definition", a->definition, "kind", a->kind, "object", a->object,
		"severity", a->severity, "state", a->state, "raised", cd_time_fmt(a->raised, t1),
		"updated", cd_time_fmt(a->updated, t2),
		"cancelled", a->cancelled ? cd_time_fmt(a->cancelled, t3) : NULL,
		"acked_by", a->acked_by, "acked_at", a->acked_at ? cd_time_fmt(a->acked_at, t4) : NULL);
	const struct cd_adef *d = cd_adefs_find(&m->alerting->defs, a->definition);
	json_object_set_new(o, "description", d && d->description ? json_string(d->description) : json_null());
	json_object_set_new(o, "recommendations", d ? recs_json(d) : json_array());
	json_object_set(o, "symptoms", json_object_get(detail, "symptoms"));
	json_t *dd = json_object_get(detail, "drilldown");
	json_object_set(o, "drilldown", dd ? dd : json_null());
	json_t *rel = json_array(), *s;
	size_t i;
	json_array_foreach(json_object_get(detail, "symptoms"), i, s) {
		json_t *r;
		size_t k;
		json_array_foreach(json_object_get(s, "related"), k, r)
			json_array_append_new(rel, json_pack("{s:s, s:O}", "kind", "vm", "name",
							     json_object_get(r, "name")));
	}
	json_object_set_new(o, "related", rel);
	if (json_object_get(detail, "reason"))
		json_object_set(o, "reason", json_object_get(detail, "reason"));
	json_decref(detail);
	return o;
}

int cd_mgr_alerts_each(struct cd_mgr *m, const struct cd_alert_filter *f, cd_store_alert_cb cb,
		       void *ctx)
{
	return cd_store_alert_each(m->store, f, cb, ctx);
}

int cd_mgr_alert_get(struct cd_mgr *m, int64_t id, struct cd_alert_rec *out)
{
	return cd_store_alert_get(m->store, id, out);
}

int cd_mgr_alert_ack(struct cd_mgr *m, int64_t id, const struct cd_actor *a)
{
	struct cd_alert_rec rec = { 0 };
	int r = cd_store_alert_get(m->store, id, &rec);
	if (r < 0)
		return r;
	r = cd_mgr_begin_n(m, 0);
	if (r == 0)
		r = cd_store_alert_ack(m->store, id, a ? a->name : "-", cd_mgr_now());
	if (r == 0)
		r = cd_mgr_event(m, "alert-ack", !strcmp(rec.kind, "vm") ? rec.object : NULL,
				 !strcmp(rec.kind, "host") ? rec.object : NULL, a,
				 json_pack("{s:I, s:s}", "alert", (json_int_t)id, "definition", rec.definition),
				 "alert %lld (%s on %s %s) acknowledged", (long long)id, rec.definition,
				 rec.kind, rec.object);
	cd_alert_rec_free(&rec);
	return cd_mgr_finish(m, r);
}

/* Alertmanager's form of an alert (end: its endsAt, 0: still active). */
static json_t *am_alert(const struct cd_adef *d, const char *def, const char *kind,
			const char *object, int64_t id, int64_t start, int64_t end, json_t *detail)
{
	char t1[CD_TIME_STRLEN], t2[CD_TIME_STRLEN];
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	json_t *s;
	size_t i;
	json_array_foreach(json_object_get(detail, "symptoms"), i, s)
		if (json_is_true(json_object_get(s, "holds")))
			cd_buf_printf(&b, "%s%s", b.len ? "; " : "", json_string_value(json_object_get(s, "symptom")));
	json_t *o = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:s}",
		"labels", "alertname", def, "severity", d ? cd_asev_name(d->severity) : "info",
		"kind", kind, "object", object, "source", "cordon",
		"annotations", "summary", d && d->description ? d->description : def,
		"symptoms", b.data ? b.data : "", "alert_id", "",
		"startsAt", cd_time_fmt(start, t1));
	json_object_set_new(json_object_get(o, "annotations"), "alert_id", json_sprintf("%lld", (long long)id));
	if (d && d->nrec)
		json_object_set_new(json_object_get(o, "annotations"), "recommendation",
				    json_string(d->rec[0].text));
	if (end)
		json_object_set_new(o, "endsAt", json_string(cd_time_fmt(end, t2)));
	cd_buf_free(&b);
	return o;
}

/* The notifications of a change, to its definition's receivers. */
static void notify(struct cd_mgr *m, const struct cd_adef *d, const struct cd_alert_rec *rec,
		   const char *event, json_t *detail)
{
	const struct cd_adefs *a = &m->alerting->defs;
	for (size_t i = 0; d && i < d->nnotify; i++)
		for (size_t r = 0; r < a->nrecv; r++) {
			if (strcmp(a->recv[r].name, d->notify[i]))
				continue;
			if (a->recv[r].alertmanager) {
				json_t *al = am_alert(d, rec->definition, rec->kind, rec->object, rec->id,
						      rec->raised, rec->cancelled, detail);
				cd_notify_alertmanager(m->alerting->notify, a->recv[r].alertmanager,
						       json_pack("[o]", al));
			} else if (strcmp(event, "updated")) {
				json_t *o = cd_mgr_alert_json(m, rec);
				cd_notify_webhook(m->alerting->notify, a->recv[r].webhook,
						  json_pack("{s:s, s:o}", "event", event, "alert", o));
			}
		}
}

/* One change of a cycle into the store, the event log and the notifier. */
static int apply(struct cd_mgr *m, const struct cd_achange *c, int64_t now, bool resend)
{
	struct cd_mgr_alerting *al = m->alerting;
	const char *kind = cd_akind_name(c->kind);
	char *key = key_of(c->definition, kind, c->object);
	char *detail = json_dumps(c->detail, JSON_COMPACT);
	json_t *idj = json_object_get(al->ids, key);
	struct cd_alert_rec rec = { .id = json_integer_value(idj), .definition = c->definition,
				    .kind = (char *)kind, .object = c->object, .raised = now,
				    .updated = now, .state = (char *)"active", .detail = detail };
	rec.severity = (char *)(c->def ? cd_asev_name(c->def->severity) : "info");
	int r = 0;
	const char *wl = c->kind == CD_AK_VM ? c->object : NULL, *host = c->kind == CD_AK_HOST ? c->object : NULL;
	if (c->what == CD_ARAISE && !idj) {
		r = cd_store_alert_raise(m->store, &rec);
		if (r == 0) {
			json_object_set_new(al->ids, key, json_integer(rec.id));
			if (alert_event_ok(m))
				r = cd_mgr_event(m, "alert", wl, host, NULL, json_pack("{s:I, s:s, s:s}", "alert",
					 (json_int_t)rec.id, "definition", c->definition, "severity", rec.severity),
					 "alert %lld raised: %s on %s %s", (long long)rec.id, c->definition, kind,
					 c->object);
			notify(m, c->def, &rec, "raised", c->detail);
		}
	} else if (c->what == CD_ACANCEL && idj) {
		r = cd_store_alert_cancel(m->store, rec.id, detail, now);
		struct cd_alert_rec got = { 0 };
		if (r == 0 && cd_store_alert_get(m->store, rec.id, &got) == 0) {
			if (alert_event_ok(m))
				r = cd_mgr_event(m, "alert", wl, host, NULL, json_pack("{s:I, s:s}", "alert",
					 (json_int_t)rec.id, "definition", c->definition),
					 "alert %lld cancelled: %s on %s %s (%s)", (long long)rec.id, c->definition,
					 kind, c->object, json_string_value(json_object_get(c->detail, "reason")));
			notify(m, c->def ? c->def : cd_adefs_find(&al->defs, c->definition), &got, "cancelled",
			       c->detail);
		}
		cd_alert_rec_free(&got);
		json_object_del(al->ids, key);
	} else if (idj) {                  /* updated (or raised again after a restart) */
		r = cd_store_alert_update(m->store, rec.id, detail, now);
		if (r == 0 && resend) {
			struct cd_alert_rec got = { 0 };
			if (cd_store_alert_get(m->store, rec.id, &got) == 0)
				notify(m, c->def, &got, "updated", c->detail);
			cd_alert_rec_free(&got);
		}
	}
	free(key);
	free(detail);
	return r;
}

/* A cycle, when one is due. */
static void cycle(struct cd_mgr *m)
{
	struct cd_mgr_alerting *al = m->alerting;
	int64_t now = cd_mgr_now(), every = (int64_t)cd_mgr_collect_seconds(m) * 1000000;
	if (now < al->next)
		return;
	if (cd_store_shared(m->store)) {
		/* definitions another manager pushed; one evaluator at a time */
		int64_t rev = cd_store_rev_last(m->store, CD_DOC_ALERTS);
		if (rev >= 0 && rev != al->rev)
			load_defs(m, al);
		bool lead = cd_store_lease(m->store, "alerts") > 0;
		if (lead && !al->leader) {
			if (restore(m, al) < 0)
				return;
			cd_mgr_logf(m, "alerts: this manager evaluates them now");
		}
		al->leader = lead;
		if (!lead) {
			al->next = now - now % every + every + every / 4;
			return;
		}
	}
	/* on the collection's cycle, a little after it (its samples are in) */
	al->next = now - now % every + every + every / 4;
	struct cd_aworld w;
	struct cd_mgr_world *mw = cd_mgr_world_new(m, now / 1000, every / 1000, al->bands, &w);
	struct cd_achange *c;
	size_t n;
	cd_aeval_cycle(al->eval, &al->defs, &w, now / 1000, every / 1000, &c, &n);
	cd_mgr_world_free(mw);
	bool resend = now >= al->resend;
	if (resend)
		al->resend = now + RESEND_US;
	if (n) {
		int r = cd_mgr_begin_n(m, 0);
		for (size_t i = 0; i < n && r == 0; i++)
			r = apply(m, &c[i], now, resend);
		if (cd_mgr_finish(m, r) < 0) {
			/* rolled back: the active alerts are the store's again */
			cd_mgr_logf(m, "alerts: the store failed: %s", cd_mgr_store_error(m));
			json_object_clear(al->ids);
			struct cd_alert_filter f = { .state = "active" };
			cd_store_alert_each(m->store, &f, id_row, al);
		}
	}
	cd_achanges_free(c, n);
	if (al->ev_unlogged && now - al->ev_said >= 60000000) {
		cd_mgr_logf(m, "alerts: %lld alert events left out of the event log (over %d a second, "
			    "a burst of %d); the alerts themselves are kept (GET /api/v1/alerts)",
			    (long long)al->ev_unlogged, ALERT_EVENTS_PER_S, ALERT_EVENTS_BURST);
		al->ev_unlogged = 0;
		al->ev_said = now;
	}
	al->cycle_us = cd_mgr_now() - now;
	al->cycles++;
}

void cd_mgr_alerts_tick(struct cd_mgr *m)
{
	if (!m->alerting)
		return;
	cycle(m);
	/* the bands the cycles asked for, learned between them (their store
	 * reads without the lock) */
	if (m->alerting->leader)
		cd_mgr_bands_learn(m, m->alerting->bands);
}

uint64_t cd_mgr_alerts_cycles(const struct cd_mgr *m)
{
	return m->alerting ? m->alerting->cycles : 0;
}

bool cd_mgr_alert_band(const struct cd_mgr *m, const char *kind, const char *name,
		       const char *metric, struct cd_band *out)
{
	const struct cd_band *b = m->alerting ? cd_bands_peek(m->alerting->bands, kind, name, metric)
					      : NULL;
	if (b)
		*out = *b;
	return b != NULL;
}

void cd_mgr_alerts_openmetrics(const struct cd_mgr *m, struct cd_buf *b)
{
	struct cd_mgr_alerting *al = m->alerting;
	if (!al)
		return;
	struct cd_bands_count n;
	cd_bands_count(al->bands, &n);
	cd_buf_printf(b, "# TYPE cordon_alert_cycles counter\n"
		      "# HELP cordon_alert_cycles alert cycles this manager evaluated since it started\n"
		      "cordon_alert_cycles_total %llu\n"
		      "# TYPE cordon_alert_cycle_seconds gauge\n"
		      "# UNIT cordon_alert_cycle_seconds seconds\n"
		      "# HELP cordon_alert_cycle_seconds what the last alert cycle took\n"
		      "cordon_alert_cycle_seconds %.6f\n"
		      "# TYPE cordon_alert_bands gauge\n"
		      "# HELP cordon_alert_bands learned thresholds' bands the alert cycles ask for, "
		      "by state (unread: history not read yet; learning: under 7 days of it)\n"
		      "cordon_alert_bands{state=\"unread\"} %zu\n"
		      "cordon_alert_bands{state=\"learning\"} %zu\n"
		      "cordon_alert_bands{state=\"ready\"} %zu\n"
		      "# TYPE cordon_alert_bands_learned counter\n"
		      "# HELP cordon_alert_bands_learned bands learned from the store since the start\n"
		      "cordon_alert_bands_learned_total %llu\n",
		      (unsigned long long)al->cycles, (double)al->cycle_us / 1e6, n.unread, n.learning,
		      n.ready, (unsigned long long)n.learned);
}

int64_t cd_mgr_alerts_cycle_us(const struct cd_mgr *m)
{
	return m->alerting ? m->alerting->cycle_us : 0;
}
