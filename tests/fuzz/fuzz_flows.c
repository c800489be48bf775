/* fuzz_flows.c - a hostile agent's flow records: the body of POST
 * /api/v1/agent/flows checked (cd_flows_parse) and, when taken, stored in
 * a store in memory and read back.
 *
 * Input: the body.  Properties: no crash, leak or hang; a refusal names a
 * field (none only when the body is no object) and stores nothing; a call taken is stored whole (every record of a new seq, one of
 * a key and minute stored before added to its row),
 * sent again stores nothing, and every record stored reads back as JSON
 * whose lists and addresses parse again as the agent's. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/flows.h"

static struct cd_mgr *m;
static struct cd_store *s;

static void setup(void)
{
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (cd_store_open(":memory:", &s) < 0 || cd_mgr_open(&m, s, NULL, &err) < 0)
		abort();
	cd_buf_free(&err);
}

static int count_row(void *ctx, const struct cd_flow_rec *f)
{
	json_t *o = cd_flows_rec_json(f);
	if (!o || !json_is_array(json_object_get(o, "source_tags")))
		abort();
	json_decref(o);
	++*(int64_t *)ctx;
	return 0;
}

static int64_t stored_records(void)
{
	struct cd_flow_filter f = { .since = 0, .proto = -1, .rule = -1 };
	int64_t n = 0;
	if (cd_store_flow_each(s, &f, count_row, &n) < 0)
		abort();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m)
		setup();
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!body)
		return 0;
	int64_t before = stored_records();
	struct cd_flows_call c;
	char field[128], why[256];
	/* the records' minutes from the fuzzer's own clock: 2025-12-01 */
	int r = cd_flows_parse(body, INT64_C(1764547200000), &c, field, sizeof(field), why, sizeof(why));
	if (r < 0) {
		/* a field named (an unknown key's first 40 bytes) unless the
		 * body is no object */
		if (r != -EINVAL || !why[0] || (!field[0] && json_is_object(body)))
			abort();
		json_decref(body);
		return 0;
	}
	size_t total = 0;
	for (size_t i = 0; i < c.nb; i++)
		total += c.b[i].n;
	int64_t acked, stored, again;
	/* a credential per input: each call's seqs are new */
	static unsigned long calls;
	char cred[32];
	snprintf(cred, sizeof(cred), "fuzz-%lu", calls++);
	if (cd_mgr_flows_ingest(m, "hv1", cred, &c, &acked, &stored) < 0)
		abort();
	/* batches of one seq within a call: the first is stored */
	if (stored > (int64_t)total || (c.nb && !acked))
		abort();
	if (cd_mgr_flows_ingest(m, "hv1", cred, &c, &acked, &again) < 0 || again != 0)
		abort();
	/* a record of a key and minute stored before is added to its row */
	if (stored_records() > before + stored)
		abort();
	cd_flows_call_free(&c);
	json_decref(body);
	/* the store in memory kept small */
	if (before + stored > 20000) {
		int64_t removed;
		if (cd_store_flow_prune(s, INT64_MAX, INT64_MAX, 0, &removed) < 0)
			abort();
	}
	return 0;
}
