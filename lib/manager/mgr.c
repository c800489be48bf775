/* mgr.c - the manager's state and operations (see mgr.h). */
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

#define logf_ cd_mgr_logf
void cd_mgr_logf(struct cd_mgr *m, const char *fmt, ...)
{
	if (!m->log)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	m->log(line);
}

/* ---- the effective inventory ---- */

/* A workload of the model as the inventory document writes it. */
static json_t *wl_json(const struct cd_workload *w, const char *source)
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
static json_t *effective(const struct cd_mgr *m, json_t *w)
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
static char *inventory_doc(const struct cd_mgr *m, json_t *sources)
{
	json_t *all = json_array(), *s, *w;
	size_t i, k;
	json_array_foreach(sources, i, s)
		json_array_foreach(json_object_get(s, "workloads"), k, w)
			json_array_append_new(all, effective(m, w));
	json_t *doc = json_pack("{s:o}", "workloads", all);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static const char *policy_text(const struct cd_mgr *m)
{
	return m->pol.doc ? m->pol.doc : "{}";
}

/* Build a world from an inventory document and a policy text. */
static int build(struct cd_state **stp, const char *inv, const char *pol_name,
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

static void state_drop(struct cd_state *st)
{
	if (st) {
		cd_state_free(st);
		free(st);
	}
}

/* Errors of a merged inventory document have no place in the user's file:
 * drop their location and say what they are about. */
static void unplace(struct cd_diags *d, const char *about)
{
	for (size_t k = 0; k < d->n; k++) {
		d->v[k].loc.file = NULL;
		char *msg = cd_asprintf("%s: %s", about, d->v[k].msg);
		free(d->v[k].msg);
		d->v[k].msg = msg;
	}
}

/* Make the world current: the state, the stale document, the heartbeat. */
static void install(struct cd_mgr *m, struct cd_state *st, char *inv_doc)
{
	state_drop(m->st);
	m->st = st;
	free(m->inv_doc);
	m->inv_doc = inv_doc;
	m->heartbeat_s = (int)m->st->pol.am.heartbeat_seconds;
}

const char *cd_mgr_inventory(struct cd_mgr *m)
{
	if (!m->inv_doc)
		m->inv_doc = inventory_doc(m, m->sources);
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
static void reset_stream(struct cd_mgr *m)
{
	for (size_t i = 0; i < m->ndeltas; i++)
		free(m->deltas[(m->head + i) % CD_MGR_DELTAS].body);
	m->ndeltas = m->head = 0;
	m->base = m->seq;
}

/* Take the next sequence number inside the current transaction. */
int cd_mgr_next_seq(struct cd_mgr *m)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)(m->seq + 1));
	return cd_store_meta_set(m->store, "seq", v);
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
		json_object_set_new(snap, "policy", json_string(policy_text(m)));
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
	free(dj);
	if (a)
		logf_(m, "event %s: %s (by %s from %s)", type, msg, a->name,
		      a->origin ? a->origin : "-");
	else
		logf_(m, "event %s: %s", type, msg);
	return r;
}

/* ---- loading ---- */

static int load_agent(void *ctx, const struct cd_agent_rec *a);

static int load_source(void *ctx, const char *name, const char *kind,
		       const char *config, const char *workloads, int64_t updated)
{
	struct cd_mgr *m = ctx;
	json_t *w = json_loads(workloads, 0, NULL);
	if (!json_is_array(w)) {
		json_decref(w);
		return -EIO;
	}
	json_t *s = json_pack("{s:s, s:s, s:o, s:I}", "name", name, "kind", kind, "workloads", w,
			      "updated", (json_int_t)updated);
	if (config)
		json_object_set_new(s, "config", json_loads(config, 0, NULL));
	json_array_append_new(m->sources, s);
	return 0;
}

static void layer_set(struct cd_mgr *m, const char *wl, const char *tag, bool add)
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

static void layer_del(struct cd_mgr *m, const char *wl, const char *tag)
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

static int load_tag(void *ctx, const char *wl, const char *tag, bool add)
{
	layer_set(ctx, wl, tag, add);
	return 0;
}

int cd_mgr_open(struct cd_mgr *m, struct cd_store *s, struct cd_buf *err)
{
	void (*log)(const char *) = m->log;
	struct cd_mgr_hooks hooks = m->hooks;
	struct cd_mgr_limits limits = m->limits;
	memset(m, 0, sizeof(*m));
	m->log = log;
	m->hooks = hooks;
	m->limits = limits;
	cd_mgr_limits_fill(&m->limits);
	m->store = s;
	m->sources = json_array();
	m->tags = json_object();
	m->deltas = cd_calloc(CD_MGR_DELTAS, sizeof(*m->deltas));
	char *v = NULL;
	int r = cd_store_meta_get(s, "seq", &v);
	if (r == 0)
		m->seq = strtoll(v, NULL, 10);
	free(v);
	if (r < 0 && r != -ENOENT)
		goto fail;
	if ((r = cd_store_source_each(s, load_source, m)) < 0 ||
	    (r = cd_store_tag_each(s, load_tag, m)) < 0)
		goto fail;
	r = cd_store_rev_get(s, 0, &m->pol);
	if (r < 0 && r != -ENOENT)
		goto fail;
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_state *st;
	char *inv = inventory_doc(m, m->sources);
	const char *pol = policy_text(m);
	r = build(&st, inv, "policy", pol, strlen(pol), &d);
	if (r < 0) {
		cd_buf_printf(err, "the stored state does not load: %s",
			      d.n ? d.v[0].msg : "unknown error");
		cd_diags_free(&d);
		state_drop(st);
		free(inv);
		return -EIO;
	}
	cd_diags_free(&d);
	install(m, st, inv);
	m->base = m->seq;   /* agents take a snapshot after a restart */
	if ((r = cd_store_agent_each(s, load_agent, m)) < 0)
		goto fail;
	return 0;
fail:
	cd_buf_printf(err, "reading the store: %s", r == -EIO ? cd_store_error(s) : strerror(-r));
	return r;
}

void cd_mgr_close(struct cd_mgr *m)
{
	reset_stream(m);
	free(m->deltas);
	json_decref(m->sources);
	json_decref(m->tags);
	cd_revision_free(&m->pol);
	state_drop(m->st);
	free(m->inv_doc);
	cd_blob_unref(m->snap);
	for (size_t i = 0; i < m->nagents; i++)
		cd_agent_rec_free(&m->agents[i].rec);
	free(m->agents);
	memset(m, 0, sizeof(*m));
}

/* ---- changes ---- */

/* Commit a store transaction that took the next number; then the change
 * is everyone's. */
int cd_mgr_finish(struct cd_mgr *m, int r)
{
	if (r == 0)
		r = cd_store_commit(m->store);
	if (r < 0) {
		cd_store_rollback(m->store);
		return r;
	}
	m->seq++;
	cd_blob_unref(m->snap);     /* the snapshot is of an older state now */
	m->snap = NULL;
	return 0;
}

int cd_mgr_push_inventory(struct cd_mgr *m, const char *source, const char *name,
			  const char *text, size_t len, const struct cd_actor *a,
			  struct cd_diags *d, size_t *count)
{
	/* the document alone: errors located in it */
	struct cd_state one;
	memset(&one, 0, sizeof(one));
	int r = cd_state_parse(&one, name, text, len, "policy", "{}", 2, d);
	if (r < 0) {
		cd_state_free(&one);
		return -EINVAL;
	}
	int64_t now = cd_mgr_now();
	json_t *ws = json_array();
	for (size_t i = 0; i < one.inv.n; i++)
		json_array_append_new(ws, wl_json(&one.inv.w[i], source));
	*count = one.inv.n;
	cd_state_free(&one);

	/* with the other sources and the policy */
	json_t *sources = json_array(), *s;
	size_t i;
	bool placed = false;
	json_array_foreach(m->sources, i, s) {
		int c = strcmp(json_string_value(json_object_get(s, "name")), source);
		if (c > 0 && !placed) {
			json_array_append_new(sources, json_pack("{s:s, s:s, s:O, s:I}", "name", source,
								 "kind", "static", "workloads", ws,
								 "updated", (json_int_t)now));
			placed = true;
		}
		if (c != 0)
			json_array_append(sources, s);
	}
	if (!placed)
		json_array_append_new(sources, json_pack("{s:s, s:s, s:O, s:I}", "name", source,
							 "kind", "static", "workloads", ws,
							 "updated", (json_int_t)now));
	char *inv = inventory_doc(m, sources);
	struct cd_state *st;
	const char *pol = policy_text(m);
	r = build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		unplace(d, "with the other sources and the policy");
		r = -EINVAL;
		goto out;
	}
	char *wtext = json_dumps(ws, JSON_COMPACT);
	r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_source_put(m->store, source, "static", NULL, wtext, now);
	if (r == 0)
		r = cd_mgr_next_seq(m);
	if (r == 0)
		r = cd_mgr_event(m, "inventory", NULL, NULL, a,
				 json_pack("{s:s, s:i}", "source", source, "workloads", (json_int_t)*count),
				 "inventory of source %s replaced: %zu workloads", source, *count);
	free(wtext);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		state_drop(st);
		free(inv);
		goto out;
	}
	json_decref(m->sources);
	m->sources = sources;
	sources = NULL;
	install(m, st, inv);
	reset_stream(m);
out:
	json_decref(sources);
	json_decref(ws);
	return r;
}

static int set_policy(struct cd_mgr *m, const char *name, const char *text, size_t len,
		      const char *comment, const struct cd_actor *a, struct cd_diags *d,
		      int64_t *rev)
{
	struct cd_state *st;
	int r = build(&st, cd_mgr_inventory(m), name, text, len, d);
	if (r < 0) {
		state_drop(st);
		return -EINVAL;
	}
	char *doc = cd_strndup(text, len);
	int64_t now = cd_mgr_now();
	r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_rev_add(m->store, doc, a ? a->name : NULL, comment, now, rev);
	if (r == 0)
		r = cd_mgr_next_seq(m);
	if (r == 0)
		r = cd_mgr_event(m, "policy", NULL, NULL, a, json_pack("{s:I}", "revision", (json_int_t)*rev),
				 "policy revision %lld: %s", (long long)*rev, comment);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		free(doc);
		state_drop(st);
		return r;
	}
	cd_revision_free(&m->pol);
	m->pol = (struct cd_revision){ .rev = *rev, .time = now, .doc = doc,
				       .author = cd_strdup(a ? a->name : "-"),
				       .comment = cd_strdup(comment) };
	install(m, st, cd_strdup(cd_mgr_inventory(m)));
	reset_stream(m);
	return 0;
}

int cd_mgr_push_policy(struct cd_mgr *m, const char *name, const char *text,
		       size_t len, const struct cd_actor *a, struct cd_diags *d,
		       int64_t *rev)
{
	return set_policy(m, name, text, len, "pushed", a, d, rev);
}

int cd_mgr_rollback(struct cd_mgr *m, int64_t rev, const struct cd_actor *a,
		    struct cd_diags *d, int64_t *newrev)
{
	struct cd_revision old = { 0 };
	int r = cd_store_rev_get(m->store, rev, &old);
	if (r < 0)
		return r;
	char comment[64], name[64];
	snprintf(comment, sizeof(comment), "rollback to revision %lld", (long long)rev);
	snprintf(name, sizeof(name), "revision %lld", (long long)rev);
	r = set_policy(m, name, old.doc, strlen(old.doc), comment, a, d, newrev);
	cd_revision_free(&old);
	return r;
}

/* The source object of a workload id. */
static json_t *source_get(const struct cd_mgr *m, const char *name)
{
	json_t *s;
	size_t i;
	json_array_foreach(m->sources, i, s)
		if (name && !strcmp(json_string_value(json_object_get(s, "name")), name))
			return s;
	return NULL;
}

static bool connected(const json_t *s)
{
	return s && strcmp(json_string_value(json_object_get(s, "kind")), "static") != 0;
}

static json_t *source_wl(const struct cd_mgr *m, const char *id)
{
	json_t *s, *w;
	size_t i, k;
	json_array_foreach(m->sources, i, s)
		json_array_foreach(json_object_get(s, "workloads"), k, w)
			if (!strcmp(json_string_value(json_object_get(w, "id")), id))
				return w;
	return NULL;
}

static bool tag_ok(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > 256)
		return false;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		if (*p < ' ' || *p == 127)
			return false;
	return true;
}

/* Add or remove a tag; the event is of type evtype, with message msg
 * (NULL: the tag change said plainly). */
int cd_mgr_set_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
		   const struct cd_actor *a, const char *evtype, const char *msg, json_t *data)
{
	long w = cd_inventory_find(&m->st->inv, workload);
	if (!tag_ok(tag) || w < 0) {
		json_decref(data);
		return w < 0 ? -ENOENT : -EINVAL;
	}
	struct cd_workload *wl = &m->st->inv.w[w];
	if (cd_workload_has_tag(wl, tag) == add) {
		json_decref(data);
		return 0;
	}
	/* in the source's own tags? */
	bool in_source = false;
	json_t *sw = source_wl(m, wl->id), *t;
	size_t i;
	json_array_foreach(json_object_get(sw, "tags"), i, t)
		in_source |= !strcasecmp(json_string_value(t), tag);
	/* the new tag list */
	const char **tags = cd_calloc(wl->ntags + 1, sizeof(char *));
	size_t n = 0;
	for (size_t k = 0; k < wl->ntags; k++)
		if (add || strcasecmp(wl->tags[k], tag))
			tags[n++] = wl->tags[k];
	if (add)
		tags[n++] = tag;
	json_t *jt = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(jt, json_string(tags[k]));
	json_t *body = json_pack("{s:I, s:s, s:s, s:O}", "seq", (json_int_t)(m->seq + 1),
				 "workload", wl->name, "id", wl->id, "tags", jt);
	int r = cd_store_begin(m->store);
	bool drop = add == in_source;   /* the layer entry only undoes itself */
	if (r == 0)
		r = drop ? cd_store_tag_del(m->store, wl->id, tag)
			 : cd_store_tag_put(m->store, wl->id, tag, add);
	if (r == 0)
		r = cd_mgr_next_seq(m);
	const char *qtag = m->st->pol.am.quarantine_tag;
	if (r == 0 && qtag && !strcasecmp(tag, qtag)) {
		char why[600];
		snprintf(why, sizeof(why), "tag %s added by %s", tag, a ? a->name : "cordond");
		r = add ? cd_store_quarantine_put(m->store, wl->name, cd_mgr_now(), msg ? msg : why)
			: cd_store_quarantine_del(m->store, wl->name);
	}
	if (r == 0)
		r = msg ? cd_mgr_event(m, evtype, wl->name, wl->host, a, data, "%s", msg)
			: cd_mgr_event(m, evtype, wl->name, wl->host, a,
				       json_pack("{s:s, s:s}", add ? "added" : "removed", tag, "workload", wl->name),
				       "tag %s %s workload %s", tag, add ? "added to" : "removed from", wl->name);
	else
		json_decref(data);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		free(tags);
		json_decref(body);
		json_decref(jt);
		return r;
	}
	if (drop)
		layer_del(m, wl->id, tag);
	else
		layer_set(m, wl->id, tag, add);
	if (m->hooks.tags && connected(source_get(m, wl->source))) {
		bool q = false;
		for (size_t k = 0; k < n && qtag; k++)
			q |= !strcasecmp(tags[k], qtag);
		m->hooks.tags(m->hooks.ctx, wl->source, wl->id, tag, add, q);
	}
	json_decref(jt);
	struct cd_delta delta = { 0 };
	cd_members_set_tags(&m->st->mem, (size_t)w, tags, n, &delta);
	cd_delta_free(&delta);
	free(tags);
	free(m->inv_doc);
	m->inv_doc = NULL;
	cd_mgr_delta_push(m, json_dumps(body, JSON_COMPACT));
	json_decref(body);
	return 1;
}

int cd_mgr_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
	       const struct cd_actor *a)
{
	return cd_mgr_set_tag(m, workload, tag, add, a, "tag", NULL, NULL);
}

static json_t *scan_json(const struct cd_scan_req *q)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)q->id, "workload", q->workload,
			      "kind", q->kind, "state", q->state);
	if (q->result)
		json_object_set_new(o, "progress", json_loads(q->result, 0, NULL));
	return o;
}

static int scan_row(void *ctx, const struct cd_scan_req *q)
{
	json_array_append_new(ctx, scan_json(q));
	return 0;
}

json_t *cd_mgr_scans_pending(struct cd_mgr *m, const char *workload)
{
	json_t *a = json_array();
	cd_store_scan_pending(m->store, workload, scan_row, a);
	return a;
}

int cd_mgr_source_rm(struct cd_mgr *m, const char *source, const struct cd_actor *a,
		     struct cd_diags *d)
{
	json_t *sources = json_array(), *s;
	size_t i, n = 0;
	bool found = false;
	json_array_foreach(m->sources, i, s) {
		if (strcmp(json_string_value(json_object_get(s, "name")), source))
			json_array_append(sources, s);
		else {
			found = true;
			n = json_array_size(json_object_get(s, "workloads"));
		}
	}
	if (!found) {
		json_decref(sources);
		return -ENOENT;
	}
	char *inv = inventory_doc(m, sources);
	struct cd_state *st;
	const char *pol = policy_text(m);
	int r = build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		char *what = cd_asprintf("without source %s", source);
		unplace(d, what);
		free(what);
		free(inv);
		json_decref(sources);
		return -EINVAL;
	}
	r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_source_del(m->store, source);
	if (r == 0)
		r = cd_mgr_next_seq(m);
	if (r == 0)
		r = cd_mgr_event(m, "inventory", NULL, NULL, a, json_pack("{s:s}", "source", source),
				 "source %s removed with its %zu workloads", source, n);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		state_drop(st);
		free(inv);
		json_decref(sources);
		return r;
	}
	json_decref(m->sources);
	m->sources = sources;
	install(m, st, inv);
	reset_stream(m);
	if (m->hooks.source)
		m->hooks.source(m->hooks.ctx, source, NULL, NULL);
	return 0;
}

/* What a source's configuration says about where it is (never a secret). */
/* Where a source is, as anyone who reads the sources or the events may
 * see it: a libvirt URI without its user and parameters; a vCenter's URL
 * (it holds no credentials: the API refuses them).  Caller frees. */
static char *cfg_endpoint(const json_t *c)
{
	const char *e = json_string_value(json_object_get(c, "uri"));
	if (e)
		return cd_virt_uri_public(e);
	e = json_string_value(json_object_get(c, "url"));
	return e ? cd_strdup(e) : NULL;
}

static char *endpoint(const json_t *s)
{
	return cfg_endpoint(json_object_get(s, "config"));
}

static const char *source_state(const json_t *s)
{
	if (!connected(s))
		return "in sync";
	const char *st = json_string_value(json_object_get(s, "state"));
	return st ? st : "connecting";
}

json_t *cd_mgr_sources(struct cd_mgr *m)
{
	json_t *out = json_array(), *s;
	size_t i;
	json_array_foreach(m->sources, i, s) {
		char t[CD_TIME_STRLEN];
		json_int_t up = json_integer_value(json_object_get(s, "updated"));
		char *ep = endpoint(s);
		json_t *o = json_pack("{s:O, s:O, s:s?, s:s, s:I, s:s?}",
			"name", json_object_get(s, "name"), "kind", json_object_get(s, "kind"),
			"endpoint", ep, "state", source_state(s), "workloads",
			(json_int_t)json_array_size(json_object_get(s, "workloads")),
			"last_sync", up ? cd_time_fmt(up, t) : NULL);
		free(ep);
		json_t *e = json_object_get(s, "error");
		json_object_set_new(o, "last_error", e ? json_incref(e) : json_null());
		json_array_append_new(out, o);
	}
	return out;
}

int cd_mgr_source_add(struct cd_mgr *m, const char *name, const char *kind,
		      const json_t *config, const struct cd_actor *a)
{
	if (source_get(m, name))
		return -EEXIST;
	char *ctext = json_dumps(config, JSON_COMPACT);
	int r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_source_put(m->store, name, kind, ctext, "[]", 0);
	if (r == 0)
		r = cd_mgr_next_seq(m);
	char *ep = cfg_endpoint(config);
	if (r == 0)
		r = cd_mgr_event(m, "source", NULL, NULL, a,
				 json_pack("{s:s, s:s, s:s?}", "source", name, "kind", kind,
					   "endpoint", ep),
				 "%s source %s added", kind, name);
	free(ep);
	free(ctext);
	r = cd_mgr_finish(m, r);
	if (r < 0)
		return r;
	json_t *s = json_pack("{s:s, s:s, s:O, s:[], s:I}", "name", name, "kind", kind,
			      "config", config, "workloads", "updated", (json_int_t)0);
	/* in name order, as the store gives them */
	size_t i, at = json_array_size(m->sources);
	json_t *o;
	json_array_foreach(m->sources, i, o)
		if (strcmp(json_string_value(json_object_get(o, "name")), name) > 0) {
			at = i;
			break;
		}
	json_array_insert_new(m->sources, at, s);
	if (m->hooks.source)
		m->hooks.source(m->hooks.ctx, name, kind, config);
	return 0;
}

/* Whether two arrays of workloads differ at most in their tags. */
static bool tags_only(json_t *a, json_t *b)
{
	if (json_array_size(a) != json_array_size(b))
		return false;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i), *y = json_array_get(b, i), *v;
		const char *k;
		if (json_object_size(x) != json_object_size(y))
			return false;
		json_object_foreach(x, k, v)
			if (strcmp(k, "tags") && !json_equal(v, json_object_get(y, k)))
				return false;
	}
	return true;
}

static bool has_tag(json_t *w, const char *tag)
{
	json_t *t;
	size_t i;
	json_array_foreach(json_object_get(w, "tags"), i, t)
		if (!strcasecmp(json_string_value(t), tag))
			return true;
	return false;
}

/* The layer entries of ws's workloads that the source now agrees with:
 * [[id, tag], ...]. */
static json_t *agreed(const struct cd_mgr *m, json_t *ws)
{
	json_t *out = json_array(), *w;
	size_t i;
	json_array_foreach(ws, i, w) {
		const char *id = json_string_value(json_object_get(w, "id"));
		json_t *layer = json_object_get(m->tags, id), *o;
		const char *l;
		json_object_foreach(layer, l, o) {
			const char *tag = json_string_value(json_object_get(o, "tag"));
			if (has_tag(w, tag) == json_is_true(json_object_get(o, "add")))
				json_array_append_new(out, json_pack("[s, s]", id, tag));
		}
	}
	return out;
}

/* Commit a sync: the source's row, the agreed layer entries gone, nseq
 * change numbers, an event (when msg). */
static int sync_commit(struct cd_mgr *m, const char *name, json_t *src, json_t *ws,
		       json_t *drops, int64_t now, int nseq, const char *msg)
{
	char *ctext = json_dumps(json_object_get(src, "config"), JSON_COMPACT);
	char *wtext = json_dumps(ws, JSON_COMPACT);
	int r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_source_put(m->store, name, json_string_value(json_object_get(src, "kind")),
					ctext, wtext, now);
	json_t *d;
	size_t i;
	json_array_foreach(drops, i, d)
		if (r == 0)
			r = cd_store_tag_del(m->store, json_string_value(json_array_get(d, 0)),
					     json_string_value(json_array_get(d, 1)));
	if (r == 0 && nseq) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", (long long)(m->seq + nseq));
		r = cd_store_meta_set(m->store, "seq", v);
	}
	if (r == 0 && msg)
		r = cd_mgr_event(m, "inventory", NULL, NULL, NULL,
				 json_pack("{s:s, s:i}", "source", name,
					   "workloads", (json_int_t)json_array_size(ws)),
				 "%s", msg);
	free(ctext);
	free(wtext);
	if (r == 0)
		r = cd_store_commit(m->store);
	if (r < 0) {
		cd_store_rollback(m->store);
		return r;
	}
	json_array_foreach(drops, i, d)
		layer_del(m, json_string_value(json_array_get(d, 0)),
			  json_string_value(json_array_get(d, 1)));
	json_object_set(src, "workloads", ws);
	json_object_set_new(src, "updated", json_integer(now));
	if (nseq) {
		m->seq += nseq;
		cd_blob_unref(m->snap);
		m->snap = NULL;
	}
	return 0;
}

/* Workloads whose tags changed: each a delta, as a tag change is. */
static int sync_tags(struct cd_mgr *m, const char *name, json_t *src, json_t *ws,
		     json_t *drops, int64_t now)
{
	json_t *old = json_incref(json_object_get(src, "workloads"));   /* sync_commit replaces it */
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(ws); i++)
		n += !json_equal(json_object_get(json_array_get(old, i), "tags"),
				 json_object_get(json_array_get(ws, i), "tags"));
	char *msg = n ? cd_asprintf("source %s changed the tags of %zu workload%s", name, n,
				    n == 1 ? "" : "s") : NULL;
	int64_t seq0 = m->seq;
	int r = sync_commit(m, name, src, ws, drops, now, (int)n, msg);
	free(msg);
	if (r < 0 || !n) {
		json_decref(old);
		return r;
	}
	int64_t seq = seq0;
	for (size_t i = 0; i < json_array_size(ws); i++) {
		json_t *w = json_array_get(ws, i);
		if (json_equal(json_object_get(json_array_get(old, i), "tags"), json_object_get(w, "tags")))
			continue;
		json_t *e = effective(m, w), *jt = json_object_get(e, "tags"), *t;
		const char *id = json_string_value(json_object_get(w, "id"));
		long k = cd_inventory_find(&m->st->inv, json_string_value(json_object_get(w, "name")));
		size_t nt = json_array_size(jt), j;
		const char **tags = cd_calloc(nt + 1, sizeof(char *));
		json_array_foreach(jt, j, t)
			tags[j] = json_string_value(t);
		seq++;
		if (k >= 0) {
			struct cd_delta delta = { 0 };
			cd_members_set_tags(&m->st->mem, (size_t)k, tags, nt, &delta);
			cd_delta_free(&delta);
			json_t *body = json_pack("{s:I, s:s, s:s, s:O}", "seq", (json_int_t)seq,
						 "workload", m->st->inv.w[k].name, "id", id, "tags", jt);
			cd_mgr_delta_push(m, json_dumps(body, JSON_COMPACT));
			json_decref(body);
		}
		free(tags);
		json_decref(e);
	}
	free(m->inv_doc);
	m->inv_doc = NULL;
	json_decref(old);
	return 0;
}

/* Make field of ws's workloads unique beside the other sources' and each
 * other: a value taken is VALUE@SOURCE, and VALUE@SOURCE~N after that. */
static void unclash_field(const struct cd_mgr *m, const char *source, json_t *ws,
			  const char *field)
{
	json_t *taken = json_object(), *s, *w;
	size_t i, k;
	json_array_foreach(m->sources, i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "name")), source))
			continue;
		json_array_foreach(json_object_get(s, "workloads"), k, w) {
			char *l = cd_lower(json_string_value(json_object_get(w, field)));
			json_object_set_new(taken, l, json_true());
			free(l);
		}
	}
	json_array_foreach(ws, i, w) {
		const char *v = json_string_value(json_object_get(w, field));
		char *l = cd_lower(v ? v : ""), *alt = NULL;
		for (int n = 1; json_object_get(taken, l); n++) {
			free(alt);
			alt = n == 1 ? cd_asprintf("%s@%s", v, source) : cd_asprintf("%s@%s~%d", v, source, n);
			free(l);
			l = cd_lower(alt);
		}
		if (alt)
			json_object_set_new(w, field, json_string(alt));
		json_object_set_new(taken, l, json_true());
		free(l);
		free(alt);
	}
	json_decref(taken);
}

/* Names and ids are unique in cordon, but two vCenters (or two folders
 * of one) may hold VMs of the same name, and copies of a VM the same id. */
static void unclash(const struct cd_mgr *m, const char *source, json_t *ws)
{
	unclash_field(m, source, ws, "name");
	unclash_field(m, source, ws, "id");
}

int cd_mgr_source_sync(struct cd_mgr *m, const char *name, json_t *workloads,
		       struct cd_diags *d)
{
	json_t *src = source_get(m, name);
	if (!src)
		return -ENOENT;
	json_t *ws = json_deep_copy(workloads), *w;
	size_t i;
	json_array_foreach(ws, i, w)
		json_object_set_new(w, "source", json_string(name));
	unclash(m, name, ws);
	json_t *drops = agreed(m, ws);
	int64_t now = cd_mgr_now();
	int r;
	if (json_equal(ws, json_object_get(src, "workloads")) && !json_array_size(drops)) {
		json_object_set_new(src, "updated", json_integer(now));
		r = 0;
		goto out;
	}
	if (tags_only(ws, json_object_get(src, "workloads"))) {
		r = sync_tags(m, name, src, ws, drops, now);
		goto out;
	}
	/* anything else: a new world (the layer entries dropped change
	 * nothing in it: they agree with the source) */
	json_t *sources = json_copy(m->sources);
	json_t *s2 = json_copy(src);
	json_object_set(s2, "workloads", ws);
	json_array_foreach(sources, i, w)
		if (w == src)
			json_array_set_new(sources, i, s2);
	char *inv = inventory_doc(m, sources);
	json_decref(sources);
	struct cd_state *st;
	const char *pol = policy_text(m);
	r = build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		char *what = cd_asprintf("workloads of source %s", name);
		unplace(d, what);
		free(what);
		free(inv);
		r = -EINVAL;
		goto out;
	}
	char *msg = cd_asprintf("source %s synchronized: %zu workloads", name, json_array_size(ws));
	r = sync_commit(m, name, src, ws, drops, now, 1, msg);
	free(msg);
	if (r < 0) {
		state_drop(st);
		free(inv);
		goto out;
	}
	install(m, st, inv);
	reset_stream(m);
out:
	json_decref(drops);
	json_decref(ws);
	return r;
}

void cd_mgr_source_state(struct cd_mgr *m, const char *name, const char *state,
			 const char *error)
{
	json_t *s = source_get(m, name);
	if (!s)
		return;
	const char *was = source_state(s);
	bool up = !strcmp(state, "in sync"), wasup = !strcmp(was, "in sync");
	json_t *data = json_pack("{s:s, s:s, s:s?}", "source", name, "state", state, "error", error);
	if (!strcmp(was, state) || (!up && !wasup && strcmp(was, "connecting")))
		json_decref(data);   /* no news: one down event per outage */
	else if (up)
		cd_mgr_event(m, "source-up", NULL, NULL, NULL, data, "source %s in sync", name);
	else
		cd_mgr_event(m, "source-down", NULL, NULL, NULL, data, "source %s %s: %s", name,
			     state, error ? error : "-");
	json_object_set_new(s, "state", json_string(state));
	if (error)
		json_object_set_new(s, "error", json_string(error));
}

json_t *cd_mgr_workloads(struct cd_mgr *m)
{
	json_t *out = json_array();
	const struct cd_state *st = m->st;
	const char *qtag = st->pol.am.quarantine_tag;
	for (size_t w = 0; w < st->inv.n; w++) {
		const struct cd_workload *wl = &st->inv.w[w];
		json_t *o = wl_json(wl, wl->source ? wl->source : "");
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
		json_object_set_new(o, "stale", json_boolean(strcmp(source_state(source_get(m, wl->source)),
								   "in sync") != 0));
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

/* ---- tokens ---- */

int cd_mgr_token_create(struct cd_mgr *m, const char *role, const char *name,
			const char *host, const char *workload,
			const struct cd_actor *a, char **secret)
{
	bool enroll = !strcmp(role, "enroll");
	char *s = cd_token_new(enroll ? 'e' : 'a');
	char hash[CD_HASH_HEX];
	cd_token_hash(s, hash);
	struct cd_token t = {
		.hash = hash, .name = (char *)name, .role = (char *)role,
		.host = (char *)host, .workload = (char *)workload, .created = cd_mgr_now(),
	};
	int r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_token_add(m->store, &t);
	if (r == 0)
		r = cd_mgr_event(m, "audit", workload, host, a, NULL,
				 "%s token created%s%s%s%s", enroll ? "agent enrollment" : role,
				 host ? " for host " : "", host ? host : "",
				 workload ? " for workload " : "", workload ? workload : "");
	if (r == 0)
		r = cd_store_commit(m->store);
	if (r < 0) {
		cd_store_rollback(m->store);
		free(s);
		return r;
	}
	*secret = s;
	return 0;
}

int cd_mgr_auth(struct cd_mgr *m, const char *secret, struct cd_token *out)
{
	char hash[CD_HASH_HEX];
	cd_token_hash(secret, hash);
	/* the lookup is by hash: the secret itself is never compared */
	return cd_store_token_get(m->store, hash, out);
}

int cd_mgr_enroll(struct cd_mgr *m, const char *secret, const char *origin,
		  char **credential, struct cd_token *agent)
{
	struct cd_token et = { 0 };
	int r = cd_mgr_auth(m, secret, &et);
	if (r < 0)
		return r;
	if (strcmp(et.role, "enroll")) {
		cd_token_free(&et);
		return -EPERM;
	}
	if (cd_mgr_now() - et.created > CD_ENROLL_TTL_S * 1000000) {
		cd_token_free(&et);
		return -ETIMEDOUT;       /* an old one-time token: ask for a fresh one */
	}
	char *cred = cd_token_new('g');
	char hash[CD_HASH_HEX];
	cd_token_hash(cred, hash);
	char *name = et.host ? cd_asprintf("host:%s", et.host) : cd_asprintf("workload:%s", et.workload);
	struct cd_token t = {
		.hash = cd_strdup(hash), .name = name, .role = cd_strdup("agent"),
		.host = et.host ? cd_strdup(et.host) : NULL,
		.workload = et.workload ? cd_strdup(et.workload) : NULL, .created = cd_mgr_now(),
	};
	struct cd_actor a = { .name = name, .role = "agent", .origin = origin };
	r = cd_store_begin(m->store);
	if (r == 0)
		r = cd_store_token_del(m->store, et.hash);    /* one time only */
	if (r == 0)
		r = cd_store_token_add(m->store, &t);
	if (r == 0)
		r = cd_mgr_event(m, "agent-enrolled", t.workload, t.host, &a, NULL,
				 "agent %s enrolled", name);
	if (r == 0)
		r = cd_store_commit(m->store);
	cd_token_free(&et);
	if (r < 0) {
		cd_store_rollback(m->store);
		cd_token_free(&t);
		free(cred);
		return r;
	}
	*credential = cred;
	*agent = t;
	return 0;
}

/* ---- agents ---- */

static struct cd_mgr_agent *agent_find(struct cd_mgr *m, const char *name)
{
	for (size_t i = 0; i < m->nagents; i++)
		if (!strcmp(m->agents[i].rec.name, name))
			return &m->agents[i];
	return NULL;
}

struct cd_mgr_agent *cd_mgr_agent_get(struct cd_mgr *m, const struct cd_actor *a)
{
	struct cd_mgr_agent *ag = agent_find(m, a->name);
	if (!ag) {
		struct cd_mgr_agent n = {
			.rec = { .name = cd_strdup(a->name), .host = a->host ? cd_strdup(a->host) : NULL,
				 .workload = a->workload ? cd_strdup(a->workload) : NULL,
				 .enrolled = cd_mgr_now() },
		};
		CD_PUSH(m->agents, m->nagents, m->agents_cap, n);
		ag = &m->agents[m->nagents - 1];
	}
	return ag;
}

static int load_agent(void *ctx, const struct cd_agent_rec *a)
{
	struct cd_mgr *m = ctx;
	struct cd_mgr_agent ag = {
		.rec = {
			.name = cd_strdup(a->name), .host = a->host ? cd_strdup(a->host) : NULL,
			.workload = a->workload ? cd_strdup(a->workload) : NULL,
			.enrolled = a->enrolled, .last_seen = a->last_seen,
			.applied_rev = a->applied_rev, .applied_seq = a->applied_seq,
			.applied_at = a->applied_at, .status = a->status ? cd_strdup(a->status) : NULL,
		},
		.stored_seen = a->last_seen,
	};
	CD_PUSH(m->agents, m->nagents, m->agents_cap, ag);
	return 0;
}

static int64_t hb_us(const struct cd_mgr *m)
{
	return (int64_t)(m->heartbeat_s > 0 ? m->heartbeat_s : 60) * 1000000;
}

/* The agent's record, marked alive; *changed when what it realized moved,
 * *came_up when it was down. */
static struct cd_mgr_agent *seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
				 int64_t applied_seq, bool *changed, bool *came_up)
{
	struct cd_mgr_agent *ag = cd_mgr_agent_get(m, a);
	int64_t now = cd_mgr_now();
	*changed = ag->rec.applied_rev != applied_rev || ag->rec.applied_seq != applied_seq;
	*came_up = !ag->up;
	ag->rec.last_seen = now;
	if (*changed) {
		ag->rec.applied_rev = applied_rev;
		ag->rec.applied_seq = applied_seq;
		ag->rec.applied_at = now;
	}
	ag->up = true;
	if (*came_up)
		cd_mgr_event(m, "agent-up", a->workload, a->host, NULL, NULL,
			     "agent %s is up (applied revision %lld, change %lld)", a->name,
			     (long long)applied_rev, (long long)applied_seq);
	return ag;
}

void cd_mgr_seen(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		 int64_t applied_seq)
{
	bool changed, came_up;
	struct cd_mgr_agent *ag = seen(m, a, applied_rev, applied_seq, &changed, &came_up);
	if (came_up && cd_store_agent_put(m->store, &ag->rec) == 0)
		ag->stored_seen = ag->rec.last_seen;
}

int cd_mgr_heartbeat(struct cd_mgr *m, const struct cd_actor *a, int64_t applied_rev,
		     int64_t applied_seq, json_t *status)
{
	bool changed, came_up;
	struct cd_mgr_agent *ag = seen(m, a, applied_rev, applied_seq, &changed, &came_up);
	if (status) {
		free(ag->rec.status);
		ag->rec.status = json_dumps(status, JSON_COMPACT);
	}
	int r = cd_store_agent_put(m->store, &ag->rec);
	if (r == 0)
		ag->stored_seen = ag->rec.last_seen;
	return r;
}

void cd_mgr_tick(struct cd_mgr *m)
{
	int64_t now = cd_mgr_now();
	if (now >= m->prune_next) {
		cd_mgr_events_prune(m);
		m->prune_next = now + CD_MGR_PRUNE_EVERY_S * 1000000LL;
	}
	for (size_t i = 0; i < m->nagents; i++) {
		struct cd_mgr_agent *ag = &m->agents[i];
		if (ag->up && now - ag->rec.last_seen > 3 * hb_us(m)) {
			ag->up = false;
			cd_store_agent_put(m->store, &ag->rec);
			ag->stored_seen = ag->rec.last_seen;
			cd_mgr_event(m, "agent-down", ag->rec.workload, ag->rec.host, NULL, NULL,
				     "agent %s is down: no heartbeat for %d s", ag->rec.name,
				     (int)((now - ag->rec.last_seen) / 1000000));
		}
	}
}

json_t *cd_mgr_agents(struct cd_mgr *m)
{
	json_t *out = json_array();
	for (size_t i = 0; i < m->nagents; i++) {
		const struct cd_agent_rec *r = &m->agents[i].rec;
		char seen[40], at[40];
		json_t *o = json_pack("{s:s, s:s?, s:s?, s:b, s:s?, s:I, s:I, s:s?, s:b}",
				      "name", r->name, "host", r->host, "workload", r->workload,
				      "connected", m->agents[i].up,
				      "last_heartbeat", r->last_seen ? cd_time_fmt(r->last_seen, seen) : NULL,
				      "applied_revision", (json_int_t)r->applied_rev,
				      "applied_seq", (json_int_t)r->applied_seq,
				      "applied_at", r->applied_at ? cd_time_fmt(r->applied_at, at) : NULL,
				      "current", r->applied_seq == m->seq);
		json_object_set_new(o, "status", r->status ? json_loads(r->status, 0, NULL) : json_null());
		json_object_set_new(o, "events_refused", json_integer(m->agents[i].refused));
		json_array_append_new(out, o);
	}
	return out;
}
