/* builtin.c - the views cordon ships (docs/monitoring.md "Views"): the
 * list of virtual machines, VMs by contention, datastores by days left,
 * the hosts.  Written as the JSON a user would push, and read by the same
 * parser. */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "views/view.h"

static const char *const docs[] = {
	"{\"name\": \"vms\", \"title\": \"Virtual machines\", \"kind\": \"vm\", \"range\": \"1d\","
	" \"columns\": ["
	"  {\"title\": \"VM\", \"property\": \"name\"},"
	"  {\"title\": \"Host\", \"property\": \"host\"},"
	"  {\"title\": \"CPU\", \"metric\": \"vm_cpu_usage_ratio\", \"unit\": \"%\"},"
	"  {\"title\": \"CPU p95\", \"metric\": \"vm_cpu_usage_ratio\", \"transform\": \"p95\","
	"   \"unit\": \"%\"},"
	"  {\"title\": \"Ready\", \"metric\": \"vm_cpu_ready_ratio\", \"unit\": \"%\"},"
	"  {\"title\": \"Memory\", \"metric\": \"vm_memory_used_bytes\"},"
	"  {\"title\": \"Disk read/s\", \"metric\": \"vm_disk_read_bytes_per_second\"},"
	"  {\"title\": \"Disk write/s\", \"metric\": \"vm_disk_write_bytes_per_second\"},"
	"  {\"title\": \"Net in/s\", \"metric\": \"vm_net_rx_bytes_per_second\"},"
	"  {\"title\": \"Net out/s\", \"metric\": \"vm_net_tx_bytes_per_second\"},"
	"  {\"title\": \"Tags\", \"property\": \"tags\"}],"
	" \"sort\": {\"column\": 0, \"order\": \"asc\"}}",

	"{\"name\": \"vms-by-contention\", \"title\": \"VMs by contention\", \"kind\": \"vm\","
	" \"range\": \"7d\", \"columns\": ["
	"  {\"title\": \"VM\", \"property\": \"name\"},"
	"  {\"title\": \"Host\", \"property\": \"host\"},"
	"  {\"title\": \"Ready avg\", \"metric\": \"vm_cpu_ready_ratio\", \"transform\": \"avg\","
	"   \"unit\": \"%\"},"
	"  {\"title\": \"Ready p95\", \"metric\": \"vm_cpu_ready_ratio\", \"transform\": \"p95\","
	"   \"unit\": \"%\"},"
	"  {\"title\": \"Ready max\", \"metric\": \"vm_cpu_ready_ratio\", \"transform\": \"max\","
	"   \"unit\": \"%\"},"
	"  {\"title\": \"CPU avg\", \"metric\": \"vm_cpu_usage_ratio\", \"transform\": \"avg\","
	"   \"unit\": \"%\"}],"
	" \"sort\": {\"column\": \"Ready p95\", \"order\": \"desc\"}}",

	"{\"name\": \"datastores-by-days-left\", \"title\": \"Datastores by days left\","
	" \"kind\": \"datastore\", \"range\": \"7d\", \"columns\": ["
	"  {\"title\": \"Datastore\", \"property\": \"name\"},"
	"  {\"title\": \"Source\", \"property\": \"source\"},"
	"  {\"title\": \"Capacity\", \"metric\": \"datastore_capacity_bytes\"},"
	"  {\"title\": \"Used\", \"metric\": \"datastore_used_bytes\"},"
	"  {\"title\": \"Free\", \"metric\": \"datastore_free_bytes\"},"
	"  {\"title\": \"Used %\", \"metric\": \"datastore_used_ratio\", \"unit\": \"%\"},"
	"  {\"title\": \"Days left\", \"transform\": \"days_left\","
	"   \"metric\": \"datastore_used_bytes\"}],"
	" \"sort\": {\"column\": \"Days left\", \"order\": \"asc\"}}",

	"{\"name\": \"hosts\", \"title\": \"Hosts\", \"kind\": \"host\", \"range\": \"1d\","
	" \"columns\": ["
	"  {\"title\": \"Host\", \"property\": \"name\"},"
	"  {\"title\": \"Source\", \"property\": \"source\"},"
	"  {\"title\": \"CPU\", \"metric\": \"host_cpu_usage_ratio\", \"unit\": \"%\"},"
	"  {\"title\": \"CPU p95\", \"metric\": \"host_cpu_usage_ratio\", \"transform\": \"p95\","
	"   \"unit\": \"%\"},"
	"  {\"title\": \"Memory used\", \"metric\": \"host_memory_used_bytes\"},"
	"  {\"title\": \"Memory\", \"metric\": \"host_memory_total_bytes\"},"
	"  {\"title\": \"Memory p95\", \"metric\": \"host_memory_used_ratio\", \"transform\": \"p95\","
	"   \"unit\": \"%\"}],"
	" \"sort\": {\"column\": 0, \"order\": \"asc\"}}",
};

size_t cd_view_builtins(void)
{
	return CD_ARRAY_LEN(docs);
}

int cd_view_builtin(size_t i, struct cd_view *out)
{
	if (i >= CD_ARRAY_LEN(docs))
		return -ENOENT;
	char err[256];
	int r = cd_view_parse(docs[i], strlen(docs[i]), out, err, sizeof err);
	if (r)   /* the unit tests read every one */
		return r;
	out->builtin = true;
	return 0;
}

int cd_view_builtin_named(const char *name, struct cd_view *out)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(docs); i++) {
		struct cd_view v;
		if (cd_view_builtin(i, &v))
			continue;
		if (!strcmp(v.name, name)) {
			*out = v;
			return 0;
		}
		cd_view_free(&v);
	}
	return -ENOENT;
}
