/* cmd_groups.c - `cordon groups`: every group and its members. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "cmd.h"
#include "report.h"

const char help_groups[] =
	"usage: cordon groups --inventory INV --policy POL [--json]\n"
	"\n"
	"Lists every group of the policy with its member workloads, as the\n"
	"selectors, include and exclude lists decide them for the inventory.\n"
	"\n"
	"  -i, --inventory FILE  the inventory document (workloads)\n"
	"  -p, --policy FILE     the policy document (groups, rules)\n"
	"      --json            one JSON object {\"GROUP\": [\"member\", ...], ...};\n"
	"                        members sorted by byte value\n"
	"\n"
	"example:\n"
	"  cordon groups -i examples/vdi/inventory.yaml -p examples/vdi/policy.yaml\n";

int cmd_groups(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 } };
	const char *inv = NULL, *pol = NULL;
	bool json = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': inv = optarg; break;
		case 'p': pol = optarg; break;
		case 'j': json = true; break;
		case ':': return usage_error("groups", "%s needs a value", argv[optind - 1]);
		default: return usage_error("groups", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("groups", "unexpected argument '%s'", argv[optind]);
	struct cd_state st;
	int r = load_state("groups", inv, pol, &st);
	if (r == EXIT_OK) {
		if (json) {
			json_t *o = cd_groups_json(&st);
			json_dumpf(o, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(o);
		} else {
			cd_groups_text(&st, stdout);
		}
	}
	cd_state_free(&st);
	return r;
}
