/* test_band.c - learned thresholds (alerts/band.h): the hour of the week;
 * a bucket's median, MAD spread and its floor; the 7 days of learning;
 * the cache's order of learning and forgetting; the definitions' errors;
 * the evaluator over a world of the test's own (an excursion at a quiet
 * hour raised after its wait cycles, the same value at the usual peak
 * not, the band in the detail; after a restart, an active alert waits
 * for its band to be read); and a week of clean seasonal data replayed
 * cycle by cycle: fewer than one false alert per metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/adef.h"
#include "alerts/aeval.h"
#include "alerts/band.h"
#include "test.h"

#define H 3600000LL
#define DAY (24 * H)
#define MON 1764547200000LL            /* 2025-12-01 00:00 UTC, a Monday */

TEST(band_hour_of_week_utc)
{
	ASSERT_EQ(cd_band_hour(MON), 0);
	ASSERT_EQ(cd_band_hour(MON + 14 * H + 59 * 60000), 14);
	ASSERT_EQ(cd_band_hour(MON + DAY + 14 * H), 24 + 14);
	ASSERT_EQ(cd_band_hour(MON - 1), 167);                 /* Sunday 23:59:59.999 */
	ASSERT_EQ(cd_band_hour(0), 72);                        /* 1970-01-01, a Thursday */
	ASSERT_EQ(cd_band_hour(-1), 71);
	char s[32];
	cd_band_hour_name(38, s);
	ASSERT_STR_EQ(s, "Tue 14:00-15:00 UTC");
	cd_band_hour_name(167, s);
	ASSERT_STR_EQ(s, "Sun 23:00-24:00 UTC");
}

/* days of 5-minute points ending at end: value f(t) for avg, and
 * avg - d, avg + d for min and max */
struct hist {
	struct cd_point *avg, *min, *max;
	size_t n;
};

static struct hist make_hist(int64_t end, int days, double (*f)(int64_t, size_t), double d)
{
	struct hist h;
	h.n = (size_t)days * 288;
	h.avg = malloc(h.n * sizeof(*h.avg));
	h.min = malloc(h.n * sizeof(*h.min));
	h.max = malloc(h.n * sizeof(*h.max));
	int64_t t0 = end - (int64_t)h.n * CD_BAND_STEP_MS;
	for (size_t i = 0; i < h.n; i++) {
		int64_t t = t0 + (int64_t)i * CD_BAND_STEP_MS;
		double v = f(t, i);
		h.avg[i] = (struct cd_point){ t, v };
		h.min[i] = (struct cd_point){ t, v - d };
		h.max[i] = (struct cd_point){ t, v + d };
	}
	return h;
}

static void hist_free(struct hist *h)
{
	free(h->avg);
	free(h->min);
	free(h->max);
}

/* hour 14 of each day: 10, 11, 12, ... in turn (a known median and MAD);
 * other hours 100, flat */
static double stepped(int64_t t, size_t i)
{
	return cd_band_hour(t) % 24 == 14 ? 10 + (double)(i % 5) : 100;
}

TEST(band_median_mad_and_floor)
{
	struct cd_band b;
	int64_t now = MON + 14 * DAY;
	struct hist h = make_hist(now, 14, stepped, 1);
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 0.5);
	ASSERT(cd_band_ready(&b));
	ASSERT(fabs(cd_band_days(&b) - 14) < 1e-9);
	/* Tuesday 14:00: 24 steps (two weeks of 12), values 10..14 around 12 */
	int hr = 24 + 14;
	ASSERT_EQ(b.n[hr], 24);
	ASSERT(fabs(b.centre[hr] - 12) < 1e-6);
	/* the maxima 11..15: median 13, MAD 1 */
	ASSERT(fabs(b.hi[hr] - 13) < 1e-6 && fabs(b.hi_spread[hr] - 1.4826) < 1e-5);
	struct cd_band_at a;
	ASSERT(cd_band_get(&b, MON + 7 * DAY + DAY + 14 * H + 600000, 3, &a));
	ASSERT_EQ(a.hour, hr);
	ASSERT(fabs(a.upper - (13 + 3 * 1.4826)) < 1e-4 && fabs(a.lower - (11 - 3 * 1.4826)) < 1e-4);
	/* a flat hour: the spread is its floor, 2% of 100 over the epsilon 0.5 */
	ASSERT(fabs(b.hi_spread[0] - 2.0) < 1e-6 && fabs(b.centre[0] - 100) < 1e-6);
	/* ... and with a large epsilon, the epsilon */
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 5);
	ASSERT(fabs(b.hi_spread[0] - 5) < 1e-6);
	/* not below 0 */
	ASSERT(cd_band_get(&b, MON + 2 * H, 50, &a) && a.lower == 0);
	hist_free(&h);
}

static double flat(int64_t t, size_t i)
{
	(void)t;
	(void)i;
	return 0.2;
}

TEST(band_learning_period)
{
	struct cd_band b;
	int64_t now = MON + 30 * DAY;
	/* 3 days: learning, and the detail says so */
	struct hist h = make_hist(now, 3, flat, 0.01);
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 0.005);
	ASSERT(!cd_band_ready(&b));
	struct cd_band_at a;
	ASSERT(!cd_band_get(&b, now, 3, &a));
	json_t *d = json_object();
	double v = 5;
	ASSERT(!cd_band_symptom(&b, true, 3, &v, now, d));
	ASSERT_STR_EQ(json_string_value(json_object_get(d, "why")), "learning (3 days of 7)");
	ASSERT(!json_object_get(d, "band") && !json_object_get(d, "threshold"));
	json_decref(d);
	hist_free(&h);
	/* not read yet */
	d = json_object();
	ASSERT(!cd_band_symptom(NULL, true, 3, &v, now, d));
	ASSERT_STR_EQ(json_string_value(json_object_get(d, "why")), "learning: its history is being read");
	json_decref(d);
	/* 7 days exactly: it acts */
	h = make_hist(now, 7, flat, 0.01);
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 0.005);
	ASSERT(cd_band_ready(&b) && cd_band_get(&b, now, 3, &a) && a.values == 12);
	/* an hour the object was off in: too few steps in its bucket */
	for (size_t i = 0; i < h.n; i++)
		if (cd_band_hour(h.avg[i].t) == 5 && i % 12 > 2)
			h.avg[i].v = h.min[i].v = h.max[i].v = NAN;
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 0.005);
	ASSERT(!cd_band_get(&b, MON + 5 * H, 3, &a) && a.values == 3);
	d = json_object();
	ASSERT(!cd_band_symptom(&b, true, 3, &v, MON + 5 * H, d));
	ASSERT_CONTAINS(json_string_value(json_object_get(d, "why")), "no band for Mon 05:00-06:00 UTC");
	json_decref(d);
	hist_free(&h);
}

TEST(band_cache_order_and_forgetting)
{
	struct cd_bands *c = cd_bands_new();
	int64_t now = MON + 30 * DAY;
	ASSERT(!cd_bands_get(c, "vm", "a", "vm_cpu_usage_ratio", now));
	ASSERT(!cd_bands_get(c, "vm", "b", "vm_cpu_usage_ratio", now));
	struct cd_band_key *k;
	ASSERT_EQ(cd_bands_due(c, now, 1, &k), 1);           /* a bounded number */
	ASSERT_STR_EQ(k[0].name, "a");
	struct cd_band b;
	struct hist h = make_hist(now, 8, flat, 0.01);
	cd_band_learn(&b, h.avg, h.n, h.min, h.n, h.max, h.n, now, 0.005);
	cd_bands_put(c, &k[0], &b);
	cd_band_keys_free(k, 1);
	/* names match ignoring case, as the store's */
	ASSERT(cd_bands_get(c, "vm", "A", "vm_cpu_usage_ratio", now));
	ASSERT_EQ(cd_bands_due(c, now, 10, &k), 1);          /* b, never read */
	ASSERT_STR_EQ(k[0].name, "b");
	struct cd_band young;
	cd_band_learn(&young, h.avg + h.n - 288, 288, h.min + h.n - 288, 288, h.max + h.n - 288, 288,
		      now, 0.005);
	cd_bands_put(c, &k[0], &young);
	cd_band_keys_free(k, 1);
	struct cd_bands_count n;
	cd_bands_count(c, &n);
	ASSERT(n.unread == 0 && n.learning == 1 && n.ready == 1 && n.learned == 2);
	ASSERT_EQ(cd_bands_due(c, now + 60000, 10, &k), 0);
	/* learning: read again after 10 minutes; ready: after an hour */
	cd_bands_get(c, "vm", "a", "vm_cpu_usage_ratio", now + 20 * 60000);
	cd_bands_get(c, "vm", "b", "vm_cpu_usage_ratio", now + 20 * 60000);
	ASSERT_EQ(cd_bands_due(c, now + 20 * 60000, 10, &k), 1);
	ASSERT_STR_EQ(k[0].name, "b");
	cd_band_keys_free(k, 1);
	cd_bands_get(c, "vm", "a", "vm_cpu_usage_ratio", now + 61 * 60000);
	ASSERT_EQ(cd_bands_due(c, now + 61 * 60000, 10, &k), 2);
	cd_band_keys_free(k, 2);
	/* not asked for in an hour: forgotten (b was last asked at +20 min) */
	ASSERT_EQ(cd_bands_due(c, now + 81 * 60000, 10, &k), 1);
	ASSERT_STR_EQ(k[0].name, "a");
	cd_band_keys_free(k, 1);
	ASSERT(!cd_bands_peek(c, "vm", "b", "vm_cpu_usage_ratio"));
	ASSERT(cd_bands_peek(c, "vm", "a", "vm_cpu_usage_ratio"));
	hist_free(&h);
	cd_bands_free(c);
}

/* The errors of a document, one a line (NULL when it loads). */
static char *errors_of(const char *doc, struct cd_adefs *ok)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	char *out = NULL;
	size_t len = 0;
	if (cd_adefs_parse("t.yaml", doc, strlen(doc), &a, &d) < 0) {
		FILE *f = open_memstream(&out, &len);
		cd_diags_print(&d, f);
		fclose(f);
	} else if (ok) {
		*ok = a;
	} else {
		cd_adefs_free(&a);
	}
	cd_diags_free(&d);
	return out;
}

TEST(band_definitions_located_errors)
{
	char *e = errors_of("definitions:\n  - name: a\n    object: vm\n    severity: info\n    symptoms:\n"
			    "      - metric: vm_cpu_usage_ratio\n        op: above_normal\n        value: 0.5\n"
			    "      - metric: vm_cpu_usage_ratio\n        op: \">\"\n        value: 0.5\n        sigmas: 2\n"
			    "      - metric: vm_cpu_usage_ratio\n        op: below_normal\n        sigmas: 50\n"
			    "      - metric: vm_power_state\n        op: above_normal\n"
			    "      - metric: vm_cpu_usage_ratio\n        op: below_normal\n        sigmas: many\n"
			    "      - metric: vm_cpu_usage_ratio\n        op: sideways\n        value: 1\n"
			    "      - metric: vm_cpu_usage_ratio\n        wait_cycles: 2\n"
			    "  - name: b\n    object: host\n    severity: info\n    symptoms:\n"
			    "      - population: vms\n        metric: vm_cpu_usage_ratio\n        op: above_normal\n"
			    "        share: 50%\n"
			    "      - state: agent_down\n        sigmas: 3\n", NULL);
	ASSERT(e);
	ASSERT_CONTAINS(e, "t.yaml:8:16: error: value: op above_normal compares to the band learned from "
			   "the object's own history, not to a value");
	ASSERT_CONTAINS(e, "t.yaml:12:17: error: sigmas: only op above_normal or below_normal takes them");
	ASSERT_CONTAINS(e, "t.yaml:15:17: error: sigmas must be from 0.5 to 20, not 50");
	ASSERT_CONTAINS(e, "t.yaml:17:13: error: op: vm_power_state is a code, not an amount");
	ASSERT_CONTAINS(e, "t.yaml:20:17: error: sigmas must be a number, not \"many\"");
	ASSERT_CONTAINS(e, "t.yaml:22:13: error: op must be >, >=, <, <=, ==, !=, above_normal or "
			   "below_normal, not \"sideways\"");
	ASSERT_CONTAINS(e, "t.yaml:24:9: error: a metric symptom needs op and value (or op: above_normal");
	ASSERT_CONTAINS(e, "t.yaml:32:13: error: op: above_normal is for a metric symptom only");
	ASSERT_CONTAINS(e, "t.yaml:35:17: error: a state symptom has no op, value nor sigmas");
	free(e);
	struct cd_adefs a;
	ASSERT(!errors_of("definitions:\n  - name: c\n    object: vm\n    severity: info\n    symptoms:\n"
			  "      - metric: vm_cpu_usage_ratio\n        op: above_normal\n"
			  "      - metric: vm_memory_used_bytes\n        op: below_normal\n        sigmas: 2.5\n", &a));
	const struct cd_adef *d = cd_adefs_find(&a, "c");
	ASSERT(d && d->sym[0].op == CD_AOP_ABOVE_NORMAL && d->sym[0].sigmas == 3);
	ASSERT_STR_EQ(d->sym[0].label, "vm_cpu_usage_ratio above normal (3 sigmas)");
	ASSERT(d->sym[1].op == CD_AOP_BELOW_NORMAL && d->sym[1].sigmas == 2.5);
	ASSERT_STR_EQ(d->sym[1].label, "vm_memory_used_bytes below normal (2.5 sigmas)");
	ASSERT_STR_EQ(cd_aop_name(d->sym[0].op), "above_normal");
	cd_adefs_free(&a);
}

/* ---- the evaluator over a world of the test's own ---- */

struct world {
	const char *vms[4];
	size_t n;
	double value[4];
	const struct cd_band *band[4];
};

static size_t w_objects(void *ctx, enum cd_akind k, const char *const **names)
{
	struct world *w = ctx;
	*names = w->vms;
	return k == CD_AK_VM ? w->n : 0;
}

static size_t w_related(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
			const char *const **names)
{
	(void)ctx, (void)k, (void)name, (void)rel;
	*names = NULL;
	return 0;
}

static int vm_index(struct world *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->vms[i], name))
			return (int)i;
	return -1;
}

static bool w_metric(void *ctx, enum cd_akind k, const char *name, const char *m, double *v)
{
	struct world *w = ctx;
	int i = vm_index(w, name);
	(void)m;
	if (k != CD_AK_VM || i < 0 || isnan(w->value[i]))
		return false;
	*v = w->value[i];
	return true;
}

static size_t w_series(void *ctx, enum cd_akind k, const char *name, const char *m, int64_t from,
		       int64_t to, int64_t step, struct cd_apoint **out)
{
	(void)ctx, (void)k, (void)name, (void)m, (void)from, (void)to, (void)step;
	*out = NULL;
	return 0;
}

static bool w_state(void *ctx, enum cd_akind k, const char *name, enum cd_astate s, int64_t sec,
		    struct cd_buf *why)
{
	(void)ctx, (void)k, (void)name, (void)s, (void)sec, (void)why;
	return false;
}

static const struct cd_band *w_band(void *ctx, enum cd_akind k, const char *name, const char *m)
{
	struct world *w = ctx;
	int i = vm_index(w, name);
	(void)m;
	return k == CD_AK_VM && i >= 0 ? w->band[i] : NULL;
}

static int64_t quiet_now = MON + 21 * DAY + 3 * H + 120000;   /* a Monday, 03:02 UTC */

/* daily: 0.6 at the peak hour, 0.05 twelve hours away */
static int peak_hour;
static double daily(int64_t t, size_t i)
{
	double h = (double)(t % DAY) / (double)H;
	return 0.325 + 0.275 * cos(2 * M_PI * (h - peak_hour) / 24) + 0.004 * (double)(i % 3);
}

static const char *learned_doc =
	"definitions:\n  - name: cpu-abnormal\n    object: vm\n    severity: warning\n"
	"    symptoms: [{metric: vm_cpu_usage_ratio, op: above_normal, wait_cycles: 2}]\n";

static struct cd_adefs mine(const char *doc)
{
	struct cd_adefs a;
	char *e = errors_of(doc, &a);
	ASSERT(!e);
	for (size_t i = 0; i < a.n; i++)   /* the test's own only */
		a.v[i].enabled = !a.v[i].builtin;
	return a;
}

TEST(band_evaluator_quiet_hour_excursion_raised_peak_not)
{
	struct cd_band quiet, peak, young;
	peak_hour = 15;                    /* at 03:00 it is at its lowest */
	struct hist h = make_hist(quiet_now, 21, daily, 0.01);
	cd_band_learn(&quiet, h.avg, h.n, h.min, h.n, h.max, h.n, quiet_now, 0.005);
	hist_free(&h);
	peak_hour = 3;                     /* at 03:00 it is at its highest */
	h = make_hist(quiet_now, 21, daily, 0.01);
	cd_band_learn(&peak, h.avg, h.n, h.min, h.n, h.max, h.n, quiet_now, 0.005);
	hist_free(&h);
	h = make_hist(quiet_now, 3, daily, 0.01);
	cd_band_learn(&young, h.avg, h.n, h.min, h.n, h.max, h.n, quiet_now, 0.005);
	hist_free(&h);
	struct cd_band_at qa, pa;
	ASSERT(cd_band_get(&quiet, quiet_now, 3, &qa) && cd_band_get(&peak, quiet_now, 3, &pa));
	/* the usual peak's value: far above the quiet VM's band, inside the peak one's */
	double v = pa.centre;
	ASSERT(v > qa.upper + 10 * (qa.upper - qa.centre) / 3 && v > pa.lower && v < pa.upper);
	struct world w = { { "quiet", "peak", "young", "unread" }, 4, { qa.centre, v, v, v },
			   { &quiet, &peak, &young, NULL } };
	struct cd_aworld aw = { &w, w_objects, w_related, w_metric, w_series, w_state, w_band };
	struct cd_adefs a = mine(learned_doc);
	struct cd_aeval *e = cd_aeval_new();
	int64_t now = quiet_now;
	struct cd_achange *c;
	size_t n;
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now, 20000, &c, &n), 0);
	ASSERT_EQ(n, 0);                   /* the quiet VM at its usual level */
	cd_achanges_free(c, n);
	w.value[0] = v;                    /* the excursion: the cycle that sees it first */
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
	ASSERT_EQ(n, 0);
	cd_achanges_free(c, n);
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
	ASSERT_EQ(n, 1);                   /* the second: raised, on the quiet VM only */
	ASSERT(c[0].what == CD_ARAISE && !strcmp(c[0].object, "quiet"));
	json_t *s = json_array_get(json_object_get(c[0].detail, "symptoms"), 0);
	json_t *band = json_object_get(s, "band");
	ASSERT_STR_EQ(json_string_value(json_object_get(s, "op")), "above_normal");
	ASSERT(fabs(json_real_value(json_object_get(s, "value")) - v) < 1e-9);
	ASSERT(fabs(json_real_value(json_object_get(band, "upper")) - qa.upper) < 1e-9);
	ASSERT(fabs(json_real_value(json_object_get(band, "lower")) - qa.lower) < 1e-9);
	ASSERT(fabs(json_real_value(json_object_get(band, "centre")) - qa.centre) < 1e-9);
	ASSERT(fabs(json_real_value(json_object_get(s, "threshold")) - qa.upper) < 1e-9);
	ASSERT_EQ(json_integer_value(json_object_get(band, "hour_of_week")), 3);
	ASSERT_STR_EQ(json_string_value(json_object_get(band, "hour")), "Mon 03:00-04:00 UTC");
	ASSERT_EQ(json_integer_value(json_object_get(band, "values")), 36);
	ASSERT(json_real_value(json_object_get(s, "sigmas")) == 3);
	ASSERT_CONTAINS(json_string_value(json_object_get(s, "why")), "is above the band");
	ASSERT(json_is_true(json_object_get(s, "holds")));
	/* a metrics query of the object is where to look */
	ASSERT(json_object_get(json_object_get(c[0].detail, "drilldown"), "query"));
	cd_achanges_free(c, n);
	/* the peak VM, the young and the unread ones: never */
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
		for (size_t k = 0; k < n; k++)
			ASSERT_STR_EQ(c[k].object, "quiet");
		cd_achanges_free(c, n);
	}
	/* back to its usual level: cancelled */
	w.value[0] = qa.centre;
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
	ASSERT(n == 1 && c[0].what == CD_ACANCEL);
	cd_achanges_free(c, n);
	/* a world that has no bands: false, never a crash */
	aw.band = NULL;
	w.value[0] = v;
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
		ASSERT_EQ(n, 0);
		cd_achanges_free(c, n);
	}
	cd_aeval_free(e);
	cd_adefs_free(&a);
}

/* ---- a week of clean seasonal data, replayed cycle by cycle ---- */

#define RVMS 3
#define RMETRICS 3
/* the collection interval, a cycle: 20 s (100 s under valgrind) */
static int64_t CYCLE_MS = 20000;
#define PER_STEP (CD_BAND_STEP_MS / CYCLE_MS)
#define WINDOW_STEPS (CD_BAND_WINDOW_MS / CD_BAND_STEP_MS)

static const char *const rmetric[RMETRICS] = { "vm_cpu_usage_ratio", "vm_memory_used_bytes",
					       "vm_disk_read_ops_per_second" };
static const double rlevel[RMETRICS] = { 0.3, 4e9, 200 };
static const char *const rvms[RVMS] = { "r0", "r1", "r2" };

struct rseries {
	double level;
	int peak;                          /* its busiest hour of the day, UTC */
	unsigned seed;
	struct cd_point *avg, *min, *max;  /* its 5-minute steps */
	size_t n;
	double sum, lo, hi, now;           /* the step in progress; the last value */
	struct cd_band band;
};

struct replay {
	struct rseries s[RVMS][RMETRICS];
};

static double gauss(unsigned *seed)
{
	double u = (rand_r(seed) + 1.0) / (RAND_MAX + 2.0), v = (rand_r(seed) + 1.0) / (RAND_MAX + 2.0);
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Clean data: a daily swing of 60% around its level, quieter weekends
 * (70%), a day a little busier or quieter than another (up to 2%), and
 * noise of 5% of its level in each collection interval (normal, apart
 * from one interval to the next).  (Days that differ more, 3% and up,
 * bring false alerts: three weeks of history say little of how much a
 * day's level moves.) */
static double clean(struct rseries *s, int64_t t)
{
	double h = (double)(t % DAY) / (double)H;
	int day = (int)(t / DAY), dow = cd_band_hour(t) / 24;
	unsigned ds = (unsigned)day * 2654435761u + (unsigned)s->peak;
	double daily = 1 + 0.02 * (2.0 * rand_r(&ds) / RAND_MAX - 1);
	double x = s->level * (1 + 0.6 * cos(2 * M_PI * (h - s->peak) / 24)) * (dow >= 5 ? 0.7 : 1) * daily;
	x += 0.05 * s->level * gauss(&s->seed);
	return x < 0 ? 0 : x;
}

static void sample(struct rseries *s, int64_t t)
{
	double v = clean(s, t);
	if ((t / CYCLE_MS) % PER_STEP == 0) {
		s->sum = 0;
		s->lo = s->hi = v;
	}
	s->sum += v;
	s->lo = v < s->lo ? v : s->lo;
	s->hi = v > s->hi ? v : s->hi;
	s->now = v;
	if ((t / CYCLE_MS) % PER_STEP == PER_STEP - 1) {     /* the step is whole */
		int64_t st = t - t % CD_BAND_STEP_MS;
		s->avg[s->n] = (struct cd_point){ st, s->sum / PER_STEP };
		s->min[s->n] = (struct cd_point){ st, s->lo };
		s->max[s->n] = (struct cd_point){ st, s->hi };
		s->n++;
	}
}

static void relearn(struct rseries *s, int64_t now, int m)
{
	size_t from = s->n > WINDOW_STEPS ? s->n - WINDOW_STEPS : 0;
	static const double eps[RMETRICS] = { 0.005, 1048576, 0.5 };
	cd_band_learn(&s->band, s->avg + from, s->n - from, s->min + from, s->n - from, s->max + from,
		      s->n - from, now, eps[m]);
}

static int r_index(const char *m)
{
	for (int i = 0; i < RMETRICS; i++)
		if (!strcmp(m, rmetric[i]))
			return i;
	return -1;
}

static size_t r_objects(void *ctx, enum cd_akind k, const char *const **names)
{
	(void)ctx;
	*names = (const char *const *)rvms;
	return k == CD_AK_VM ? RVMS : 0;
}

static bool r_metric(void *ctx, enum cd_akind k, const char *name, const char *m, double *v)
{
	struct replay *r = ctx;
	(void)k;
	*v = r->s[name[1] - '0'][r_index(m)].now;
	return true;
}

static const struct cd_band *r_band(void *ctx, enum cd_akind k, const char *name, const char *m)
{
	struct replay *r = ctx;
	(void)k;
	return &r->s[name[1] - '0'][r_index(m)].band;
}

TEST(band_clean_week_replayed_under_one_false_alert_per_metric)
{
	struct replay *r = calloc(1, sizeof(*r));
	/* (a day of it under valgrind: tests/valgrind looks for memory errors
	 * and takes a tenth of every test's volume) */
	bool light = test_volume(10) < 10;
	int days = light ? 1 : 7, hist = light ? 8 : 21;
	CYCLE_MS = light ? 100000 : 20000;
	int64_t start = MON + 28 * DAY, t0 = start - hist * DAY, end = start + days * DAY;
	size_t cap = (size_t)((end - t0) / CD_BAND_STEP_MS) + 1;
	for (int v = 0; v < RVMS; v++)
		for (int m = 0; m < RMETRICS; m++) {
			struct rseries *s = &r->s[v][m];
			s->level = rlevel[m] * (1 + 0.5 * v);
			s->peak = (7 + 5 * v + 3 * m) % 24;
			s->seed = (unsigned)(v * 10 + m + 1);
			s->avg = malloc(cap * sizeof(*s->avg));
			s->min = malloc(cap * sizeof(*s->min));
			s->max = malloc(cap * sizeof(*s->max));
		}
	/* 21 days of history (8 under valgrind), then the bands learned as
	 * the manager would */
	for (int64_t t = t0; t < start; t += CYCLE_MS)
		for (int v = 0; v < RVMS; v++)
			for (int m = 0; m < RMETRICS; m++)
				sample(&r->s[v][m], t);
	/* above and below normal on each metric, wait 2 cycles (an excursion
	 * is raised at the second cycle that sees it), cancel 3 (as the
	 * built-in definitions) */
	struct cd_buf doc;
	cd_buf_init(&doc, 1 << 16);
	cd_buf_puts(&doc, "definitions:\n");
	for (int m = 0; m < RMETRICS; m++)
		for (int below = 0; below < 2; below++)
			cd_buf_printf(&doc, "  - name: d%d%d\n    object: vm\n    severity: warning\n"
				      "    symptoms: [{metric: %s, op: %s_normal, wait_cycles: 2, cancel_cycles: %s}]\n",
				      m, below, rmetric[m], below ? "below" : "above", "3");
	struct cd_adefs a = mine(doc.data);
	cd_buf_free(&doc);
	struct cd_aworld aw = { r, r_objects, w_related, r_metric, w_series, w_state, r_band };
	struct cd_aeval *e = cd_aeval_new();
	int raised[RMETRICS][2] = { { 0 } };
	long cycles = 0;
	/* the week, a cycle each collection interval, each band learned again
	 * every hour from its last 28 days (the manager's cache) */
	for (int64_t t = start; t < end; t += CYCLE_MS, cycles++) {
		if (t % H == 0)
			for (int v = 0; v < RVMS; v++)
				for (int m = 0; m < RMETRICS; m++)
					relearn(&r->s[v][m], t, m);
		for (int v = 0; v < RVMS; v++)
			for (int m = 0; m < RMETRICS; m++)
				sample(&r->s[v][m], t);
		struct cd_achange *c;
		size_t n;
		ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, t + CYCLE_MS / 4, CYCLE_MS, &c, &n), 0);
		for (size_t k = 0; k < n; k++)
			if (c[k].what == CD_ARAISE)
				raised[c[k].definition[1] - '0'][c[k].definition[2] - '0']++;
		cd_achanges_free(c, n);
	}
	int total = 0;
	for (int m = 0; m < RMETRICS; m++) {
		printf("     %s: %d raised above normal, %d below, over %d VMs x %d day%s (%ld cycles of %lld s)\n",
		       rmetric[m], raised[m][0], raised[m][1], RVMS, days, days > 1 ? "s" : "", cycles,
		       (long long)CYCLE_MS / 1000);
		total += raised[m][0] + raised[m][1];
	}
	for (int m = 0; m < RMETRICS; m++)    /* fewer than one a week for each metric and VM, either way */
		ASSERT(raised[m][0] < RVMS && raised[m][1] < RVMS);
	ASSERT(total < RVMS * RMETRICS);
	cd_aeval_free(e);
	cd_adefs_free(&a);
	for (int v = 0; v < RVMS; v++)
		for (int m = 0; m < RMETRICS; m++) {
			free(r->s[v][m].avg);
			free(r->s[v][m].min);
			free(r->s[v][m].max);
		}
	free(r);
}

/* After a restart the bands are not read yet: an active alert of a
 * learned symptom is neither cancelled nor counted until they are. */
TEST(band_unread_waits_after_restart)
{
	struct cd_band quiet;
	peak_hour = 15;
	struct hist h = make_hist(quiet_now, 21, daily, 0.01);
	cd_band_learn(&quiet, h.avg, h.n, h.min, h.n, h.max, h.n, quiet_now, 0.005);
	hist_free(&h);
	struct world w = { { "quiet" }, 1, { 0.6 }, { NULL } };
	struct cd_aworld aw = { &w, w_objects, w_related, w_metric, w_series, w_state, w_band };
	struct cd_adefs a = mine("definitions:\n  - name: cpu-abnormal\n    object: vm\n    severity: warning\n"
				 "    symptoms: [{metric: vm_cpu_usage_ratio, op: above_normal, cancel_cycles: 1}]\n");
	struct cd_aeval *e = cd_aeval_new();
	cd_aeval_restore(e, "cpu-abnormal", CD_AK_VM, "quiet", 1);
	int64_t now = quiet_now;
	struct cd_achange *c;
	size_t n;
	for (int i = 0; i < 2; i++) {      /* unread: still active, updated */
		ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
		ASSERT(n == 1 && c[0].what == CD_AUPDATE);
		json_t *s = json_array_get(json_object_get(c[0].detail, "symptoms"), 0);
		ASSERT_STR_EQ(json_string_value(json_object_get(s, "why")), "learning: its history is being read");
		ASSERT(json_is_true(json_object_get(s, "holds")) && json_is_false(json_object_get(s, "true")));
		cd_achanges_free(c, n);
	}
	w.band[0] = &quiet;                /* read: still above it */
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
	ASSERT(n == 1 && c[0].what == CD_AUPDATE);
	cd_achanges_free(c, n);
	w.value[0] = 0.05;                 /* back in it: cancelled at once (cancel_cycles 1) */
	ASSERT_EQ(cd_aeval_cycle(e, &a, &aw, now += 20000, 20000, &c, &n), 0);
	ASSERT(n == 1 && c[0].what == CD_ACANCEL);
	cd_achanges_free(c, n);
	cd_aeval_free(e);
	cd_adefs_free(&a);
}
