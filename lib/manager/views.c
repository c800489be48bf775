/* views.c - list views as the manager keeps them: saved by name in
 * revisions over the ones cordon ships (named.c, views/builtin.c), and
 * the objects a view lists, with its filter applied. */
#include "manager/mgr_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "policy/resolve.h"
#include "policy/sel.h"
#include "views/rows.h"

/* ---- views as named documents (named.c) ---- */

static int parse(const char *text, size_t len, void *out, char *err, size_t errlen)
{
	return cd_view_parse(text, len, out, err, errlen);
}

static void view_free(void *v) { cd_view_free(v); }
static int builtin(size_t i, void *out) { return cd_view_builtin(i, out); }
static int builtin_named(const char *name, void *out) { return cd_view_builtin_named(name, out); }
static const char *name_of(const void *v) { return ((const struct cd_view *)v)->name; }

static json_t *summary(struct cd_mgr *m, const void *doc, int64_t rev, bool builtin)
{
	(void)m;
	const struct cd_view *v = doc;
	return json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", v->name, "title", v->title, "kind",
			 cd_vkind_name(v->kind), "rev", (json_int_t)rev, "builtin", builtin);
}

static const struct cd_named_kind views = {
	.kind = "view", .event = "view", .what = "view", .size = sizeof(struct cd_view),
	.parse = parse, .free = view_free, .builtins = cd_view_builtins, .builtin = builtin,
	.builtin_named = builtin_named, .name_of = name_of, .summary = summary,
};

int cd_mgr_view_get(struct cd_mgr *m, const char *name, struct cd_view *out, int64_t *rev)
{
	return cd_mgr_named_get(m, &views, name, out, rev);
}

json_t *cd_mgr_views(struct cd_mgr *m)
{
	return cd_mgr_named_list(m, &views);
}

int cd_mgr_view_put(struct cd_mgr *m, const json_t *doc, const struct cd_actor *a, char *err,
		    size_t errlen, int64_t *rev)
{
	struct cd_view v;
	int e = cd_view_from_json(doc, &v, err, errlen);
	if (e)
		return e;
	v.builtin = false;
	json_t *j = cd_view_json(&v);
	json_object_del(j, "builtin");
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	e = cd_mgr_named_save(m, &views, v.name, text, a, rev, ", %zu columns", v.ncol);
	free(text);
	cd_view_free(&v);
	return e;
}

int cd_mgr_view_remove(struct cd_mgr *m, const char *name, const struct cd_actor *a)
{
	return cd_mgr_named_remove(m, &views, name, a);
}

int cd_mgr_view_revisions(struct cd_mgr *m, const char *name, cd_store_named_cb cb, void *ctx)
{
	return cd_store_named_revs(m->store, views.kind, name, cb, ctx);
}

/* ---- the objects a view lists ---- */

struct cd_mgr_vobjects {
	struct cd_vobject *o;
	size_t n, cap;
	struct cd_map at;          /* name -> index in o */
	char **own;                /* every string of o's */
	size_t nown, owncap;
	const char *kind;
};

static const char *keep(struct cd_mgr_vobjects *x, const char *s)
{
	if (!s || !*s)
		return NULL;
	char *c = cd_strdup(s);
	CD_PUSH(x->own, x->nown, x->owncap, c);
	return c;
}

/* each object of the view's kind with a sample, once, with its host and source */
static void object_of(void *arg, const struct cd_series_info *s)
{
	struct cd_mgr_vobjects *x = arg;
	if (strcmp(s->kind, x->kind) || s->last_t == INT64_MIN)
		return;
	size_t i;
	if (cd_map_get(&x->at, s->name, &i)) {
		if (!x->o[i].host && *s->host)
			x->o[i].host = keep(x, s->host);
		if (!x->o[i].source && *s->source)
			x->o[i].source = keep(x, s->source);
		return;
	}
	struct cd_vobject o = { .name = keep(x, s->name), .host = keep(x, s->host),
				.source = keep(x, s->source) };
	cd_map_put(&x->at, o.name, x->n, NULL);
	CD_PUSH(x->o, x->n, x->cap, o);
}

void cd_mgr_vobjects_free(struct cd_mgr_vobjects *x)
{
	if (!x)
		return;
	cd_strv_free(x->own, x->nown);
	free(x->o);
	cd_map_free(&x->at);
	free(x);
}

const struct cd_vobject *cd_mgr_vobjects_list(const struct cd_mgr_vobjects *x, size_t *n)
{
	*n = x->n;
	return x->o;
}

/* A workload made of an object's fields (lower case, as selectors
 * compare), for one that is not in the inventory. */
static void as_workload(const struct cd_vobject *o, struct cd_workload *w)
{
	memset(w, 0, sizeof *w);
	w->lname = cd_lower(o->name);
	w->lhost = o->host ? cd_lower(o->host) : NULL;
	w->lsource = o->source ? cd_lower(o->source) : NULL;
}

static void workload_free(struct cd_workload *w)
{
	free(w->lname);
	free(w->lhost);
	free(w->lsource);
}

int cd_mgr_view_objects(struct cd_mgr *m, const struct cd_view *v, struct cd_mgr_vobjects **out,
			char *err, size_t errlen)
{
	const struct cd_state *st = cd_mgr_state(m);
	struct cd_sel *sel = NULL;
	if (*v->filter) {
		struct cd_diags d;
		cd_diags_init(&d);
		int e = cd_sel_parse(v->filter, (struct cd_loc){ "filter", 1, 1 }, &sel, &d);
		if (e == 0 && st)
			e = cd_resolve_sel(sel, &st->pol, &d);
		if (e) {
			snprintf(err, errlen, "filter:%d:%d: %s", d.n ? d.v[0].loc.line : 1,
				 d.n ? d.v[0].loc.col : 1, d.n ? d.v[0].msg : "not a selector");
			cd_diags_free(&d);
			cd_sel_free(sel);
			return -EINVAL;
		}
		cd_diags_free(&d);
	}
	struct cd_mgr_vobjects *x = cd_calloc(1, sizeof *x);
	x->kind = cd_vkind_name(v->kind);
	cd_map_init_exact(&x->at);
	struct cd_mstore *ms = cd_mgr_metrics(m);
	if (ms)
		cd_mstore_each(ms, object_of, x);
	/* what the inventory says of a VM; the filter */
	size_t ngroups = st ? st->pol.ngroups : 0, kept = 0;
	uint64_t zero = 0, **none = cd_calloc(ngroups + 1, sizeof *none);
	for (size_t g = 0; g < ngroups; g++)
		none[g] = &zero;
	for (size_t i = 0; i < x->n; i++) {
		struct cd_vobject *o = &x->o[i];
		size_t wi;
		const struct cd_workload *w = NULL;
		if (v->kind == CD_VK_VM && st && cd_map_get(&st->inv.by_name, o->name, &wi))
			w = &st->inv.w[wi];
		if (w) {
			o->os = keep(x, w->os);
			if (!o->host)
				o->host = keep(x, w->host);
			if (!o->source)
				o->source = keep(x, w->source);
			struct cd_buf b;
			cd_buf_init(&b, 1u << 20);
			for (size_t t = 0; t < w->ntags; t++)
				(void)cd_buf_printf(&b, "%s%s", t ? ", " : "", w->tags[t]);
			o->tags = b.len ? keep(x, b.data) : NULL;
			cd_buf_free(&b);
		}
		bool in = true;
		if (sel && w && wi < st->mem.nwl) {
			in = cd_sel_eval(sel, w, wi, st->mem.bits);
		} else if (sel) {
			struct cd_workload tmp;
			as_workload(o, &tmp);
			in = cd_sel_eval(sel, &tmp, 0, none);
			workload_free(&tmp);
		}
		if (in)
			x->o[kept++] = *o;
	}
	x->n = kept;     /* (the map's indexes are not used past here) */
	free(none);
	cd_sel_free(sel);
	*out = x;
	return 0;
}
