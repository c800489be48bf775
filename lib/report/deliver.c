/* deliver.c - a report's files to a directory, a webhook or SMTP (see
 * deliver.h). */
#include "report/deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

#define SECRET_MAX 4096
#define ANSWER_MAX 4096        /* of a webhook's answer, kept for the message */
#define TEXT_MAX (1u << 20)    /* a mail's text */
#define SUBJECT_MAX 400

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

bool cd_deliver_name_ok(const char *name)
{
	size_t n = name ? strnlen(name, CD_DELIVER_NAME_MAX + 1) : 0;
	if (n == 0 || n > CD_DELIVER_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c > 0x7e || c == '/' || c == '\\' || c == '"')
			return false;
	}
	return true;
}

static int check_files(const struct cd_rfile *f, size_t n, char *err, size_t errlen)
{
	if (n > CD_DELIVER_FILES_MAX)
		return fail(err, errlen, -EINVAL, "%zu files: at most %d", n, CD_DELIVER_FILES_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!cd_deliver_name_ok(f[i].name))
			return fail(err, errlen, -EINVAL,
				    "file %zu: a name of 1-%d printable characters but / \\ and \", not starting "
				    "with a dot",
				    i + 1, CD_DELIVER_NAME_MAX);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f[i].name, f[j].name))
				return fail(err, errlen, -EINVAL, "%s: given twice", f[i].name);
		if (!f[i].type || strpbrk(f[i].type, "\r\n") || !*f[i].type)
			return fail(err, errlen, -EINVAL, "%s: no content type", f[i].name);
	}
	return 0;
}

/* ---- a directory ---- */

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int cd_deliver_dir(const char *dir, const struct cd_rfile *files, size_t n, char *err, size_t errlen)
{
	static unsigned seq;
	int r = check_files(files, n, err, errlen);
	if (r < 0)
		return r;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	/* every file written aside first, then each renamed: a failure
	 * half-way leaves no file half-written */
	char (*tmp)[CD_DELIVER_NAME_MAX + 48] = cd_calloc(n ? n : 1, sizeof(*tmp));
	size_t made = 0, renamed = 0;
	for (; made < n; made++) {
		const struct cd_rfile *f = &files[made];
		snprintf(tmp[made], sizeof(tmp[made]), ".%s.%ld.%u.tmp", f->name, (long)getpid(),
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
		int fd = openat(dfd, tmp[made], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0) {
			r = fail(err, errlen, -errno, "%s/%s: %s", dir, f->name, strerror(errno));
			break;
		}
		if ((r = fchmod(fd, 0640) < 0 ? -errno : 0) == 0 && (r = write_all(fd, f->data, f->len)) == 0)
			r = fsync(fd) < 0 ? -errno : 0;
		if (close(fd) < 0 && r == 0)
			r = -errno;
		if (r < 0) {
			fail(err, errlen, r, "%s/%s: %s", dir, f->name, strerror(-r));
			made++;   /* its file is removed too */
			break;
		}
	}
	while (r == 0 && renamed < n) {
		if (renameat(dfd, tmp[renamed], dfd, files[renamed].name) < 0)
			r = fail(err, errlen, -errno, "%s/%s: %s", dir, files[renamed].name, strerror(errno));
		else
			renamed++;
	}
	for (size_t i = renamed; i < made; i++)
		unlinkat(dfd, tmp[i], 0);
	if (r == 0 && fsync(dfd) < 0)
		r = fail(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	close(dfd);
	free(tmp);
	return r;
}

/* ---- what the webhook and SMTP share ---- */

/* A secret in a file (a token, a password): its first line, trimmed;
 * printable characters only. */
static int read_secret(const char *path, char **out, char *err, size_t errlen)
{
	char *s;
	size_t len;
	int r = cd_read_file(path, SECRET_MAX, &s, &len);
	if (r < 0)
		return fail(err, errlen, r, "%s: %s", path, r == -EFBIG ? "over 4 KiB" : strerror(-r));
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		s[--len] = '\0';
	bool ok = len > 0 && strlen(s) == len;
	for (size_t i = 0; i < len && ok; i++)
		ok = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	if (!ok) {
		explicit_bzero(s, len);
		free(s);
		return fail(err, errlen, -EINVAL, "%s: empty, or not one line of printable characters", path);
	}
	*out = s;
	return 0;
}

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void common_opts(CURL *c, const char *url, const char *ca_file, int timeout_s, char *errbuf)
{
	long t = timeout_s > 0 ? timeout_s : CD_DELIVER_TIMEOUT_S;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, t);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, t < 15 ? t : 15L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (ca_file) {                 /* that CA, not the system's too */
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	errbuf[0] = '\0';
}

/* curl's words for a failure: its buffer, else its code's */
static const char *curl_words(CURLcode rc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

/* ---- a webhook ---- */

static void rfc3339(const struct cd_tz *tz, int64_t t, char *buf, size_t len)
{
	struct tm tm;
	if (!tz || cd_tz_local(tz, t, &tm) < 0) {
		snprintf(buf, len, "%lld", (long long)t);
		return;
	}
	int off = (int)tm.tm_gmtoff, a = (off < 0 ? -off : off) % 86400;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static char *meta_json(const struct cd_rmeta *m, const struct cd_rfile *f, size_t n)
{
	char b[96], e[96];
	rfc3339(m->tz, m->begin_ms, b, sizeof(b));
	rfc3339(m->tz, m->end_ms, e, sizeof(e));
	json_t *files = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "name", f[i].name, "type", f[i].type, "bytes",
						       (json_int_t)f[i].len));
	json_t *o = json_pack("{s:s?, s:s, s:s, s:s?, s:o}", "report", m->report, "begin", b, "end", e, "time_zone",
			      m->tz ? cd_tz_name(m->tz) : NULL, "files", files);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

struct answer {
	char buf[ANSWER_MAX + 1];
	size_t len;
};

static size_t keep_answer(char *p, size_t size, size_t nm, void *ctx)
{
	struct answer *a = ctx;
	size_t n = size * nm, room = ANSWER_MAX - a->len;
	memcpy(a->buf + a->len, p, n < room ? n : room);
	a->len += n < room ? n : room;
	return n;
}

int cd_deliver_webhook(const struct cd_webhook *w, const struct cd_rmeta *m, const struct cd_rfile *files,
		       size_t n, char *err, size_t errlen)
{
	int r = check_files(files, n, err, errlen);
	if (r < 0)
		return r;
	if (!w->url || (strncmp(w->url, "http://", 7) && strncmp(w->url, "https://", 8)))
		return fail(err, errlen, -EINVAL, "webhook: a URL of http:// or https://");
	char *token = NULL, *auth = NULL, *json = meta_json(m, files, n);
	if (!json)
		return fail(err, errlen, -EINVAL, "webhook: the report's name is not UTF-8");
	if (w->token_file && (r = read_secret(w->token_file, &token, err, errlen)) < 0) {
		free(json);
		return r;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		free(json);
		secret_free(token);
		return fail(err, errlen, -ENOMEM, "webhook: no curl handle");
	}
	char errbuf[CURL_ERROR_SIZE];
	common_opts(c, w->url, w->ca_file, w->timeout_s, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_mime *mime = curl_mime_init(c);
	curl_mimepart *p = curl_mime_addpart(mime);
	curl_mime_name(p, "report");
	curl_mime_type(p, "application/json");
	curl_mime_data(p, json, CURL_ZERO_TERMINATED);
	for (size_t i = 0; i < n; i++) {
		p = curl_mime_addpart(mime);
		curl_mime_name(p, "file");
		curl_mime_filename(p, files[i].name);
		curl_mime_type(p, files[i].type);
		curl_mime_data(p, files[i].data, files[i].len);
	}
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	if (token) {
		auth = cd_asprintf("Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	struct answer *ans = cd_calloc(1, sizeof(*ans));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		r = fail(err, errlen, -EIO, "webhook: %s", curl_words(rc, errbuf));
	} else if (code < 200 || code > 299) {
		/* its first words, one line */
		size_t k = ans->len < 200 ? ans->len : 200;
		for (size_t i = 0; i < k; i++)
			if ((unsigned char)ans->buf[i] < 0x20 || ans->buf[i] == 0x7f)
				ans->buf[i] = ' ';
		ans->buf[k] = '\0';
		r = fail(err, errlen, -EIO, "webhook: HTTP %ld%s%s", code, k ? ": " : "", ans->buf);
	}
	curl_slist_free_all(h);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	free(ans);
	free(json);
	secret_free(token);
	secret_free(auth);
	return r;
}

/* ---- SMTP ---- */

/* The address of "Name <a@b>" or "a@b" in out ("<a@b>", as MAIL FROM and
 * RCPT TO take it): 0, or -EINVAL for anything else or a line break. */
static int address(const char *s, char *out, size_t len)
{
	if (!s || strpbrk(s, "\r\n") || strlen(s) > 320)
		return -EINVAL;
	const char *a = strchr(s, '<'), *e;
	if (a) {
		a++;
		e = strchr(a, '>');
		if (!e || e[1])
			return -EINVAL;
	} else {
		a = s;
		e = s + strlen(s);
	}
	const char *at = memchr(a, '@', (size_t)(e - a));
	if (!at || at == a || at + 1 == e)
		return -EINVAL;
	for (const char *p = a; p < e; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>\"(),;:\\", *p) || (*p == '@' && p != at))
			return -EINVAL;
	snprintf(out, len, "<%.*s>", (int)(e - a), a);
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct cd_buf *o, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };
		if (cd_buf_add(o, q, 4) < 0)
			return;   /* the subject's limit keeps it far from the buffer's */
	}
}

/* "Subject: ..." as a header: ASCII as it is, else RFC 2047's encoded
 * words of at most 45 bytes each (whole characters), folded */
static char *subject_header(const char *s)
{
	struct cd_buf o;
	cd_buf_init(&o, 8192);
	cd_buf_puts(&o, "Subject: ");
	bool ascii = true;
	for (const char *p = s; *p; p++)
		ascii &= (unsigned char)*p < 0x80;
	if (ascii) {
		cd_buf_puts(&o, s);
		return cd_buf_steal(&o);
	}
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t k = n - i < 45 ? n - i : 45;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		if (i > 0)
			cd_buf_puts(&o, "\r\n ");
		cd_buf_puts(&o, "=?UTF-8?B?");
		base64(&o, (const unsigned char *)s + i, k);
		cd_buf_puts(&o, "?=");
		i += k;
	}
	return cd_buf_steal(&o);
}

/* RFC 5322's date of now, in UTC, with English names whatever the locale */
static void mail_date(char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(buf, len, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool header_ok(const char *s, size_t max)
{
	return s && strnlen(s, max + 1) <= max && !strpbrk(s, "\r\n");
}

int cd_deliver_smtp(const struct cd_smtp *s, const struct cd_rfile *files, size_t n, char *err, size_t errlen)
{
	int r = check_files(files, n, err, errlen);
	if (r < 0)
		return r;
	bool smtps = s->url && !strncmp(s->url, "smtps://", 8);
	if (!s->url || (strncmp(s->url, "smtp://", 7) && !smtps))
		return fail(err, errlen, -EINVAL, "smtp: a URL of smtp:// or smtps://");
	char from[340], to[340];
	if (address(s->from, from, sizeof(from)) < 0 || !header_ok(s->from, 320))
		return fail(err, errlen, -EINVAL, "smtp: from: not an address");
	if (s->nto == 0 || s->nto > CD_DELIVER_RCPT_MAX)
		return fail(err, errlen, -EINVAL, "smtp: 1 to %d recipients", CD_DELIVER_RCPT_MAX);
	if (!header_ok(s->subject, SUBJECT_MAX))
		return fail(err, errlen, -EINVAL, "smtp: a subject of one line, at most %d bytes", SUBJECT_MAX);
	if (s->text && strnlen(s->text, TEXT_MAX + 1) > TEXT_MAX)
		return fail(err, errlen, -EINVAL, "smtp: a text over 1 MiB");
	if (s->user && !smtps && !s->require_tls)
		return fail(err, errlen, -EINVAL,
			    "smtp: a password goes over TLS only: smtps://, or STARTTLS required");
	if (s->user && (!header_ok(s->user, 256) || !s->password_file))
		return fail(err, errlen, -EINVAL, "smtp: a user needs a password file");
	struct curl_slist *rcpt = NULL, *h = NULL;
	struct cd_buf to_h;
	cd_buf_init(&to_h, 64 * 1024);
	cd_buf_puts(&to_h, "To: ");
	for (size_t i = 0; i < s->nto; i++) {
		if (address(s->to[i], to, sizeof(to)) < 0) {
			curl_slist_free_all(rcpt);
			cd_buf_free(&to_h);
			return fail(err, errlen, -EINVAL, "smtp: to %zu: not an address", i + 1);
		}
		rcpt = curl_slist_append(rcpt, to);
		cd_buf_printf(&to_h, "%s%s", i ? ",\r\n " : "", s->to[i]);
	}
	char *password = NULL;
	if (s->user && (r = read_secret(s->password_file, &password, err, errlen)) < 0) {
		curl_slist_free_all(rcpt);
		cd_buf_free(&to_h);
		return r;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		curl_slist_free_all(rcpt);
		cd_buf_free(&to_h);
		secret_free(password);
		return fail(err, errlen, -ENOMEM, "smtp: no curl handle");
	}
	char errbuf[CURL_ERROR_SIZE], date[64];
	common_opts(c, s->url, s->ca_file, s->timeout_s, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (s->require_tls || smtps)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (s->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	mail_date(date, sizeof(date));
	char *from_h = cd_asprintf("From: %s", s->from), *subj = subject_header(s->subject);
	h = curl_slist_append(h, date);
	h = curl_slist_append(h, from_h);
	h = curl_slist_append(h, to_h.data);
	h = curl_slist_append(h, subj);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_mime *mime = curl_mime_init(c);
	curl_mimepart *p = curl_mime_addpart(mime);
	curl_mime_data(p, s->text ? s->text : "", CURL_ZERO_TERMINATED);
	curl_mime_type(p, "text/plain; charset=utf-8");
	curl_mime_encoder(p, "quoted-printable");
	for (size_t i = 0; i < n; i++) {
		p = curl_mime_addpart(mime);
		curl_mime_data(p, files[i].data, files[i].len);
		curl_mime_type(p, files[i].type);
		curl_mime_filename(p, files[i].name);
		curl_mime_encoder(p, "base64");
	}
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		char last[32] = "";
		if (code)
			snprintf(last, sizeof(last), " (SMTP %ld)", code);
		r = fail(err, errlen, -EIO, "smtp: %s%s", curl_words(rc, errbuf), last);
	}
	curl_mime_free(mime);
	curl_slist_free_all(h);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	cd_buf_free(&to_h);
	free(from_h);
	free(subj);
	secret_free(password);
	return r;
}
