/* cmd_metrics.c - `cordon metrics`: the metrics store, offline (import,
 * du) and through the manager (objects, query; see cmd_top.c for top). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "agent/http.h"
#include "base/diag.h"
#include "base/util.h"
#include "metrics/import.h"
#include "metrics/mstore.h"

const char help_metrics[] =
	"usage: cordon [ONLINE OPTIONS] metrics [--kind vm|host|datastore] [--json] [--tz ZONE]\n"
	"       cordon [ONLINE OPTIONS] metrics query KIND/NAME METRIC [--since 1h | --begin T\n"
	"              --end T] [--step 5m] [--rollup avg|min|max|sum|count|latest]\n"
	"              [--json] [--tz ZONE]\n"
	"       cordon [ONLINE OPTIONS] metrics rm KIND/NAME [--json]\n"
	"       cordon metrics import --data-dir DIR FILE\n"
	"       cordon metrics du --data-dir DIR\n"
	"       cordon metrics rollup --data-dir DIR\n"
	"\n"
	"'metrics' lists the objects with samples (VMs, hosts, datastores), each\n"
	"with the latest value of its metrics (GET /api/v1/metrics/catalog lists\n"
	"them; a rate over the object's last collection interval, or its last 10\n"
	"seconds when it collects more often; bytes from kB to TB, by the value).\n"
	"'metrics query' prints one metric of one object over a range, a\n"
	"point a step (on multiples of the step from the epoch; a step without\n"
	"data has no point), rolled up as asked (avg by default); the manager\n"
	"answers from the coarsest tier that holds the range at that step.\n"
	"Durations: 90s, 5m, 24h, 7d, 2w; times T: RFC 3339 or epoch ms.  Every\n"
	"time printed says its zone: UTC, or --tz ZONE (an IANA name such as\n"
	"Europe/Paris).\n"
	"\n"
	"'metrics rm' removes every series of an object, all its samples and\n"
	"rollups, on every manager (admin): a VM deleted, names an agent made up.\n"
	"An object that still sends makes new series.  The retention removes by\n"
	"itself the series it has emptied.\n"
	"\n"
	"'metrics import' loads an OpenMetrics text file with timestamps into the\n"
	"metrics store of the manager's data directory DIR, offline (cordond not\n"
	"running there), losslessly: any metric names, '# TYPE' counter or gauge,\n"
	"objects from the labels vm, datastore or host, every label kept.  Every\n"
	"error is printed as FILE:LINE:COLUMN, and then nothing is imported.\n"
	"FILE '-' is the standard input.\n"
	"\n"
	"'metrics du' prints one line: 'SAMPLES samples, BYTES bytes', the raw\n"
	"samples the store holds and the bytes its files take (also while cordond\n"
	"has it open).  'metrics rollup' makes the 5-minute and 1-hour rollups of\n"
	"the days ended and applies the retention now, offline (cordond does it\n"
	"every hour).\n"
	"\n"
	"examples:\n"
	"  cordon metrics --kind datastore\n"
	"  cordon metrics query vm/vdi-001 vm_cpu_ready_ratio --since 24h --step 1h --rollup max\n"
	"  cordon metrics import --data-dir /var/lib/cordon node.om\n";

static int open_store(const char *dir, bool bulk, struct cd_mstore **st)
{
	struct cd_mstore_opts o = { .bulk = bulk };
	char err[512];
	int r = cd_mstore_open(dir, &o, st, err, sizeof(err));
	if (r)
		fprintf(stderr, "cordon metrics: %s\n", err);
	return r;
}

/* DIR and the directories above it made (0700) where missing, as
 * promtool makes its output directory: 0, or -1 with a message. */
static int make_dirs(const char *dir)
{
	if (!*dir) {
		fprintf(stderr, "cordon metrics: --data-dir is empty\n");
		return -1;
	}
	char *p = cd_strdup(dir);
	int r = 0;
	for (char *s = p + 1; !r; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "cordon metrics: cannot make %s: %s\n", p, strerror(errno));
			r = -1;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return r;
}

static int metrics_import(int argc, char **argv)
{
	const char *dir = NULL, *pos[1] = { NULL };
	const struct cli_opt o[] = { { "data-dir", 0, true, &dir } };
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, pos);
	if (r != EXIT_OK)
		return r;
	if (!dir)
		return usage_error("metrics", "import needs --data-dir DIR");
	bool in = !strcmp(pos[0], "-");
	FILE *f = in ? stdin : fopen(pos[0], "r");
	if (!f) {
		fprintf(stderr, "cordon metrics: %s: %s\n", pos[0], strerror(errno));
		return EXIT_BADINPUT;
	}
	struct cd_mstore *st;
	if (make_dirs(dir) < 0 || open_store(dir, true, &st)) {
		if (!in)
			fclose(f);
		return EXIT_FAIL;
	}
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_import_stats s;
	r = cd_metrics_import(st, f, in ? "<stdin>" : pos[0], &d, &s);
	if (!in)
		fclose(f);
	if (r) {
		cd_diags_print(&d, stderr);
		cd_diags_free(&d);
		cd_mstore_discard(st);
		fprintf(stderr, "cordon metrics: nothing imported\n");
		return r == -EINVAL ? EXIT_BADINPUT : EXIT_FAIL;
	}
	cd_diags_free(&d);
	if (cd_mstore_close(st)) {
		fprintf(stderr, "cordon metrics: the store could not be written: nothing imported\n");
		return EXIT_FAIL;
	}
	printf("%llu samples of %llu series imported\n", (unsigned long long)s.samples,
	       (unsigned long long)s.series);
	return EXIT_OK;
}

static int metrics_du(int argc, char **argv)
{
	const char *dir = NULL, *pos[1] = { NULL };
	const struct cli_opt o[] = { { "data-dir", 0, true, &dir } };
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, pos);
	if (r != EXIT_OK)
		return r;
	if (!dir)
		return usage_error("metrics", "du needs --data-dir DIR");
	uint64_t samples, bytes;
	char err[512];
	if (cd_mstore_du(dir, &samples, &bytes, err, sizeof(err))) {
		fprintf(stderr, "cordon metrics: %s\n", err);
		return EXIT_FAIL;
	}
	printf("%llu samples, %llu bytes\n", (unsigned long long)samples,
	       (unsigned long long)bytes);
	return EXIT_OK;
}

static int metrics_rollup(int argc, char **argv)
{
	const char *dir = NULL;
	const struct cli_opt o[] = { { "data-dir", 0, true, &dir } };
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r != EXIT_OK)
		return r;
	if (!dir)
		return usage_error("metrics", "rollup needs --data-dir DIR");
	struct cd_mstore *st;
	if (open_store(dir, false, &st))
		return EXIT_FAIL;
	r = cd_mstore_maintain(st, (int64_t)time(NULL) * 1000);
	if (cd_mstore_close(st) || r) {
		fprintf(stderr, "cordon metrics: the rollups could not be written\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- through the manager ---- */

static const char *const kinds[] = { "vm", "host", "datastore" };

int metrics_latest(const char *cmd, const char *kind, json_t **out)
{
	enum { LATEST_STEP_S = 10 };
	json_t *objs, *cat;
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/metrics/objects%s%s", kind ? "?kind=" : "",
		 kind ? kind : "");
	int r = online_call(cmd, "GET", path, NULL, &objs);
	if (r != EXIT_OK)
		return r;
	r = online_call(cmd, "GET", "/api/v1/metrics/catalog", NULL, &cat);
	if (r != EXIT_OK) {
		json_decref(objs);
		return r;
	}
	int64_t now = 0;
	size_t i;
	json_t *o, *c;
	json_array_foreach(objs, i, o) {
		int64_t last = json_integer_value(json_object_get(o, "last"));
		now = last > now ? last : now;
		json_object_set_new(o, "values", json_object());
	}
	/* the latest 10-second step of each metric of the object's kind (a
	 * rate: over the object's last collection interval, or the last 10 s
	 * when it collects more often; not since the start of a minute), the
	 * objects of a kind a thousand a query */
	for (size_t k = 0; r == EXIT_OK && k < CD_ARRAY_LEN(kinds); k++) {
		json_t *mets = json_array();
		json_array_foreach(cat, i, c)
			if (!strcmp(online_str(c, "kind"), kinds[k]))
				json_array_append(mets, json_object_get(c, "name"));
		for (size_t from = 0; r == EXIT_OK && from < json_array_size(objs); from += 1000) {
			json_t *these = json_array();
			for (size_t j = from; j < json_array_size(objs) && j < from + 1000; j++) {
				o = json_array_get(objs, j);
				if (!strcmp(online_str(o, "kind"), kinds[k]))
					json_array_append_new(these, json_pack("{s:s, s:s}", "kind",
						kinds[k], "name", online_str(o, "name")));
			}
			if (!json_array_size(these)) {
				json_decref(these);
				continue;
			}
			json_t *ans, *body = json_pack("{s:o, s:O, s:I, s:I, s:i, s:s}", "objects", these,
						      "metrics", mets, "begin", (json_int_t)(now - 600000),
						      "end", (json_int_t)now, "step_seconds",
						      LATEST_STEP_S, "rollup", "latest");
			r = online_call(cmd, "POST", "/api/v1/metrics/query", body, &ans);
			json_t *sr;
			size_t q;
			json_array_foreach(json_object_get(ans, "series"), q, sr) {
				json_t *pts = json_object_get(sr, "points");
				json_t *lastp = json_array_get(pts, json_array_size(pts) - 1);
				if (!lastp)
					continue;
				for (size_t j = from; j < json_array_size(objs) && j < from + 1000; j++) {
					o = json_array_get(objs, j);
					if (!strcmp(online_str(o, "kind"), online_str(sr, "kind")) &&
					    !strcmp(online_str(o, "name"), online_str(sr, "name")))
						json_object_set(json_object_get(o, "values"),
								online_str(sr, "metric"),
								json_array_get(lastp, 1));
				}
			}
			json_decref(ans);
		}
		json_decref(mets);
	}
	/* the units, for the reader */
	json_t *units = json_object();
	json_array_foreach(cat, i, c)
		json_object_set(units, online_str(c, "name"), json_object_get(c, "unit"));
	json_decref(cat);
	if (r != EXIT_OK) {
		json_decref(objs);
		json_decref(units);
		return r;
	}
	*out = json_pack("{s:o, s:o}", "objects", objs, "units", units);
	return EXIT_OK;
}

static int metrics_list(int argc, char **argv)
{
	const char *kind = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = { { "kind", 0, true, &kind }, { "json", 0, false, &json },
				     { "tz", 0, true, &tz } };
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r == EXIT_OK)
		r = mfmt_zone("metrics", tz);
	if (r != EXIT_OK)
		return r;
	if (kind && strcmp(kind, "vm") && strcmp(kind, "host") && strcmp(kind, "datastore"))
		return usage_error("metrics", "--kind is vm, host or datastore");
	json_t *all;
	r = metrics_latest("metrics", kind, &all);
	if (r != EXIT_OK)
		return r;
	json_t *objs = json_object_get(all, "objects"), *units = json_object_get(all, "units"), *ob;
	if (json) {
		online_print_json(objs);
	} else {
		size_t i;
		json_array_foreach(objs, i, ob) {
			char t[MFMT_TIME_LEN];
			printf("%s/%s  host %s, source %s, last sample %s\n", online_str(ob, "kind"),
			       online_str(ob, "name"), online_str(ob, "host"), online_str(ob, "source"),
			       mfmt_time(json_integer_value(json_object_get(ob, "last")), t));
			const char *k;
			json_t *v;
			json_object_foreach(json_object_get(ob, "values"), k, v) {
				/* bytes as top shows them: kB to TB, by the value */
				const char *un = online_str(units, k);
				bool b = !strcmp(un, "bytes"), bps = !strcmp(un, "bytes_per_second");
				double size = 1, x = json_number_value(v);
				const char *name = b || bps ? cd_bunit_for(CD_BU_AUTO, x, &size) : un;
				printf("  %-34s %14.6g %s%s\n", k, x / size, name, bps ? "/s" : "");
			}
		}
	}
	json_decref(all);
	return EXIT_OK;
}

static int metrics_query(int argc, char **argv)
{
	const char *pos[2] = { NULL }, *since = NULL, *begin = NULL, *end = NULL, *step = NULL,
		   *rollup = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = {
		{ "since", 0, true, &since }, { "begin", 0, true, &begin }, { "end", 0, true, &end },
		{ "step", 0, true, &step }, { "rollup", 0, true, &rollup }, { "json", 0, false, &json },
		{ "tz", 0, true, &tz },
	};
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 2, 2, pos);
	if (r == EXIT_OK)
		r = mfmt_zone("metrics", tz);
	if (r != EXIT_OK)
		return r;
	const char *slash = strchr(pos[0], '/');
	if (!slash || slash == pos[0] || !slash[1])
		return usage_error("metrics", "the object is KIND/NAME (vm/vdi-001, datastore/kvm1/pool)");
	int64_t now = (int64_t)time(NULL) * 1000, b, e = now, st = 300000, d = 3600000;
	if ((since && (begin || end)) || (!since && !begin != !end))
		return usage_error("metrics", "give --since, or --begin and --end");
	if (since && cd_duration_parse(since, &d))
		return usage_error("metrics", "--since takes a duration (90s, 5m, 24h, 7d, 2w)");
	if (step && (cd_duration_parse(step, &st) || st % 1000))
		return usage_error("metrics", "--step takes a duration of whole seconds (20s, 5m, 1h)");
	if (begin && (mfmt_when(begin, &b) || mfmt_when(end, &e) || e < b))
		return usage_error("metrics", "--begin and --end are RFC 3339 times or epoch ms, "
				   "begin first");
	if (!begin)
		b = e - d;
	char *kind = cd_strndup(pos[0], (size_t)(slash - pos[0]));
	json_t *ans, *body = json_pack("{s:[{s:s, s:s}], s:[s], s:I, s:I, s:I, s:s}", "objects",
				       "kind", kind, "name", slash + 1, "metrics", pos[1],
				       "begin", (json_int_t)b, "end", (json_int_t)e,
				       "step_seconds", (json_int_t)(st / 1000), "rollup",
				       rollup ? rollup : "avg");
	free(kind);
	r = online_call("metrics", "POST", "/api/v1/metrics/query", body, &ans);
	if (r != EXIT_OK)
		return r;
	json_t *s = json_array_get(json_object_get(ans, "series"), 0);
	if (json) {
		online_print_json(s);
	} else {
		char t1[MFMT_TIME_LEN], t2[MFMT_TIME_LEN];
		printf("# %s %s, %s of %lld s steps, %s to %s\n", pos[0], pos[1],
		       rollup ? rollup : "avg", (long long)(st / 1000), mfmt_time(b, t1), mfmt_time(e, t2));
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(s, "points"), i, p)
			printf("%s  %.9g %s\n", mfmt_time(json_integer_value(json_array_get(p, 0)), t1),
			       json_number_value(json_array_get(p, 1)), online_str(s, "unit"));
	}
	json_decref(ans);
	return EXIT_OK;
}

/* cordon metrics rm KIND/NAME: every series of the object, every tier */
static int metrics_rm(int argc, char **argv)
{
	const char *pos[1] = { NULL }, *json = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json } };
	int r = cli_parse("metrics", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, pos);
	if (r != EXIT_OK)
		return r;
	const char *slash = strchr(pos[0], '/');
	if (!slash || slash == pos[0] || !slash[1])
		return usage_error("metrics", "the object is KIND/NAME (vm/vdi-001, datastore/kvm1/pool)");
	char *kind = cd_strndup(pos[0], (size_t)(slash - pos[0]));
	char *k = cd_http_escape(kind), *n = cd_http_escape(slash + 1);
	char *path = cd_asprintf("/api/v1/metrics/objects?kind=%s&name=%s", k, n);
	json_t *out = NULL;
	r = online_call("metrics", "DELETE", path, NULL, &out);
	if (r == EXIT_OK && json)
		online_print_json(out);
	else if (r == EXIT_OK)
		printf("%s: %lld series removed\n", pos[0],
		       (long long)json_integer_value(json_object_get(out, "series")));
	json_decref(out);
	free(path);
	free(n);
	free(k);
	free(kind);
	return r;
}

int cmd_metrics(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "import"))
		return metrics_import(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "du"))
		return metrics_du(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "rollup"))
		return metrics_rollup(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "query"))
		return metrics_query(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "rm"))
		return metrics_rm(argc - 1, argv + 1);
	return metrics_list(argc, argv);
}
