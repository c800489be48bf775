/* test_incremental.c - incremental updates in a real kernel. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "policy/host.h"
#include "dataplane/nft.h"
#include "dataplane/nltable.h"
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

/* Build host's table from st into h and load it through nft, as
 * `cordon compile | nft -f` would: the reference the tests compare with. */
static void apply_through_nft(struct cd_host *h, const struct cd_state *st,
			      const char *host)
{
	struct cd_buf b, err;
	cd_buf_init(&b, 1 << 26);
	cd_buf_init(&err, 1 << 20);
	ASSERT_EQ(cd_host_build(h, st, host, NULL), 0);
	ASSERT_EQ(cd_host_render(h, st, &b), 0);
	must_run("apply through nft", cd_nft_replace(b.data, false, &err), &err);
	cd_buf_free(&b);
	cd_buf_free(&err);
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
	struct cd_buf err;
	cd_buf_init(&err, 1 << 20);
	apply_through_nft(&h, &st, "h0");

	struct cd_delta d = { 0 };
	struct cd_update u;
	cd_update_init(&u);
	int scripts = 0, chains = 0;
	for (int step = 0; step < 300; step++) {
		size_t w = rnd(&s) % (unsigned)nw;
		const char *tags[3];
		size_t n = rnd(&s) % 4;
		for (size_t i = 0; i < n && i < 3; i++)
			tags[i] = tagv[rnd(&s) % 7];
		d.n = 0;
		cd_members_set_tags(&st.mem, w, tags, n > 3 ? 3 : n, &d);
		cd_update_reset(&u);
		ASSERT_EQ(cd_host_retag(&h, &st, w, &d, &u), 0);
		if (cd_update_empty(&u))
			continue;
		scripts++;
		chains += u.nrw > 0;
		/* straight through libnftnl, chains included */
		must_run("incremental update", cd_nft_commit_direct(&u, &err), &err);
	}
	ASSERT(scripts > 50);      /* the sequence did change things */
	ASSERT(chains > 10);       /* ... including chains, not only sets */
	ASSERT(scripts - chains > 10);   /* ... and sets alone */
	cd_update_free(&u);
	char *incremental = listing();

	struct cd_host fresh;
	apply_through_nft(&fresh, &st, "h0");
	char *full = listing();
	ASSERT_STR_EQ(incremental, full);

	free(incremental);
	free(full);
	cd_delta_free(&d);
	cd_host_free(&fresh);
	cd_host_free(&h);
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
	struct cd_buf err;
	cd_buf_init(&err, 1 << 20);
	apply_through_nft(&h, &st, "h");
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
	cd_buf_free(&err);
	cd_state_free(&st);
}

/* --- inventory changes through cd_host_diff ------------------------------ */

struct twl {
	int id;          /* name w<id>, ifname tap<id> */
	int host;
	int tag;         /* index in tagv, or -1 */
	int ip;          /* last octet / v6 suffix */
	bool v6;
	bool live;
};

static char *inventory_yaml(const struct twl *w, int n)
{
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	cd_buf_puts(&b, "workloads:\n");
	for (int i = 0; i < n; i++) {
		if (!w[i].live)
			continue;
		cd_buf_printf(&b, "  - {name: w%d, host: h%d, tags: [%s%s%s], vnics: [{ifname: tap%d, ips: [10.0.0.%d%s",
			      w[i].id, w[i].host, w[i].tag >= 0 ? "\"" : "",
			      w[i].tag >= 0 ? tagv[w[i].tag] : "", w[i].tag >= 0 ? "\"" : "",
			      w[i].id, w[i].ip, w[i].v6 ? ", 'fd00::" : "");
		if (w[i].v6)
			cd_buf_printf(&b, "%x'", w[i].ip);
		cd_buf_puts(&b, "]}]}\n");
	}
	return cd_buf_steal(&b);
}

/* The listing with its top-level objects sorted: a chain created later is
 * listed later by the kernel, whatever the order of a fresh table. */
static char *normalized(const char *text)
{
	char **blk = NULL;
	size_t n = 0, cap = 0;
	const char *p = strchr(text, '\n');
	p = p ? p + 1 : text;
	while (*p) {
		const char *end = strstr(p, "\n\t}\n");
		if (!end)
			break;
		end += 4;
		const char *s = p;
		while (*s == '\n')
			s++;
		CD_PUSH(blk, n, cap, cd_strndup(s, (size_t)(end - s)));
		p = end;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(blk[j - 1], blk[j]) > 0; j--) {
			char *t = blk[j];
			blk[j] = blk[j - 1];
			blk[j - 1] = t;
		}
	struct cd_buf b;
	cd_buf_init(&b, 1 << 26);
	for (size_t i = 0; i < n; i++) {
		cd_buf_puts(&b, blk[i]);
		free(blk[i]);
	}
	free(blk);
	return cd_buf_steal(&b);
}

TEST(inventory_changes_by_diff_equal_fresh_apply)
{
	static const char pol[] =
		"groups:\n"
		"  - {name: q, match: 'tag == \"q\"'}\n"
		"  - {name: web, match: 'tag == \"app=web\"'}\n"
		"  - {name: db, match: 'tag == \"app=db\" or host == \"h1\"'}\n"
		"rules:\n"
		"  - {id: 1, category: emergency, destination: [group:q], action: drop, applied_to: [group:q]}\n"
		"  - {id: 2, source: [group:web], destination: [group:db], service: [tcp/5432], action: allow}\n"
		"  - {id: 3, destination: [group:db], action: reject, direction: in, applied_to: [group:db]}\n";
	struct twl w[80];
	int n = 0;
	unsigned s = 11;
	for (; n < 12; n++)
		w[n] = (struct twl){ n, n % 2, (int)(rnd(&s) % 7), n + 1, n % 3 == 0, true };
	char *inv = inventory_yaml(w, n);
	struct cd_state st;
	must_load(&st, inv, pol);
	free(inv);
	struct cd_host h;
	struct cd_buf b, err;
	cd_buf_init(&b, 1 << 26);
	cd_buf_init(&err, 1 << 20);
	apply_through_nft(&h, &st, "h0");
	int adds = 0, removes = 0;
	for (int step = 0; step < 150; step++) {
		int i = (int)(rnd(&s) % (unsigned)n);
		switch (rnd(&s) % 5) {
		case 0:
			w[i].tag = (int)(rnd(&s) % 8) - 1;
			break;
		case 1:
			if (n < 80) {
				w[n] = (struct twl){ n, (int)(rnd(&s) % 2), (int)(rnd(&s) % 7), n + 1,
						     rnd(&s) % 2 == 0, true };
				n++;
				adds++;
			}
			break;
		case 2:
			removes += w[i].live;
			w[i].live = false;
			break;
		case 3:
			w[i].ip = 100 + (int)(rnd(&s) % 100) + i * 0;
			for (int k = 0; k < n; k++)   /* keep addresses unique */
				if (k != i && w[k].ip == w[i].ip)
					w[i].ip = i + 1;
			break;
		default:
			w[i].host = !w[i].host;
			break;
		}
		inv = inventory_yaml(w, n);
		struct cd_state ns;
		struct cd_host nh;
		must_load(&ns, inv, pol);
		free(inv);
		ASSERT_EQ(cd_host_build(&nh, &ns, "h0", NULL), 0);
		cd_buf_reset(&b);
		ASSERT_EQ(cd_host_diff(&h, &st, &nh, &ns, &b), 0);
		if (b.len)
			must_run("diff", cd_nft_run(b.data, &err), &err);
		cd_host_free(&h);
		cd_state_free(&st);
		h = nh;
		st = ns;
	}
	ASSERT(adds > 10 && removes > 10);
	char *a = listing();
	struct cd_host fresh;
	apply_through_nft(&fresh, &st, "h0");
	char *f = listing();
	char *na = normalized(a), *nf = normalized(f);
	ASSERT(strlen(nf) > 1000);
	ASSERT_STR_EQ(na, nf);
	free(a);
	free(f);
	free(na);
	free(nf);
	cd_host_free(&fresh);
	cd_host_free(&h);
	cd_state_free(&st);
	cd_buf_free(&b);
	cd_buf_free(&err);
}

TEST(element_update_is_one_transaction)
{
	struct cd_state st;
	must_load(&st, "workloads:\n  - {name: a, host: h, tags: [x], vnics: [{ifname: tap0, ips: [10.1.0.1]}]}\n",
		  "groups:\n  - {name: gx, match: 'tag == \"x\"'}\n"
		  "rules:\n  - {id: 1, destination: [group:gx], action: drop}\n");
	struct cd_host h;
	struct cd_buf err;
	cd_buf_init(&err, 1 << 20);
	apply_through_nft(&h, &st, "h");
	char *before = listing();
	struct cd_update u;
	cd_update_init(&u);
	struct cd_elem_op ok = { .add = true, .set = "g_gx_v4" };
	struct cd_elem_op bad = { .add = false, .set = "g_gx_v4" };
	const char *why;
	cd_addr_parse("10.9.9.9", false, &ok.addr, &why);
	cd_addr_parse("10.8.8.8", false, &bad.addr, &why);   /* not in the set */
	CD_PUSH(u.ops, u.nops, u.cap, ok);
	CD_PUSH(u.ops, u.nops, u.cap, bad);
	ASSERT(cd_nft_commit(&u, &err) < 0);
	ASSERT_CONTAINS(err.data, "deleting element 10.8.8.8 of set g_gx_v4");
	char *after = listing();
	ASSERT_STR_EQ(before, after);          /* the add was rolled back too */
	u.nops = 1;
	must_run("valid update", cd_nft_commit(&u, &err), &err);
	char *added = listing();
	ASSERT_CONTAINS(added, "10.1.0.1, 10.9.9.9");
	free(before);
	free(after);
	free(added);
	cd_update_free(&u);
	cd_host_free(&h);
	cd_buf_free(&err);
	cd_state_free(&st);
}

/* The golden cases and two of their hosts, for the tests that compare
 * cordon's own netlink builds with nft's (run from the top directory). */
static const char *const golden[][3] = {
	{ "tests/golden/vdi", "hv1", "hv2" },
	{ "tests/golden/default-drop", "hv-a", "hv-b" },
	{ "tests/golden/nested-groups", "h1", "h1" },
};

/* Load a golden case, build host's table and apply it through nft. */
static void load_golden(size_t c, int k, struct cd_state *st, struct cd_host *h)
{
	char inv[256], pol[256];
	struct cd_diags d;
	snprintf(inv, sizeof(inv), "%s/inventory.yaml", golden[c][0]);
	snprintf(pol, sizeof(pol), "%s/policy.yaml", golden[c][0]);
	cd_diags_init(&d);
	if (cd_state_load(st, inv, pol, &d) < 0)
		test_fail(__FILE__, __LINE__, "cannot load %s (run from the top)", inv);
	cd_diags_free(&d);
	apply_through_nft(h, st, golden[c][k]);
}

/* Every rule form the renderer writes, built by nlrule.c, lists exactly as
 * nft's own build of it: rewrite every chain of every golden case through
 * libnftnl and compare the kernel's listing with the one before. */
TEST(direct_chain_rewrites_list_as_nft_builds_them)
{
	int rewritten = 0;
	for (size_t c = 0; c < CD_ARRAY_LEN(golden); c++) {
		for (int k = 1; k <= 2; k++) {
			struct cd_state st;
			struct cd_host h;
			struct cd_buf err;
			cd_buf_init(&err, 1 << 20);
			load_golden(c, k, &st, &h);
			char *before = listing();
			struct cd_update u;
			cd_update_init(&u);
			for (size_t v = 0; v < h.n; v++) {
				for (int s = 0; s < 2; s++) {
					/* no old text: the chain is rewritten whole */
					struct cd_chain_rw rw = { .new = cd_strdup(h.v[v].text[s]) };
					snprintf(rw.chain, sizeof(rw.chain), "%s_%s", s ? "in" : "out",
						 h.v[v].name);
					for (const char *l = h.v[v].text[s]; *l; l++)
						rewritten += *l == '\n';
					CD_PUSH(u.rw, u.nrw, u.rwcap, rw);
				}
			}
			int r = cd_nft_commit_direct(&u, &err);
			if (r < 0)
				test_fail(__FILE__, __LINE__, "%s %s: direct commit failed (%d): %s",
					  golden[c][0], golden[c][k], r, err.data ? err.data : "");
			char *after = listing();
			ASSERT_STR_EQ(before, after);
			free(before);
			free(after);
			cd_update_free(&u);
			cd_host_free(&h);
			cd_buf_free(&err);
			cd_state_free(&st);
		}
	}
	ASSERT(rewritten > 100);
}

/* A whole table built with libnftnl lists exactly as nft's build of the
 * rendered text, for every golden case and host. */
TEST(direct_full_apply_lists_as_nft_builds_it)
{
	for (size_t c = 0; c < CD_ARRAY_LEN(golden); c++) {
		for (int k = 1; k <= 2; k++) {
			struct cd_state st;
			struct cd_host h;
			struct cd_buf err;
			cd_buf_init(&err, 1 << 20);
			load_golden(c, k, &st, &h);
			char *by_nft = listing();
			int r = cd_nft_replace_host(&h, &st, &err);
			if (r < 0)
				test_fail(__FILE__, __LINE__, "%s %s: direct apply failed (%d): %s",
					  golden[c][0], golden[c][k], r, err.data ? err.data : "");
			char *direct = listing();
			ASSERT_STR_EQ(by_nft, direct);
			free(by_nft);
			free(direct);
			cd_host_free(&h);
			cd_buf_free(&err);
			cd_state_free(&st);
		}
	}
}
