/* vsperf.h - vSphere's performance statistics made cordon's series: the
 * pure half of the connector's metrics (no network; vsmetrics.c asks the
 * server).  Private to inventory/.
 *
 * The PerformanceManager gives, for each VM and host, the realtime
 * samples of the last hour: one every 20 s, each the average (or the sum)
 * over the 20 s before its timestamp.  cordon keeps counters as counters
 * (catalog.h), so an average rate is turned into what it adds to a
 * counter over the sample's interval: cpu.usage (hundredths of a percent
 * of the VM's vCPUs or the host's CPUs) into CPU seconds, cpu.ready (ms
 * summed over the interval) into seconds, KBps into bytes, requests a
 * second into requests, and a disk's mean latency times its requests into
 * seconds spent; mem.consumed (KB) is a gauge.  The manager adds each
 * increase to the series' last value (mgr.h, cd_mgr_metrics_ingest).
 *
 * A counter the server does not offer for an object (QueryAvailablePerfMetric),
 * or a sample of -1 (vCenter's "no value"), gives no sample: a metric
 * without data has no points, never zeros. */
#ifndef CD_VSPERF_H
#define CD_VSPERF_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdint.h>

#include "base/util.h"

/* The counters cordon asks for: "group.name.rollup" and the instance. */
enum {
	CD_VSP_CPU_USAGE, CD_VSP_CPU_READY, CD_VSP_MEM_CONSUMED,
	CD_VSP_VD_READ, CD_VSP_VD_WRITE, CD_VSP_VD_NREAD, CD_VSP_VD_NWRITE,
	CD_VSP_VD_LREAD, CD_VSP_VD_LWRITE, CD_VSP_DISK_READ, CD_VSP_DISK_WRITE,
	CD_VSP_NET_RX, CD_VSP_NET_TX, CD_VSP_N
};

#define CD_VSP_INTERVAL 20           /* the realtime statistics interval, s */
#define CD_VSP_MAX_SAMPLES 360       /* two hours of 20 s samples an object */
#define CD_VSP_MAX_INSTANCES 64      /* disks of a VM read */

struct cd_vsp_ids {
	int32_t id[CD_VSP_N];        /* the server's counter id, or -1 */
};

/* The counter's name ("cpu.usage.average") and the instance asked ("",
 * or "*": every disk). */
const char *cd_vsp_name(int k);
const char *cd_vsp_instance(int k);

/* The PerformanceManager's perfCounter property (rv: the first
 * returnval of a RetrievePropertiesEx answer): the ids of the counters
 * above.  0, or -EPROTO with err when it lists none. */
int cd_vsp_counters(const xmlNode *rv, struct cd_vsp_ids *ids, struct cd_buf *err);

/* A QueryAvailablePerfMetric answer (its first returnval): the bit
 * 1 << k of each counter k above the object has (any instance). */
uint32_t cd_vsp_available(const xmlNode *rv, const struct cd_vsp_ids *ids);

/* A QueryPerf answer (its first returnval, a PerfEntityMetric each):
 * entries {"kind": "vm", "id": ID | "kind": "host", "name": NAME, "t":
 * epoch ms, "interval": s, "metrics": {gauges}, "increase": {counters}}
 * appended to out
 * in time order, for the samples after last[moref] (epoch ms; updated)
 * by at least half their interval.  objs is the session's map of managed
 * objects (vsphere.h): a VM's id (config.instanceUuid, else its moref)
 * and vCPUs (config.hardware.numCPU), a host's name, CPUs and memory
 * (summary.hardware.numCpuThreads, .memorySize).  Returns the entries
 * added; what is not understood is left out. */
int cd_vsp_samples(const xmlNode *rv, const struct cd_vsp_ids *ids, json_t *objs, json_t *last,
		   json_t *out);

#endif
