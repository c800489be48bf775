/* cmd_capacity.c - `cordon rightsize` and `cordon reclaim`: the manager's
 * right-sizing and reclamation findings (GET /api/v1/rightsize and
 * /api/v1/reclaim), each with its evidence, units and zones stated. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mfmt.h"
#include "online.h"
#include "base/util.h"

const char help_rightsize[] =
	"usage: cordon [ONLINE OPTIONS] rightsize [--range 30d] [--unit auto|GB|GiB|TB|TiB]\n"
	"                                         [--json] [--tz ZONE]\n"
	"\n"
	"Oversized and undersized VMs: over the range (30 days unless --range;\n"
	"1d to 180d), the 95th percentile (nearest rank) of each VM's 5-minute\n"
	"means of the vCPUs it used (vm_cpu_usage_ratio x vm_vcpus) and of the\n"
	"memory its guest says it uses (vm_memory_guest_used_bytes: the balloon\n"
	"driver's figures; never the host's resident set), against the vCPUs and\n"
	"memory it has now.  Recommended: vCPUs max(1, ceil(p95 / 0.7)); memory\n"
	"p95 / 0.8 rounded up to 256 MiB.  Oversized when the recommendation is\n"
	"smaller than what it has, undersized when the p95 is above 90% of it.\n"
	"A dimension needs 7 days of 5-minute points to be judged ('not enough\n"
	"data'); a VM whose guest gives no memory figure gets a CPU finding only,\n"
	"and says why.  One VM a line, undersized first; byte columns in --unit\n"
	"(GB = 10^9 bytes, GiB = 2^30, TB = 10^12, TiB = 2^40; auto: a decimal\n"
	"unit a column, by its largest value).  docs/capacity.md says more.\n"
	"\n"
	"examples:\n"
	"  cordon rightsize\n"
	"  cordon rightsize --range 14d --unit GiB\n";

const char help_reclaim[] =
	"usage: cordon [ONLINE OPTIONS] reclaim [--idle-days N] [--off-days N] [--unit auto|GB|GiB|TB|TiB]\n"
	"                                       [--json] [--tz ZONE]\n"
	"\n"
	"What could be given back, with the evidence of each finding:\n"
	"  - VMs idle for N days (--idle-days, 7): every 5-minute step of the last\n"
	"    N days below 0.05 vCPU (5% of one) and 1000 bytes a second of\n"
	"    network (received and sent), having run at least 90% of the steps;\n"
	"  - VMs powered off for N days (--off-days, 7): no sample of the last N\n"
	"    days says it ran (power state, CPU), and it is known from before;\n"
	"    off since the end of the last hour it ran;\n"
	"  - disk images in the libvirt sources' storage pools that no domain,\n"
	"    running or defined, references (their disks, backing chains and\n"
	"    firmware files), with the bytes each would free (its allocation).\n"
	"N is 1 to 180.  Times in UTC or --tz ZONE; bytes in --unit.\n"
	"docs/capacity.md says more.\n"
	"\n"
	"examples:\n"
	"  cordon reclaim\n"
	"  cordon reclaim --idle-days 14 --off-days 30 --json\n";

static double num(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(b ? json_object_get(o, a) : o, b ? b : a);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

static const char *str(json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
	return s ? s : "-";
}

/* "-" for NaN, else the value in the unit of size, with prec decimals. */
static const char *fig(double v, double size, int prec, char buf[32])
{
	if (isnan(v))
		return "-";
	snprintf(buf, 32, "%.*f", prec, v / size);
	return buf;
}

static const char *words(const char *status)
{
	return !strcmp(status, "not_enough_data") ? "not enough data"
	     : !strcmp(status, "not_assessed") ? "not assessed" : status;
}

/* The largest value of field a.b over the rows (0 when none). */
static double col_max(json_t *rows, const char *a, const char *b)
{
	double m = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (num(r, a, b) > m)
			m = num(r, a, b);
	return m;
}

static int parse_common(const char *cmd, const char *unit, const char *tz, enum cd_bunit *u)
{
	*u = CD_BU_AUTO;
	int r = mfmt_zone(cmd, tz);
	if (r != EXIT_OK)
		return r;
	if (unit && cd_bunit_parse(unit, u))
		return usage_error(cmd, "--unit is auto, GB, GiB, TB or TiB");
	return EXIT_OK;
}

int cmd_rightsize(int argc, char **argv)
{
	const char *range = NULL, *unit = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = { { "range", 0, true, &range }, { "unit", 0, true, &unit },
				     { "json", 0, false, &json }, { "tz", 0, true, &tz } };
	enum cd_bunit u;
	int r = cli_parse("rightsize", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r == EXIT_OK)
		r = parse_common("rightsize", unit, tz, &u);
	if (r != EXIT_OK)
		return r;
	int64_t ms;
	if (range && (cd_duration_parse(range, &ms) || ms < 86400000 || ms > 180 * 86400000LL))
		return usage_error("rightsize", "--range is a duration from 1d to 180d (30d, 4w), not '%s'",
				   range);
	char *path = cd_asprintf("/api/v1/rightsize?range=%s", range ? range : "30d");
	json_t *out;
	r = online_call("rightsize", "GET", path, NULL, &out);
	free(path);
	if (r != EXIT_OK)
		return r;
	if (json) {
		online_print_json(out);
		json_decref(out);
		return EXIT_OK;
	}
	json_t *vms = json_object_get(out, "vms"), *v;
	double ms_, ps_, rs_;
	const char *mu = cd_bunit_for(u, col_max(vms, "memory", "bytes"), &ms_);
	const char *pu = cd_bunit_for(u, col_max(vms, "memory", "p95_bytes"), &ps_);
	const char *ru = cd_bunit_for(u, col_max(vms, "memory", "recommended_bytes"), &rs_);
	char t1[MFMT_TIME_LEN], t2[MFMT_TIME_LEN];
	printf("# right-sizing from %s to %s: the 95th percentile (nearest rank) of 5-minute means; "
	       "recommended for 70%% CPU and 80%% memory use (rounded up to 256 MiB); 7 days needed; "
	       "GB = 10^9 bytes, GiB = 2^30\n",
	       mfmt_time((int64_t)num(out, "begin", NULL), t1), mfmt_time((int64_t)num(out, "end", NULL), t2));
	printf("%-24s %-15s %5s %8s %5s %-15s", "NAME", "VERDICT", "VCPUS", "P95-VCPU", "REC", "CPU");
	char h1[32], h2[32], h3[32];
	snprintf(h1, sizeof h1, "MEM %s", mu);
	snprintf(h2, sizeof h2, "P95-MEM %s", pu);
	snprintf(h3, sizeof h3, "REC %s", ru);
	printf(" %10s %12s %10s %s\n", h1, h2, h3, "MEMORY");
	size_t i;
	json_array_foreach(vms, i, v) {
		char a[32], b[32], c[32], d[32], e[32], f[32];
		printf("%-24s %-15s %5s %8s %5s %-15s %10s %12s %10s %s\n", str(v, "name", NULL),
		       words(str(v, "verdict", NULL)), fig(num(v, "cpu", "vcpus"), 1, 0, a),
		       fig(num(v, "cpu", "p95_vcpus"), 1, 2, b),
		       fig(num(v, "cpu", "recommended_vcpus"), 1, 0, c), words(str(v, "cpu", "status")),
		       fig(num(v, "memory", "bytes"), ms_, 2, d), fig(num(v, "memory", "p95_bytes"), ps_, 2, e),
		       fig(num(v, "memory", "recommended_bytes"), rs_, 2, f),
		       words(str(v, "memory", "status")));
	}
	/* why a dimension was not judged, once a VM */
	json_array_foreach(vms, i, v) {
		static const char *const dims[] = { "cpu", "memory" };
		for (int k = 0; k < 2; k++) {
			json_t *dim = json_object_get(v, dims[k]);
			if (json_object_get(dim, "why"))
				printf("  %s %s: %s (%lld points)\n", str(v, "name", NULL), dims[k],
				       str(dim, "why", NULL), (long long)num(dim, "points", NULL));
		}
	}
	if (!json_array_size(vms))
		printf("(no VM has samples in the range)\n");
	json_decref(out);
	return EXIT_OK;
}

static const char *state_name(double x)
{
	static const char *const names[] = { "no state", "running", "blocked", "paused",
					     "shutting down", "shut off", "crashed", "suspended" };
	return isnan(x) ? "-" : x >= 0 && x < CD_ARRAY_LEN(names) ? names[(int)x] : "?";
}

int cmd_reclaim(int argc, char **argv)
{
	const char *idle = NULL, *off = NULL, *unit = NULL, *json = NULL, *tz = NULL;
	const struct cli_opt o[] = { { "idle-days", 0, true, &idle }, { "off-days", 0, true, &off },
				     { "unit", 0, true, &unit }, { "json", 0, false, &json },
				     { "tz", 0, true, &tz } };
	enum cd_bunit u;
	int r = cli_parse("reclaim", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r == EXIT_OK)
		r = parse_common("reclaim", unit, tz, &u);
	if (r != EXIT_OK)
		return r;
	const char *days[2] = { idle ? idle : "7", off ? off : "7" };
	for (int k = 0; k < 2; k++) {
		char *end;
		long n = strtol(days[k], &end, 10);
		if (!*days[k] || *end || n < 1 || n > 180)
			return usage_error("reclaim", "--%s is a number of days from 1 to 180, not '%s'",
					   k ? "off-days" : "idle-days", days[k]);
	}
	char *path = cd_asprintf("/api/v1/reclaim?idle_days=%s&off_days=%s", days[0], days[1]);
	json_t *out;
	r = online_call("reclaim", "GET", path, NULL, &out);
	free(path);
	if (r != EXIT_OK)
		return r;
	if (json) {
		online_print_json(out);
		json_decref(out);
		return EXIT_OK;
	}
	char t[MFMT_TIME_LEN], a[32], b[32], c[32];
	double size;
	size_t i;
	json_t *x, *idl = json_object_get(out, "idle"), *offl = json_object_get(out, "powered_off"),
	       *img = json_object_get(out, "images");
	printf("# reclamation at %s; GB = 10^9 bytes, GiB = 2^30\n",
	       mfmt_time((int64_t)num(out, "now", NULL), t));
	printf("\nIDLE for %s days: every 5-minute step below %g vCPU and %g bytes/s of network (%zu)\n",
	       days[0], num(out, "policy", "idle_cpu_vcpus"), num(out, "policy", "idle_net_bytes_per_second"),
	       json_array_size(idl));
	const char *mu = cd_bunit_for(u, col_max(idl, "memory_bytes", NULL), &size);
	char h[32];
	snprintf(h, sizeof h, "MEM %s", mu);
	if (json_array_size(idl))
		printf("%-24s %-12s %5s %10s %12s %14s %s\n", "NAME", "HOST", "VCPUS", h, "MAX-CPU-VCPU",
		       "MAX-NET-B/s", "STEPS RUN");
	json_array_foreach(idl, i, x)
		printf("%-24s %-12s %5s %10s %12.3f %14s %lld of %lld\n", str(x, "name", NULL),
		       str(x, "host", NULL), fig(num(x, "vcpus", NULL), 1, 0, a),
		       fig(num(x, "memory_bytes", NULL), size, 2, b), num(x, "evidence", "max_cpu_vcpus"),
		       fig(num(x, "evidence", "max_net_bytes_per_second"), 1, 0, c),
		       (long long)num(x, "evidence", "points"), (long long)num(x, "evidence", "steps"));
	printf("\nPOWERED OFF for %s days: no sample of the last %s days says it ran (%zu)\n", days[1],
	       days[1], json_array_size(offl));
	mu = cd_bunit_for(u, col_max(offl, "memory_bytes", NULL), &size);
	snprintf(h, sizeof h, "MEM %s", mu);
	if (json_array_size(offl))
		printf("%-24s %-12s %5s %10s %-10s %s\n", "NAME", "HOST", "VCPUS", h, "STATE", "OFF SINCE");
	json_array_foreach(offl, i, x) {
		bool silent = json_is_true(json_object_get(x, "silent"));
		bool least = json_is_true(json_object_get(x, "since_at_least"));
		printf("%-24s %-12s %5s %10s %-10s %s%s%s%s\n", str(x, "name", NULL), str(x, "host", NULL),
		       fig(num(x, "vcpus", NULL), 1, 0, a), fig(num(x, "memory_bytes", NULL), size, 2, b),
		       silent ? "silent" : state_name(num(x, "state", NULL)), least ? "at least " : "",
		       mfmt_time((int64_t)num(x, "since", NULL), t),
		       json_is_false(json_object_get(x, "in_inventory")) ? " (not in the inventory)" : "",
		       silent ? " (no sample since then)" : "");
	}
	double total = num(out, "images_bytes", NULL);
	const char *iu = cd_bunit_for(u, total, &size);
	printf("\nIMAGES no domain references: %zu, %s %s would be freed\n", json_array_size(img),
	       fig(total, size, 2, a), iu);
	if (json_array_size(img))
		printf("%-28s %-28s %10s %12s %s\n", "SOURCE/POOL", "VOLUME", "ALLOC", "CAPACITY", "PATH");
	json_array_foreach(img, i, x) {
		char sp[160];
		snprintf(sp, sizeof sp, "%s/%s", str(x, "source", NULL), str(x, "pool", NULL));
		double s1, s2;
		const char *u1 = cd_bunit_for(u, num(x, "allocation_bytes", NULL), &s1);
		const char *u2 = cd_bunit_for(u, num(x, "capacity_bytes", NULL), &s2);
		printf("%-28s %-28s %6s %-3s %8s %-3s %s\n", sp, str(x, "name", NULL),
		       fig(num(x, "allocation_bytes", NULL), s1, 2, a), u1,
		       fig(num(x, "capacity_bytes", NULL), s2, 2, b), u2, str(x, "path", NULL));
	}
	json_array_foreach(json_object_get(out, "sources"), i, x)
		if (json_is_string(json_object_get(x, "error")))
			printf("  source %s: %s (its pools are not judged)\n", str(x, "name", NULL),
			       str(x, "error", NULL));
	json_decref(out);
	return EXIT_OK;
}
