/* virt.c - workloads from a libvirt host (see virt.h). */
#include "inventory/virt.h"
#include "inventory/virturi.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <strings.h>
#include <time.h>
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

/* ---- the connector (source.h) ---- */

/* libvirt delivers events from its default event loop, run by one thread
 * of ours for every connection of the process. */
static pthread_once_t loop_once = PTHREAD_ONCE_INIT;
static bool loop_ok;

static void *loop_run(void *arg)
{
	(void)arg;
	for (;;)
		virEventRunDefaultImpl();
	return NULL;
}

static void loop_start(void)
{
	pthread_t t;
	if (virEventRegisterDefaultImpl() == 0 && pthread_create(&t, NULL, loop_run, NULL) == 0) {
		pthread_detach(t);
		loop_ok = true;
	}
}

struct vsess {
	virConnectPtr c;
	char *uri, *host;
	int cbs[4];
	bool first;                /* the next poll gives the whole view */
	json_t *view;              /* {uuid: workload} */
	pthread_mutex_t mu;        /* the fields below: set by callbacks */
	pthread_cond_t cond;
	json_t *dirty;             /* {uuid: true} */
	bool closed;
	char *why;
	struct vsess *next_live;
};

/* The sessions alive.  libvirt may still be running a callback of ours
 * when its deregistration returns, and calls the free functions it was
 * given only when it next flushes events: so a callback finds its session
 * here first, under live_mu, and a session is taken off the list before
 * it is freed. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vsess *live;

/* Lock live_mu when v is alive (true); a callback then works on it. */
static bool alive(struct vsess *v)
{
	pthread_mutex_lock(&live_mu);
	for (struct vsess *l = live; l; l = l->next_live)
		if (l == v)
			return true;
	pthread_mutex_unlock(&live_mu);
	return false;
}

static const char *last_error(void)
{
	virErrorPtr e = virGetLastError();
	return e && e->message ? e->message : "unknown error";
}

static void mark(virDomainPtr dom, void *opaque)
{
	struct vsess *v = opaque;
	char uuid[VIR_UUID_STRING_BUFLEN];
	if (virDomainGetUUIDString(dom, uuid) < 0 || !alive(v))
		return;
	pthread_mutex_lock(&v->mu);
	json_object_set_new(v->dirty, uuid, json_true());
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->mu);
	pthread_mutex_unlock(&live_mu);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr dom, int event, int detail, void *opaque)
{
	(void)c, (void)event, (void)detail;
	mark(dom, opaque);
	return 0;
}

static void on_metadata(virConnectPtr c, virDomainPtr dom, int type, const char *nsuri, void *opaque)
{
	(void)c, (void)type, (void)nsuri;
	mark(dom, opaque);
}

static void on_device(virConnectPtr c, virDomainPtr dom, const char *alias, void *opaque)
{
	(void)c, (void)alias;
	mark(dom, opaque);
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
	(void)c;
	struct vsess *v = opaque;
	static const char *const why[] = { "an I/O error", "end of file", "a keepalive timeout",
					   "the client closing it" };
	if (!alive(v))
		return;
	pthread_mutex_lock(&v->mu);
	v->closed = true;
	free(v->why);
	v->why = cd_asprintf("the connection to %s closed: %s", v->uri,
			     reason >= 0 && reason < 4 ? why[reason] : "unknown reason");
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->mu);
	pthread_mutex_unlock(&live_mu);
}

static void vsess_free(struct vsess *v)
{
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cond);
	json_decref(v->view);
	json_decref(v->dirty);
	free(v->uri);
	free(v->host);
	free(v->why);
	free(v);
}

static void v_close(void *h)
{
	struct vsess *v = h;
	for (int i = 0; i < 4; i++)
		if (v->cbs[i] >= 0)
			virConnectDomainEventDeregisterAny(v->c, v->cbs[i]);
	virConnectUnregisterCloseCallback(v->c, on_close);
	virConnectClose(v->c);
	pthread_mutex_lock(&live_mu);
	for (struct vsess **l = &live; *l; l = &(*l)->next_live)
		if (*l == v) {
			*l = v->next_live;
			break;
		}
	pthread_mutex_unlock(&live_mu);
	vsess_free(v);
}

static int v_open(const json_t *config, void **h, struct cd_buf *err)
{
	const char *uri = json_string_value(json_object_get(config, "uri"));
	if (!uri) {
		cd_buf_printf(err, "a libvirt source needs a URI");
		return -EINVAL;
	}
	if (cd_virt_uri_check(uri, err) < 0)   /* also for sources stored before the check */
		return -EINVAL;
	pthread_once(&loop_once, loop_start);
	virSetErrorFunc(NULL, silent);
	xmlSetGenericErrorFunc(NULL, xml_silent);
	if (!loop_ok) {
		cd_buf_printf(err, "cannot start libvirt's event loop");
		return -EIO;
	}
	virConnectPtr c = virConnectOpen(uri);
	if (!c) {
		cd_buf_printf(err, "cannot connect to %s: %s", uri, last_error());
		return -ECONNREFUSED;
	}
	/* permissions: listing the domains is what the connector does */
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c, &doms, 0);
	if (n < 0) {
		cd_buf_printf(err, "listing the domains of %s: %s", uri, last_error());
		virConnectClose(c);
		return -EACCES;
	}
	for (int i = 0; i < n; i++)
		virDomainFree(doms[i]);
	free(doms);
	struct vsess *v = cd_calloc(1, sizeof(*v));
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->c = c;
	v->uri = cd_strdup(uri);
	char *hn = virConnectGetHostname(c);
	v->host = cd_strdup(hn ? hn : "localhost");
	free(hn);
	v->view = json_object();
	v->dirty = json_object();
	v->first = true;
	pthread_mutex_lock(&live_mu);
	v->next_live = live;
	live = v;
	pthread_mutex_unlock(&live_mu);
	virConnectSetKeepAlive(c, 5, 3);    /* remote connections: a dead peer in ~20 s */
	static const int ids[4] = { VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
				    VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED };
	const virConnectDomainEventGenericCallback fns[4] = {
		VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), VIR_DOMAIN_EVENT_CALLBACK(on_metadata),
		VIR_DOMAIN_EVENT_CALLBACK(on_device), VIR_DOMAIN_EVENT_CALLBACK(on_device),
	};
	for (int i = 0; i < 4; i++)
		v->cbs[i] = virConnectDomainEventRegisterAny(c, NULL, ids[i], fns[i], v, NULL);
	if (v->cbs[0] < 0) {
		cd_buf_printf(err, "%s gives no domain events: %s", uri, last_error());
		v_close(v);
		return -EIO;
	}
	virConnectRegisterCloseCallback(c, on_close, v, NULL);
	*h = v;
	return 0;
}

/* Addresses the guest agent or the DHCP leases know, for a vNIC with
 * none from cordon's metadata. */
static void guest_addrs(virDomainPtr dom, json_t *w)
{
	json_t *vnics = json_object_get(w, "vnics"), *vn;
	size_t i;
	bool need = false;
	json_array_foreach(vnics, i, vn)
		need |= json_array_size(json_object_get(vn, "ips")) == 0;
	if (!need || virDomainIsActive(dom) != 1)
		return;
	static const unsigned srcs[2] = { VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
					  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE };
	for (int s = 0; s < 2; s++) {
		virDomainInterfacePtr *ifs = NULL;
		int n = virDomainInterfaceAddresses(dom, &ifs, srcs[s], 0);
		if (n < 0) {
			virResetLastError();
			continue;
		}
		for (int k = 0; k < n; k++) {
			json_array_foreach(vnics, i, vn) {
				json_t *ips = json_object_get(vn, "ips");
				const char *mac = json_string_value(json_object_get(vn, "mac"));
				if (json_array_size(ips) || !mac || !ifs[k]->hwaddr ||
				    strcasecmp(mac, ifs[k]->hwaddr))
					continue;
				for (unsigned a = 0; a < ifs[k]->naddrs; a++)
					json_array_append_new(ips, json_string(ifs[k]->addrs[a].addr));
			}
			virDomainInterfaceFree(ifs[k]);
		}
		free(ifs);
	}
}

/* Read one domain into the view; false when the connection failed.
 * *changed is set when its entry changed. */
static bool refresh(struct vsess *v, const char *uuid, bool *changed, struct cd_buf *err)
{
	virDomainPtr dom = virDomainLookupByUUIDString(v->c, uuid);
	if (!dom) {
		virErrorPtr e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_DOMAIN) {
			*changed |= json_object_del(v->view, uuid) == 0;
			return true;
		}
		cd_buf_printf(err, "reading domain %s of %s: %s", uuid, v->uri, last_error());
		return false;
	}
	char *xml = virDomainGetXMLDesc(dom, 0);
	bool ok = true;
	if (!xml) {
		virErrorPtr e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_DOMAIN)
			*changed |= json_object_del(v->view, uuid) == 0;
		else {
			cd_buf_printf(err, "reading domain %s of %s: %s", uuid, v->uri, last_error());
			ok = false;
		}
	} else {
		json_t *w;
		struct cd_buf e2;
		cd_buf_init(&e2, 1024);
		if (cd_virt_domain(xml, strlen(xml), v->host, &w, &e2) == 0) {
			guest_addrs(dom, w);
			*changed |= !json_equal(w, json_object_get(v->view, uuid));
			json_object_set_new(v->view, uuid, w);
		}
		cd_buf_free(&e2);
	}
	free(xml);
	virDomainFree(dom);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The view as an array, in UUID order. */
static json_t *view_array(json_t *view)
{
	size_t n = json_object_size(view), i = 0;
	const char **keys = cd_calloc(n + 1, sizeof(char *));
	const char *k;
	json_t *w;
	json_object_foreach(view, k, w)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	json_t *a = json_array();
	for (i = 0; i < n; i++)
		json_array_append(a, json_object_get(view, keys[i]));
	free(keys);
	return a;
}

static int v_poll(void *h, int ms, json_t **ws, struct cd_buf *err)
{
	struct vsess *v = h;
	*ws = NULL;
	if (v->first) {
		virDomainPtr *doms = NULL;
		int n = virConnectListAllDomains(v->c, &doms, 0);
		if (n < 0) {
			cd_buf_printf(err, "listing the domains of %s: %s", v->uri, last_error());
			return -ECONNRESET;
		}
		json_object_clear(v->view);
		bool ok = true, changed = false;
		for (int i = 0; i < n; i++) {
			char uuid[VIR_UUID_STRING_BUFLEN];
			if (ok && virDomainGetUUIDString(doms[i], uuid) == 0)
				ok = refresh(v, uuid, &changed, err);
			virDomainFree(doms[i]);
		}
		free(doms);
		if (!ok)
			return -ECONNRESET;
		v->first = false;
		*ws = view_array(v->view);
		return 1;
	}
	struct timespec t = cd_deadline(ms);
	pthread_mutex_lock(&v->mu);
	while (!v->closed && !json_object_size(v->dirty) &&
	       pthread_cond_timedwait(&v->cond, &v->mu, &t) == 0)
		;
	json_t *dirty = v->dirty;
	v->dirty = json_object();
	bool closed = v->closed;
	if (closed)
		cd_buf_printf(err, "%s", v->why);
	pthread_mutex_unlock(&v->mu);
	if (closed) {
		json_decref(dirty);
		return -ECONNRESET;
	}
	const char *uuid;
	json_t *x;
	bool ok = true, changed = false;
	json_object_foreach(dirty, uuid, x)
		if (ok)
			ok = refresh(v, uuid, &changed, err);
	json_decref(dirty);
	if (!ok)
		return -ECONNRESET;
	if (!changed)
		return 0;
	*ws = view_array(v->view);
	return 1;
}

/* The metadata element with tag added or removed (the rest kept). */
static char *with_tag(const char *old, const char *tag, bool add)
{
	xmlDoc *doc = old ? xmlReadMemory(old, (int)strlen(old), "metadata.xml", NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
			  : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		doc = xmlNewDoc((const xmlChar *)"1.0");
		root = xmlNewNode(NULL, (const xmlChar *)"workload");
		xmlDocSetRootElement(doc, root);
	}
	for (xmlNode *c = root->children, *next; c; c = next) {
		next = c->next;
		char *t = is(c, "tag") ? text_of(c) : NULL;
		if (xmlIsBlankNode(c) || (t && !strcasecmp(t, tag))) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		free(t);
	}
	if (add)
		xmlNewTextChild(root, root->ns, (const xmlChar *)"tag", (const xmlChar *)tag);
	xmlBuffer *b = xmlBufferCreate();
	xmlNodeDump(b, doc, root, 0, 0);
	char *out = cd_strdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	xmlFreeDoc(doc);
	return out;
}

static int v_write(void *h, const char *id, const char *tag, bool add, bool quarantined,
		   struct cd_buf *err)
{
	(void)quarantined;      /* libvirt's workloads are enforced by cordon's agents */
	struct vsess *v = h;
	virDomainPtr dom = virDomainLookupByUUIDString(v->c, id);
	if (!dom) {
		virErrorPtr e = virGetLastError();
		bool gone = e && e->code == VIR_ERR_NO_DOMAIN;
		cd_buf_printf(err, "domain %s: %s", id, last_error());
		return gone ? -ENOENT : -ECONNRESET;
	}
	unsigned flags = 0;
	if (virDomainIsActive(dom) == 1)
		flags |= VIR_DOMAIN_AFFECT_LIVE;
	if (virDomainIsPersistent(dom) == 1)
		flags |= VIR_DOMAIN_AFFECT_CONFIG;
	char *old = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, CD_VIRT_NS, flags & VIR_DOMAIN_AFFECT_LIVE ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG);
	virResetLastError();
	char *meta = with_tag(old, tag, add);
	int r = 0;
	if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, meta, "cordon", CD_VIRT_NS, flags) < 0) {
		cd_buf_printf(err, "setting the tags of domain %s: %s", id, last_error());
		r = -EIO;
	}
	free(old);
	free(meta);
	virDomainFree(dom);
	return r;
}

/* A libvirt source's configuration: "uri" alone, one virturi.h allows. */
static int v_check(const json_t *config, const char **field, struct cd_buf *why)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)config, k, v) {
		if (strcmp(k, "uri")) {
			*field = k;
			cd_buf_printf(why, "'%s' is for vsphere sources", k);
			return -EINVAL;
		}
	}
	const char *uri = json_string_value(json_object_get(config, "uri"));
	*field = "uri";
	if (!uri || !*uri) {
		cd_buf_printf(why, "a libvirt source needs 'uri' (qemu:///system, "
			      "qemu+ssh://HOST/system, ...)");
		return -EINVAL;
	}
	return cd_virt_uri_check(uri, why);
}

const struct cd_src_ops cd_virt_ops = {
	.kind = "libvirt", .check_config = v_check, .open = v_open, .poll = v_poll, .write = v_write, .close = v_close,
};
