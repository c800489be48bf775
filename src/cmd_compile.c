/* cmd_compile.c - `cordon compile` and `cordon apply`: a host's ruleset,
 * printed or loaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dataplane/nft.h"
#include "dataplane/ct.h"
#include "policy/host.h"
#include "dataplane/nltable.h"
#include "dataplane/attach.h"

const char help_compile[] =
	"usage: cordon compile --inventory INV --policy POL --host HOST\n"
	"\n"
	"Prints the nftables ruleset (nft syntax) that enforces the policy for the\n"
	"vNICs of the workloads on HOST: one table, inet cordon, with a set per\n"
	"group and address family, a chain per vNIC and direction, verdict maps\n"
	"keyed by interface name, and a named counter per rule.  Rules that can\n"
	"never apply at a vNIC are left out of its chains.\n"
	"\n"
	"  --unknown-vnics drop|accept   traffic of devices that look like vNICs\n"
	"                        but are not in the inventory (default: drop)\n"
	"  --vnic-glob GLOB      what looks like a vNIC (repeatable; default:\n"
	"                        tap* and vnet*)\n"
	"\n"
	"example:\n"
	"  cordon compile -i examples/vdi/inventory.yaml -p examples/vdi/policy.yaml \\\n"
	"      --host hv1 > hv1.nft\n";

const char help_apply[] =
	"usage: cordon apply --inventory INV --policy POL --host HOST [--dry-run]\n"
	"\n"
	"Compiles the ruleset for HOST (see 'cordon compile --help') and loads it\n"
	"into the current network namespace in one transaction: table inet cordon\n"
	"is replaced whole, or, if anything fails, left as it was.  Nothing else\n"
	"in the ruleset is touched.  Then the conntrack entries of established\n"
	"connections that the new policy forbids at this host are deleted, so\n"
	"they are cut too; the others go on.  Needs CAP_NET_ADMIN.\n"
	"\n"
	"  --dry-run   have the kernel check the ruleset, without committing it\n"
	"  --unknown-vnics, --vnic-glob   as for compile\n"
	"\n"
	"example:\n"
	"  ip netns exec hv1 cordon apply -i inv.yaml -p pol.yaml --host hv1\n";

/* Before an apply: bridges that hold a vNIC made to pass their traffic
 * through netfilter; each vNIC cordon cannot filter said so. */
static void print_log(struct cd_buf *log)
{
	for (char *c = log->data, *nl; c && (nl = strchr(c, '\n')); c = nl + 1)
		fprintf(stderr, "cordon apply: %.*s\n", (int)(nl - c), c);
	cd_buf_reset(log);
}

/* Before the table: the vNICs' attachments (returned, for route_ports),
 * their bridges prepared, those cordon cannot filter said. */
static struct cd_port *prepare_ports(const struct cd_host *h)
{
	struct cd_port *p;
	struct cd_buf log, err;
	cd_buf_init(&log, 1 << 16);
	cd_buf_init(&err, 4096);
	if (cd_attach_prepare(h, &p, &log, &err) < 0)
		fprintf(stderr, "cordon apply: cannot read the vNICs' attachments: %s\n", err.data);
	print_log(&log);
	for (size_t k = 0; k < h->n; k++)
		if (p[k].kind == CD_PORT_UNFILTERED)
			fprintf(stderr, "cordon apply: warning: vNIC %s is NOT enforced: %s\n",
				h->v[k].ifname, p[k].reason);
	cd_buf_free(&log);
	cd_buf_free(&err);
	return p;
}

/* After the table: the routed vNICs' plumbing.  Takes p over. */
static void route_ports(const struct cd_host *h, const struct cd_state *st, struct cd_port *p)
{
	struct cd_buf log;
	cd_buf_init(&log, 1 << 16);
	cd_attach_route(h, st, p, &log);
	print_log(&log);
	cd_buf_free(&log);
	free(p);
}

static int compile_or_apply(int argc, char **argv, bool apply)
{
	const char *name = apply ? "apply" : "compile";
	struct offline_opts o;
	int r = parse_offline_opts(name, argc, argv,
				   OPT_HOST | OPT_VNICS | (apply ? OPT_DRYRUN : 0), &o);
	if (r != EXIT_OK)
		return r;
	const char *host = o.host;
	struct cd_state st;
	r = load_state(name, o.inv, o.pol, &st);
	if (r != EXIT_OK) {
		cd_state_free(&st);
		return r;
	}
	struct cd_host h;
	struct cd_host_opts ho = { .unknown_accept = o.unknown_accept,
				   .globs = o.nglobs ? o.globs : NULL, .nglobs = o.nglobs };
	struct cd_buf out;
	cd_buf_init(&out, CD_RENDER_MAX);
	/* apply sends the table straight to the kernel; the text is for
	 * compile, dry runs (nft checks it) and the fallback through nft */
	bool text = !apply || o.dry_run;
	if (cd_host_build(&h, &st, host, &ho) < 0 || (text && cd_host_render(&h, &st, &out) < 0)) {
		fprintf(stderr, "cordon %s: the ruleset is larger than %u MiB\n", name,
			CD_RENDER_MAX >> 20);
		r = EXIT_FAIL;
	} else if (!apply) {
		fwrite(out.data, 1, out.len, stdout);
	} else {
		struct cd_buf err;
		cd_buf_init(&err, 1 << 20);
		struct cd_port *ports = o.dry_run ? NULL : prepare_ports(&h);
		int e = o.dry_run ? cd_nft_replace(out.data, true, &err)
				  : cd_nft_replace_host(&h, &st, &err);
		if (e == -ENOTSUP) {   /* a rule the direct builder does not know */
			cd_buf_reset(&err);
			e = cd_host_render(&h, &st, &out);
			if (e == 0)
				e = cd_nft_replace(out.data, false, &err);
		}
		if (e < 0) {
			fprintf(stderr, "cordon apply: the kernel refused the ruleset%s; nothing was changed\n%s",
				e == -EPERM ? " (CAP_NET_ADMIN is needed)" : "",
				err.data ? err.data : "");
			r = EXIT_FAIL;
		} else if (!o.dry_run) {
			size_t cut = 0;
			e = cd_ct_cut(&st, &h, NULL, 0, &cut);
			if (e < 0) {
				fprintf(stderr, "cordon apply: the ruleset is in place, but reading conntrack failed: %s;"
					" established connections the policy now forbids may go on\n", strerror(-e));
				r = EXIT_FAIL;
			} else if (cut) {
				fprintf(stderr, "cordon apply: cut %zu established connection%s the policy now forbids\n",
					cut, cut == 1 ? "" : "s");
			}
			route_ports(&h, &st, ports);
			ports = NULL;
		}
		free(ports);
		if (h.n == 0)
			fprintf(stderr, "cordon apply: host \"%s\" has no vNICs in the inventory; the table is empty\n",
				host);
		cd_buf_free(&err);
	}
	cd_buf_free(&out);
	cd_host_free(&h);
	cd_state_free(&st);
	return r;
}

int cmd_compile(int argc, char **argv)
{
	return compile_or_apply(argc, argv, false);
}

int cmd_apply(int argc, char **argv)
{
	return compile_or_apply(argc, argv, true);
}
