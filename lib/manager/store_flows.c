/* store_flows.c - flow records in the store (store.h): an agent's batch
 * taken once per credential and seq, the queries (filters, pages, sums
 * by a key, the deduplication of a connection seen at both its ends),
 * the counters per rule and verdict, and the retention in days and bytes.
 *
 * One SQL for SQLite and PostgreSQL.  A filter that is not given still
 * binds its parameters (NULL, or a value that takes everything), so that
 * every query has the same arguments; where an index serves the filter
 * (workload, addresses, host) its text says the column only when the
 * filter is given, so that the planner can use the index. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define TOTAL_MAX "4611686018427387903"     /* 2^62 - 1: a counter stops there */
#define PRUNE_ROWS 5000                      /* rows removed per statement... */
#define PRUNE_ROWS_S "5000"                  /* ...in SQL */

static int64_t rec_size(const struct cd_flow_rec *f)
{
	const char *s[] = { f->host, f->vnic, f->src_wl, f->src_ip, f->dst_wl, f->dst_ip,
			    f->rule_name, f->rule_cat, f->staged_name, f->staged_cat, f->src_tags,
			    f->dst_tags, f->src_groups, f->dst_groups };
	int64_t n = 128;
	for (size_t i = 0; i < CD_ARRAY_LEN(s); i++)
		n += s[i] ? (int64_t)strlen(s[i]) : 0;
	return n;
}

static const char insert_sql[] =
	"INSERT INTO flows(minute, host, vnic, seen_at, src_wl, src_ip, dst_wl, dst_ip, proto, port, "
	"verdict, rule_id, rule_name, rule_cat, staged_id, staged_name, staged_cat, connections, "
	"bytes_out, bytes_in, packets_out, packets_in, src_tags, dst_tags, src_groups, dst_groups, "
	"size) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int insert(struct cd_store *s, const struct cd_flow_rec *f, int64_t size)
{
	return cd_store_run(s, cd_db_prep_cached(s->db, insert_sql, "isssssssiisississiiiiissssi",
				f->minute, f->host, f->vnic, f->seen_at, f->src_wl, f->src_ip, f->dst_wl,
				f->dst_ip, (int64_t)f->proto, (int64_t)f->port, f->verdict, f->rule_id,
				f->rule_name, f->rule_cat, f->staged_id, f->staged_name, f->staged_cat,
				f->connections, f->bytes_out, f->bytes_in, f->packets_out,
				f->packets_in, f->src_tags, f->dst_tags, f->src_groups, f->dst_groups,
				size));
}

static const char merge_sql[] =
	"UPDATE flows SET connections = connections + ?, bytes_out = bytes_out + ?, "
	"bytes_in = bytes_in + ?, packets_out = packets_out + ?, packets_in = packets_in + ? "
	"WHERE minute = ? AND src_ip = ? AND dst_ip = ? AND host = ? AND seen_at = ? AND "
	"proto = ? AND port = ? AND verdict = ? AND rule_id = ? AND staged_id = ?";

/* f's counts added to the row of its key and minute, if it has one */
static int merge(struct cd_store *s, const struct cd_flow_rec *f)
{
	return cd_store_run(s, cd_db_prep_cached(s->db, merge_sql, "iiiiiissssiisii", f->connections,
				f->bytes_out, f->bytes_in, f->packets_out, f->packets_in, f->minute,
				f->src_ip, f->dst_ip, f->host, f->seen_at, (int64_t)f->proto,
				(int64_t)f->port, f->verdict, f->rule_id, f->staged_id));
}

/* The batch's connections per (rule, verdict) added to the counters. */
struct total { int64_t rule; const char *verdict; int64_t n; };

static int add_totals(struct cd_store *s, const struct cd_flow_rec *v, size_t n, int64_t max)
{
	struct total *t = NULL;
	size_t nt = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < nt && (t[k].rule != v[i].rule_id || strcmp(t[k].verdict, v[i].verdict)); k++)
			;
		if (k == nt)
			CD_PUSH(t, nt, cap, ((struct total){ v[i].rule_id, v[i].verdict, 0 }));
		t[k].n += v[i].connections;
	}
	/* bounded: past max pairs, a new one is counted under rule -1 (the
	 * exposition's "other"): an agent's made-up ids add no row each.
	 * (Two managers ingesting at once may each take the last room: the
	 * bound is passed by their batches' pairs at most.) */
	int64_t rows = cd_db_scalar(cd_store_prep(s, "SELECT count(*) FROM flow_totals", ""));
	int r = rows < 0 ? (int)rows : 0;
	for (size_t k = 0; k < nt && r == 0; k++) {
		int64_t had = cd_db_scalar(cd_store_prep(s, "SELECT count(*) FROM flow_totals WHERE "
							 "rule = ? AND verdict = ?", "is", t[k].rule,
							 t[k].verdict));
		if (had < 0)
			r = (int)had;
		else if (had == 0 && rows >= max)
			t[k].rule = -1;
		else if (had == 0)
			rows++;
	}
	for (size_t k = 0; k < nt && r == 0; k++)
		r = cd_store_run(s, cd_store_prep(s, "INSERT INTO flow_totals(rule, verdict, connections) "
				 "VALUES(?, ?, ?) ON CONFLICT(rule, verdict) DO UPDATE SET connections = "
				 "CASE WHEN flow_totals.connections > " TOTAL_MAX " - excluded.connections "
				 "THEN " TOTAL_MAX " ELSE flow_totals.connections + excluded.connections END",
				 "isi", t[k].rule, t[k].verdict, t[k].n));
	free(t);
	return r;
}

int cd_store_flow_batch(struct cd_store *s, const char *cred, int64_t seq, int64_t received,
			const struct cd_flow_rec *v, size_t n, int64_t totals_max)
{
	int r = cd_db_begin(s->db);
	if (r < 0)
		return r;
	r = cd_store_run(s, cd_store_prep(s, "INSERT INTO flow_batches(cred, seq, received) "
					  "VALUES(?, ?, ?) ON CONFLICT DO NOTHING", "sii", cred, seq,
					  received));
	bool known = r == 0 && cd_db_changes(s->db) == 0;
	int64_t bytes = 0;
	for (size_t i = 0; r == 0 && !known && i < n; i++) {
		/* a key's minute may come in parts (an agent sends what it
		 * holds every few seconds): added to its row, else a row */
		r = merge(s, &v[i]);
		if (r == 0 && cd_db_changes(s->db) == 0) {
			int64_t size = rec_size(&v[i]);
			bytes += size;
			r = insert(s, &v[i], size);
		}
	}
	if (r == 0 && !known)
		r = add_totals(s, v, n, totals_max);
	if (r == 0 && !known)
		r = cd_store_run(s, cd_store_prep(s, "UPDATE flow_bytes SET bytes = bytes + ?", "i", bytes));
	if (r == 0)
		r = cd_db_commit(s->db);
	else
		cd_db_rollback(s->db);
	return r < 0 ? r : known ? 0 : 1;
}

/* ---- queries ---- */

/* The filter's WHERE (over flows f) into b; its arguments are FILTER_ARGS
 * in the order of FILTER_FMT. */
static void where(struct cd_buf *b, const struct cd_flow_filter *f)
{
	cd_buf_puts(b, " WHERE f.minute >= ? AND f.minute <= ? AND ");
	cd_buf_puts(b, f->workload ? "(f.src_wl = ? OR f.dst_wl = ?)" :
		       f->workload_ip ? "(f.src_ip = ? OR f.dst_ip = ?)" : "(? IS NULL AND ? IS NULL)");
	cd_buf_puts(b, f->src_wl ? " AND f.src_wl = ?" : f->src_ip ? " AND f.src_ip = ?" : " AND ? IS NULL");
	cd_buf_puts(b, f->dst_wl ? " AND f.dst_wl = ?" : f->dst_ip ? " AND f.dst_ip = ?" : " AND ? IS NULL");
	for (int i = 0; i < 2; i++)
		cd_buf_puts(b, (i ? f->tag_like : f->group_like) ? (i ?
			" AND (lower(f.src_tags) LIKE lower(?) ESCAPE '\\' OR "
			"lower(f.dst_tags) LIKE lower(?) ESCAPE '\\')" :
			" AND (lower(f.src_groups) LIKE lower(?) ESCAPE '\\' OR "
			"lower(f.dst_groups) LIKE lower(?) ESCAPE '\\')") : " AND (? IS NULL AND ? IS NULL)");
	cd_buf_puts(b, " AND (? = 0 OR f.port = ?) AND (? < 0 OR f.proto = ?)"
		       " AND (? IS NULL OR f.verdict = ?) AND (? < 0 OR f.rule_id = ?)");
	cd_buf_puts(b, f->host ? " AND f.host = ?" : " AND ? IS NULL");
	cd_buf_puts(b, " AND (? = 0 OR f.seen_at <> 'destination' OR NOT EXISTS (SELECT 1 FROM flows g "
		       "WHERE g.minute >= f.minute - 60000 AND g.minute <= f.minute + 60000 AND "
		       "g.src_ip = f.src_ip AND g.dst_ip = f.dst_ip AND "
		       "g.proto = f.proto AND g.port = f.port AND g.verdict = f.verdict AND "
		       "g.seen_at <> 'destination'))"
		       " AND (f.minute < ? OR (f.minute = ? AND f.id < ?))");
}

#define FILTER_FMT "iissssssssiiiissiisbiii"
#define FILTER_ARGS(f, bm, bi)                                                            \
	(f)->since, (f)->until > 0 ? (f)->until : INT64_MAX,                              \
	(f)->workload ? (f)->workload : (f)->workload_ip,                                  \
	(f)->workload ? (f)->workload : (f)->workload_ip,                                  \
	(f)->src_wl ? (f)->src_wl : (f)->src_ip, (f)->dst_wl ? (f)->dst_wl : (f)->dst_ip,  \
	(f)->group_like, (f)->group_like, (f)->tag_like, (f)->tag_like,                    \
	(int64_t)(f)->port, (int64_t)(f)->port, (int64_t)(f)->proto, (int64_t)(f)->proto,  \
	(f)->verdict, (f)->verdict, (f)->rule, (f)->rule, (f)->host, (f)->dedupe,          \
	(bm), (bm), (bi)

struct each_ctx { cd_store_flow_cb cb; void *ctx; };

static int each_row(void *p, struct cd_db_stmt *st)
{
	struct each_ctx *c = p;
	struct cd_flow_rec f = {
		.id = cd_db_int(st, 0), .minute = cd_db_int(st, 1), .host = cd_db_text(st, 2),
		.vnic = cd_db_text(st, 3), .seen_at = cd_db_text(st, 4), .src_wl = cd_db_text(st, 5),
		.src_ip = cd_db_text(st, 6), .dst_wl = cd_db_text(st, 7), .dst_ip = cd_db_text(st, 8),
		.proto = (int)cd_db_int(st, 9), .port = (int)cd_db_int(st, 10),
		.verdict = cd_db_text(st, 11), .rule_id = cd_db_int(st, 12),
		.rule_name = cd_db_text(st, 13), .rule_cat = cd_db_text(st, 14),
		.staged_id = cd_db_int(st, 15), .staged_name = cd_db_text(st, 16),
		.staged_cat = cd_db_text(st, 17), .connections = cd_db_int(st, 18),
		.bytes_out = cd_db_int(st, 19), .bytes_in = cd_db_int(st, 20),
		.packets_out = cd_db_int(st, 21), .packets_in = cd_db_int(st, 22),
		.src_tags = cd_db_text(st, 23), .dst_tags = cd_db_text(st, 24),
		.src_groups = cd_db_text(st, 25), .dst_groups = cd_db_text(st, 26),
	};
	return c->cb(c->ctx, &f);
}

int cd_store_flow_each(struct cd_store *s, const struct cd_flow_filter *f, cd_store_flow_cb cb,
		       void *ctx)
{
	struct cd_buf b;
	cd_buf_init(&b, 8192);
	cd_buf_puts(&b, "SELECT f.id, f.minute, f.host, f.vnic, f.seen_at, f.src_wl, f.src_ip, f.dst_wl, "
		    "f.dst_ip, f.proto, f.port, f.verdict, f.rule_id, f.rule_name, f.rule_cat, "
		    "f.staged_id, f.staged_name, f.staged_cat, f.connections, f.bytes_out, f.bytes_in, "
		    "f.packets_out, f.packets_in, f.src_tags, f.dst_tags, f.src_groups, f.dst_groups "
		    "FROM flows f");
	where(&b, f);
	cd_buf_puts(&b, " ORDER BY f.minute DESC, f.id DESC LIMIT ?");
	int64_t bm = f->before_minute > 0 ? f->before_minute : INT64_MAX;
	int64_t bi = f->before_minute > 0 ? f->before_id : INT64_MAX;
	struct each_ctx c = { cb, ctx };
	int r = b.full ? -ENOMEM :
		cd_db_rows(cd_store_prep(s, b.data, FILTER_FMT "i", FILTER_ARGS(f, bm, bi),
					 f->limit > 0 ? f->limit : INT64_MAX), each_row, &c);
	cd_buf_free(&b);
	return r;
}

#define SUMS "sum(CAST(f.connections AS DOUBLE PRECISION)), sum(CAST(f.bytes_out AS DOUBLE PRECISION)), " \
	"sum(CAST(f.bytes_in AS DOUBLE PRECISION)), sum(CAST(f.packets_out AS DOUBLE PRECISION)), "      \
	"sum(CAST(f.packets_in AS DOUBLE PRECISION))"
/* an end: its workload's name, else its address (one collation for both) */
#define SRC_KEY "coalesce(f.src_wl, f.src_ip COLLATE nocase)"
#define DST_KEY "coalesce(f.dst_wl, f.dst_ip COLLATE nocase)"

struct top_ctx {
	enum cd_flow_by by;
	int (*cb)(void *ctx, const struct cd_flow_sum *x);
	void *ctx;
};

static int top_row(void *p, struct cd_db_stmt *st)
{
	struct top_ctx *c = p;
	struct cd_flow_sum x = { 0 };
	int k;     /* the first sum's column */
	switch (c->by) {
	case CD_FLOW_BY_PAIR:
		x.a = cd_db_text(st, 0);
		x.b = cd_db_text(st, 1);
		k = 2;
		break;
	case CD_FLOW_BY_PORT:
		x.proto = (int)cd_db_int(st, 0);
		x.port = (int)cd_db_int(st, 1);
		k = 2;
		break;
	case CD_FLOW_BY_RULE:
		x.rule_id = cd_db_int(st, 0);
		x.rule_name = cd_db_text(st, 1);
		x.rule_cat = cd_db_text(st, 2);
		k = 3;
		break;
	default:
		x.a = cd_db_text(st, 0);
		k = 1;
		break;
	}
	x.connections = cd_db_double(st, k);
	x.bytes_out = cd_db_double(st, k + 1);
	x.bytes_in = cd_db_double(st, k + 2);
	x.packets_out = cd_db_double(st, k + 3);
	x.packets_in = cd_db_double(st, k + 4);
	return c->cb(c->ctx, &x);
}

int cd_store_flow_top(struct cd_store *s, const struct cd_flow_filter *f, enum cd_flow_by by,
		      int64_t n, int (*cb)(void *ctx, const struct cd_flow_sum *x), void *ctx)
{
	static const char *const head[] = {
		[CD_FLOW_BY_PAIR] = "SELECT " SRC_KEY ", " DST_KEY ", " SUMS " FROM flows f",
		[CD_FLOW_BY_PORT] = "SELECT f.proto, f.port, " SUMS " FROM flows f",
		[CD_FLOW_BY_RULE] = "SELECT f.rule_id, max(f.rule_name), max(f.rule_cat), " SUMS
				    " FROM flows f",
		/* each record counts for both its ends (once when they are one) */
		[CD_FLOW_BY_WORKLOAD] = "SELECT CASE WHEN e.n = 0 THEN " SRC_KEY " ELSE " DST_KEY " END, "
					SUMS " FROM flows f CROSS JOIN (SELECT 0 AS n UNION ALL "
					"SELECT 1 AS n) e",
	};
	static const char *const tail[] = {
		[CD_FLOW_BY_PAIR] = " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?",
		[CD_FLOW_BY_PORT] = " GROUP BY f.proto, f.port ORDER BY 3 DESC, 1, 2 LIMIT ?",
		[CD_FLOW_BY_RULE] = " GROUP BY f.rule_id ORDER BY 4 DESC, 1 LIMIT ?",
		[CD_FLOW_BY_WORKLOAD] = " AND (e.n = 0 OR " SRC_KEY " <> " DST_KEY ")"
					" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
	};
	if ((unsigned)by > CD_FLOW_BY_WORKLOAD)
		return -EINVAL;
	struct cd_buf b;
	cd_buf_init(&b, 8192);
	cd_buf_puts(&b, head[by]);
	where(&b, f);
	cd_buf_puts(&b, tail[by]);
	struct top_ctx c = { by, cb, ctx };
	int r = b.full ? -ENOMEM :
		cd_db_rows(cd_store_prep(s, b.data, FILTER_FMT "i", FILTER_ARGS(f, INT64_MAX, INT64_MAX),
					 n), top_row, &c);
	cd_buf_free(&b);
	return r;
}

/* A key being summed (its strings owned). */
struct acc {
	char *key, *src_wl, *src_ip, *dst_wl, *dst_ip;
	int proto, port;
	double connections;
	int64_t last_minute;
};

struct keys_ctx {
	struct cd_map map;         /* key -> index in v */
	struct acc *v;
	size_t n, cap;
};

/* max() of a NOCASE column: the greater name, NULLs aside */
static void take_max(char **have, const char *s)
{
	if (s && (!*have || strcasecmp(s, *have) > 0)) {
		free(*have);
		*have = cd_strdup(s);
	}
}

static int key_row(void *p, struct cd_db_stmt *st)
{
	struct keys_ctx *c = p;
	const char *sip = cd_db_text(st, 1), *dip = cd_db_text(st, 3);
	int proto = (int)cd_db_int(st, 4), port = (int)cd_db_int(st, 5);
	char small[192], *key = small;
	size_t ls = strlen(sip), ld = strlen(dip), need = ls + ld + 32;
	if (need > sizeof(small))
		key = cd_malloc(need);
	memcpy(key, sip, ls);
	key[ls] = '\x1f';
	memcpy(key + ls + 1, dip, ld);
	snprintf(key + ls + 1 + ld, 32, "\x1f%d\x1f%d", proto, port);
	size_t i;
	if (!cd_map_get(&c->map, key, &i)) {
		if (c->n >= CD_FLOW_KEYS_MAX) {
			if (key != small)
				free(key);
			return -E2BIG;
		}
		struct acc a = { cd_strdup(key), NULL, cd_strdup(sip), NULL, cd_strdup(dip), proto, port,
				 0, INT64_MIN };
		CD_PUSH(c->v, c->n, c->cap, a);
		i = c->n - 1;
		cd_map_put(&c->map, c->v[i].key, i, NULL);
	}
	if (key != small)
		free(key);
	struct acc *a = &c->v[i];
	take_max(&a->src_wl, cd_db_text(st, 0));
	take_max(&a->dst_wl, cd_db_text(st, 2));
	a->connections += cd_db_double(st, 6);
	int64_t m = cd_db_int(st, 7);
	if (m > a->last_minute)
		a->last_minute = m;
	return 0;
}

static int cmp_acc(const void *x, const void *y)
{
	const struct acc *a = x, *b = y;
	int r = strcmp(a->src_ip, b->src_ip);
	if (!r)
		r = strcmp(a->dst_ip, b->dst_ip);
	return r ? r : a->proto != b->proto ? (a->proto < b->proto ? -1 : 1)
		     : (a->port > b->port) - (a->port < b->port);
}

int cd_store_flow_keys(struct cd_store *s, const struct cd_flow_filter *f,
		       int (*cb)(void *ctx, const struct cd_flow_key *k), void *ctx)
{
	/* summed here, not by GROUP BY: SQLite sorts every row of the range
	 * for that (1.7 s for 1,000,000 records), a map takes them as they
	 * come (bench-flows) */
	struct cd_buf b;
	cd_buf_init(&b, 8192);
	cd_buf_puts(&b, "SELECT f.src_wl, f.src_ip, f.dst_wl, f.dst_ip, f.proto, f.port, "
		    "CAST(f.connections AS DOUBLE PRECISION), f.minute FROM flows f");
	where(&b, f);
	struct keys_ctx c = { 0 };
	cd_map_init_exact(&c.map);
	int r = b.full ? -ENOMEM :
		cd_db_rows(cd_store_prep(s, b.data, FILTER_FMT, FILTER_ARGS(f, INT64_MAX, INT64_MAX)),
			   key_row, &c);
	cd_buf_free(&b);
	if (r >= 0 && c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_acc);
	for (size_t i = 0; r >= 0 && i < c.n; i++) {
		struct acc *a = &c.v[i];
		struct cd_flow_key k = { a->src_wl, a->src_ip, a->dst_wl, a->dst_ip, a->proto, a->port,
					 a->connections, a->last_minute };
		r = cb(ctx, &k);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].key);
		free(c.v[i].src_wl);
		free(c.v[i].src_ip);
		free(c.v[i].dst_wl);
		free(c.v[i].dst_ip);
	}
	free(c.v);
	cd_map_free(&c.map);
	return r;
}

struct totals_ctx { int (*cb)(void *ctx, int64_t rule, const char *verdict, int64_t n); void *ctx; };

static int totals_row(void *p, struct cd_db_stmt *st)
{
	struct totals_ctx *c = p;
	return c->cb(c->ctx, cd_db_int(st, 0), cd_db_text(st, 1), cd_db_int(st, 2));
}

int cd_store_flow_totals(struct cd_store *s,
			 int (*cb)(void *ctx, int64_t rule, const char *verdict, int64_t n), void *ctx)
{
	struct totals_ctx c = { cb, ctx };
	return cd_db_rows(cd_store_prep(s, "SELECT rule, verdict, connections FROM flow_totals "
					"ORDER BY rule, verdict", NULL), totals_row, &c);
}

int64_t cd_store_flow_bytes(struct cd_store *s)
{
	return cd_db_scalar(cd_store_prep(s, "SELECT bytes FROM flow_bytes", NULL));
}

/* ---- the retention ---- */

/* Run a DELETE ... RETURNING size of at most PRUNE_ROWS records and take
 * their sizes off the total, in one transaction: how many went. */
static int64_t prune_step(struct cd_store *s, struct cd_db_stmt *st)
{
	int r = st ? cd_db_begin(s->db) : -EIO;
	if (r < 0) {
		cd_db_done(st);
		return r;
	}
	int64_t n = 0, bytes = 0;
	int rc;
	while ((rc = cd_db_step(st)) > 0) {
		bytes += cd_db_int(st, 0);
		n++;
	}
	cd_db_done(st);
	r = rc < 0 ? rc : cd_store_run(s, cd_store_prep(s, "UPDATE flow_bytes SET bytes = bytes - ?",
							 "i", bytes));
	if (r == 0)
		r = cd_db_commit(s->db);
	else
		cd_db_rollback(s->db);
	return r < 0 ? r : n;
}

int cd_store_flow_prune(struct cd_store *s, int64_t before, int64_t received_before,
			int64_t max_bytes, int64_t *removed)
{
	*removed = 0;
	int64_t n;
	/* by age, in steps: no one waits long for the database */
	do {
		n = prune_step(s, cd_store_prep(s, "DELETE FROM flows WHERE id IN (SELECT id FROM flows "
						"WHERE minute < ? ORDER BY minute, id LIMIT " PRUNE_ROWS_S
						") RETURNING size", "i", before));
		if (n > 0)
			*removed += n;
	} while (n == PRUNE_ROWS);
	if (n < 0)
		return (int)n;
	int r = cd_store_run(s, cd_store_prep(s, "DELETE FROM flow_batches WHERE received < ?", "i",
					      received_before));
	if (r < 0)
		return r;
	/* then the oldest, down to 90% of the budget (not one record per
	 * record added) */
	int64_t bytes;
	while (max_bytes > 0 && (bytes = cd_store_flow_bytes(s)) > max_bytes) {
		int64_t over = bytes - max_bytes / 10 * 9, upto = 0, lm = -1, li = -1;
		struct cd_db_stmt *st = cd_store_prep(s, "SELECT minute, id, size FROM flows "
						      "ORDER BY minute, id LIMIT " PRUNE_ROWS_S, NULL);
		if (!st)
			return -EIO;
		while (upto < over && cd_db_step(st) > 0) {
			lm = cd_db_int(st, 0);
			li = cd_db_int(st, 1);
			upto += cd_db_int(st, 2);
		}
		cd_db_done(st);
		if (lm < 0)
			break;      /* nothing left: the total is off (fixed below) */
		n = prune_step(s, cd_store_prep(s, "DELETE FROM flows WHERE minute < ? OR "
						"(minute = ? AND id <= ?) RETURNING size", "iii", lm, lm, li));
		if (n < 0)
			return (int)n;
		*removed += n;
	}
	if (max_bytes > 0 && cd_store_flow_bytes(s) > max_bytes)    /* no records, yet bytes */
		return cd_store_run(s, cd_store_prep(s, "UPDATE flow_bytes SET bytes = (SELECT "
						     "coalesce(sum(size), 0) FROM flows)", NULL));
	return 0;
}
