/* deliver.h - a report's files (its PDF, its CSVs) taken where they go:
 *  - a directory: each file written whole or not at all (a temporary
 *    file of the directory, synced, renamed over the name: a symbolic
 *    link at the name is replaced, never followed), mode 0640; all are
 *    written aside before the first is renamed, so a failure leaves at
 *    most the files before the one a rename refused;
 *  - a webhook: an HTTP(S) POST of multipart/form-data, a part "report"
 *    (JSON: the report's name, range and time zone, its files' names,
 *    types and sizes) then a part "file" per file; an optional bearer
 *    token read from a file; an answer but 2xx is an error with its
 *    status;
 *  - SMTP (smtp:// or smtps://): a mail From, To (several), Subject, a
 *    text, the files as attachments; STARTTLS required if asked; a user
 *    and a password read from a file (only over TLS).
 * Each returns 0, or a negative errno code with what failed in err:
 * -EINVAL for what the caller gave (a file's name, an address, a URL),
 * -EIO for a delivery refused or failed (its status or curl's words),
 * -errno of the file system.  Nothing is retried here: the caller's
 * schedule decides.  A name a file may have: 1-128 printable ASCII
 * characters but / \ and ", not starting with a dot. */
#ifndef CD_DELIVER_H
#define CD_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tz.h"

#define CD_DELIVER_FILES_MAX 64
#define CD_DELIVER_NAME_MAX 128
#define CD_DELIVER_RCPT_MAX 50        /* recipients of a mail */
#define CD_DELIVER_TIMEOUT_S 60       /* a delivery's default time, connecting included */

struct cd_rfile {
	const char *name;          /* "capacity-2026-12-07.pdf" */
	const char *type;          /* "application/pdf", "text/csv; charset=utf-8" */
	const void *data;
	size_t len;
};

/* What a webhook's JSON part says of the report. */
struct cd_rmeta {
	const char *report;        /* its name */
	int64_t begin_ms, end_ms;  /* its range */
	const struct cd_tz *tz;    /* its zone: the range's times are written in it */
};

struct cd_webhook {
	const char *url;           /* http:// or https:// */
	const char *token_file;    /* NULL: no Authorization header */
	const char *ca_file;       /* NULL: the system's authorities */
	int timeout_s;             /* 0: CD_DELIVER_TIMEOUT_S */
};

struct cd_smtp {
	const char *url;           /* smtp://host[:port] or smtps://host[:port] */
	const char *from;          /* "cordon <reports@example.org>" or an address */
	const char *const *to;     /* addresses, as from */
	size_t nto;
	const char *subject;       /* UTF-8: words encoded as RFC 2047 says when not ASCII */
	const char *text;          /* the mail's text, UTF-8 */
	bool require_tls;          /* smtp://: STARTTLS, or no mail */
	const char *user;          /* NULL: no login */
	const char *password_file; /* the user's password, in a file */
	const char *ca_file;       /* NULL: the system's authorities */
	int timeout_s;             /* 0: CD_DELIVER_TIMEOUT_S */
};

bool cd_deliver_name_ok(const char *name);

int cd_deliver_dir(const char *dir, const struct cd_rfile *files, size_t n, char *err, size_t errlen);
int cd_deliver_webhook(const struct cd_webhook *w, const struct cd_rmeta *m, const struct cd_rfile *files,
		       size_t n, char *err, size_t errlen);
int cd_deliver_smtp(const struct cd_smtp *s, const struct cd_rfile *files, size_t n, char *err, size_t errlen);

#endif
