/* online.c - talking to a manager for the online commands (spec
 * online.md): the connection and its options, calls and their errors, the
 * shared printing; groups and explain on the manager's state. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "agent/http.h"
#include "policy/report.h"
#include "base/token.h"
#include "base/util.h"

struct online_opts g_online;

const char help_online[] =
	"Online options (before the command):\n"
	"  --server URL       the manager (default $CORDON_SERVER, else\n"
	"                     https://127.0.0.1:4119); URL1,URL2,...: managers on one\n"
	"                     database, the next tried when one cannot be reached\n"
	"  --token-file F     a file holding the API token (cordond writes the\n"
	"                     first admin token to DATA-DIR/admin.token)\n"
	"  --token T          the token itself (default $CORDON_TOKEN)\n"
	"  --cacert F         trust the manager's certificate in F (DATA-DIR/tls.crt)\n"
	"  --insecure         do not check the manager's certificate (tests only)\n";

/* ---- talking to the manager ---- */

static struct cd_http http;
static bool http_ready;

static int connect_manager(const char *cmd)
{
	if (http_ready)
		return EXIT_OK;
	const char *server = g_online.server ? g_online.server : getenv("CORDON_SERVER");
	if (!server || !*server)
		server = "https://127.0.0.1:4119";
	char *token = NULL;
	if (g_online.token) {
		token = cd_strdup(g_online.token);
	} else if (g_online.token_file) {
		int r = cd_token_read(g_online.token_file, &token);
		if (r < 0) {
			fprintf(stderr, "cordon %s: cannot read a token from %s: %s\n", cmd,
				g_online.token_file, r == -EINVAL ? "it holds no token" : strerror(-r));
			return EXIT_BADINPUT;
		}
	} else if (getenv("CORDON_TOKEN") && *getenv("CORDON_TOKEN")) {
		token = cd_strdup(getenv("CORDON_TOKEN"));
	} else {
		fprintf(stderr, "cordon %s: no API token: pass --token-file FILE (cordond writes "
			"DATA-DIR/admin.token) or --token, or set CORDON_TOKEN\n", cmd);
		return EXIT_BADINPUT;
	}
	if (strncmp(server, "https://", 8)) {
		fprintf(stderr, "cordon %s: --server must be an https:// URL, not '%s'\n", cmd, server);
		free(token);
		return EXIT_BADINPUT;
	}
	int r = cd_http_init(&http, server, token, g_online.insecure, g_online.cacert);
	free(token);
	if (r < 0) {
		fprintf(stderr, "cordon %s: cannot start an HTTP client\n", cmd);
		return EXIT_FAIL;
	}
	/* a person waits: a manager busy enough to take 5 s to shake hands
	 * (a loaded one, one under valgrind) still answers */
	cd_http_set_connect_timeout(&http, 30000);
	http_ready = true;
	return EXIT_OK;
}

/* Print the manager's error answer. */
static void print_error(const char *cmd, long status, json_t *o)
{
	const char *msg = json_string_value(json_object_get(o, "error"));
	const char *field = json_string_value(json_object_get(o, "field"));
	json_t *errs = json_object_get(o, "errors"), *e;
	size_t i;
	json_array_foreach(errs, i, e) {
		const char *file = json_string_value(json_object_get(e, "file"));
		const char *m = json_string_value(json_object_get(e, "message"));
		if (file)
			fprintf(stderr, "%s:%lld:%lld: error: %s\n", file,
				(long long)json_integer_value(json_object_get(e, "line")),
				(long long)json_integer_value(json_object_get(e, "column")), m);
		else
			fprintf(stderr, "error: %s\n", m);
	}
	if (msg)
		fprintf(stderr, "cordon %s: %s%s%s%s\n", cmd, msg, field ? " (field '" : "",
			field ? field : "", field ? "')" : "");
	else
		fprintf(stderr, "cordon %s: the manager answered HTTP %ld\n", cmd, status);
	if (status == 401)
		fprintf(stderr, "cordon %s: check the token (--token-file, --token or CORDON_TOKEN)\n", cmd);
}

/* One call; *out is the answer when EXIT_OK. */
int online_call(const char *cmd, const char *method, const char *path, json_t *body,
		json_t **out)
{
	*out = NULL;
	int r = connect_manager(cmd);
	if (r != EXIT_OK) {
		json_decref(body);
		return r;
	}
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	long status = 0;
	json_t *o;
	r = cd_http_call(&http, method, path, body, 120000, &status, &o, &err);
	json_decref(body);
	if (r < 0) {
		fprintf(stderr, "cordon %s: %s\n", cmd, err.data);
		cd_buf_free(&err);
		return EXIT_FAIL;
	}
	cd_buf_free(&err);
	if (status >= 200 && status < 300 && o) {
		*out = o;
		return EXIT_OK;
	}
	print_error(cmd, status, o);
	json_decref(o);
	return status >= 400 && status < 500 && status != 401 && status != 403 ? EXIT_BADINPUT
												  : EXIT_FAIL;
}

int online_get_text(const char *cmd, const char *path, const char **text, size_t *len)
{
	json_t *o = NULL;
	int r = connect_manager(cmd);
	if (r != EXIT_OK)
		return r;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	long status = 0;
	r = cd_http_call(&http, "GET", path, NULL, 120000, &status, &o, &err);
	if (r < 0) {
		fprintf(stderr, "cordon %s: %s\n", cmd, err.data);
		cd_buf_free(&err);
		return EXIT_FAIL;
	}
	cd_buf_free(&err);
	if (status >= 200 && status < 300) {
		json_decref(o);
		*text = http.resp.len ? http.resp.data : "";
		*len = http.resp.len;
		return EXIT_OK;
	}
	print_error(cmd, status, o);
	json_decref(o);
	return status >= 400 && status < 500 && status != 401 && status != 403 ? EXIT_BADINPUT
										  : EXIT_FAIL;
}

int online_push_file(const char *cmd, const char *what, const char *route, const char *file,
		     size_t max)
{
	char *text;
	size_t len;
	if (cd_read_file(file, max, &text, &len) < 0) {
		fprintf(stderr, "cordon %s: %s: cannot read it (or larger than %zu KiB)\n", cmd, file,
			max >> 10);
		return EXIT_BADINPUT;
	}
	json_error_t je;
	json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!body) {
		fprintf(stderr, "%s:%d:%d: %s\n", file, je.line, je.column, je.text);
		return EXIT_BADINPUT;
	}
	json_t *out;
	int r = online_call(cmd, "POST", route, body, &out);
	if (r != EXIT_OK)
		return r;
	printf("%s %s saved: revision %lld\n", what, online_str(out, "name"),
	       (long long)json_integer_value(json_object_get(out, "rev")));
	json_decref(out);
	return EXIT_OK;
}

void online_print_revisions(json_t *revs)
{
	char t[MFMT_TIME_LEN];
	size_t i;
	json_t *v;
	printf("%5s  %-36s %-16s %s\n", "REV", "TIME", "AUTHOR", "WHAT");
	json_array_foreach(revs, i, v)
		printf("%5lld  %-36s %-16s %s\n", (long long)json_integer_value(json_object_get(v, "rev")),
		       mfmt_time(json_integer_value(json_object_get(v, "time")) / 1000, t),
		       online_str(v, "author"), online_str(v, "comment"));
}

void online_print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

const char *online_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

/* A comma list of an array of strings. */
char *online_list_str(json_t *a)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		cd_buf_printf(&b, "%s%s", i ? "," : "", json_string_value(v));
	char *s = cd_buf_steal(&b);
	return s ? s : cd_strdup("-");
}

/* A read-only listing: --json (only), then GET path.  *json tells whether
 * the caller prints the JSON (done here) or a table. */
int online_get_list(const char *cmd, int argc, char **argv, const char *path,
		    json_t **out, bool *json)
{
	const char *j = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &j } };
	int r = cli_parse(cmd, argc, argv, o, 1, 0, 0, NULL);
	if (r == EXIT_OK)
		r = online_call(cmd, "GET", path, NULL, out);
	*json = j != NULL;
	if (r == EXIT_OK && *json)
		online_print_json(*out);
	return r;
}

json_t *online_doc_body(const char *cmd, const char *file, int *rc)
{
	char *text;
	size_t len;
	int r = cd_read_file(file, 32u << 20, &text, &len);
	if (r < 0) {
		fprintf(stderr, "%s:0:0: error: %s\n", file,
			r == -EFBIG ? "larger than 32 MiB" : strerror(-r));
		(void)cmd;
		*rc = EXIT_BADINPUT;
		return NULL;
	}
	json_t *s = json_stringn(text, len);
	free(text);
	if (!s) {
		fprintf(stderr, "%s:0:0: error: the file is not valid UTF-8 text\n", file);
		*rc = EXIT_BADINPUT;
		return NULL;
	}
	*rc = EXIT_OK;
	return json_pack("{s:o, s:s}", "document", s, "filename", file);
}

/* ---- groups and explain on the manager's state ---- */

int online_groups(bool json)
{
	json_t *out;
	int r = online_call("groups", "GET", "/api/v1/groups", NULL, &out);
	if (r != EXIT_OK)
		return r;
	if (json) {
		json_dumpf(out, stdout, JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		const char *g;
		json_t *m;
		json_object_foreach(out, g, m) {
			char *l = online_list_str(m);
			printf("%s: %s\n", g, json_array_size(m) ? l : "(no members)");
			free(l);
		}
	}
	json_decref(out);
	return EXIT_OK;
}

int online_explain(const char *from, const char *to, const char *proto, const char *port, bool json)
{
	struct cd_buf p;
	cd_buf_init(&p, 4096);
	char *f = cd_http_escape(from ? from : ""), *t = cd_http_escape(to ? to : "");
	cd_buf_printf(&p, "/api/v1/explain?from=%s&to=%s", f, t);
	free(f);
	free(t);
	if (proto) {
		char *e = cd_http_escape(proto);
		cd_buf_printf(&p, "&proto=%s", e);
		free(e);
	}
	if (port) {
		char *e = cd_http_escape(port);
		cd_buf_printf(&p, "&port=%s", e);
		free(e);
	}
	json_t *out;
	int r = online_call("explain", "GET", p.data, NULL, &out);
	cd_buf_free(&p);
	if (r != EXIT_OK)
		return r;
	if (json) {
		json_dumpf(out, stdout, JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		printf("%s\n", online_str(out, "verdict"));
		static const char *const st[] = { "egress", "ingress" };
		for (int i = 0; i < 2; i++) {
			json_t *s = json_object_get(out, st[i]);
			if (json_is_null(s)) {
				printf("  %s: not managed\n", st[i]);
				continue;
			}
			json_t *rule = json_object_get(s, "rule");
			if (json_is_null(rule))
				printf("  %s: %s (default action)\n", st[i], online_str(s, "verdict"));
			else
				printf("  %s: %s by rule %lld\n", st[i], online_str(s, "verdict"),
				       (long long)json_integer_value(rule));
		}
		size_t i;
		json_t *w;
		json_array_foreach(json_object_get(out, "warnings"), i, w)
			printf("warning: %s\n", json_string_value(w));
	}
	json_decref(out);
	return EXIT_OK;
}

void online_done(void)
{
	if (http_ready)
		cd_http_free(&http);
	http_ready = false;
	free(g_online.token);
	g_online.token = NULL;
}
