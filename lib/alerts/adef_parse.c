/* adef_parse.c - the alert definitions' document to the model (adef.h),
 * every error located at its node and naming its field; nothing is
 * returned when there is one. */
#include "alerts/adef.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts/band.h"
#include "base/util.h"
#include "metrics/catalog.h"
#include "yaml/node.h"
#include "yaml/read.h"

#define ERR(p, node, ...) cd_error((p)->d, (node)->loc, __VA_ARGS__)

#define DOC_LIST(P, X) X(P, RECEIVERS, "receivers") X(P, DEFINITIONS, "definitions")
SCHEMA(DOC, doc, DOC_LIST)
#define RECV_LIST(P, X) X(P, NAME, "name") X(P, ALERTMANAGER, "alertmanager") \
	X(P, WEBHOOK, "webhook")
SCHEMA(RECV, recv, RECV_LIST)
#define DEF_LIST(P, X) X(P, NAME, "name") X(P, DESCRIPTION, "description") \
	X(P, OBJECT, "object") X(P, SEVERITY, "severity") X(P, WHEN, "when") \
	X(P, ENABLED, "enabled") X(P, SYMPTOMS, "symptoms") \
	X(P, RECOMMENDATIONS, "recommendations") X(P, NOTIFY, "notify")
SCHEMA(DEF, def, DEF_LIST)
#define SYM_LIST(P, X) X(P, NAME, "name") X(P, METRIC, "metric") \
	X(P, POPULATION, "population") X(P, CAPACITY, "capacity") X(P, STATE, "state") \
	X(P, OP, "op") X(P, VALUE, "value") X(P, SHARE, "share") X(P, WINDOW, "window") \
	X(P, SECONDS, "seconds") X(P, WAIT, "wait_cycles") X(P, CANCEL, "cancel_cycles") \
	X(P, SIGMAS, "sigmas")
SCHEMA(SYM, sym, SYM_LIST)
#define REC_LIST(P, X) X(P, TEXT, "text") X(P, ACTION, "action") X(P, TAG, "tag")
SCHEMA(REC, rec, REC_LIST)

static const char *const kind_words[CD_AK_N] = { "vm", "host", "datastore", "source" };
static const char *const sev_words[CD_AS_N] = { "info", "warning", "immediate", "critical" };
/* the fixed comparisons, then the learned ones (metric symptoms only) */
static const char *const op_words[] = { ">", ">=", "<", "<=", "==", "!=", "above_normal",
					"below_normal" };
#define FIXED_OPS 6
#define SIGMAS_MIN 0.5
#define SIGMAS_MAX 20.0
static const char *const when_words[] = { "any", "all" };
static const char *const action_words[] = { "tag", "scan", "release" };
static const char *const state_words[CD_ST_N] = { "agent_down", "source_error", "source_stale",
						  "policy_not_realized", "quarantined", "detection",
						  "vnic_not_enforced", "spoofing" };
/* the kind of object each state is a fact of */
static const enum cd_akind state_kind[CD_ST_N] = { CD_AK_HOST, CD_AK_SOURCE, CD_AK_SOURCE,
						   CD_AK_HOST, CD_AK_VM, CD_AK_VM, CD_AK_VM, CD_AK_VM };
/* seconds, when not given: how long before it holds (stale, not
 * realized), or how recent (a detection, a spoof) */
static const int64_t state_seconds[CD_ST_N] = { 0, 0, 600, 300, 0, 3600, 0, 3600 };

/* Names equal; a definition or receiver that did not parse has none. */
static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool number(struct cd_yread *p, const struct cd_node *n, const char *what, double *out)
{
	if (!cd_yr_want_scalar(p, n, what))
		return false;
	char *e;
	double v = strtod(n->str, &e);
	if (e == n->str || *e || !isfinite(v)) {
		ERR(p, n, "%s must be a number, not \"%s\"", what, n->str);
		return false;
	}
	*out = v;
	return true;
}

/* 30s, 10m, 12h, 7d, 2w: 0 < ms <= max_ms. */
static bool duration(struct cd_yread *p, const struct cd_node *n, const char *what,
		     int64_t max_ms, int64_t *ms)
{
	if (!cd_yr_want_scalar(p, n, what))
		return false;
	char *e;
	long long v = strtoll(n->str, &e, 10);
	int64_t unit = !strcmp(e, "s") ? 1000 : !strcmp(e, "m") ? 60000 : !strcmp(e, "h") ? 3600000
		: !strcmp(e, "d") ? 86400000 : !strcmp(e, "w") ? 604800000 : 0;
	if (e == n->str || !unit || v <= 0 || v > max_ms / unit) {
		ERR(p, n, "%s must be a duration from 1h to %lld d, as 7d (units s, m, h, d, w), not \"%s\"",
		    what, (long long)(max_ms / 86400000), n->str);
		return false;
	}
	*ms = v * unit;
	return true;
}

static bool url(struct cd_yread *p, const struct cd_node *n, const char *what, char **out)
{
	char *s = cd_yr_str(p, n, what);
	if (!s)
		return false;
	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) {
		ERR(p, n, "%s must be an http:// or https:// URL", what);
		free(s);
		return false;
	}
	*out = s;
	return true;
}

/* A symptom's op and value, or a learned op and its sigmas: false when
 * nothing more of the symptom can be checked (*ok false for an error
 * after which it can). */
static bool parse_op(struct cd_yread *p, const struct cd_node *n, const struct cd_node **v,
		     struct cd_asymptom *s, bool *ok)
{
	const struct cd_node *on = v[SYM_OP];
	const char *type = s->type == CD_SYM_CAPACITY ? "capacity"
			   : s->type == CD_SYM_POPULATION ? "population" : "metric";
	bool learned = on && on->type == CD_NODE_SCALAR && (!strcasecmp(on->str, "above_normal") ||
							!strcasecmp(on->str, "below_normal"));
	if (!on || (!v[SYM_VALUE] && !learned)) {
		ERR(p, n, "a %s symptom needs op and value%s", type, s->type == CD_SYM_METRIC
		    ? " (or op: above_normal or below_normal, a band learned from its history)" : "");
		return false;
	}
	if (learned && s->type != CD_SYM_METRIC) {
		ERR(p, on, "op: %s is for a metric symptom only (the band of one object's own history), "
		    "not a %s one", on->str, type);
		return false;
	}
	int i;
	if (cd_yr_enum(p, on, "op", op_words, s->type == CD_SYM_METRIC ? CD_ARRAY_LEN(op_words)
		       : FIXED_OPS, &i))
		s->op = (enum cd_aop)i;
	else
		*ok = false;           /* its value checked all the same */
	if (!learned) {
		*ok &= number(p, v[SYM_VALUE], "value", &s->value);
		if (v[SYM_SIGMAS]) {
			ERR(p, v[SYM_SIGMAS], "sigmas: only op above_normal or below_normal takes them");
			*ok = false;
		}
		return true;
	}
	if (v[SYM_VALUE]) {
		ERR(p, v[SYM_VALUE], "value: op %s compares to the band learned from the object's own "
		    "history, not to a value (sigmas: how wide the band is)", op_words[s->op]);
		*ok = false;
	}
	s->sigmas = CD_BAND_SIGMAS;
	if (v[SYM_SIGMAS] && !number(p, v[SYM_SIGMAS], "sigmas", &s->sigmas)) {
		*ok = false;
	} else if (v[SYM_SIGMAS] && (s->sigmas < SIGMAS_MIN || s->sigmas > SIGMAS_MAX)) {
		ERR(p, v[SYM_SIGMAS], "sigmas must be from %g to %g, not %s", SIGMAS_MIN, SIGMAS_MAX,
		    v[SYM_SIGMAS]->str);
		*ok = false;
	}
	const struct cd_metric *m = s->metric ? cd_catalog_find(s->metric) : NULL;
	if (m && !strcmp(m->unit, "state")) {
		ERR(p, on, "op: %s is a code, not an amount: it has no normal band", m->name);
		*ok = false;
	}
	return true;
}

static bool parse_symptom(struct cd_yread *p, const struct cd_node *n, const struct cd_adef *def,
			  struct cd_asymptom *s)
{
	const struct cd_node *v[SYM_NKEYS];
	if (!cd_yr_map(p, n, "symptom", sym_keys, SYM_NKEYS, v))
		return false;
	memset(s, 0, sizeof(*s));
	s->wait_cycles = s->cancel_cycles = 1;
	/* the type: population (with its metric), capacity, state, else metric */
	int count = (v[SYM_POPULATION] != NULL) + (v[SYM_CAPACITY] != NULL) + (v[SYM_STATE] != NULL);
	int which = v[SYM_POPULATION] ? CD_SYM_POPULATION : v[SYM_CAPACITY] ? CD_SYM_CAPACITY
		  : v[SYM_STATE] ? CD_SYM_STATE : CD_SYM_METRIC;
	if (v[SYM_METRIC] && !v[SYM_POPULATION])
		count++;
	if (count != 1) {
		ERR(p, n, "a symptom has one of metric, population, capacity or state (%s)",
		    count ? "not several" : "none given");
		return false;
	}
	bool ok = true;
	int i;
	s->type = (enum cd_asym)which;
	const char *kind = cd_akind_name(def->kind);
	if (s->type == CD_SYM_METRIC || s->type == CD_SYM_POPULATION) {
		if (s->type == CD_SYM_POPULATION) {
			static const char *const rel[] = { "vms", "hosts" };
			if (!cd_yr_enum(p, v[SYM_POPULATION], "population", rel, 2, &i))
				return false;
			s->related = i ? CD_AK_HOST : CD_AK_VM;
			bool fits = i ? def->kind == CD_AK_SOURCE
				      : def->kind == CD_AK_HOST || def->kind == CD_AK_DATASTORE;
			if (!fits) {
				ERR(p, v[SYM_POPULATION], "population: a %s has no related %s (vms: of a host "
				    "or datastore; hosts: of a source)", kind, v[SYM_POPULATION]->str);
				return false;
			}
			if (!v[SYM_METRIC]) {
				ERR(p, n, "a population symptom needs the metric of its %s", v[SYM_POPULATION]->str);
				return false;
			}
		}
		const struct cd_node *mn = v[SYM_METRIC];
		if (!cd_yr_want_scalar(p, mn, "metric"))
			return false;
		const struct cd_metric *m = cd_catalog_find(mn->str);
		const char *want = s->type == CD_SYM_POPULATION ? cd_akind_name(s->related) : kind;
		if (!m) {
			ERR(p, mn, "metric: unknown metric \"%s\" (GET /api/v1/metrics/catalog lists them)",
			    mn->str);
			ok = false;
		} else if (strcmp(m->kind, want)) {
			ERR(p, mn, "metric: %s is a metric of a %s, not of a %s", m->name, m->kind, want);
			ok = false;
		} else {
			s->metric = m->name;
		}
	} else if (v[SYM_METRIC]) {
		ERR(p, v[SYM_METRIC], "metric: only metric and population symptoms have one");
		ok = false;
	}
	if (s->type == CD_SYM_CAPACITY) {
		static const char *const cap[] = { "days_left" };
		if (!cd_yr_enum(p, v[SYM_CAPACITY], "capacity", cap, 1, &i))
			return false;
		if (def->kind != CD_AK_DATASTORE) {
			ERR(p, v[SYM_CAPACITY], "capacity: only a datastore has days left, not a %s", kind);
			return false;
		}
		s->window_ms = 7 * 86400000LL;
		if (v[SYM_WINDOW])
			ok &= duration(p, v[SYM_WINDOW], "window", 365 * 86400000LL, &s->window_ms);
		if (ok && s->window_ms < 3600000) {
			ERR(p, v[SYM_WINDOW], "window must be 1h or more");
			ok = false;
		}
	} else if (v[SYM_WINDOW]) {
		ERR(p, v[SYM_WINDOW], "window: only a capacity symptom has one");
		ok = false;
	}
	if (s->type == CD_SYM_STATE) {
		if (!cd_yr_enum(p, v[SYM_STATE], "state", state_words, CD_ST_N, &i))
			return false;
		s->state = (enum cd_astate)i;
		if (state_kind[i] != def->kind) {
			ERR(p, v[SYM_STATE], "state: %s is a state of a %s, not of a %s", state_words[i],
			    cd_akind_name(state_kind[i]), kind);
			return false;
		}
		s->seconds = state_seconds[i];
		uint32_t sec;
		if (v[SYM_SECONDS]) {
			if (!state_seconds[i]) {
				ERR(p, v[SYM_SECONDS], "seconds: %s takes none", state_words[i]);
				ok = false;
			} else if (cd_yr_uint(p, v[SYM_SECONDS], "seconds", 1,
					      s->state == CD_ST_DETECTION ? 86400 : 31536000, &sec)) {
				s->seconds = sec;
			} else {
				ok = false;
			}
		}
		if (v[SYM_OP] || v[SYM_VALUE] || v[SYM_SIGMAS]) {
			ERR(p, v[SYM_OP] ? v[SYM_OP] : v[SYM_VALUE] ? v[SYM_VALUE] : v[SYM_SIGMAS],
			    "a state symptom has no op, value nor sigmas");
			ok = false;
		}
	} else {
		if (v[SYM_SECONDS]) {
			ERR(p, v[SYM_SECONDS], "seconds: only a state symptom has them");
			ok = false;
		}
		if (!parse_op(p, n, v, s, &ok))
			return false;
	}
	if (s->type == CD_SYM_POPULATION) {
		const struct cd_node *sh = v[SYM_SHARE];
		if (!sh) {
			ERR(p, n, "a population symptom needs share: \"N%%\" (more than N%% of them) or N (at least N)");
			return false;
		}
		if (!cd_yr_want_scalar(p, sh, "share"))
			return false;
		char *e;
		double x = strtod(sh->str, &e);
		s->percent = *e == '%';
		if (e == sh->str || (*e && strcmp(e, "%")) || !isfinite(x) || x < 0 ||
		    (s->percent && x >= 100) || (!s->percent && (x < 1 || x != floor(x)))) {
			ERR(p, sh, "share must be \"N%%\" with 0 <= N < 100, or a whole number N >= 1, not \"%s\"",
			    sh->str);
			ok = false;
		}
		s->share = x;
	} else if (v[SYM_SHARE]) {
		ERR(p, v[SYM_SHARE], "share: only a population symptom has one");
		ok = false;
	}
	if (v[SYM_WAIT])
		ok &= cd_yr_uint(p, v[SYM_WAIT], "wait_cycles", 1, CD_ADEF_MAX_CYCLES, &s->wait_cycles);
	if (v[SYM_CANCEL])
		ok &= cd_yr_uint(p, v[SYM_CANCEL], "cancel_cycles", 1, CD_ADEF_MAX_CYCLES,
				 &s->cancel_cycles);
	if (!ok)
		return false;
	if (v[SYM_NAME]) {
		s->label = cd_yr_str(p, v[SYM_NAME], "name");
		return s->label != NULL;
	}
	char num[32];
	snprintf(num, sizeof(num), "%g", s->value);
	switch (s->type) {
	case CD_SYM_METRIC:
		if (cd_aop_learned(s->op))
			s->label = cd_asprintf("%s %s normal (%g sigmas)", s->metric,
					       s->op == CD_AOP_ABOVE_NORMAL ? "above" : "below", s->sigmas);
		else
			s->label = cd_asprintf("%s %s %s", s->metric, op_words[s->op], num);
		break;
	case CD_SYM_POPULATION:
		s->label = cd_asprintf("%s %g%s of its %s with %s %s %s", s->percent ? "more than" : "at least",
				       s->share, s->percent ? "%" : "", s->related == CD_AK_VM ? "VMs" : "hosts",
				       s->metric, op_words[s->op], num);
		break;
	case CD_SYM_CAPACITY:
		s->label = cd_asprintf("days left %s %s (used bytes over %lld d)", op_words[s->op], num,
				       (long long)(s->window_ms / 86400000));
		break;
	case CD_SYM_STATE:
		s->label = s->seconds ? cd_asprintf("%s (%lld s)", state_words[s->state], (long long)s->seconds)
				      : cd_strdup(state_words[s->state]);
		break;
	}
	return true;
}

static bool parse_rec(struct cd_yread *p, const struct cd_node *n, const struct cd_adef *def,
		      struct cd_arec *r)
{
	const struct cd_node *v[REC_NKEYS];
	if (!cd_yr_map(p, n, "recommendation", rec_keys, REC_NKEYS, v))
		return false;
	if (!v[REC_TEXT]) {
		ERR(p, n, "a recommendation needs its text");
		return false;
	}
	if (!(r->text = cd_yr_str(p, v[REC_TEXT], "text")))
		return false;
	int a;
	if (v[REC_ACTION]) {
		if (!cd_yr_enum(p, v[REC_ACTION], "action", action_words, 3, &a))
			return false;
		r->action = (enum cd_aaction)(a + 1);
		if (def->kind != CD_AK_VM) {
			ERR(p, v[REC_ACTION], "action: cordon runs actions on VMs, not on a %s",
			    cd_akind_name(def->kind));
			return false;
		}
	}
	if ((r->action == CD_ACT_TAG) != (v[REC_TAG] != NULL)) {
		ERR(p, v[REC_TAG] ? v[REC_TAG] : n, "tag: %s", v[REC_TAG] ? "only the tag action has one"
			: "the tag action needs the tag to set");
		return false;
	}
	if (v[REC_TAG] && !(r->tag = cd_yr_str(p, v[REC_TAG], "tag")))
		return false;
	return true;
}

static bool valid_name(struct cd_yread *p, const struct cd_node *n, const char *what)
{
	if (!cd_yr_want_scalar(p, n, what))
		return false;
	for (const char *c = n->str; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
		    *c != '-' && *c != '_' && *c != '.') {
			ERR(p, n, "%s: letters, digits, '-', '_' and '.' only, not \"%s\"", what, n->str);
			return false;
		}
	if (n->len > 128) {
		ERR(p, n, "%s is longer than 128 bytes", what);
		return false;
	}
	return true;
}

static bool parse_def(struct cd_yread *p, const struct cd_node *n, const struct cd_adefs *a,
		      struct cd_adef *d)
{
	const struct cd_node *v[DEF_NKEYS];
	if (!cd_yr_map(p, n, "definition", def_keys, DEF_NKEYS, v))
		return false;
	if (!v[DEF_NAME] || !v[DEF_OBJECT] || !v[DEF_SEVERITY] || !v[DEF_SYMPTOMS]) {
		ERR(p, n, "a definition needs %s", !v[DEF_NAME] ? "its name" : !v[DEF_OBJECT]
			? "object: vm, host, datastore or source" : !v[DEF_SEVERITY]
			? "severity: info, warning, immediate or critical" : "symptoms");
		return false;
	}
	if (!valid_name(p, v[DEF_NAME], "name"))
		return false;
	d->name = cd_strdup(v[DEF_NAME]->str);
	d->enabled = true;
	int i;
	bool ok = true;
	if (cd_yr_enum(p, v[DEF_OBJECT], "object", kind_words, CD_AK_N, &i))
		d->kind = (enum cd_akind)i;
	else
		return false;
	if (cd_yr_enum(p, v[DEF_SEVERITY], "severity", sev_words, CD_AS_N, &i))
		d->severity = (enum cd_asev)i;
	else
		ok = false;
	if (v[DEF_WHEN] && cd_yr_enum(p, v[DEF_WHEN], "when", when_words, 2, &i))
		d->all = i == 1;
	else if (v[DEF_WHEN])
		ok = false;
	if (v[DEF_ENABLED])
		ok &= cd_yr_bool(p, v[DEF_ENABLED], "enabled", &d->enabled);
	if (v[DEF_DESCRIPTION] && !(d->description = cd_yr_str(p, v[DEF_DESCRIPTION], "description")))
		ok = false;
	const struct cd_node *sn = v[DEF_SYMPTOMS];
	if (!cd_yr_want_list(p, sn, "symptoms"))
		return false;
	if (sn->nkids == 0 || sn->nkids > CD_ADEF_MAX_SYMPTOMS) {
		ERR(p, sn, "symptoms: from 1 to %d", CD_ADEF_MAX_SYMPTOMS);
		return false;
	}
	for (size_t k = 0; k < sn->nkids; k++) {
		if (parse_symptom(p, sn->kids[k], d, &d->sym[d->nsym]))
			d->nsym++;
		else
			ok = false;
	}
	const struct cd_node *rn = v[DEF_RECOMMENDATIONS];
	if (rn && cd_yr_want_list(p, rn, "recommendations")) {
		if (rn->nkids > CD_ADEF_MAX_RECS) {
			ERR(p, rn, "recommendations: %d at most", CD_ADEF_MAX_RECS);
			ok = false;
		}
		for (size_t k = 0; k < rn->nkids && k < CD_ADEF_MAX_RECS; k++) {
			if (parse_rec(p, rn->kids[k], d, &d->rec[d->nrec])) {
				d->nrec++;
			} else {
				free(d->rec[d->nrec].text);
				free(d->rec[d->nrec].tag);
				d->rec[d->nrec] = (struct cd_arec){ 0 };
				ok = false;
			}
		}
	} else if (rn) {
		ok = false;
	}
	if (v[DEF_NOTIFY]) {
		struct cd_loc *locs = NULL;
		ok &= cd_yr_strv(p, v[DEF_NOTIFY], "notify", &d->notify, &d->nnotify, &locs);
		for (size_t k = 0; k < d->nnotify; k++) {
			size_t r;
			for (r = 0; r < a->nrecv && !same(a->recv[r].name, d->notify[k]); r++)
				;
			if (r == a->nrecv) {
				cd_error(p->d, locs[k], "notify: no receiver is named \"%s\"", d->notify[k]);
				ok = false;
			}
		}
		free(locs);
	}
	return ok;
}

static bool parse_recv(struct cd_yread *p, const struct cd_node *n, struct cd_areceiver *r)
{
	const struct cd_node *v[RECV_NKEYS];
	if (!cd_yr_map(p, n, "receiver", recv_keys, RECV_NKEYS, v))
		return false;
	if (!v[RECV_NAME]) {
		ERR(p, n, "a receiver needs its name");
		return false;
	}
	if (!valid_name(p, v[RECV_NAME], "name"))
		return false;
	if (!v[RECV_ALERTMANAGER] == !v[RECV_WEBHOOK]) {
		ERR(p, n, "a receiver has one of alertmanager (its URL) or webhook (a URL)");
		return false;
	}
	r->name = cd_strdup(v[RECV_NAME]->str);
	if (v[RECV_ALERTMANAGER])
		return url(p, v[RECV_ALERTMANAGER], "alertmanager", &r->alertmanager);
	return url(p, v[RECV_WEBHOOK], "webhook", &r->webhook);
}

static int parse_doc(struct cd_yread *p, const struct cd_node *root, struct cd_adefs *a)
{
	const struct cd_node *v[DOC_NKEYS];
	if (!cd_yr_map(p, root, "the alert definitions", doc_keys, DOC_NKEYS, v))
		return -EINVAL;
	bool ok = true;
	const struct cd_node *rn = v[DOC_RECEIVERS];
	if (rn && cd_yr_want_list(p, rn, "receivers")) {
		if (rn->nkids > CD_ADEF_MAX_RECEIVERS) {
			ERR(p, rn, "receivers: %d at most", CD_ADEF_MAX_RECEIVERS);
			return -EINVAL;
		}
		a->recv = cd_calloc(rn->nkids ? rn->nkids : 1, sizeof(*a->recv));
		for (size_t k = 0; k < rn->nkids; k++) {
			struct cd_areceiver r = { 0 };
			bool good = parse_recv(p, rn->kids[k], &r);
			for (size_t j = 0; good && j < a->nrecv; j++)
				if (same(a->recv[j].name, r.name)) {
					ERR(p, rn->kids[k], "receiver \"%s\" is defined twice", r.name);
					good = false;
				}
			a->recv[a->nrecv++] = r;    /* freed with the rest on error */
			ok &= good;
		}
	} else if (rn) {
		ok = false;
	}
	const struct cd_node *dn = v[DOC_DEFINITIONS];
	if (dn && !cd_yr_want_list(p, dn, "definitions"))
		return -EINVAL;
	size_t have = a->n, extra = dn ? dn->nkids : 0;
	if (have + extra > CD_ADEF_MAX_DEFS) {
		ERR(p, dn, "definitions: %d at most, built-in ones included", CD_ADEF_MAX_DEFS);
		return -EINVAL;
	}
	a->v = cd_realloc(a->v, (have + extra + 1) * sizeof(*a->v));
	for (size_t k = 0; k < extra; k++) {
		struct cd_adef d = { 0 };
		if (!parse_def(p, dn->kids[k], a, &d)) {
			ok = false;
			a->v[a->n++] = d;          /* freed with the rest */
			continue;
		}
		size_t j;
		for (j = have; j < a->n && !same(a->v[j].name, d.name); j++)
			;
		if (j < a->n) {
			ERR(p, dn->kids[k], "definition \"%s\" is defined twice", d.name);
			ok = false;
			a->v[a->n++] = d;
			continue;
		}
		for (j = 0; j < have && !same(a->v[j].name, d.name); j++)
			;
		if (j < have) {                    /* replaces the built-in one */
			cd_adef_free(&a->v[j]);
			a->v[j] = d;
		} else {
			a->v[a->n++] = d;
		}
	}
	return ok ? 0 : -EINVAL;
}

int cd_adefs_builtin(struct cd_adefs *out)
{
	struct cd_diags d;
	cd_diags_init(&d);
	memset(out, 0, sizeof(*out));
	const char *doc = cd_adefs_builtin_doc();
	struct cd_node *root = NULL;
	struct cd_yread p = { .d = &d };
	int r = cd_yaml_load("(built-in)", doc, strlen(doc), &root, &d);
	if (r == 0)
		r = parse_doc(&p, root, out);
	cd_node_free(root);
	if (r == 0 && cd_nerrors(&d))
		r = -EINVAL;
	if (r < 0) {
		cd_diags_print(&d, stderr);     /* a defect of cordon's: tests catch it */
		cd_adefs_free(out);
	}
	for (size_t i = 0; i < out->n; i++)
		out->v[i].builtin = true;
	cd_diags_free(&d);
	return r;
}

int cd_adefs_parse(const char *file, const char *doc, size_t len, struct cd_adefs *out,
		   struct cd_diags *d)
{
	memset(out, 0, sizeof(*out));
	if (len > CD_ADEF_DOC_MAX) {
		cd_error(d, (struct cd_loc){ file, 0, 0 }, "the alert definitions are larger than %u bytes",
			 CD_ADEF_DOC_MAX);
		return -EINVAL;
	}
	int r = cd_adefs_builtin(out);
	if (r < 0)
		return r;
	struct cd_node *root = NULL;
	struct cd_yread p = { .d = d, .errors = cd_nerrors(d) };
	r = cd_yaml_load(file, doc, len, &root, d);
	if (r == 0 && !cd_node_is_null(root))
		r = parse_doc(&p, root, out);
	cd_node_free(root);
	if (r == 0 && cd_nerrors(d) > p.errors)
		r = -EINVAL;
	if (r < 0)
		cd_adefs_free(out);
	return r;
}
