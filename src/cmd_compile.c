/* cmd_compile.c - `cordon compile` and `cordon apply`: a host's ruleset,
 * printed or loaded. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "nft.h"
#include "render.h"

const char help_compile[] =
	"usage: cordon compile --inventory INV --policy POL --host HOST\n"
	"\n"
	"Prints the nftables ruleset (nft syntax) that enforces the policy for the\n"
	"vNICs of the workloads on HOST: one table, inet cordon, with a set per\n"
	"group and address family, a chain per vNIC and direction, verdict maps\n"
	"keyed by interface name, and a named counter per rule.  Rules that can\n"
	"never apply at a vNIC are left out of its chains.\n"
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
	"in the ruleset is touched.  Needs CAP_NET_ADMIN.\n"
	"\n"
	"  --dry-run   have the kernel check the ruleset, without committing it\n"
	"\n"
	"example:\n"
	"  ip netns exec hv1 cordon apply -i inv.yaml -p pol.yaml --host hv1\n";

static int compile_or_apply(int argc, char **argv, bool apply)
{
	const char *name = apply ? "apply" : "compile";
	static const struct option opts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "policy", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ 0 } };
	const char *inv = NULL, *pol = NULL, *host = NULL;
	bool dry = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': inv = optarg; break;
		case 'p': pol = optarg; break;
		case 'H': host = optarg; break;
		case 'n':
			if (!apply)
				return usage_error(name, "unknown option --dry-run");
			dry = true;
			break;
		case ':': return usage_error(name, "%s needs a value", argv[optind - 1]);
		default: return usage_error(name, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(name, "unexpected argument '%s'", argv[optind]);
	if (!host)
		return usage_error(name, "--host is required");
	struct cd_state st;
	int r = load_state(name, inv, pol, &st);
	if (r != EXIT_OK) {
		cd_state_free(&st);
		return r;
	}
	struct cd_host_prog hp;
	struct cd_buf out;
	cd_compile_host(&st, host, &hp);
	cd_buf_init(&out, CD_RENDER_MAX);
	if (cd_render_host(&st, &hp, &out) < 0) {
		fprintf(stderr, "cordon %s: the ruleset is larger than %u MiB\n", name,
			CD_RENDER_MAX >> 20);
		r = EXIT_FAIL;
	} else if (!apply) {
		fwrite(out.data, 1, out.len, stdout);
	} else {
		struct cd_buf err;
		cd_buf_init(&err, 1 << 20);
		int e = cd_nft_replace(out.data, dry, &err);
		if (e < 0) {
			fprintf(stderr, "cordon apply: the kernel refused the ruleset%s; nothing was changed\n%s",
				e == -EPERM ? " (CAP_NET_ADMIN is needed)" : "",
				err.data ? err.data : "");
			r = EXIT_FAIL;
		} else if (hp.n == 0) {
			fprintf(stderr, "cordon apply: host \"%s\" has no vNICs in the inventory; the table is empty\n",
				host);
		}
		cd_buf_free(&err);
	}
	cd_buf_free(&out);
	cd_host_prog_free(&hp);
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
