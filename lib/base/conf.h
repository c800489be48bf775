/* conf.h - a configuration file of a program's command-line options
 * (/etc/cordon/cordond.conf, /etc/cordon/agent.conf).
 *
 *   # a comment, and blank lines
 *   data-dir = /var/lib/cordon      an option that takes a value: the
 *                                   rest of the line, spaces trimmed
 *   no-flows                        a flag
 *
 * The names are the long options' (getopt_long's table), without "--".
 * Each line becomes `--name value` in an argument vector placed before
 * the command line's, so the command line overrides the file for an
 * option given once (a repeatable one takes both, the file's first).
 * Checked whole before anything is used: an unknown name, a flag given a
 * value, an option without one, a control character, a byte order mark,
 * a line over 4 KiB, a file over 1 MiB: "FILE:LINE: ..." (one error, the
 * first).  A file others may write, or owned by another user than root
 * or the program's, is refused whole (it decides what the program
 * trusts).  A # starts a comment at a line's start or after a space.
 * Options
 * the caller says a file may not hold (its own --config, --help) are
 * refused so too.  Why not libyaml or an INI library: the file is the
 * command line's options one a line, and its errors must say the line
 * that getopt would take; a key = value reader is forty lines. */
#ifndef CD_CONF_H
#define CD_CONF_H

#include <getopt.h>

#include "base/util.h"

#define CD_CONF_MAX (1u << 20)
#define CD_CONF_LINE_MAX 4096

struct cd_conf_args {
	int argc;
	char **argv;           /* argv[0], the file's options, then the command line's */
	char **where;          /* per argv index: "FILE:LINE" of a file's, else NULL */
	size_t cap;
};

/* The file at path (options as in opts; those named in refused not
 * allowed in a file) before argv[1..argc).  0; -ENOENT when there is no
 * such file (out still made: the command line alone); else -errno or
 * -EINVAL with err said. */
int cd_conf_args(const char *path, const struct option *opts, const char *const *refused,
		 int argc, char **argv, struct cd_conf_args *out, struct cd_buf *err);
void cd_conf_args_free(struct cd_conf_args *a);
/* A program's file: --config FILE in argv (*given; it must exist), else
 * dflt when it exists (*read: the file read, NULL: none), before argv
 * (cd_conf_args).  0, or what cd_conf_args returns with err said. */
int cd_conf_load(const char *dflt, const struct option *opts, const char *const *refused, int argc,
		 char **argv, struct cd_conf_args *out, const char **given, const char **read,
		 struct cd_buf *err);
/* The value of --name or --name=VALUE in argv (the command line's), or
 * NULL. */
const char *cd_conf_flag(int argc, char **argv, const char *name);
/* Set names[i] = values[i] in the file at path (made when absent): their
 * lines there are dropped and one line each added at the end (none for
 * a NULL value: the option is taken out; the name alone for "": a
 * flag); every
 * other line, comments included, is kept as it was.  Replaced whole
 * (cd_write_file, 0644): a reader sees the old file or the new. */
int cd_conf_set(const char *path, const char *const *names, const char *const *values, size_t n,
		struct cd_buf *err);

#endif
