/* test_member.c - membership, nesting, and incremental tag changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "policy/eval.h"
#include "policy/member.h"
#include "test.h"

TEST(member_include_exclude_nested)
{
	struct cd_state st;
	must_load(&st,
		  "workloads:\n"
		  "  - {name: a, host: h, tags: [x]}\n"
		  "  - {name: b, host: h, tags: [x, y]}\n"
		  "  - {name: c, host: h}\n",
		  "groups:\n"
		  "  - {name: gx, match: 'tag == \"x\"', exclude: [b], include: [c]}\n"
		  "  - {name: only, include: [a, b], exclude: [a]}\n"
		  "  - {name: outer, match: 'group == \"gx\" or group == \"only\"'}\n"
		  "  - {name: globbed, match: 'group =~ \"o*\"'}\n");
	ASSERT(cd_member(&st.mem, 0, 0));
	ASSERT(!cd_member(&st.mem, 0, 1));   /* exclude wins */
	ASSERT(cd_member(&st.mem, 0, 2));    /* include */
	ASSERT(!cd_member(&st.mem, 1, 0));
	ASSERT(cd_member(&st.mem, 1, 1));
	ASSERT(cd_member(&st.mem, 2, 0) && cd_member(&st.mem, 2, 1) && cd_member(&st.mem, 2, 2));
	ASSERT(cd_member(&st.mem, 3, 1));    /* via only, outer */
	cd_state_free(&st);
}

TEST(member_tag_change_delta)
{
	struct cd_state st;
	must_load(&st,
		  "workloads:\n"
		  "  - {name: a, host: h, tags: [env=prod]}\n"
		  "  - {name: b, host: h, tags: [env=prod]}\n",
		  "groups:\n"
		  "  - {name: q, match: 'tag == \"virus=high\"'}\n"
		  "  - {name: prod, match: 'tag == \"env=prod\"'}\n"
		  "  - {name: clean-prod, match: 'group == \"prod\" and not group == \"q\"'}\n"
		  "  - {name: any-virus, match: 'tag =~ \"virus=*\"'}\n");
	struct cd_delta d = { 0 };
	const char *tags[] = { "env=prod", "VIRUS=HIGH" };
	ASSERT_EQ(cd_members_set_tags(&st.mem, 0, tags, 2, &d), 3);
	/* q joined, any-virus joined, clean-prod left, in dependency order */
	bool q = false, cp = false, av = false;
	for (size_t i = 0; i < d.n; i++) {
		ASSERT_EQ(d.v[i].wl, 0);
		if (d.v[i].group == 0) q = d.v[i].added;
		if (d.v[i].group == 2) cp = !d.v[i].added;
		if (d.v[i].group == 3) av = d.v[i].added;
	}
	ASSERT(q && cp && av);
	ASSERT(!cd_member(&st.mem, 2, 0));
	ASSERT(cd_member(&st.mem, 2, 1));    /* b untouched */
	d.n = 0;
	ASSERT_EQ(cd_members_set_tags(&st.mem, 0, tags, 2, &d), 0);   /* no change */
	ASSERT_EQ(cd_members_set_tags(&st.mem, 0, tags, 1, &d), 3);   /* release */
	ASSERT(cd_member(&st.mem, 2, 0));
	cd_delta_free(&d);
	cd_state_free(&st);
}

/* A random world: the incremental result must equal a full recompute. */
static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

TEST(member_incremental_equals_full_random)
{
	static const char *const tagv[] = { "a=1", "a=2", "b=1", "b=2", "c", "d", "E" };
	for (unsigned seed = 1; seed <= 20; seed++) {
		unsigned s = seed;
		struct cd_buf inv, pol;
		cd_buf_init(&inv, 1 << 20);
		cd_buf_init(&pol, 1 << 20);
		cd_buf_puts(&inv, "workloads:\n");
		int nw = 30;
		for (int w = 0; w < nw; w++) {
			cd_buf_printf(&inv, "  - {name: w%d, host: h%u, tags: [", w, rnd(&s) % 3);
			for (int t = 0, n = (int)(rnd(&s) % 4); t < n; t++)
				cd_buf_printf(&inv, "%s\"%s\"", t ? ", " : "", tagv[rnd(&s) % 7]);
			cd_buf_puts(&inv, "]}\n");
		}
		cd_buf_puts(&pol, "groups:\n");
		int ng = 12;
		for (int g = 0; g < ng; g++) {
			const char *t1 = tagv[rnd(&s) % 7], *t2 = tagv[rnd(&s) % 7];
			switch (rnd(&s) % 5) {
			case 0: cd_buf_printf(&pol, "  - {name: g%d, match: 'tag == \"%s\"'}\n", g, t1); break;
			case 1: cd_buf_printf(&pol, "  - {name: g%d, match: 'tag == \"%s\" and not tag == \"%s\"'}\n", g, t1, t2); break;
			case 2: cd_buf_printf(&pol, "  - {name: g%d, match: 'tag =~ \"%c*\" or host == \"h1\"'}\n", g, t1[0]); break;
			case 3:
				if (g > 0) {
					cd_buf_printf(&pol, "  - {name: g%d, match: 'group == \"g%u\" and tag != \"%s\"'}\n",
						      g, rnd(&s) % (unsigned)g, t1);
					break;
				}
				/* fall through */
			default: cd_buf_printf(&pol, "  - {name: g%d, match: 'tag !~ \"%s\"', include: [w1], exclude: [w2]}\n", g, t1); break;
			}
		}
		struct cd_state st;
		must_load(&st, inv.data, pol.data);
		struct cd_delta d = { 0 };
		for (int step = 0; step < 200; step++) {
			size_t w = rnd(&s) % (unsigned)nw;
			const char *tags[4];
			size_t n = rnd(&s) % 4;
			for (size_t i = 0; i < n; i++)
				tags[i] = tagv[rnd(&s) % 7];
			uint64_t before[16][1];
			for (int g = 0; g < ng; g++)
				before[g][0] = st.mem.bits[g][0];
			d.n = 0;
			cd_members_set_tags(&st.mem, w, tags, n, &d);
			/* the delta is exactly the bits that changed */
			for (size_t i = 0; i < d.n; i++)
				before[d.v[i].group][0] ^= UINT64_C(1) << d.v[i].wl;
			for (int g = 0; g < ng; g++)
				ASSERT_EQ(before[g][0], st.mem.bits[g][0]);
		}
		/* and the bits equal a fresh computation */
		struct cd_members fresh;
		cd_members_init(&fresh, &st.inv, &st.pol);
		for (int g = 0; g < ng; g++)
			ASSERT_EQ(fresh.bits[g][0], st.mem.bits[g][0]);
		cd_members_free(&fresh);
		cd_delta_free(&d);
		cd_state_free(&st);
		cd_buf_free(&inv);
		cd_buf_free(&pol);
	}
}

/* cd_delta_can_deny: whenever a tag change turns an allowed flow into a
 * denied one, the delta must say it can deny (else the agent would leave
 * a forbidden established connection in place). */
static void verdicts(const struct cd_state *st, int nw, bool *out)
{
	for (int a = 0; a < nw; a++)
		for (int b = 0; b < nw; b++)
			for (int p = 0; p < 2; p++) {
				struct cd_flow f = { .proto = CD_PROTO_TCP, .port = p ? 22 : 80 };
				char sa[32], sb[32];
				snprintf(sa, sizeof(sa), "10.0.0.%d", a + 1);
				snprintf(sb, sizeof(sb), "10.0.0.%d", b + 1);
				cd_addr_parse(sa, false, &f.src, NULL);
				cd_addr_parse(sb, false, &f.dst, NULL);
				struct cd_verdict v;
				cd_explain(st, &f, &v);
				out[(a * nw + b) * 2 + p] = v.verdict == CD_ALLOW;
			}
}

TEST(member_delta_can_deny_random)
{
	static const char *const tagv[] = { "a", "b", "c", "d" };
	static const char *const act[] = { "allow", "drop", "reject" };
	int flips = 0, skipped = 0;
	/* (4 worlds, not 12, under valgrind: test_volume) */
	unsigned worlds = test_volume(12) < 12 ? 4 : 12;
	for (unsigned seed = 1; seed <= worlds; seed++) {
		unsigned s = seed;
		struct cd_buf inv, pol;
		cd_buf_init(&inv, 1 << 20);
		cd_buf_init(&pol, 1 << 20);
		enum { NW = 8, NG = 5 };
		cd_buf_puts(&inv, "workloads:\n");
		for (int w = 0; w < NW; w++) {
			cd_buf_printf(&inv, "  - {name: w%d, host: h%u, tags: [%s], vnics: [{ifname: tap%d, ips: [\"10.0.0.%d\"]}]}\n",
				      w, rnd(&s) % 2, tagv[rnd(&s) % 4], w, w + 1);
		}
		cd_buf_printf(&pol, "default_action: %s\ngroups:\n", rnd(&s) % 2 ? "allow" : "drop");
		for (int g = 0; g < NG; g++) {
			if (g > 0 && rnd(&s) % 3 == 0)
				cd_buf_printf(&pol, "  - {name: g%d, match: 'not group == \"g%u\"'}\n", g, rnd(&s) % (unsigned)g);
			else
				cd_buf_printf(&pol, "  - {name: g%d, match: 'tag == \"%s\"'}\n", g, tagv[rnd(&s) % 4]);
		}
		cd_buf_puts(&pol, "rules:\n");
		for (int r = 0; r < 6; r++) {
			cd_buf_printf(&pol, "  - {id: %d, source: [\"%s\"], destination: [\"group:g%u\"], service: [\"tcp/%s\"], action: %s}\n",
				      r + 1, rnd(&s) % 3 ? "any" : "group:g0", rnd(&s) % NG,
				      rnd(&s) % 2 ? "22" : "80", act[rnd(&s) % 3]);
		}
		struct cd_state st;
		must_load(&st, inv.data, pol.data);
		struct cd_delta d = { 0 };
		bool before[NW * NW * 2], after[NW * NW * 2];
		verdicts(&st, NW, before);
		for (int step = 0; step < 60; step++) {
			size_t w = rnd(&s) % NW;
			const char *tags[1] = { tagv[rnd(&s) % 4] };
			d.n = 0;
			cd_members_set_tags(&st.mem, w, tags, 1, &d);
			verdicts(&st, NW, after);
			bool denied = false;
			for (int i = 0; i < NW * NW * 2; i++)
				denied |= before[i] && !after[i];
			bool can = cd_delta_can_deny(&st.pol, &d);
			if (denied) {
				ASSERT(can);
				flips++;
			} else if (!can) {
				skipped++;
			}
			memcpy(before, after, sizeof(before));
		}
		cd_delta_free(&d);
		cd_state_free(&st);
		cd_buf_free(&inv);
		cd_buf_free(&pol);
	}
	/* the worlds exercise both answers */
	ASSERT(flips > 20);
	ASSERT(skipped > 20);
}
