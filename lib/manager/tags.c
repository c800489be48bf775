/* tags.c - the tag layer: tags set through the API over the sources'
 * own, and the quarantine tag with it (see mgr_priv.h). */
#include "manager/mgr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"

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
	json_t *sw = cd_mgr_source_wl(m, wl->id), *t;
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
	int r = cd_mgr_begin(m);
	bool drop = add == in_source;   /* the layer entry only undoes itself */
	if (r == 0)
		r = drop ? cd_store_tag_del(m->store, wl->id, tag)
			 : cd_store_tag_put(m->store, wl->id, tag, add);
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
	char *text = NULL;
	if (r == 0) {       /* the delta, for the other managers too */
		json_object_set_new(body, "seq", json_integer(cd_mgr_open_seq(m)));
		text = json_dumps(body, JSON_COMPACT);
		cd_mgr_record(m, text);
	}
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		free(text);
		free(tags);
		json_decref(body);
		json_decref(jt);
		return r;
	}
	if (drop)
		cd_mgr_layer_del(m, wl->id, tag);
	else
		cd_mgr_layer_set(m, wl->id, tag, add);
	if (m->hooks.tags && cd_mgr_source_connected(cd_mgr_source_get(m, wl->source))) {
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
	cd_mgr_delta_push(m, text);
	json_decref(body);
	return 1;
}

int cd_mgr_tag(struct cd_mgr *m, const char *workload, const char *tag, bool add,
	       const struct cd_actor *a)
{
	return cd_mgr_set_tag(m, workload, tag, add, a, "tag", NULL, NULL);
}

