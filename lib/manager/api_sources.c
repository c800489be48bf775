/* api_sources.c - sources (libvirt, vSphere) and inventory pushes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "inventory/virturi.h"
#include "base/util.h"

void cd_api_h_sources(struct ctx *c)
{
	cd_api_reply(c, 200, cd_mgr_sources(c->m));
}

static bool url_ok(const char *s, const char *scheme)
{
	return !strncmp(s, scheme, strlen(scheme)) && s[strlen(scheme)] &&
	       !strpbrk(s, " \t\r\n");
}

void cd_api_h_source_add(struct ctx *c)
{
	static const struct field f[] = {
		{ "name", F_STR, true, 64 }, { "kind", F_STR, true, 16 },
		{ "uri", F_STR, false, 1024 }, { "url", F_STR, false, 1024 },
		{ "user", F_STR, false, 256 }, { "password", F_STR, false, 1024 },
		{ "insecure", F_BOOL, false, 0 }, { "cacert", F_STR, false, 256u << 10 },
		{ "quarantine_network", F_STR, false, 256 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *b = c->body;
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *kind = json_string_value(json_object_get(b, "kind"));
	const char *uri = json_string_value(json_object_get(b, "uri"));
	const char *url = json_string_value(json_object_get(b, "url"));
	if (!cd_api_name_ok(name)) {
		cd_api_error(c, 400, "name", "a source name is " NAME_RULE);
		return;
	}
	static const char *const vs_only[] = { "url", "user", "password", "insecure", "cacert",
					       "quarantine_network" };
	if (!strcmp(kind, "libvirt")) {
		if (!uri || !*uri) {
			cd_api_error(c, 400, "uri", "a libvirt source needs 'uri' (qemu:///system, "
			      "qemu+ssh://HOST/system, ...)");
			return;
		}
		struct cd_buf why;
		cd_buf_init(&why, 512);
		int ur = cd_virt_uri_check(uri, &why);
		if (ur < 0)
			cd_api_error(c, 400, "uri", "%s", why.data);
		cd_buf_free(&why);
		if (ur < 0)
			return;
		for (size_t i = 0; i < CD_ARRAY_LEN(vs_only); i++)
			if (json_object_get(b, vs_only[i])) {
				cd_api_error(c, 400, vs_only[i], "'%s' is for vsphere sources", vs_only[i]);
				return;
			}
	} else if (!strcmp(kind, "vsphere")) {
		static const char *const need[] = { "url", "user", "password" };
		for (size_t i = 0; i < CD_ARRAY_LEN(need); i++)
			if (!json_string_length(json_object_get(b, need[i]))) {
				cd_api_error(c, 400, need[i], "a vsphere source needs '%s'", need[i]);
				return;
			}
		if (!url_ok(url, "https://")) {
			cd_api_error(c, 400, "url", "'url' must be https://HOST/sdk");
			return;
		}
		size_t auth = strcspn(url + 8, "/?#");
		if (memchr(url + 8, '@', auth)) {   /* it would be shown and logged */
			cd_api_error(c, 400, "url", "'url' holds no credentials: give 'user' and 'password'");
			return;
		}
		if (uri) {
			cd_api_error(c, 400, "uri", "'uri' is for libvirt sources");
			return;
		}
		if (json_is_true(json_object_get(b, "insecure")) && json_object_get(b, "cacert")) {
			cd_api_error(c, 400, "cacert", "'insecure' and 'cacert' exclude each other");
			return;
		}
	} else {
		cd_api_error(c, 400, "kind", "'kind' is libvirt or vsphere (static sources come from "
		      "PUT /api/v1/inventory/NAME)");
		return;
	}
	json_t *config = json_deep_copy(b);
	json_object_del(config, "name");
	json_object_del(config, "kind");
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = cd_mgr_source_test(c->m, kind, config, &err);
	if (r == -ENOSYS) {
		cd_api_error(c, 503, NULL, "this manager runs no source connectors");
	} else if (r < 0) {
		cd_api_error(c, 400, NULL, "source %s not added: %s", name,
		      err.data ? err.data : strerror(-r));
	} else {
		r = cd_mgr_source_add(c->m, name, kind, config, &c->actor);
		if (r == -EEXIST)
			cd_api_error(c, 409, "name", "there is already a source named '%s'", name);
		else if (r < 0)
			cd_api_store_failed(c, r);
		else
			cd_api_reply(c, 201, json_pack("{s:s, s:s, s:I}", "source", name, "kind", kind,
						"seq", (json_int_t)cd_mgr_seq(c->m)));
	}
	cd_buf_free(&err);
	json_decref(config);
}

void cd_api_h_source_rm(struct ctx *c)
{
	struct cd_diags d;
	cd_diags_init(&d);
	int r = cd_mgr_source_rm(c->m, c->seg[0], &c->actor, &d);
	if (r == -ENOENT)
		cd_api_error(c, 404, "source", "no source named '%.100s'", c->seg[0]);
	else if (r == -EINVAL)
		cd_api_doc_errors(c, "the policy still needs workloads of that source", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:I}", "source", c->seg[0], "seq",
					       (json_int_t)cd_mgr_seq(c->m)));
	cd_diags_free(&d);
}

void cd_api_h_inventory(struct ctx *c)
{
	static const struct field f[] = {
		{ "document", F_STR, true, 32u << 20 }, { "filename", F_STR, false, 1024 },
	};
	if (!cd_api_name_ok(c->seg[0])) {
		cd_api_error(c, 400, "source", "a source name is " NAME_RULE);
		return;
	}
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *doc = json_object_get(c->body, "document");
	const char *fn = json_string_value(json_object_get(c->body, "filename"));
	struct cd_diags d;
	cd_diags_init(&d);
	size_t n;
	int r = cd_mgr_push_inventory(c->m, c->seg[0], fn ? fn : "inventory",
				      json_string_value(doc), json_string_length(doc),
				      &c->actor, &d, &n);
	if (r == -EINVAL)
		cd_api_doc_errors(c, "the inventory does not load", &d);
	else if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:s, s:I, s:I}", "source", c->seg[0], "workloads",
					(json_int_t)n, "seq", (json_int_t)cd_mgr_seq(c->m)));
	cd_diags_free(&d);
}

