/* reports_facts.c - the security facts a report reads from the manager's
 * store, over its range:
 *  - detections: the "detection" events (an agent's finding: its time,
 *    workload, signature, file, action, whether the file was remediated);
 *  - quarantines: from the events that begin one ("quarantine", set off
 *    by a detection; "tag" adding the policy's quarantine tag) and end one
 *    ("quarantine-released", by hand or by a clean full scan; "tag"
 *    removing it), read up to the range's end, each quarantine that
 *    overlaps the range; one begun before the event log's retention and
 *    still on has its start from the quarantine's own record;
 *  - the current policy's enabled rules that no flow record of the range
 *    names (as the rule that decided, or as the staged one that would
 *    have).
 * Under the manager's lock. */
#include "manager/reports_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- detections ---- */

struct det_ctx {
	struct cd_mgr_rjob *j;
	size_t cap;
};

static const char *data_str(struct cd_mgr_rjob *j, json_t *d, const char *key)
{
	return cd_mgr_rjob_keep(j, json_string_value(json_object_get(d, key)));
}

static int det_row(void *p, const struct cd_event *e)
{
	struct det_ctx *c = p;
	struct cd_mgr_rjob *j = c->j;
	json_t *d = e->data ? json_loads(e->data, 0, NULL) : NULL;
	struct cd_rdetection x = {
		.time = e->time / 1000, .workload = cd_mgr_rjob_keep(j, e->workload),
		.signature = data_str(j, d, "signature"), .file = data_str(j, d, "file"),
		.action = data_str(j, d, "action"),
		.remediated = json_is_true(json_object_get(d, "remediated")),
	};
	json_decref(d);
	CD_PUSH(j->det, j->ndet, c->cap, x);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct cd_rdetection *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->workload ? x->workload : "", y->workload ? y->workload : "");
}

/* ---- quarantines ---- */

struct qev {
	int64_t time, id;              /* time ms */
	const char *workload, *why;
	bool start;
};

struct q_ctx {
	struct cd_mgr_rjob *j;
	const char *qtag;
	struct qev *v;
	size_t n, cap;
};

static int q_row(void *p, const struct cd_event *e)
{
	struct q_ctx *c = p;
	if (!e->workload)
		return 0;
	struct qev x = { .time = e->time / 1000, .id = e->id };
	if (!strcmp(e->type, "quarantine")) {
		x.start = true;
		x.why = e->message;
	} else if (!strcmp(e->type, "quarantine-released")) {
		json_t *d = e->data ? json_loads(e->data, 0, NULL) : NULL;
		const char *by = json_string_value(json_object_get(d, "by"));
		const char *who = by ? by : e->actor ? e->actor : "-";
		char said[300];
		if (strstr(e->message, "by hand"))
			snprintf(said, sizeof said, "by hand (%s)", who);
		else
			snprintf(said, sizeof said, "%s", who);
		json_decref(d);
		x.workload = cd_mgr_rjob_keep(c->j, e->workload);
		x.why = cd_mgr_rjob_keep(c->j, said);
		CD_PUSH(c->v, c->n, c->cap, x);
		return 0;
	} else {   /* a tag: the quarantine's? */
		json_t *d = e->data ? json_loads(e->data, 0, NULL) : NULL;
		const char *add = json_string_value(json_object_get(d, "added"));
		const char *rm = json_string_value(json_object_get(d, "removed"));
		bool ours = c->qtag && ((add && !strcasecmp(add, c->qtag)) ||
					(rm && !strcasecmp(rm, c->qtag)));
		json_decref(d);
		if (!ours)
			return 0;
		x.start = add != NULL;
		char said[300];
		snprintf(said, sizeof said, "tag %s %s by %s", c->qtag, add ? "added" : "removed",
			 e->actor ? e->actor : "cordond");
		x.workload = cd_mgr_rjob_keep(c->j, e->workload);
		x.why = cd_mgr_rjob_keep(c->j, said);
		CD_PUSH(c->v, c->n, c->cap, x);
		return 0;
	}
	x.workload = cd_mgr_rjob_keep(c->j, e->workload);
	x.why = cd_mgr_rjob_keep(c->j, x.why);
	CD_PUSH(c->v, c->n, c->cap, x);
	return 0;
}

static int by_event(const void *a, const void *b)
{
	const struct qev *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static int by_since(const void *a, const void *b)
{
	const struct cd_rquarantine *x = a, *y = b;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcasecmp(x->workload, y->workload);
}

static void quar_add(struct cd_mgr_rjob *j, const struct cd_rquarantine *q)
{
	if (q->since > j->end || (q->released && q->released < j->begin) || j->nquar >= CD_RFACTS_MAX)
		return;
	CD_PUSH(j->quar, j->nquar, j->quarcap, *q);
}

static int quarantines(struct cd_mgr *m, struct cd_mgr_rjob *j)
{
	static const char *const types[] = { "quarantine", "quarantine-released", "tag" };
	struct q_ctx c = { .j = j, .qtag = m->st ? m->st->pol.am.quarantine_tag : NULL };
	for (size_t t = 0; t < CD_ARRAY_LEN(types); t++) {
		struct cd_event_filter f = { .until = j->end * 1000, .type = types[t],
					     .limit = CD_RFACTS_MAX };
		int r = cd_store_event_each(m->store, &f, q_row, &c);
		if (r < 0) {
			free(c.v);
			return r;
		}
	}
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_event);
	/* each workload's quarantine open at this point of the walk */
	struct cd_map open;
	cd_map_init(&open);
	struct cd_rquarantine *on = cd_calloc(c.n ? c.n : 1, sizeof *on);
	size_t non = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct qev *e = &c.v[i];
		size_t k;
		bool is_open = cd_map_get(&open, e->workload, &k) && on[k].since >= 0;
		if (e->start && !is_open) {
			on[non] = (struct cd_rquarantine){ .workload = e->workload, .since = e->time,
							   .why = e->why };
			cd_map_put(&open, e->workload, non++, NULL);
		} else if (!e->start && is_open) {
			on[k].released = e->time;
			on[k].released_by = e->why;
			quar_add(j, &on[k]);
			on[k].since = -1;      /* closed */
		}
	}
	for (size_t k = 0; k < non; k++)
		if (on[k].since >= 0)
			quar_add(j, &on[k]);
	/* quarantined now, begun before the log's oldest event */
	const char *qtag = c.qtag;
	for (size_t w = 0; m->st && qtag && w < m->st->inv.n; w++) {
		const struct cd_workload *wl = &m->st->inv.w[w];
		size_t k;
		if (!cd_workload_has_tag(wl, qtag) || (cd_map_get(&open, wl->name, &k) &&
							on[k].since >= 0))
			continue;
		struct cd_quarantine q;
		if (cd_store_quarantine_get(m->store, wl->name, &q) == 0) {
			struct cd_rquarantine x = { .workload = cd_mgr_rjob_keep(j, wl->name),
						    .since = q.since / 1000,
						    .why = cd_mgr_rjob_keep(j, q.why) };
			quar_add(j, &x);
			cd_quarantine_free(&q);
		}
	}
	cd_map_free(&open);
	free(on);
	free(c.v);
	if (j->nquar)
		qsort(j->quar, j->nquar, sizeof *j->quar, by_since);
	return 0;
}

/* ---- rules no flow record names ---- */

struct seen { int64_t *id; size_t n, cap; };

static int seen_row(void *p, int64_t rule)
{
	struct seen *s = p;
	CD_PUSH(s->id, s->n, s->cap, rule);
	return 0;
}

static bool seen_has(const struct seen *s, int64_t id)
{
	size_t lo = 0, hi = s->n;      /* ordered by the store */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->id[mid] == id)
			return true;
		if (s->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int unmatched(struct cd_mgr *m, struct cd_mgr_rjob *j)
{
	struct seen s = { 0 };
	int r = cd_store_flow_rules_seen(m->store, j->begin, j->end, seen_row, &s);
	if (r < 0) {
		free(s.id);
		return r;
	}
	j->policy_rev = m->pol.rev;
	const struct cd_policy *pol = m->st ? &m->st->pol : NULL;
	size_t cap = 0;
	for (size_t i = 0; pol && i < pol->nrules; i++) {
		const struct cd_rule *x = &pol->rules[i];
		if (x->disabled)
			continue;
		j->rules_total++;
		if (seen_has(&s, x->id))
			continue;
		struct cd_rrule rr = { .id = x->id, .name = cd_mgr_rjob_keep(j, x->name),
				       .category = cd_category_name(x->category),
				       .action = cd_action_name(x->action), .staged = x->staged };
		CD_PUSH(j->rules, j->nrules, cap, rr);
	}
	free(s.id);
	return 0;
}

int cd_mgr_rjob_facts(struct cd_mgr *m, struct cd_mgr_rjob *j)
{
	bool want[CD_RS_UNMATCHED + 1] = { false };
	for (size_t i = 0; i < j->rep.nsec; i++)
		want[j->rep.sec[i].kind] = true;
	int r = 0;
	if (want[CD_RS_DETECTIONS]) {
		struct det_ctx c = { .j = j };
		struct cd_event_filter f = { .since = j->begin * 1000, .until = j->end * 1000,
					     .type = "detection", .limit = CD_RFACTS_MAX + 1 };
		r = cd_store_event_each(m->store, &f, det_row, &c);
		if (j->ndet)
			qsort(j->det, j->ndet, sizeof *j->det, by_time);
		if (j->ndet > CD_RFACTS_MAX) {   /* the newest kept: the first one goes */
			memmove(j->det, j->det + 1, (j->ndet - 1) * sizeof *j->det);
			j->ndet--;
			j->det_cut = true;
		}
	}
	if (r >= 0 && want[CD_RS_QUARANTINES])
		r = quarantines(m, j);
	if (r >= 0 && want[CD_RS_UNMATCHED])
		r = unmatched(m, j);
	if (r < 0)
		j->facts_missing = cd_asprintf("the store could not be read: %s",
					       r == -EIO ? cd_store_error(m->store) : strerror(-r));
	return r < 0 ? r : 0;
}
