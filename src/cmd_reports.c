/* cmd_reports.c - `cordon reports` (list, push, rm, revisions, runs) and
 * `cordon report NAME`: reports kept by the manager, made over a range
 * into a PDF and CSV files, or delivered now. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "agent/http.h"
#include "base/tz.h"
#include "base/util.h"
#include "report/compose.h"
#include "report/report.h"

const char help_reports[] =
	"usage: cordon [ONLINE OPTIONS] reports [--json]\n"
	"       cordon [ONLINE OPTIONS] reports push FILE\n"
	"       cordon [ONLINE OPTIONS] reports rm NAME\n"
	"       cordon [ONLINE OPTIONS] reports revisions NAME [--json]\n"
	"       cordon [ONLINE OPTIONS] reports runs NAME [--json] [--limit N]\n"
	"       cordon [ONLINE OPTIONS] report NAME [--range 7d | --begin T [--end T]]\n"
	"                                          [--pdf FILE] [--csv DIR] [--deliver]\n"
	"\n"
	"Reports: list views' rows, charts of metrics and the security tables\n"
	"(detections, quarantines, rules no flow matched) over a range, made by\n"
	"the manager as a PDF and a CSV file per table, on demand or on a cron\n"
	"schedule in the report's time zone, and delivered to a directory, a\n"
	"webhook or by SMTP.  `reports` lists them (those cordon ships first\n"
	"unless a saved one took their name; NEXT the next scheduled run); `reports\n"
	"push` saves FILE, a report's JSON (a new revision of its name; admin or\n"
	"operator); `reports rm` removes a saved report; `reports runs` lists the\n"
	"runs made (scheduled or on demand) with their outcome.\n"
	"\n"
	"`report NAME` prints the report's JSON; with --pdf FILE it writes its PDF\n"
	"(- for the standard output), with --csv DIR a CSV file per table section\n"
	"(named as deliveries name them), over its own range ending now, or\n"
	"--range, or --begin and --end (RFC 3339 or epoch ms): the same range\n"
	"gives the same CSV bytes.  --deliver makes it now and delivers it to its\n"
	"destinations (admin or operator): the exit status says whether every one\n"
	"took it.  docs/monitoring.md, \"Reports\", says what each section reads.\n"
	"\n"
	"examples:\n"
	"  cordon reports\n"
	"  cordon report weekly-capacity --pdf capacity.pdf --csv ./capacity\n"
	"  cordon report monthly-security --begin 2026-11-01T00:00:00Z --end 2026-12-01T00:00:00Z --pdf nov.pdf\n"
	"  cordon reports push weekly-capacity.json && cordon report weekly-capacity --deliver\n";

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int reports_list(int argc, char **argv)
{
	json_t *l;
	bool json;
	int r = online_get_list("reports", argc, argv, "/api/v1/reports", &l, &json);
	if (r != EXIT_OK || json)
		return r;
	printf("%-24s %5s %-8s %-14s %-18s %-5s %s\n", "NAME", "REV", "ORIGIN", "SCHEDULE", "ZONE",
	       "DEST", "NEXT");
	size_t i;
	json_t *v;
	json_array_foreach(l, i, v) {
		char t[MFMT_TIME_LEN];
		json_t *next = json_object_get(v, "next");
		printf("%-24s %5lld %-8s %-14s %-18s %-5lld %s\n", online_str(v, "name"),
		       (long long)json_integer_value(json_object_get(v, "rev")),
		       json_is_true(json_object_get(v, "builtin")) ? "built-in" : "saved",
		       online_str(v, "schedule"), online_str(v, "timezone"),
		       (long long)json_integer_value(json_object_get(v, "destinations")),
		       next ? mfmt_time(json_integer_value(next), t) : "-");
	}
	json_decref(l);
	return EXIT_OK;
}

static void print_runs(json_t *out)
{
	char t[MFMT_TIME_LEN];
	size_t i, k;
	json_t *v, *d;
	printf("%6s  %-8s  %-36s %-7s  %s\n", "RUN", "TRIGGER", "STARTED", "OUTCOME", "DELIVERIES");
	json_array_foreach(out, i, v) {
		printf("%6lld  %-8s  %-36s %-7s ", (long long)json_integer_value(json_object_get(v, "id")),
		       online_str(v, "trigger"),
		       mfmt_time(json_integer_value(json_object_get(v, "started")) / 1000, t),
		       online_str(v, "outcome"));
		json_array_foreach(json_object_get(v, "deliveries"), k, d)
			printf(" %s: %s%s%s;", online_str(d, "destination"), online_str(d, "outcome"),
			       json_object_get(d, "error") ? " - " : "",
			       json_object_get(d, "error") ? online_str(d, "error") : "");
		if (json_object_get(v, "error"))
			printf(" %s", online_str(v, "error"));
		printf("\n");
	}
}

int cmd_reports(int argc, char **argv)
{
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	if (!sub)
		return reports_list(argc, argv);
	const char *pos[1] = { NULL }, *json = NULL, *limit = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json }, { "limit", 0, true, &limit } };
	bool rev = !strcmp(sub, "revisions"), runs = !strcmp(sub, "runs");
	if (strcmp(sub, "push") && strcmp(sub, "rm") && !rev && !runs)
		return usage_error("reports", "no subcommand '%s' (push, rm, revisions, runs)", sub);
	int r = cli_parse("reports", argc - 1, argv + 1, o, runs ? 2 : rev ? 1 : 0, 1, 1, pos);
	if (r != EXIT_OK)
		return r;
	if (!strcmp(sub, "push"))
		return online_push_file("reports", "report", "/api/v1/reports", pos[0], CD_REPORT_DOC_MAX);
	char *name = cd_http_escape(pos[0]), *path;
	json_t *out;
	if (!rev && !runs) {
		path = cd_asprintf("/api/v1/reports/%s", name);
		r = online_call("reports", "DELETE", path, NULL, &out);
		if (r == EXIT_OK)
			printf("report %s removed\n", pos[0]);
	} else if (runs) {
		path = cd_asprintf("/api/v1/reports/%s/runs?limit=%d", name, limit ? atoi(limit) : 50);
		r = online_call("reports", "GET", path, NULL, &out);
		if (r == EXIT_OK && json)
			online_print_json(out);
		else if (r == EXIT_OK)
			print_runs(out);
	} else {
		path = cd_asprintf("/api/v1/reports/%s/revisions", name);
		r = online_call("reports", "GET", path, NULL, &out);
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

/* text into path ("-": the standard output), whole or not at all */
static int write_file(const char *path, const char *text, size_t len)
{
	if (!strcmp(path, "-"))
		return fwrite(text, 1, len, stdout) == len ? 0 : -EIO;
	char *tmp = cd_asprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int r = f ? 0 : -errno;
	if (f && (fwrite(text, 1, len, f) != len || fflush(f)))
		r = -EIO;
	if (f && fclose(f) && !r)
		r = -EIO;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

/* Each table section's CSV of the report (its definition def) into dir. */
static int csv_files(const char *name, json_t *def, const char *dir, const char *q)
{
	struct cd_report rep;
	char err[512];
	json_t *d = json_deep_copy(def);
	json_object_del(d, "rev");        /* the API's, not the definition's */
	int pr = cd_report_from_json(d, &rep, err, sizeof err);
	json_decref(d);
	if (pr) {
		fprintf(stderr, "cordon report: the manager's report does not read here: %s\n", err);
		return EXIT_FAIL;
	}
	struct cd_tz *tz;
	if (cd_tz_open(rep.timezone, &tz)) {
		fprintf(stderr, "cordon report: the zone %s is not known here\n", rep.timezone);
		cd_report_free(&rep);
		return EXIT_FAIL;
	}
	int64_t end = strtoll(strstr(q, "end=") + 4, NULL, 10);
	int r = EXIT_OK;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "cordon report: %s: %s\n", dir, strerror(errno));
		r = EXIT_FAIL;
	}
	char *esc = cd_http_escape(name);
	for (size_t i = 0; i < rep.nsec && r == EXIT_OK; i++) {
		if (!cd_rsection_is_table(&rep.sec[i]))
			continue;
		char fname[256];
		cd_report_file_name(&rep, tz, end, (long)i, fname, sizeof fname);
		char *path = cd_asprintf("/api/v1/reports/%s/csv?section=%zu&%s", esc, i + 1, q);
		const char *text;
		size_t len;
		r = online_get_text("report", path, &text, &len);
		free(path);
		if (r != EXIT_OK)
			break;
		char *file = cd_asprintf("%s/%s", dir, fname);
		if (write_file(file, text, len)) {
			fprintf(stderr, "cordon report: %s: %s\n", file, strerror(errno));
			r = EXIT_FAIL;
		} else {
			printf("%s: %zu bytes\n", file, len);
		}
		free(file);
	}
	free(esc);
	cd_tz_free(tz);
	cd_report_free(&rep);
	return r;
}

int cmd_report(int argc, char **argv)
{
	const char *pos[1] = { NULL }, *range = NULL, *begin = NULL, *end = NULL, *pdf = NULL,
		   *csv = NULL, *deliver = NULL;
	const struct cli_opt o[] = {
		{ "range", 0, true, &range }, { "begin", 0, true, &begin }, { "end", 0, true, &end },
		{ "pdf", 0, true, &pdf },     { "csv", 0, true, &csv },     { "deliver", 0, false, &deliver },
	};
	int r = cli_parse("report", argc, argv, o, CD_ARRAY_LEN(o), 1, 1, pos);
	if (r != EXIT_OK)
		return r;
	int64_t ms = 0, b = 0, e = 0;
	if (range && (begin || end))
		return usage_error("report", "give --range, or --begin (and --end)");
	if (range && cd_duration_parse(range, &ms))
		return usage_error("report", "--range takes a duration (24h, 7d, 30d, 2w)");
	if ((begin && mfmt_when(begin, &b)) || (end && mfmt_when(end, &e)))
		return usage_error("report", "--begin and --end take RFC 3339 times or epoch ms");
	if (end && !begin)
		return usage_error("report", "--end goes with --begin");
	if (pdf && csv && !strcmp(pdf, "-"))
		return usage_error("report", "--pdf - writes to the standard output: not with --csv");
	char *name = cd_http_escape(pos[0]), *path = cd_asprintf("/api/v1/reports/%s", name);
	json_t *def;
	r = online_call("report", "GET", path, NULL, &def);
	free(path);
	if (r != EXIT_OK) {
		free(name);
		return r;
	}
	if (!pdf && !csv && !deliver) {
		online_print_json(def);
		json_decref(def);
		free(name);
		return EXIT_OK;
	}
	/* one range for every file: the end fixed here */
	if (!begin) {
		e = now_ms();
		if (!range)
			cd_duration_parse(online_str(def, "range"), &ms);
		b = e - ms;
	} else if (!end) {
		e = now_ms();
	}
	char q[96];
	snprintf(q, sizeof q, "begin=%lld&end=%lld", (long long)b, (long long)e);
	if (pdf) {
		const char *text;
		size_t len;
		path = cd_asprintf("/api/v1/reports/%s/pdf?%s", name, q);
		r = online_get_text("report", path, &text, &len);
		free(path);
		if (r == EXIT_OK && write_file(pdf, text, len)) {
			fprintf(stderr, "cordon report: %s: cannot write it\n", pdf);
			r = EXIT_FAIL;
		} else if (r == EXIT_OK && strcmp(pdf, "-")) {
			printf("%s: %zu bytes\n", pdf, len);
		}
	}
	if (r == EXIT_OK && csv)
		r = csv_files(pos[0], def, csv, q);
	if (r == EXIT_OK && deliver) {
		json_t *out;
		path = cd_asprintf("/api/v1/reports/%s/run?%s", name, q);
		r = online_call("report", "POST", path, NULL, &out);
		free(path);
		if (r == EXIT_OK) {
			json_t *one = json_array();
			json_object_set_new(out, "id", json_integer(json_integer_value(json_object_get(out, "run"))));
			json_object_set_new(out, "trigger", json_string("api"));
			json_object_set_new(out, "started", json_integer(now_ms() * 1000));
			json_array_append(one, out);
			print_runs(one);
			json_decref(one);
			if (strcmp(online_str(out, "outcome"), "ok"))
				r = EXIT_FAIL;
			json_decref(out);
		}
	}
	json_decref(def);
	free(name);
	return r;
}
