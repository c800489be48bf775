/* test_explainer.c - the explainer (a run of explains that compiles each
 * vNIC's program once, from the rules its index says can hold it) gives
 * what explain gives, rule for rule at each end, in a world of random
 * policies: groups, tags, workloads and ipsets at either end, address
 * literals, applied_to, directions, staged rules, several vNICs and
 * addresses a workload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "policy/eval.h"
#include "test.h"

static unsigned seed;
static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

#define NW 16
#define NG 6

static void ref(struct cd_buf *b)
{
	switch (rnd(7)) {
	case 0: cd_buf_puts(b, "any"); break;
	case 1: cd_buf_printf(b, "workload:w%u", rnd(NW)); break;
	case 2: cd_buf_printf(b, "ipset:s%u", rnd(2)); break;
	case 3: cd_buf_printf(b, "10.0.%u.1", rnd(NW)); break;
	default: cd_buf_printf(b, "group:g%u", rnd(NG)); break;
	}
}

static char *world_policy(void)
{
	static const char *const act[] = { "allow", "drop", "reject" };
	static const char *const dir[] = { "in", "out", "in_out" };
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	cd_buf_printf(&b, "default_action: %s\nipsets:\n", rnd(2) ? "allow" : "drop");
	cd_buf_puts(&b, "  - {name: s0, addresses: [10.0.1.0/24, 10.0.2.1]}\n"
		    "  - {name: s1, addresses: ['fd00::/64', 10.0.9.0/24]}\ngroups:\n");
	for (unsigned g = 0; g < NG; g++)
		cd_buf_printf(&b, "  - {name: g%u, match: 'tag == \"t%u\"'}\n", g, g);
	cd_buf_puts(&b, "rules:\n");
	for (unsigned r = 1; r <= 40; r++) {
		cd_buf_printf(&b, "  - {id: %u, action: %s, direction: %s, service: [%s]", r, act[rnd(3)],
			      dir[rnd(3)], rnd(3) ? "tcp/80" : "any");
		cd_buf_puts(&b, ", source: [");
		ref(&b);
		cd_buf_puts(&b, "], destination: [");
		ref(&b);
		cd_buf_puts(&b, "]");
		if (rnd(3) == 0)
			cd_buf_printf(&b, ", applied_to: [group:g%u]", rnd(NG));
		if (rnd(5) == 0)
			cd_buf_puts(&b, ", mode: staged");
		cd_buf_puts(&b, "}\n");
	}
	return b.data;
}

static char *world_inventory(void)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	cd_buf_puts(&b, "workloads:\n");
	for (unsigned w = 0; w < NW; w++) {
		cd_buf_printf(&b, "  - {name: w%u, host: hv1, tags: [t%u, t%u], vnics: [{ifname: v%ua, ips: [10.0.%u.1",
			      w, rnd(NG), rnd(NG), w, w);
		if (rnd(2))
			cd_buf_printf(&b, ", 'fd00::%x'", w + 1);
		cd_buf_puts(&b, "]}");
		if (rnd(3) == 0)
			cd_buf_printf(&b, ", {ifname: v%ub, ips: [10.0.%u.2]}", w, w);
		cd_buf_puts(&b, "]}\n");
	}
	return b.data;
}

static bool same_stage(const struct cd_stage_result *a, const struct cd_stage_result *b)
{
	return a->checked == b->checked && (!a->checked || (a->verdict == b->verdict && a->rule == b->rule &&
							    a->staged == b->staged));
}

TEST(explainer_gives_what_explain_gives)
{
	static const char *const addrs[] = { "10.0.%u.1", "10.0.%u.2", "fd00::%x" };
	size_t flows = 0;
	unsigned runs = (unsigned)test_volume(30);
	for (unsigned run = 1; run <= runs; run++) {
		seed = run;
		char *pol = world_policy(), *inv = world_inventory();
		struct cd_state st;
		must_load(&st, inv, pol);
		struct cd_explainer *x = cd_explainer_new(&st);
		for (unsigned a = 0; a < NW; a++)
			for (unsigned b = 0; b < NW; b++)
				for (unsigned k = 0; k < 3; k++) {
					char s[64], d[64];
					const char *why;
					struct cd_flow f = { .proto = k == 2 ? CD_PROTO_UDP : CD_PROTO_TCP,
							     .port = k ? 80 : 22 };
					snprintf(s, sizeof(s), addrs[k], k == 2 ? a + 1 : a);
					snprintf(d, sizeof(d), addrs[k], k == 2 ? b + 1 : b);
					if (cd_addr_parse(s, false, &f.src, &why) < 0 ||
					    cd_addr_parse(d, false, &f.dst, &why) < 0)
						continue;
					struct cd_verdict want, got;
					cd_explain(&st, &f, &want);
					cd_explainer_run(x, &f, &got);
					flows++;
					if (want.verdict != got.verdict || want.staged_verdict != got.staged_verdict ||
					    !same_stage(&want.stage[0], &got.stage[0]) ||
					    !same_stage(&want.stage[1], &got.stage[1]))
						test_fail(__FILE__, __LINE__, "world %u: %s -> %s port %u: explain %d, "
							  "the explainer %d\n%s", run, s, d, f.port, want.verdict,
							  got.verdict, pol);
				}
		cd_explainer_free(x);
		cd_state_free(&st);
		free(pol);
		free(inv);
	}
	ASSERT_EQ(flows, runs * NW * NW * 3);
}
