/* virt.c - workloads from a libvirt host (see virt.h). */
#include "virt.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static bool is_cordon(const xmlNode *n, const char *name)
{
	return is(n, name) && n->ns && n->ns->href && !strcmp((const char *)n->ns->href, CD_VIRT_NS);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* The text of a node, trimmed, as a new string (NULL when empty). */
static char *text_of(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	if (!t)
		return NULL;
	const char *s = (const char *)t;
	s += strspn(s, " \t\r\n");
	size_t l = strlen(s);
	while (l && strchr(" \t\r\n", s[l - 1]))
		l--;
	char *r = l ? cd_strndup(s, l) : NULL;
	xmlFree(t);
	return r;
}

static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	char *r = v ? cd_strdup((const char *)v) : NULL;
	xmlFree(v);
	return r;
}

int cd_virt_domain(const char *xml, size_t len, const char *host, json_t **out,
		   struct cd_buf *err)
{
	*out = NULL;
	if (len > CD_VIRT_XML_MAX) {
		cd_buf_printf(err, "domain XML larger than %u bytes", CD_VIRT_XML_MAX);
		return -EINVAL;
	}
	/* no network, no entities, no DTD: the XML is data only */
	xmlDoc *doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !is(root, "domain")) {
		cd_buf_printf(err, "not a libvirt domain XML document");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	char *name = text_of(child(root, "name")), *uuid = text_of(child(root, "uuid"));
	if (!name) {
		cd_buf_printf(err, "the domain has no name");
		free(uuid);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	json_t *w = json_pack("{s:s, s:s, s:s}", "name", name, "id", uuid ? uuid : name, "host", host);
	json_t *tags = json_array(), *vnics = json_array();
	/* cordon's metadata: tags, and addresses by device */
	const xmlNode *meta = NULL;
	for (const xmlNode *c = child(root, "metadata") ? child(root, "metadata")->children : NULL; c; c = c->next)
		if (is_cordon(c, "workload"))
			meta = c;
	json_t *ips_by_dev = json_object();
	for (const xmlNode *c = meta ? meta->children : NULL; c; c = c->next) {
		if (is_cordon(c, "tag")) {
			char *t = text_of(c);
			if (t)
				json_array_append_new(tags, json_string(t));
			free(t);
		} else if (is_cordon(c, "ip")) {
			/* by device, or by MAC (which every driver keeps) */
			char *ip = text_of(c), *dev = attr(c, "dev"), *mac = attr(c, "mac");
			if (ip) {
				char *k = mac ? cd_asprintf("mac:%s", mac) : NULL;
				const char *key = k ? k : dev ? dev : "";
				json_t *a = json_object_get(ips_by_dev, key);
				if (!a) {
					a = json_array();
					json_object_set_new(ips_by_dev, key, a);
				}
				json_array_append_new(a, json_string(ip));
				free(k);
			}
			free(ip);
			free(dev);
			free(mac);
		}
	}
	bool first = true;
	for (const xmlNode *c = child(child(root, "devices"), "interface"); c; c = c->next) {
		if (!is(c, "interface"))
			continue;
		char *dev = attr(child(c, "target"), "dev"), *mac = attr(child(c, "mac"), "address");
		if (dev) {       /* no host-side device: nothing to filter on */
			json_t *v = json_pack("{s:s}", "ifname", dev);
			if (mac)
				json_object_set_new(v, "mac", json_string(mac));
			char *mk = mac ? cd_asprintf("mac:%s", mac) : NULL;
			json_t *ips = mk ? json_object_get(ips_by_dev, mk) : NULL;
			free(mk);
			if (!ips)
				ips = json_object_get(ips_by_dev, dev);
			if (!ips && first)          /* an address without dev= is the first vNIC's */
				ips = json_object_get(ips_by_dev, "");
			json_object_set_new(v, "ips", ips ? json_deep_copy(ips) : json_array());
			json_array_append_new(vnics, v);
			first = false;
		}
		free(dev);
		free(mac);
	}
	json_decref(ips_by_dev);
	json_object_set_new(w, "tags", tags);
	json_object_set_new(w, "vnics", vnics);
	free(name);
	free(uuid);
	xmlFreeDoc(doc);
	*out = w;
	return 0;
}

static void silent(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static void xml_silent(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

int cd_virt_list(const char *uri, char **host, json_t **out, struct cd_buf *err)
{
	*out = NULL;
	*host = NULL;
	virSetErrorFunc(NULL, silent);
	xmlSetGenericErrorFunc(NULL, xml_silent);     /* errors come back in err */
	virConnectPtr c = virConnectOpenReadOnly(uri);
	if (!c) {
		virErrorPtr e = virGetLastError();
		cd_buf_printf(err, "cannot connect to %s: %s", uri, e && e->message ? e->message : "unknown error");
		return -ECONNREFUSED;
	}
	char *h = virConnectGetHostname(c);
	*host = cd_strdup(h ? h : "localhost");
	free(h);
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c, &doms, 0);
	if (n < 0) {
		virErrorPtr e = virGetLastError();
		cd_buf_printf(err, "listing the domains of %s: %s", uri, e && e->message ? e->message : "refused");
		virConnectClose(c);
		return -EIO;
	}
	json_t *a = json_array();
	int r = 0;
	for (int i = 0; i < n; i++) {
		char *xml = virDomainGetXMLDesc(doms[i], 0);
		json_t *w;
		if (xml && cd_virt_domain(xml, strlen(xml), *host, &w, err) == 0)
			json_array_append_new(a, w);
		else if (!xml)
			r = -EIO;
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	*out = a;
	return r;
}
