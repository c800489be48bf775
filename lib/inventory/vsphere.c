/* vsphere.c - the vSphere connector (see vsphere.h).
 *
 * Written against the vSphere Web Services API (vim25) by hand: SOAP is
 * a few envelopes here, and no C library for it is in Debian.  libcurl
 * carries them (its cookie engine keeps the session), libxml2 reads the
 * answers.  The property collector's update sets are applied to a map of
 * managed objects (moref -> JSON), from which the workloads are made: that
 * half is vsupdate.c; this file is the session (login, following changes,
 * tagging, quarantine port group moves). */
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

#include "inventory/vsession.h"
#include "inventory/vsxml.h"

#define TAGS_EVERY_US 1000000LL   /* the tagging service has no events: read each second */

/* ---- the session ---- */


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
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);     /* no store read */
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	if (v->ca_fd >= 0) {
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);     /* that CA, not the system's */
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
int cd_vs_soap(struct vs *v, const char *method, const char *body, xmlDoc **doc,
		xmlNode **ret, struct cd_buf *err)
{
	*doc = NULL;
	if (ret)
		*ret = NULL;
	long status = 0;
	int r = post(v, method, body, &status, err);
	if (r < 0)
		return r;
	xmlDoc *d = cd_vsx_parse(v->resp.data ? v->resp.data : "", v->resp.len);
	xmlNode *resp = cd_vsx_first_el(cd_vsx_child(d ? xmlDocGetRootElement(d) : NULL, "Body"));
	if (!resp) {
		cd_buf_printf(err, "%s: %s answered HTTP %ld without a SOAP body: is it a "
			      "vSphere SDK URL (https://HOST/sdk)?", method, v->url, status);
		xmlFreeDoc(d);
		return -EPROTO;
	}
	if (cd_vsx_is(resp, "Fault")) {
		char *msg = cd_vsx_text(cd_vsx_child(resp, "faultstring"));
		xmlNode *det = cd_vsx_first_el(cd_vsx_child(resp, "detail"));
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
		*ret = cd_vsx_child(resp, "returnval");
	return 0;
}

/* A vim25 method whose answer is one managed object reference. */
int cd_vs_soap_ref(struct vs *v, const char *method, const char *body, char **ref,
		    struct cd_buf *err)
{
	xmlDoc *d;
	xmlNode *rv;
	int r = cd_vs_soap(v, method, body, &d, &rv, err);
	if (r == 0 && !rv) {
		cd_buf_printf(err, "%s: no answer", method);
		r = -EPROTO;
	}
	if (r == 0)
		*ref = cd_vsx_text(rv);
	xmlFreeDoc(d);
	return r;
}

/* The tagging service (/rest): JSON over HTTPS with a session header.
 * body (may be NULL) is taken over. */
int cd_vs_rest(struct vs *v, const char *method, const char *path, json_t *body, json_t **out,
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
	int r = cd_vs_rest(v, "POST", "/com/vmware/cis/session", NULL, &out, err);
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
		cd_vs_soap(v, "Logout", "<_this type=\"SessionManager\">SessionManager</_this>", &d, NULL, &e);
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
	cd_vs_metrics_free(v);
	free(v);
}

/* Two views, each with a filter of its own: the virtual machines, and the
 * hosts, networks and datastores (their figures are metrics, vsmetrics.c).  (One filter over both works on vCenter,
 * but govmomi's simulator then fails the long-poll that follows a VM's
 * destruction, and the update is lost.) */
static const char vm_types[] = "<type>VirtualMachine</type>";
static const char vm_props[] =
	"<propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet>"
	"<pathSet>config.instanceUuid</pathSet><pathSet>config.guestFullName</pathSet>"
	"<pathSet>config.hardware.device</pathSet><pathSet>config.extraConfig</pathSet>"
	"<pathSet>runtime.host</pathSet><pathSet>guest.net</pathSet>"
	"<pathSet>config.hardware.numCPU</pathSet><pathSet>config.hardware.memoryMB</pathSet>"
	"<pathSet>datastore</pathSet></propSet>";
static const char infra_types[] =
	"<type>HostSystem</type><type>Network</type><type>DistributedVirtualPortgroup</type>"
	"<type>DistributedVirtualSwitch</type><type>VmwareDistributedVirtualSwitch</type>"
	"<type>Datastore</type>";
static const char infra_props[] =
	"<propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet>"
	"<pathSet>summary.hardware.numCpuThreads</pathSet><pathSet>summary.hardware.memorySize</pathSet>"
	"</propSet>"
	"<propSet><type>Datastore</type><all>false</all><pathSet>name</pathSet>"
	"<pathSet>summary.capacity</pathSet><pathSet>summary.freeSpace</pathSet></propSet>"
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
	char *vme = cd_vsx_esc(viewmgr), *re = cd_vsx_esc(root), *view = NULL;
	char *body = cd_asprintf("<_this type=\"ViewManager\">%s</_this><container type=\"Folder\">%s"
				 "</container>%s<recursive>true</recursive>", vme, re, types);
	int r = cd_vs_soap_ref(v, "CreateContainerView", body, &view, err);
	free(vme);
	free(re);
	free(body);
	if (r < 0)
		return r;
	char *p = cd_vsx_esc(v->pc), *ve = cd_vsx_esc(view), *f = NULL;
	body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><spec>%s"
		"<objectSet><obj type=\"ContainerView\">%s</obj><skip>true</skip>"
		"<selectSet xsi:type=\"TraversalSpec\"><name>view</name><type>ContainerView</type>"
		"<path>view</path><skip>false</skip></selectSet></objectSet></spec>"
		"<partialUpdates>false</partialUpdates>", p, props, ve);
	r = cd_vs_soap_ref(v, "CreateFilter", body, &f, err);
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
	int r = cd_vs_soap(v, "RetrieveServiceContent",
		     "<_this type=\"ServiceInstance\">ServiceInstance</_this>", &d, &rv, err);
	char *root = NULL, *sm = NULL, *vm = NULL, *pcm = NULL;
	if (r == 0) {
		root = cd_vsx_text(cd_vsx_child(rv, "rootFolder"));
		sm = cd_vsx_text(cd_vsx_child(rv, "sessionManager"));
		vm = cd_vsx_text(cd_vsx_child(rv, "viewManager"));
		pcm = cd_vsx_text(cd_vsx_child(rv, "propertyCollector"));
		v->perfmgr = cd_vsx_text(cd_vsx_child(rv, "perfManager"));
		if (!*root || !*sm || !*vm || !*pcm) {
			cd_buf_printf(err, "%s is not a vSphere server (no service content)", url);
			r = -EPROTO;
		}
	}
	xmlFreeDoc(d);
	if (r == 0) {
		char *u = cd_vsx_esc(user), *p = cd_vsx_esc(pw), *s = cd_vsx_esc(sm);
		char *body = cd_asprintf("<_this type=\"SessionManager\">%s</_this><userName>%s</userName>"
					 "<password>%s</password>", s, u, p);
		r = cd_vs_soap(v, "Login", body, &d, NULL, err);
		xmlFreeDoc(d);
		explicit_bzero(body, strlen(body));
		explicit_bzero(p, strlen(p));
		free(body);
		free(u);
		free(p);
		free(s);
	}
	if (r == 0) {
		char *p = cd_vsx_esc(pcm), *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this>", p);
		r = cd_vs_soap_ref(v, "CreatePropertyCollector", body, &v->pc, err);
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
		char *p = cd_vsx_esc(v->pc), *ver = cd_vsx_esc(v->version ? v->version : "");
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
			xmlDoc *d = cd_vsx_parse(v->resp.data ? v->resp.data : "", v->resp.len);
			xmlNode *f = cd_vsx_first_el(cd_vsx_child(d ? xmlDocGetRootElement(d) : NULL, "Body"));
			char *msg = cd_vsx_text(cd_vsx_child(f, "faultstring"));
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
		? cd_vs_rest(v, "POST", "/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects",
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
				r = cd_vs_rest(v, "GET", p, NULL, &t, err);
				free(p);
				const char *cid = json_string_value(json_object_get(json_object_get(t, "value"), "category_id"));
				const char *tn = json_string_value(json_object_get(json_object_get(t, "value"), "name"));
				if (r == 0 && cid && tn && !json_object_get(v->catname, cid)) {
					json_t *c = NULL;
					p = cd_asprintf("/com/vmware/cis/tagging/category/id:%s", cid);
					r = cd_vs_rest(v, "GET", p, NULL, &c, err);
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

static bool url_ok(const char *s)
{
	return !strncmp(s, "https://", 8) && s[8] && !strpbrk(s, " \t\r\n");
}

/* A vSphere source's configuration: url (https, no credentials in it),
 * user and password; insecure or cacert; quarantine_network. */
static int s_check(const json_t *config, const char **field, struct cd_buf *why)
{
	static const char *const known[] = { "url", "user", "password", "insecure", "cacert",
					     "quarantine_network" };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)config, k, v) {
		size_t i;
		for (i = 0; i < CD_ARRAY_LEN(known) && strcmp(k, known[i]); i++)
			;
		if (i == CD_ARRAY_LEN(known)) {
			*field = k;
			cd_buf_printf(why, "'%s' is %s", k, strcmp(k, "uri") ? "not a vsphere source's field"
										: "for libvirt sources");
			return -EINVAL;
		}
	}
	static const char *const need[] = { "url", "user", "password" };
	for (size_t i = 0; i < CD_ARRAY_LEN(need); i++)
		if (!json_string_length(json_object_get(config, need[i]))) {
			*field = need[i];
			cd_buf_printf(why, "a vsphere source needs '%s'", need[i]);
			return -EINVAL;
		}
	const char *url = json_string_value(json_object_get(config, "url"));
	*field = "url";
	if (!url_ok(url)) {
		cd_buf_printf(why, "'url' must be https://HOST/sdk");
		return -EINVAL;
	}
	if (memchr(url + 8, '@', strcspn(url + 8, "/?#"))) {   /* it would be shown and logged */
		cd_buf_printf(why, "'url' holds no credentials: give 'user' and 'password'");
		return -EINVAL;
	}
	if (json_is_true(json_object_get(config, "insecure")) && json_object_get(config, "cacert")) {
		*field = "cacert";
		cd_buf_printf(why, "'insecure' and 'cacert' exclude each other");
		return -EINVAL;
	}
	return 0;
}

const struct cd_src_ops cd_vsphere_ops = {
	.kind = "vsphere", .check_config = s_check, .open = s_open, .poll = s_poll, .write = cd_vs_write, .close = s_close,
	.metrics = cd_vs_metrics, .metrics_period = CD_VSP_INTERVAL,
};
