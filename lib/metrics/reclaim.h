/* reclaim.h - VMs that hold what they do not use: idle for N days, or
 * powered off for N days (docs/capacity.md).  The disk images no domain
 * references are libvirt's to tell (inventory/virtvol.h).
 *
 * Idle for N days (7 by default): over the last N days, at the store's
 * 5-minute step, it ran at least 90% of the steps (it has their CPU
 * points), and at every step it used less than 0.05 vCPU (5% of one:
 * vm_cpu_usage_ratio x vm_vcpus) and sent and received less than
 * 1000 bytes a second together (vm_net_rx + vm_net_tx; a VM without
 * network series counts as silent there, and says so).
 *
 * Powered off for N days: in the hours since N days ago, nothing says it
 * ran: no vm_power_state of 1 to 4 (running, blocked, paused, shutting
 * down) and no CPU sample; and it is known from before then.  Read at
 * 1-hour steps over the last 180 days (the 5-minute tier's retention):
 * "off since" is the end of the last hour it ran, to the hour, or its
 * first sample when none in that time ran ("at least").  A domain
 * defined and not running is sent as shut off at each collection; a VM
 * whose source stopped reporting it (a vSphere VM powered off, a VM
 * deleted) is silent, and listed with its newest sample's time.
 *
 * The judging (cd_rc_judge_*) is pure; cd_reclaim_json reads the store. */
#ifndef CD_RECLAIM_H
#define CD_RECLAIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/mstore.h"

struct cd_rc_policy {
	int64_t idle_ms, off_ms;   /* 7 days each */
	double idle_cpu;           /* 0.05 vCPU: below it at every step */
	double idle_net;           /* 1000 bytes a second, rx and tx together */
	double coverage;           /* 0.9: the share of steps it must have run */
	int64_t step_ms;           /* 300000 */
	int64_t lookback_ms;       /* 180 days: how far back its last running hour is sought */
};
extern const struct cd_rc_policy cd_rc_default;

struct cd_rc_idle {
	bool idle;
	size_t steps, points;      /* the window's steps; those with CPU points (it ran) */
	double max_cpu, max_net;   /* vCPUs, bytes a second (NaN: none) */
};
/* cpu[0..nc): vCPUs used at the window's steps it ran; net[0..nn): its
 * bytes a second (rx + tx) at its steps; steps: the window's. */
void cd_rc_judge_idle(const struct cd_rc_policy *pol, const double *cpu, size_t nc,
		      const double *net, size_t nn, size_t steps, struct cd_rc_idle *out);

/* An hour with samples: its start, and whether one of them says it ran. */
struct cd_rc_hour {
	int64_t t;
	bool ran;
};
struct cd_rc_off {
	bool off;
	int64_t first;             /* its first hour with a sample (INT64_MIN: none) */
	int64_t last_running;      /* the end of the last hour it ran (INT64_MIN: none seen) */
	int64_t since;             /* off since: last_running, else first */
};
/* h[0..n) in time order, at now. */
void cd_rc_judge_off(const struct cd_rc_policy *pol, int64_t now, const struct cd_rc_hour *h,
		     size_t n, struct cd_rc_off *out);

/* {"now", "policy", "idle": [...], "powered_off": [...]}, each VM with its
 * evidence: 0 with *out, or a negative code from the store. */
int cd_reclaim_json(struct cd_mstore *st, int64_t now, const struct cd_rc_policy *pol,
		    json_t **out);

#endif
