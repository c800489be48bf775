/* test_incremental.c - incremental updates in a real kernel. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "host.h"
#include "nft.h"
#include "test.h"

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static char *listing(void)
{
	struct cd_buf out, err;
	cd_buf_init(&out, 1 << 26);
	cd_buf_init(&err, 1 << 20);
	int r = cd_nft_list(false, &out, &err);
	if (r < 0)
		test_fail(__FILE__, __LINE__, "list failed: %s", err.data);
	cd_buf_free(&err);
	return cd_buf_steal(&out);
}

static void must_run(const char *what, int r, struct cd_buf *err)
{
	if (r < 0)
		test_fail(__FILE__, __LINE__, "%s failed (%d): %s", what, r,
			  err->data ? err->data : "");
}

static const char *const tagv[] = { "q", "app=web", "app=db", "env=prod", "env=dev", "pci", "x" };

TEST(incremental_equals_fresh_apply)
{
	unsigned s = 7;
	struct cd_buf inv, pol;
	cd_buf_init(&inv, 1 << 20);
	cd_buf_init(&pol, 1 << 20);
	cd_buf_puts(&inv, "workloads:\n");
	int nw = 40;
	for (int w = 0; w < nw; w++)
		cd_buf_printf(&inv, "  - {name: w%d, host: h%d, tags: [\"%s\"], vnics: [{ifname: tap%d, ips: [10.0.%d.%d, 'fd00::%x']}]}\n",
			      w, w % 3, tagv[rnd(&s) % 7], w, w / 200, w % 200 + 1, w + 1);
	cd_buf_puts(&pol, "groups:\n"
		    "  - {name: q, match: 'tag == \"q\"'}\n"
		    "  - {name: web, match: 'tag == \"app=web\" and not group == \"q\"'}\n"
		    "  - {name: db, match: 'tag == \"app=db\"'}\n"
		    "  - {name: prod, match: 'tag =~ \"env=p*\" or tag == \"pci\"'}\n"
		    "rules:\n"
		    "  - {id: 1, category: emergency, source: [group:q], destination: [10.9.9.9], service: [tcp/443], action: allow, applied_to: [group:q]}\n"
		    "  - {id: 2, category: emergency, destination: [group:q], action: drop, applied_to: [group:q]}\n"
		    "  - {id: 3, category: emergency, source: [group:q], action: drop, applied_to: [group:q]}\n"
		    "  - {id: 4, source: [group:web], destination: [group:db], service: [tcp/5432], action: allow}\n"
		    "  - {id: 5, source: [group:prod], destination: [group:web, group:db], service: [icmp, udp/53], action: allow, applied_to: [group:prod]}\n"
		    "  - {id: 6, destination: [group:db], action: reject, direction: in, applied_to: [group:db]}\n");
	struct cd_state st;
	must_load(&st, inv.data, pol.data);
	struct cd_host h;
	struct cd_buf b, err;
	cd_buf_init(&b, 1 << 26);
	cd_buf_init(&err, 1 << 20);
	ASSERT_EQ(cd_host_build(&h, &st, "h0", NULL), 0);
	ASSERT_EQ(cd_host_render(&h, &st, &b), 0);
	must_run("full apply", cd_nft_replace(b.data, false, &err), &err);

	struct cd_delta d = { 0 };
	int scripts = 0, chains = 0;
	for (int step = 0; step < 300; step++) {
		size_t w = rnd(&s) % (unsigned)nw;
		const char *tags[3];
		size_t n = rnd(&s) % 4;
		for (size_t i = 0; i < n && i < 3; i++)
			tags[i] = tagv[rnd(&s) % 7];
		d.n = 0;
		cd_members_set_tags(&st.mem, w, tags, n > 3 ? 3 : n, &d);
		cd_buf_reset(&b);
		ASSERT_EQ(cd_host_retag(&h, &st, w, &d, &b), 0);
		if (!b.len)
			continue;
		scripts++;
		chains += strstr(b.data, "flush chain") != NULL;
		must_run("incremental update", cd_nft_run(b.data, &err), &err);
	}
	ASSERT(scripts > 50);      /* the sequence did change things */
	ASSERT(chains > 10);       /* ... including chains, not only sets */
	char *incremental = listing();

	struct cd_host fresh;
	cd_buf_reset(&b);
	ASSERT_EQ(cd_host_build(&fresh, &st, "h0", NULL), 0);
	ASSERT_EQ(cd_host_render(&fresh, &st, &b), 0);
	must_run("fresh apply", cd_nft_replace(b.data, false, &err), &err);
	char *full = listing();
	ASSERT_STR_EQ(incremental, full);

	free(incremental);
	free(full);
	cd_delta_free(&d);
	cd_host_free(&fresh);
	cd_host_free(&h);
	cd_buf_free(&b);
	cd_buf_free(&err);
	cd_buf_free(&inv);
	cd_buf_free(&pol);
	cd_state_free(&st);
}

TEST(refused_apply_keeps_previous_table)
{
	struct cd_state st;
	must_load(&st, "workloads:\n  - {name: a, host: h, vnics: [{ifname: tap0, ips: [10.1.0.1]}]}\n",
		  "rules:\n  - {id: 1, action: drop, service: [tcp/22]}\n");
	struct cd_host h;
	struct cd_buf b, err;
	cd_buf_init(&b, 1 << 20);
	cd_buf_init(&err, 1 << 20);
	ASSERT_EQ(cd_host_build(&h, &st, "h", NULL), 0);
	cd_host_render(&h, &st, &b);
	must_run("apply", cd_nft_replace(b.data, false, &err), &err);
	char *before = listing();
	/* a ruleset the kernel refuses (a jump to a chain that does not exist) */
	ASSERT(cd_nft_replace("table inet cordon {\n\tchain c {\n\t\tjump nowhere\n\t}\n}\n",
			      false, &err) < 0);
	char *after = listing();
	ASSERT_STR_EQ(before, after);
	/* a dry run changes nothing either */
	ASSERT_EQ(cd_nft_replace("table inet cordon {\n}\n", true, &err), 0);
	char *dry = listing();
	ASSERT_STR_EQ(before, dry);
	free(before);
	free(after);
	free(dry);
	cd_host_free(&h);
	cd_buf_free(&b);
	cd_buf_free(&err);
	cd_state_free(&st);
}
