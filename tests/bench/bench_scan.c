/* bench_scan.c - an on-demand scan of a tree with cordon's scanner.
 *
 *   bench-scan DB DIR THREADS
 *
 * Prints "SECONDS FILES BYTES INFECTED" of one full scan of DIR with the
 * signatures in DB on THREADS threads (the engine's load not counted). */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "antimalware/scanjob.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench-scan DB DIR THREADS\n");
		return 2;
	}
	struct cd_scanner *s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_scan_limits lim = CD_SCAN_LIMITS_DEFAULT;
	if (cd_scanner_open(&s, argv[1], &lim, &err) < 0) {
		fprintf(stderr, "bench-scan: %s\n", err.data);
		return 1;
	}
	const char *paths[] = { argv[2] };
	struct cd_scanjob j = { .paths = paths, .npaths = 1, .threads = atoi(argv[3]) };
	struct cd_scan_progress p;
	double t0 = now_ms();
	cd_scanjob_run(s, &j, &p);
	printf("%.3f %llu %llu %llu\n", (now_ms() - t0) / 1000, (unsigned long long)p.files_done,
	       (unsigned long long)p.bytes_done, (unsigned long long)p.infected);
	cd_scanner_close(s);
	cd_buf_free(&err);
	return 0;
}
