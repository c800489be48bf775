/* named.c - documents kept by name, each with its revisions
 * (store_named.c), over the ones cordon ships: what list views (views.c)
 * and reports (reports.c) share.  A saved document of a built-in's name
 * replaces it; removed, the built-in is back; a built-in is not removed. */
#include "manager/mgr_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cd_mgr_named_saved(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
		       void *out, int64_t *rev)
{
	struct cd_revision r;
	int e = cd_store_named_get(m->store, k->kind, name, 0, &r);
	if (e)
		return e;
	char err[256];
	e = r.doc ? k->parse(r.doc, strlen(r.doc), out, err, sizeof err) : -ENOENT;
	if (e == -EINVAL)      /* kept by a newer cordon, or edited by hand */
		e = -EIO;
	if (e == 0 && rev)
		*rev = r.rev;
	cd_revision_free(&r);
	return e;
}

int cd_mgr_named_get(struct cd_mgr *m, const struct cd_named_kind *k, const char *name, void *out,
		     int64_t *rev)
{
	int e = cd_mgr_named_saved(m, k, name, out, rev);
	if (e != -ENOENT)
		return e;
	if (rev)
		*rev = 0;
	return k->builtin_named(name, out);
}

static bool has_builtin(const struct cd_named_kind *k, const char *name)
{
	void *b = cd_calloc(1, k->size);
	bool has = k->builtin_named(name, b) == 0;
	if (has)
		k->free(b);
	free(b);
	return has;
}

struct list {
	struct cd_mgr *m;
	const struct cd_named_kind *k;
	json_t *out;
	struct cd_map seen;        /* the saved names (the map borrows its keys: */
	char **names;              /* these) */
	size_t nnames, cap;
};

static int list_row(void *p, const char *name, const struct cd_revision *r)
{
	struct list *l = p;
	char err[256];
	void *doc = cd_calloc(1, l->k->size);
	if (!r->doc || l->k->parse(r->doc, strlen(r->doc), doc, err, sizeof err)) {
		free(doc);         /* removed (a built-in of its name is back), or unreadable */
		return 0;
	}
	char *own = cd_strdup(name);
	CD_PUSH(l->names, l->nnames, l->cap, own);
	cd_map_put(&l->seen, own, 0, NULL);
	json_t *o = l->k->summary(l->m, doc, r->rev, false);
	json_object_set_new(o, "time", json_integer(r->time));
	if (r->author)
		json_object_set_new(o, "author", json_string(r->author));
	json_object_set_new(o, "replaces_builtin", json_boolean(has_builtin(l->k, name)));
	json_array_append_new(l->out, o);
	l->k->free(doc);
	free(doc);
	return 0;
}

json_t *cd_mgr_named_list(struct cd_mgr *m, const struct cd_named_kind *k)
{
	struct list l = { .m = m, .k = k, .out = json_array() };
	cd_map_init_exact(&l.seen);
	int e = cd_store_named_each(m->store, k->kind, list_row, &l);
	void *doc = cd_calloc(1, k->size);
	for (size_t i = 0; e >= 0 && i < k->builtins(); i++) {
		if (k->builtin(i, doc))
			continue;
		if (!cd_map_get(&l.seen, k->name_of(doc), NULL))
			json_array_append_new(l.out, k->summary(m, doc, 0, true));
		k->free(doc);
	}
	free(doc);
	cd_map_free(&l.seen);
	cd_strv_free(l.names, l.nnames);
	if (e < 0) {
		json_decref(l.out);
		return NULL;
	}
	return l.out;
}

int cd_mgr_named_save(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
		      const char *text, const struct cd_actor *a, int64_t *rev, const char *fmt, ...)
{
	int e = cd_mgr_begin_n(m, 0);
	if (e == 0)
		e = cd_store_named_put(m->store, k->kind, name, text, a ? a->name : NULL, "saved",
				       cd_mgr_now(), rev);
	if (e == 0) {
		char msg[512];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		e = cd_mgr_event(m, k->event, NULL, NULL, a,
				 json_pack("{s:s, s:I}", k->what, name, "revision", (json_int_t)*rev),
				 "%s %s saved (revision %lld%s)", k->what, name, (long long)*rev, msg);
	}
	return cd_mgr_finish(m, e);
}

int cd_mgr_named_remove(struct cd_mgr *m, const struct cd_named_kind *k, const char *name,
			const struct cd_actor *a)
{
	void *doc = cd_calloc(1, k->size);
	int64_t rev;
	int e = cd_mgr_named_saved(m, k, name, doc, &rev);
	if (e == 0)
		k->free(doc);
	free(doc);
	if (e == -ENOENT)
		return has_builtin(k, name) ? -EPERM : -ENOENT;
	if (e && e != -EIO)    /* one that no longer reads may still be removed */
		return e;
	e = cd_mgr_begin_n(m, 0);
	if (e == 0)
		e = cd_store_named_put(m->store, k->kind, name, NULL, a ? a->name : NULL, "removed",
				       cd_mgr_now(), &rev);
	if (e == 0)
		e = cd_mgr_event(m, k->event, NULL, NULL, a,
				 json_pack("{s:s, s:I}", k->what, name, "revision", (json_int_t)rev),
				 "%s %s removed (revision %lld)", k->what, name, (long long)rev);
	return cd_mgr_finish(m, e);
}
