/* collect_virt.c - a libvirt host's domains, node and pools (see
 * collect.h). */
#include "collect/collect.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* a guest's balloon figure older than three stats periods is not its now */
#define CD_BALLOON_STALE_S (3 * CD_COLLECT_BALLOON_PERIOD_S)

static bool ull(virTypedParameterPtr p, int n, const char *name, unsigned long long *v)
{
	return virTypedParamsGetULLong(p, n, name, v) == 1;
}

/* The sum of "PREFIX.N.FIELD" over N < count: false when none is there. */
static bool sum_of(virTypedParameterPtr p, int n, const char *prefix, unsigned count,
		   const char *field, unsigned long long *sum)
{
	bool any = false;
	*sum = 0;
	for (unsigned i = 0; i < count && i < 4096; i++) {
		char name[96];
		unsigned long long v;
		snprintf(name, sizeof(name), "%s.%u.%s", prefix, i, field);
		if (ull(p, n, name, &v)) {
			*sum += v;
			any = true;
		}
	}
	return any;
}

static void put(json_t *m, const char *name, double v)
{
	json_object_set_new(m, name, json_real(v));
}

/* A domain's entry; *stale_s the age of its guest's memory figures when
 * they are too old to be used (else left alone). */
static json_t *domain_entry(virDomainStatsRecordPtr r, int64_t t, long long *stale_s)
{
	virTypedParameterPtr p = r->params;
	int n = r->nparams;
	json_t *m = json_object();
	unsigned long long v, w;
	unsigned int u;
	int st;
	if (ull(p, n, "cpu.time", &v))
		put(m, "vm_cpu_seconds_total", (double)v / 1e9);
	if (virTypedParamsGetUInt(p, n, "vcpu.current", &u) == 1) {
		put(m, "vm_vcpus", u);
		unsigned int max = u;
		virTypedParamsGetUInt(p, n, "vcpu.maximum", &max);
		if (sum_of(p, n, "vcpu", max, "delay", &v))
			put(m, "vm_cpu_ready_seconds_total", (double)v / 1e9);
	}
	if (virTypedParamsGetInt(p, n, "state.state", &st) == 1)
		put(m, "vm_power_state", st);
	else
		st = VIR_DOMAIN_NOSTATE;
	/* the guest's own figures when its balloon driver gives them, and
	 * they are fresh; else the QEMU process's resident set */
	unsigned long long rss = 0, upd = 0, maxmem = 0, usable = 0;
	bool has_rss = ull(p, n, "balloon.rss", &rss);
	bool guest = ull(p, n, "balloon.available", &v) && ull(p, n, "balloon.unused", &w) && w <= v;
	long long age = ull(p, n, "balloon.last-update", &upd) ? t / 1000 - (long long)upd : 0;
	/* (a guest paused or suspended cannot answer: not stale for that) */
	if (guest && age > CD_BALLOON_STALE_S && st == VIR_DOMAIN_RUNNING)
		*stale_s = age;
	if (guest && age <= CD_BALLOON_STALE_S) {
		put(m, "vm_memory_used_bytes", (double)(v - w) * 1024);
		/* the guest's own figure alone, for right-sizing: what it could
		 * not give back without swapping (usable: its MemAvailable)
		 * where it says, else what is not free */
		bool given = ull(p, n, "balloon.usable", &usable) && usable <= v;
		put(m, "vm_memory_guest_used_bytes", (double)(v - (given ? usable : w)) * 1024);
	} else if (has_rss) {
		put(m, "vm_memory_used_bytes", (double)rss * 1024);
	}
	if (has_rss)
		put(m, "vm_memory_consumed_bytes", (double)rss * 1024);
	/* the memory it is given: its definition's <memory> */
	if (ull(p, n, "balloon.maximum", &maxmem) && maxmem)
		put(m, "vm_memory_bytes", (double)maxmem * 1024);
	static const struct { const char *field, *series; double scale; } blk[] = {
		{ "rd.bytes", "vm_disk_read_bytes_total", 1 },
		{ "wr.bytes", "vm_disk_write_bytes_total", 1 },
		{ "rd.reqs", "vm_disk_read_ops_total", 1 },
		{ "wr.reqs", "vm_disk_write_ops_total", 1 },
		{ "rd.times", "vm_disk_read_time_seconds_total", 1e9 },
		{ "wr.times", "vm_disk_write_time_seconds_total", 1e9 },
	};
	if (virTypedParamsGetUInt(p, n, "block.count", &u) == 1)
		for (size_t i = 0; i < CD_ARRAY_LEN(blk); i++)
			if (sum_of(p, n, "block", u, blk[i].field, &v))
				put(m, blk[i].series, (double)v / blk[i].scale);
	/* the disks' files, for the pools that hold them (cd_collect_relate) */
	json_t *disks = json_array();
	for (unsigned i = 0; virTypedParamsGetUInt(p, n, "block.count", &u) == 1 && i < u && i < 64; i++) {
		char key[48];
		const char *path = NULL;
		snprintf(key, sizeof(key), "block.%u.path", i);
		if (virTypedParamsGetString(p, n, key, &path) == 1 && path && path[0] == '/')
			json_array_append_new(disks, json_string(path));
	}
	if (virTypedParamsGetUInt(p, n, "net.count", &u) == 1) {
		if (sum_of(p, n, "net", u, "rx.bytes", &v))
			put(m, "vm_net_rx_bytes_total", (double)v);
		if (sum_of(p, n, "net", u, "tx.bytes", &v))
			put(m, "vm_net_tx_bytes_total", (double)v);
	}
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "kind", "vm", "name", virDomainGetName(r->dom),
			 "t", (json_int_t)t, "metrics", m, "disks", disks);
}

/* A node statistic by name, or false. */
static bool node_field(virNodeCPUStatsPtr c, int n, const char *f, unsigned long long *v)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].field, f)) {
			*v = c[i].value;
			return true;
		}
	return false;
}

static json_t *node_entry(virConnectPtr conn, const char *host, int64_t t)
{
	json_t *m = json_object();
	virNodeInfo info;
	if (virNodeGetInfo(conn, &info) == 0)
		put(m, "host_cpus", info.cpus);
	int n = 0;
	if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) == 0 && n > 0 &&
	    n < 64) {
		virNodeCPUStats c[64];
		unsigned long long kernel, user;
		if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, c, &n, 0) == 0 &&
		    node_field((virNodeCPUStatsPtr)c, n, "kernel", &kernel) &&
		    node_field((virNodeCPUStatsPtr)c, n, "user", &user)) {
			put(m, "host_cpu_busy_seconds_total", (double)(kernel + user) / 1e9);
			/* stamped when its CPU time was read, not when the
			 * collection began: a rate's interval is between reads */
			int64_t now = cd_wall_ms();
			if (now > t)
				t = now;
		}
	}
	n = 0;
	if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) == 0 && n > 0 &&
	    n < 64) {
		virNodeMemoryStats s[64];
		unsigned long long total = 0, fr = 0, buf = 0, cached = 0;
		if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, s, &n, 0) == 0) {
			for (int i = 0; i < n; i++) {
				unsigned long long *to = !strcmp(s[i].field, "total") ? &total
					: !strcmp(s[i].field, "free") ? &fr : !strcmp(s[i].field, "buffers")
					? &buf : !strcmp(s[i].field, "cached") ? &cached : NULL;
				if (to)
					*to = s[i].value;
			}
			if (total) {
				put(m, "host_memory_total_bytes", (double)total * 1024);
				if (fr + buf + cached <= total)
					put(m, "host_memory_used_bytes",
					    (double)(total - fr - buf - cached) * 1024);
			}
		}
	}
	return json_pack("{s:s, s:s, s:I, s:o}", "kind", "host", "name", host, "t", (json_int_t)t,
			 "metrics", m);
}

int cd_collect_domains(void *c, void ***doms, struct cd_buf *err)
{
	virDomainPtr *d = NULL;
	int n = virConnectListAllDomains(c, &d, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		virErrorPtr e = virGetLastError();
		cd_buf_printf(err, "libvirt domains: %s", e && e->message ? e->message : "failed");
		return -EIO;
	}
	*doms = (void **)d;
	return n;
}

/* Whether the domain's balloon has a stats period (its live definition's
 * <memballoon><stats period='N'/>, N > 0; libvirt keeps it, no QEMU call) */
static bool has_stats_period(virDomainPtr dom)
{
	char *xml = virDomainGetXMLDesc(dom, 0);
	xmlDoc *doc = xml ? xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING) : NULL;
	xmlXPathContext *x = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObject *o = x ? xmlXPathEvalExpression((const xmlChar *)
		"number(/domain/devices/memballoon/stats/@period)", x) : NULL;
	bool set = o && o->type == XPATH_NUMBER && o->floatval > 0;
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	free(xml);
	return set;
}

json_t *cd_collect_domain(void *dom, int64_t t)
{
	virDomainPtr list[2] = { dom, NULL };
	virDomainStatsRecordPtr *recs = NULL;
	unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
			 VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_BLOCK |
			 VIR_DOMAIN_STATS_INTERFACE;
	int n = virDomainListGetStats(list, stats, &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
	/* stamped when read, not when the collection began (the domains are
	 * asked one after the other): a rate's interval is between reads */
	int64_t now = cd_wall_ms();
	if (now > t)
		t = now;
	long long stale = 0;
	json_t *e = n > 0 ? domain_entry(recs[0], t, &stale) : NULL;
	if (n >= 0)
		virDomainStatsRecordListFree(recs);
	/* the guest's figures are as old as QEMU's last request for them:
	 * without a stats period (libvirt's default), the driver's first
	 * answer at boot.  Set one, live, unless one is set (an admin's is
	 * kept: the guest's driver is then not answering); the next
	 * collections have them. */
	if (e && stale) {
		int r = -1;
		const char *why = "its guest's balloon driver does not answer (a stats period is set)";
		if (!has_stats_period(dom)) {
			r = virDomainSetMemoryStatsPeriod(dom, CD_COLLECT_BALLOON_PERIOD_S,
							  VIR_DOMAIN_AFFECT_LIVE);
			virErrorPtr err = r ? virGetLastError() : NULL;
			why = err && err->message ? err->message : "libvirt failed";
		}
		json_object_set_new(e, "memory_stale", json_pack("{s:I, s:b, s:s?}", "seconds",
			(json_int_t)stale, "period_set", r == 0, "error", r ? why : NULL));
	}
	return e;
}

json_t *cd_collect_inactive(void *c, int64_t t)
{
	virDomainPtr *d = NULL;
	json_t *out = json_array();
	int n = virConnectListAllDomains(c, &d, VIR_CONNECT_LIST_DOMAINS_INACTIVE);
	for (int i = 0; i < n; i++) {
		json_t *e = json_pack("{s:s, s:s, s:I, s:{s:f}}", "kind", "vm", "name",
			virDomainGetName(d[i]), "t", (json_int_t)t, "metrics", "vm_power_state",
			(double)VIR_DOMAIN_SHUTOFF);
		/* its size as defined (libvirt's own, no QEMU): what reclaiming
		 * it would give back */
		virDomainInfo info;
		if (virDomainGetInfo(d[i], &info) == 0) {
			json_t *m = json_object_get(e, "metrics");
			if (info.nrVirtCpu)
				put(m, "vm_vcpus", info.nrVirtCpu);
			if (info.maxMem)
				put(m, "vm_memory_bytes", (double)info.maxMem * 1024);
		}
		json_array_append_new(out, e);
		virDomainFree(d[i]);
	}
	free(d);
	return out;
}

void cd_collect_domains_free(void **doms, int n)
{
	for (int i = 0; i < n; i++)
		virDomainFree(doms[i]);
	free(doms);
}

/* A pool's target directory (its XML's /pool/target/path), or NULL; *files
 * when it is a file system's directory (types dir, fs, netfs). */
static char *pool_path(virStoragePoolPtr pool, bool *files)
{
	char *xml = virStoragePoolGetXMLDesc(pool, 0), *out = NULL;
	xmlDoc *doc = xml ? xmlReadMemory(xml, (int)strlen(xml), "pool.xml", NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING) : NULL;
	xmlXPathContext *x = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObject *o = x ? xmlXPathEvalExpression((const xmlChar *)"string(/pool/target/path)", x) : NULL;
	if (o && o->type == XPATH_STRING && o->stringval && o->stringval[0] == '/')
		out = cd_strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	o = x ? xmlXPathEvalExpression((const xmlChar *)"string(/pool/@type)", x) : NULL;
	const char *type = o && o->type == XPATH_STRING && o->stringval ? (const char *)o->stringval : "";
	*files = !strcmp(type, "dir") || !strcmp(type, "fs") || !strcmp(type, "netfs");
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	free(xml);
	return out;
}

void cd_collect_relate(json_t *entries)
{
	size_t i, k;
	json_t *e, *d, *p;
	json_array_foreach(entries, i, e) {
		json_t *disks = json_object_get(e, "disks");
		if (!disks)
			continue;
		json_t *ds = json_array();
		json_array_foreach(disks, k, d) {
			size_t j;
			json_array_foreach(entries, j, p) {
				const char *dir = json_string_value(json_object_get(p, "path"));
				const char *file = json_string_value(d);
				size_t l = dir ? strlen(dir) : 0;
				while (l > 1 && dir[l - 1] == '/')
					l--;
				if (dir && !strncmp(file, dir, l) && file[l] == '/' && json_array_size(ds) < 16) {
					json_t *name = json_object_get(p, "name");
					bool have = false;
					json_t *x;
					size_t y;
					json_array_foreach(ds, y, x)
						have |= json_equal(x, name);
					if (!have)
						json_array_append(ds, name);
				}
			}
		}
		json_object_del(e, "disks");
		if (json_array_size(ds))
			json_object_set_new(e, "datastores", ds);
		else
			json_decref(ds);
	}
	json_array_foreach(entries, i, e)
		json_object_del(e, "path");
}

int cd_collect_host(void *c, const char *host, int64_t t, json_t *out)
{
	virConnectPtr conn = c;
	json_array_append_new(out, node_entry(conn, host, t));
	virStoragePoolPtr *pools = NULL;
	int np = virConnectListAllStoragePools(conn, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
	for (int i = 0; i < np; i++) {
		virStoragePoolInfo info;
		if (virStoragePoolGetInfo(pools[i], &info) == 0) {
			bool files;
			char *path = pool_path(pools[i], &files);
			/* a directory's pool: its file system now (libvirt's
			 * figures are those of its last refresh, and its free
			 * space counts the blocks kept for root): free is what
			 * QEMU can still write, as df's Avail; used the rest */
			struct statvfs fs;
			if (files && path && statvfs(path, &fs) == 0) {
				info.capacity = (unsigned long long)fs.f_blocks * fs.f_frsize;
				info.available = (unsigned long long)fs.f_bavail * fs.f_frsize;
				info.allocation = info.capacity - info.available;
			}
			json_t *m = json_object();
			put(m, "datastore_capacity_bytes", (double)info.capacity);
			put(m, "datastore_used_bytes", (double)info.allocation);
			put(m, "datastore_free_bytes", (double)info.available);
			json_t *e = json_pack("{s:s, s:s, s:I, s:o}", "kind", "datastore", "name",
					      virStoragePoolGetName(pools[i]), "t", (json_int_t)t, "metrics", m);
			if (path)
				json_object_set_new(e, "path", json_string(path));
			free(path);
			json_array_append_new(out, e);
		}
		virStoragePoolFree(pools[i]);
	}
	free(pools);
	return np < 0 ? -EIO : 0;
}
