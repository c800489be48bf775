/* vsphere.c - the vSphere connector (see vsphere.h).
 *
 * Written against the vSphere Web Services API (vim25) by hand: SOAP is
 * a few envelopes here, and no C library for it is in Debian.  libcurl
 * carries them (its cookie engine keeps the session), libxml2 reads the
 * answers.  The property collector's update sets are applied to a map of
 * managed objects (moref -> JSON), from which the workloads are made; the
 * parsing and the making are separate functions (vsphere.h), which the
 * fuzzer and the unit tests call without a server. */
#define _GNU_SOURCE       /* memfd_create */
#include "inventory/vsphere.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define TAGS_EVERY_US 1000000LL   /* the tagging service has no events: read each second */
#define QFROM "cordon.quarantine.from"
#define XSI "http://www.w3.org/2001/XMLSchema-instance"

/* ---- XML ---- */

static bool is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

static xmlNode *next_el(xmlNode *c, const char *name)
{
	for (c = c ? c->next : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

static xmlNode *first_el(const xmlNode *n)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* The text of n (a new string, "" when empty). */
static char *text(const xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *r = cd_strdup(t ? (const char *)t : "");
	xmlFree(t);
	return r;
}

static json_t *jtext(const xmlNode *n)
{
	char *t = text(n);
	json_t *j = json_string(t);
	free(t);
	return j ? j : json_string("");   /* not UTF-8: libxml2 already said so */
}

static char *xsi_type(const xmlNode *n)
{
	xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"type", (const xmlChar *)XSI);
	char *r = cd_strdup(v ? (const char *)v : "");
	xmlFree(v);
	return r;
}

/* Text escaped for an XML element or attribute. */
static char *esc(const char *s)
{
	struct cd_buf b;
	cd_buf_init(&b, (size_t)-1);
	cd_buf_puts(&b, "");
	for (; *s; s++)
		switch (*s) {
		case '&': cd_buf_puts(&b, "&amp;"); break;
		case '<': cd_buf_puts(&b, "&lt;"); break;
		case '>': cd_buf_puts(&b, "&gt;"); break;
		case '"': cd_buf_puts(&b, "&quot;"); break;
		case '\'': cd_buf_puts(&b, "&apos;"); break;
		default: cd_buf_add(&b, s, 1);
		}
	char *r = cd_buf_steal(&b);
	return r ? r : cd_strdup("");
}

/* The children of n serialized (what goes back inside an edited device),
 * with the XML Schema instance prefix spelled xsi, as our envelopes
 * declare it (servers may use another: govmomi's is XMLSchema-instance). */
static char *inner_xml(xmlDoc *doc, xmlNode *n)
{
	xmlBuffer *b = xmlBufferCreate();
	for (xmlNode *c = n->children; c; c = c->next)
		xmlNodeDump(b, doc, c, 0, 0);
	const char *raw = (const char *)xmlBufferContent(b);
	xmlNs *ns = xmlSearchNsByHref(doc, n, (const xmlChar *)XSI);
	char *r;
	if (ns && ns->prefix && strcmp((const char *)ns->prefix, "xsi")) {
		char *from = cd_asprintf("%s:type=\"", (const char *)ns->prefix);
		struct cd_buf o;
		cd_buf_init(&o, (size_t)-1);
		cd_buf_puts(&o, "");
		for (const char *p = raw, *hit; *p; p = hit + strlen(from)) {
			hit = strstr(p, from);
			if (!hit) {
				cd_buf_puts(&o, p);
				break;
			}
			cd_buf_add(&o, p, (size_t)(hit - p));
			cd_buf_puts(&o, "xsi:type=\"");
		}
		free(from);
		r = cd_buf_steal(&o);
	} else {
		r = cd_strdup(raw);
	}
	xmlBufferFree(b);
	return r ? r : cd_strdup("");
}

static xmlDoc *parse(const char *xml, size_t len)
{
	if (len > CD_VSPHERE_BODY_MAX || len > 0x7fffffff)
		return NULL;
	return xmlReadMemory(xml, (int)len, "vsphere.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			     XML_PARSE_HUGE);
}

/* ---- update sets: managed objects as JSON ---- */

/* config.hardware.device: the Ethernet cards. */
static json_t *nics(xmlDoc *doc, xmlNode *val)
{
	json_t *a = json_array();
	for (xmlNode *d = first_el(val); d; d = d->next) {
		if (d->type != XML_ELEMENT_NODE)
			continue;
		xmlNode *mac = child(d, "macAddress"), *bk = child(d, "backing");
		if (!mac || !bk)
			continue;
		xmlNode *port = child(bk, "port");
		json_t *n = json_object();
		json_object_set_new(n, "key", jtext(child(d, "key")));
		char *t = xsi_type(d);
		json_object_set_new(n, "type", json_string(t));
		free(t);
		json_object_set_new(n, "mac", jtext(mac));
		char *in = inner_xml(doc, d);
		json_t *js = json_string(in);
		json_object_set_new(n, "xml", js ? js : json_string(""));
		free(in);
		if (port)
			json_object_set_new(n, "portgroup", jtext(child(port, "portgroupKey")));
		else if (child(bk, "network"))
			json_object_set_new(n, "network", jtext(child(bk, "network")));
		json_array_append_new(a, n);
	}
	return a;
}

/* guest.net: addresses by MAC. */
static json_t *guest_net(const xmlNode *val)
{
	json_t *o = json_object();
	for (xmlNode *g = first_el(val); g; g = next_el(g, (const char *)g->name)) {
		char *mac = text(child(g, "macAddress"));
		json_t *ips = json_array();
		for (xmlNode *ip = child(g, "ipAddress"); ip; ip = next_el(ip, "ipAddress"))
			json_array_append_new(ips, jtext(ip));
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
	for (xmlNode *o = first_el(val); o; o = o->next) {
		if (o->type != XML_ELEMENT_NODE)
			continue;
		char *k = text(child(o, "key"));
		if (!strcmp(k, QFROM)) {
			json_decref(r);
			char *v = text(child(o, "value"));
			r = *v ? json_loads(v, 0, NULL) : NULL;
			free(v);
		}
		free(k);
	}
	return r;
}

static void set_prop(json_t *obj, xmlDoc *doc, const char *name, xmlNode *val)
{
	if (!strcmp(name, "config.hardware.device"))
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
		json_object_set_new(obj, name, jtext(val));
}

static void del_prop(json_t *obj, const char *name)
{
	if (!strcmp(name, "config.hardware.device"))
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
	xmlDoc *doc = parse(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *resp = first_el(child(root, "Body"));
	if (!resp || !is(resp, "WaitForUpdatesExResponse")) {
		cd_buf_printf(err, "the server's answer to WaitForUpdatesEx is not one");
		xmlFreeDoc(doc);
		return -EPROTO;
	}
	xmlNode *rv = child(resp, "returnval");
	if (!rv) {              /* nothing changed while it waited */
		xmlFreeDoc(doc);
		return 0;
	}
	char *ver = text(child(rv, "version"));
	free(*version);
	*version = ver;
	xmlNode *tr = child(rv, "truncated");
	if (tr) {
		char *t = text(tr);
		*truncated = !strcmp(t, "true");
		free(t);
	}
	for (xmlNode *fs = child(rv, "filterSet"); fs; fs = next_el(fs, "filterSet"))
		for (xmlNode *os = child(fs, "objectSet"); os; os = next_el(os, "objectSet")) {
			char *kind = text(child(os, "kind")), *ref = text(child(os, "obj"));
			xmlChar *type = xmlGetProp(child(os, "obj"), (const xmlChar *)"type");
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
				for (xmlNode *ch = child(os, "changeSet"); ch; ch = next_el(ch, "changeSet")) {
					char *name = text(child(ch, "name")), *op = text(child(ch, "op"));
					xmlNode *val = child(ch, "val");
					if (!strcmp(op, "remove") || !strcmp(op, "indirectRemove") || !val)
						del_prop(o, name);
					else
						set_prop(o, doc, name, val);
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

static const char *prop(json_t *objs, const char *ref, const char *name)
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
		const char *host = hostref ? prop(objs, hostref, "name") : NULL;
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

/* ---- the session ---- */

struct vs {
	CURL *soap, *rest;
	struct curl_slist *soap_hdr, *rest_hdr;
	struct cd_buf resp;
	char *url, *base, *user, *password, *qnet;
	char *pc;                  /* our property collector */
	char *version;
	json_t *objs;              /* moref -> object */
	bool tagging;              /* the server has the tagging service */
	json_t *vmtags;            /* moref -> ["category=tag", ...] */
	json_t *vmtag_ids;         /* moref -> [tag id, ...] */
	json_t *tagname;           /* tag id -> "category=tag" */
	json_t *catname;           /* category id -> name */
	int64_t tags_at;
	json_t *last;              /* the view last given */
	bool first;
	int ca_fd;                 /* the trusted CA (a memfd), or -1 */
};

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	return cd_buf_add(ud, p, size * n) < 0 ? 0 : size * n;
}

static CURL *easy(struct vs *v, const json_t *config)
{
	CURL *c = curl_easy_init();
	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &v->resp);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");      /* the session cookie */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (json_is_true(json_object_get(config, "insecure"))) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (v->ca_fd >= 0) {
		/* curl's GnuTLS back end takes no CA blob: a file in memory */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", v->ca_fd);
		curl_easy_setopt(c, CURLOPT_CAINFO, path);
	}
	return c;
}

/* One HTTP exchange; the answer in v->resp. */
static int exchange(struct vs *v, CURL *c, const char *what, long *status, struct cd_buf *err)
{
	cd_buf_reset(&v->resp);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (cc == CURLE_WRITE_ERROR)
			cd_buf_printf(err, "%s: the answer of %s is larger than %u bytes", what, v->url,
				      CD_VSPHERE_BODY_MAX);
		else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
			cd_buf_printf(err, "%s: the certificate of %s is not trusted (%s): pass "
				      "--cacert with its CA, or --insecure", what, v->url,
				      curl_easy_strerror(cc));
		else
			cd_buf_printf(err, "%s: cannot reach %s: %s", what, v->url, curl_easy_strerror(cc));
		return -ECONNRESET;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* Post a vim25 method call (body: the method's element) in its envelope;
 * the answer is in v->resp. */
static int post(struct vs *v, const char *method, const char *body, long *status,
		struct cd_buf *err)
{
	char *env = cd_asprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
		"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
		"<%s xmlns=\"urn:vim25\">%s</%s></soapenv:Body></soapenv:Envelope>", method, body, method);
	curl_easy_setopt(v->soap, CURLOPT_URL, v->url);
	curl_easy_setopt(v->soap, CURLOPT_POSTFIELDS, env);
	curl_easy_setopt(v->soap, CURLOPT_POSTFIELDSIZE, (long)strlen(env));
	int r = exchange(v, v->soap, method, status, err);
	free(env);
	return r;
}

/* Call a vim25 method: body is the method's element.  *doc and *ret are
 * the answer and its returnval (NULL when none); the caller frees doc. */
static int soap(struct vs *v, const char *method, const char *body, xmlDoc **doc,
		xmlNode **ret, struct cd_buf *err)
{
	*doc = NULL;
	if (ret)
		*ret = NULL;
	long status = 0;
	int r = post(v, method, body, &status, err);
	if (r < 0)
		return r;
	xmlDoc *d = parse(v->resp.data ? v->resp.data : "", v->resp.len);
	xmlNode *resp = first_el(child(d ? xmlDocGetRootElement(d) : NULL, "Body"));
	if (!resp) {
		cd_buf_printf(err, "%s: %s answered HTTP %ld without a SOAP body: is it a "
			      "vSphere SDK URL (https://HOST/sdk)?", method, v->url, status);
		xmlFreeDoc(d);
		return -EPROTO;
	}
	if (is(resp, "Fault")) {
		char *msg = text(child(resp, "faultstring"));
		xmlNode *det = first_el(child(resp, "detail"));
		const char *fault = det ? (const char *)det->name : "";
		bool denied = strstr(fault, "InvalidLogin") || strstr(fault, "NoPermission") ||
			      strstr(fault, "NotAuthenticated");
		cd_buf_printf(err, "%s: %s%s%s", method, msg, *fault ? " " : "", fault);
		if (strstr(fault, "InvalidLogin"))
			cd_buf_puts(err, " (check the user and password)");
		else if (strstr(fault, "NoPermission"))
			cd_buf_puts(err, " (the user lacks a privilege)");
		free(msg);
		xmlFreeDoc(d);
		return denied ? -EACCES : -EIO;
	}
	*doc = d;
	if (ret)
		*ret = child(resp, "returnval");
	return 0;
}

/* A vim25 method whose answer is one managed object reference. */
static int soap_ref(struct vs *v, const char *method, const char *body, char **ref,
		    struct cd_buf *err)
{
	xmlDoc *d;
	xmlNode *rv;
	int r = soap(v, method, body, &d, &rv, err);
	if (r == 0 && !rv) {
		cd_buf_printf(err, "%s: no answer", method);
		r = -EPROTO;
	}
	if (r == 0)
		*ref = text(rv);
	xmlFreeDoc(d);
	return r;
}

/* The tagging service (/rest): JSON over HTTPS with a session header.
 * body (may be NULL) is taken over. */
static int rest(struct vs *v, const char *method, const char *path, json_t *body, json_t **out,
		struct cd_buf *err)
{
	if (out)
		*out = NULL;
	char *u = cd_asprintf("%s/rest%s", v->base, path);
	char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	curl_easy_setopt(v->rest, CURLOPT_URL, u);
	curl_easy_setopt(v->rest, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(v->rest, CURLOPT_POSTFIELDS, b ? b : "");
	curl_easy_setopt(v->rest, CURLOPT_POSTFIELDSIZE, (long)(b ? strlen(b) : 0));
	if (!strcmp(method, "GET"))
		curl_easy_setopt(v->rest, CURLOPT_HTTPGET, 1L);
	long status = 0;
	int r = exchange(v, v->rest, "tagging", &status, err);
	free(u);
	free(b);
	if (r < 0)
		return r;
	if (status == 401 || status == 403) {
		cd_buf_printf(err, "the tagging service of %s refused %s %s (HTTP %ld)", v->base,
			      method, path, status);
		return -EACCES;
	}
	if (status == 404)
		return -ENOENT;
	if (status / 100 != 2) {
		cd_buf_printf(err, "the tagging service of %s answered %s %s with HTTP %ld", v->base,
			      method, path, status);
		return -EIO;
	}
	if (out && v->resp.len) {
		*out = json_loadb(v->resp.data, v->resp.len, 0, NULL);
		if (!*out) {
			cd_buf_printf(err, "the tagging service of %s answered with no JSON", v->base);
			return -EPROTO;
		}
	}
	return 0;
}

static int rest_login(struct vs *v, struct cd_buf *err)
{
	curl_easy_setopt(v->rest, CURLOPT_USERNAME, v->user);
	curl_easy_setopt(v->rest, CURLOPT_PASSWORD, v->password);
	curl_easy_setopt(v->rest, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
	json_t *out;
	int r = rest(v, "POST", "/com/vmware/cis/session", NULL, &out, err);
	curl_easy_setopt(v->rest, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(v->rest, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(v->rest, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
	if (r == -ENOENT) {     /* an ESXi host: no tagging service */
		v->tagging = false;
		return 0;
	}
	const char *id = json_string_value(json_object_get(out, "value"));
	if (r == 0 && !id) {
		cd_buf_printf(err, "the tagging service of %s gave no session", v->base);
		r = -EPROTO;
	}
	if (r == 0) {
		char *h = cd_asprintf("vmware-api-session-id: %s", id);
		v->rest_hdr = curl_slist_append(curl_slist_append(NULL, "Content-Type: application/json"), h);
		free(h);
		curl_easy_setopt(v->rest, CURLOPT_HTTPHEADER, v->rest_hdr);
		v->tagging = true;
	}
	json_decref(out);
	return r;
}

static void s_close(void *h)
{
	struct vs *v = h;
	if (!v)
		return;
	if (v->soap && v->pc) {        /* polite: end the session */
		struct cd_buf e;
		cd_buf_init(&e, 1024);
		xmlDoc *d;
		soap(v, "Logout", "<_this type=\"SessionManager\">SessionManager</_this>", &d, NULL, &e);
		xmlFreeDoc(d);
		cd_buf_free(&e);
	}
	curl_easy_cleanup(v->soap);
	curl_easy_cleanup(v->rest);
	if (v->ca_fd >= 0)
		close(v->ca_fd);
	curl_slist_free_all(v->soap_hdr);
	curl_slist_free_all(v->rest_hdr);
	cd_buf_free(&v->resp);
	if (v->password)
		explicit_bzero(v->password, strlen(v->password));
	free(v->password);
	free(v->url);
	free(v->base);
	free(v->user);
	free(v->qnet);
	free(v->pc);
	free(v->version);
	json_decref(v->objs);
	json_decref(v->vmtags);
	json_decref(v->vmtag_ids);
	json_decref(v->tagname);
	json_decref(v->catname);
	json_decref(v->last);
	free(v);
}

/* Two views, each with a filter of its own: the virtual machines, and the
 * hosts and networks they name.  (One filter over both works on vCenter,
 * but govmomi's simulator then fails the long-poll that follows a VM's
 * destruction, and the update is lost.) */
static const char vm_types[] = "<type>VirtualMachine</type>";
static const char vm_props[] =
	"<propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet>"
	"<pathSet>config.instanceUuid</pathSet><pathSet>config.guestFullName</pathSet>"
	"<pathSet>config.hardware.device</pathSet><pathSet>config.extraConfig</pathSet>"
	"<pathSet>runtime.host</pathSet><pathSet>guest.net</pathSet></propSet>";
static const char infra_types[] =
	"<type>HostSystem</type><type>Network</type><type>DistributedVirtualPortgroup</type>"
	"<type>DistributedVirtualSwitch</type><type>VmwareDistributedVirtualSwitch</type>";
static const char infra_props[] =
	"<propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet></propSet>"
	"<propSet><type>Network</type><all>false</all><pathSet>name</pathSet></propSet>"
	"<propSet><type>DistributedVirtualPortgroup</type><all>false</all><pathSet>name</pathSet>"
	"<pathSet>key</pathSet><pathSet>config.distributedVirtualSwitch</pathSet></propSet>"
	"<propSet><type>DistributedVirtualSwitch</type><all>false</all><pathSet>uuid</pathSet></propSet>"
	"<propSet><type>VmwareDistributedVirtualSwitch</type><all>false</all><pathSet>uuid</pathSet></propSet>";

/* A container view of types under root, and a filter of props over it in
 * our property collector. */
static int follow(struct vs *v, const char *viewmgr, const char *root, const char *types,
		  const char *props, struct cd_buf *err)
{
	char *vme = esc(viewmgr), *re = esc(root), *view = NULL;
	char *body = cd_asprintf("<_this type=\"ViewManager\">%s</_this><container type=\"Folder\">%s"
				 "</container>%s<recursive>true</recursive>", vme, re, types);
	int r = soap_ref(v, "CreateContainerView", body, &view, err);
	free(vme);
	free(re);
	free(body);
	if (r < 0)
		return r;
	char *p = esc(v->pc), *ve = esc(view), *f = NULL;
	body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><spec>%s"
		"<objectSet><obj type=\"ContainerView\">%s</obj><skip>true</skip>"
		"<selectSet xsi:type=\"TraversalSpec\"><name>view</name><type>ContainerView</type>"
		"<path>view</path><skip>false</skip></selectSet></objectSet></spec>"
		"<partialUpdates>false</partialUpdates>", p, props, ve);
	r = soap_ref(v, "CreateFilter", body, &f, err);
	free(f);
	free(p);
	free(ve);
	free(view);
	free(body);
	return r;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int s_open(const json_t *config, void **h, struct cd_buf *err)
{
	*h = NULL;
	pthread_once(&curl_once, curl_start);
	const char *url = json_string_value(json_object_get(config, "url"));
	const char *user = json_string_value(json_object_get(config, "user"));
	const char *pw = json_string_value(json_object_get(config, "password"));
	if (!url || !user || !pw || strncmp(url, "https://", 8)) {
		cd_buf_printf(err, "a vsphere source needs an https:// url, a user and a password");
		return -EINVAL;
	}
	struct vs *v = cd_calloc(1, sizeof(*v));
	cd_buf_init(&v->resp, CD_VSPHERE_BODY_MAX);
	v->url = cd_strdup(url);
	const char *hs = url + 8, *slash = strchr(hs, '/');
	v->base = slash ? cd_strndup(url, (size_t)(slash - url)) : cd_strdup(url);
	v->user = cd_strdup(user);
	v->password = cd_strdup(pw);
	const char *q = json_string_value(json_object_get(config, "quarantine_network"));
	v->qnet = q ? cd_strdup(q) : NULL;
	v->objs = json_object();
	v->vmtags = json_object();
	v->vmtag_ids = json_object();
	v->tagname = json_object();
	v->catname = json_object();
	v->first = true;
	v->ca_fd = -1;
	const char *pem = json_string_value(json_object_get(config, "cacert"));
	if (pem) {
		v->ca_fd = memfd_create("cordon-cacert", MFD_CLOEXEC);
		size_t n = strlen(pem);
		if (v->ca_fd < 0 || write(v->ca_fd, pem, n) != (ssize_t)n) {
			cd_buf_printf(err, "cannot keep the CA certificate: %s", strerror(errno));
			s_close(v);
			return -EIO;
		}
	}
	v->soap = easy(v, config);
	v->rest = easy(v, config);
	if (!v->soap || !v->rest) {
		cd_buf_printf(err, "cannot start an HTTP client");
		s_close(v);
		return -ENOMEM;
	}
	v->soap_hdr = curl_slist_append(curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8"),
					"SOAPAction: \"urn:vim25/6.5\"");
	curl_easy_setopt(v->soap, CURLOPT_HTTPHEADER, v->soap_hdr);

	xmlDoc *d;
	xmlNode *rv;
	int r = soap(v, "RetrieveServiceContent",
		     "<_this type=\"ServiceInstance\">ServiceInstance</_this>", &d, &rv, err);
	char *root = NULL, *sm = NULL, *vm = NULL, *pcm = NULL;
	if (r == 0) {
		root = text(child(rv, "rootFolder"));
		sm = text(child(rv, "sessionManager"));
		vm = text(child(rv, "viewManager"));
		pcm = text(child(rv, "propertyCollector"));
		if (!*root || !*sm || !*vm || !*pcm) {
			cd_buf_printf(err, "%s is not a vSphere server (no service content)", url);
			r = -EPROTO;
		}
	}
	xmlFreeDoc(d);
	if (r == 0) {
		char *u = esc(user), *p = esc(pw), *s = esc(sm);
		char *body = cd_asprintf("<_this type=\"SessionManager\">%s</_this><userName>%s</userName>"
					 "<password>%s</password>", s, u, p);
		r = soap(v, "Login", body, &d, NULL, err);
		xmlFreeDoc(d);
		explicit_bzero(body, strlen(body));
		explicit_bzero(p, strlen(p));
		free(body);
		free(u);
		free(p);
		free(s);
	}
	if (r == 0) {
		char *p = esc(pcm), *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this>", p);
		r = soap_ref(v, "CreatePropertyCollector", body, &v->pc, err);
		free(p);
		free(body);
	}
	if (r == 0)
		r = follow(v, vm, root, infra_types, infra_props, err);
	if (r == 0)
		r = follow(v, vm, root, vm_types, vm_props, err);
	free(root);
	free(sm);
	free(vm);
	free(pcm);
	if (r == 0)
		r = rest_login(v, err);
	if (r < 0) {
		s_close(v);
		return r;
	}
	*h = v;
	return 0;
}

/* ---- following changes ---- */

/* 1: updates came and were applied; 0: none within wait_s seconds. */
static int wait_updates(struct vs *v, int wait_s, struct cd_buf *err)
{
	bool truncated;
	int any = 0;
	do {
		char *p = esc(v->pc), *ver = esc(v->version ? v->version : "");
		char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><version>%s</version>"
					 "<options><maxWaitSeconds>%d</maxWaitSeconds></options>",
					 p, ver, wait_s);
		long status = 0;
		int r = post(v, "WaitForUpdatesEx", body, &status, err);
		free(p);
		free(ver);
		free(body);
		if (r < 0)
			return r;
		if (status != 200) {
			/* a fault: say which (the session may have expired) */
			xmlDoc *d = parse(v->resp.data ? v->resp.data : "", v->resp.len);
			xmlNode *f = first_el(child(d ? xmlDocGetRootElement(d) : NULL, "Body"));
			char *msg = text(child(f, "faultstring"));
			cd_buf_printf(err, "WaitForUpdatesEx: HTTP %ld: %s", status, *msg ? msg : "no message");
			free(msg);
			xmlFreeDoc(d);
			return -ECONNRESET;
		}
		r = cd_vsphere_apply(v->objs, v->resp.data ? v->resp.data : "", v->resp.len,
				     &v->version, &truncated, err);
		if (r < 0)
			return -ECONNRESET;
		any |= r;
		wait_s = 0;
	} while (truncated);
	return any;
}

static int cmp_jstr(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static void sort_strings(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = cd_calloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(*v), cmp_jstr);
	json_array_clear(a);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, v[i]);
	free(v);
}

/* The tags of every VM, from the tagging service: category=tag. */
static int refresh_tags(struct vs *v, struct cd_buf *err)
{
	v->tags_at = now_us();
	if (!v->tagging)
		return 0;
	json_t *ids = json_array();
	const char *ref;
	json_t *o;
	json_object_foreach(v->objs, ref, o)
		if (!strcmp(json_string_value(json_object_get(o, "type")), "VirtualMachine"))
			json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "VirtualMachine", "id", ref));
	json_t *out = NULL;
	int r = json_array_size(ids)
		? rest(v, "POST", "/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects",
		       json_pack("{s:o}", "object_ids", ids), &out, err)
		: (json_decref(ids), 0);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	json_t *tags = json_object(), *tag_ids = json_object(), *e;
	size_t i;
	json_array_foreach(json_object_get(out, "value"), i, e) {
		const char *vmref = json_string_value(json_object_get(json_object_get(e, "object_id"), "id"));
		if (!vmref)
			continue;
		json_t *names = json_array(), *tid;
		size_t k;
		json_array_foreach(json_object_get(e, "tag_ids"), k, tid) {
			const char *id = json_string_value(tid);
			if (!id)
				continue;
			if (!json_object_get(v->tagname, id)) {
				char *p = cd_asprintf("/com/vmware/cis/tagging/tag/id:%s", id);
				json_t *t = NULL;
				r = rest(v, "GET", p, NULL, &t, err);
				free(p);
				const char *cid = json_string_value(json_object_get(json_object_get(t, "value"), "category_id"));
				const char *tn = json_string_value(json_object_get(json_object_get(t, "value"), "name"));
				if (r == 0 && cid && tn && !json_object_get(v->catname, cid)) {
					json_t *c = NULL;
					p = cd_asprintf("/com/vmware/cis/tagging/category/id:%s", cid);
					r = rest(v, "GET", p, NULL, &c, err);
					free(p);
					const char *cn = json_string_value(json_object_get(json_object_get(c, "value"), "name"));
					if (r == 0 && cn)
						json_object_set_new(v->catname, cid, json_string(cn));
					json_decref(c);
				}
				const char *cn = cid ? json_string_value(json_object_get(v->catname, cid)) : NULL;
				if (r == 0 && cn && tn)
					json_object_set_new(v->tagname, id, json_sprintf("%s=%s", cn, tn));
				json_decref(t);
				if (r < 0 && r != -ENOENT)
					break;
				r = 0;
			}
			json_t *nm = json_object_get(v->tagname, id);
			if (nm)
				json_array_append(names, nm);
		}
		sort_strings(names);     /* the service's order varies */
		json_object_set_new(tags, vmref, names);
		json_object_set(tag_ids, vmref, json_object_get(e, "tag_ids"));
		if (r < 0)
			break;
	}
	json_decref(out);
	if (r < 0) {
		json_decref(tags);
		json_decref(tag_ids);
		return r;
	}
	json_decref(v->vmtags);
	json_decref(v->vmtag_ids);
	v->vmtags = tags;
	v->vmtag_ids = tag_ids;
	return 0;
}

static int s_poll(void *h, int ms, json_t **ws, struct cd_buf *err)
{
	struct vs *v = h;
	*ws = NULL;
	int wait_s = v->first ? 0 : (ms + 999) / 1000;
	int r = wait_updates(v, wait_s, err);
	/* tags when due; but updates go out first (the tags' call takes a
	 * while with thousands of VMs), unless they keep coming */
	int64_t due = now_us() - v->tags_at;
	bool news = r > 0;
	if (r >= 0 && (v->first || (due >= TAGS_EVERY_US && (r == 0 || due >= 3 * TAGS_EVERY_US)))) {
		r = refresh_tags(v, err);
		news = true;
	}
	if (r >= 0 && !news && !v->first)
		return 0;             /* nothing came: the view stands */
	if (r < 0)
		return r == -EACCES || r == -ECONNRESET || r == -EPROTO ? -ECONNRESET : r;
	json_t *w = cd_vsphere_workloads(v->objs, v->vmtags, v->url);
	if (!v->first && json_equal(w, v->last)) {
		json_decref(w);
		return 0;
	}
	v->first = false;
	json_decref(v->last);
	v->last = json_incref(w);
	*ws = w;
	return 1;
}

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
		r = rest(v, "GET", "/com/vmware/cis/tagging/category", NULL, &list, err);
		json_array_foreach(json_object_get(list, "value"), i, c) {
			const char *ci = json_string_value(c);
			if (!ci || json_object_get(v->catname, ci))
				continue;
			char *p = cd_asprintf("/com/vmware/cis/tagging/category/id:%s", ci);
			json_t *o = NULL;
			if (rest(v, "GET", p, NULL, &o, err) == 0 &&
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
		r = rest(v, "POST", "/com/vmware/cis/tagging/category",
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
		if (rest(v, "POST", p, NULL, &list, err) == 0)
			json_array_foreach(json_object_get(list, "value"), i, t) {
				const char *ti = json_string_value(t);
				char *tp = ti ? cd_asprintf("/com/vmware/cis/tagging/tag/id:%s", ti) : NULL;
				json_t *o = NULL;
				if (tp && rest(v, "GET", tp, NULL, &o, err) == 0) {
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
			r = rest(v, "POST", "/com/vmware/cis/tagging/tag",
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
			r = rest(v, "POST", p, json_pack("{s:{s:s, s:s}}", "object_id", "type",
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
			r = rest(v, "POST", p, json_pack("{s:{s:s, s:s}}", "object_id", "type",
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
		const char *uuid = dvs ? prop(v->objs, dvs, "uuid") : NULL;
		const char *key = json_string_value(json_object_get(o, "key"));
		if (!uuid || !key)
			return NULL;
		char *u = esc(uuid), *k = esc(key);
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
	char *n = esc(name), *r = esc(ref);
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
	char *t = esc(task), *p = esc(v->pc);
	char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><specSet><propSet>"
		"<type>Task</type><pathSet>info.state</pathSet><pathSet>info.error</pathSet></propSet>"
		"<objectSet><obj type=\"Task\">%s</obj></objectSet></specSet><options/>", p, t);
	free(t);
	free(p);
	int r = -ETIMEDOUT;
	for (int i = 0; i < 600; i++) {      /* a minute */
		xmlDoc *d;
		xmlNode *rv;
		r = soap(v, "RetrievePropertiesEx", body, &d, &rv, err);
		if (r < 0)
			break;
		char *state = NULL, *msg = NULL;
		for (xmlNode *ps = child(child(rv, "objects"), "propSet"); ps; ps = next_el(ps, "propSet")) {
			char *n = text(child(ps, "name"));
			if (!strcmp(n, "info.state"))
				state = text(child(ps, "val"));
			else if (!strcmp(n, "info.error"))
				msg = text(child(child(ps, "val"), "localizedMessage"));
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
	char *p = esc(v->pc), *rf = esc(ref);
	char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><specSet><propSet>"
		"<type>VirtualMachine</type><pathSet>config.hardware.device</pathSet>"
		"<pathSet>config.extraConfig</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">"
		"%s</obj></objectSet></specSet><options/>", p, rf);
	xmlDoc *d;
	xmlNode *rv;
	int r = soap(v, "RetrievePropertiesEx", body, &d, &rv, err);
	json_t *o = json_object_get(v->objs, ref);
	if (r == 0 && o) {
		json_object_del(o, "qfrom");
		for (xmlNode *ps = child(child(rv, "objects"), "propSet"); ps; ps = next_el(ps, "propSet")) {
			char *n = text(child(ps, "name"));
			xmlNode *val = child(ps, "val");
			if (val)
				set_prop(o, d, n, val);
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
	char *re = esc(rec), *rf = esc(ref);
	cd_buf_printf(&spec, "<extraConfig><key>%s</key><value xsi:type=\"xsd:string\">%s</value></extraConfig>",
		      QFROM, re);
	char *body = cd_asprintf("<_this type=\"VirtualMachine\">%s</_this><spec>%s</spec>", rf,
				 spec.data ? spec.data : "");
	char *task = NULL;
	int r = soap_ref(v, "ReconfigVM_Task", body, &task, err);
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

static int s_write(void *h, const char *id, const char *tag, bool add, bool quarantined,
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

const struct cd_src_ops cd_vsphere_ops = {
	.kind = "vsphere", .open = s_open, .poll = s_poll, .write = s_write, .close = s_close,
};
