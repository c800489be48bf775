/* bench_detect.c - detection to isolation (root): from the moment an
 * infected file is closed in a workload's scanned path until its host's
 * kernel has committed the quarantine.
 *
 *   bench-detect URL ADMIN-TOKEN-FILE CACERT NETNS SCANDIR WORKLOAD N
 *
 * Each round writes the EICAR file into SCANDIR and closes it (the clock
 * starts), waits for the end-of-transaction notification of nf_tables in
 * NETNS (the host where cordon-agent enforces; the clock stops), then
 * releases the workload through the API and waits for that commit too. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "agent/http.h"
#include "nftwatch.h"
#include "base/token.h"

static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: bench-detect URL ADMIN-TOKEN-FILE CACERT NETNS SCANDIR WORKLOAD N\n");
		return 2;
	}
	char *tok;
	if (cd_token_read(argv[2], &tok) < 0)
		return 2;
	struct mnl_socket *nl = nft_listen(argv[4]);
	if (!nl)
		return 1;
	int rounds = atoi(argv[7]);
	struct cd_http h;
	cd_http_init(&h, argv[1], tok, false, argv[3]);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	double *lat = calloc((size_t)rounds, sizeof(double));
	int n = 0, missed = 0;
	char *rel = cd_asprintf("/api/v1/workloads/%s/release", argv[6]);
	for (int i = 0; i < rounds; i++) {
		char *p = cd_asprintf("%s/invoice-%d.com", argv[5], i);
		drain(nl);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, eicar, sizeof(eicar) - 1) < 0) {
			perror(p);
			return 1;
		}
		close(fd);
		double t0 = now_ms();
		if (wait_newgen(nl, 30000))
			lat[n++] = now_ms() - t0;
		else
			missed++;
		free(p);
		usleep(100000);        /* let the agent cut connections and report */
		drain(nl);
		long status;
		json_t *out = NULL;
		cd_http_call(&h, "POST", rel, NULL, 10000, &status, &out, &err);
		json_decref(out);
		wait_newgen(nl, 5000);
		usleep(50000);
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	if (n)
		printf("infected file closed to quarantine committed in its host's kernel: median %.1f ms, "
		       "p90 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d, %d without a commit)\n",
		       lat[n / 2], lat[(n * 9) / 10], lat[n - 1 - n / 100], lat[n - 1], n, missed);
	free(lat);
	free(rel);
	free(tok);
	cd_http_free(&h);
	cd_buf_free(&err);
	mnl_socket_close(nl);
	return n ? 0 : 1;
}
