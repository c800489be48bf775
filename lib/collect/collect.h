/* collect.h - a host's metrics as its agent reads them, each object's at
 * one time: entries {"kind", "name", "t", "metrics": {SERIES: VALUE}} as
 * POST /api/v1/agent/metrics takes them.  The series are those the
 * catalog is made from (metrics/catalog.h): counters as the source counts them
 * (nanoseconds made seconds, bytes, requests), gauges as they are.
 *
 * libvirt (collect_virt.c): each running domain's statistics
 * (virDomainListGetStats, the stats of virConnectGetAllDomainStats, with
 * the NOWAIT flag: a domain whose QEMU monitor is busy is reported with
 * what libvirt has without asking it): the state, cpu.time and vcpu.N.delay
 * (ready time), balloon (memory the guest uses when it says and its
 * figures are fresh, else the QEMU process's resident set; and that
 * resident set as consumed memory; the guest's figure alone, where it
 * gives one, for right-sizing; the memory it is given, balloon.maximum),
 * block.N
 * (bytes, requests and their time) and net.N; the node's CPU and memory;
 * every active storage pool's capacity, allocation and available bytes.
 *
 * /proc (collect_proc.c): the host's CPU time busy and its CPUs from
 * /proc/stat, its memory from /proc/meminfo: for a host where libvirt
 * gives none of these. */
#ifndef CD_COLLECT_H
#define CD_COLLECT_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

/* A libvirt connection's (a virConnectPtr) entries at time t (epoch ms):
 * the running domains (virDomainPtr; n or -EIO with err), one domain's
 * entry (NULL when libvirt has none), freeing the list, and the node's
 * and the pools' entries (0 or -EIO).  A domain whose QEMU hangs holds up
 * its call: the agent asks each domain apart, in a thread it can leave
 * behind (agent/mcollect.c).
 *
 * A domain's entry has vm_power_state (libvirt's virDomainState), and
 * "memory_stale": {"seconds", "period_set", "error"} when the guest of a
 * running domain has balloon figures too old to use: without a stats
 * period, cd_collect_domain set one (CD_COLLECT_BALLOON_PERIOD_S, live),
 * or failed to; with one, its driver does not answer (the error says
 * which).  The agent says so and removes the field.  An entry is stamped
 * when its domain was read, not at t when later. */
#define CD_COLLECT_BALLOON_PERIOD_S 10
int cd_collect_domains(void *conn, void ***doms, struct cd_buf *err);
json_t *cd_collect_domain(void *dom, int64_t t);
/* The domains not running: an entry each, vm_power_state 5 (shut off),
 * and their vCPUs and memory as defined (virDomainGetInfo). */
json_t *cd_collect_inactive(void *conn, int64_t t);
void cd_collect_domains_free(void **doms, int n);
int cd_collect_host(void *conn, const char *host, int64_t t, json_t *out);
/* The domains' entries carry their disks' files ("disks"), the pools'
 * their directory ("path"): each domain's entry gets the pools holding
 * its disks ("datastores": [NAMES]), and both fields go. */
void cd_collect_relate(json_t *entries);

/* The host entry from /proc (root: "/proc", or a test's copy): 0 with
 * *entry, or -errno. */
int cd_collect_proc(const char *root, const char *host, int64_t t, json_t **entry);
/* The same from the texts of /proc/stat and /proc/meminfo (ticks: the
 * clock ticks a second). */
int cd_collect_proc_parse(const char *stat, const char *meminfo, long ticks, const char *host,
			  int64_t t, json_t **entry);

#endif
