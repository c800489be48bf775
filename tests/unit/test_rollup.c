/* test_rollup.c - steps on the epoch (before it too), gauges' min, max,
 * sum, count and last, counters' exact rate over a step with a reset
 * inside, the peak of one interval kept, merging two halves. */
#include <math.h>
#include <string.h>

#include "metrics/rollup.h"
#include "test.h"

TEST(rollup_steps_gauges_and_counters)
{
	ASSERT_EQ(cd_step_start(1764547212345, 300000), 1764547200000);
	ASSERT_EQ(cd_step_start(-1, 300000), -300000);
	ASSERT_EQ(cd_step_start(0, 300000), 0);
	/* a gauge every 20 s over two 60 s steps */
	struct cd_sample g[6] = { { 0, 3 }, { 20000, 1 }, { 40000, 5 }, { 60000, 2 }, { 80000, 2 },
				  { 100000, 8 } };
	struct cd_rollup r[4];
	ASSERT_EQ(cd_rollup_gauge(g, 6, 60000, r, 4), 2);
	ASSERT_EQ(r[0].t, 0);
	ASSERT_EQ(r[0].count, 3);
	ASSERT(r[0].min == 1 && r[0].max == 5 && r[0].sum == 9 && r[0].last == 5);
	ASSERT(r[1].min == 2 && r[1].max == 8 && r[1].last == 8);
	/* at most max steps */
	ASSERT_EQ(cd_rollup_gauge(g, 6, 60000, r, 1), 1);
	/* a counter (bytes) with a reset at 80 s; the sample before comes
	 * from the previous step */
	struct cd_sample prev = { -20000, 100 };
	struct cd_sample c[6] = { { 0, 200 }, { 20000, 300 }, { 40000, 2300 }, { 60000, 2400 },
				  { 80000, 50 }, { 100000, 150 } };
	ASSERT_EQ(cd_rollup_counter(c, 6, &prev, 60000, r, 4), 2);
	/* step 0: +100 +100 +2000 over 60 s; the peak 100/s between 20 and 40 s */
	ASSERT(fabs(r[0].increase - 2200) < 1e-9 && r[0].covered_ms == 60000);
	ASSERT(fabs(cd_rollup_rate(&r[0]) - 2200.0 / 60) < 1e-9);
	ASSERT(fabs(r[0].rate_max - 100) < 1e-9 && fabs(r[0].rate_min - 5) < 1e-9);
	/* step 1: +100, then a reset counted from 0 (+50), +100 */
	ASSERT(fabs(r[1].increase - 250) < 1e-9 && r[1].covered_ms == 60000);
	/* merged, the two halves make the rate over 120 s exactly */
	struct cd_rollup m = { .t = 0 };
	cd_rollup_merge(&m, &r[0]);
	cd_rollup_merge(&m, &r[1]);
	ASSERT(fabs(cd_rollup_rate(&m) - 2450.0 / 120) < 1e-9);
	ASSERT(fabs(m.rate_max - 100) < 1e-9 && m.count == 6 && m.last == 150);
	/* no time covered: no rate, never a zero */
	struct cd_rollup one;
	ASSERT_EQ(cd_rollup_counter(c, 1, NULL, 60000, &one, 1), 1);
	ASSERT(isnan(cd_rollup_rate(&one)));
}

/* The roller, given samples one at a time or in runs, makes the same
 * steps; full, it stops before the sample that would start a step past
 * max, which a larger out then takes; without rates a counter's rate_min
 * and rate_max are left 0. */
TEST(rollup_roller_one_at_a_time_or_in_runs)
{
	struct cd_sample prev = { -20000, 100 };
	struct cd_sample c[7] = { { 0, 200 }, { 20000, 300 }, { 40000, 2300 }, { 60000, 2400 },
				  { 80000, 50 }, { 100000, 150 }, { 125000, 180 } };
	struct cd_rollup want[3], got[3];
	ASSERT_EQ(cd_rollup_counter(c, 7, &prev, 60000, want, 3), 3);
	ASSERT(fabs(want[0].increase - 2200) < 1e-9 && want[0].covered_ms == 60000);
	ASSERT(fabs(want[0].rate_max - 100) < 1e-9 && fabs(want[0].rate_min - 5) < 1e-9);
	ASSERT(fabs(want[2].increase - 30) < 1e-9 && want[2].covered_ms == 25000);
	ASSERT(want[2].count == 1 && want[2].last == 180);
	struct cd_roller r;
	cd_roller_init(&r, true, true, 60000, &prev, got, 1);
	ASSERT_EQ(cd_roller_add(&r, c, 7), 3);   /* 60 s would start a second step */
	ASSERT_EQ(r.n, 1);
	r.max = 3;                                /* room made: the rest again */
	for (size_t i = 3; i < 7; i++)
		ASSERT_EQ(cd_roller_add(&r, &c[i], 1), 1);
	ASSERT_EQ(r.n, 3);
	ASSERT(memcmp(got, want, sizeof(want)) == 0);
	/* no rates: the same but for them */
	cd_roller_init(&r, true, false, 60000, &prev, got, 3);
	ASSERT_EQ(cd_roller_add(&r, c, 2), 2);
	ASSERT_EQ(cd_roller_add(&r, c + 2, 5), 5);
	for (size_t k = 0; k < 3; k++) {
		ASSERT(got[k].t == want[k].t && got[k].count == want[k].count);
		ASSERT(got[k].increase == want[k].increase && got[k].covered_ms == want[k].covered_ms);
		ASSERT(got[k].rate_min == 0 && got[k].rate_max == 0);
	}
	/* a gauge, before the epoch too */
	struct cd_sample g[4] = { { -70000, 4 }, { -50000, 1 }, { -10000, 9 }, { 5000, 2 } };
	ASSERT_EQ(cd_rollup_gauge(g, 4, 60000, want, 3), 3);
	cd_roller_init(&r, false, false, 60000, NULL, got, 3);
	for (size_t i = 0; i < 4; i++)
		ASSERT_EQ(cd_roller_add(&r, &g[i], 1), 1);
	ASSERT_EQ(r.n, 3);
	ASSERT(memcmp(got, want, sizeof(want)) == 0);
	ASSERT_EQ(got[0].t, -120000);
	ASSERT(got[1].t == -60000 && got[1].count == 2 && got[1].sum == 10);
	ASSERT(got[1].min == 1 && got[1].max == 9 && got[1].last == 9);
}
