/* vsperf.c - vSphere's performance statistics made cordon's series (see
 * vsperf.h).  No network: the fuzzer and the unit tests call these with
 * answers of their own. */
#define _GNU_SOURCE       /* qsort_r */
#include "inventory/vsperf.h"

#include <errno.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/vsxml.h"

static const struct {
	const char *name, *instance;
} wanted[CD_VSP_N] = {
	[CD_VSP_CPU_USAGE] = { "cpu.usage.average", "" },
	[CD_VSP_CPU_READY] = { "cpu.ready.summation", "" },
	[CD_VSP_MEM_CONSUMED] = { "mem.consumed.average", "" },
	[CD_VSP_VD_READ] = { "virtualDisk.read.average", "*" },
	[CD_VSP_VD_WRITE] = { "virtualDisk.write.average", "*" },
	[CD_VSP_VD_NREAD] = { "virtualDisk.numberReadAveraged.average", "*" },
	[CD_VSP_VD_NWRITE] = { "virtualDisk.numberWriteAveraged.average", "*" },
	[CD_VSP_VD_LREAD] = { "virtualDisk.totalReadLatency.average", "*" },
	[CD_VSP_VD_LWRITE] = { "virtualDisk.totalWriteLatency.average", "*" },
	[CD_VSP_DISK_READ] = { "disk.read.average", "" },
	[CD_VSP_DISK_WRITE] = { "disk.write.average", "" },
	[CD_VSP_NET_RX] = { "net.received.average", "" },
	[CD_VSP_NET_TX] = { "net.transmitted.average", "" },
};

const char *cd_vsp_name(int k)
{
	return wanted[k].name;
}

const char *cd_vsp_instance(int k)
{
	return wanted[k].instance;
}

/* A whole decimal integer of n's text within [lo, hi]. */
static bool int_of(const xmlNode *n, int64_t lo, int64_t hi, int64_t *v)
{
	char *t = cd_vsx_text(n), *e;
	errno = 0;
	long long x = strtoll(t, &e, 10);
	bool ok = *t && !*e && !errno && x >= lo && x <= hi;
	free(t);
	if (ok)
		*v = x;
	return ok;
}

static int which(const struct cd_vsp_ids *ids, int64_t id)
{
	for (int k = 0; k < CD_VSP_N; k++)
		if (ids->id[k] >= 0 && ids->id[k] == id)
			return k;
	return -1;
}

int cd_vsp_counters(const xmlNode *rv, struct cd_vsp_ids *ids, struct cd_buf *err)
{
	for (int k = 0; k < CD_VSP_N; k++)
		ids->id[k] = -1;
	size_t seen = 0;
	for (; rv; rv = cd_vsx_next_el((xmlNode *)rv, "returnval"))
		for (xmlNode *o = cd_vsx_child(rv, "objects"); o; o = cd_vsx_next_el(o, "objects"))
			for (xmlNode *ps = cd_vsx_child(o, "propSet"); ps; ps = cd_vsx_next_el(ps, "propSet"))
				for (xmlNode *c = cd_vsx_first_el(cd_vsx_child(ps, "val")); c; c = c->next) {
					if (!cd_vsx_is(c, "PerfCounterInfo"))
						continue;
					int64_t key;
					if (!int_of(cd_vsx_child(c, "key"), 0, INT32_MAX, &key))
						continue;
					char *g = cd_vsx_text(cd_vsx_child(cd_vsx_child(c, "groupInfo"), "key"));
					char *n = cd_vsx_text(cd_vsx_child(cd_vsx_child(c, "nameInfo"), "key"));
					char *r = cd_vsx_text(cd_vsx_child(c, "rollupType"));
					char *full = cd_asprintf("%s.%s.%s", g, n, r);
					for (int k = 0; k < CD_VSP_N; k++)
						if (!strcmp(full, wanted[k].name))
							ids->id[k] = (int32_t)key;
					free(full);
					free(g);
					free(n);
					free(r);
					seen++;
				}
	if (!seen) {
		cd_buf_printf(err, "the server lists no performance counters");
		return -EPROTO;
	}
	return 0;
}

uint32_t cd_vsp_available(const xmlNode *rv, const struct cd_vsp_ids *ids)
{
	uint32_t mask = 0;
	for (; rv; rv = cd_vsx_next_el((xmlNode *)rv, "returnval")) {
		int64_t id;
		int k;
		if (int_of(cd_vsx_child(rv, "counterId"), 0, INT32_MAX, &id) && (k = which(ids, id)) >= 0)
			mask |= 1u << k;
	}
	return mask;
}

/* ---- one object's samples ---- */

struct series {
	int n;                               /* samples */
	int64_t t[CD_VSP_MAX_SAMPLES];       /* epoch ms */
	int interval[CD_VSP_MAX_SAMPLES];    /* seconds */
	double sum[CD_VSP_N][CD_VSP_MAX_SAMPLES];
	uint8_t has[CD_VSP_N][CD_VSP_MAX_SAMPLES];
	/* each disk's requests a second, for its latency's weight */
	char *inst[CD_VSP_MAX_INSTANCES];
	int ninst;
	double ops[2][CD_VSP_MAX_INSTANCES][CD_VSP_MAX_SAMPLES];
};

static int instance(struct series *s, const char *name, bool add)
{
	for (int i = 0; i < s->ninst; i++)
		if (!strcmp(s->inst[i], name))
			return i;
	if (!add || s->ninst == CD_VSP_MAX_INSTANCES)
		return -1;
	s->inst[s->ninst] = cd_strdup(name);
	for (int r = 0; r < 2; r++)
		for (int k = 0; k < CD_VSP_MAX_SAMPLES; k++)
			s->ops[r][s->ninst][k] = -1;
	return s->ninst++;
}

/* The values of one PerfMetricIntSeries: pass 0 takes every counter but
 * the latencies, pass 1 the latencies (weighted by the requests of their
 * disk, taken in pass 0). */
static void take(struct series *s, const struct cd_vsp_ids *ids, xmlNode *val, int pass)
{
	xmlNode *id = cd_vsx_child(val, "id");
	int64_t cid;
	int k;
	if (!int_of(cd_vsx_child(id, "counterId"), 0, INT32_MAX, &cid) || (k = which(ids, cid)) < 0)
		return;
	bool lat = k == CD_VSP_VD_LREAD || k == CD_VSP_VD_LWRITE;
	if (lat != (pass == 1))
		return;
	char *in = cd_vsx_text(cd_vsx_child(id, "instance"));
	int d = -1, rw = k == CD_VSP_VD_NREAD || k == CD_VSP_VD_LREAD ? 0 : 1;
	if (k == CD_VSP_VD_NREAD || k == CD_VSP_VD_NWRITE || lat)
		d = instance(s, in, !lat);
	free(in);
	if (lat && d < 0)
		return;
	int i = 0;
	for (xmlNode *v = cd_vsx_child(val, "value"); v && i < s->n; v = cd_vsx_next_el(v, "value"), i++) {
		int64_t x;
		/* -1: no value for this sample; 2^53: past what a double holds */
		if (!int_of(v, 0, INT64_C(1) << 53, &x))
			continue;
		double y = (double)x;
		if (lat) {
			double ops = s->ops[rw][d][i];
			if (ops < 0)
				continue;
			y = y / 1000 * ops * s->interval[i];   /* ms a request x requests */
		} else if (d >= 0) {
			s->ops[rw][d][i] = y;
		}
		s->sum[k][i] += y;
		s->has[k][i] = 1;
	}
}

static int64_t prop_int(json_t *objs, const char *ref, const char *name)
{
	const char *s = cd_vsx_prop(objs, ref, name);
	char *e;
	long long v = s ? strtoll(s, &e, 10) : 0;
	return s && *s && !*e && v > 0 && v < (INT64_C(1) << 53) ? v : 0;
}

/* The entry of sample i, or NULL when it has nothing. */
static json_t *entry(const struct series *s, int i, json_t *objs, const char *ref, bool vm)
{
	json_t *g = json_object(), *inc = json_object();
	double iv = s->interval[i];
#define HAS(k) (s->has[k][i])
#define SUM(k) (s->sum[k][i])
	if (vm) {
		int64_t vcpus = prop_int(objs, ref, "config.hardware.numCPU");
		if (vcpus)
			json_object_set_new(g, "vm_vcpus", json_real((double)vcpus));
		if (HAS(CD_VSP_MEM_CONSUMED))
			json_object_set_new(g, "vm_memory_used_bytes", json_real(SUM(CD_VSP_MEM_CONSUMED) * 1024));
		int64_t mem_mb = prop_int(objs, ref, "config.hardware.memoryMB");
		if (mem_mb)
			json_object_set_new(g, "vm_memory_bytes", json_real((double)mem_mb * 1048576));
		if (HAS(CD_VSP_CPU_USAGE) && vcpus)
			json_object_set_new(inc, "vm_cpu_seconds_total",
					    json_real(SUM(CD_VSP_CPU_USAGE) / 10000 * iv * (double)vcpus));
		if (HAS(CD_VSP_CPU_READY))
			json_object_set_new(inc, "vm_cpu_ready_seconds_total", json_real(SUM(CD_VSP_CPU_READY) / 1000));
		static const struct { int vd, disk; const char *name; } bytes[] = {
			{ CD_VSP_VD_READ, CD_VSP_DISK_READ, "vm_disk_read_bytes_total" },
			{ CD_VSP_VD_WRITE, CD_VSP_DISK_WRITE, "vm_disk_write_bytes_total" },
		};
		for (size_t b = 0; b < 2; b++) {
			int k = HAS(bytes[b].vd) ? bytes[b].vd : HAS(bytes[b].disk) ? bytes[b].disk : -1;
			if (k >= 0)
				json_object_set_new(inc, bytes[b].name, json_real(SUM(k) * 1024 * iv));
		}
		if (HAS(CD_VSP_VD_NREAD))
			json_object_set_new(inc, "vm_disk_read_ops_total", json_real(SUM(CD_VSP_VD_NREAD) * iv));
		if (HAS(CD_VSP_VD_NWRITE))
			json_object_set_new(inc, "vm_disk_write_ops_total", json_real(SUM(CD_VSP_VD_NWRITE) * iv));
		if (HAS(CD_VSP_VD_LREAD))
			json_object_set_new(inc, "vm_disk_read_time_seconds_total", json_real(SUM(CD_VSP_VD_LREAD)));
		if (HAS(CD_VSP_VD_LWRITE))
			json_object_set_new(inc, "vm_disk_write_time_seconds_total", json_real(SUM(CD_VSP_VD_LWRITE)));
		if (HAS(CD_VSP_NET_RX))
			json_object_set_new(inc, "vm_net_rx_bytes_total", json_real(SUM(CD_VSP_NET_RX) * 1024 * iv));
		if (HAS(CD_VSP_NET_TX))
			json_object_set_new(inc, "vm_net_tx_bytes_total", json_real(SUM(CD_VSP_NET_TX) * 1024 * iv));
	} else {
		int64_t cpus = prop_int(objs, ref, "summary.hardware.numCpuThreads");
		int64_t mem = prop_int(objs, ref, "summary.hardware.memorySize");
		if (cpus)
			json_object_set_new(g, "host_cpus", json_real((double)cpus));
		if (mem)
			json_object_set_new(g, "host_memory_total_bytes", json_real((double)mem));
		if (HAS(CD_VSP_MEM_CONSUMED))
			json_object_set_new(g, "host_memory_used_bytes", json_real(SUM(CD_VSP_MEM_CONSUMED) * 1024));
		if (HAS(CD_VSP_CPU_USAGE) && cpus)
			json_object_set_new(inc, "host_cpu_busy_seconds_total",
					    json_real(SUM(CD_VSP_CPU_USAGE) / 10000 * iv * (double)cpus));
	}
#undef HAS
#undef SUM
	bool any = false;
	for (int k = 0; k < CD_VSP_N; k++)
		any |= s->has[k][i] != 0;
	if (!any) {              /* a sample without a value: none */
		json_decref(g);
		json_decref(inc);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "metrics", g, "increase", inc);
}

/* The names of the datastores a VM's files are on. */
static json_t *datastores(json_t *objs, const char *ref)
{
	json_t *a = json_array(), *d;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(objs, ref), "datastores"), i, d) {
		const char *name = cd_vsx_prop(objs, json_string_value(d), "name");
		if (name && *name)
			json_array_append_new(a, json_string(name));
	}
	return a;
}

static int by_time(const void *a, const void *b, void *arg)
{
	const int64_t *t = arg;
	int64_t x = t[*(const int *)a], y = t[*(const int *)b];
	return (x > y) - (x < y);
}

/* One PerfEntityMetric: its entries after last[ref]. */
static void entity(struct series *s, const struct cd_vsp_ids *ids, xmlNode *em, json_t *objs,
		   json_t *last, json_t *out)
{
	char *ref = cd_vsx_text(cd_vsx_child(em, "entity"));
	const char *type = cd_vsx_prop(objs, ref, "type");
	bool vm = type && !strcmp(type, "VirtualMachine");
	const char *name = vm ? cd_vsx_prop(objs, ref, "config.instanceUuid")
			      : cd_vsx_prop(objs, ref, "name");
	if (vm && (!name || !*name))
		name = ref;
	if (!type || (!vm && strcmp(type, "HostSystem")) || !name || !*name) {
		free(ref);
		return;
	}
	memset(s->sum, 0, sizeof(s->sum));
	memset(s->has, 0, sizeof(s->has));
	s->n = 0;
	s->ninst = 0;
	int order[CD_VSP_MAX_SAMPLES];
	for (xmlNode *si = cd_vsx_child(em, "sampleInfo"); si && s->n < CD_VSP_MAX_SAMPLES;
	     si = cd_vsx_next_el(si, "sampleInfo")) {
		char *ts = cd_vsx_text(cd_vsx_child(si, "timestamp"));
		int64_t us, iv;
		bool ok = !cd_time_parse(ts, &us) && int_of(cd_vsx_child(si, "interval"), 1, 86400, &iv);
		free(ts);
		/* a sample with no time still takes its place in the values */
		s->t[s->n] = ok ? us / 1000 : INT64_MIN;
		s->interval[s->n] = ok ? (int)iv : 0;
		order[s->n] = s->n;
		s->n++;
	}
	for (int pass = 0; pass < 2; pass++)
		for (xmlNode *v = cd_vsx_child(em, "value"); v; v = cd_vsx_next_el(v, "value"))
			take(s, ids, v, pass);
	qsort_r(order, (size_t)s->n, sizeof(*order), by_time, s->t);
	json_t *lt = json_object_get(last, ref);
	int64_t after = json_is_integer(lt) ? json_integer_value(lt) : INT64_MIN, newest = after;
	for (int j = 0; j < s->n; j++) {
		int i = order[j];
		if (s->t[i] == INT64_MIN || s->t[i] - s->interval[i] * 500LL <= after)
			continue;         /* taken before (vcsim's times are not aligned) */
		json_t *e = entry(s, i, objs, ref, vm);
		if (!e)
			continue;
		json_object_set_new(e, "kind", json_string(vm ? "vm" : "host"));
		json_object_set_new(e, vm ? "id" : "name", json_string(name));
		json_object_set_new(e, "t", json_integer(s->t[i]));
		json_object_set_new(e, "interval", json_integer(s->interval[i]));
		if (vm)
			json_object_set_new(e, "datastores", datastores(objs, ref));
		json_array_append_new(out, e);
		after = newest = s->t[i];
	}
	if (newest != INT64_MIN)
		json_object_set_new(last, ref, json_integer(newest));
	for (int i = 0; i < s->ninst; i++)
		free(s->inst[i]);
	free(ref);
}

int cd_vsp_samples(const xmlNode *rv, const struct cd_vsp_ids *ids, json_t *objs, json_t *last,
		   json_t *out)
{
	struct series *s = cd_malloc(sizeof(*s));
	size_t before = json_array_size(out);
	for (; rv; rv = cd_vsx_next_el((xmlNode *)rv, "returnval"))
		entity(s, ids, (xmlNode *)rv, objs, last, out);
	free(s);
	return (int)(json_array_size(out) - before);
}
