/* follow.c - the world read from the store, and kept up with what other
 * managers on the same database change (see mgr.h, cd_mgr_follow).
 *
 * Every change takes its numbers under the database's write lock and
 * stores a row per number (cd_mgr_finish): the delta agents get, or none
 * for a new world.  A manager behind reads the rows after its own number
 * in one consistent view: tag deltas are applied as they are (the
 * workload's layer read again, its membership updated, the delta put on
 * this manager's stream with its number), anything else makes it read
 * the whole world again, after which its agents take a snapshot. */
#include "manager/mgr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"

static int load_source(void *ctx, const char *name, const char *kind,
		       const char *config, const char *workloads, int64_t updated)
{
	json_t *sources = ctx;
	json_t *w = json_loads(workloads, 0, NULL);
	if (!json_is_array(w)) {
		json_decref(w);
		return -EIO;
	}
	json_t *s = json_pack("{s:s, s:s, s:o, s:I}", "name", name, "kind", kind, "workloads", w,
			      "updated", (json_int_t)updated);
	if (config)
		json_object_set_new(s, "config", json_loads(config, 0, NULL));
	json_array_append_new(sources, s);
	return 0;
}

static int load_tag(void *ctx, const char *wl, const char *tag, bool add)
{
	cd_mgr_layer_set(ctx, wl, tag, add);
	return 0;
}

/* What the connectors of cordond must know of sources that came, went
 * or changed their configuration (was: the sources before); the state a
 * connector reported stays with its source. */
static void sources_moved(struct cd_mgr *m, json_t *was)
{
	json_t *s, *o;
	size_t i, k;
	json_array_foreach(m->sources, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		json_t *old = NULL;
		json_array_foreach(was, k, o)
			if (!strcmp(json_string_value(json_object_get(o, "name")), name))
				old = o;
		if (old && json_object_get(old, "state")) {
			json_object_set(s, "state", json_object_get(old, "state"));
			if (json_object_get(old, "error"))
				json_object_set(s, "error", json_object_get(old, "error"));
		}
		bool same = old && json_equal(json_object_get(old, "config"), json_object_get(s, "config"));
		if (!same && m->hooks.source && cd_mgr_source_connected(s)) {
			if (old)
				m->hooks.source(m->hooks.ctx, name, NULL, NULL);
			m->hooks.source(m->hooks.ctx, name, json_string_value(json_object_get(s, "kind")),
					json_object_get(s, "config"));
		}
	}
	json_array_foreach(was, k, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		if (!cd_mgr_source_get(m, name) && m->hooks.source && cd_mgr_source_connected(o))
			m->hooks.source(m->hooks.ctx, name, NULL, NULL);
	}
}

int cd_mgr_load_world(struct cd_mgr *m, struct cd_buf *err)
{
	struct cd_store *s = m->store;
	bool again = m->st != NULL;     /* not the first time: tell the connectors */
	json_t *sources = json_array(), *tags = json_object(), *was_tags = m->tags;
	struct cd_revision pol = { 0 };
	int64_t seq = 0;
	/* one view of it all, while others write */
	int r = cd_store_begin_read(s);
	if (r == 0)
		r = cd_store_seq(s, &seq);
	if (r == 0)
		r = cd_store_source_each(s, load_source, sources);
	m->tags = tags;                 /* cd_mgr_layer_set fills m's */
	if (r == 0)
		r = cd_store_tag_each(s, load_tag, m);
	m->tags = was_tags;
	if (r == 0) {
		r = cd_store_rev_get(s, CD_DOC_POLICY, 0, &pol);
		if (r == -ENOENT)
			r = 0;
	}
	cd_store_rollback(s);
	if (r < 0) {
		cd_buf_printf(err, "reading the store: %s", r == -EIO ? cd_store_error(s) : strerror(-r));
		goto out;
	}
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_state *st;
	json_t *was = m->sources;
	m->tags = tags;
	m->sources = sources;
	char *inv = cd_mgr_inventory_doc(m, sources);
	m->tags = was_tags;
	m->sources = was;
	const char *text = pol.doc ? pol.doc : "{}";
	r = cd_mgr_build(&st, inv, "policy", text, strlen(text), &d);
	if (r < 0) {
		cd_buf_printf(err, "the stored state does not load: %s", d.n ? d.v[0].msg : "unknown error");
		cd_diags_free(&d);
		cd_mgr_state_drop(st);
		free(inv);
		r = -EIO;
		goto out;
	}
	cd_diags_free(&d);
	m->sources = sources;
	m->tags = tags;
	sources = was;
	tags = was_tags;
	cd_revision_free(&m->pol);
	m->pol = pol;
	memset(&pol, 0, sizeof(pol));
	cd_mgr_install(m, st, inv);
	m->seq = seq;
	cd_blob_unref(m->snap);
	m->snap = NULL;
	if (again)
		sources_moved(m, sources);
out:
	cd_revision_free(&pol);
	json_decref(sources);
	json_decref(tags);
	return r;
}

/* ---- the stream at open ---- */

struct stream_ctx { struct cd_mgr *m; int64_t world; json_t *deltas; };
static int stream_row(void *ctx, int64_t seq, const char *body)
{
	struct stream_ctx *x = ctx;
	if (!body) {             /* a new world: what came before is no use */
		x->world = seq;
		json_array_clear(x->deltas);
	} else {
		json_array_append_new(x->deltas, json_pack("[I, s]", (json_int_t)seq, body));
	}
	return 0;
}

int cd_mgr_load_stream(struct cd_mgr *m)
{
	/* the last deltas, as they were given: an agent that had them all
	 * goes on after a restart (or from another manager) without a
	 * snapshot; a database from before the stream was stored has none */
	int64_t from = m->seq > CD_MGR_DELTAS ? m->seq - CD_MGR_DELTAS : 0;
	struct stream_ctx x = { m, from, json_array() };
	int r = cd_store_change_each(m->store, from, stream_row, &x);
	size_t n = json_array_size(x.deltas);
	json_t *last = json_array_get(x.deltas, n - 1), *first = json_array_get(x.deltas, 0);
	bool whole = r == 0 && n && json_integer_value(json_array_get(last, 0)) == m->seq &&
		     json_integer_value(json_array_get(first, 0)) == x.world + 1;
	int64_t seq = m->seq;
	if (whole) {
		cd_mgr_reset_stream(m);
		m->base = x.world;
		json_t *d;
		size_t i;
		json_array_foreach(x.deltas, i, d) {
			m->seq = json_integer_value(json_array_get(d, 0));
			cd_mgr_delta_push(m, cd_strdup(json_string_value(json_array_get(d, 1))));
		}
		m->seq = seq;
	}
	json_decref(x.deltas);
	return r;
}

/* ---- following ---- */

struct row { int64_t seq; char *body; };
struct rows { struct row *v; size_t n, cap; };

static int take_row(void *ctx, int64_t seq, const char *body)
{
	struct rows *x = ctx;
	struct row r = { seq, body ? cd_strdup(body) : NULL };
	CD_PUSH(x->v, x->n, x->cap, r);
	return 0;
}

static void rows_free(struct rows *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].body);
	free(x->v);
}

/* A workload's layer as the store has it now. */
static int reload_layer(struct cd_mgr *m, const char *id)
{
	json_object_del(m->tags, id);
	return cd_store_tag_each_of(m->store, id, load_tag, m);
}

/* Tell the connector of a workload's source about the tags that came
 * and went between its tags before (old) and now (tags[0..n)). */
static void write_back(struct cd_mgr *m, const struct cd_workload *wl, char **old, size_t nold,
		       const char **tags, size_t n)
{
	if (!m->hooks.tags || !cd_mgr_source_connected(cd_mgr_source_get(m, wl->source)))
		return;
	const char *qtag = m->st->pol.am.quarantine_tag;
	bool q = false;
	for (size_t k = 0; k < n && qtag; k++)
		q |= !strcasecmp(tags[k], qtag);
	for (size_t k = 0; k < n; k++) {
		bool had = false;
		for (size_t j = 0; j < nold; j++)
			had |= !strcasecmp(old[j], tags[k]);
		if (!had)
			m->hooks.tags(m->hooks.ctx, wl->source, wl->id, tags[k], true, q);
	}
	for (size_t j = 0; j < nold; j++) {
		bool has = false;
		for (size_t k = 0; k < n; k++)
			has |= !strcasecmp(old[j], tags[k]);
		if (!has)
			m->hooks.tags(m->hooks.ctx, wl->source, wl->id, old[j], false, q);
	}
}

/* A delta another manager made: into the world and onto the stream. */
static int apply_delta(struct cd_mgr *m, int64_t seq, const char *body)
{
	json_t *c = json_loads(body, 0, NULL);
	const char *kind = json_string_value(json_object_get(c, "kind"));
	int r = 0;
	if (!kind) {        /* a workload's tags */
		const char *name = json_string_value(json_object_get(c, "workload"));
		const char *id = json_string_value(json_object_get(c, "id"));
		long w = name ? cd_inventory_find(&m->st->inv, name) : -1;
		json_t *jt = json_object_get(c, "tags"), *t;
		if (w < 0 || !id || !json_is_array(jt)) {
			json_decref(c);
			return -EPROTO;
		}
		if ((r = reload_layer(m, id)) < 0) {
			json_decref(c);
			return r;
		}
		struct cd_workload *wl = &m->st->inv.w[w];
		size_t n = json_array_size(jt), i, nold = wl->ntags;
		char **old = cd_calloc(nold + 1, sizeof(char *));
		for (size_t k = 0; k < nold; k++)
			old[k] = cd_strdup(wl->tags[k]);
		cd_mgr_set_wl_tags(m, (size_t)w, jt);
		const char **tags = cd_calloc(n + 1, sizeof(char *));
		json_array_foreach(jt, i, t)
			tags[i] = json_string_value(t);
		write_back(m, &m->st->inv.w[w], old, nold, tags, n);
		for (size_t k = 0; k < nold; k++)
			free(old[k]);
		free(old);
		free(tags);
	}
	json_decref(c);
	m->seq = seq;
	cd_mgr_delta_push(m, cd_strdup(body));
	return r;
}

int cd_mgr_follow(struct cd_mgr *m)
{
	if (!cd_store_shared(m->store))
		return 0;
	if (m->nopen)
		return -EBUSY;
	struct rows x = { 0 };
	int64_t last = 0;
	int r = cd_store_begin_read(m->store);
	if (r == 0)
		r = cd_store_seq(m->store, &last);
	if (r == 0 && last != m->seq)
		r = cd_store_change_each(m->store, m->seq, take_row, &x);
	bool world = r == 0 && last != m->seq &&
		     (x.n == 0 || x.v[0].seq != m->seq + 1 || x.v[x.n - 1].seq != last);
	for (size_t i = 0; r == 0 && !world && i < x.n; i++)
		world = !x.v[i].body;
	for (size_t i = 0; r == 0 && !world && i < x.n; i++)
		if ((r = apply_delta(m, x.v[i].seq, x.v[i].body)) == -EPROTO) {
			world = true;       /* a delta that does not apply: read it all */
			r = 0;
		}
	cd_store_rollback(m->store);
	size_t n = x.n;
	rows_free(&x);
	if (r < 0)
		return r;
	if (world) {
		struct cd_buf err;
		cd_buf_init(&err, 1024);
		r = cd_mgr_load_world(m, &err);
		if (r < 0)
			cd_mgr_logf(m, "following the other managers: %s", err.data ? err.data : "?");
		cd_buf_free(&err);
		if (r < 0)
			return r;
		cd_mgr_reset_stream(m);
		cd_mgr_logf(m, "another manager changed the world: read again at change %lld",
			    (long long)m->seq);
	}
	if (n || world) {
		cd_blob_unref(m->snap);
		m->snap = NULL;
		m->pulse++;
	}
	m->behind = false;
	return n || world ? 1 : 0;
}

int cd_mgr_sync(struct cd_mgr *m)
{
	if (!cd_store_shared(m->store))
		return 0;
	unsigned note = cd_store_notified(m->store);     /* tokens: the cache sees it */
	int64_t now = cd_mgr_now();
	if (note & CD_STORE_NOTE_EVENT)
		m->pulse++;             /* what the consoles show may have moved */
	if (!(note & CD_STORE_NOTE_CHANGE) && now < m->next_follow && !m->behind)
		return 0;
	m->next_follow = now + 1000000;
	return cd_mgr_follow(m);
}

bool cd_mgr_behind(const struct cd_mgr *m)
{
	return m->behind;
}

int cd_mgr_lease(struct cd_mgr *m, const char *name)
{
	return cd_store_lease(m->store, name);
}

void cd_mgr_lease_drop(struct cd_mgr *m, const char *name)
{
	cd_store_lease_drop(m->store, name);
}
