/* cmd_explain.c - `cordon explain`: the fate of one flow, and why. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "policy/report.h"

const char help_explain[] =
	"usage: cordon explain --inventory INV --policy POL --from SRC --to DST\n"
	"                      [--proto tcp|udp|icmp] [--port N] [--json]\n"
	"\n"
	"Says whether a flow passes, checked as the hosts' kernels check it: at\n"
	"the egress of the source vNIC and at the ingress of the destination vNIC\n"
	"(each only when that endpoint is a managed workload), first matching\n"
	"rule in category order, else default_action.\n"
	"\n"
	"  --from SRC, --to DST  a workload name (its first vNIC's first address of\n"
	"                        the other side's family, IPv4 preferred) or an\n"
	"                        address\n"
	"  --proto P             tcp (default), udp or icmp (echo)\n"
	"  --port N              destination port; required for tcp and udp\n"
	"  --json                {\"verdict\": ..., \"egress\": {\"verdict\": ...,\n"
	"                        \"rule\": ID|null}|null, \"ingress\": ...}\n"
	"\n"
	"example:\n"
	"  cordon explain -i examples/vdi/inventory.yaml -p examples/vdi/policy.yaml \\\n"
	"      --from vdi-001 --to broker-01 --port 443\n";

int cmd_explain(int argc, char **argv)
{
	struct offline_opts o;
	int r = parse_offline_opts("explain", argc, argv, OPT_JSON | OPT_FLOW, &o);
	if (r != EXIT_OK)
		return r;
	if (!o.inv && !o.pol)
		return online_explain(o.from, o.to, o.proto, o.port, o.json);
	struct cd_state st;
	r = load_state("explain", o.inv, o.pol, &st);
	struct cd_flow f;
	char why[256];
	const char *field;
	if (r == EXIT_OK && cd_flow_parse(&st, o.from, o.to, o.proto, o.port, "--", &f, &field,
					  why, sizeof(why)) < 0)
		r = usage_error("explain", "%s", why);
	if (r == EXIT_OK) {
		struct cd_verdict v;
		cd_explain(&st, &f, &v);
		if (o.json) {
			json_t *j = cd_verdict_json(&v);
			json_dumpf(j, stdout, JSON_PRESERVE_ORDER);
			fputc('\n', stdout);
			json_decref(j);
		} else {
			cd_verdict_text(&st, &f, &v, stdout);
		}
	}
	cd_state_free(&st);
	return r;
}
