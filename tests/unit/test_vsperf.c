/* test_vsperf.c - vSphere's statistics made series, without a server:
 * the answers in tests/vsphere (perfcounter.xml, available.xml,
 * queryperf.xml) are govmomi's simulator's, the disk latency one is
 * written here (the simulator has no data for it). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "inventory/vsperf.h"
#include "inventory/vsxml.h"

/* The first returnval of an answer (the doc is the caller's). */
static xmlNode *rv_of(const char *xml, size_t len, xmlDoc **doc)
{
	*doc = cd_vsx_parse(xml, len);
	xmlNode *resp = cd_vsx_first_el(cd_vsx_child(*doc ? xmlDocGetRootElement(*doc) : NULL, "Body"));
	return cd_vsx_child(resp, "returnval");
}

static xmlNode *rv_file(const char *path, xmlDoc **doc)
{
	char *xml;
	size_t len;
	ASSERT_EQ(cd_read_file(path, 1 << 20, &xml, &len), 0);
	xmlNode *rv = rv_of(xml, len, doc);
	free(xml);
	return rv;
}

static void ids_of(struct cd_vsp_ids *ids)
{
	xmlDoc *d;
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	ASSERT_EQ(cd_vsp_counters(rv_file("tests/vsphere/perfcounter.xml", &d), ids, &err), 0);
	xmlFreeDoc(d);
	cd_buf_free(&err);
}

static double num(json_t *e, const char *part, const char *name)
{
	json_t *v = json_object_get(json_object_get(e, part), name);
	return v ? json_number_value(v) : NAN;
}

#define NEAR(a, b) (fabs((a) - (double)(b)) <= 1e-9 * fabs((double)(b)))

TEST(vsperf_counters_and_availability)
{
	struct cd_vsp_ids ids;
	ids_of(&ids);
	ASSERT_EQ(ids.id[CD_VSP_CPU_USAGE], 2);
	ASSERT_EQ(ids.id[CD_VSP_CPU_READY], 12);
	ASSERT_EQ(ids.id[CD_VSP_MEM_CONSUMED], 98);
	ASSERT_EQ(ids.id[CD_VSP_VD_READ], 173);
	ASSERT_EQ(ids.id[CD_VSP_VD_LREAD], 175);
	ASSERT_EQ(ids.id[CD_VSP_NET_TX], 149);
	/* what the simulator's VM has: no disk requests nor latencies */
	xmlDoc *d;
	uint32_t m = cd_vsp_available(rv_file("tests/vsphere/available.xml", &d), &ids);
	xmlFreeDoc(d);
	ASSERT(m & (1u << CD_VSP_CPU_USAGE) && m & (1u << CD_VSP_CPU_READY));
	ASSERT(m & (1u << CD_VSP_MEM_CONSUMED) && m & (1u << CD_VSP_VD_READ));
	ASSERT(!(m & (1u << CD_VSP_VD_LREAD)) && !(m & (1u << CD_VSP_VD_NREAD)));
	/* an answer with no counter is an error */
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	ASSERT_EQ(cd_vsp_counters(NULL, &ids, &err), -EPROTO);
	cd_buf_free(&err);
}

TEST(vsperf_samples_to_counters)
{
	struct cd_vsp_ids ids;
	ids_of(&ids);
	json_t *objs = json_pack("{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}",
		"vm-59", "type", "VirtualMachine", "config.instanceUuid", "u-59",
		"config.hardware.numCPU", "2", "config.hardware.memoryMB", "32",
		"host-23", "type", "HostSystem", "name", "DC0_H0", "summary.hardware.numCpuThreads", "8",
		"summary.hardware.memorySize", "4294967296");
	json_t *last = json_object(), *out = json_array();
	xmlDoc *d;
	xmlNode *rv = rv_file("tests/vsphere/queryperf.xml", &d);
	ASSERT_EQ(cd_vsp_samples(rv, &ids, objs, last, out), 8);
	/* the VM's four samples first, oldest first (the simulator sends
	 * them newest first) */
	json_t *e = json_array_get(out, 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(e, "kind")), "vm");
	ASSERT_STR_EQ(json_string_value(json_object_get(e, "id")), "u-59");
	int64_t t0 = json_integer_value(json_object_get(e, "t"));
	ASSERT_EQ(t0, 1796248929712);                            /* 22:02:09.712 */
	ASSERT(json_integer_value(json_object_get(json_array_get(out, 3), "t")) == t0 + 60000);
	ASSERT(json_integer_value(json_object_get(e, "interval")) == 20);
	ASSERT(NEAR(num(e, "increase", "vm_cpu_seconds_total"), 589.0 / 10000 * 20 * 2));
	ASSERT(NEAR(num(e, "increase", "vm_cpu_ready_seconds_total"), 0.128));
	ASSERT(NEAR(num(e, "increase", "vm_net_rx_bytes_total"), 258.0 * 1024 * 20));
	ASSERT(NEAR(num(e, "metrics", "vm_memory_used_bytes"), 12021802.0 * 1024));
	ASSERT(NEAR(num(e, "metrics", "vm_vcpus"), 2));
	ASSERT(NEAR(num(e, "metrics", "vm_memory_bytes"), 32.0 * 1048576));   /* as configured */
	ASSERT(isnan(num(e, "metrics", "vm_memory_guest_used_bytes")));   /* vCenter's is not the guest's */
	ASSERT(isnan(num(e, "increase", "vm_disk_read_time_seconds_total")));   /* no data: none */
	e = json_array_get(out, 4);
	ASSERT_STR_EQ(json_string_value(json_object_get(e, "name")), "DC0_H0");
	ASSERT(NEAR(num(e, "increase", "host_cpu_busy_seconds_total"), 4494.0 / 10000 * 20 * 8));
	ASSERT(NEAR(num(e, "metrics", "host_memory_used_bytes"), 44851785.0 * 1024));
	ASSERT(NEAR(num(e, "metrics", "host_memory_total_bytes"), 4294967296.0));
	/* the same answer again: nothing new */
	ASSERT_EQ(cd_vsp_samples(rv, &ids, objs, last, out), 0);
	ASSERT_EQ(json_integer_value(json_object_get(last, "vm-59")), t0 + 60000);
	xmlFreeDoc(d);
	json_decref(out);
	json_decref(last);
	json_decref(objs);
}

TEST(vsperf_disk_latency_weighted_by_requests)
{
	struct cd_vsp_ids ids;
	ids_of(&ids);
	/* two disks: 10 reads a second at 2 ms, 30 at 4 ms; a -1 is no value */
	static const char xml[] =
		"<Envelope><Body><QueryPerfResponse><returnval><entity type=\"VirtualMachine\">vm-1</entity>"
		"<sampleInfo><timestamp>2026-12-01T00:00:20Z</timestamp><interval>20</interval></sampleInfo>"
		"<sampleInfo><timestamp>2026-12-01T00:00:40Z</timestamp><interval>20</interval></sampleInfo>"
		"<value><id><counterId>175</counterId><instance>scsi0:0</instance></id><value>2</value><value>-1</value></value>"
		"<value><id><counterId>171</counterId><instance>scsi0:0</instance></id><value>10</value><value>-1</value></value>"
		"<value><id><counterId>171</counterId><instance>scsi0:1</instance></id><value>30</value><value>-1</value></value>"
		"<value><id><counterId>175</counterId><instance>scsi0:1</instance></id><value>4</value><value>-1</value></value>"
		"<value><id><counterId>999</counterId><instance></instance></id><value>7</value></value>"
		"</returnval></QueryPerfResponse></Body></Envelope>";
	json_t *objs = json_pack("{s:{s:s}}", "vm-1", "type", "VirtualMachine");
	json_t *last = json_object(), *out = json_array();
	xmlDoc *d;
	ASSERT_EQ(cd_vsp_samples(rv_of(xml, sizeof(xml) - 1, &d), &ids, objs, last, out), 1);
	json_t *e = json_array_get(out, 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(e, "id")), "vm-1");      /* no uuid: the moref */
	ASSERT(NEAR(num(e, "increase", "vm_disk_read_ops_total"), 800));
	ASSERT(NEAR(num(e, "increase", "vm_disk_read_time_seconds_total"), 0.4 + 2.4));   /* 3.5 ms a read */
	ASSERT(isnan(num(e, "increase", "vm_cpu_seconds_total")));
	ASSERT_EQ(json_object_size(json_object_get(e, "metrics")), 0);     /* vCPUs unknown */
	xmlFreeDoc(d);
	json_decref(out);
	json_decref(last);
	json_decref(objs);
}
