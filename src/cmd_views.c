/* cmd_views.c - `cordon views` (list, push, rm, revisions) and `cordon
 * view NAME`: list views kept by the manager, and their rows over a
 * range as a table, JSON or CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "agent/http.h"
#include "base/util.h"

const char help_views[] =
	"usage: cordon [ONLINE OPTIONS] views [--json]\n"
	"       cordon [ONLINE OPTIONS] views push FILE\n"
	"       cordon [ONLINE OPTIONS] views rm NAME\n"
	"       cordon [ONLINE OPTIONS] views revisions NAME [--json]\n"
	"       cordon [ONLINE OPTIONS] view NAME [--range 30d | --begin T [--end T]]\n"
	"                                        [--sort N] [--asc | --desc] [--limit N]\n"
	"                                        [--csv | --json] [--tz ZONE]\n"
	"\n"
	"List views (vROps' custom views): a kind of object (vm, host, datastore),\n"
	"a filter (a selector: tag, name, host, os, source, group), columns (a\n"
	"property, or a metric with a transformation over the range: current, avg,\n"
	"min, max, p95, sum, days_left, and a unit: auto, GB, GiB, TB, TiB, %, ms,\n"
	"s) and a sort.  `views` lists them, those cordon ships first unless a\n"
	"saved view took their name; `views push` saves FILE, a view's JSON (a\n"
	"new revision of its name; admin or operator); `views rm` removes a saved\n"
	"view (a built-in one it replaced is back).  `view NAME` prints its rows\n"
	"over its own range, or --range (90m, 24h, 7d, 2w), or --begin and --end\n"
	"(RFC 3339 or epoch ms; end: now): a table with the units in the header,\n"
	"--json the API's answer, --csv the CSV the console exports (the same\n"
	"range, the same bytes).  docs/monitoring.md, \"Views\", says how each\n"
	"transformation reads the store's tiers.\n"
	"\n"
	"examples:\n"
	"  cordon views\n"
	"  cordon view vms-by-contention --range 7d --limit 20\n"
	"  cordon view datastores-by-days-left --csv > datastores.csv\n"
	"  cordon views push gold-vms.json\n";

static int views_list(int argc, char **argv)
{
	json_t *l;
	bool json;
	int r = online_get_list("views", argc, argv, "/api/v1/views", &l, &json);
	if (r != EXIT_OK || json)
		return r;
	printf("%-28s %-10s %5s %-8s %s\n", "NAME", "KIND", "REV", "ORIGIN", "TITLE");
	size_t i;
	json_t *v;
	json_array_foreach(l, i, v)
		printf("%-28s %-10s %5lld %-8s %s\n", online_str(v, "name"), online_str(v, "kind"),
		       (long long)json_integer_value(json_object_get(v, "rev")),
		       json_is_true(json_object_get(v, "builtin")) ? "built-in" : "saved",
		       online_str(v, "title"));
	json_decref(l);
	return EXIT_OK;
}

int cmd_views(int argc, char **argv)
{
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	if (!sub)
		return views_list(argc, argv);
	const char *pos[1] = { NULL }, *json = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json } };
	bool rev = !strcmp(sub, "revisions");
	if (strcmp(sub, "push") && strcmp(sub, "rm") && !rev)
		return usage_error("views", "no subcommand '%s' (push, rm, revisions)", sub);
	int r = cli_parse("views", argc - 1, argv + 1, o, rev ? 1 : 0, 1, 1, pos);
	if (r != EXIT_OK)
		return r;
	if (!strcmp(sub, "push"))
		return online_push_file("views", "view", "/api/v1/views", pos[0], 64u << 10);
	char *name = cd_http_escape(pos[0]), *path;
	json_t *out;
	if (!rev) {
		path = cd_asprintf("/api/v1/views/%s", name);
		r = online_call("views", "DELETE", path, NULL, &out);
		if (r == EXIT_OK)
			printf("view %s removed\n", pos[0]);
	} else {
		path = cd_asprintf("/api/v1/views/%s/revisions", name);
		r = online_call("views", "GET", path, NULL, &out);
		if (r == EXIT_OK && json) {
			online_print_json(out);
		} else if (r == EXIT_OK) {
			online_print_revisions(out);
		}
	}
	json_decref(out);
	free(path);
	free(name);
	return r;
}

/* the rows as a table: a column as wide as its widest cell */
static void print_table(json_t *a)
{
	json_t *cols = json_object_get(a, "columns"), *rows = json_object_get(a, "rows");
	size_t nc = json_array_size(cols), nr = json_array_size(rows);
	size_t *w = cd_calloc(nc ? nc : 1, sizeof *w);
	char ***cell = cd_calloc(nr + 1, sizeof *cell);
	for (size_t r = 0; r <= nr; r++) {
		cell[r] = cd_calloc(nc ? nc : 1, sizeof **cell);
		for (size_t c = 0; c < nc; c++) {
			json_t *col = json_array_get(cols, c);
			if (r == 0) {
				const char *u = online_str(col, "unit");
				cell[r][c] = strcmp(u, "-") && *u
					? cd_asprintf("%s (%s)", online_str(col, "title"), u)
					: cd_strdup(online_str(col, "title"));
			} else {
				json_t *v = json_array_get(json_object_get(json_array_get(rows, r - 1),
									   "cells"), c);
				cell[r][c] = json_is_number(v) ? cd_asprintf("%.2f", json_number_value(v))
					   : json_is_string(v) && *json_string_value(v)
					   ? cd_strdup(json_string_value(v)) : cd_strdup("-");
			}
			size_t n = strlen(cell[r][c]);
			w[c] = n > w[c] ? n : w[c];
		}
	}
	for (size_t r = 0; r <= nr; r++) {
		for (size_t c = 0; c < nc; c++) {
			bool num = json_object_get(json_array_get(cols, c), "metric") != NULL;
			printf(num ? "%*s%s" : "%-*s%s", (int)w[c], cell[r][c], c + 1 < nc ? "  " : "");
			free(cell[r][c]);
		}
		printf("\n");
		free(cell[r]);
	}
	free(cell);
	free(w);
}

int cmd_view(int argc, char **argv)
{
	const char *pos[1] = { NULL }, *range = NULL, *begin = NULL, *end = NULL, *sort = NULL,
		   *asc = NULL, *desc = NULL, *limit = NULL, *csv = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = {
		{ "range", 0, true, &range }, { "begin", 0, true, &begin }, { "end", 0, true, &end },
		{ "sort", 0, true, &sort }, { "asc", 0, false, &asc }, { "desc", 0, false, &desc },
		{ "limit", 0, true, &limit }, { "csv", 0, false, &csv }, { "json", 0, false, &json },
		{ "tz", 0, true, &tz },
	};
	int r = cli_parse("view", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, pos);
	if (r == EXIT_OK)
		r = mfmt_zone("view", tz);
	if (r != EXIT_OK)
		return r;
	int64_t ms, b = 0, e = 0;
	if (range && (begin || end))
		return usage_error("view", "give --range, or --begin (and --end)");
	if (range && cd_duration_parse(range, &ms))
		return usage_error("view", "--range takes a duration (90m, 24h, 7d, 2w)");
	if ((begin && mfmt_when(begin, &b)) || (end && mfmt_when(end, &e)))
		return usage_error("view", "--begin and --end take RFC 3339 times or epoch ms");
	if (end && !begin)
		return usage_error("view", "--end goes with --begin");
	if (csv && json)
		return usage_error("view", "--csv or --json, not both");
	if (asc && desc)
		return usage_error("view", "--asc or --desc, not both");
	char *name = cd_http_escape(pos[0]);
	struct cd_buf q;
	cd_buf_init(&q, 4096);
	cd_buf_printf(&q, "/api/v1/views/%s/rows?limit=%s", name, limit ? limit : "200000");
	if (range)
		cd_buf_printf(&q, "&range=%s", range);
	if (begin)
		cd_buf_printf(&q, "&begin=%lld", (long long)b);
	if (end)
		cd_buf_printf(&q, "&end=%lld", (long long)e);
	if (sort)
		cd_buf_printf(&q, "&sort=%d", atoi(sort));
	if (asc || desc)
		cd_buf_printf(&q, "&order=%s", asc ? "asc" : "desc");
	if (csv)
		cd_buf_puts(&q, "&format=csv");
	free(name);
	if (csv) {
		const char *text;
		size_t len;
		r = online_get_text("view", q.data, &text, &len);
		if (r == EXIT_OK && fwrite(text, 1, len, stdout) != len)
			r = EXIT_FAIL;
		cd_buf_free(&q);
		return r;
	}
	json_t *out;
	r = online_call("view", "GET", q.data, NULL, &out);
	cd_buf_free(&q);
	if (r != EXIT_OK)
		return r;
	if (json) {
		online_print_json(out);
	} else {
		char t1[MFMT_TIME_LEN], t2[MFMT_TIME_LEN];
		printf("# %s: %s to %s, at a %s step; %lld of %lld rows\n", pos[0],
		       mfmt_time(json_integer_value(json_object_get(out, "begin")), t1),
		       mfmt_time(json_integer_value(json_object_get(out, "end")), t2),
		       online_str(out, "step"), (long long)json_array_size(json_object_get(out, "rows")),
		       (long long)json_integer_value(json_object_get(out, "total")));
		print_table(out);
	}
	json_decref(out);
	return EXIT_OK;
}
