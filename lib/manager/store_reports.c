/* store_reports.c - reports' runs (each scheduled fire once per report,
 * whichever manager stores it first), and the rules flow records name
 * (the reports' "rules that matched no flow"). */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cd_store_report_run_add(struct cd_store *s, const struct cd_report_run *r, int64_t *id)
{
	int64_t v;
	if (r->fire > 0)
		v = cd_db_scalar(cd_store_prep(
			s, "INSERT INTO report_runs(name, fire, trigger, begin_ms, end_ms, started, "
			   "finished, outcome, actor, detail) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "ON CONFLICT(name, fire) DO NOTHING RETURNING id",
			"sisiiiisss", r->name, r->fire, r->trigger, r->begin_ms, r->end_ms, r->started,
			r->finished, r->outcome, r->actor, r->detail));
	else
		v = cd_db_scalar(cd_store_prep(
			s, "INSERT INTO report_runs(name, fire, trigger, begin_ms, end_ms, started, "
			   "finished, outcome, actor, detail) VALUES(?, NULL, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "RETURNING id",
			"ssiiiisss", r->name, r->trigger, r->begin_ms, r->end_ms, r->started,
			r->finished, r->outcome, r->actor, r->detail));
	if (v == -ENOENT)
		return -EEXIST;
	if (v < 0)
		return (int)v;
	*id = v;
	return 0;
}

int cd_store_report_run_end(struct cd_store *s, int64_t id, int64_t finished, const char *outcome,
			    const char *detail)
{
	return cd_store_run(s, cd_store_prep(s, "UPDATE report_runs SET finished = ?, outcome = ?, "
					      "detail = ? WHERE id = ?", "issi", finished, outcome,
					      detail, id));
}

int cd_store_report_last_fire(struct cd_store *s, const char *name, int64_t *fire)
{
	int64_t v = cd_db_scalar(cd_store_prep(s, "SELECT coalesce(max(fire), 0) FROM report_runs "
					       "WHERE name = ?", "s", name));
	if (v < 0)
		return (int)v;
	*fire = v;
	return 0;
}

struct runs_ctx {
	int (*cb)(void *ctx, const struct cd_report_run *r);
	void *ctx;
};

static int run_row(void *p, struct cd_db_stmt *st)
{
	struct runs_ctx *c = p;
	struct cd_report_run r = {
		.id = cd_db_int(st, 0), .name = cd_db_text(st, 1), .fire = cd_db_int(st, 2),
		.trigger = cd_db_text(st, 3), .begin_ms = cd_db_int(st, 4), .end_ms = cd_db_int(st, 5),
		.started = cd_db_int(st, 6), .finished = cd_db_int(st, 7), .outcome = cd_db_text(st, 8),
		.actor = cd_db_text(st, 9), .detail = cd_db_text(st, 10),
	};
	return c->cb(c->ctx, &r);
}

int cd_store_report_runs(struct cd_store *s, const char *name, int64_t limit,
			 int (*cb)(void *ctx, const struct cd_report_run *r), void *ctx)
{
	struct runs_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT id, name, fire, trigger, begin_ms, end_ms, started, "
					   "finished, outcome, actor, detail FROM report_runs WHERE "
					   "name = ? ORDER BY id DESC LIMIT ?", "si", name,
					limit > 0 ? limit : INT64_MAX),
			  run_row, &c);
}

int cd_store_report_runs_interrupted(struct cd_store *s, int64_t before)
{
	int r = cd_store_run(s, cd_store_prep(s, "UPDATE report_runs SET outcome = 'interrupted' "
					      "WHERE outcome = 'running' AND started < ?", "i", before));
	return r < 0 ? r : (int)cd_db_changes(s->db);
}

int cd_store_report_runs_prune(struct cd_store *s, const char *name, int64_t keep)
{
	return cd_store_run(s, cd_store_prep(s, "DELETE FROM report_runs WHERE name = ? AND id < "
					      "(SELECT min(id) FROM (SELECT id FROM report_runs WHERE "
					      "name = ? ORDER BY id DESC LIMIT ?) AS k)", "ssi", name,
					      name, keep));
}

struct rules_ctx {
	int (*cb)(void *ctx, int64_t rule);
	void *ctx;
};

static int rule_row(void *p, struct cd_db_stmt *st)
{
	struct rules_ctx *c = p;
	return c->cb(c->ctx, cd_db_int(st, 0));
}

int cd_store_flow_rules_seen(struct cd_store *s, int64_t since, int64_t until,
			     int (*cb)(void *ctx, int64_t rule), void *ctx)
{
	struct rules_ctx c = { cb, ctx };
	int64_t from = since - since % 60000;
	return cd_db_rows(cd_store_prep(s, "SELECT rule_id FROM flows WHERE minute >= ? AND minute <= ? "
					   "AND rule_id > 0 UNION SELECT staged_id FROM flows WHERE "
					   "minute >= ? AND minute <= ? AND staged_id > 0 ORDER BY 1",
					"iiii", from, until, from, until),
			  rule_row, &c);
}
