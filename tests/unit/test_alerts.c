/* test_alerts.c - alert definitions and their evaluation: the built-in
 * ones load; a bad document is refused with every error located and
 * nothing kept; a pushed definition replaces or turns off a built-in
 * one; symptoms hold after wait_cycles and stop after cancel_cycles; an
 * alert is raised once, updated, cancelled, restored after a restart
 * without being raised again; population shares and counts; days left
 * by a least-squares line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/adef.h"
#include "alerts/aeval.h"
#include "test.h"

/* The errors of a document, one a line, or NULL when it loads. */
static char *errors_of(const char *doc)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	int r = cd_adefs_parse("alerts.yaml", doc, strlen(doc), &a, &d);
	char *out = NULL;
	size_t len = 0;
	if (r < 0) {
		FILE *f = open_memstream(&out, &len);
		cd_diags_print(&d, f);
		fclose(f);
		ASSERT_EQ(a.n, 0);
	} else {
		cd_adefs_free(&a);
	}
	cd_diags_free(&d);
	return out;
}

TEST(alerts_builtin_definitions_load)
{
	struct cd_adefs a;
	ASSERT_EQ(cd_adefs_builtin(&a), 0);
	ASSERT_EQ(a.n, 11);
	const struct cd_adef *d = cd_adefs_find(&a, "datastore-latency");
	ASSERT(d && d->kind == CD_AK_DATASTORE && d->nsym == 1);
	ASSERT_EQ(d->sym[0].type, CD_SYM_POPULATION);
	ASSERT(d->sym[0].percent && d->sym[0].share == 50 && d->sym[0].wait_cycles == 3);
	ASSERT_STR_EQ(d->sym[0].label, "more than 50% of its VMs with vm_disk_read_latency_seconds > 0.02");
	d = cd_adefs_find(&a, "malware-quarantined");
	ASSERT(d && d->nrec == 2 && d->rec[0].action == CD_ACT_SCAN && d->builtin);
	cd_adefs_free(&a);
}

TEST(alerts_bad_definitions_located)
{
	char *e = errors_of("definitions:\n"
			    "  - name: a\n"
			    "    object: vm\n"
			    "    severity: warning\n"
			    "    symptoms:\n"
			    "      - metric: vm_fun_ratio\n"
			    "        op: \">\"\n"
			    "        value: 1\n"
			    "      - metric: vm_cpu_ready_ratio\n"
			    "        op: \"=>\"\n"
			    "        value: 0.1\n"
			    "        wait_cycles: 0\n"
			    "      - metric: host_cpu_usage_ratio\n"
			    "        op: \">\"\n"
			    "        value: x\n"
			    "        cancel_cycles: 5000\n"
			    "      - state: agent_down\n"
			    "    notify: [nobody]\n");
	ASSERT(e);
	ASSERT_CONTAINS(e, "alerts.yaml:6:17: error: metric: unknown metric \"vm_fun_ratio\"");
	ASSERT_CONTAINS(e, "alerts.yaml:10:13: error: op must be >, >=, <, <=, ==, !=, above_normal or below_normal, not \"=>\"");
	ASSERT_CONTAINS(e, "alerts.yaml:12:22: error: wait_cycles must be between 1 and 1000");
	ASSERT_CONTAINS(e, "alerts.yaml:13:17: error: metric: host_cpu_usage_ratio is a metric of a host, not of a vm");
	ASSERT_CONTAINS(e, "alerts.yaml:17:16: error: state: agent_down is a state of a host, not of a vm");
	ASSERT_CONTAINS(e, "alerts.yaml:18:14: error: notify: no receiver is named \"nobody\"");
	free(e);
	e = errors_of("definitions:\n  - name: b\n    object: disk\n    severity: warning\n    symptoms: []\n");
	ASSERT_CONTAINS(e, "alerts.yaml:3:13: error: object must be vm, host, datastore or source, not \"disk\"");
	free(e);
	e = errors_of("receivers:\n  - name: r\n    webhook: ftp://x\ndefinitions:\n"
		      "  - name: c\n    object: host\n    severity: loud\n    symptoms:\n"
		      "      - population: vms\n        metric: vm_cpu_ready_ratio\n        op: \">\"\n"
		      "        value: 0.1\n        share: 150%\n");
	ASSERT_CONTAINS(e, "alerts.yaml:3:14: error: webhook must be an http:// or https:// URL");
	ASSERT_CONTAINS(e, "alerts.yaml:7:15: error: severity must be info, warning, immediate or critical");
	ASSERT_CONTAINS(e, "alerts.yaml:13:16: error: share must be \"N%\" with 0 <= N < 100");
	free(e);
	e = errors_of("definitions:\n  - name: d\n    object: vm\n    severity: info\n    symptoms:\n"
		      "      - metric: vm_cpu_ready_ratio\n        state: quarantined\n");
	ASSERT_CONTAINS(e, "alerts.yaml:6:9: error: a symptom has one of metric, population, capacity or state (not several)");
	free(e);
	/* an unknown key, at its place */
	e = errors_of("definitions:\n  - name: e\n    object: vm\n    severity: info\n    colour: red\n"
		      "    symptoms: [{state: quarantined}]\n");
	ASSERT_CONTAINS(e, "alerts.yaml:5:5: error: unknown key \"colour\" in definition");
	free(e);
}

TEST(alerts_pushed_definitions_replace_builtin)
{
	const char *doc = "receivers:\n  - name: am\n    alertmanager: http://127.0.0.1:9093\n"
			  "definitions:\n"
			  "  - name: vm-cpu-contention\n    object: vm\n    severity: critical\n"
			  "    symptoms: [{metric: vm_cpu_ready_ratio, op: \">\", value: 0.2}]\n"
			  "    notify: [am]\n"
			  "  - name: agent-down\n    object: host\n    severity: info\n    enabled: false\n"
			  "    symptoms: [{state: agent_down}]\n"
			  "  - name: mine\n    object: datastore\n    severity: warning\n"
			  "    symptoms: [{capacity: days_left, op: \"<\", value: 10, window: 2d}]\n";
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	ASSERT_EQ(cd_adefs_parse("a.yaml", doc, strlen(doc), &a, &d), 0);
	ASSERT_EQ(a.n, 12);
	const struct cd_adef *x = cd_adefs_find(&a, "vm-cpu-contention");
	ASSERT(x && x->severity == CD_AS_CRITICAL && !x->builtin && x->sym[0].value == 0.2);
	ASSERT(x->nnotify == 1 && !strcmp(x->notify[0], "am"));
	ASSERT(!cd_adefs_find(&a, "agent-down")->enabled);
	x = cd_adefs_find(&a, "mine");
	ASSERT(x && x->sym[0].window_ms == 2 * 86400000LL);
	ASSERT_EQ(a.nrecv, 1);
	cd_adefs_free(&a);
	cd_diags_free(&d);
}

/* ---- a world of the test's own ---- */

struct world {
	const char *vms[8];
	size_t nvms;
	double cpu_ready[8];       /* NaN: no data */
	bool down;                 /* the host's agent */
	const char *host;          /* its one host's name: NULL, "h1" */
};

static size_t w_objects(void *ctx, enum cd_akind k, const char *const **names)
{
	struct world *w = ctx;
	static const char *hosts[1];
	static const char *const ds[] = { "src/ds1" };
	hosts[0] = w->host ? w->host : "h1";
	*names = k == CD_AK_VM ? w->vms : k == CD_AK_HOST ? hosts : ds;
	return k == CD_AK_VM ? w->nvms : k == CD_AK_SOURCE ? 0 : 1;
}

static size_t w_related(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
			const char *const **names)
{
	struct world *w = ctx;
	(void)k;
	(void)name;
	*names = w->vms;
	return rel == CD_AK_VM ? w->nvms : 0;
}

static bool w_metric(void *ctx, enum cd_akind k, const char *name, const char *m, double *v)
{
	struct world *w = ctx;
	if (k == CD_AK_DATASTORE && !strcmp(m, "datastore_capacity_bytes")) {
		*v = 1000;
		return true;
	}
	for (size_t i = 0; k == CD_AK_VM && i < w->nvms; i++)
		if (!strcmp(name, w->vms[i]) && !strcmp(m, "vm_cpu_ready_ratio")) {
			*v = w->cpu_ready[i];
			return !isnan(*v);
		}
	return false;
}

static size_t w_series(void *ctx, enum cd_akind k, const char *name, const char *m, int64_t from,
		       int64_t to, int64_t step, struct cd_apoint **out)
{
	(void)ctx;
	(void)k;
	(void)name;
	(void)m;
	size_t n = 0;
	*out = malloc(((size_t)((to - from) / step) + 1) * sizeof(**out));
	for (int64_t t = from; t <= to; t += step)   /* 100 bytes a day, 500 now */
		(*out)[n++] = (struct cd_apoint){ t, 500 - 100.0 * (double)(to - t) / 86400000.0 };
	return n;
}

static bool w_state(void *ctx, enum cd_akind k, const char *name, enum cd_astate s, int64_t sec,
		    struct cd_buf *why)
{
	struct world *w = ctx;
	(void)k;
	(void)name;
	(void)sec;
	if (s == CD_ST_AGENT_DOWN && w->down)
		cd_buf_puts(why, "agent last seen 40 s ago");
	return s == CD_ST_AGENT_DOWN && w->down;
}

static struct cd_aworld world_of(struct world *w)
{
	return (struct cd_aworld){ w, w_objects, w_related, w_metric, w_series, w_state, NULL };
}

static const char *doc =
	"definitions:\n"
	"  - name: vm-cpu-contention\n    object: vm\n    severity: warning\n"
	"    symptoms: [{metric: vm_cpu_ready_ratio, op: \">\", value: 0.05, wait_cycles: 3, cancel_cycles: 2}]\n"
	"  - name: busy\n    object: host\n    severity: warning\n"
	"    symptoms: [{population: vms, metric: vm_cpu_ready_ratio, op: \">\", value: 0.05, share: 50%}]\n"
	"  - name: two\n    object: host\n    severity: info\n"
	"    symptoms: [{population: vms, metric: vm_cpu_ready_ratio, op: \">\", value: 0.05, share: 2}]\n"
	"  - name: full\n    object: datastore\n    severity: warning\n"
	"    symptoms: [{capacity: days_left, op: \"<\", value: 30, window: 1d}]\n";

/* One cycle; the changes of definition def, as "r:OBJ u:OBJ c:OBJ". */
static char *cycle(struct cd_aeval *e, const struct cd_adefs *a, struct world *w, const char *def)
{
	static int64_t now = 1764547200000;
	now += 20000;
	struct cd_aworld aw = world_of(w);
	struct cd_achange *c;
	size_t n;
	ASSERT_EQ(cd_aeval_cycle(e, a, &aw, now, 20000, &c, &n), 0);
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	cd_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].definition, def))
			cd_buf_printf(&b, "%s%c:%s", b.len ? " " : "", "ruc"[c[i].what], c[i].object);
	cd_achanges_free(c, n);
	return cd_buf_steal(&b);
}

#define CYCLE_IS(def, want)                                                 \
	do {                                                                \
		char *got_ = cycle(e, &a, &w, def);                         \
		ASSERT_STR_EQ(got_, want);                                  \
		free(got_);                                                 \
	} while (0)

TEST(alerts_hysteresis_raise_update_cancel)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	ASSERT_EQ(cd_adefs_parse("a.yaml", doc, strlen(doc), &a, &d), 0);
	struct world w = { { "v1", "v2", "v3", "v4" }, 4, { 0.1, 0, 0, NAN }, false };
	struct cd_aeval *e = cd_aeval_new();
	CYCLE_IS("vm-cpu-contention", "");
	CYCLE_IS("vm-cpu-contention", "");
	CYCLE_IS("vm-cpu-contention", "r:v1");        /* the third cycle in a row */
	CYCLE_IS("vm-cpu-contention", "u:v1");
	w.cpu_ready[0] = 0.01;
	CYCLE_IS("vm-cpu-contention", "u:v1");        /* one false cycle: still held */
	w.cpu_ready[0] = 0.2;
	CYCLE_IS("vm-cpu-contention", "u:v1");
	w.cpu_ready[0] = 0.01;
	CYCLE_IS("vm-cpu-contention", "u:v1");
	CYCLE_IS("vm-cpu-contention", "c:v1");        /* two in a row */
	CYCLE_IS("vm-cpu-contention", "");
	/* a restart: restored active, then neither raised again nor cancelled
	 * before its cancel cycles */
	cd_aeval_free(e);
	e = cd_aeval_new();
	cd_aeval_restore(e, "vm-cpu-contention", CD_AK_VM, "v2", 1);
	w.cpu_ready[1] = 0.3;
	CYCLE_IS("vm-cpu-contention", "u:v2");
	/* its object gone: cancelled */
	w.nvms = 1;
	CYCLE_IS("vm-cpu-contention", "c:v2");
	/* v1 of the five VM definitions (four built in), h1 of five, ds1 of three */
	ASSERT_EQ(cd_aeval_pairs(e), 13);
	cd_aeval_free(e);
	cd_adefs_free(&a);
	cd_diags_free(&d);
}

TEST(alerts_population_share_and_count)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	ASSERT_EQ(cd_adefs_parse("a.yaml", doc, strlen(doc), &a, &d), 0);
	struct world w = { { "v1", "v2", "v3", "v4" }, 4, { 0.1, 0.2, 0, NAN }, false };
	struct cd_aeval *e = cd_aeval_new();
	CYCLE_IS("busy", "");                         /* 2 of 4: not more than 50% */
	CYCLE_IS("two", "u:h1");                      /* raised in the first cycle */
	w.cpu_ready[2] = 0.3;
	CYCLE_IS("busy", "r:h1");
	/* the detail names the VMs that made it hold */
	struct cd_aworld aw = world_of(&w);
	struct cd_achange *c;
	size_t n;
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, 1764547300000, 20000, &c, &n), 0);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c[i].definition, "busy"))
			continue;
		seen++;
		json_t *s = json_array_get(json_object_get(c[i].detail, "symptoms"), 0);
		ASSERT_EQ(json_integer_value(json_object_get(s, "matched")), 3);
		ASSERT_EQ(json_integer_value(json_object_get(s, "of")), 4);
		ASSERT(fabs(json_real_value(json_object_get(s, "value")) - 75) < 1e-9);
		ASSERT_EQ(json_array_size(json_object_get(s, "related")), 3);
		json_t *q = json_object_get(json_object_get(c[i].detail, "drilldown"), "query");
		ASSERT_EQ(json_array_size(json_object_get(q, "objects")), 3);
	}
	ASSERT_EQ(seen, 1);            /* the checks above ran */
	cd_achanges_free(c, n);
	cd_aeval_free(e);
	cd_adefs_free(&a);
	cd_diags_free(&d);
}

/* A state's drill-down is the events of its object, the name encoded
 * for the URL (a vCenter's names may hold spaces and '&') */
TEST(alerts_state_drilldown_encodes_the_name)
{
	struct world w = { { "v1" }, 1, { 0 }, true, "esx 1&b=2" };
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	const char *down = "definitions:\n  - name: down\n    object: host\n    severity: critical\n"
			   "    symptoms: [{state: agent_down}]\n";
	ASSERT_EQ(cd_adefs_parse("a.yaml", down, strlen(down), &a, &d), 0);
	struct cd_aeval *e = cd_aeval_new();
	struct cd_aworld aw = world_of(&w);
	struct cd_achange *c;
	size_t n;
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, 1764547300000, 20000, &c, &n), 0);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c[i].definition, "down"))
			continue;
		seen++;
		ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(c[i].detail, "drilldown"),
								"events")),
			      "/api/v1/events?host=esx%201%26b%3D2");
	}
	ASSERT_EQ(seen, 1);
	cd_achanges_free(c, n);
	cd_aeval_free(e);
	cd_adefs_free(&a);
	cd_diags_free(&d);
}

TEST(alerts_days_left)
{
	/* 100 bytes a day, 500 used of 1000: 5 days */
	struct world w = { { "v1" }, 1, { 0 }, false };
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	ASSERT_EQ(cd_adefs_parse("a.yaml", doc, strlen(doc), &a, &d), 0);
	struct cd_aeval *e = cd_aeval_new();
	CYCLE_IS("full", "r:src/ds1");
	cd_aeval_free(e);
	cd_adefs_free(&a);
	cd_diags_free(&d);
	struct cd_apoint p[3] = { { 0, 10 }, { 86400000, 20 }, { 2 * 86400000, 30 } };
	double days;
	ASSERT(cd_aeval_days_left(p, 3, 100, 2 * 86400000, &days));
	ASSERT(fabs(days - 7) < 1e-9);
	p[2].v = 5;                                   /* emptying: never full */
	ASSERT(!cd_aeval_days_left(p, 3, 100, 2 * 86400000, &days));
	ASSERT(!cd_aeval_days_left(p, 2, 100, 2 * 86400000, &days));
}
