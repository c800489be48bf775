/* fuzz_conf.c - a configuration file of command-line options (base/conf.h)
 * as an operator or a damaged disk may leave it.  Input: the file's bytes.
 * Properties: no crash, leak or read out of bounds; taken whole or not at
 * all; when taken, every argument from the file is an option of the table
 * (a flag alone, an option with a value after it) with its place, and the
 * command line's come last, in order. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "fuzzdir.h"

static const struct option opts[] = {
	{ "data-dir", required_argument, NULL, 'd' }, { "listen", required_argument, NULL, 'l' },
	{ "no-flows", no_argument, NULL, 'F' }, { "help", no_argument, NULL, 'h' }, { 0 },
};
static const char *const refused[] = { "help", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int made;
	const char *dir = fuzz_dir("fuzzconf", &made);
	char path[128];
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	if (cd_write_file(path, (const char *)data, size, 0600) < 0)
		abort();
	char *argv[] = { "prog", "--listen", "x", NULL };
	struct cd_conf_args a;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = cd_conf_args(path, opts, refused, 3, argv, &a, &err);
	if (r == 0) {
		if (a.argc < 3 || strcmp(a.argv[a.argc - 2], "--listen") || strcmp(a.argv[a.argc - 1], "x") ||
		    a.argv[a.argc] || a.where[a.argc - 1])
			abort();
		for (int i = 1; i < a.argc - 2; i++) {
			if (!a.where[i] || strncmp(a.argv[i], "--", 2))
				abort();
			const struct option *o = opts;
			while (o->name && strcmp(o->name, a.argv[i] + 2))
				o++;
			if (!o->name || !strcmp(o->name, "help"))
				abort();
			if (o->has_arg == required_argument && (++i >= a.argc - 2 || !*a.argv[i]))
				abort();
		}
	} else if (r != -EINVAL || !err.len) {
		abort();
	}
	cd_conf_args_free(&a);
	cd_buf_free(&err);
	unlink(path);
	return 0;
}
