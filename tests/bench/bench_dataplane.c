/* bench_dataplane.c - kernel-side timings on a generated world (root).
 *
 *   bench-dataplane DIR HOST [CHANGES]
 *
 * In a network namespace of its own: a full apply of HOST's table (model
 * build and render, then the one-transaction commit), repeated; then
 * CHANGES tag changes applied incrementally (membership delta, update
 * script, commit, conntrack cut for the workload's addresses), each timed
 * from the change to the kernel's acknowledgement, then the conntrack cut.
 * Updates go to the kernel through libnftnl (cd_nft_commit). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/ct.h"
#include "dataplane/nft.h"
#include "dataplane/nltable.h"
#include "bench.h"

static void stats(const char *what, double *v, int n)
{
	print_stats(what, v, n, 1.0, "ms");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-dataplane DIR HOST [CHANGES]\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		perror("bench-dataplane: unshare (needs root)");
		return 1;
	}
	int changes = argc > 3 ? atoi(argv[3]) : 300;
	struct cd_state st;
	if (bench_load(argv[1], &st) < 0)
		return 2;
	struct cd_buf b, err;
	cd_buf_init(&b, CD_RENDER_MAX);
	cd_buf_init(&err, 1 << 20);
	enum { ROUNDS = 7 };
	double build[ROUNDS], commit[ROUNDS], total[ROUNDS], direct[ROUNDS], dtotal[ROUNDS];
	struct cd_host h = { 0 };
	struct cd_buf l1, l2;
	cd_buf_init(&l1, CD_RENDER_MAX);
	cd_buf_init(&l2, CD_RENDER_MAX);
	for (int i = 0; i < ROUNDS; i++) {
		if (i)
			cd_host_free(&h);
		cd_buf_reset(&b);
		/* through nft: render the text, commit it */
		double t0 = now_ms();
		cd_host_build(&h, &st, argv[2], NULL);
		double tb = now_ms();
		cd_host_render(&h, &st, &b);
		double t1 = now_ms();
		if (cd_nft_replace(b.data, false, &err) < 0) {
			fprintf(stderr, "apply failed: %s\n", err.data);
			return 1;
		}
		size_t cut;
		cd_ct_cut(&st, &h, NULL, 0, &cut);
		double t2 = now_ms();
		if (i == 0)
			cd_nft_list(false, &l1, &err);
		/* straight to the kernel (what cordon apply does) */
		double t3 = now_ms();
		if (cd_nft_replace_host(&h, &st, &err) < 0) {
			fprintf(stderr, "direct apply failed: %s\n", err.data);
			return 1;
		}
		cd_ct_cut(&st, &h, NULL, 0, &cut);
		double t4 = now_ms();
		if (i == 0)
			cd_nft_list(false, &l2, &err);
		build[i] = t1 - t0;
		commit[i] = t2 - t1;
		total[i] = t2 - t0;
		direct[i] = t4 - t3;
		dtotal[i] = (tb - t0) + (t4 - t3);
	}
	printf("full apply of host %s (%zu vNICs, %zu bytes of ruleset):\n", argv[2], h.n, b.len);
	stats("  compile and render the text", build, ROUNDS);
	stats("  through nft: commit and conntrack scan", commit, ROUNDS);
	stats("  through nft: total", total, ROUNDS);
	stats("  straight to the kernel (libnftnl): commit and conntrack scan", direct, ROUNDS);
	stats("  straight to the kernel: total with compile", dtotal, ROUNDS);
	printf("  both list the same table: %s\n",
	       l1.len && l1.len == l2.len && !memcmp(l1.data, l2.data, l1.len) ? "yes" : "NO");
	cd_buf_free(&l1);
	cd_buf_free(&l2);

	static const char *const pool[] = {
		"ANTI_VIRUS.VirusFound.threat=high", "pci", "env=prod", "env=dev",
		"zone=z03", "app=app042", "tier=web", "tier=db" };
	double *lat = calloc((size_t)changes, sizeof(double));
	double *lat_local = calloc((size_t)changes, sizeof(double));
	int nlocal = 0;
	double *part[4];
	for (int k = 0; k < 4; k++)
		part[k] = calloc((size_t)changes, sizeof(double));
	int nelem = 0, nchain = 0, nnone = 0, nscan = 0;
	struct cd_delta delta = { 0 };
	struct cd_update u;
	cd_update_init(&u);
	unsigned seed = 3;
	size_t chains = 0, elements = 0;
	for (int i = 0; i < changes; i++) {
		seed = seed * 1103515245u + 12345u;
		/* every third change is a workload of this host */
		size_t w;
		do {
			seed = seed * 1103515245u + 12345u;
			w = (seed >> 8) % st.inv.n;
		} while (i % 3 == 0 && strcasecmp(st.inv.w[w].host, argv[2]) != 0);
		const struct cd_workload *wl = &st.inv.w[w];
		char *tags[17];
		size_t n = 0;
		const char *t = pool[(seed >> 20) % 8];
		bool had = false;
		for (size_t k = 0; k < wl->ntags && n < 16; k++) {
			if (!strcasecmp(wl->tags[k], t))
				had = true;
			else
				tags[n++] = strdup(wl->tags[k]);
		}
		if (!had)
			tags[n++] = strdup(t);
		double t0 = now_ms();
		delta.n = 0;
		cd_members_set_tags(&st.mem, w, (const char *const *)tags, n, &delta);
		cd_update_reset(&u);
		cd_host_retag(&h, &st, w, &delta, &u);
		double ta = now_ms();
		if (cd_nft_commit(&u, &err) < 0) {
			fprintf(stderr, "update failed: %s\n", err.data);
			return 1;
		}
		double tb = now_ms();
		size_t cut;
		/* established connections can only need cutting when the
		 * change can deny something (cd_delta_can_deny) */
		bool scan = cd_delta_can_deny(&st.pol, &delta);
		if (scan)
			cd_ct_cut(&st, &h, wl->vnics ? wl->vnics[0].ips : NULL,
				  wl->nvnics ? wl->vnics[0].nips : 0, &cut);
		double t1 = now_ms();
		part[0][i] = ta - t0;
		if (u.nrw)
			part[2][nchain++] = tb - ta;
		else if (u.nops)
			part[1][nelem++] = tb - ta;
		else
			nnone++;
		if (scan)
			part[3][nscan++] = t1 - tb;
		lat[i] = t1 - t0;
		if (!strcasecmp(wl->host, argv[2]))
			lat_local[nlocal++] = t1 - t0;
		chains += u.nrw;
		elements += u.nops;
		for (size_t k = 0; k < n; k++)
			free(tags[k]);
	}
	printf("incremental tag changes (%d; %zu set elements and %zu chains rewritten in all):\n",
	       changes, elements, chains);
	stats("  tag change to kernel acknowledgement, any workload", lat, changes);
	if (nlocal)
		stats("  ... of a workload on this host (its chains too)", lat_local, nlocal);
	stats("  of which: membership delta and update", part[0], changes);
	printf("            (%d changes moved no membership: nothing to commit)\n", nnone);
	if (nelem)
		stats("            commit of set elements alone", part[1], nelem);
	if (nchain)
		stats("            commit with chains rewritten", part[2], nchain);
	printf("            (%d changes could deny a flow: conntrack scanned and cut)\n", nscan);
	if (nscan)
		stats("            conntrack cut for the workload's addresses", part[3], nscan);
	for (int k = 0; k < 4; k++)
		free(part[k]);
	free(lat);
	free(lat_local);
	cd_delta_free(&delta);
	cd_update_free(&u);
	cd_host_free(&h);
	cd_buf_free(&b);
	cd_buf_free(&err);
	cd_state_free(&st);
	return 0;
}
