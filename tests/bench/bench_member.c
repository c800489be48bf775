/* bench_member.c - in-process timings on a generated world.
 *
 *   bench-member DIR HOST [CHANGES]
 *
 * Loads DIR/inventory.yaml and DIR/policy.yaml, reports the time of each
 * stage for HOST (load = parse + resolve + members; compile; render), then
 * applies CHANGES tag changes (a random workload gains or loses a random
 * tag among those the groups test) and reports the median, p99 and max
 * time of one membership delta, in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/host.h"
#include "bench.h"

static double now_us(void)
{
	return now_ms() * 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-member DIR HOST [CHANGES]\n");
		return 2;
	}
	int changes = argc > 3 ? atoi(argv[3]) : 20000;
	struct cd_state st;
	double t0 = now_us();
	if (bench_load(argv[1], &st) < 0)
		return 2;
	double t1 = now_us();
	struct cd_host h;
	cd_host_build(&h, &st, argv[2], NULL);
	double t2 = now_us();
	struct cd_buf b;
	cd_buf_init(&b, CD_RENDER_MAX);
	cd_host_render(&h, &st, &b);
	double t3 = now_us();
	printf("stages: load %.1f ms, compile and render chains %.1f ms (%zu vNICs), whole table %.1f ms (%zu bytes)\n",
	       (t1 - t0) / 1e3, (t2 - t1) / 1e3, h.n, (t3 - t2) / 1e3, b.len);
	cd_buf_free(&b);
	cd_host_free(&h);

	/* tag changes: add or remove one tag the groups can test */
	static const char *const pool[] = {
		"ANTI_VIRUS.VirusFound.threat=high", "pci", "env=prod", "env=dev",
		"zone=z03", "app=app042", "tier=web", "tier=db" };
	double *lat = calloc((size_t)changes, sizeof(double));
	struct cd_delta delta = { 0 };
	size_t moved = 0;
	unsigned seed = 1;
	for (int i = 0; i < changes; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t w = (seed >> 8) % st.inv.n;
		const struct cd_workload *wl = &st.inv.w[w];
		const char *tags[16];
		size_t n = 0;
		for (size_t k = 0; k < wl->ntags && n < 15; k++)
			tags[n++] = wl->tags[k];
		const char *t = pool[(seed >> 20) % 8];
		size_t k;
		for (k = 0; k < n && strcasecmp(tags[k], t); k++)
			;
		if (k < n)
			tags[k] = tags[--n];   /* remove it */
		else
			tags[n++] = t;         /* add it */
		/* the tags array points into wl->tags, which the call replaces:
		 * copy first, as a caller holding its own strings would */
		char *copy[16];
		for (size_t j = 0; j < n; j++)
			copy[j] = strdup(tags[j]);
		delta.n = 0;
		double a = now_us();
		cd_members_set_tags(&st.mem, w, (const char *const *)copy, n, &delta);
		lat[i] = now_us() - a;
		moved += delta.n;
		for (size_t j = 0; j < n; j++)
			free(copy[j]);
	}
	printf("tag change membership delta: %d changes, %zu membership moves\n", changes, moved);
	print_stats("  one delta", lat, changes, 1.0, "us");
	free(lat);
	cd_delta_free(&delta);
	cd_state_free(&st);
	return 0;
}
