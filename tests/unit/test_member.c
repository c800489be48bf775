/* test_member.c - membership, nesting, and incremental tag changes. */
#include <stdlib.h>

#include "helpers.h"
#include "member.h"
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
