/* cmd_top.c - `cordon top`: VMs, hosts or datastores, one a line, their
 * latest figures side by side, sorted by a metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "base/util.h"

const char help_top[] =
	"usage: cordon [ONLINE OPTIONS] top [--kind vm|host|datastore] [--sort METRIC]\n"
	"                                   [--unit auto|GB|GiB|TB|TiB] [--json] [--tz ZONE]\n"
	"\n"
	"One object a line (VMs unless --kind), with the latest value of its\n"
	"metrics: CPU usage and contention (ready) in percent, memory, disk and\n"
	"network bytes a second, requests a second and their latency in ms; a\n"
	"host's CPU and memory; a datastore's capacity, use and free space.\n"
	"Sorted by --sort METRIC (a metric of the catalog, highest first; CPU\n"
	"usage, or a datastore's use, by default).  Byte figures are in --unit:\n"
	"GB = 10^9 bytes, GiB = 2^30 bytes, TB = 10^12, TiB = 2^40; auto (the\n"
	"default) chooses a decimal unit (kB to TB) a column, from its largest\n"
	"value.  Rates are over each object's last collection interval (its last\n"
	"10 seconds when it collects more often).  A VM's STATE is libvirt's\n"
	"(running, paused, shut off, ...; - where the source gives none, as\n"
	"vCenter): a VM neither running nor paused has no figures.  AGE is the\n"
	"time since the object's newest sample; an object without one in the\n"
	"last 10 minutes is left out.  The first line states the units and the\n"
	"time of the newest sample, in UTC or --tz ZONE.\n";

enum col_kind { PCT, BYTES, RATE_BYTES, PLAIN, MS };

struct col {
	const char *title, *metric;
	enum col_kind k;
};

static const struct col vm_cols[] = {
	{ "CPU%", "vm_cpu_usage_ratio", PCT }, { "READY%", "vm_cpu_ready_ratio", PCT },
	{ "MEM", "vm_memory_used_bytes", BYTES },
	{ "DISK-R/s", "vm_disk_read_bytes_per_second", RATE_BYTES },
	{ "DISK-W/s", "vm_disk_write_bytes_per_second", RATE_BYTES },
	{ "IOPS-R", "vm_disk_read_ops_per_second", PLAIN },
	{ "IOPS-W", "vm_disk_write_ops_per_second", PLAIN },
	{ "LAT-R-ms", "vm_disk_read_latency_seconds", MS },
	{ "LAT-W-ms", "vm_disk_write_latency_seconds", MS },
	{ "NET-RX/s", "vm_net_rx_bytes_per_second", RATE_BYTES },
	{ "NET-TX/s", "vm_net_tx_bytes_per_second", RATE_BYTES },
};
static const struct col host_cols[] = {
	{ "CPU%", "host_cpu_usage_ratio", PCT }, { "MEM-USED", "host_memory_used_bytes", BYTES },
	{ "MEM-TOTAL", "host_memory_total_bytes", BYTES },
};
static const struct col ds_cols[] = {
	{ "CAPACITY", "datastore_capacity_bytes", BYTES }, { "USED", "datastore_used_bytes", BYTES },
	{ "FREE", "datastore_free_bytes", BYTES },
};

static const char *sort_by;

static double value(json_t *o, const char *metric)
{
	json_t *v = json_object_get(json_object_get(o, "values"), metric);
	return v ? json_number_value(v) : NAN;
}

/* vm_power_state's name (libvirt's virDomainState) */
static const char *state_name(double x)
{
	static const char *const names[] = { "no state", "running", "blocked", "paused",
					     "shutting down", "shut off", "crashed", "suspended" };
	return isnan(x) ? "-" : x >= 0 && x < CD_ARRAY_LEN(names) ? names[(int)x] : "?";
}

/* A VM neither running nor paused (nor blocked) keeps no figures: those
 * of the last 10 minutes are of before it stopped. */
static void drop_stopped(json_t *o)
{
	double x = value(o, "vm_power_state");
	if (isnan(x) || x == 1 || x == 2 || x == 3)
		return;
	json_t *st = json_incref(json_object_get(json_object_get(o, "values"), "vm_power_state"));
	json_object_clear(json_object_get(o, "values"));
	json_object_set_new(json_object_get(o, "values"), "vm_power_state", st);
}

static int by_metric(const void *a, const void *b)
{
	double x = value(*(json_t *const *)a, sort_by), y = value(*(json_t *const *)b, sort_by);
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return x < y ? 1 : x > y ? -1 : 0;
}

int cmd_top(int argc, char **argv)
{
	const char *kind = "vm", *sort = NULL, *unit = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = { { "kind", 0, true, &kind }, { "sort", 0, true, &sort },
				     { "unit", 0, true, &unit }, { "json", 0, false, &json },
				     { "tz", 0, true, &tz } };
	int r = cli_parse("top", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r == EXIT_OK)
		r = mfmt_zone("top", tz);
	if (r != EXIT_OK)
		return r;
	enum cd_bunit u = CD_BU_AUTO;
	if (unit && cd_bunit_parse(unit, &u))
		return usage_error("top", "--unit is auto, GB, GiB, TB or TiB");
	const struct col *cols = !strcmp(kind, "vm") ? vm_cols : !strcmp(kind, "host") ? host_cols
				 : !strcmp(kind, "datastore") ? ds_cols : NULL;
	size_t ncols = cols == vm_cols ? CD_ARRAY_LEN(vm_cols) : cols == host_cols
		       ? CD_ARRAY_LEN(host_cols) : CD_ARRAY_LEN(ds_cols);
	if (!cols)
		return usage_error("top", "--kind is vm, host or datastore");
	json_t *all;
	r = metrics_latest("top", kind, &all);
	if (r != EXIT_OK)
		return r;
	json_t *objs = json_object_get(all, "objects");
	sort_by = sort ? sort : cols == ds_cols ? "datastore_used_bytes" : cols[0].metric;
	if (sort && !json_object_get(json_object_get(all, "units"), sort)) {
		json_decref(all);
		return usage_error("top", "--sort takes a metric of the catalog, not '%s'", sort);
	}
	size_t n = json_array_size(objs);
	json_t **v = cd_malloc((n ? n : 1) * sizeof(*v));
	int64_t newest = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = json_array_get(objs, i);
		if (cols == vm_cols)
			drop_stopped(v[i]);
		int64_t l = json_integer_value(json_object_get(v[i], "last"));
		newest = l > newest ? l : newest;
	}
	qsort(v, n, sizeof(*v), by_metric);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append(a, v[i]);
		online_print_json(a);
		json_decref(a);
		free(v);
		json_decref(all);
		return EXIT_OK;
	}
	/* each byte column's unit, from its largest value */
	double size[16];
	const char *uname[16];
	for (size_t c = 0; c < ncols; c++) {
		double max = 0;
		for (size_t i = 0; i < n; i++) {
			double x = value(v[i], cols[c].metric);
			max = x > max ? x : max;
		}
		uname[c] = cols[c].k == BYTES || cols[c].k == RATE_BYTES
			? cd_bunit_for(u, max, &size[c]) : "";
	}
	char t[MFMT_TIME_LEN];
	printf("# %s: GB = 10^9 bytes, GiB = 2^30, TB = 10^12, TiB = 2^40; /s a second, over "
	       "each object's last collection interval; newest sample %s\n",
	       u == CD_BU_AUTO ? "units chosen a column" : unit, newest ? mfmt_time(newest, t) : "-");
	printf("%-24s", "NAME");
	if (cols == vm_cols)
		printf(" %-12s %-13s", "HOST", "STATE");
	for (size_t c = 0; c < ncols; c++) {
		char h[32];
		snprintf(h, sizeof(h), "%s%s%s", cols[c].title, *uname[c] ? " " : "", uname[c]);
		printf(" %12s", h);
	}
	printf(" %6s\n", "AGE");
	int64_t now = (int64_t)time(NULL) * 1000;
	for (size_t i = 0; i < n; i++) {
		printf("%-24s", online_str(v[i], "name"));
		if (cols == vm_cols)
			printf(" %-12s %-13s", online_str(v[i], "host"),
			       state_name(value(v[i], "vm_power_state")));
		for (size_t c = 0; c < ncols; c++) {
			double x = value(v[i], cols[c].metric);
			if (isnan(x)) {
				printf(" %12s", "-");
				continue;
			}
			switch (cols[c].k) {
			case PCT: printf(" %12.1f", x * 100); break;
			case MS: printf(" %12.2f", x * 1000); break;
			case PLAIN: printf(" %12.1f", x); break;
			default: printf(" %12.2f", x / size[c]); break;
			}
		}
		/* how old its figures are: its newest sample's age */
		int64_t age = (now - json_integer_value(json_object_get(v[i], "last"))) / 1000;
		char a[32];
		if (age < 120)
			snprintf(a, sizeof(a), "%llds", (long long)(age > 0 ? age : 0));
		else
			snprintf(a, sizeof(a), "%lldm", (long long)(age / 60));
		printf(" %6s\n", a);
	}
	free(v);
	json_decref(all);
	return EXIT_OK;
}
