/* api.c - the REST API as a function (see api.h). */
#include "manager/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/diff.h"
#include "policy/report.h"
#include "base/token.h"
#include "inventory/virturi.h"
#include "base/util.h"

enum {
	R_ADMIN = 1, R_OPERATOR = 2, R_VIEWER = 4, R_AGENT = 8,
	R_READ = R_ADMIN | R_OPERATOR | R_VIEWER,
	R_TAGS = R_ADMIN | R_OPERATOR,
	R_NONE = 0,            /* authenticated by its body (enrollment) */
};

struct ctx {
	struct cd_mgr *m;
	const struct cd_api_req *r;
	struct cd_api_resp *out;
	struct cd_token tok;
	struct cd_actor actor;
	const char *seg[2];    /* the path's variable segments */
	char segbuf[2][256];
	json_t *body;          /* the parsed body, when the route takes one */
};

static void reply(struct ctx *c, int status, json_t *body)
{
	c->out->status = status;
	json_decref(c->out->body);
	c->out->body = body;
}

static void error(struct ctx *c, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void error(struct ctx *c, int status, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *o = json_pack("{s:s}", "error", msg);
	if (field)
		json_object_set_new(o, "field", json_string(field));
	reply(c, status, o);
}

/* ---- request checking ---- */

enum ftype { F_STR, F_INT, F_OBJ, F_ARR, F_BOOL };
struct field {
	const char *name;
	enum ftype type;
	bool required;
	size_t max;            /* strings: longest; 0: 256 */
};

static const char *ftype_name(enum ftype t)
{
	static const char *const n[] = { "a string", "an integer", "an object", "an array", "a boolean" };
	return n[t];
}

static bool type_ok(json_t *v, enum ftype t)
{
	switch (t) {
	case F_STR: return json_is_string(v);
	case F_INT: return json_is_integer(v);
	case F_OBJ: return json_is_object(v);
	case F_ARR: return json_is_array(v);
	case F_BOOL: return json_is_boolean(v);
	}
	return false;
}

/* Parse the body as an object of these fields; false (and a 4xx) when it
 * is not. */
static bool take_body(struct ctx *c, const struct field *f, size_t nf)
{
	const struct cd_api_req *r = c->r;
	if (!r->body || !r->body_len) {
		error(c, 400, NULL, "this request needs a JSON object as its body");
		return false;
	}
	json_error_t je;
	c->body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!c->body) {
		error(c, 400, NULL, "the body is not valid JSON: line %d, column %d: %s",
		      je.line, je.column, je.text);
		return false;
	}
	if (!json_is_object(c->body)) {
		error(c, 400, NULL, "the body must be a JSON object");
		return false;
	}
	const char *k;
	json_t *v;
	json_object_foreach(c->body, k, v) {
		size_t i;
		for (i = 0; i < nf && strcmp(f[i].name, k); i++)
			;
		if (i == nf) {
			error(c, 400, k, "unknown field '%.64s'", k);
			return false;
		}
		if (!type_ok(v, f[i].type)) {
			error(c, 400, k, "'%s' must be %s", k, ftype_name(f[i].type));
			return false;
		}
		if (f[i].type == F_STR) {
			size_t max = f[i].max ? f[i].max : 256;
			size_t len = json_string_length(v);
			if (len > max) {
				error(c, 400, k, "'%s' is longer than %zu bytes", k, max);
				return false;
			}
			if (strlen(json_string_value(v)) != len) {
				error(c, 400, k, "'%s' holds a NUL byte", k);
				return false;
			}
		}
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i].required && !json_object_get(c->body, f[i].name)) {
			error(c, 400, f[i].name, "'%s' is required", f[i].name);
			return false;
		}
	return true;
}

static const char *q(struct ctx *c, const char *key)
{
	return json_string_value(json_object_get(c->r->query, key));
}

/* Only the query keys the route names (space-separated, "" for none),
 * each once, and no NUL in a value: "keep%00x" is not "keep". */
static bool query_only(struct ctx *c, const char *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(c->r->query, k, v) {
		size_t n = strlen(k);
		const char *p = n ? strstr(keys, k) : NULL;
		while (p && ((p != keys && p[-1] != ' ') || (p[n] && p[n] != ' ')))
			p = strstr(p + n, k);
		if (!p) {
			error(c, 400, k, "unknown parameter '%.64s'", k);
			return false;
		}
		if (!json_is_string(v)) {
			error(c, 400, k, "'%.64s' is given more than once", k);
			return false;
		}
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			error(c, 400, k, "'%.64s' holds a NUL byte", k);
			return false;
		}
	}
	return true;
}

static bool q_int(struct ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	const char *s = q(c, key);
	if (!s)
		return true;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || errno || x < lo || x > hi) {
		error(c, 400, key, "'%s' must be a whole number from %lld to %lld", key,
		      (long long)lo, (long long)hi);
		return false;
	}
	*v = x;
	return true;
}

/* A name that is also a path segment: 1 to 64 of [A-Za-z0-9._-], not
 * starting with '.', '_' or '-' (so never "." nor ".."). */
#define NAME_RULE "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64 || *s == '.' || *s == '_' || *s == '-')
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static json_t *diags_json(const struct cd_diags *d)
{
	json_t *a = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct cd_diag *g = &d->v[i];
		json_t *o = json_pack("{s:s}", "message", g->msg);
		if (g->loc.file) {
			json_object_set_new(o, "file", json_string(g->loc.file));
			json_object_set_new(o, "line", json_integer(g->loc.line));
			json_object_set_new(o, "column", json_integer(g->loc.col));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static void doc_errors(struct ctx *c, const char *what, const struct cd_diags *d)
{
	json_t *o = json_pack("{s:s, s:o}", "error", what, "errors", diags_json(d));
	if (d->dropped)
		json_object_set_new(o, "more_errors", json_integer((json_int_t)d->dropped));
	reply(c, 400, o);
}

static void store_failed(struct ctx *c, int r)
{
	error(c, 500, NULL, "the store failed: %s",
	      r == -EIO ? cd_store_error(c->m->store) : strerror(-r));
}

/* ---- handlers ---- */

static void h_enroll(struct ctx *c)
{
	static const struct field f[] = { { "token", F_STR, true, CD_TOKEN_MAX } };
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	char *cred;
	struct cd_token t = { 0 };
	int r = cd_mgr_enroll(c->m, json_string_value(json_object_get(c->body, "token")),
			      c->r->origin, &cred, &t);
	if (r == -ENOENT || r == -EPERM || r == -ETIMEDOUT) {
		error(c, 401, "token", "this enrollment token is unknown, used or expired");
		return;
	}
	if (r < 0) {
		store_failed(c, r);
		return;
	}
	json_t *o = json_pack("{s:s, s:s}", "credential", cred, "name", t.name);
	if (t.host)
		json_object_set_new(o, "host", json_string(t.host));
	if (t.workload)
		json_object_set_new(o, "workload", json_string(t.workload));
	reply(c, 201, o);
	c->out->who = cd_strdup(t.name);
	free(cred);
	cd_token_free(&t);
}

static void h_workloads(struct ctx *c)
{
	reply(c, 200, cd_mgr_workloads(c->m));
}

static void h_tag(struct ctx *c, bool add)
{
	const char *tag;
	if (add) {
		static const struct field f[] = { { "tag", F_STR, true, 256 } };
		if (!take_body(c, f, CD_ARRAY_LEN(f)))
			return;
		tag = json_string_value(json_object_get(c->body, "tag"));
	} else {
		if (!(tag = q(c, "tag"))) {
			error(c, 400, "tag", "'tag' is required");
			return;
		}
	}
	int r = cd_mgr_tag(c->m, c->seg[0], tag, add, &c->actor);
	if (r == -ENOENT)
		error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r == -EINVAL)
		error(c, 400, "tag", "a tag is 1 to 256 bytes, without control characters");
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:s, s:s, s:b, s:I}", "workload", c->seg[0], "tag", tag,
					"changed", r == 1, "seq", (json_int_t)c->m->seq));
}

static void h_release(struct ctx *c)
{
	int r = cd_mgr_release(c->m, c->seg[0], &c->actor);
	if (r == -ENOENT)
		error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:s, s:s, s:b, s:I}", "workload", c->seg[0], "tag",
					c->m->st->pol.am.quarantine_tag, "changed", r == 1,
					"seq", (json_int_t)c->m->seq));
}

static void h_scan(struct ctx *c)
{
	static const struct field f[] = { { "kind", F_STR, true, 8 } };
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	const char *kind = json_string_value(json_object_get(c->body, "kind"));
	if (strcmp(kind, "full") && strcmp(kind, "quick")) {
		error(c, 400, "kind", "'kind' is full or quick");
		return;
	}
	int64_t id;
	int r = cd_mgr_scan(c->m, c->seg[0], kind, &c->actor, &id);
	if (r == -ENOENT)
		error(c, 404, "workload", "no workload named '%.100s'", c->seg[0]);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "workload",
					c->seg[0], "kind", kind, "state", "requested"));
}

static void h_scan_get(struct ctx *c)
{
	char *end;
	long long id = strtoll(c->seg[0], &end, 10);
	struct cd_scan_req q = { 0 };
	int r = *end || id < 1 ? -ENOENT : cd_store_scan_get(c->m->store, id, &q);
	if (r == -ENOENT) {
		error(c, 404, "id", "there is no scan %.32s", c->seg[0]);
		return;
	}
	if (r < 0) {
		store_failed(c, r);
		return;
	}
	char t1[CD_TIME_STRLEN], t2[CD_TIME_STRLEN];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s}", "id", (json_int_t)q.id,
			      "workload", q.workload, "kind", q.kind, "state", q.state, "by", q.by,
			      "requested", cd_time_fmt(q.requested, t1), "updated", cd_time_fmt(q.updated, t2));
	json_object_set_new(o, "progress", q.result ? json_loads(q.result, 0, NULL) : json_null());
	reply(c, 200, o);
	cd_scan_req_free(&q);
}

static void h_sources(struct ctx *c)
{
	reply(c, 200, cd_mgr_sources(c->m));
}

static bool url_ok(const char *s, const char *scheme)
{
	return !strncmp(s, scheme, strlen(scheme)) && s[strlen(scheme)] &&
	       !strpbrk(s, " \t\r\n");
}

static void h_source_add(struct ctx *c)
{
	static const struct field f[] = {
		{ "name", F_STR, true, 64 }, { "kind", F_STR, true, 16 },
		{ "uri", F_STR, false, 1024 }, { "url", F_STR, false, 1024 },
		{ "user", F_STR, false, 256 }, { "password", F_STR, false, 1024 },
		{ "insecure", F_BOOL, false, 0 }, { "cacert", F_STR, false, 256u << 10 },
		{ "quarantine_network", F_STR, false, 256 },
	};
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *b = c->body;
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *kind = json_string_value(json_object_get(b, "kind"));
	const char *uri = json_string_value(json_object_get(b, "uri"));
	const char *url = json_string_value(json_object_get(b, "url"));
	if (!name_ok(name)) {
		error(c, 400, "name", "a source name is " NAME_RULE);
		return;
	}
	static const char *const vs_only[] = { "url", "user", "password", "insecure", "cacert",
					       "quarantine_network" };
	if (!strcmp(kind, "libvirt")) {
		if (!uri || !*uri) {
			error(c, 400, "uri", "a libvirt source needs 'uri' (qemu:///system, "
			      "qemu+ssh://HOST/system, ...)");
			return;
		}
		struct cd_buf why;
		cd_buf_init(&why, 512);
		int ur = cd_virt_uri_check(uri, &why);
		if (ur < 0)
			error(c, 400, "uri", "%s", why.data);
		cd_buf_free(&why);
		if (ur < 0)
			return;
		for (size_t i = 0; i < CD_ARRAY_LEN(vs_only); i++)
			if (json_object_get(b, vs_only[i])) {
				error(c, 400, vs_only[i], "'%s' is for vsphere sources", vs_only[i]);
				return;
			}
	} else if (!strcmp(kind, "vsphere")) {
		static const char *const need[] = { "url", "user", "password" };
		for (size_t i = 0; i < CD_ARRAY_LEN(need); i++)
			if (!json_string_length(json_object_get(b, need[i]))) {
				error(c, 400, need[i], "a vsphere source needs '%s'", need[i]);
				return;
			}
		if (!url_ok(url, "https://")) {
			error(c, 400, "url", "'url' must be https://HOST/sdk");
			return;
		}
		size_t auth = strcspn(url + 8, "/?#");
		if (memchr(url + 8, '@', auth)) {   /* it would be shown and logged */
			error(c, 400, "url", "'url' holds no credentials: give 'user' and 'password'");
			return;
		}
		if (uri) {
			error(c, 400, "uri", "'uri' is for libvirt sources");
			return;
		}
		if (json_is_true(json_object_get(b, "insecure")) && json_object_get(b, "cacert")) {
			error(c, 400, "cacert", "'insecure' and 'cacert' exclude each other");
			return;
		}
	} else {
		error(c, 400, "kind", "'kind' is libvirt or vsphere (static sources come from "
		      "PUT /api/v1/inventory/NAME)");
		return;
	}
	json_t *config = json_deep_copy(b);
	json_object_del(config, "name");
	json_object_del(config, "kind");
	if (!c->m->hooks.test) {
		error(c, 503, NULL, "this manager runs no source connectors");
		json_decref(config);
		return;
	}
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = c->m->hooks.test(c->m->hooks.ctx, kind, config, &err);
	if (r < 0) {
		error(c, 400, NULL, "source %s not added: %s", name,
		      err.data ? err.data : strerror(-r));
	} else {
		r = cd_mgr_source_add(c->m, name, kind, config, &c->actor);
		if (r == -EEXIST)
			error(c, 409, "name", "there is already a source named '%s'", name);
		else if (r < 0)
			store_failed(c, r);
		else
			reply(c, 201, json_pack("{s:s, s:s, s:I}", "source", name, "kind", kind,
						"seq", (json_int_t)c->m->seq));
	}
	cd_buf_free(&err);
	json_decref(config);
}

static void h_source_rm(struct ctx *c)
{
	struct cd_diags d;
	cd_diags_init(&d);
	int r = cd_mgr_source_rm(c->m, c->seg[0], &c->actor, &d);
	if (r == -ENOENT)
		error(c, 404, "source", "no source named '%.100s'", c->seg[0]);
	else if (r == -EINVAL)
		doc_errors(c, "the policy still needs workloads of that source", &d);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:s, s:I}", "source", c->seg[0], "seq", (json_int_t)c->m->seq));
	cd_diags_free(&d);
}

static void h_tag_add(struct ctx *c) { h_tag(c, true); }
static void h_tag_rm(struct ctx *c) { h_tag(c, false); }

static void h_inventory(struct ctx *c)
{
	static const struct field f[] = {
		{ "document", F_STR, true, 32u << 20 }, { "filename", F_STR, false, 1024 },
	};
	if (!name_ok(c->seg[0])) {
		error(c, 400, "source", "a source name is " NAME_RULE);
		return;
	}
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
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
		doc_errors(c, "the inventory does not load", &d);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:s, s:I, s:I}", "source", c->seg[0], "workloads",
					(json_int_t)n, "seq", (json_int_t)c->m->seq));
	cd_diags_free(&d);
}

static void h_policy_push(struct ctx *c)
{
	static const struct field f[] = {
		{ "document", F_STR, true, 32u << 20 }, { "filename", F_STR, false, 1024 },
	};
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *doc = json_object_get(c->body, "document");
	const char *fn = json_string_value(json_object_get(c->body, "filename"));
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	int r = cd_mgr_push_policy(c->m, fn ? fn : "policy", json_string_value(doc),
				   json_string_length(doc), &c->actor, &d, &rev);
	if (r == -EINVAL)
		doc_errors(c, "the policy does not load", &d);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 201, json_pack("{s:I, s:I}", "revision", (json_int_t)rev,
					"seq", (json_int_t)c->m->seq));
	cd_diags_free(&d);
}

static json_t *rev_json(const struct cd_revision *v)
{
	char t[CD_TIME_STRLEN];
	return json_pack("{s:I, s:s, s:s?, s:s?}", "revision", (json_int_t)v->rev,
			 "time", cd_time_fmt(v->time, t), "author", v->author, "comment", v->comment);
}

static void h_policy_show(struct ctx *c)
{
	int64_t rev = 0;
	if (!q_int(c, "revision", 1, INT64_MAX, &rev))
		return;
	struct cd_revision v = { 0 };
	int r = cd_store_rev_get(c->m->store, rev, &v);
	if (r == -ENOENT) {
		if (rev)
			error(c, 404, "revision", "there is no revision %lld", (long long)rev);
		else
			error(c, 404, NULL, "no policy has been pushed yet");
		return;
	}
	if (r < 0) {
		store_failed(c, r);
		return;
	}
	json_t *o = rev_json(&v);
	json_object_set_new(o, "document", json_string(v.doc));
	json_object_set_new(o, "current", json_boolean(v.rev == c->m->pol.rev));
	reply(c, 200, o);
	cd_revision_free(&v);
}

static int rev_row(void *ctx, const struct cd_revision *v)
{
	json_t *a = ctx;
	json_array_append_new(a, rev_json(v));
	return 0;
}

static void h_policy_history(struct ctx *c)
{
	json_t *a = json_array();
	int r = cd_store_rev_each(c->m->store, rev_row, a);
	if (r < 0) {
		json_decref(a);
		store_failed(c, r);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		json_object_set_new(v, "current", json_boolean(
			json_integer_value(json_object_get(v, "revision")) == c->m->pol.rev));
	reply(c, 200, a);
}

static void h_policy_diff(struct ctx *c)
{
	int64_t from = 0, to = 0;
	if (!q_int(c, "from", 1, INT64_MAX, &from) ||
	    !q_int(c, "to", 1, INT64_MAX, &to))
		return;
	if (!from) {
		error(c, 400, "from", "'from' is required");
		return;
	}
	struct cd_revision a = { 0 }, b = { 0 };
	int r = cd_store_rev_get(c->m->store, from, &a);
	if (r == 0)
		r = cd_store_rev_get(c->m->store, to, &b);   /* 0: the newest */
	if (r == -ENOENT) {
		error(c, 404, a.doc ? "to" : "from", "there is no revision %lld",
		      (long long)(a.doc ? to : from));
	} else if (r < 0) {
		store_failed(c, r);
	} else {
		char la[32], lb[32];
		snprintf(la, sizeof(la), "revision %lld", (long long)a.rev);
		snprintf(lb, sizeof(lb), "revision %lld", (long long)b.rev);
		char *d = cd_diff_text(la, a.doc, lb, b.doc);
		reply(c, 200, json_pack("{s:I, s:I, s:s}", "from", (json_int_t)a.rev,
					"to", (json_int_t)b.rev, "diff", d));
		free(d);
	}
	cd_revision_free(&a);
	cd_revision_free(&b);
}

static void h_rollback(struct ctx *c)
{
	static const struct field f[] = { { "revision", F_INT, true, 0 } };
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_int_t rev = json_integer_value(json_object_get(c->body, "revision"));
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t nrev;
	int r = rev > 0 ? cd_mgr_rollback(c->m, rev, &c->actor, &d, &nrev) : -ENOENT;
	if (r == -ENOENT)
		error(c, 404, "revision", "there is no revision %lld", (long long)rev);
	else if (r == -EINVAL)
		doc_errors(c, "that revision does not load with the current inventory", &d);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 201, json_pack("{s:I, s:I, s:I}", "revision", (json_int_t)nrev,
					"restored", (json_int_t)rev, "seq", (json_int_t)c->m->seq));
	cd_diags_free(&d);
}

static void h_groups(struct ctx *c)
{
	reply(c, 200, cd_groups_json(c->m->st));
}

static void h_explain(struct ctx *c)
{
	struct cd_flow f;
	char why[256];
	if (cd_flow_parse(c->m->st, q(c, "from"), q(c, "to"), q(c, "proto"), q(c, "port"),
			  "", &f, why, sizeof(why)) < 0) {
		/* the message starts with the field's name */
		char field[8] = "";
		size_t fl = strcspn(why, " ");
		if (fl < sizeof(field)) {
			memcpy(field, why, fl);
			field[fl] = 0;
		}
		error(c, 400, field[0] && strstr("from to proto port", field) ? field : NULL, "%s", why);
		return;
	}
	struct cd_verdict v;
	cd_explain(c->m->st, &f, &v);
	reply(c, 200, cd_verdict_json(&v));
}

static void h_token(struct ctx *c, bool agent)
{
	static const struct field fa[] = {
		{ "host", F_STR, false, 256 }, { "workload", F_STR, false, 256 },
	};
	static const struct field ft[] = {
		{ "role", F_STR, true, 16 }, { "name", F_STR, true, 64 },
	};
	if (!take_body(c, agent ? fa : ft, 2))
		return;
	const char *host = json_string_value(json_object_get(c->body, "host"));
	const char *wl = json_string_value(json_object_get(c->body, "workload"));
	const char *role = agent ? "enroll" : json_string_value(json_object_get(c->body, "role"));
	const char *name = json_string_value(json_object_get(c->body, "name"));
	char nbuf[300];
	if (agent) {
		if (!host == !wl) {
			error(c, 400, host ? "workload" : "host", "give either 'host' or 'workload'");
			return;
		}
		if (!name_ok(host ? host : wl)) {
			error(c, 400, host ? "host" : "workload",
			      "a host or workload name is " NAME_RULE);
			return;
		}
		snprintf(nbuf, sizeof(nbuf), "enroll:%s:%s", host ? "host" : "workload", host ? host : wl);
		name = nbuf;
	} else {
		if (strcmp(role, "admin") && strcmp(role, "operator") && strcmp(role, "viewer")) {
			error(c, 400, "role", "'role' is admin, operator or viewer");
			return;
		}
		if (!name_ok(name)) {
			error(c, 400, "name", "a token name is " NAME_RULE);
			return;
		}
	}
	char *secret;
	int r = cd_mgr_token_create(c->m, role, name, host, wl, &c->actor, &secret);
	if (r < 0) {
		store_failed(c, r);
		return;
	}
	json_t *o = json_pack("{s:s, s:s}", "token", secret, "role", agent ? "enroll" : role);
	if (host)
		json_object_set_new(o, "host", json_string(host));
	if (wl)
		json_object_set_new(o, "workload", json_string(wl));
	if (!agent)
		json_object_set_new(o, "name", json_string(name));
	reply(c, 201, o);
	free(secret);
}

static void h_agent_token(struct ctx *c) { h_token(c, true); }
static void h_api_token(struct ctx *c) { h_token(c, false); }

static void token_list(struct ctx *c, bool agents)
{
	json_t *a = cd_mgr_tokens(c->m, agents);
	if (!a)
		store_failed(c, -EIO);
	else
		reply(c, 200, a);
}

static void token_revoke(struct ctx *c, bool agents)
{
	int64_t n;
	int r = cd_mgr_token_revoke(c->m, c->seg[0], agents, &c->actor, &n);
	if (r == -ENOENT)
		error(c, 404, "name", "no %s named '%.100s'", agents ? "agent credential or "
		      "enrollment token" : "API token", c->seg[0]);
	else if (r == -EBUSY)
		error(c, 409, "name", "'%.100s' holds the last admin tokens: make another admin "
		      "token first", c->seg[0]);
	else if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:s, s:I}", "revoked", c->seg[0], "count", (json_int_t)n));
}

static void h_tokens(struct ctx *c) { token_list(c, false); }
static void h_agent_tokens(struct ctx *c) { token_list(c, true); }
static void h_token_rm(struct ctx *c) { token_revoke(c, false); }
static void h_agent_token_rm(struct ctx *c) { token_revoke(c, true); }

static void h_agents(struct ctx *c)
{
	reply(c, 200, cd_mgr_agents(c->m));
}

struct ev_ctx {
	json_t *a;
};

static int ev_row(void *p, const struct cd_event *e)
{
	struct ev_ctx *x = p;
	char t[CD_TIME_STRLEN];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s}", "id", (json_int_t)e->id,
			      "time", cd_time_fmt(e->time, t), "type", e->type,
			      "workload", e->workload, "host", e->host, "actor", e->actor,
			      "origin", e->origin, "message", e->message);
	json_object_set_new(o, "data", e->data ? json_loads(e->data, 0, NULL) : json_null());
	if (!json_object_get(o, "data"))
		json_object_set_new(o, "data", json_null());
	if (!json_object_get(o, "workload"))
		json_object_set_new(o, "workload", json_null());
	json_array_append_new(x->a, o);
	return 0;
}

static void h_events(struct ctx *c)
{
	/* a page at a time: the next is before= the first id of this one */
	struct cd_event_filter f = { .limit = CD_API_EVENTS_PAGE };
	if (!q_int(c, "limit", 1, CD_API_EVENTS_PAGE, &f.limit) ||
	    !q_int(c, "before", 1, INT64_MAX, &f.before))
		return;
	if (q(c, "since") && cd_time_parse(q(c, "since"), &f.since) < 0) {
		error(c, 400, "since", "'since' must be an RFC 3339 time, as 2026-11-26T12:00:00Z");
		return;
	}
	f.workload = q(c, "workload");
	f.type = q(c, "type");
	struct ev_ctx x = { json_array() };
	int r = cd_store_event_each(c->m->store, &f, ev_row, &x);
	if (r < 0) {
		json_decref(x.a);
		store_failed(c, r);
		return;
	}
	reply(c, 200, x.a);
}

void cd_api_changes(struct cd_mgr *m, int64_t since, struct cd_api_resp *out)
{
	json_decref(out->body);
	out->body = NULL;
	out->status = 200;
	if (since < 0 || cd_mgr_needs_snapshot(m, since)) {
		/* a scanning agent sees its settings and scans, not the world */
		if (out->workload)
			out->body = cd_mgr_snapshot_workload(m, out->workload);
		else
			out->blob = cd_mgr_snapshot(m);
		return;
	}
	json_t *o = cd_mgr_changes(m, since, out->workload);
	json_object_set_new(o, "heartbeat_seconds", json_integer(m->heartbeat_s));
	out->body = o;
}

/* An agent may only speak for its own host or workload. */
static bool own_scope(struct ctx *c, const char *host, const char *wl)
{
	if (host && (!c->tok.host || strcasecmp(host, c->tok.host))) {
		error(c, 403, "host", "this agent enforces for host %s, not %.100s",
		      c->tok.host ? c->tok.host : "(none)", host);
		return false;
	}
	if (wl) {
		long w = cd_inventory_find(&c->m->st->inv, wl);
		bool mine = c->tok.workload ? !strcasecmp(wl, c->tok.workload)
			  : w >= 0 && c->tok.host && !strcasecmp(c->m->st->inv.w[w].host, c->tok.host);
		if (!mine) {
			error(c, 403, "workload", "workload %.100s is not this agent's", wl);
			return false;
		}
	}
	return true;
}

static void h_changes(struct ctx *c)
{
	int64_t since = 0, rev = 0, wait = 0, snap = 0;
	if (!q_int(c, "since", 0, INT64_MAX, &since) ||
	    !q_int(c, "revision", 0, INT64_MAX, &rev) ||
	    !q_int(c, "wait", 0, CD_API_WAIT_MAX, &wait) || !q_int(c, "snapshot", 0, 1, &snap) ||
	    !own_scope(c, q(c, "host"), NULL))
		return;
	if (c->tok.workload && !c->tok.host)
		c->out->workload = cd_strdup(c->tok.workload);
	/* what the agent asks after is what it has realized */
	cd_mgr_seen(c->m, &c->actor, rev, since);
	if (snap) {            /* the agent has nothing to build on */
		cd_api_changes(c->m, -1, c->out);
		return;
	}
	if (since == c->m->seq && since >= c->m->base && wait > 0) {
		c->out->wait = true;
		c->out->since = since;
		c->out->wait_ms = (int)wait * 1000;
		c->out->status = 200;
		return;
	}
	cd_api_changes(c->m, since, c->out);
}

static void h_heartbeat(struct ctx *c)
{
	static const struct field f[] = {
		{ "applied_revision", F_INT, true, 0 }, { "applied_seq", F_INT, true, 0 },
		{ "status", F_OBJ, false, 0 }, { "host", F_STR, false, 256 },
	};
	if (!take_body(c, f, CD_ARRAY_LEN(f)) ||
	    !own_scope(c, json_string_value(json_object_get(c->body, "host")), NULL))
		return;
	json_t *st = json_object_get(c->body, "status");
	char *s = st ? json_dumps(st, JSON_COMPACT) : NULL;
	size_t sl = s ? strlen(s) : 0;
	free(s);
	if (sl > 65536) {
		error(c, 400, "status", "'status' is larger than 64 KiB");
		return;
	}
	int r = cd_mgr_heartbeat(c->m, &c->actor,
				 json_integer_value(json_object_get(c->body, "applied_revision")),
				 json_integer_value(json_object_get(c->body, "applied_seq")), st);
	if (r < 0)
		store_failed(c, r);
	else
		reply(c, 200, json_pack("{s:I, s:i}", "seq", (json_int_t)c->m->seq,
					"heartbeat_seconds", c->m->heartbeat_s));
}

static void h_agent_events(struct ctx *c)
{
	static const struct field f[] = { { "events", F_ARR, true, 0 } };
	static const struct field ef[] = {
		{ "seq", F_INT, true, 0 }, { "time", F_STR, true, 64 }, { "type", F_STR, true, 64 },
		{ "workload", F_STR, false, 256 }, { "message", F_STR, true, 4096 },
		{ "data", F_OBJ, false, 0 },
	};
	if (!take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *evs = json_object_get(c->body, "events"), *e;
	if (json_array_size(evs) > 1000) {
		error(c, 400, "events", "at most 1000 events at a time");
		return;
	}
	size_t i;
	/* check them all before storing any */
	json_array_foreach(evs, i, e) {
		char field[64];
		if (!json_is_object(e)) {
			snprintf(field, sizeof(field), "events[%zu]", i);
			error(c, 400, field, "each event must be an object");
			return;
		}
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v) {
			size_t j;
			for (j = 0; j < CD_ARRAY_LEN(ef) && strcmp(ef[j].name, k); j++)
				;
			snprintf(field, sizeof(field), "events[%zu].%.32s", i, k);
			if (j == CD_ARRAY_LEN(ef)) {
				error(c, 400, field, "unknown field");
				return;
			}
			if (!type_ok(v, ef[j].type) || (ef[j].type == F_STR && json_string_length(v) >
							 ef[j].max)) {
				error(c, 400, field, "must be %s%s", ftype_name(ef[j].type),
				      ef[j].type == F_STR ? " of reasonable length" : "");
				return;
			}
		}
		for (size_t j = 0; j < CD_ARRAY_LEN(ef); j++)
			if (ef[j].required && !json_object_get(e, ef[j].name)) {
				snprintf(field, sizeof(field), "events[%zu].%s", i, ef[j].name);
				error(c, 400, field, "is required");
				return;
			}
		int64_t t;
		if (cd_time_parse(json_string_value(json_object_get(e, "time")), &t) < 0) {
			snprintf(field, sizeof(field), "events[%zu].time", i);
			error(c, 400, field, "must be an RFC 3339 time");
			return;
		}
		if (!own_scope(c, NULL, json_string_value(json_object_get(e, "workload"))))
			return;
		const char *bad;
		struct cd_buf why;
		cd_buf_init(&why, 512);
		int cr = cd_mgr_agent_event_check(c->m, &c->actor, e, &bad, &why);
		if (cr < 0) {
			snprintf(field, sizeof(field), "events[%zu].%s", i, bad);
			error(c, cr == -EPERM ? 403 : 400, field, "%s", why.data);
		}
		cd_buf_free(&why);
		if (cr < 0)
			return;
	}
	/* one at a time: what an event sets off happens before it is
	 * stored, and an event stored before is not acted on again */
	int r = 0, retry = 0;
	int64_t acked = 0;
	size_t stored = 0;
	json_array_foreach(evs, i, e) {
		int64_t seq = json_integer_value(json_object_get(e, "seq"));
		/* per credential: an agent enrolled again starts again at 1 */
		int known = cd_store_event_known(c->m->store, c->tok.hash, seq);
		if (known < 0) {
			r = known;
			break;
		}
		if (!known) {
			json_t *data = json_object_get(e, "data");
			char *dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
			const char *msg = json_string_value(json_object_get(e, "message"));
			/* over the agent's rate: the rest waits in its queue */
			if (cd_mgr_agent_admit(c->m, &c->actor, strlen(msg) + (dj ? strlen(dj) : 0) + 64,
					       &retry) < 0) {
				free(dj);
				cd_mgr_agent_refused(c->m, &c->actor, json_array_size(evs) - i);
				break;
			}
			if ((r = cd_mgr_agent_event(c->m, &c->actor, e)) < 0) {
				free(dj);
				break;
			}
			int64_t t;
			cd_time_parse(json_string_value(json_object_get(e, "time")), &t);
			struct cd_event ev = {
				.time = t, .type = json_string_value(json_object_get(e, "type")),
				.workload = json_string_value(json_object_get(e, "workload")),
				.host = c->tok.host, .message = msg, .data = dj, .received = cd_mgr_now(),
			};
			r = cd_store_event_add_once(c->m->store, &ev, c->tok.hash, seq);
			free(dj);
			if (r == -EEXIST)
				r = 0;
			else if (r == 0)
				stored++;
			if (r < 0)
				break;
		}
		if (seq > acked)
			acked = seq;
		retry = 0;
	}
	if (r < 0) {
		store_failed(c, r);
		return;
	}
	if (retry > 0 && i == 0) {
		c->out->retry_after = retry;
		error(c, 429, NULL, "over this agent's rate of events: again in %d s", retry);
		return;
	}
	reply(c, 200, json_pack("{s:I, s:I}", "acked", (json_int_t)acked, "stored", (json_int_t)stored));
}

/* ---- routing ---- */

struct route {
	const char *method;
	const char *pattern;       /* '*' matches one segment */
	unsigned roles;
	size_t body_max;
	void (*fn)(struct ctx *c);
	const char *query;         /* the query keys it takes, space-separated */
};

static const struct route routes[] = {
	{ "POST", "/api/v1/enroll", R_NONE, 4096, h_enroll, "" },
	{ "GET", "/api/v1/workloads", R_READ, 0, h_workloads, "" },
	{ "POST", "/api/v1/workloads/*/tags", R_TAGS, 4096, h_tag_add, "" },
	{ "DELETE", "/api/v1/workloads/*/tags", R_TAGS, 0, h_tag_rm, "tag" },
	{ "POST", "/api/v1/workloads/*/release", R_TAGS, 0, h_release, "" },
	{ "POST", "/api/v1/workloads/*/scan", R_TAGS, 4096, h_scan, "" },
	{ "GET", "/api/v1/scans/*", R_READ, 0, h_scan_get, "" },
	{ "PUT", "/api/v1/inventory/*", R_ADMIN, CD_API_DOC_MAX, h_inventory, "" },
	{ "GET", "/api/v1/sources", R_READ, 0, h_sources, "" },
	{ "POST", "/api/v1/sources", R_ADMIN, 1u << 20, h_source_add, "" },
	{ "DELETE", "/api/v1/sources/*", R_ADMIN, 0, h_source_rm, "" },
	{ "POST", "/api/v1/policy", R_ADMIN, CD_API_DOC_MAX, h_policy_push, "" },
	{ "GET", "/api/v1/policy", R_READ, 0, h_policy_show, "revision" },
	{ "GET", "/api/v1/policy/revisions", R_READ, 0, h_policy_history, "" },
	{ "GET", "/api/v1/policy/diff", R_READ, 0, h_policy_diff, "from to" },
	{ "POST", "/api/v1/policy/rollback", R_ADMIN, 4096, h_rollback, "" },
	{ "GET", "/api/v1/groups", R_READ, 0, h_groups, "" },
	{ "GET", "/api/v1/explain", R_READ, 0, h_explain, "from to proto port" },
	{ "POST", "/api/v1/agent-tokens", R_ADMIN, 4096, h_agent_token, "" },
	{ "GET", "/api/v1/agent-tokens", R_ADMIN, 0, h_agent_tokens, "" },
	{ "DELETE", "/api/v1/agent-tokens/*", R_ADMIN, 0, h_agent_token_rm, "" },
	{ "POST", "/api/v1/tokens", R_ADMIN, 4096, h_api_token, "" },
	{ "GET", "/api/v1/tokens", R_ADMIN, 0, h_tokens, "" },
	{ "DELETE", "/api/v1/tokens/*", R_ADMIN, 0, h_token_rm, "" },
	{ "GET", "/api/v1/agents", R_READ, 0, h_agents, "" },
	{ "GET", "/api/v1/events", R_READ, 0, h_events, "since workload type limit before" },
	{ "GET", "/api/v1/agent/changes", R_AGENT, 0, h_changes, "since revision wait host snapshot" },
	{ "POST", "/api/v1/agent/heartbeat", R_AGENT, 128 << 10, h_heartbeat, "" },
	{ "POST", "/api/v1/agent/events", R_AGENT, CD_API_BODY_MAX, h_agent_events, "" },
};

/* Match path against pattern; the '*' segments are copied to c (when c). */
static bool match(const char *pattern, const char *path, struct ctx *c)
{
	int k = 0;
	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= sizeof(c->segbuf[0]) || k >= 2)
				return false;
			if (c) {
				memcpy(c->segbuf[k], path, n);
				c->segbuf[k][n] = 0;
				c->seg[k] = c->segbuf[k];
			}
			k++;
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	/* one trailing slash is forgiven */
	return !*pattern && (!*path || !strcmp(path, "/"));
}

static const struct route *find(const char *method, const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < CD_ARRAY_LEN(routes); i++)
		if (match(routes[i].pattern, path, NULL)) {
			*path_known = true;
			if (!strcmp(routes[i].method, method))
				return &routes[i];
		}
	return NULL;
}

size_t cd_api_body_limit(const char *method, const char *path)
{
	bool known;
	const struct route *rt = find(method, path, &known);
	return rt ? rt->body_max : 0;
}

static unsigned role_bit(const char *role)
{
	return !strcmp(role, "admin") ? R_ADMIN : !strcmp(role, "operator") ? R_OPERATOR
	     : !strcmp(role, "viewer") ? R_VIEWER : !strcmp(role, "agent") ? R_AGENT : 0;
}

/* Authenticate the request and check the route's roles and body limit
 * (body_len: what the client says it sends).  false: the answer is in
 * c->out. */
static bool admit(struct ctx *c, const struct route *rt, bool known, size_t body_len)
{
	const struct cd_api_req *r = c->r;
	json_t *pj = json_string(r->path);   /* names in paths go into JSON answers */
	if (!pj) {
		error(c, 400, NULL, "the path is not UTF-8 text");
		return false;
	}
	json_decref(pj);
	if (!rt || rt->roles != R_NONE) {
		/* authenticate before saying anything about the path */
		const char *a = r->auth;
		if (!a || strncasecmp(a, "Bearer ", 7)) {
			error(c, 401, NULL, "authentication required: send 'Authorization: Bearer TOKEN'");
			return false;
		}
		a += 7;
		while (*a == ' ')
			a++;
		int ar = strlen(a) > CD_TOKEN_MAX ? -ENOENT : cd_mgr_auth(c->m, a, &c->tok);
		if (ar == -ENOENT || (ar == 0 && !role_bit(c->tok.role))) {
			error(c, 401, NULL, "this token is not valid");
			return false;
		}
		if (ar < 0) {
			store_failed(c, ar);
			return false;
		}
		free(c->out->who);
		c->out->who = cd_strdup(c->tok.name);
		c->actor = (struct cd_actor){ .name = c->tok.name, .role = c->tok.role,
					      .host = c->tok.host, .workload = c->tok.workload,
					      .origin = r->origin };
	}
	if (!rt) {
		if (known)
			error(c, 405, NULL, "%s is not allowed on %.200s", r->method, r->path);
		else
			error(c, 404, NULL, "no such endpoint: %.200s", r->path);
		return false;
	}
	if (rt->roles != R_NONE && !(rt->roles & role_bit(c->tok.role))) {
		error(c, 403, NULL, "a%s %s token may not do this", c->tok.role[0] == 'a' ||
		      c->tok.role[0] == 'o' ? "n" : "", c->tok.role);
		return false;
	}
	if (body_len > rt->body_max) {
		error(c, 413, NULL, "the body is larger than this request takes (%zu bytes)",
		      rt->body_max);
		return false;
	}
	return true;
}

bool cd_api_admit(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { .m = m, .r = r, .out = out };
	bool known;
	const struct route *rt = find(r->method, r->path, &known);
	bool ok = admit(&c, rt, known, r->body_len);
	if (!ok && !out->body)
		error(&c, 400, NULL, "the request holds text that is not valid UTF-8");
	cd_token_free(&c.tok);
	return ok;
}

void cd_api_handle(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { .m = m, .r = r, .out = out };
	bool known;
	const struct route *rt = find(r->method, r->path, &known);
	if (!admit(&c, rt, known, r->body_len))
		goto out;
	match(rt->pattern, r->path, &c);
	if (query_only(&c, rt->query))
		rt->fn(&c);
out:
	if (!out->body && !out->blob && !out->wait)   /* a JSON string could not be made */
		error(&c, 400, NULL, "the request holds text that is not valid UTF-8");
	json_decref(c.body);
	cd_token_free(&c.tok);
}

void cd_api_resp_free(struct cd_api_resp *r)
{
	json_decref(r->body);
	cd_blob_unref(r->blob);
	free(r->who);
	free(r->workload);
	memset(r, 0, sizeof(*r));
}
