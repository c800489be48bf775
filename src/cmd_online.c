/* cmd_online.c - the commands that talk to a manager (spec online.md):
 * inventory, policy, workloads, tag, groups and explain without files,
 * agent-token, token, agents, events. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "agent/http.h"
#include "policy/report.h"
#include "base/token.h"
#include "base/util.h"

struct online_opts g_online;

const char help_online[] =
	"Online options (before the command):\n"
	"  --server URL       the manager (default $CORDON_SERVER, else\n"
	"                     https://127.0.0.1:4119)\n"
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
static int call(const char *cmd, const char *method, const char *path, json_t *body,
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

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

/* A comma list of an array of strings. */
static char *jlist(json_t *a)
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

/* Options of a subcommand: --json and the named ones (value options). */
struct sub_opt {
	const char *name;
	bool has_arg;
	const char **val;      /* value, or "1" for flags */
};

static int parse_sub(const char *cmd, int argc, char **argv, struct sub_opt *o, size_t n,
		     int minpos, int npos, const char **pos)
{
	int got = 0;
	for (int a = 1; a < argc; a++) {
		const char *s = argv[a];
		if (strncmp(s, "--", 2) || !s[2]) {
			if (got >= npos)
				return usage_error(cmd, "unexpected argument '%s'", s);
			pos[got++] = s;
			continue;
		}
		const char *eq = strchr(s, '=');
		size_t kl = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
		size_t i;
		for (i = 0; i < n && (strlen(o[i].name) != kl || strncmp(o[i].name, s + 2, kl)); i++)
			;
		if (i == n)
			return usage_error(cmd, "unknown option '%s' (see 'cordon %s --help')", s, cmd);
		if (!o[i].has_arg) {
			*o[i].val = "1";
		} else if (eq) {
			*o[i].val = eq + 1;
		} else if (a + 1 < argc) {
			*o[i].val = argv[++a];
		} else {
			return usage_error(cmd, "--%s needs a value", o[i].name);
		}
	}
	if (got < minpos)
		return usage_error(cmd, "missing arguments (see 'cordon %s --help')", cmd);
	return EXIT_OK;
}

/* A read-only listing: --json (only), then GET path.  *json tells whether
 * the caller prints the JSON (done here) or a table. */
static int get_list(const char *cmd, int argc, char **argv, const char *path,
		    json_t **out, bool *json)
{
	const char *j = NULL;
	struct sub_opt o[] = { { "json", false, &j } };
	int r = parse_sub(cmd, argc, argv, o, 1, 0, 0, NULL);
	if (r == EXIT_OK)
		r = call(cmd, "GET", path, NULL, out);
	*json = j != NULL;
	if (r == EXIT_OK && *json)
		print_json(*out);
	return r;
}

static json_t *doc_body(const char *cmd, const char *file, int *rc)
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

/* ---- inventory ---- */

const char help_inventory[] =
	"usage: cordon [ONLINE OPTIONS] inventory push -f INVENTORY.yaml --source NAME [--json]\n"
	"\n"
	"Replaces the workloads of the static source NAME with those of the file\n"
	"(the inventory format of docs/policy.md).  The file is checked first,\n"
	"alone (errors located in it) and then with the other sources and the\n"
	"current policy; nothing changes unless both pass.  Agents take the new\n"
	"inventory at once.\n"
	"\n"
	"example:\n"
	"  cordon --token-file /var/lib/cordon/admin.token --cacert /var/lib/cordon/tls.crt \\\n"
	"      inventory push -f examples/vdi/inventory.yaml --source lab\n";

int cmd_inventory(int argc, char **argv)
{
	const char *sub = NULL, *file = NULL, *source = NULL, *json = NULL;
	struct sub_opt o[] = { { "file", true, &file }, { "source", true, &source }, { "json", false, &json } };
	for (int a = 1; a < argc; a++)      /* -f as --file */
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
	int r = parse_sub("inventory", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, &sub);
	if (r != EXIT_OK)
		return r;
	if (strcmp(sub, "push"))
		return usage_error("inventory", "unknown subcommand '%s' (push)", sub);
	if (!file || !source)
		return usage_error("inventory", "push needs -f FILE and --source NAME");
	json_t *body = doc_body("inventory", file, &r), *out;
	if (!body)
		return r;
	char *src = cd_http_escape(source), *path = cd_asprintf("/api/v1/inventory/%s", src);
	r = call("inventory", "PUT", path, body, &out);
	free(src);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			print_json(out);
		else
			printf("source %s: %lld workloads\n", source,
			       (long long)json_integer_value(json_object_get(out, "workloads")));
	}
	json_decref(out);
	return r;
}

/* ---- policy ---- */

const char help_policy[] =
	"usage: cordon [ONLINE OPTIONS] policy push -f POLICY.yaml [--json]\n"
	"       cordon [ONLINE OPTIONS] policy show [--revision N] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy history [--json]\n"
	"       cordon [ONLINE OPTIONS] policy diff FROM [TO] [--json]\n"
	"       cordon [ONLINE OPTIONS] policy rollback N [--json]\n"
	"\n"
	"Policy revisions are immutable and numbered.  push checks the file with\n"
	"the manager's inventory, stores it as a new revision, makes it current\n"
	"and prints its number; agents apply it at once.  show prints a revision\n"
	"(the current one by default), history lists them all, diff shows what\n"
	"changed from FROM to TO (default: the newest), and rollback N makes a\n"
	"new revision with the text of revision N.\n";

static void print_revision_line(json_t *v)
{
	printf("%6lld  %s  %-12s %s%s\n", (long long)json_integer_value(json_object_get(v, "revision")),
	       jstr(v, "time"), jstr(v, "author"), jstr(v, "comment"),
	       json_is_true(json_object_get(v, "current")) ? "  (current)" : "");
}

static int num_arg(const char *cmd, const char *what, const char *s, long long *v)
{
	char *end;
	*v = strtoll(s, &end, 10);
	if (!*s || *end || *v < 1)
		return usage_error(cmd, "%s must be a revision number, not '%s'", what, s);
	return EXIT_OK;
}

int cmd_policy(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *file = NULL, *rev = NULL, *json = NULL;
	struct sub_opt o[] = { { "file", true, &file }, { "revision", true, &rev }, { "json", false, &json } };
	for (int a = 1; a < argc; a++)
		if (!strcmp(argv[a], "-f"))
			argv[a] = "--file";
	int r = parse_sub("policy", argc, argv, o, CD_ARRAY_LEN(o), 1, 3, pos);
	if (r != EXIT_OK)
		return r;
	const char *sub = pos[0];
	json_t *out = NULL;
	if (!strcmp(sub, "push")) {
		if (!file)
			return usage_error("policy", "push needs -f FILE");
		json_t *body = doc_body("policy", file, &r);
		if (!body)
			return r;
		if ((r = call("policy", "POST", "/api/v1/policy", body, &out)) == EXIT_OK) {
			if (json)
				print_json(out);
			else
				printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
		}
	} else if (!strcmp(sub, "show")) {
		long long n = 0;
		if (rev && (r = num_arg("policy", "--revision", rev, &n)) != EXIT_OK)
			return r;
		char path[64];
		snprintf(path, sizeof(path), n ? "/api/v1/policy?revision=%lld" : "/api/v1/policy", n);
		if ((r = call("policy", "GET", path, NULL, &out)) == EXIT_OK) {
			if (json)
				print_json(out);
			else
				fputs(jstr(out, "document"), stdout);
		}
	} else if (!strcmp(sub, "history")) {
		if ((r = call("policy", "GET", "/api/v1/policy/revisions", NULL, &out)) == EXIT_OK) {
			if (json) {
				print_json(out);
			} else {
				size_t i;
				json_t *v;
				printf("%6s  %-24s  %-12s %s\n", "REV", "TIME", "AUTHOR", "COMMENT");
				json_array_foreach(out, i, v)
					print_revision_line(v);
			}
		}
	} else if (!strcmp(sub, "diff")) {
		long long a = 0, b = 0;
		if (!pos[1])
			return usage_error("policy", "diff needs FROM [TO]");
		if ((r = num_arg("policy", "FROM", pos[1], &a)) != EXIT_OK ||
		    (pos[2] && (r = num_arg("policy", "TO", pos[2], &b)) != EXIT_OK))
			return r;
		char path[96];
		snprintf(path, sizeof(path), b ? "/api/v1/policy/diff?from=%lld&to=%lld"
					       : "/api/v1/policy/diff?from=%lld", a, b);
		if ((r = call("policy", "GET", path, NULL, &out)) == EXIT_OK) {
			if (json)
				print_json(out);
			else
				fputs(json_string_value(json_object_get(out, "diff")), stdout);
		}
	} else if (!strcmp(sub, "rollback")) {
		long long n;
		if (!pos[1])
			return usage_error("policy", "rollback needs the revision N");
		if ((r = num_arg("policy", "N", pos[1], &n)) != EXIT_OK)
			return r;
		json_t *body = json_pack("{s:I}", "revision", (json_int_t)n);
		if ((r = call("policy", "POST", "/api/v1/policy/rollback", body, &out)) == EXIT_OK) {
			if (json)
				print_json(out);
			else
				printf("%lld\n", (long long)json_integer_value(json_object_get(out, "revision")));
		}
	} else {
		return usage_error("policy", "unknown subcommand '%s' (push, show, history, diff, rollback)", sub);
	}
	json_decref(out);
	return r;
}

/* ---- workloads ---- */

const char help_workloads[] =
	"usage: cordon [ONLINE OPTIONS] workloads [--json]\n"
	"\n"
	"Every workload the manager knows: host, source, addresses, tags (the\n"
	"source's with those set through cordon), groups and quarantine state.\n"
	"--json prints an array of objects with name, id, host, source, tags,\n"
	"ips, groups, quarantined and vnics.\n";

int cmd_workloads(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = get_list("workloads", argc, argv, "/api/v1/workloads", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-20s %-10s %-10s %-28s %-4s %s\n", "NAME", "HOST", "SOURCE", "ADDRESSES",
		       "QUAR", "TAGS / GROUPS");
		size_t i;
		json_t *w;
		json_array_foreach(out, i, w) {
			char *ips = jlist(json_object_get(w, "ips")), *tags = jlist(json_object_get(w, "tags")),
			     *groups = jlist(json_object_get(w, "groups"));
			printf("%-20s %-10s %-10s %-28s %-4s %s / %s\n", jstr(w, "name"), jstr(w, "host"),
			       jstr(w, "source"), ips, json_is_true(json_object_get(w, "quarantined")) ? "yes" : "no",
			       tags[0] ? tags : "-", groups[0] ? groups : "-");
			free(ips);
			free(tags);
			free(groups);
		}
	}
	json_decref(out);
	return EXIT_OK;
}

/* ---- tags ---- */

const char help_tag[] =
	"usage: cordon [ONLINE OPTIONS] tag add WORKLOAD TAG [--json]\n"
	"       cordon [ONLINE OPTIONS] tag rm WORKLOAD TAG [--json]\n"
	"\n"
	"Adds or removes one tag of a workload.  Its groups change at once and\n"
	"the agents enforce the change (established connections the new policy\n"
	"forbids are cut).  Tags set here are kept over the inventory source's:\n"
	"'tag rm' also hides a tag the source gives.  Needs an admin or operator\n"
	"token.\n"
	"\n"
	"example:\n"
	"  cordon tag add vdi-001 ANTI_VIRUS.VirusFound.threat=high\n";

int cmd_tag(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *json = NULL;
	struct sub_opt o[] = { { "json", false, &json } };
	int r = parse_sub("tag", argc, argv, o, 1, 3, 3, pos);
	if (r != EXIT_OK)
		return r;
	bool add = !strcmp(pos[0], "add");
	if (!add && strcmp(pos[0], "rm") && strcmp(pos[0], "remove"))
		return usage_error("tag", "unknown subcommand '%s' (add, rm)", pos[0]);
	char *w = cd_http_escape(pos[1]), *path;
	json_t *body = NULL, *out;
	if (add) {
		path = cd_asprintf("/api/v1/workloads/%s/tags", w);
		body = json_pack("{s:s}", "tag", pos[2]);
	} else {
		char *t = cd_http_escape(pos[2]);
		path = cd_asprintf("/api/v1/workloads/%s/tags?tag=%s", w, t);
		free(t);
	}
	r = call("tag", add ? "POST" : "DELETE", path, body, &out);
	free(w);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			print_json(out);
		else if (!json_is_true(json_object_get(out, "changed")))
			printf("%s %s tag %s already\n", pos[1], add ? "has" : "does not have", pos[2]);
	}
	json_decref(out);
	return r;
}

/* ---- scans ---- */

const char help_scan[] =
	"usage: cordon [ONLINE OPTIONS] scan WORKLOAD [--full | --quick] [--wait] [--json]\n"
	"\n"
	"Asks the scanning agent of WORKLOAD for an on-demand scan of its watched\n"
	"paths: --full (the default) every file, --quick the files changed since\n"
	"the last full scan.  Prints the request's number; with --wait, follows\n"
	"it: files and bytes done of the total, the rate and the time left, then\n"
	"what it found.  A clean full scan releases a quarantined workload when\n"
	"the policy says remove_tag_on_clean_full_scan.  Needs an admin or\n"
	"operator token.\n";

static void print_progress(json_t *p, bool final)
{
	double done = (double)json_integer_value(json_object_get(p, "bytes_done"));
	double total = (double)json_integer_value(json_object_get(p, "bytes_total"));
	double secs = json_number_value(json_object_get(p, "seconds"));
	double rate = secs > 0 ? done / secs : 0;
	printf("%s%lld/%lld files, %.1f/%.1f MiB, %.1f MiB/s, %s %.0f s%s, %lld infected",
	       final ? "" : "\r", (long long)json_integer_value(json_object_get(p, "files_done")),
	       (long long)json_integer_value(json_object_get(p, "files_total")), done / 1048576,
	       total / 1048576, rate / 1048576, final ? "took" : "left",
	       final ? secs : rate > 0 ? (total - done) / rate : 0, final ? "" : " ",
	       (long long)json_integer_value(json_object_get(p, "infected")));
	fputs(final ? "\n" : "   ", stdout);
	fflush(stdout);
}

int cmd_scan(int argc, char **argv)
{
	const char *wl = NULL, *full = NULL, *quick = NULL, *wait = NULL, *json = NULL;
	struct sub_opt o[] = { { "full", false, &full }, { "quick", false, &quick },
			       { "wait", false, &wait }, { "json", false, &json } };
	int r = parse_sub("scan", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, &wl);
	if (r != EXIT_OK)
		return r;
	if (full && quick)
		return usage_error("scan", "give --full or --quick, not both");
	char *w = cd_http_escape(wl), *path = cd_asprintf("/api/v1/workloads/%s/scan", w);
	json_t *out;
	r = call("scan", "POST", path, json_pack("{s:s}", "kind", quick ? "quick" : "full"), &out);
	free(w);
	free(path);
	if (r != EXIT_OK)
		return r;
	long long id = json_integer_value(json_object_get(out, "id"));
	if (!wait) {
		if (json)
			print_json(out);
		else
			printf("scan %lld of %s requested\n", id, wl);
		json_decref(out);
		return EXIT_OK;
	}
	json_decref(out);
	char sp[64];
	snprintf(sp, sizeof(sp), "/api/v1/scans/%lld", id);
	for (;;) {
		if ((r = call("scan", "GET", sp, NULL, &out)) != EXIT_OK)
			return r;
		const char *state = jstr(out, "state");
		json_t *p = json_object_get(out, "progress");
		bool done = !strcmp(state, "finished") || !strcmp(state, "failed");
		if (done) {
			if (json) {
				print_json(out);
			} else {
				if (json_is_object(p))
					print_progress(p, true);
				printf("scan %lld of %s %s\n", id, wl, state);
			}
			json_decref(out);
			return EXIT_OK;
		}
		if (!json && json_is_object(p))
			print_progress(p, false);
		else if (!json)
			printf("\rscan %lld of %s: %s   ", id, wl, state), fflush(stdout);
		json_decref(out);
		usleep(500000);
	}
}

/* ---- quarantine and sources ---- */

const char help_quarantine[] =
	"usage: cordon [ONLINE OPTIONS] quarantine release WORKLOAD [--json]\n"
	"\n"
	"Removes the policy's quarantine tag (antimalware.quarantine_tag) from a\n"
	"workload by hand: it leaves the quarantine group and its traffic follows\n"
	"the other rules again.  Audited as a quarantine-released event.  Needs an\n"
	"admin or operator token.\n";

int cmd_quarantine(int argc, char **argv)
{
	const char *pos[2] = { NULL }, *json = NULL;
	struct sub_opt o[] = { { "json", false, &json } };
	int r = parse_sub("quarantine", argc, argv, o, 1, 2, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "release"))
		return usage_error("quarantine", "unknown subcommand '%s' (release)", pos[0]);
	char *w = cd_http_escape(pos[1]), *path = cd_asprintf("/api/v1/workloads/%s/release", w);
	json_t *out;
	r = call("quarantine", "POST", path, NULL, &out);
	free(w);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			print_json(out);
		else if (json_is_true(json_object_get(out, "changed")))
			printf("%s released from quarantine\n", pos[1]);
		else
			printf("%s is not quarantined\n", pos[1]);
	}
	json_decref(out);
	return r;
}

const char help_sources[] =
	"usage: cordon [ONLINE OPTIONS] sources [--json]\n"
	"       cordon [ONLINE OPTIONS] source add libvirt NAME --uri URI\n"
	"       cordon [ONLINE OPTIONS] source add vsphere NAME --url https://HOST/sdk --user U\n"
	"              --password-file F [--insecure | --cacert F] [--quarantine-network PG]\n"
	"       cordon [ONLINE OPTIONS] source rm NAME [--json]\n"
	"\n"
	"sources lists the inventory sources: kind, endpoint, state (in sync,\n"
	"connecting, disconnected, error), workloads, last sync, last error.\n"
	"\n"
	"'source add' makes the manager connect to a libvirt host or a vSphere\n"
	"server and follow its workloads as they change.  The manager tests the\n"
	"source first (reachable, credentials, permissions) and refuses it with\n"
	"what is wrong.  The password is read from a file and sent to the\n"
	"manager, which keeps it in its 0600 store and never shows it.  After\n"
	"the source's --insecure or --cacert (the vSphere server's certificate),\n"
	"--quarantine-network names the port group a quarantined VM's vNICs move\n"
	"to.  'source rm' removes a source with its workloads (refused while the\n"
	"policy names one of them).  Static sources are made by 'inventory push'.\n"
	"\n"
	"Examples:\n"
	"  cordon source add libvirt hv1 --uri qemu+ssh://root@hv1/system\n"
	"  cordon source add vsphere vc1 --url https://vc1/sdk --user cordon@vsphere.local \\\n"
	"         --password-file vc1.pw --cacert vc1.pem --quarantine-network Quarantine\n";

/* `source add KIND NAME ...`: the body of POST /api/v1/sources. */
static int source_add(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *uri = NULL, *url = NULL, *user = NULL, *pwf = NULL,
		   *insecure = NULL, *cacert = NULL, *qnet = NULL, *json = NULL;
	struct sub_opt o[] = {
		{ "uri", true, &uri }, { "url", true, &url }, { "user", true, &user },
		{ "password-file", true, &pwf }, { "insecure", false, &insecure },
		{ "cacert", true, &cacert }, { "quarantine-network", true, &qnet },
		{ "json", false, &json },
	};
	int r = parse_sub("source", argc, argv, o, CD_ARRAY_LEN(o), 3, 3, pos);
	if (r != EXIT_OK)
		return r;
	json_t *body = json_pack("{s:s, s:s}", "name", pos[2], "kind", pos[1]);
	if (!strcmp(pos[1], "libvirt")) {
		if (!uri || url || user || pwf || insecure || cacert || qnet) {
			json_decref(body);
			return usage_error("source", "a libvirt source takes --uri URI (only)");
		}
		json_object_set_new(body, "uri", json_string(uri));
	} else if (!strcmp(pos[1], "vsphere")) {
		if (!url || !user || !pwf || uri || (insecure && cacert)) {
			json_decref(body);
			return usage_error("source", "a vsphere source takes --url, --user, --password-file "
					   "and --insecure or --cacert");
		}
		char *pw = NULL, *pem = NULL;
		size_t n;
		r = cd_read_file(pwf, 4096, &pw, &n);
		if (r == 0 && cacert)
			r = cd_read_file(cacert, 1u << 20, &pem, &n);
		if (r < 0) {
			fprintf(stderr, "cordon source: cannot read %s: %s\n",
				pw ? cacert : pwf, strerror(-r));
			free(pw);
			json_decref(body);
			return EXIT_BADINPUT;
		}
		pw[strcspn(pw, "\r\n")] = 0;     /* the first line */
		json_object_set_new(body, "url", json_string(url));
		json_object_set_new(body, "user", json_string(user));
		json_object_set_new(body, "password", json_string(pw));
		json_object_set_new(body, "insecure", json_boolean(insecure != NULL));
		if (pem)
			json_object_set_new(body, "cacert", json_string(pem));
		if (qnet)
			json_object_set_new(body, "quarantine_network", json_string(qnet));
		explicit_bzero(pw, strlen(pw));
		free(pw);
		free(pem);
	} else {
		json_decref(body);
		return usage_error("source", "unknown source kind '%s' (libvirt or vsphere)", pos[1]);
	}
	json_t *out;
	r = call("source", "POST", "/api/v1/sources", body, &out);
	if (r == EXIT_OK) {
		if (json)
			print_json(out);
		else
			printf("source %s added (%s); its workloads follow in a few seconds: "
			       "see 'cordon sources'\n", pos[2], pos[1]);
	}
	json_decref(out);
	return r;
}

int cmd_sources(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = get_list("sources", argc, argv, "/api/v1/sources", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-16s %-8s %-12s %-9s %-24s %s\n", "SOURCE", "KIND", "STATE", "WORKLOADS",
		       "LAST SYNC", "ENDPOINT / LAST ERROR");
		size_t i;
		json_t *v;
		json_array_foreach(out, i, v) {
			printf("%-16s %-8s %-12s %-9lld %-24s %s\n", jstr(v, "name"), jstr(v, "kind"),
			       jstr(v, "state"), (long long)json_integer_value(json_object_get(v, "workloads")),
			       jstr(v, "last_sync"), jstr(v, "endpoint"));
			if (json_string_value(json_object_get(v, "last_error")))
				printf("%-16s last error: %s\n", "", jstr(v, "last_error"));
		}
	}
	json_decref(out);
	return EXIT_OK;
}

int cmd_source(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "add"))
		return source_add(argc, argv);
	const char *pos[2] = { NULL }, *json = NULL;
	struct sub_opt o[] = { { "json", false, &json } };
	int r = parse_sub("source", argc, argv, o, 1, 2, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "rm"))
		return usage_error("source", "unknown subcommand '%s' (add or rm; static sources come "
				   "from 'inventory push')", pos[0]);
	char *n = cd_http_escape(pos[1]), *path = cd_asprintf("/api/v1/sources/%s", n);
	json_t *out;
	r = call("source", "DELETE", path, NULL, &out);
	free(n);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			print_json(out);
		else
			printf("source %s removed\n", pos[1]);
	}
	json_decref(out);
	return r;
}

/* ---- groups and explain on the manager's state ---- */

int online_groups(bool json)
{
	json_t *out;
	int r = call("groups", "GET", "/api/v1/groups", NULL, &out);
	if (r != EXIT_OK)
		return r;
	if (json) {
		json_dumpf(out, stdout, JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		const char *g;
		json_t *m;
		json_object_foreach(out, g, m) {
			char *l = jlist(m);
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
	int r = call("explain", "GET", p.data, NULL, &out);
	cd_buf_free(&p);
	if (r != EXIT_OK)
		return r;
	if (json) {
		json_dumpf(out, stdout, JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		printf("%s\n", jstr(out, "verdict"));
		static const char *const st[] = { "egress", "ingress" };
		for (int i = 0; i < 2; i++) {
			json_t *s = json_object_get(out, st[i]);
			if (json_is_null(s)) {
				printf("  %s: not managed\n", st[i]);
				continue;
			}
			json_t *rule = json_object_get(s, "rule");
			if (json_is_null(rule))
				printf("  %s: %s (default action)\n", st[i], jstr(s, "verdict"));
			else
				printf("  %s: %s by rule %lld\n", st[i], jstr(s, "verdict"),
				       (long long)json_integer_value(rule));
		}
	}
	json_decref(out);
	return EXIT_OK;
}

/* ---- tokens ---- */

/* `list` and `revoke NAME`, shared by token and agent-token: path is
 * /api/v1/tokens or /api/v1/agent-tokens. */
static int tokens_list_revoke(const char *cmd, const char *path, const char *sub,
			      const char *name, bool json, bool agents)
{
	json_t *out;
	int r;
	if (!strcmp(sub, "list")) {
		if (name)
			return usage_error(cmd, "list takes no name");
		if ((r = call(cmd, "GET", path, NULL, &out)) != EXIT_OK)
			return r;
		if (json) {
			print_json(out);
		} else {
			printf("%-32s %-9s %s\n", "NAME", "ROLE", agents ? "CREATED (EXPIRES)" : "CREATED");
			size_t i;
			json_t *t;
			json_array_foreach(out, i, t) {
				printf("%-32s %-9s %s", jstr(t, "name"), jstr(t, "role"), jstr(t, "created"));
				if (json_string_value(json_object_get(t, "expires")))
					printf(" (%s)", jstr(t, "expires"));
				putchar('\n');
			}
		}
		json_decref(out);
		return EXIT_OK;
	}
	if (strcmp(sub, "revoke"))
		return usage_error(cmd, "unknown subcommand '%s' (create, list, revoke)", sub);
	if (!name)
		return usage_error(cmd, "revoke needs a NAME (see 'cordon %s list')", cmd);
	char *e = cd_http_escape(name), *p = cd_asprintf("%s/%s", path, e);
	free(e);
	r = call(cmd, "DELETE", p, NULL, &out);
	free(p);
	if (r != EXIT_OK)
		return r;
	if (json)
		print_json(out);
	else
		printf("%s revoked (%lld)\n", name, (long long)json_integer_value(json_object_get(out, "count")));
	json_decref(out);
	return EXIT_OK;
}

const char help_agent_token[] =
	"usage: cordon [ONLINE OPTIONS] agent-token create --host HOST\n"
	"       cordon [ONLINE OPTIONS] agent-token create --workload NAME\n"
	"       cordon [ONLINE OPTIONS] agent-token list [--json]\n"
	"       cordon [ONLINE OPTIONS] agent-token revoke NAME\n"
	"\n"
	"create prints a one-time enrollment token for the enforcing agent of\n"
	"HOST, or for the scanning agent of workload NAME.  The agent exchanges\n"
	"it for its own credential at first start (cordon-agent --token-file F);\n"
	"the token then no longer works, and is good for a day at most.\n"
	"list shows the agents' credentials (host:HOST, workload:NAME) and the\n"
	"enrollment tokens not yet used (enroll:host:HOST, ...); revoke NAME\n"
	"ends every one of that name at once (the agent's next request gets\n"
	"401; what it enforces stays).  Needs an admin token; revocations are\n"
	"audit records.\n";

int cmd_agent_token(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *host = NULL, *wl = NULL, *json = NULL;
	struct sub_opt o[] = { { "host", true, &host }, { "workload", true, &wl }, { "json", false, &json } };
	int r = parse_sub("agent-token", argc, argv, o, CD_ARRAY_LEN(o), 1, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "create"))
		return tokens_list_revoke("agent-token", "/api/v1/agent-tokens", pos[0], pos[1], json, true);
	if (pos[1])
		return usage_error("agent-token", "create takes --host or --workload, not '%s'", pos[1]);
	if (!host == !wl)
		return usage_error("agent-token", "give either --host HOST or --workload NAME");
	json_t *out, *body = host ? json_pack("{s:s}", "host", host) : json_pack("{s:s}", "workload", wl);
	if ((r = call("agent-token", "POST", "/api/v1/agent-tokens", body, &out)) != EXIT_OK)
		return r;
	if (json)
		print_json(out);
	else
		printf("%s\n", jstr(out, "token"));
	json_decref(out);
	return EXIT_OK;
}

const char help_token[] =
	"usage: cordon [ONLINE OPTIONS] token create --role admin|operator|viewer --name NAME\n"
	"       cordon [ONLINE OPTIONS] token list [--json]\n"
	"       cordon [ONLINE OPTIONS] token revoke NAME\n"
	"\n"
	"create prints a new API token.  Roles: admin (everything), operator\n"
	"(reads, tags, scans, quarantine release), viewer (reads only).  The\n"
	"manager keeps only its hash: store it now (a file of mode 0600).\n"
	"list shows the tokens' names, roles and when they were made (never a\n"
	"secret); revoke NAME ends every token of that name at once (not the\n"
	"last admin ones).  Needs an admin token; revocations are audit records.\n";

int cmd_token(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *role = NULL, *name = NULL, *json = NULL;
	struct sub_opt o[] = { { "role", true, &role }, { "name", true, &name }, { "json", false, &json } };
	int r = parse_sub("token", argc, argv, o, CD_ARRAY_LEN(o), 1, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "create"))
		return tokens_list_revoke("token", "/api/v1/tokens", pos[0], pos[1], json, false);
	if (pos[1])
		return usage_error("token", "create takes --role and --name, not '%s'", pos[1]);
	if (!role || !name)
		return usage_error("token", "create needs --role and --name");
	json_t *out;
	if ((r = call("token", "POST", "/api/v1/tokens",
		      json_pack("{s:s, s:s}", "role", role, "name", name), &out)) != EXIT_OK)
		return r;
	if (json)
		print_json(out);
	else
		printf("%s\n", jstr(out, "token"));
	json_decref(out);
	return EXIT_OK;
}

/* ---- agents and events ---- */

const char help_agents[] =
	"usage: cordon [ONLINE OPTIONS] agents [--json]\n"
	"\n"
	"Each agent: its host (or workload), whether it is connected (heard from\n"
	"within three heartbeats), its last heartbeat, and what it has realized:\n"
	"the policy revision and change number it applied, and whether that is\n"
	"the manager's current state.\n";

int cmd_agents(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = get_list("agents", argc, argv, "/api/v1/agents", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-24s %-9s %-24s %-8s %-8s %s\n", "AGENT", "CONNECTED", "LAST HEARTBEAT",
		       "REVISION", "CHANGE", "REALIZED");
		size_t i;
		json_t *a;
		json_array_foreach(out, i, a)
			printf("%-24s %-9s %-24s %-8lld %-8lld %s\n", jstr(a, "name"),
			       json_is_true(json_object_get(a, "connected")) ? "yes" : "no",
			       jstr(a, "last_heartbeat"),
			       (long long)json_integer_value(json_object_get(a, "applied_revision")),
			       (long long)json_integer_value(json_object_get(a, "applied_seq")),
			       json_is_true(json_object_get(a, "current")) ? "current" : "behind");
	}
	json_decref(out);
	return EXIT_OK;
}

const char help_events[] =
	"usage: cordon [ONLINE OPTIONS] events [--json] [--since TIME] [--workload W]\n"
	"                                      [--type T] [--limit N]\n"
	"\n"
	"The event log, oldest first (the newest 1000 unless --limit N; the\n"
	"manager is asked a page of 1000 at a time): tag\n"
	"changes, policy and inventory changes, agents enrolled, up and down,\n"
	"detections and quarantine.  Every change made through the API is an\n"
	"audit record with who (actor) and from where (origin); --type audit\n"
	"lists exactly those.  TIME is RFC 3339 (2026-11-26T12:00:00Z).\n";

int cmd_events(int argc, char **argv)
{
	const char *json = NULL, *since = NULL, *wl = NULL, *type = NULL, *limit = NULL;
	struct sub_opt o[] = { { "json", false, &json }, { "since", true, &since },
			       { "workload", true, &wl }, { "type", true, &type }, { "limit", true, &limit } };
	int r = parse_sub("events", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r != EXIT_OK)
		return r;
	long long want = 1000;
	if (limit) {
		char *end;
		want = strtoll(limit, &end, 10);
		if (!*limit || *end || want < 1) {
			fprintf(stderr, "cordon events: --limit must be a whole number above 0\n");
			return EXIT_BADINPUT;
		}
	}
	/* the manager answers a page of at most 1000 at a time, oldest first:
	 * the pages before it are asked for with before= its first id */
	json_t *out = json_array();
	long long before = 0;
	while ((long long)json_array_size(out) < want) {
		long long n = want - (long long)json_array_size(out);
		if (n > 1000)
			n = 1000;
		struct cd_buf p;
		cd_buf_init(&p, 4096);
		cd_buf_printf(&p, "/api/v1/events?limit=%lld", n);
		if (before)
			cd_buf_printf(&p, "&before=%lld", before);
		const char *keys[] = { "since", "workload", "type" };
		const char *vals[] = { since, wl, type };
		for (int i = 0; i < 3; i++)
			if (vals[i]) {
				char *e = cd_http_escape(vals[i]);
				cd_buf_printf(&p, "&%s=%s", keys[i], e);
				free(e);
			}
		json_t *page;
		r = call("events", "GET", p.data, NULL, &page);
		cd_buf_free(&p);
		if (r != EXIT_OK) {
			json_decref(out);
			return r;
		}
		size_t got = json_array_size(page);
		json_array_extend(page, out);
		json_decref(out);
		out = page;
		if ((long long)got < n)
			break;
		before = json_integer_value(json_object_get(json_array_get(page, 0), "id"));
	}
	if (json) {
		print_json(out);
	} else {
		size_t i;
		json_t *e;
		json_array_foreach(out, i, e) {
			printf("%s  %-14s %-16s %s", jstr(e, "time"), jstr(e, "type"),
			       jstr(e, "workload"), jstr(e, "message"));
			if (json_string_value(json_object_get(e, "actor")))
				printf("  [by %s from %s]", jstr(e, "actor"), jstr(e, "origin"));
			putchar('\n');
		}
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
