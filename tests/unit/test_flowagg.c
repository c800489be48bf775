/* test_flowagg.c - flow records per minute and key (agent/flowagg.h):
 * counts add up per key, a description is made once a key, records of
 * past minutes come out as the contract's JSON and are forgotten, a
 * retransmitted attempt counts once (a minute's end between its
 * packets too), and the bound holds. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "agent/flowagg.h"
#include "test.h"

static int described;

static json_t *describe(void *ctx)
{
	described++;
	return json_pack("{s:s, s:{s:s}, s:{s:n}}", "vnic", (const char *)ctx, "source",
			 "workload", "web", "destination", "workload");
}

static struct cd_flowkey key(int64_t minute, const char *src, uint16_t port)
{
	struct cd_flowkey k = { .minute = minute, .proto = IPPROTO_TCP, .port = port,
				.verdict = CD_FV_ALLOWED, .rule = 10, .seen = CD_SEEN_SOURCE };
	const char *why;
	cd_addr_parse(src, false, &k.src, &why);
	cd_addr_parse("10.0.0.9", false, &k.dst, &why);
	return k;
}

static void collect(void *ctx, json_t *r)
{
	json_array_append_new(ctx, r);
}

TEST(flowagg_counts_describes_once_and_takes_past_minutes)
{
	struct cd_flowagg *a = cd_flowagg_new(3, 2);
	described = 0;
	struct cd_flowkey k1 = key(60000, "10.0.0.1", 80), k2 = key(120000, "10.0.0.1", 80);
	for (int i = 0; i < 4; i++)
		cd_flowagg_at(a, &k1, describe, "vnet1")->connections++;
	struct cd_flowcount *c = cd_flowagg_at(a, &k2, describe, "vnet1");
	c->bytes_out += 100;
	c->packets_in += 3;
	ASSERT_EQ(described, 2);
	ASSERT_EQ(cd_flowagg_keys(a), 2);
	json_t *out = json_array();
	ASSERT_EQ(cd_flowagg_take(a, 120000, collect, out), 1);     /* the first minute only */
	ASSERT_EQ(json_array_size(out), 1);
	json_t *r = json_array_get(out, 0);
	ASSERT_EQ(json_integer_value(json_object_get(r, "minute")), 60000);
	ASSERT_EQ(json_integer_value(json_object_get(r, "connections")), 4);
	ASSERT_STR_EQ(json_string_value(json_object_get(r, "vnic")), "vnet1");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(r, "source"), "ip")), "10.0.0.1");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(r, "source"), "workload")), "web");
	ASSERT(json_is_null(json_object_get(json_object_get(r, "destination"), "workload")));
	ASSERT_STR_EQ(json_string_value(json_object_get(r, "protocol")), "tcp");
	ASSERT_EQ(json_integer_value(json_object_get(r, "port")), 80);
	ASSERT_STR_EQ(json_string_value(json_object_get(r, "verdict")), "allowed");
	ASSERT_STR_EQ(json_string_value(json_object_get(r, "seen_at")), "source");
	/* the second minute is still there, and found again */
	ASSERT_EQ(cd_flowagg_keys(a), 1);
	cd_flowagg_at(a, &k2, describe, "vnet1")->connections++;
	ASSERT_EQ(described, 2);
	/* the bound: a third and fourth key; the fourth overflows */
	struct cd_flowkey k3 = key(120000, "10.0.0.2", 80), k4 = key(120000, "10.0.0.3", 80),
			  k5 = key(120000, "10.0.0.3", 0);
	k5.proto = IPPROTO_ICMP;
	ASSERT(cd_flowagg_at(a, &k3, NULL, NULL));
	ASSERT(cd_flowagg_at(a, &k4, NULL, NULL));
	ASSERT(!cd_flowagg_at(a, &k5, NULL, NULL));
	ASSERT_EQ(cd_flowagg_overflow(a), 1);
	ASSERT_EQ(cd_flowagg_take(a, INT64_MAX, collect, out), 3);
	r = NULL;                          /* (within a minute, in no order) */
	for (size_t i = 1; i < json_array_size(out); i++) {
		json_t *x = json_array_get(out, i);
		if (!strcmp(json_string_value(json_object_get(json_object_get(x, "source"), "ip")), "10.0.0.1"))
			r = x;
	}
	ASSERT(r);
	ASSERT_EQ(json_integer_value(json_object_get(r, "bytes_out")), 100);
	ASSERT_EQ(json_integer_value(json_object_get(r, "packets_in")), 3);
	ASSERT_EQ(json_integer_value(json_object_get(r, "connections")), 1);
	ASSERT_EQ(cd_flowagg_keys(a), 0);
	json_decref(out);
	cd_flowagg_free(a);
}

TEST(flowagg_attempts_once_across_a_minutes_end_and_bounded)
{
	struct cd_flowagg *a = cd_flowagg_new(10, 2);
	struct cd_addr s, d;
	const char *why;
	cd_addr_parse("10.0.0.1", false, &s, &why);
	cd_addr_parse("fd00::1", false, &d, &why);
	ASSERT(cd_flowagg_attempt(a, 60000, &s, &d, 6, 40000, 22, 7));
	ASSERT(!cd_flowagg_attempt(a, 60000, &s, &d, 6, 40000, 22, 7));   /* retransmitted */
	/* the same port again, another initial sequence number: a new attempt */
	ASSERT(cd_flowagg_attempt(a, 60000, &s, &d, 6, 40000, 22, 8));
	ASSERT(cd_flowagg_attempt(a, 60000, &s, &d, 6, 40001, 22, 7));    /* another attempt */
	/* past the bound of 2 remembered: each counted */
	ASSERT(cd_flowagg_attempt(a, 60000, &s, &d, 6, 40002, 22, 7));
	ASSERT(cd_flowagg_attempt(a, 60000, &s, &d, 6, 40002, 22, 7));
	/* the next minute remembers: a retransmission a minute's end split */
	ASSERT(!cd_flowagg_attempt(a, 120000, &s, &d, 6, 40000, 22, 7));
	ASSERT(!cd_flowagg_attempt(a, 120000, &s, &d, 6, 40000, 22, 8));
	/* the one after forgets what the first minute saw */
	ASSERT(cd_flowagg_attempt(a, 180000, &s, &d, 6, 40000, 22, 7));
	ASSERT(!cd_flowagg_attempt(a, 180000, &s, &d, 6, 40000, 22, 7));
	/* a gap of minutes forgets all */
	ASSERT(cd_flowagg_attempt(a, 300000, &s, &d, 6, 40000, 22, 7));
	cd_flowagg_free(a);
}
