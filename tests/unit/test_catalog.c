/* test_catalog.c - the metrics catalog holds at least the contract's
 * metrics (monitoring.md), each named KIND_WHAT_UNIT after its object kind
 * and unit, made from series that are counters (_total) where a rate is
 * taken and gauges where they are kept as they are. */
#include <string.h>

#include "metrics/catalog.h"
#include "test.h"

static bool ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

TEST(catalog_the_contracts_metrics)
{
	static const char *const contract[] = {
		"vm_cpu_usage_ratio", "vm_cpu_ready_ratio", "vm_memory_used_bytes",
		"vm_disk_read_bytes_per_second", "vm_disk_write_bytes_per_second",
		"vm_disk_read_ops_per_second", "vm_disk_write_ops_per_second",
		"vm_disk_read_latency_seconds", "vm_disk_write_latency_seconds",
		"vm_net_rx_bytes_per_second", "vm_net_tx_bytes_per_second", "host_cpu_usage_ratio",
		"host_memory_used_bytes", "host_memory_total_bytes", "datastore_capacity_bytes",
		"datastore_used_bytes", "datastore_free_bytes",
	};
	for (size_t i = 0; i < sizeof(contract) / sizeof(contract[0]); i++)
		if (!cd_catalog_find(contract[i]))
			test_fail(__FILE__, __LINE__, "%s is not in the catalog", contract[i]);
	size_t n;
	const struct cd_metric *m = cd_catalog(&n);
	for (size_t i = 0; i < n; i++) {
		char kind[32];
		snprintf(kind, sizeof(kind), "%s_", m[i].kind);
		ASSERT(!strncmp(m[i].name, kind, strlen(kind)));
		char unit[40];
		snprintf(unit, sizeof(unit), "_%s", m[i].unit);
		ASSERT(ends(m[i].name, unit));
		bool counter = m[i].how != CD_HOW_GAUGE && m[i].how != CD_HOW_PER_GAUGE;
		ASSERT(ends(m[i].raw, "_total") == counter);
		ASSERT(cd_catalog_is_raw(m[i].raw));
		if (m[i].how == CD_HOW_PER_OP)
			ASSERT(m[i].per && ends(m[i].per, "_total"));
		if (m[i].how == CD_HOW_PER_CPU || m[i].how == CD_HOW_PER_GAUGE)
			ASSERT(m[i].per && !ends(m[i].per, "_total"));
		ASSERT(m[i].description && *m[i].description);
		for (size_t j = 0; j < i; j++)
			ASSERT(strcmp(m[i].name, m[j].name));
	}
	ASSERT(!cd_catalog_find("vm_nothing"));
	ASSERT(!cd_catalog_is_raw("vm_cpu_usage_ratio"));
	json_t *j = cd_catalog_json();
	ASSERT_EQ(json_array_size(j), n);
	json_decref(j);
}
