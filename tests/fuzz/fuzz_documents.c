/* fuzz_documents.c - libFuzzer harness for the document parsers and every
 * stage after them.  The input is used as a policy (with a fixed
 * inventory) and as an inventory (with a fixed policy); whatever parses is
 * compiled, rendered and explained. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"
#include "policy/host.h"
#include "dataplane/nlrule.h"

static const char inv[] =
	"workloads:\n"
	"  - {name: a, host: h, tags: [x, y=1], vnics: [{ifname: t0, ips: [10.0.0.1, 'fd00::1']}]}\n"
	"  - {name: b, host: h, tags: [z], vnics: [{ifname: t1, ips: [10.0.0.2]}]}\n"
	"  - {name: c, host: g, vnics: [{ifname: t0, ips: [10.0.1.1]}]}\n";
static const char pol[] =
	"groups:\n  - {name: gx, match: 'tag == \"x\"'}\n  - {name: all, match: 'name =~ \"*\"'}\n"
	"rules:\n  - {id: 1, source: [group:gx], destination: [group:all], service: [tcp/1-9], action: reject}\n";

static void exercise(const char *i, size_t il, const char *p, size_t pl)
{
	struct cd_diags d;
	struct cd_state st;
	cd_diags_init(&d);
	if (cd_state_parse(&st, "inv", i, il, "pol", p, pl, &d) == 0) {
		struct cd_host h;
		struct cd_buf b;
		cd_buf_init(&b, CD_RENDER_MAX);
		if (cd_host_build(&h, &st, "h", NULL) == 0)
			cd_host_render(&h, &st, &b);
		/* every rule line the renderer writes can be built without nft */
		for (size_t k = 0; k < h.n; k++) {
			for (int s = 0; s < 2; s++) {
				for (const char *l = h.v[k].text[s]; *l;) {
					const char *nl = strchr(l, '\n');
					char *line = strndup(l, (size_t)(nl - l));
					struct nftnl_rule *r = nftnl_rule_alloc();
					if (cd_nl_rule(r, line) != 0)
						abort();
					nftnl_rule_free(r);
					free(line);
					l = nl + 1;
				}
			}
		}
		for (size_t s = 0; s < st.inv.n && s < 4; s++) {
			for (size_t t = 0; t < st.inv.n && t < 4; t++) {
				const struct cd_workload *x = &st.inv.w[s], *y = &st.inv.w[t];
				if (!x->nvnics || !y->nvnics || !x->vnics[0].nips || !y->vnics[0].nips)
					continue;
				struct cd_flow f = { x->vnics[0].ips[0], y->vnics[0].ips[0], CD_PROTO_TCP, 5 };
				if (f.src.family != f.dst.family)
					continue;
				struct cd_verdict v;
				cd_explain(&st, &f, &v);
			}
		}
		if (st.inv.n) {
			struct cd_delta dl = { 0 };
			const char *tags[] = { "x", "z" };
			struct cd_update u;
			cd_update_init(&u);
			cd_members_set_tags(&st.mem, 0, tags, 2, &dl);
			cd_host_retag(&h, &st, 0, &dl, &u);
			cd_buf_reset(&b);
			cd_update_script(&u, &b);
			cd_update_free(&u);
			cd_delta_free(&dl);
		}
		cd_buf_free(&b);
		cd_host_free(&h);
	}
	cd_state_free(&st);
	cd_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	exercise(inv, strlen(inv), buf, size);
	exercise(buf, size, pol, strlen(pol));
	free(buf);
	return 0;
}
