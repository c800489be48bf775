/* sources.c - the inventory's sources: pushed documents and connected
 * sources (libvirt, vSphere), added, synced, removed (see mgr.h). */
#include "manager/mgr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "inventory/virturi.h"
#include "base/util.h"

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
		json_array_append_new(ws, cd_mgr_wl_json(&one.inv.w[i], source));
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
	char *inv = cd_mgr_inventory_doc(m, sources);
	struct cd_state *st;
	const char *pol = cd_mgr_policy_text(m);
	r = cd_mgr_build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		cd_mgr_unplace(d, "with the other sources and the policy");
		r = -EINVAL;
		goto out;
	}
	char *wtext = json_dumps(ws, JSON_COMPACT);
	r = cd_mgr_begin(m);
	if (r == 0)
		r = cd_store_source_put(m->store, source, "static", NULL, wtext, now);
	if (r == 0)
		r = cd_mgr_event(m, "inventory", NULL, NULL, a,
				 json_pack("{s:s, s:i}", "source", source, "workloads", (json_int_t)*count),
				 "inventory of source %s replaced: %zu workloads", source, *count);
	free(wtext);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		cd_mgr_state_drop(st);
		free(inv);
		goto out;
	}
	json_decref(m->sources);
	m->sources = sources;
	sources = NULL;
	cd_mgr_install(m, st, inv);
	cd_mgr_reset_stream(m);
out:
	json_decref(sources);
	json_decref(ws);
	return r;
}

/* The source object of a workload id. */
json_t *cd_mgr_source_get(const struct cd_mgr *m, const char *name)
{
	json_t *s;
	size_t i;
	json_array_foreach(m->sources, i, s)
		if (name && !strcmp(json_string_value(json_object_get(s, "name")), name))
			return s;
	return NULL;
}

bool cd_mgr_source_connected(const json_t *s)
{
	return s && strcmp(json_string_value(json_object_get(s, "kind")), "static") != 0;
}

json_t *cd_mgr_source_wl(const struct cd_mgr *m, const char *id)
{
	json_t *s, *w;
	size_t i, k;
	json_array_foreach(m->sources, i, s)
		json_array_foreach(json_object_get(s, "workloads"), k, w)
			if (!strcmp(json_string_value(json_object_get(w, "id")), id))
				return w;
	return NULL;
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
	char *inv = cd_mgr_inventory_doc(m, sources);
	struct cd_state *st;
	const char *pol = cd_mgr_policy_text(m);
	int r = cd_mgr_build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		char *what = cd_asprintf("without source %s", source);
		cd_mgr_unplace(d, what);
		free(what);
		free(inv);
		json_decref(sources);
		return -EINVAL;
	}
	r = cd_mgr_begin(m);
	if (r == 0)
		r = cd_store_source_del(m->store, source);
	if (r == 0)
		r = cd_mgr_event(m, "inventory", NULL, NULL, a, json_pack("{s:s}", "source", source),
				 "source %s removed with its %zu workloads", source, n);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		cd_mgr_state_drop(st);
		free(inv);
		json_decref(sources);
		return r;
	}
	json_decref(m->sources);
	m->sources = sources;
	cd_mgr_install(m, st, inv);
	cd_mgr_reset_stream(m);
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

const char *cd_mgr_source_state_name(const json_t *s)
{
	if (!cd_mgr_source_connected(s))
		return "in sync";
	const char *st = json_string_value(json_object_get(s, "state"));
	return st ? st : "connecting";
}

void cd_mgr_sources_announce(struct cd_mgr *m)
{
	json_t *s;
	size_t i;
	json_array_foreach(m->sources, i, s)
		if (m->hooks.source && cd_mgr_source_connected(s))
			m->hooks.source(m->hooks.ctx, json_string_value(json_object_get(s, "name")),
					json_string_value(json_object_get(s, "kind")),
					json_object_get(s, "config"));
}

json_t *cd_mgr_libvirt_uris(const struct cd_mgr *m)
{
	json_t *out = json_array(), *s;
	size_t i;
	json_array_foreach(m->sources, i, s) {
		const char *uri = json_string_value(json_object_get(json_object_get(s, "config"), "uri"));
		if (uri && !strcmp(json_string_value(json_object_get(s, "kind")), "libvirt"))
			json_array_append_new(out, json_pack("{s:O, s:s}", "name", json_object_get(s, "name"),
							     "uri", uri));
	}
	return out;
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
			"endpoint", ep, "state", cd_mgr_source_state_name(s), "workloads",
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
	if (cd_mgr_source_get(m, name))
		return -EEXIST;
	char *ctext = json_dumps(config, JSON_COMPACT);
	int r = cd_mgr_begin(m);
	if (r == 0)
		r = cd_store_source_put(m->store, name, kind, ctext, "[]", 0);
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
 * change numbers (with their deltas, when given), an event (when msg). */
static int sync_commit(struct cd_mgr *m, const char *name, json_t *src, json_t *ws,
		       json_t *drops, int64_t now, int nseq, json_t *deltas, const char *msg)
{
	char *ctext = json_dumps(json_object_get(src, "config"), JSON_COMPACT);
	char *wtext = json_dumps(ws, JSON_COMPACT);
	int r = cd_mgr_begin_n(m, nseq);
	if (r == 0)
		r = cd_store_source_put(m->store, name, json_string_value(json_object_get(src, "kind")),
					ctext, wtext, now);
	json_t *d;
	size_t i;
	json_array_foreach(drops, i, d)
		if (r == 0)
			r = cd_store_tag_del(m->store, json_string_value(json_array_get(d, 0)),
					     json_string_value(json_array_get(d, 1)));
	if (r == 0 && msg)
		r = cd_mgr_event(m, "inventory", NULL, NULL, NULL,
				 json_pack("{s:s, s:i}", "source", name,
					   "workloads", (json_int_t)json_array_size(ws)),
				 "%s", msg);
	free(ctext);
	free(wtext);
	json_t *t;
	json_array_foreach(deltas, i, t)
		cd_mgr_record(m, json_string_value(t));
	if ((r = cd_mgr_finish(m, r)) < 0)
		return r;
	json_array_foreach(drops, i, d)
		cd_mgr_layer_del(m, json_string_value(json_array_get(d, 0)),
			  json_string_value(json_array_get(d, 1)));
	json_object_set(src, "workloads", ws);
	json_object_set_new(src, "updated", json_integer(now));
	return 0;
}

/* Workloads whose tags changed: each a delta, as a tag change is. */
static int sync_tags(struct cd_mgr *m, const char *name, json_t *src, json_t *ws,
		     json_t *drops, int64_t now)
{
	/* the deltas first (their numbers follow this manager's last: the
	 * commit refuses them when another manager's came between) */
	json_t *old = json_object_get(src, "workloads"), *deltas = json_array();
	int64_t seq = m->seq;
	for (size_t i = 0; i < json_array_size(ws); i++) {
		json_t *w = json_array_get(ws, i);
		if (json_equal(json_object_get(json_array_get(old, i), "tags"), json_object_get(w, "tags")))
			continue;
		json_t *e = cd_mgr_effective(m, w);
		long k = cd_inventory_find(&m->st->inv, json_string_value(json_object_get(w, "name")));
		seq++;
		json_t *body = k < 0 ? NULL :
			       json_pack("{s:I, s:s, s:s, s:O}", "seq", (json_int_t)seq, "workload",
					 m->st->inv.w[k].name, "id", json_string_value(json_object_get(w, "id")),
					 "tags", json_object_get(e, "tags"));
		char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_array_append_new(deltas, text ? json_string(text) : json_null());
		free(text);
		json_decref(body);
		json_decref(e);
	}
	size_t n = json_array_size(deltas);
	char *msg = n ? cd_asprintf("source %s changed the tags of %zu workload%s", name, n,
				    n == 1 ? "" : "s") : NULL;
	int r = sync_commit(m, name, src, ws, drops, now, (int)n, deltas, msg);
	free(msg);
	json_t *d;
	size_t i;
	json_array_foreach(deltas, i, d) {
		if (r < 0 || !json_is_string(d))
			continue;
		json_t *c = json_loads(json_string_value(d), 0, NULL);
		long k = cd_inventory_find(&m->st->inv, json_string_value(json_object_get(c, "workload")));
		cd_mgr_set_wl_tags(m, (size_t)k, json_object_get(c, "tags"));
		cd_mgr_delta_push(m, cd_strdup(json_string_value(d)));
		json_decref(c);
	}
	json_decref(deltas);
	return r;
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
	json_t *src = cd_mgr_source_get(m, name);
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
	char *inv = cd_mgr_inventory_doc(m, sources);
	json_decref(sources);
	struct cd_state *st;
	const char *pol = cd_mgr_policy_text(m);
	r = cd_mgr_build(&st, inv, "policy", pol, strlen(pol), d);
	if (r < 0) {
		char *what = cd_asprintf("workloads of source %s", name);
		cd_mgr_unplace(d, what);
		free(what);
		free(inv);
		r = -EINVAL;
		goto out;
	}
	char *msg = cd_asprintf("source %s synchronized: %zu workloads", name, json_array_size(ws));
	r = sync_commit(m, name, src, ws, drops, now, 1, NULL, msg);
	free(msg);
	if (r < 0) {
		cd_mgr_state_drop(st);
		free(inv);
		goto out;
	}
	cd_mgr_install(m, st, inv);
	cd_mgr_reset_stream(m);
out:
	json_decref(drops);
	json_decref(ws);
	return r;
}

void cd_mgr_source_state(struct cd_mgr *m, const char *name, const char *state,
			 const char *error)
{
	json_t *s = cd_mgr_source_get(m, name);
	if (!s)
		return;
	const char *was = cd_mgr_source_state_name(s);
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
	if (cd_store_shared(m->store))      /* for the other managers to show */
		cd_store_source_state(m->store, name, state, json_string_value(json_object_get(s, "error")));
}

static int state_row(void *ctx, const char *name, const char *state, const char *error)
{
	json_t *s = cd_mgr_source_get(ctx, name);
	if (s && state) {
		json_object_set_new(s, "state", json_string(state));
		if (error)
			json_object_set_new(s, "error", json_string(error));
	}
	return 0;
}

void cd_mgr_sources_refresh(struct cd_mgr *m)
{
	if (cd_store_shared(m->store))
		cd_store_source_states(m->store, state_row, m);
}

