/* gen_metrics.c - a week (or more) of VMs' metrics as a collector reads
 * them from libvirt, for the metrics store's benchmark:
 *
 *   gen-metrics VMS DAYS om|prom [SEED] > FILE
 *
 * Twelve series a VM, every 20 s with a few ms of jitter (each VM's
 * collection starts at its own offset):
 *  - counters, as libvirt gives them: CPU and ready time (nanoseconds,
 *    written as seconds with nine decimals), disk bytes (in 512-byte
 *    sectors) and requests, disk time (ns), network bytes; their rates
 *    follow a daily cycle with noise and bursts, and one VM in fifty
 *    restarts once in the week (its counters start again from zero);
 *  - gauges: memory in use (4 KiB pages, a slow walk) and vCPUs.
 * om: OpenMetrics (timestamps in seconds, families typed, # EOF), as
 * `promtool tsdb create-blocks-from openmetrics` and `cordon metrics
 * import` read it; prom: Prometheus's text format (timestamps in ms), as
 * VictoriaMetrics's /api/v1/import/prometheus reads it.  The same seed
 * gives the same samples in both. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP 20000
#define DAY_MS 86400000LL
#define NC 10

static const char *const counters[NC] = {
	"vm_cpu_seconds", "vm_cpu_ready_seconds", "vm_disk_read_bytes", "vm_disk_write_bytes",
	"vm_disk_read_ops", "vm_disk_write_ops", "vm_disk_read_time_seconds",
	"vm_disk_write_time_seconds", "vm_net_rx_bytes", "vm_net_tx_bytes",
};
static const int in_ns[NC] = { 1, 1, 0, 0, 0, 0, 1, 1, 0, 0 };

struct vm {
	int64_t offset;            /* ms into the step its collection runs */
	int vcpus;
	double base, phase, io, net, lat;
	int64_t c[NC];             /* counters: ns, bytes, requests */
	int64_t pages;
	int64_t restart;           /* when it restarts (ms since the start), or -1 */
	int burst;                 /* steps of burst left */
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uni(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[3], "om") && strcmp(argv[3], "prom"))) {
		fprintf(stderr, "usage: gen-metrics VMS DAYS om|prom [SEED] > FILE\n");
		return 2;
	}
	int nvm = atoi(argv[1]);
	double days = atof(argv[2]);
	bool om = !strcmp(argv[3], "om");
	if (argc > 4)
		rng ^= strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	/* the week ends at the last midnight UTC before now (fixed: the seed
	 * gives the same file whenever it runs) */
	int64_t end = 1764547200000LL;             /* 2025-12-01T00:00:00Z */
	if (getenv("GEN_END_MS"))
		end = strtoll(getenv("GEN_END_MS"), NULL, 10);
	int64_t start = end - (int64_t)(days * DAY_MS);
	struct vm *v = calloc((size_t)nvm, sizeof(*v));
	for (int i = 0; i < nvm; i++) {
		v[i].offset = (int64_t)(uni() * STEP);
		v[i].vcpus = 1 << (next() % 3);
		v[i].base = 0.05 + 0.6 * uni();
		v[i].phase = uni() * 6.28;
		v[i].io = 20 + 400 * uni();
		v[i].net = 2e4 + 2e6 * uni();
		v[i].lat = 0.2e6 + 4e6 * uni();
		v[i].pages = 65536 + (int64_t)(uni() * 1000000);
		v[i].restart = i % 50 == 7 ? (int64_t)(uni() * (double)(end - start)) : -1;
		for (int k = 0; k < NC; k++)
			v[i].c[k] = (int64_t)(uni() * 1e12);
	}
	if (om)
		for (int k = 0; k < NC; k++)
			printf("# TYPE %s counter\n", counters[k]);
	if (om)
		printf("# TYPE vm_memory_used_bytes gauge\n# TYPE vm_vcpus gauge\n");
	int64_t prev_t0 = start;
	for (int64_t t0 = start; t0 < end; t0 += STEP) {
		double day = (double)(t0 % DAY_MS) / DAY_MS;
		for (int i = 0; i < nvm; i++) {
			struct vm *m = &v[i];
			int64_t t = t0 + m->offset + (int64_t)(next() % 15);    /* jitter */
			double dt = (double)(t0 - prev_t0) / 1000 + (double)(next() % 15) / 1000;
			if (m->restart >= 0 && t - start >= m->restart) {
				memset(m->c, 0, sizeof(m->c));
				m->restart = -1;
			}
			if (m->burst == 0 && uni() < 0.001)
				m->burst = 3 + (int)(next() % 30);
			double load = m->burst ? 0.95
				: m->base * (0.6 + 0.4 * sin(6.283 * day + m->phase)) * (0.9 + 0.2 * uni());
			if (m->burst)
				m->burst--;
			double cpu = load * m->vcpus * dt * 1e9;
			int64_t rd = (int64_t)(m->io * load * dt * (0.5 + uni()));
			int64_t wr = (int64_t)(m->io * 0.6 * load * dt * (0.5 + uni()));
			m->c[0] += (int64_t)cpu;
			m->c[1] += (int64_t)(cpu * 0.02 * uni() * (m->burst ? 5 : 1));
			m->c[4] += rd;
			m->c[5] += wr;
			m->c[2] += rd * 512 * (1 + (int64_t)(next() % 16));
			m->c[3] += wr * 512 * (1 + (int64_t)(next() % 16));
			m->c[6] += (int64_t)((double)rd * m->lat * (0.5 + uni()));
			m->c[7] += (int64_t)((double)wr * m->lat * 1.5 * (0.5 + uni()));
			m->c[8] += (int64_t)(m->net * load * dt * (0.5 + uni()));
			m->c[9] += (int64_t)(m->net * 0.3 * load * dt * (0.5 + uni()));
			if (uni() < 0.3)
				m->pages += (int64_t)(next() % 201) - 100;
			char ts[32], lab[96];
			if (om)
				snprintf(ts, sizeof(ts), "%lld.%03lld", (long long)(t / 1000),
					 (long long)(t % 1000));
			else
				snprintf(ts, sizeof(ts), "%lld", (long long)t);
			snprintf(lab, sizeof(lab), "{vm=\"vm-%04d\",host=\"hv-%02d\",source=\"kvm1\"}", i,
				 i % 50);
			for (int k = 0; k < NC; k++) {
				if (in_ns[k])
					printf("%s_total%s %lld.%09lld %s\n", counters[k], lab,
					       (long long)(m->c[k] / 1000000000),
					       (long long)(m->c[k] % 1000000000), ts);
				else
					printf("%s_total%s %lld %s\n", counters[k], lab,
					       (long long)m->c[k], ts);
			}
			printf("vm_memory_used_bytes%s %lld %s\n", lab, (long long)m->pages * 4096, ts);
			printf("vm_vcpus%s %d %s\n", lab, m->vcpus, ts);
		}
		prev_t0 = t0;
	}
	if (om)
		printf("# EOF\n");
	free(v);
	return 0;
}
