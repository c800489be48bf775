/* test_conf.c - a configuration file of command-line options: its lines
 * come before the command line's (which so overrides them), each with
 * its FILE:LINE; comments and blanks skipped; every malformed line refused
 * with its place, and nothing of the file used. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "test.h"

static const struct option opts[] = {
	{ "data-dir", required_argument, NULL, 'd' }, { "listen", required_argument, NULL, 'l' },
	{ "no-flows", no_argument, NULL, 'F' }, { "config", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' }, { 0 },
};
static const char *const refused[] = { "config", "help", NULL };

/* cd_conf_args of text (written to a file) before args: its result,
 * err into why */
static int conf(const char *text, size_t len, int argc, char **argv, struct cd_conf_args *a, char **why)
{
	char path[] = "/tmp/cordon-conf.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, text, len), (ssize_t)len);
	close(fd);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = cd_conf_args(path, opts, refused, argc, argv, a, &err);
	/* the message says the file's name: shown here without it */
	const char *e = err.data ? err.data : "";
	*why = cd_strdup(strncmp(e, path, strlen(path)) ? e : e + strlen(path));
	cd_buf_free(&err);
	unlink(path);
	return r;
}

TEST(conf_lines_before_the_command_line)
{
	static const char text[] = "# cordond\r\n\n  data-dir = /var/lib/cordon  \r\nlisten=127.0.0.1:1 # here\n"
				   "no-flows\ndata-dir = /x#y   # the # in a value stays, this one goes\n";
	char *argv[] = { "prog", "--listen", "127.0.0.1:2", NULL };
	struct cd_conf_args a;
	char *why;
	ASSERT_EQ(conf(text, sizeof(text) - 1, 3, argv, &a, &why), 0);
	const char *want[] = { "prog", "--data-dir", "/var/lib/cordon", "--listen", "127.0.0.1:1", "--no-flows",
			       "--data-dir", "/x#y", "--listen", "127.0.0.1:2" };
	ASSERT_EQ(a.argc, 10);
	for (int i = 0; i < 10; i++)
		ASSERT_STR_EQ(a.argv[i], want[i]);
	ASSERT(a.argv[10] == NULL);
	ASSERT(a.where[0] == NULL && a.where[8] == NULL && a.where[9] == NULL);
	ASSERT(strstr(a.where[1], ":3") && strstr(a.where[2], ":3") && strstr(a.where[5], ":5"));
	/* getopt takes it, the command line last */
	const char *listen = NULL;
	int c, flows = 1;
	optind = 1;
	while ((c = getopt_long(a.argc, a.argv, "", opts, NULL)) != -1)
		if (c == 'l')
			listen = optarg;
		else if (c == 'F')
			flows = 0;
	ASSERT_STR_EQ(listen, "127.0.0.1:2");
	ASSERT_EQ(flows, 0);
	cd_conf_args_free(&a);
	free(why);
}

TEST(conf_every_bad_line_located)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "data-dir = /a\nlistn = 1\n", ":2: no such option: 'listn'" },
		{ "no-flows = yes\n", ":1: no-flows is a flag" },
		{ "data-dir\n", ":1: data-dir needs a value" },
		{ "data-dir =   \n", ":1: data-dir needs a value" },
		{ "\n= 5\n", ":2: a value without an option's name" },
		{ "help\n", ":1: an option a file may not hold: 'help'" },
		{ "config = /etc/x\n", ":1: an option a file may not hold: 'config'" },
		{ "data-dir = a\x01" "b\n", ":1: a control character" },
		{ "data-dir = a\rb\n", ":1: a control character" },
		{ "data-dir = a\x7f\n", ":1: a control character" },
		{ "\xef\xbb\xbf" "data-dir = a\n", ":1: a byte order mark" },
	};
	char *argv[] = { "prog", NULL };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cd_conf_args a;
		char *why;
		ASSERT_EQ(conf(bad[i].text, strlen(bad[i].text), 1, argv, &a, &why), -EINVAL);
		ASSERT_CONTAINS(why, bad[i].why);
		cd_conf_args_free(&a);
		free(why);
	}
	/* a NUL, a line past 4 KiB */
	struct cd_conf_args a;
	char *why;
	ASSERT_EQ(conf("listen = a\0b\n", 13, 1, argv, &a, &why), -EINVAL);
	ASSERT_CONTAINS(why, ":1: a NUL byte");
	cd_conf_args_free(&a);
	free(why);
	char *big = malloc(CD_CONF_LINE_MAX + 32);
	memset(big, 'a', CD_CONF_LINE_MAX + 31);
	memcpy(big, "listen = ", 9);
	big[CD_CONF_LINE_MAX + 31] = '\n';
	ASSERT_EQ(conf(big, CD_CONF_LINE_MAX + 32, 1, argv, &a, &why), -EINVAL);
	ASSERT_CONTAINS(why, ":1: a line over 4096 bytes");
	cd_conf_args_free(&a);
	free(why);
	free(big);
	/* a file others may write is refused whole */
	char path[] = "/tmp/cordon-conf.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0 && write(fd, "no-flows\n", 9) == 9);
	close(fd);
	ASSERT_EQ(chmod(path, 0666), 0);
	struct cd_buf perm;
	cd_buf_init(&perm, 256);
	ASSERT_EQ(cd_conf_args(path, opts, refused, 1, argv, &a, &perm), -EPERM);
	ASSERT_CONTAINS(perm.data, "others may write it");
	cd_conf_args_free(&a);
	cd_buf_free(&perm);
	unlink(path);
	/* no file: the command line alone */
	struct cd_buf err;
	cd_buf_init(&err, 256);
	char *args[] = { "prog", "--no-flows", NULL };
	ASSERT_EQ(cd_conf_args("/nonexistent/cordon.conf", opts, refused, 2, args, &a, &err), -ENOENT);
	ASSERT_EQ(a.argc, 2);
	ASSERT_STR_EQ(a.argv[1], "--no-flows");
	cd_conf_args_free(&a);
	cd_buf_free(&err);
	/* --config FILE and --config=FILE found on the command line */
	char *c1[] = { "prog", "--config", "/a", NULL }, *c2[] = { "prog", "--config=/b", NULL };
	ASSERT_STR_EQ(cd_conf_flag(3, c1, "config"), "/a");
	ASSERT_STR_EQ(cd_conf_flag(2, c2, "config"), "/b");
	ASSERT(cd_conf_flag(2, args, "config") == NULL);
}

/* cd_conf_set: the options set replace their lines, the others and the
 * comments stay as they were, a flag is its name alone, NULL takes one
 * out, and what is written reads back as the options set */
TEST(conf_set_keeps_other_lines)
{
	char path[] = "/tmp/cordon-conf.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	const char *before = "# mine\n  listen = 1.2.3.4:5 # old\ndata-dir = /old\nno-flows\n"
			     "# end, no newline after: data-dir = /x";
	ASSERT_EQ(write(fd, before, strlen(before)), (ssize_t)strlen(before));
	close(fd);
	const char *names[] = { "data-dir", "no-flows", "listen", "data-dir" };
	const char *values[] = { "/new", NULL, "127.0.0.1:9", NULL };
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	/* the second data-dir (NULL) adds nothing: its lines were dropped */
	ASSERT_EQ(cd_conf_set(path, names, values, 4, &err), 0);
	char *text = NULL;
	size_t len = 0;
	ASSERT_EQ(cd_read_file(path, 1 << 16, &text, &len), 0);
	ASSERT_STR_EQ(text, "# mine\n# end, no newline after: data-dir = /x\ndata-dir = /new\n"
		      "listen = 127.0.0.1:9\n");
	struct stat sb;
	ASSERT_EQ(stat(path, &sb), 0);
	ASSERT_EQ(sb.st_mode & 022, 0);        /* (0644 less the umask) */
	free(text);
	/* a flag set: its name alone, which the reader takes */
	const char *fn[] = { "no-flows" }, *fv[] = { "" };
	ASSERT_EQ(cd_conf_set(path, fn, fv, 1, &err), 0);
	struct cd_conf_args a;
	char *argv[] = { "prog", NULL };
	ASSERT_EQ(cd_conf_args(path, opts, refused, 1, argv, &a, &err), 0);
	ASSERT_EQ(a.argc, 6);
	ASSERT_STR_EQ(a.argv[1], "--data-dir");
	ASSERT_STR_EQ(a.argv[2], "/new");
	ASSERT_STR_EQ(a.argv[5], "--no-flows");
	cd_conf_args_free(&a);
	/* a value with a line break cannot be kept: refused, the file as it was */
	const char *bn[] = { "listen" }, *bv[] = { "a\nb" };
	ASSERT_EQ(cd_read_file(path, 1 << 16, &text, &len), 0);
	ASSERT_EQ(cd_conf_set(path, bn, bv, 1, &err), -EINVAL);
	ASSERT_CONTAINS(err.data, "cannot be kept on one line");
	const char *bad[] = { " lead", "trail ", "a #b", "bell\a", "del\x7f" };
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++) {
		bv[0] = bad[i];
		ASSERT_EQ(cd_conf_set(path, bn, bv, 1, &err), -EINVAL);
	}
	char *after = NULL;
	ASSERT_EQ(cd_read_file(path, 1 << 16, &after, &len), 0);
	ASSERT_STR_EQ(after, text);
	free(after);
	free(text);
	/* a file that is not there is made */
	unlink(path);
	ASSERT_EQ(cd_conf_set(path, fn, fv, 1, &err), 0);
	ASSERT_EQ(cd_read_file(path, 1 << 16, &text, &len), 0);
	ASSERT_STR_EQ(text, "no-flows\n");
	free(text);
	unlink(path);
	cd_buf_free(&err);
}
