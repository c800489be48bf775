/* vmstore.h - what bench-views and bench-report read: a metrics store of
 * VMS VMs over DAYS days, sampled every 5 minutes (CPU and ready time,
 * vCPUs, memory in use, each VM its own daily cycle), made by a bulk load
 * and rolled up into the 5-minute and 1-hour tiers as the manager's
 * upkeep would. */
#ifndef CD_BENCH_VMSTORE_H
#define CD_BENCH_VMSTORE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "metrics/mstore.h"

#define VMSTORE_STEP 300000LL
#define VMSTORE_DAY 86400000LL
#define VMSTORE_T0 1764547200000LL     /* 2025-12-01T00:00:00Z */

/* VM v's name, as the store holds it */
static inline void vmstore_name(int v, char buf[32])
{
	snprintf(buf, 32, "vm-%05d", v);
}

/* Make the store in dir: 0, or -1 after a message naming prog. */
static inline int vmstore_make(const char *prog, const char *dir, int vms, int days)
{
	struct cd_mstore_opts o = { .bulk = true, .max_series = (size_t)vms * 4 + 16 };
	struct cd_mstore *st;
	char err[256];
	if (cd_mstore_open(dir, &o, &st, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	static const char *const names[] = { "vm_cpu_seconds_total", "vm_cpu_ready_seconds_total",
					     "vm_vcpus", "vm_memory_used_bytes" };
	int64_t *id = cd_malloc((size_t)vms * 4 * sizeof *id);
	for (int v = 0; v < vms; v++) {
		char name[32], labels[96];
		vmstore_name(v, name);
		snprintf(labels, sizeof labels, "host=\"hv-%03d\",vm=\"%s\"", v / 50, name);
		for (int k = 0; k < 4; k++) {
			struct cd_series_desc d = { .metric = names[k], .labels = labels, .kind = "vm",
						    .name = name, .host = "", .source = "kvm1",
						    .counter = k < 2 };
			if (cd_mstore_series(st, &d, &id[v * 4 + k]))
				return -1;
		}
	}
	int64_t steps = days * VMSTORE_DAY / VMSTORE_STEP;
	double *cpu = cd_calloc((size_t)vms, sizeof *cpu), *ready = cd_calloc((size_t)vms, sizeof *ready);
	for (int64_t i = 0; i < steps; i++) {
		int64_t t = VMSTORE_T0 + i * VMSTORE_STEP;
		double hour = (double)((t / 3600000) % 24);
		for (int v = 0; v < vms; v++) {
			int vcpus = 1 << (v % 4);
			double load = 0.1 + 0.3 * (1 + sin((hour + v % 7) / 24.0 * 2 * M_PI)) / 2;
			cpu[v] += load * vcpus * (double)VMSTORE_STEP / 1000;
			ready[v] += load * 0.02 * (1 + v % 5) * vcpus * (double)VMSTORE_STEP / 1000;
			if (cd_mstore_append(st, id[v * 4], t, cpu[v]) ||
			    cd_mstore_append(st, id[v * 4 + 1], t, ready[v]) ||
			    cd_mstore_append(st, id[v * 4 + 2], t, vcpus) ||
			    cd_mstore_append(st, id[v * 4 + 3], t,
					     1e9 * (1 + v % 16) + 1e7 * (double)((i + v) % 300)))
				return -1;
		}
		if (i % 288 == 287 && cd_mstore_commit(st))
			return -1;
	}
	free(cpu);
	free(ready);
	free(id);
	if (cd_mstore_maintain(st, VMSTORE_T0 + (days + 1) * VMSTORE_DAY) || cd_mstore_close(st))
		return -1;
	return 0;
}

#endif
