/* fuzz_omtext.c - libFuzzer harness for OpenMetrics text: every line
 * through the parser (a located error or a line, never a read past it),
 * the whole input through `cordon metrics import` into a store opened
 * once; and the writer's doubles read back by the parser bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "metrics/import.h"
#include "metrics/omtext.h"

static struct cd_mstore *st;
static char dir[] = "/tmp/cordon-fuzz-om-XXXXXX";

static void remove_dir(void)
{
	cd_mstore_close(st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!st) {
		struct cd_mstore_opts o = { .max_series = 10000 };
		char err[256];
		if (!mkdtemp(dir) || cd_mstore_open(dir, &o, &st, err, sizeof(err)))
			abort();
		atexit(remove_dir);
	}
	/* each line, in a buffer of its own size: a read past it is caught */
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(len ? len : 1);
		memcpy(line, p, len);
		struct cd_om_line l;
		size_t col;
		const char *msg;
		if (cd_om_parse(line, len, &l, &col, &msg) < 0 && (col < 1 || col > len + 1 || !msg))
			abort();
		if (l.what == CD_OM_SAMPLE && l.nlabels > CD_OM_MAX_LABELS)
			abort();
		free(line);
		p += len + 1;
	}
	/* the whole input as a file to import */
	FILE *f = fmemopen((void *)data, size ? size : 1, "r");
	if (f && size) {
		struct cd_diags d;
		cd_diags_init(&d);
		struct cd_import_stats s;
		if (cd_metrics_import(st, f, "fuzz", &d, &s) == 0 && cd_nerrors(&d))
			abort();
		cd_diags_free(&d);
	}
	if (f)
		fclose(f);
	/* a double written, then read back */
	if (size >= 8) {
		double v;
		memcpy(&v, data, 8);
		struct cd_buf b;
		cd_buf_init(&b, 256);
		cd_buf_puts(&b, "x ");
		cd_om_double(&b, v);
		struct cd_om_line l;
		size_t col;
		const char *msg;
		if (cd_om_parse(b.data, b.len, &l, &col, &msg) || l.what != CD_OM_SAMPLE ||
		    (isnan(v) ? !isnan(l.v) : memcmp(&l.v, &v, 8) && !(v == 0 && l.v == 0)))
			abort();
		cd_buf_free(&b);
	}
	return 0;
}
