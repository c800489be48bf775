/* test_saved.c - an agent's saved state read back (agent/saved.c): the
 * snapshot and its journal's changes in order; a damaged journal line,
 * one too long and a change out of order or of an unknown workload set
 * aside and counted, the others kept; a damaged snapshot is none, said;
 * no snapshot is none, silently. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent/saved.h"
#include "test.h"

static char *slurp(const char *path)
{
	char *t;
	size_t n;
	ASSERT_EQ(cd_read_file(path, 1 << 20, &t, &n), 0);
	return t;
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ASSERT_EQ(cd_write_file(p, text, strlen(text), 0600), 0);
}

TEST(saved_state_and_journal_read_back_damage_set_aside)
{
	char dir[] = "/tmp/cordon-saved-XXXXXX";
	ASSERT(mkdtemp(dir));
	struct cd_saved s;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_saved_read(dir, &s, &err), 0);      /* none: silently */
	ASSERT_EQ(err.len, 0);

	char *pol = slurp("examples/vdi/policy.yaml"), *inv = slurp("examples/vdi/inventory.yaml");
	json_t *snap = json_pack("{s:i, s:i, s:s, s:s}", "seq", 5, "revision", 2, "policy", pol,
				 "inventory", inv);
	char *text = json_dumps(snap, JSON_COMPACT);
	put(dir, "snapshot.json", text);
	struct cd_buf j;
	cd_buf_init(&j, 1 << 20);
	cd_buf_puts(&j, "{\"seq\": 6, \"workload\": \"vdi-001\", \"tags\": [\"quarantine\"]}\n");
	cd_buf_puts(&j, "{\"seq\": 7, \"workl\xff\n");                       /* a flipped byte */
	cd_buf_puts(&j, "{\"seq\": 8, \"workload\": \"nobody\", \"tags\": []}\n");
	cd_buf_puts(&j, "{\"seq\": 6, \"workload\": \"vdi-002\", \"tags\": []}\n");  /* not after 6 */
	cd_buf_puts(&j, "{\"seq\": 9, \"workload\": \"vdi-002\", \"tags\": [\"");
	for (int i = 0; i < 70000; i++)                                       /* too long */
		cd_buf_puts(&j, "x");
	cd_buf_puts(&j, "\"]}\n");
	cd_buf_puts(&j, "{\"seq\": 10, \"workload\": \"vdi-002\", \"tags\": [\"env=prod\"]}\n");
	cd_buf_puts(&j, "{\"seq\": 11, \"workload\": \"vdi-001\", \"tags\": [1]}\n");  /* not a string */
	cd_buf_puts(&j, "{\"seq\": 12, \"workload\": \"vdi-001\"");        /* torn */
	put(dir, "journal.jsonl", j.data);
	ASSERT_EQ(cd_saved_read(dir, &s, &err), 1);
	ASSERT_EQ(s.seq, 5);
	ASSERT_EQ(s.rev, 2);
	ASSERT_STR_EQ(s.policy, pol);
	ASSERT(s.st && cd_inventory_find(&s.st->inv, "vdi-003") >= 0);
	ASSERT_EQ(json_array_size(s.changes), 2);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(s.changes, 0), "seq")), 6);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(s.changes, 1), "seq")), 10);
	ASSERT_EQ(s.damaged, 6);
	cd_saved_free(&s);

	/* a snapshot cut short (a torn write): none, and said */
	text[strlen(text) / 2] = 0;
	put(dir, "snapshot.json", text);
	ASSERT_EQ(cd_saved_read(dir, &s, &err), 0);
	ASSERT_CONTAINS(err.data, "snapshot.json");
	ASSERT_CONTAINS(err.data, "set aside");
	cd_buf_reset(&err);
	/* a policy that no longer loads: none, and said */
	json_object_set_new(snap, "policy", json_string("rules: [{id: x, action: nope}]"));
	free(text);
	text = json_dumps(snap, JSON_COMPACT);
	put(dir, "snapshot.json", text);
	ASSERT_EQ(cd_saved_read(dir, &s, &err), 0);
	ASSERT_CONTAINS(err.data, "does not load");
	free(text);
	json_decref(snap);
	free(pol);
	free(inv);
	cd_buf_free(&j);
	cd_buf_free(&err);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT(system(cmd) == 0);
}
