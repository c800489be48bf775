/* report.h - a report's definition: what it shows over which range, in
 * which time zone, when it is made and where it goes.
 *
 * A report is JSON (the API's body, `cordon reports push FILE`):
 *
 *   {"name": "weekly-capacity", "title": "Weekly capacity", "range": "7d",
 *    "timezone": "Europe/Paris", "schedule": "0 6 * * mon",
 *    "sections": [{"view": "hosts", "title": "Hosts' headroom", "limit": 50},
 *                 {"chart": {"title": "Hosts' CPU", "kind": "host",
 *                            "metric": "host_cpu_usage_ratio",
 *                            "objects": {"top": 10}, "rollup": "avg"}},
 *                 {"detections": {}}, {"quarantines": {}}, {"unmatched_rules": {}}],
 *    "formats": ["pdf", "csv"],
 *    "deliver": [{"directory": "/srv/reports"},
 *                {"webhook": "https://hooks.example.org/r", "token_file": "/etc/cordon/hook"},
 *                {"smtp": "smtp://mail.example.org:587", "from": "cordon <r@example.org>",
 *                 "to": ["ops@example.org"], "starttls": true, "user": "r",
 *                 "password_file": "/etc/cordon/smtp"}]}
 *
 * The range is a duration ending at the run ("7d", "24h"), or whole
 * calendar periods in the report's zone before it: "previous_week"
 * (Monday 00:00 to Monday 00:00), "previous_month" (the 1st 00:00 to the
 * 1st 00:00).
 *
 * A section is a list view's rows (a table; a CSV file), a chart of a
 * metric for named objects or the N with the highest average, or one of
 * the security tables (detections, quarantines, rules no flow record
 * matched).  Every error names its field ("sections[2].chart.metric: ...").
 * Secrets are never in a definition: a token or password is read from
 * its file when the report is delivered.  What a report's sections hold
 * is made by compose.h; keeping, scheduling and sending them is the
 * manager's (manager/reports*.c). */
#ifndef CD_REPORT_H
#define CD_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/catalog.h"
#include "metrics/mquery.h"
#include "report/cron.h"
#include "views/view.h"

#define CD_REPORT_NAME_MAX 64          /* [a-z0-9][a-z0-9._-]* */
#define CD_REPORT_TEXT_MAX 256         /* a title, a subject */
#define CD_REPORT_SECTIONS_MAX 32
#define CD_REPORT_OBJECTS_MAX 24       /* a chart's lines (the PDF's limit) */
#define CD_REPORT_DEST_MAX 8
#define CD_REPORT_PATH_MAX 1024        /* a directory, a token or password file */
#define CD_REPORT_URL_MAX 2048
#define CD_REPORT_ADDR_MAX 320         /* a mail address with its name */
#define CD_REPORT_DOC_MAX (64u << 10)  /* a report's JSON */
#define CD_REPORT_RANGE_MAX (730LL * 86400000LL)   /* the 1-hour tier's two years */
#define CD_REPORT_ROWS_MAX 200000      /* a view section's rows in the PDF */

enum cd_rsec_kind { CD_RS_VIEW, CD_RS_CHART, CD_RS_DETECTIONS, CD_RS_QUARANTINES, CD_RS_UNMATCHED };

struct cd_rsection {
	enum cd_rsec_kind kind;
	char *title;                   /* NULL: the view's, or the section's own */
	/* CD_RS_VIEW */
	char *view;
	size_t limit;                  /* the PDF's rows (the CSV has all); 0: all */
	/* CD_RS_CHART */
	const struct cd_metric *metric;
	enum cd_vkind ckind;
	char *objects[CD_REPORT_OBJECTS_MAX];
	size_t nobjects;               /* 0: the top `top` by the metric's average */
	size_t top;
	enum cd_agg rollup;            /* CD_AGG_AVG or CD_AGG_MAX */
};

enum cd_rdest_kind { CD_RD_DIRECTORY, CD_RD_WEBHOOK, CD_RD_SMTP };

struct cd_rdest {
	enum cd_rdest_kind kind;
	char *target;                  /* the directory, the webhook's URL, the SMTP server's URL */
	char *token_file;              /* a webhook's bearer token, or NULL */
	char *ca_file;                 /* webhook, SMTP: authorities, or NULL (the system's) */
	char *from;                    /* SMTP */
	char **to;
	size_t nto;
	bool starttls;
	char *user, *password_file;    /* or NULL */
	char *subject;                 /* or NULL: the report's title and range */
};

/* a range of whole calendar periods, or none (a duration) */
enum cd_rcal { CD_RCAL_NONE, CD_RCAL_WEEK, CD_RCAL_MONTH };

struct cd_report {
	char *name, *title;
	int64_t range_ms;              /* the duration; with a calendar range about its
					* span (7d, 31d), only a late run's limit: the span
					* is cd_report_span's */
	enum cd_rcal calendar;
	char *timezone;                /* an IANA name; "UTC" by default */
	char *schedule;                /* cron's five fields, or NULL: on demand only */
	struct cd_cron cron;
	struct cd_rsection sec[CD_REPORT_SECTIONS_MAX];
	size_t nsec;
	bool pdf, csv;                 /* the formats made */
	struct cd_rdest dest[CD_REPORT_DEST_MAX];
	size_t ndest;
	bool builtin;
};

const char *cd_rsec_kind_name(enum cd_rsec_kind k);

/* A report from its JSON: 0 with *out, or -EINVAL with "FIELD: what is
 * wrong" in err (out untouched).  The views its sections name are not
 * looked up here (the manager does, when it saves one). */
int cd_report_from_json(const json_t *j, struct cd_report *out, char *err, size_t errlen);
/* The same from text (a JSON syntax error says its line and column). */
int cd_report_parse(const char *text, size_t len, struct cd_report *out, char *err, size_t errlen);
/* Its JSON, as cd_report_from_json reads it back (every field written). */
json_t *cd_report_json(const struct cd_report *r);
void cd_report_free(struct cd_report *r);

/* The range a run at `at` (epoch ms) covers, [*begin, *end): the
 * duration before at, or the calendar period before the one at is in
 * (in the report's zone; a midnight a clock skips: the first instant
 * after).  0, or -EINVAL (a zone ICU no longer knows) or -ERANGE. */
int cd_report_span(const struct cd_report *r, int64_t at, int64_t *begin, int64_t *end);

/* The reports cordon ships ("weekly-capacity", "monthly-security"):
 * how many; the i-th (builtin set), 0 or -ENOENT; one by name. */
size_t cd_report_builtins(void);
int cd_report_builtin(size_t i, struct cd_report *out);
int cd_report_builtin_named(const char *name, struct cd_report *out);

/* A section's short name in its files' names: the view's name, "chart",
 * "detections", "quarantines", "unmatched-rules". */
const char *cd_rsection_slug(const struct cd_rsection *s);

#endif
