/* cmd_explain.c - `cordon explain`: the fate of one flow, and why. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "report.h"

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

/* An endpoint as given: a workload (wl >= 0) or an address. */
struct endpoint {
	long wl;
	struct cd_addr addr;
};

static int parse_endpoint(const struct cd_state *st, const char *opt,
			  const char *s, struct endpoint *e)
{
	const char *why;
	e->wl = cd_inventory_find(&st->inv, s);
	if (e->wl >= 0)
		return 0;
	if (cd_addr_parse(s, false, &e->addr, &why) == 0)
		return 0;
	return usage_error("explain", "%s '%s' is neither a workload of the inventory nor an address",
			   opt, s);
}

/* The first address of family fam of workload wl, or NULL. */
static const struct cd_addr *first_addr(const struct cd_state *st, long wl,
					int fam)
{
	const struct cd_workload *w = &st->inv.w[wl];
	for (size_t v = 0; v < w->nvnics; v++)
		for (size_t a = 0; a < w->vnics[v].nips; a++)
			if (w->vnics[v].ips[a].family == fam)
				return &w->vnics[v].ips[a];
	return NULL;
}

static int resolve_pair(const struct cd_state *st, const struct endpoint *s,
			const struct endpoint *d, const char *sn, const char *dn,
			struct cd_flow *f)
{
	int fams[2] = { 4, 6 };
	if (s->wl < 0 && d->wl < 0) {
		if (s->addr.family != d->addr.family)
			return usage_error("explain", "--from and --to are of different address families");
		f->src = s->addr;
		f->dst = d->addr;
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		int fam = fams[i];
		if (s->wl < 0 && s->addr.family != fam)
			continue;
		if (d->wl < 0 && d->addr.family != fam)
			continue;
		const struct cd_addr *a = s->wl >= 0 ? first_addr(st, s->wl, fam) : &s->addr;
		const struct cd_addr *b = d->wl >= 0 ? first_addr(st, d->wl, fam) : &d->addr;
		if (a && b) {
			f->src = *a;
			f->dst = *b;
			return 0;
		}
	}
	return usage_error("explain", "%s and %s have no addresses of one family in common",
			   sn, dn);
}

int cmd_explain(int argc, char **argv)
{
	struct offline_opts o;
	int r = parse_offline_opts("explain", argc, argv, OPT_JSON | OPT_FLOW, &o);
	if (r != EXIT_OK)
		return r;
	const char *proto = o.proto, *port = o.port;
	struct cd_flow f = { 0 };
	if (!strcasecmp(proto, "tcp"))
		f.proto = CD_PROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		f.proto = CD_PROTO_UDP;
	else if (!strcasecmp(proto, "icmp"))
		f.proto = CD_PROTO_ICMP;
	else
		return usage_error("explain", "--proto must be tcp, udp or icmp, not '%s'", proto);
	if (f.proto == CD_PROTO_ICMP && port)
		return usage_error("explain", "--port does not apply to icmp");
	if (f.proto != CD_PROTO_ICMP) {
		if (!port)
			return usage_error("explain", "--port is required for %s", proto);
		char *end;
		long v = strtol(port, &end, 10);
		if (*end || end == port || v < 1 || v > 65535)
			return usage_error("explain", "--port must be a number from 1 to 65535, not '%s'", port);
		f.port = (uint16_t)v;
	}

	struct cd_state st;
	r = load_state("explain", o.inv, o.pol, &st);
	struct endpoint s, d;
	if (r == EXIT_OK && (r = parse_endpoint(&st, "--from", o.from, &s)) == 0 &&
	    (r = parse_endpoint(&st, "--to", o.to, &d)) == 0 &&
	    (r = resolve_pair(&st, &s, &d, o.from, o.to, &f)) == 0) {
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
