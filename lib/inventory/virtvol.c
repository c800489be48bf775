/* virtvol.c - pool images no domain references (see virtvol.h). */
#include "inventory/virtvol.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/virt.h"

/* A path as compared: "//" made "/", a trailing "/" dropped (new string). */
static char *norm(const char *p)
{
	char *o = cd_strdup(p), *w = o;
	for (const char *r = p; *r; r++)
		if (!(*r == '/' && r[1] == '/'))
			*w++ = *r;
	*w = 0;
	while (w - o > 1 && w[-1] == '/')
		*--w = 0;
	return o;
}

static void add_ref(json_t *refs, const char *key)
{
	if (!key || !*key || json_object_size(refs) >= 4 * CD_VIRTVOL_MAX_VOLUMES)
		return;
	char *k = norm(key);
	json_object_set_new(refs, k, json_true());
	free(k);
}

static xmlDoc *parse(const char *xml, size_t len)
{
	if (len > CD_VIRT_XML_MAX || len > (size_t)INT32_MAX)
		return NULL;
	return xmlReadMemory(xml, (int)len, "virt.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static char *prop(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *r = v ? cd_strdup((const char *)v) : NULL;
	xmlFree(v);
	return r;
}

int cd_virtvol_domain_refs(const char *xml, size_t len, json_t *refs, struct cd_buf *err)
{
	xmlDoc *doc = parse(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || strcmp((const char *)root->name, "domain")) {
		cd_buf_printf(err, "not a libvirt domain XML document");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	xmlXPathContext *x = xmlXPathNewContext(doc);
	/* every source of a disk: its own, its backing chain's, a mirror's */
	xmlXPathObject *o = x ? xmlXPathEvalExpression((const xmlChar *)
		"/domain/devices/disk//source", x) : NULL;
	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlNode *s = o->nodesetval->nodeTab[i];
		char *file = prop(s, "file"), *dev = prop(s, "dev");
		char *pool = prop(s, "pool"), *vol = prop(s, "volume");
		add_ref(refs, file);
		add_ref(refs, dev);
		if (pool && vol) {
			char *k = cd_asprintf("pool:%s/%s", pool, vol);
			json_object_set_new(refs, k, json_true());
			free(k);
		}
		free(file);
		free(dev);
		free(pool);
		free(vol);
	}
	xmlXPathFreeObject(o);
	/* the files the firmware and direct kernel boot read */
	o = x ? xmlXPathEvalExpression((const xmlChar *)
		"/domain/os/kernel | /domain/os/initrd | /domain/os/loader | /domain/os/nvram", x) : NULL;
	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlChar *t = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
		if (t && t[0] == '/')
			add_ref(refs, (const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	return 0;
}

/* Whether volume v is referenced by used (paths and pool:POOL/NAME). */
static bool used_by(json_t *v, const json_t *used)
{
	const char *path = json_string_value(json_object_get(v, "path"));
	char *k = cd_asprintf("pool:%s/%s", json_string_value(json_object_get(v, "pool")),
			      json_string_value(json_object_get(v, "name")));
	char *p = path ? norm(path) : NULL;
	bool u = json_object_get(used, k) || (p && json_object_get(used, p));
	free(k);
	free(p);
	return u;
}

json_t *cd_virtvol_unused(const json_t *volumes, const json_t *refs)
{
	json_t *used = json_deep_copy(refs), *v;
	size_t n = json_array_size(volumes), i;
	bool *in = cd_calloc(n ? n : 1, sizeof(*in));
	/* a used volume's backing file is used: until nothing more is */
	for (bool more = true; more;) {
		more = false;
		json_array_foreach(volumes, i, v) {
			if (in[i] || !used_by(v, used))
				continue;
			in[i] = true;
			const char *b = json_string_value(json_object_get(v, "backing"));
			if (b && *b) {
				char *nb = norm(b);
				more |= json_object_get(used, nb) == NULL;
				json_object_set_new(used, nb, json_true());
				free(nb);
			}
		}
	}
	json_t *out = json_array();
	json_array_foreach(volumes, i, v)
		if (!in[i])
			json_array_append(out, v);
	free(in);
	json_decref(used);
	return out;
}

/* ---- a libvirt host ---- */

static void silent(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static const char *last_error(void)
{
	virErrorPtr e = virGetLastError();
	return e && e->message ? e->message : "unknown error";
}

/* A string of a volume's XML by XPath (new), or NULL. */
static char *xml_string(const char *xml, const char *expr)
{
	xmlDoc *doc = xml ? parse(xml, strlen(xml)) : NULL;
	xmlXPathContext *x = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObject *o = x ? xmlXPathEvalExpression((const xmlChar *)expr, x) : NULL;
	char *r = o && o->type == XPATH_STRING && o->stringval && o->stringval[0]
		? cd_strdup((const char *)o->stringval) : NULL;
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	return r;
}

static void domain_refs(virDomainPtr d, json_t *refs)
{
	struct cd_buf e;
	cd_buf_init(&e, 256);
	/* the live definition, and the one it boots with next */
	unsigned flags[2] = { 0, VIR_DOMAIN_XML_INACTIVE };
	for (int k = 0; k < (virDomainIsActive(d) == 1 && virDomainIsPersistent(d) == 1 ? 2 : 1); k++) {
		char *xml = virDomainGetXMLDesc(d, flags[k]);
		if (xml)
			cd_virtvol_domain_refs(xml, strlen(xml), refs, &e);
		else
			virResetLastError();
		free(xml);
	}
	cd_buf_free(&e);
}

static void pool_volumes(virStoragePoolPtr pool, json_t *volumes)
{
	virStoragePoolRefresh(pool, 0);    /* (a read-only connection may not: as it was) */
	virResetLastError();
	virStorageVolPtr *vols = NULL;
	int n = virStoragePoolListAllVolumes(pool, &vols, 0);
	for (int i = 0; i < n; i++) {
		virStorageVolInfo info;
		char *path = NULL, *xml = NULL;
		if (json_array_size(volumes) < CD_VIRTVOL_MAX_VOLUMES &&
		    virStorageVolGetInfo(vols[i], &info) == 0 &&
		    (info.type == VIR_STORAGE_VOL_FILE || info.type == VIR_STORAGE_VOL_BLOCK) &&
		    (path = virStorageVolGetPath(vols[i]))) {
			xml = virStorageVolGetXMLDesc(vols[i], 0);
			char *fmt = xml_string(xml, "string(/volume/target/format/@type)");
			char *back = xml_string(xml, "string(/volume/backingStore/path)");
			json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:s?}",
				"pool", virStoragePoolGetName(pool), "name", virStorageVolGetName(vols[i]),
				"path", path, "type", info.type == VIR_STORAGE_VOL_FILE ? "file" : "block",
				"format", fmt, "allocation_bytes", (json_int_t)info.allocation,
				"capacity_bytes", (json_int_t)info.capacity, "backing", back);
			if (v)
				json_array_append_new(volumes, v);
			free(fmt);
			free(back);
		}
		virResetLastError();
		free(path);
		free(xml);
		virStorageVolFree(vols[i]);
	}
	free(vols);
}

int cd_virtvol_scan(const char *uri, json_t *refs, json_t *volumes, size_t *domains,
		    struct cd_buf *err)
{
	*domains = 0;
	virSetErrorFunc(NULL, silent);
	virConnectPtr c = virConnectOpen(uri);
	if (!c) {
		cd_buf_printf(err, "cannot connect to %s: %s", uri, last_error());
		return -ECONNREFUSED;
	}
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c, &doms, 0);     /* running and defined */
	if (n < 0) {
		cd_buf_printf(err, "listing the domains of %s: %s", uri, last_error());
		virConnectClose(c);
		return -EIO;
	}
	for (int i = 0; i < n; i++) {
		if (i < CD_VIRTVOL_MAX_DOMAINS)
			domain_refs(doms[i], refs);
		virDomainFree(doms[i]);
	}
	free(doms);
	*domains = (size_t)n;
	virStoragePoolPtr *pools = NULL;
	int np = virConnectListAllStoragePools(c, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
	int r = 0;
	if (np < 0) {
		cd_buf_printf(err, "listing the pools of %s: %s", uri, last_error());
		r = -EIO;
	}
	for (int i = 0; i < np; i++) {
		pool_volumes(pools[i], volumes);
		virStoragePoolFree(pools[i]);
	}
	free(pools);
	virConnectClose(c);
	return r;
}
