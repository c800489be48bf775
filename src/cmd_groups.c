/* cmd_groups.c - `cordon groups`: every group and its members. */
#include <jansson.h>
#include <stdio.h>

#include "cmd.h"
#include "policy/report.h"

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
	struct offline_opts o;
	int r = parse_offline_opts("groups", argc, argv, OPT_JSON, &o);
	if (r != EXIT_OK)
		return r;
	if (!o.inv && !o.pol)
		return online_groups(o.json);
	struct cd_state st;
	r = load_state("groups", o.inv, o.pol, &st);
	if (r == EXIT_OK) {
		if (o.json) {
			json_t *j = cd_groups_json(&st);
			json_dumpf(j, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(j);
		} else {
			cd_groups_text(&st, stdout);
		}
	}
	cd_state_free(&st);
	return r;
}
