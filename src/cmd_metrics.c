/* cmd_metrics.c - `cordon metrics`: the metrics store, offline (import,
 * du) and through the manager (objects, query; see cmd_top.c for top). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "base/diag.h"
#include "base/util.h"
#include "metrics/import.h"
#include "metrics/mstore.h"

const char help_metrics[] =
	"usage: cordon metrics import --data-dir DIR FILE\n"
	"       cordon metrics du --data-dir DIR\n"
	"\n"
	"'metrics import' loads an OpenMetrics text file with timestamps into the\n"
	"metrics store of the manager's data directory DIR, offline (cordond not\n"
	"running there), losslessly: any metric names, '# TYPE' counter or gauge,\n"
	"objects from the labels vm, datastore or host, every label kept.  Every\n"
	"error is printed as FILE:LINE:COLUMN, and then nothing is imported.\n"
	"FILE '-' is the standard input.\n"
	"\n"
	"'metrics du' prints one line: 'SAMPLES samples, BYTES bytes', the raw\n"
	"samples the store holds and the bytes its files take.\n"
	"\n"
	"example:\n"
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
	if (open_store(dir, true, &st)) {
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
	struct cd_mstore *st;
	if (open_store(dir, false, &st))
		return EXIT_FAIL;
	struct cd_mstore_stats s;
	r = cd_mstore_stats(st, &s);
	cd_mstore_close(st);
	if (r) {
		fprintf(stderr, "cordon metrics: the store cannot be read\n");
		return EXIT_FAIL;
	}
	printf("%llu samples, %llu bytes\n", (unsigned long long)s.samples,
	       (unsigned long long)s.bytes);
	return EXIT_OK;
}

int cmd_metrics(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "import"))
		return metrics_import(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "du"))
		return metrics_du(argc - 1, argv + 1);
	return usage_error("metrics", "expected import or du");
}
