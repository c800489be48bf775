/* rightsize.h - oversized and undersized VMs: the 95th percentile of what
 * a VM used over a range, against what it is given, with a recommended
 * size (docs/capacity.md).
 *
 * Over the range (30 days by default), at the store's 5-minute step:
 *  - CPU: the vCPUs used at each step (vm_cpu_usage_ratio x vm_vcpus:
 *    the rate of vm_cpu_seconds_total, exact over the step), its 95th
 *    percentile by nearest rank (stats.h), against the VM's vCPUs now;
 *  - memory: the guest's own figure (vm_memory_guest_used_bytes, the
 *    step's mean), against the memory it is given now (vm_memory_bytes).
 *    Never the host's resident set: a VM whose guest gives no figure
 *    gets no memory finding, and says why.
 * A dimension is judged when it has at least min_ms of steps (7 days:
 * 2016 points); else "not enough data".  The recommended size holds the
 * percentile at the target utilisation: vCPUs max(1, ceil(p / 0.7)),
 * memory p / 0.8 rounded up to 256 MiB.  Oversized: the recommendation
 * is below what it has; undersized: the percentile is above 90% of it.
 *
 * The judging (cd_rs_judge) is pure; cd_rightsize_vm reads the store;
 * cd_rightsize_json makes GET /api/v1/rightsize's answer. */
#ifndef CD_RIGHTSIZE_H
#define CD_RIGHTSIZE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/catalog.h"
#include "metrics/mstore.h"

enum cd_rs_status {
	CD_RS_OK,              /* what it has fits */
	CD_RS_OVERSIZED,
	CD_RS_UNDERSIZED,
	CD_RS_FEW,             /* fewer points than the policy's minimum */
	CD_RS_UNASSESSED,      /* no figure to judge by (why says which) */
};

struct cd_rs_policy {
	double percentile;     /* 95 */
	double cpu_target;     /* 0.7: the utilisation a recommended size is for */
	double mem_target;     /* 0.8 */
	double high;           /* 0.9: a percentile above this share of what it has is undersized */
	double mem_round;      /* 256 MiB: memory recommended in multiples of it */
	int64_t min_ms;        /* 7 days: the points needed, as time at the step */
	int64_t step_ms;       /* 300000: the store's 5-minute tier */
};
extern const struct cd_rs_policy cd_rs_default;

/* One dimension (CPU in vCPUs, memory in bytes) of a VM, judged. */
struct cd_rs_dim {
	enum cd_rs_status status;
	double have;           /* vCPUs, or bytes given (NaN: unknown) */
	double pct;            /* the percentile of what it used */
	double max;            /* the highest step */
	double recommended;    /* vCPUs or bytes (NaN when not judged) */
	size_t points;         /* the steps it was judged on */
	const char *why;       /* CD_RS_FEW, CD_RS_UNASSESSED: a sentence (static) */
};

/* Judge used[0..n) (the steps' figures; reordered) against have, memory
 * (bytes, rounded to mem_round) or CPU (vCPUs, whole). */
void cd_rs_judge(const struct cd_rs_policy *pol, double *used, size_t n, double have,
		 bool memory, struct cd_rs_dim *out);
/* "oversized", "undersized", "ok", "not_enough_data", "not_assessed". */
const char *cd_rs_status_name(enum cd_rs_status s);

struct cd_rs_vm {
	struct cd_rs_dim cpu, mem;
	int64_t begin, end;    /* the range read */
};

/* VM name in st over [end - range_ms, end]: 0 with *out, or a negative
 * code from the store. */
int cd_rightsize_vm(struct cd_mstore *st, const char *name, int64_t end, int64_t range_ms,
		    const struct cd_rs_policy *pol, struct cd_rs_vm *out);

/* A VM with samples: its name, host and source ("" when unknown), its
 * newest sample. */
struct cd_vm_ref {
	char *name, *host, *source;
	int64_t last;
};
/* The VMs of st with a sample at or after since, in *v (freed with
 * cd_vm_refs_free): how many. */
size_t cd_vm_refs(struct cd_mstore *st, int64_t since, struct cd_vm_ref **v);
void cd_vm_refs_free(struct cd_vm_ref *v, size_t n);
/* The newest sample of VM name's series metric (a gauge: vm_vcpus), or
 * NaN. */
double cd_vm_newest(struct cd_mstore *st, const char *name, const char *metric);
/* The vCPUs a VM used (vm_cpu_usage_ratio x vm_vcpus): its CPU time's
 * rate, read with cd_mquery. */
extern const struct cd_metric cd_rs_vcpus_used;

/* Every VM of st with samples in the range, judged: 0 with *out (GET
 * /api/v1/rightsize's answer: {"begin", "end", "policy", "vms": [...]},
 * the VMs oversized and undersized first), or a negative code. */
int cd_rightsize_json(struct cd_mstore *st, int64_t end, int64_t range_ms,
		      const struct cd_rs_policy *pol, json_t **out);

#endif
