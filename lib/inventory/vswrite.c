/* vswrite.c - what the vSphere connector writes back: tags (the tagging
 * service) and the quarantine (vNICs moved to the quarantine port group
 * and back, each move a task waited for). */
#include <errno.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "inventory/vsession.h"
#include "inventory/vsphere.h"
#include "inventory/vsxml.h"
#include "base/util.h"

/* ---- writing back ---- */

static const char *vm_ref(struct vs *v, const char *id)
{
	const char *ref;
	json_t *o;
	json_object_foreach(v->objs, ref, o) {
		if (strcmp(json_string_value(json_object_get(o, "type")), "VirtualMachine"))
			continue;
		const char *u = json_string_value(json_object_get(o, "config.instanceUuid"));
		if ((u && !strcmp(u, id)) || !strcmp(ref, id))
			return ref;
	}
	return NULL;
}

/* The id of tag "cat=name", made when missing. */
static int tag_id(struct vs *v, const char *tag, char **id, struct cd_buf *err)
{
	const char *k;
	json_t *n;
	json_object_foreach(v->tagname, k, n)
		if (!strcasecmp(json_string_value(n), tag)) {
			*id = cd_strdup(k);
			return 0;
		}
	const char *eq = strchr(tag, '=');
	char *cat = cd_strndup(tag, (size_t)(eq - tag));
	const char *cid = NULL;
	json_object_foreach(v->catname, k, n)
		if (!strcasecmp(json_string_value(n), cat))
			cid = k;
	json_t *out = NULL;
	int r = 0;
	if (!cid) {     /* every category, then ours if none */
		json_t *list = NULL, *c;
		size_t i;
		r = cd_vs_rest(v, "GET", "/com/vmware/cis/tagging/category", NULL, &list, err);
		json_array_foreach(json_object_get(list, "value"), i, c) {
			const char *ci = json_string_value(c);
			if (!ci || json_object_get(v->catname, ci))
				continue;
			char *p = cd_asprintf("/com/vmware/cis/tagging/category/id:%s", ci);
			json_t *o = NULL;
			if (cd_vs_rest(v, "GET", p, NULL, &o, err) == 0 &&
			    json_string_value(json_object_get(json_object_get(o, "value"), "name")))
				json_object_set(v->catname, ci, json_object_get(json_object_get(o, "value"), "name"));
			free(p);
			json_decref(o);
		}
		json_decref(list);
		json_object_foreach(v->catname, k, n)
			if (!strcasecmp(json_string_value(n), cat))
				cid = k;
	}
	if (r == 0 && !cid) {
		r = cd_vs_rest(v, "POST", "/com/vmware/cis/tagging/category",
			 json_pack("{s:{s:s, s:s, s:s, s:[s]}}", "create_spec", "name", cat, "description",
				   "made by cordon", "cardinality", "MULTIPLE", "associable_types",
				   "VirtualMachine"), &out, err);
		if (r == 0 && json_string_value(json_object_get(out, "value"))) {
			json_object_set_new(v->catname, json_string_value(json_object_get(out, "value")),
					    json_string(cat));
			cid = json_string_value(json_object_get(out, "value"));
			json_object_foreach(v->catname, k, n)
				if (!strcasecmp(json_string_value(n), cat))
					cid = k;
		}
		json_decref(out);
		out = NULL;
	}
	if (r == 0 && cid) {    /* the category's tags, then ours if none */
		char *p = cd_asprintf("/com/vmware/cis/tagging/tag/id:%s?~action=list-tags-for-category", cid);
		json_t *list = NULL, *t;
		size_t i;
		if (cd_vs_rest(v, "POST", p, NULL, &list, err) == 0)
			json_array_foreach(json_object_get(list, "value"), i, t) {
				const char *ti = json_string_value(t);
				char *tp = ti ? cd_asprintf("/com/vmware/cis/tagging/tag/id:%s", ti) : NULL;
				json_t *o = NULL;
				if (tp && cd_vs_rest(v, "GET", tp, NULL, &o, err) == 0) {
					const char *tn = json_string_value(json_object_get(json_object_get(o, "value"), "name"));
					if (tn)
						json_object_set_new(v->tagname, ti, json_sprintf("%s=%s", cat, tn));
					if (tn && !strcasecmp(tn, eq + 1) && !*id)
						*id = cd_strdup(ti);
				}
				free(tp);
				json_decref(o);
			}
		free(p);
		json_decref(list);
		if (!*id) {
			r = cd_vs_rest(v, "POST", "/com/vmware/cis/tagging/tag",
				 json_pack("{s:{s:s, s:s, s:s}}", "create_spec", "name", eq + 1, "description",
					   "made by cordon", "category_id", cid), &out, err);
			const char *ti = json_string_value(json_object_get(out, "value"));
			if (r == 0 && ti) {
				*id = cd_strdup(ti);
				json_object_set_new(v->tagname, ti, json_string(tag));
			} else if (r == 0) {
				cd_buf_printf(err, "the tagging service made no tag %s", tag);
				r = -EIO;
			}
			json_decref(out);
		}
	} else if (r == 0) {
		cd_buf_printf(err, "cannot find or make tag category %s", cat);
		r = -EIO;
	}
	free(cat);
	return r;
}

static int write_tag(struct vs *v, const char *ref, const char *tag, bool add, struct cd_buf *err)
{
	/* vSphere holds category=tag tags; the others stay cordon's own */
	const char *eq = strchr(tag, '=');
	if (!v->tagging || !eq || eq == tag || !eq[1])
		return 0;
	int r = 0;
	if (add) {
		json_t *t;
		size_t i;
		json_array_foreach(json_object_get(v->vmtags, ref), i, t)
			if (!strcasecmp(json_string_value(t), tag))
				return 0;
		char *id = NULL;
		r = tag_id(v, tag, &id, err);
		if (r == 0) {
			char *p = cd_asprintf("/com/vmware/cis/tagging/tag-association/id:%s?~action=attach", id);
			r = cd_vs_rest(v, "POST", p, json_pack("{s:{s:s, s:s}}", "object_id", "type",
							 "VirtualMachine", "id", ref), NULL, err);
			free(p);
		}
		free(id);
	} else {
		json_t *t;
		size_t i;
		json_array_foreach(json_object_get(v->vmtag_ids, ref), i, t) {
			const char *name = json_string_value(json_object_get(v->tagname, json_string_value(t)));
			if (!name || strcasecmp(name, tag))
				continue;
			char *p = cd_asprintf("/com/vmware/cis/tagging/tag-association/id:%s?~action=detach",
					      json_string_value(t));
			r = cd_vs_rest(v, "POST", p, json_pack("{s:{s:s, s:s}}", "object_id", "type",
							 "VirtualMachine", "id", ref), NULL, err);
			free(p);
			if (r < 0)
				break;
		}
	}
	v->tags_at = 0;        /* read them back at the next poll */
	return r;
}

/* The backing of a vNIC on network object ref (a port group or a
 * standard network), as device XML. */
static char *backing_for(struct vs *v, const char *ref)
{
	json_t *o = json_object_get(v->objs, ref);
	const char *type = json_string_value(json_object_get(o, "type"));
	if (type && !strcmp(type, "DistributedVirtualPortgroup")) {
		const char *dvs = json_string_value(json_object_get(o, "config.distributedVirtualSwitch"));
		const char *uuid = dvs ? cd_vsx_prop(v->objs, dvs, "uuid") : NULL;
		const char *key = json_string_value(json_object_get(o, "key"));
		if (!uuid || !key)
			return NULL;
		char *u = cd_vsx_esc(uuid), *k = cd_vsx_esc(key);
		char *b = cd_asprintf("<backing xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\">"
				      "<port><switchUuid>%s</switchUuid><portgroupKey>%s</portgroupKey></port>"
				      "</backing>", u, k);
		free(u);
		free(k);
		return b;
	}
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!name)
		return NULL;
	char *n = cd_vsx_esc(name), *r = cd_vsx_esc(ref);
	char *b = cd_asprintf("<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\">"
			      "<deviceName>%s</deviceName><network type=\"Network\">%s</network></backing>", n, r);
	free(n);
	free(r);
	return b;
}

/* The device XML with its <backing> replaced. */
static char *rebacked(const char *inner, const char *backing)
{
	const char *b = strstr(inner, "<backing"), *e = b ? strstr(b, "</backing>") : NULL;
	if (!b || !e)
		return NULL;
	e += strlen("</backing>");
	return cd_asprintf("%.*s%s%s", (int)(b - inner), inner, backing, e);
}

static char *old_backing(const char *inner)
{
	const char *b = strstr(inner, "<backing"), *e = b ? strstr(b, "</backing>") : NULL;
	return e ? cd_strndup(b, (size_t)(e + strlen("</backing>") - b)) : NULL;
}

static int wait_task(struct vs *v, const char *task, struct cd_buf *err)
{
	char *t = cd_vsx_esc(task), *p = cd_vsx_esc(v->pc);
	char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><specSet><propSet>"
		"<type>Task</type><pathSet>info.state</pathSet><pathSet>info.error</pathSet></propSet>"
		"<objectSet><obj type=\"Task\">%s</obj></objectSet></specSet><options/>", p, t);
	free(t);
	free(p);
	int r = -ETIMEDOUT;
	for (int i = 0; i < 600; i++) {      /* a minute */
		xmlDoc *d;
		xmlNode *rv;
		r = cd_vs_soap(v, "RetrievePropertiesEx", body, &d, &rv, err);
		if (r < 0)
			break;
		char *state = NULL, *msg = NULL;
		for (xmlNode *ps = cd_vsx_child(cd_vsx_child(rv, "objects"), "propSet"); ps; ps = cd_vsx_next_el(ps, "propSet")) {
			char *n = cd_vsx_text(cd_vsx_child(ps, "name"));
			if (!strcmp(n, "info.state"))
				state = cd_vsx_text(cd_vsx_child(ps, "val"));
			else if (!strcmp(n, "info.error"))
				msg = cd_vsx_text(cd_vsx_child(cd_vsx_child(ps, "val"), "localizedMessage"));
			free(n);
		}
		xmlFreeDoc(d);
		bool done = state && (!strcmp(state, "success") || !strcmp(state, "error"));
		if (state && !strcmp(state, "error")) {
			cd_buf_printf(err, "the reconfiguration failed: %s", msg && *msg ? msg : "no message");
			r = -EIO;
		}
		free(state);
		free(msg);
		if (done)
			break;
		r = -ETIMEDOUT;
		usleep(100000);
	}
	if (r == -ETIMEDOUT)
		cd_buf_printf(err, "the reconfiguration did not finish in a minute");
	free(body);
	return r;
}

/* Read a VM's devices and extraConfig again: what a reconfiguration
 * changed is known at once (not every server reports extraConfig in its
 * updates). */
static int reread(struct vs *v, const char *ref, struct cd_buf *err)
{
	char *p = cd_vsx_esc(v->pc), *rf = cd_vsx_esc(ref);
	char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><specSet><propSet>"
		"<type>VirtualMachine</type><pathSet>config.hardware.device</pathSet>"
		"<pathSet>config.extraConfig</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">"
		"%s</obj></objectSet></specSet><options/>", p, rf);
	xmlDoc *d;
	xmlNode *rv;
	int r = cd_vs_soap(v, "RetrievePropertiesEx", body, &d, &rv, err);
	json_t *o = json_object_get(v->objs, ref);
	if (r == 0 && o) {
		json_object_del(o, "qfrom");
		for (xmlNode *ps = cd_vsx_child(cd_vsx_child(rv, "objects"), "propSet"); ps; ps = cd_vsx_next_el(ps, "propSet")) {
			char *n = cd_vsx_text(cd_vsx_child(ps, "name"));
			xmlNode *val = cd_vsx_child(ps, "val");
			if (val)
				cd_vsx_set_prop(o, d, n, val);
			free(n);
		}
	}
	xmlFreeDoc(d);
	free(p);
	free(rf);
	free(body);
	return r;
}

/* Move the VM's vNICs to the quarantine network, or back to where they
 * were; one ReconfigVM_Task with the record in extraConfig. */
static int write_quarantine(struct vs *v, const char *ref, bool q, struct cd_buf *err)
{
	json_t *o = json_object_get(v->objs, ref), *from = json_object_get(o, "qfrom");
	if (!v->qnet || q == (from != NULL))
		return 0;
	const char *net = NULL, *k;
	json_t *n;
	if (q) {
		json_object_foreach(v->objs, k, n) {
			const char *type = json_string_value(json_object_get(n, "type"));
			const char *name = json_string_value(json_object_get(n, "name"));
			if (name && !strcmp(name, v->qnet) &&
			    (!strcmp(type, "DistributedVirtualPortgroup") || !strcmp(type, "Network")))
				net = k;
		}
		if (!net) {
			cd_buf_printf(err, "there is no quarantine network named %s", v->qnet);
			return -ENOENT;
		}
	}
	char *qb = q ? backing_for(v, net) : NULL;
	if (q && !qb) {
		cd_buf_printf(err, "the quarantine network %s has no backing cordon can use", v->qnet);
		return -EIO;
	}
	struct cd_buf spec;
	cd_buf_init(&spec, CD_VSPHERE_BODY_MAX);
	json_t *record = json_object(), *nic;
	size_t i;
	json_array_foreach(json_object_get(o, "nics"), i, nic) {
		const char *inner = json_string_value(json_object_get(nic, "xml"));
		const char *key = json_string_value(json_object_get(nic, "key"));
		const char *back = q ? qb : json_string_value(json_object_get(from, key));
		if (!back)
			continue;       /* a vNIC added while in quarantine stays */
		char *old = old_backing(inner), *dev = rebacked(inner, back);
		if (q && old)
			json_object_set_new(record, key, json_string(old));
		if (dev)
			cd_buf_printf(&spec, "<deviceChange><operation>edit</operation>"
				      "<device xsi:type=\"%s\">%s</device></deviceChange>",
				      json_string_value(json_object_get(nic, "type")), dev);
		free(old);
		free(dev);
	}
	char *rec = q ? json_dumps(record, JSON_COMPACT) : cd_strdup("");
	char *re = cd_vsx_esc(rec), *rf = cd_vsx_esc(ref);
	cd_buf_printf(&spec, "<extraConfig><key>%s</key><value xsi:type=\"xsd:string\">%s</value></extraConfig>",
		      CD_VSX_QFROM, re);
	char *body = cd_asprintf("<_this type=\"VirtualMachine\">%s</_this><spec>%s</spec>", rf,
				 spec.data ? spec.data : "");
	char *task = NULL;
	int r = cd_vs_soap_ref(v, "ReconfigVM_Task", body, &task, err);
	if (r == 0)
		r = wait_task(v, task, err);
	if (r == 0)
		r = reread(v, ref, err);
	free(task);
	free(body);
	free(re);
	free(rf);
	free(rec);
	free(qb);
	json_decref(record);
	cd_buf_free(&spec);
	return r;
}

int cd_vs_write(void *h, const char *id, const char *tag, bool add, bool quarantined,
		struct cd_buf *err)
{
	struct vs *v = h;
	const char *ref = vm_ref(v, id);
	if (!ref) {
		cd_buf_printf(err, "no VM with id %s", id);
		return -ENOENT;
	}
	int r = write_tag(v, ref, tag, add, err);
	if (r == 0)
		r = write_quarantine(v, ref, quarantined, err);
	return r;
}

