/* api_sources.c - sources (libvirt, vSphere) and inventory pushes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "inventory/source.h"
#include "base/util.h"

void cd_api_h_sources(struct ctx *c)
{
	cd_api_reply(c, 200, cd_mgr_sources(c->m));
}

/* The source a POST /sources asks for: its name, its connector and its
 * configuration (a new object), checked by the connector without
 * connecting; false: answered. */
static bool source_request(struct ctx *c, const char **name, const struct cd_src_ops **ops,
			   json_t **config)
{
	static const struct field f[] = {
		{ "name", F_STR, true, 64 }, { "kind", F_STR, true, 16 },
		{ "uri", F_STR, false, 1024 }, { "url", F_STR, false, 1024 },
		{ "user", F_STR, false, 256 }, { "password", F_STR, false, 1024 },
		{ "insecure", F_BOOL, false, 0 }, { "cacert", F_STR, false, 256u << 10 },
		{ "quarantine_network", F_STR, false, 256 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return false;
	json_t *b = c->body;
	*name = json_string_value(json_object_get(b, "name"));
	const char *kind = json_string_value(json_object_get(b, "kind"));
	if (!cd_api_name_ok(*name)) {
		cd_api_error(c, 400, "name", "a source name is " NAME_RULE);
		return false;
	}
	*ops = strcmp(kind, "static") ? cd_src_kind(kind) : NULL;
	if (!*ops) {
		cd_api_error(c, 400, "kind", "'kind' is libvirt or vsphere (static sources come from "
			     "PUT /api/v1/inventory/NAME)");
		return false;
	}
	*config = json_deep_copy(b);
	json_object_del(*config, "name");
	json_object_del(*config, "kind");
	const char *field = NULL;
	struct cd_buf why;
	cd_buf_init(&why, 512);
	int r = (*ops)->check_config(*config, &field, &why);
	if (r < 0) {
		cd_api_error(c, 400, field, "%s", why.data);
		json_decref(*config);
		*config = NULL;
	}
	cd_buf_free(&why);
	return r == 0;
}

/* (an unlocked route: the connection test, which can take seconds, is
 * made without the manager's lock; a name another request took meanwhile
 * is refused by cd_mgr_source_add: 409) */
void cd_api_h_source_add(struct ctx *c)
{
	const char *name;
	const struct cd_src_ops *ops;
	json_t *config;
	if (!source_request(c, &name, &ops, &config))
		return;
	if (!cd_mgr_runs_sources(c->m)) {     /* (a test's or the fuzzer's manager) */
		cd_api_error(c, 503, NULL, "this manager runs no source connectors");
		json_decref(config);
		return;
	}
	struct cd_buf err;
	cd_buf_init(&err, 512);
	cd_api_leave(c);
	int t = cd_src_test(ops, config, &err);
	if (!cd_api_enter(c)) {        /* answered: its credential is gone */
		cd_buf_free(&err);
		json_decref(config);
		return;
	}
	if (t < 0) {
		cd_api_error(c, 400, NULL, "source %s not added: %s", name, err.data ? err.data : strerror(-t));
	} else {
		/* refused because another manager's change came first: made
		 * again here, on the world as it is now (not the whole request:
		 * the connection test stands) */
		int r, tries = 0;
		while ((r = cd_mgr_source_add(c->m, name, ops->kind, config, &c->actor)) == -EAGAIN &&
		       ++tries < 20 && cd_mgr_follow(c->m) == 0)
			;
		if (r == -EEXIST)
			cd_api_error(c, 409, "name", "there is already a source named '%s'", name);
		else if (r == -EAGAIN)
			cd_api_error(c, 503, NULL, "other managers kept changing the same state; "
				     "nothing was changed, try again");
		else if (r < 0)
			cd_api_store_failed(c, r);
		else
			cd_api_reply(c, 201, json_pack("{s:s, s:s, s:I}", "source", name, "kind",
						       ops->kind, "seq", (json_int_t)cd_mgr_seq(c->m)));
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

