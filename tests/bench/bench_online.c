/* bench_online.c - a tag change through the manager's API until the
 * kernel of the workload's host has it (root).
 *
 *   bench-online URL ADMIN-TOKEN-FILE CACERT NETNS CHANGES TAG WORKLOAD...
 *
 * Listens to nf_tables' netlink notifications inside network namespace
 * NETNS (where cordon-agent enforces), then for each change adds TAG to a
 * workload (or removes it again: the workloads take turns) with
 * POST/DELETE /api/v1/workloads/W/tags, and waits for the kernel's
 * end-of-transaction message (NFT_MSG_NEWGEN) that carries the update.
 * The time from sending the request to that message is one sample; the
 * conntrack cut the agent makes right after the commit is not in it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "nftwatch.h"
#include "agent/http.h"
#include "base/token.h"

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: bench-online URL ADMIN-TOKEN-FILE CACERT NETNS CHANGES TAG WORKLOAD...\n");
		return 2;
	}
	char *tok;
	if (cd_token_read(argv[2], &tok) < 0) {
		fprintf(stderr, "bench-online: cannot read %s\n", argv[2]);
		return 2;
	}
	int changes = atoi(argv[5]);
	const char *tag = argv[6];
	char **wls = argv + 7;
	int nwl = argc - 7;
	/* the notification socket lives in the agent's namespace */
	struct mnl_socket *nl = nft_listen(argv[4]);
	if (!nl)
		return 1;
	struct cd_http h;
	cd_http_init(&h, argv[1], tok, false, argv[3]);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	double *lat = calloc((size_t)changes, sizeof(double));
	int n = 0, missed = 0;
	for (int i = 0; i < changes; i++) {
		const char *w = wls[i % nwl];
		bool add = (i / nwl) % 2 == 0;
		char *ew = cd_http_escape(w), *et = cd_http_escape(tag);
		char *path = add ? cd_asprintf("/api/v1/workloads/%s/tags", ew)
				 : cd_asprintf("/api/v1/workloads/%s/tags?tag=%s", ew, et);
		free(ew);
		free(et);
		json_t *body = add ? json_pack("{s:s}", "tag", tag) : NULL, *out = NULL;
		drain(nl);
		long status = 0;
		double t0 = now_ms();
		int r = cd_http_call(&h, add ? "POST" : "DELETE", path, body, 10000, &status, &out, &err);
		json_decref(body);
		bool changed = r == 0 && status == 200 && json_is_true(json_object_get(out, "changed"));
		json_decref(out);
		free(path);
		if (!changed) {
			fprintf(stderr, "bench-online: change %d not made (%s, HTTP %ld)\n", i,
				err.len ? err.data : "-", status);
			cd_buf_reset(&err);
			continue;
		}
		if (wait_newgen(nl, 2000))
			lat[n++] = now_ms() - t0;
		else
			missed++;
		usleep(20000);     /* let the agent's conntrack cut and heartbeat pass */
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	if (n)
		printf("tag change through the API to the kernel's commit on the workload's host: "
		       "median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d, %d without a commit "
		       "in 2 s)   (targets p50 20 ms, p99 100 ms)\n",
		       lat[n / 2], lat[(n * 9) / 10], lat[n - 1 - n / 100 > 0 ? n - 1 - n / 100 : 0],
		       lat[n - 1], n, missed);
	else
		printf("no sample: %d changes without a commit\n", missed);
	free(lat);
	free(tok);
	cd_http_free(&h);
	cd_buf_free(&err);
	mnl_socket_close(nl);
	return n ? 0 : 1;
}
