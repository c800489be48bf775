/* collect_proc.c - a host's CPU and memory from /proc (see collect.h). */
#include "collect/collect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of "Key:" in meminfo, in kB: true when found. */
static bool meminfo_kb(const char *text, const char *key, uint64_t *kb)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return sscanf(p + kl + 1, "%" SCNu64, kb) == 1;
	return false;
}

int cd_collect_proc_parse(const char *stat, const char *meminfo, long ticks, const char *host,
			  int64_t t, json_t **entry)
{
	uint64_t v[8] = { 0 };
	if (ticks <= 0 || strncmp(stat, "cpu ", 4) ||
	    sscanf(stat + 4, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7]) < 4)
		return -EINVAL;
	/* user nice system idle iowait irq softirq steal: all but idle and
	 * iowait is busy (guest time is within user) */
	uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	int cpus = 0;
	for (const char *p = strchr(stat, '\n'); p; p = strchr(p + 1, '\n'))
		if (!strncmp(p + 1, "cpu", 3) && p[4] >= '0' && p[4] <= '9')
			cpus++;
	uint64_t total, avail;
	json_t *m = json_object();
	json_object_set_new(m, "host_cpu_busy_seconds_total", json_real((double)busy / (double)ticks));
	if (cpus)
		json_object_set_new(m, "host_cpus", json_integer(cpus));
	if (meminfo_kb(meminfo, "MemTotal", &total)) {
		json_object_set_new(m, "host_memory_total_bytes", json_real((double)total * 1024));
		if (meminfo_kb(meminfo, "MemAvailable", &avail) && avail <= total)
			json_object_set_new(m, "host_memory_used_bytes",
					    json_real((double)(total - avail) * 1024));
	}
	*entry = json_pack("{s:s, s:s, s:I, s:o}", "kind", "host", "name", host, "t", (json_int_t)t,
			   "metrics", m);
	return 0;
}

int cd_collect_proc(const char *root, const char *host, int64_t t, json_t **entry)
{
	char *sp = cd_asprintf("%s/stat", root), *mp = cd_asprintf("%s/meminfo", root);
	char *stat = NULL, *mem = NULL;
	size_t len;
	int r = cd_read_file(sp, 1 << 20, &stat, &len);
	if (!r)
		r = cd_read_file(mp, 1 << 20, &mem, &len);
	if (!r)
		r = cd_collect_proc_parse(stat, mem, sysconf(_SC_CLK_TCK), host, t, entry);
	free(sp);
	free(mp);
	free(stat);
	free(mem);
	return r;
}
