/* catalog.c - the metrics and how they are made (see catalog.h). */
#include "metrics/catalog.h"

#include <stdbool.h>
#include <string.h>

#include "base/util.h"

static const struct cd_metric metrics[] = {
	{ "vm_cpu_usage_ratio", "vm", "ratio", CD_HOW_PER_CPU, "vm_cpu_seconds_total", "vm_vcpus",
	  "CPU time used / (interval x vCPUs)" },
	{ "vm_cpu_ready_ratio", "vm", "ratio", CD_HOW_PER_CPU, "vm_cpu_ready_seconds_total", "vm_vcpus",
	  "time the vCPUs waited to run (libvirt vcpu.N.delay, vSphere cpu.ready) / (interval x "
	  "vCPUs): contention" },
	{ "vm_memory_used_bytes", "vm", "bytes", CD_HOW_GAUGE, "vm_memory_used_bytes", NULL,
	  "guest memory in use (balloon statistics where the guest gives them, else the "
	  "process's resident set)" },
	{ "vm_memory_consumed_bytes", "vm", "bytes", CD_HOW_GAUGE, "vm_memory_consumed_bytes", NULL,
	  "host memory the VM holds: its QEMU process's resident set (vSphere's consumed)" },
	{ "vm_memory_guest_used_bytes", "vm", "bytes", CD_HOW_GAUGE, "vm_memory_guest_used_bytes", NULL,
	  "guest memory in use as the guest's balloon driver says (available - usable, else "
	  "available - unused), only where it says: no resident set stands in (right-sizing)" },
	{ "vm_memory_bytes", "vm", "bytes", CD_HOW_GAUGE, "vm_memory_bytes", NULL,
	  "memory the VM is given (libvirt's balloon.maximum, its definition's memory; vSphere's "
	  "config.hardware.memoryMB)" },
	{ "vm_power_state", "vm", "state", CD_HOW_GAUGE, "vm_power_state", NULL,
	  "libvirt's domain state: 1 running, 2 blocked, 3 paused, 4 shutting down, 5 shut off, "
	  "6 crashed, 7 suspended by the guest (a code: read it with the latest rollup)" },
	{ "vm_disk_read_bytes_per_second", "vm", "bytes_per_second", CD_HOW_RATE,
	  "vm_disk_read_bytes_total", NULL, "bytes read, all disks" },
	{ "vm_disk_write_bytes_per_second", "vm", "bytes_per_second", CD_HOW_RATE,
	  "vm_disk_write_bytes_total", NULL, "bytes written, all disks" },
	{ "vm_disk_read_ops_per_second", "vm", "ops_per_second", CD_HOW_RATE,
	  "vm_disk_read_ops_total", NULL, "read requests (IOPS), all disks" },
	{ "vm_disk_write_ops_per_second", "vm", "ops_per_second", CD_HOW_RATE,
	  "vm_disk_write_ops_total", NULL, "write requests (IOPS), all disks" },
	{ "vm_disk_read_latency_seconds", "vm", "seconds", CD_HOW_PER_OP,
	  "vm_disk_read_time_seconds_total", "vm_disk_read_ops_total",
	  "mean time per read request over the interval" },
	{ "vm_disk_write_latency_seconds", "vm", "seconds", CD_HOW_PER_OP,
	  "vm_disk_write_time_seconds_total", "vm_disk_write_ops_total",
	  "mean time per write request over the interval" },
	{ "vm_net_rx_bytes_per_second", "vm", "bytes_per_second", CD_HOW_RATE,
	  "vm_net_rx_bytes_total", NULL, "bytes received, all vNICs" },
	{ "vm_net_tx_bytes_per_second", "vm", "bytes_per_second", CD_HOW_RATE,
	  "vm_net_tx_bytes_total", NULL, "bytes sent, all vNICs" },
	{ "host_cpu_usage_ratio", "host", "ratio", CD_HOW_PER_CPU, "host_cpu_busy_seconds_total",
	  "host_cpus", "the hypervisor's CPU time busy / (interval x CPUs)" },
	{ "host_memory_used_bytes", "host", "bytes", CD_HOW_GAUGE, "host_memory_used_bytes", NULL,
	  "the hypervisor's memory in use" },
	{ "host_memory_total_bytes", "host", "bytes", CD_HOW_GAUGE, "host_memory_total_bytes", NULL,
	  "the hypervisor's memory" },
	{ "host_memory_used_ratio", "host", "ratio", CD_HOW_PER_GAUGE, "host_memory_used_bytes",
	  "host_memory_total_bytes", "the hypervisor's memory in use / its memory" },
	{ "datastore_capacity_bytes", "datastore", "bytes", CD_HOW_GAUGE, "datastore_capacity_bytes",
	  NULL, "the pool's or datastore's capacity" },
	{ "datastore_used_bytes", "datastore", "bytes", CD_HOW_GAUGE, "datastore_used_bytes", NULL,
	  "bytes allocated in the pool or datastore" },
	{ "datastore_free_bytes", "datastore", "bytes", CD_HOW_GAUGE, "datastore_free_bytes", NULL,
	  "bytes available in the pool or datastore" },
	{ "datastore_used_ratio", "datastore", "ratio", CD_HOW_PER_GAUGE, "datastore_used_bytes",
	  "datastore_capacity_bytes", "bytes allocated / capacity" },
};

/* The series the collectors keep, as GET /metrics exports them. */
static const struct {
	const char *name, *unit, *help;
} raws[] = {
	{ "vm_cpu_seconds_total", "seconds", "CPU time the VM used (libvirt cpu.time; vCenter "
	  "cpu.usage x interval x vCPUs); read as vm_cpu_usage_ratio" },
	{ "vm_cpu_ready_seconds_total", "seconds", "time the VM's vCPUs waited to run (libvirt "
	  "vcpu.N.delay; vCenter cpu.ready); read as vm_cpu_ready_ratio" },
	{ "vm_vcpus", NULL, "the VM's vCPUs" },
	{ "vm_memory_used_bytes", "bytes", "guest memory in use (balloon statistics where the "
	  "guest gives them, else the process's resident set)" },
	{ "vm_memory_consumed_bytes", "bytes", "host memory the VM holds: its QEMU process's "
	  "resident set" },
	{ "vm_memory_guest_used_bytes", "bytes", "guest memory in use as the guest's balloon driver "
	  "says (available - usable, else available - unused); none where it says nothing" },
	{ "vm_memory_bytes", "bytes", "memory the VM is given (libvirt balloon.maximum; vSphere "
	  "config.hardware.memoryMB)" },
	{ "vm_power_state", NULL, "libvirt's domain state: 1 running, 2 blocked, 3 paused, "
	  "4 shutting down, 5 shut off, 6 crashed, 7 suspended by the guest" },
	{ "vm_disk_read_bytes_total", "bytes", "bytes read, all disks" },
	{ "vm_disk_write_bytes_total", "bytes", "bytes written, all disks" },
	{ "vm_disk_read_ops_total", NULL, "read requests, all disks" },
	{ "vm_disk_write_ops_total", NULL, "write requests, all disks" },
	{ "vm_disk_read_time_seconds_total", "seconds", "time spent on read requests, all disks; "
	  "read as vm_disk_read_latency_seconds" },
	{ "vm_disk_write_time_seconds_total", "seconds", "time spent on write requests, all disks; "
	  "read as vm_disk_write_latency_seconds" },
	{ "vm_net_rx_bytes_total", "bytes", "bytes received, all vNICs" },
	{ "vm_net_tx_bytes_total", "bytes", "bytes sent, all vNICs" },
	{ "host_cpu_busy_seconds_total", "seconds", "the hypervisor's CPU time busy; read as "
	  "host_cpu_usage_ratio" },
	{ "host_cpus", NULL, "the hypervisor's CPUs" },
	{ "host_memory_used_bytes", "bytes", "the hypervisor's memory in use" },
	{ "host_memory_total_bytes", "bytes", "the hypervisor's memory" },
	{ "datastore_capacity_bytes", "bytes", "the pool's or datastore's capacity" },
	{ "datastore_used_bytes", "bytes", "bytes allocated in the pool or datastore" },
	{ "datastore_free_bytes", "bytes", "bytes available in the pool or datastore" },
};

const char *cd_catalog_raw_help(const char *name, const char **unit)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(raws); i++)
		if (!strcmp(raws[i].name, name)) {
			*unit = raws[i].unit;
			return raws[i].help;
		}
	*unit = NULL;
	return NULL;
}

const struct cd_metric *cd_catalog(size_t *n)
{
	*n = CD_ARRAY_LEN(metrics);
	return metrics;
}

const struct cd_metric *cd_catalog_find(const char *name)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(metrics); i++)
		if (!strcmp(metrics[i].name, name))
			return &metrics[i];
	return NULL;
}

bool cd_catalog_is_raw(const char *name)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(metrics); i++)
		if (!strcmp(metrics[i].raw, name) || (metrics[i].per && !strcmp(metrics[i].per, name)))
			return true;
	return false;
}

json_t *cd_catalog_json(void)
{
	json_t *a = json_array();
	for (size_t i = 0; i < CD_ARRAY_LEN(metrics); i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "name", metrics[i].name,
						   "kind", metrics[i].kind, "unit", metrics[i].unit,
						   "description", metrics[i].description));
	return a;
}
