/* cmd_counters.c - `cordon counters`: per-rule hits of the loaded table. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "dataplane/counters.h"

const char help_counters[] =
	"usage: cordon counters [--json]\n"
	"\n"
	"Prints the hit counters of table inet cordon in the current network\n"
	"namespace: packets and bytes per policy rule (all the vNICs of the host\n"
	"together), then the default drops (default_out, default_in) and the\n"
	"traffic of unknown vNICs (unknown_vnic).  Counters start at zero when\n"
	"a ruleset is applied.  Needs CAP_NET_ADMIN.\n"
	"\n"
	"  --json   [{\"rule\": ID|null, \"name\": ..., \"packets\": N, \"bytes\": N,\n"
	"            \"comment\": ...}, ...]\n"
	"\n"
	"example:\n"
	"  ip netns exec hv1 cordon counters\n";

int cmd_counters(int argc, char **argv)
{
	struct offline_opts o;
	int r = parse_offline_opts("counters", argc, argv, OPT_JSON | OPT_NODOCS, &o);
	if (r != EXIT_OK)
		return r;
	struct cd_counter *v;
	size_t n;
	struct cd_buf err;
	cd_buf_init(&err, 1 << 20);
	int e = cd_counters_read(&v, &n, &err);
	if (e == -ENOENT) {
		fprintf(stderr, "cordon counters: no table inet cordon in this network namespace (apply a policy first)\n");
		cd_buf_free(&err);
		return EXIT_FAIL;
	}
	if (e < 0) {
		fprintf(stderr, "cordon counters: cannot read the table: %s%s",
			e == -EPERM ? "CAP_NET_ADMIN is needed\n" : "",
			err.data ? err.data : strerror(-e));
		cd_buf_free(&err);
		return EXIT_FAIL;
	}
	if (o.json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:o, s:s, s:I, s:I, s:o}",
				"rule", v[i].rule >= 0 ? json_integer(v[i].rule) : json_null(),
				"name", v[i].name, "packets", (json_int_t)v[i].packets,
				"bytes", (json_int_t)v[i].bytes,
				"comment", v[i].comment ? json_string(v[i].comment) : json_null()));
		json_dumpf(a, stdout, JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(a);
	} else {
		printf("%-14s %12s %14s  %s\n", "RULE", "PACKETS", "BYTES", "");
		for (size_t i = 0; i < n; i++)
			printf("%-14s %12" PRIu64 " %14" PRIu64 "  %s\n",
			       v[i].rule >= 0 ? v[i].name + 1 : v[i].name, v[i].packets,
			       v[i].bytes, v[i].comment ? v[i].comment : "");
	}
	cd_counters_free(v, n);
	cd_buf_free(&err);
	return EXIT_OK;
}
