/* test_mgr.c - the manager without HTTP: enrollment tokens work once and
 * for a day only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgr.h"
#include "test.h"
#include "token.h"

TEST(mgr_enrollment_tokens_once_and_for_a_day)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	struct cd_mgr m = { 0 };
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&m, s, &err), 0);
	struct cd_actor self = { .name = "test", .origin = "local" };
	char *fresh, *cred;
	ASSERT_EQ(cd_mgr_token_create(&m, "enroll", "e1", "hv1", NULL, &self, &fresh), 0);
	struct cd_token t = { 0 };
	ASSERT_EQ(cd_mgr_enroll(&m, fresh, "local", &cred, &t), 0);
	ASSERT_STR_EQ(t.name, "host:hv1");
	ASSERT_STR_EQ(t.role, "agent");
	/* the credential authenticates; the enrollment token no more */
	struct cd_token a = { 0 };
	ASSERT_EQ(cd_mgr_auth(&m, cred, &a), 0);
	ASSERT_STR_EQ(a.host, "hv1");
	cd_token_free(&a);
	char *cred2;
	struct cd_token t2 = { 0 };
	ASSERT_EQ(cd_mgr_enroll(&m, fresh, "local", &cred2, &t2), -ENOENT);
	/* an enrollment token older than a day is refused */
	char *old = cd_token_new('e');
	char hash[CD_HASH_HEX];
	cd_token_hash(old, hash);
	struct cd_token ot = { .hash = hash, .name = "e2", .role = "enroll", .host = "hv2",
			       .created = cd_mgr_now() - (CD_ENROLL_TTL_S + 60) * 1000000 };
	ASSERT_EQ(cd_store_token_add(s, &ot), 0);
	ASSERT_EQ(cd_mgr_enroll(&m, old, "local", &cred2, &t2), -ETIMEDOUT);
	/* an API token is not an enrollment token */
	char *api;
	ASSERT_EQ(cd_mgr_token_create(&m, "viewer", "v", NULL, NULL, &self, &api), 0);
	ASSERT_EQ(cd_mgr_enroll(&m, api, "local", &cred2, &t2), -EPERM);
	free(api);
	free(old);
	free(fresh);
	free(cred);
	cd_token_free(&t);
	cd_mgr_close(&m);
	cd_store_close(s);
	cd_buf_free(&err);
}
