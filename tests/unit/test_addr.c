/* test_addr.c - addresses and prefixes. */
#include "base/addr.h"
#include "test.h"

TEST(addr_parse_v4_v6)
{
	struct cd_addr a;
	const char *why;
	char buf[CD_ADDR_STRLEN];
	ASSERT_EQ(cd_addr_parse("10.0.0.1", false, &a, &why), 0);
	ASSERT_EQ(a.family, 4);
	ASSERT_EQ(a.plen, 32);
	ASSERT_STR_EQ(cd_addr_fmt(&a, buf), "10.0.0.1");
	ASSERT_EQ(cd_addr_parse("FD00::0001", false, &a, &why), 0);
	ASSERT_EQ(a.family, 6);
	ASSERT_STR_EQ(cd_addr_fmt(&a, buf), "fd00::1");
	ASSERT_EQ(cd_addr_parse("10.0.0.0/8", true, &a, &why), 0);
	ASSERT_STR_EQ(cd_addr_fmt(&a, buf), "10.0.0.0/8");
	ASSERT_EQ(cd_addr_parse("::/0", true, &a, &why), 0);
	ASSERT_EQ(a.plen, 0);
}

TEST(addr_parse_errors)
{
	struct cd_addr a;
	const char *why;
	ASSERT(cd_addr_parse("10.0.0.256", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("10.0.0.1/8", true, &a, &why) < 0);
	ASSERT_CONTAINS(why, "bits set beyond");
	ASSERT(cd_addr_parse("10.0.0.0/33", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("fd00::/129", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("10.0.0.0/", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("10.0.0.0/x", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("10.0.0.0/8", false, &a, &why) < 0);
	ASSERT(cd_addr_parse("", true, &a, &why) < 0);
	ASSERT(cd_addr_parse("host.example", true, &a, &why) < 0);
}

TEST(addr_containment)
{
	struct cd_addr a, n, m;
	const char *why;
	cd_addr_parse("10.1.2.3", false, &a, &why);
	cd_addr_parse("10.1.0.0/16", true, &n, &why);
	cd_addr_parse("10.2.0.0/15", true, &m, &why);
	ASSERT(cd_addr_in(&a, &n));
	ASSERT(!cd_addr_in(&a, &m));
	ASSERT(cd_addr_in(&n, &n));
	cd_addr_parse("0.0.0.0/0", true, &m, &why);
	ASSERT(cd_addr_in(&a, &m));
	cd_addr_parse("::/0", true, &m, &why);
	ASSERT(!cd_addr_in(&a, &m));   /* families never mix */
	cd_addr_parse("fd00:1::7", false, &a, &why);
	cd_addr_parse("fd00:1::/113", true, &n, &why);
	ASSERT(cd_addr_in(&a, &n));
}
