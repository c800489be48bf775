/* vsupdate.c - the vSphere connector's pure half (see vsphere.h): the
 * property collector's update sets applied to a map of managed objects
 * (moref -> JSON), and the workloads made from it.  No network: the
 * fuzzer and the unit tests call these without a server. */
#include "inventory/vsphere.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inventory/vsxml.h"
#include "base/util.h"

/* ---- update sets: managed objects as JSON ---- */

/* config.hardware.device: the Ethernet cards. */
static json_t *nics(xmlDoc *doc, xmlNode *val)
{
	json_t *a = json_array();
	for (xmlNode *d = cd_vsx_first_el(val); d; d = d->next) {
		if (d->type != XML_ELEMENT_NODE)
			continue;
		xmlNode *mac = cd_vsx_child(d, "macAddress"), *bk = cd_vsx_child(d, "backing");
		if (!mac || !bk)
			continue;
		xmlNode *port = cd_vsx_child(bk, "port");
		json_t *n = json_object();
		json_object_set_new(n, "key", cd_vsx_jtext(cd_vsx_child(d, "key")));
		char *t = cd_vsx_xsi_type(d);
		json_object_set_new(n, "type", json_string(t));
		free(t);
		json_object_set_new(n, "mac", cd_vsx_jtext(mac));
		char *in = cd_vsx_inner_xml(doc, d);
		json_t *js = json_string(in);
		json_object_set_new(n, "xml", js ? js : json_string(""));
		free(in);
		if (port)
			json_object_set_new(n, "portgroup", cd_vsx_jtext(cd_vsx_child(port, "portgroupKey")));
		else if (cd_vsx_child(bk, "network"))
			json_object_set_new(n, "network", cd_vsx_jtext(cd_vsx_child(bk, "network")));
		json_array_append_new(a, n);
	}
	return a;
}

/* guest.net: addresses by MAC. */
static json_t *guest_net(const xmlNode *val)
{
	json_t *o = json_object();
	for (xmlNode *g = cd_vsx_first_el(val); g; g = cd_vsx_next_el(g, (const char *)g->name)) {
		char *mac = cd_vsx_text(cd_vsx_child(g, "macAddress"));
		json_t *ips = json_array();
		for (xmlNode *ip = cd_vsx_child(g, "ipAddress"); ip; ip = cd_vsx_next_el(ip, "ipAddress"))
			json_array_append_new(ips, cd_vsx_jtext(ip));
		if (*mac)
			json_object_set_new(o, mac, ips);
		else
			json_decref(ips);
		free(mac);
	}
	return o;
}

/* config.extraConfig: cordon's quarantine record (the last value wins;
 * an empty one is none, as vSphere removes a key set to ""). */
static json_t *qfrom(const xmlNode *val)
{
	json_t *r = NULL;
	for (xmlNode *o = cd_vsx_first_el(val); o; o = o->next) {
		if (o->type != XML_ELEMENT_NODE)
			continue;
		char *k = cd_vsx_text(cd_vsx_child(o, "key"));
		if (!strcmp(k, CD_VSX_QFROM)) {
			json_decref(r);
			char *v = cd_vsx_text(cd_vsx_child(o, "value"));
			r = *v ? json_loads(v, 0, NULL) : NULL;
			free(v);
		}
		free(k);
	}
	return r;
}

/* An ArrayOfManagedObjectReference: the references, as [MOREF]. */
static json_t *refs(xmlNode *val)
{
	json_t *a = json_array();
	for (xmlNode *c = cd_vsx_child(val, "ManagedObjectReference"); c && json_array_size(a) < 64;
	     c = cd_vsx_next_el(c, "ManagedObjectReference")) {
		char *t = cd_vsx_text(c);
		if (*t)
			json_array_append_new(a, json_string(t));
		free(t);
	}
	return a;
}

void cd_vsx_set_prop(json_t *obj, xmlDoc *doc, const char *name, xmlNode *val)
{
	if (!strcmp(name, "datastore"))
		json_object_set_new(obj, "datastores", refs(val));
	else if (!strcmp(name, "config.hardware.device"))
		json_object_set_new(obj, "nics", nics(doc, val));
	else if (!strcmp(name, "guest.net"))
		json_object_set_new(obj, "ips", guest_net(val));
	else if (!strcmp(name, "config.extraConfig")) {
		json_t *q = qfrom(val);
		if (q)
			json_object_set_new(obj, "qfrom", q);
		else
			json_object_del(obj, "qfrom");
	} else
		json_object_set_new(obj, name, cd_vsx_jtext(val));
}

static void del_prop(json_t *obj, const char *name)
{
	if (!strcmp(name, "datastore"))
		json_object_del(obj, "datastores");
	else if (!strcmp(name, "config.hardware.device"))
		json_object_del(obj, "nics");
	else if (!strcmp(name, "guest.net"))
		json_object_del(obj, "ips");
	else if (!strcmp(name, "config.extraConfig"))
		json_object_del(obj, "qfrom");
	else
		json_object_del(obj, name);
}

int cd_vsphere_apply(json_t *objs, const char *xml, size_t len, char **version,
		     bool *truncated, struct cd_buf *err)
{
	*truncated = false;
	xmlDoc *doc = cd_vsx_parse(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *resp = cd_vsx_first_el(cd_vsx_child(root, "Body"));
	if (!resp || !cd_vsx_is(resp, "WaitForUpdatesExResponse")) {
		cd_buf_printf(err, "the server's answer to WaitForUpdatesEx is not one");
		xmlFreeDoc(doc);
		return -EPROTO;
	}
	xmlNode *rv = cd_vsx_child(resp, "returnval");
	if (!rv) {              /* nothing changed while it waited */
		xmlFreeDoc(doc);
		return 0;
	}
	char *ver = cd_vsx_text(cd_vsx_child(rv, "version"));
	free(*version);
	*version = ver;
	xmlNode *tr = cd_vsx_child(rv, "truncated");
	if (tr) {
		char *t = cd_vsx_text(tr);
		*truncated = !strcmp(t, "true");
		free(t);
	}
	for (xmlNode *fs = cd_vsx_child(rv, "filterSet"); fs; fs = cd_vsx_next_el(fs, "filterSet"))
		for (xmlNode *os = cd_vsx_child(fs, "objectSet"); os; os = cd_vsx_next_el(os, "objectSet")) {
			char *kind = cd_vsx_text(cd_vsx_child(os, "kind")), *ref = cd_vsx_text(cd_vsx_child(os, "obj"));
			xmlChar *type = xmlGetProp(cd_vsx_child(os, "obj"), (const xmlChar *)"type");
			if (!*ref || !type) {
				free(kind);
				free(ref);
				xmlFree(type);
				continue;
			}
			if (!strcmp(kind, "leave")) {
				json_object_del(objs, ref);
			} else {
				json_t *o = json_object_get(objs, ref);
				if (!o) {
					o = json_pack("{s:s}", "type", (const char *)type);
					json_object_set_new(objs, ref, o);
				}
				for (xmlNode *ch = cd_vsx_child(os, "changeSet"); ch; ch = cd_vsx_next_el(ch, "changeSet")) {
					char *name = cd_vsx_text(cd_vsx_child(ch, "name")), *op = cd_vsx_text(cd_vsx_child(ch, "op"));
					xmlNode *val = cd_vsx_child(ch, "val");
					if (!strcmp(op, "remove") || !strcmp(op, "indirectRemove") || !val)
						del_prop(o, name);
					else
						cd_vsx_set_prop(o, doc, name, val);
					free(name);
					free(op);
				}
			}
			free(kind);
			free(ref);
			xmlFree(type);
		}
	xmlFreeDoc(doc);
	return 1;
}

/* ---- workloads ---- */

const char *cd_vsx_prop(json_t *objs, const char *ref, const char *name)
{
	return json_string_value(json_object_get(json_object_get(objs, ref), name));
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "id")),
		      json_string_value(json_object_get(*(json_t *const *)b, "id")));
}

/* A vNIC name of cordon's for a VM's vNIC: ESXi has no host device to
 * name, but a workload's vNICs need names unique on its host, across
 * servers too (two vCenters may both have a host named esx01): "v", four
 * hex digits of the server, six of the VM's id, "-" and the vNIC's index. */
static char *nic_name(uint32_t server, const char *id, size_t i)
{
	char hex[7];
	size_t n = 0;
	for (const char *p = id; *p && n < 6; p++)
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
			hex[n++] = *p;
	hex[n] = 0;
	return cd_asprintf("v%04x%s-%zu", (unsigned)(server & 0xffff), hex, i);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 16);
}

json_t *cd_vsphere_workloads(json_t *objs, json_t *vmtags, const char *server)
{
	uint32_t sv = fnv1a(server ? server : "");
	size_t n = 0, cap = 16;
	json_t **v = cd_calloc(cap, sizeof(*v));
	const char *ref;
	json_t *o;
	json_object_foreach(objs, ref, o) {
		if (strcmp(json_string_value(json_object_get(o, "type")), "VirtualMachine"))
			continue;
		const char *name = json_string_value(json_object_get(o, "name"));
		if (!name || !*name)
			continue;
		const char *id = json_string_value(json_object_get(o, "config.instanceUuid"));
		if (!id || !*id)
			id = ref;
		const char *hostref = json_string_value(json_object_get(o, "runtime.host"));
		const char *host = hostref ? cd_vsx_prop(objs, hostref, "name") : NULL;
		json_t *w = json_pack("{s:s, s:s, s:s}", "name", name, "id", id, "host",
				      host && *host ? host : "unknown");
		const char *os = json_string_value(json_object_get(o, "config.guestFullName"));
		if (os && *os)
			json_object_set_new(w, "os", json_string(os));
		json_t *tags = json_object_get(vmtags, ref);
		json_object_set_new(w, "tags", tags ? json_copy(tags) : json_array());
		json_t *vnics = json_array(), *nic, *ips = json_object_get(o, "ips");
		size_t i;
		json_array_foreach(json_object_get(o, "nics"), i, nic) {
			if (i >= 100)          /* vSphere allows 10; the name has room for 2 digits */
				break;
			const char *mac = json_string_value(json_object_get(nic, "mac"));
			char *ifn = nic_name(sv, id, i);
			json_t *vn = json_pack("{s:s}", "ifname", ifn), *a = json_array(), *ip;
			free(ifn);
			if (mac && *mac) {
				char *lmac = cd_lower(mac);
				json_object_set_new(vn, "mac", json_string(lmac));
				free(lmac);
			}
			size_t k;
			json_array_foreach(mac ? json_object_get(ips, mac) : NULL, k, ip)
				if (strncasecmp(json_string_value(ip), "fe80:", 5))   /* link-local: not policy */
					json_array_append(a, ip);
			json_object_set_new(vn, "ips", a);
			json_array_append_new(vnics, vn);
		}
		json_object_set_new(w, "vnics", vnics);
		if (n == cap)
			v = cd_realloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = w;
	}
	qsort(v, n, sizeof(*v), cmp_id);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	return out;
}

