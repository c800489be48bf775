/* conf.c - a configuration file of command-line options (see conf.h). */
#include "base/conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct option *find(const struct option *opts, const char *name)
{
	for (const struct option *o = opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static bool is_refused(const char *const *refused, const char *name)
{
	for (size_t i = 0; refused && refused[i]; i++)
		if (!strcmp(refused[i], name))
			return true;
	return false;
}

/* an argument, and where it comes from (NULL: the command line), both owned */
static void push(struct cd_conf_args *a, char *arg, char *where)
{
	if ((size_t)a->argc + 1 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->argv = cd_realloc(a->argv, a->cap * sizeof(*a->argv));
		a->where = cd_realloc(a->where, a->cap * sizeof(*a->where));
	}
	a->argv[a->argc] = arg;
	a->where[a->argc++] = where;
}

static char *trim(char *s, char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = 0;
	return s;
}

/* One line (NUL-terminated, its own copy) into a's argv. */
static int line(struct cd_conf_args *a, const char *path, size_t no, char *s,
		const struct option *opts, const char *const *refused, struct cd_buf *err)
{
	size_t len = strlen(s);
	if (len && s[len - 1] == '\r')
		s[--len] = 0;              /* CR LF */
	if (no == 1 && !strncmp(s, "\xef\xbb\xbf", 3)) {
		cd_buf_printf(err, "%s:1: a byte order mark (write the file without it)", path);
		return -EINVAL;
	}
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			cd_buf_printf(err, "%s:%zu: a control character", path, no);
			return -EINVAL;
		}
	/* a comment: a # at the line's start or after a space (one inside a
	 * value, as /x#y, stays) */
	for (char *h = strchr(s, '#'); h; h = strchr(h + 1, '#'))
		if (h == s || h[-1] == ' ' || h[-1] == '\t') {
			*h = 0;
			break;
		}
	char *eq = strchr(s, '=');
	char *name = trim(s, eq ? eq : s + strlen(s));
	char *value = eq ? trim(eq + 1, eq + 1 + strlen(eq + 1)) : NULL;
	if (!*name && !value)
		return 0;                  /* blank */
	if (!*name) {
		cd_buf_printf(err, "%s:%zu: a value without an option's name", path, no);
		return -EINVAL;
	}
	const struct option *o = find(opts, name);
	if (!o || is_refused(refused, name)) {
		cd_buf_printf(err, "%s:%zu: %s '%s'", path, no,
			      o ? "an option a file may not hold:" : "no such option:", name);
		return -EINVAL;
	}
	if (o->has_arg == optional_argument) {
		cd_buf_printf(err, "%s:%zu: %s takes its value on the command line only", path, no, name);
		return -EINVAL;
	}
	if (o->has_arg == no_argument && value) {
		cd_buf_printf(err, "%s:%zu: %s is a flag: no value ('%s' alone on its line)", path, no, name,
			      name);
		return -EINVAL;
	}
	if (o->has_arg == required_argument && (!value || !*value)) {
		cd_buf_printf(err, "%s:%zu: %s needs a value (%s = VALUE)", path, no, name, name);
		return -EINVAL;
	}
	push(a, cd_asprintf("--%s", name), cd_asprintf("%s:%zu", path, no));
	if (value)
		push(a, cd_strdup(value), cd_asprintf("%s:%zu", path, no));
	return 0;
}

int cd_conf_args(const char *path, const struct option *opts, const char *const *refused,
		 int argc, char **argv, struct cd_conf_args *out, struct cd_buf *err)
{
	memset(out, 0, sizeof(*out));
	push(out, cd_strdup(argc > 0 ? argv[0] : "?"), NULL);
	char *text = NULL;
	size_t len = 0;
	struct stat sb;
	int r = !path ? -ENOENT : stat(path, &sb) < 0 ? -errno : 0;
	/* the file decides what the program trusts: others may not write it
	 * (as sshd's own files) */
	if (r == 0 && (sb.st_mode & 022 || (sb.st_uid != 0 && sb.st_uid != geteuid()))) {
		cd_buf_printf(err, "%s: %s: make it 0644 or 0600, owned by root", path,
			      sb.st_mode & 022 ? "others may write it" : "owned by another user");
		r = -EPERM;
	}
	if (r == 0)
		r = cd_read_file(path, CD_CONF_MAX, &text, &len);
	if (r == -EFBIG || r == -E2BIG)
		cd_buf_printf(err, "%s: larger than %u KiB", path, CD_CONF_MAX >> 10);
	else if (r < 0 && r != -ENOENT && !err->len)
		cd_buf_printf(err, "%s: %s", path, strerror(-r));
	for (size_t no = 1, off = 0; r == 0 && off < len; no++) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = (nl ? (size_t)(nl - text) : len) - off;
		if (n > CD_CONF_LINE_MAX) {
			cd_buf_printf(err, "%s:%zu: a line over %u bytes", path, no, CD_CONF_LINE_MAX);
			r = -EINVAL;
			break;
		}
		if (memchr(text + off, 0, n)) {
			cd_buf_printf(err, "%s:%zu: a NUL byte", path, no);
			r = -EINVAL;
			break;
		}
		char *l = cd_strndup(text + off, n);
		r = line(out, path, no, l, opts, refused, err);
		free(l);
		off += n + 1;
	}
	free(text);
	for (int i = 1; i < argc && (r == 0 || r == -ENOENT); i++)
		push(out, cd_strdup(argv[i]), NULL);
	/* getopt_long wants argv[argc] NULL */
	push(out, NULL, NULL);
	out->argc--;
	return r;
}

void cd_conf_args_free(struct cd_conf_args *a)
{
	for (int i = 0; i < a->argc; i++) {
		free(a->argv[i]);
		free(a->where[i]);
	}
	free(a->argv);
	free(a->where);
	memset(a, 0, sizeof(*a));
}

int cd_conf_load(const char *dflt, const struct option *opts, const char *const *refused, int argc,
		 char **argv, struct cd_conf_args *out, const char **given, const char **read,
		 struct cd_buf *err)
{
	*given = cd_conf_flag(argc, argv, "config");
	*read = *given ? *given : dflt;
	int r = cd_conf_args(*read, opts, refused, argc, argv, out, err);
	if (r != -ENOENT)
		return r;
	*read = NULL;
	if (!*given)
		return 0;                  /* the default's absence is no error */
	cd_buf_printf(err, "%s: no such file", *given);
	return r;
}

const char *cd_conf_flag(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--"))
			break;
		if (strncmp(s, "--", 2) || strncmp(s + 2, name, n))
			continue;
		if (s[2 + n] == '=')
			return s + 3 + n;
		if (!s[2 + n] && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

/* The option a line sets ("name" of "name = value" or "name"), or a
 * zero length for a comment or a blank line. */
static size_t line_name(const char *s, const char *e, const char **name)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	*name = s;
	if (s == e || *s == '#')
		return 0;
	const char *n = s;
	while (n < e && *n != '=' && *n != ' ' && *n != '\t' && *n != '\r' && *n != '\n')
		n++;
	return (size_t)(n - s);
}

/* Whether the reader gives value back as it is: no control character,
 * no blank at either end, no comment's " #", short enough for a line. */
static bool value_keeps(const char *v)
{
	size_t n = strlen(v);
	if (n > CD_CONF_LINE_MAX / 2 || (n && (v[0] == ' ' || v[n - 1] == ' ')) || strstr(v, " #"))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

int cd_conf_set(const char *path, const char *const *names, const char *const *values, size_t n,
		struct cd_buf *err)
{
	char *old = NULL;
	size_t len = 0;
	int r = cd_read_file(path, CD_CONF_MAX, &old, &len);
	if (r < 0 && r != -ENOENT) {
		cd_buf_printf(err, "%s: %s", path, strerror(-r));
		return r;
	}
	struct cd_buf out;
	cd_buf_init(&out, CD_CONF_MAX + 64 * 1024);
	r = 0;
	/* every line kept but those of the options set, which go at the end */
	for (const char *s = old, *end = old ? old + len : NULL; r == 0 && s && s < end;) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		e = e ? e + 1 : end;
		const char *name;
		size_t nl = line_name(s, e, &name);
		bool drop = false;
		for (size_t i = 0; nl && i < n && !drop; i++)
			drop = strlen(names[i]) == nl && !memcmp(name, names[i], nl);
		if (!drop) {
			r = cd_buf_add(&out, s, (size_t)(e - s));
			if (r == 0 && e == end && e > s && e[-1] != '\n')
				r = cd_buf_add(&out, "\n", 1);
		}
		s = e;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!values[i])
			continue;
		if (!value_keeps(values[i])) {
			cd_buf_printf(err, "%s: the value of %s cannot be kept on one line as it is (a "
				      "control character, a space at an end, a ' #', or over %u bytes)",
				      path, names[i], CD_CONF_LINE_MAX / 2);
			r = -EINVAL;
		} else {
			r = values[i][0] ? cd_buf_printf(&out, "%s = %s\n", names[i], values[i])
					 : cd_buf_printf(&out, "%s\n", names[i]);
		}
	}
	if (r == 0 && (r = cd_write_file(path, out.data ? out.data : "", out.len, 0644)) < 0)
		cd_buf_printf(err, "%s: %s", path, strerror(-r));
	else if (r < 0 && !err->len)
		cd_buf_printf(err, "%s: more than %u bytes", path, CD_CONF_MAX);
	cd_buf_free(&out);
	free(old);
	return r;
}
