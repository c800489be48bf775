/* store_schema.c - the store's tables on each back end, and the steps
 * that bring an older database up to date.
 *
 * Versions are the same on both: version N has the same tables and
 * meaning on SQLite and on PostgreSQL.  SQLite keeps its version in
 * PRAGMA user_version, PostgreSQL in meta's "schema".  PostgreSQL came
 * with version 4, so its base schema is that version's and its steps
 * before 5 have nothing to do.  Each step is a transaction of its own,
 * with the write lock: managers starting together on one database apply
 * it once. */
#include "manager/store_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/util.h"

static const char sqlite_base[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	"  config TEXT, workloads TEXT NOT NULL, updated INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS tags(workload TEXT NOT NULL, tag TEXT NOT NULL,"
	"  ltag TEXT NOT NULL, add_ INTEGER NOT NULL, PRIMARY KEY(workload, ltag));"
	"CREATE TABLE IF NOT EXISTS revisions(rev INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, host TEXT, workload TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS agents(name TEXT PRIMARY KEY, host TEXT, workload TEXT,"
	"  enrolled INTEGER, last_seen INTEGER, applied_rev INTEGER, applied_seq INTEGER,"
	"  applied_at INTEGER, status TEXT);"
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  type TEXT NOT NULL, workload TEXT, host TEXT, actor TEXT, origin TEXT,"
	"  message TEXT NOT NULL, data TEXT, agent TEXT, agent_seq INTEGER);"
	"CREATE UNIQUE INDEX IF NOT EXISTS events_agent ON events(agent, agent_seq)"
	"  WHERE agent IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time);"
	"CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY, workload TEXT NOT NULL,"
	"  kind TEXT NOT NULL, state TEXT NOT NULL, by_ TEXT, requested INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL, result TEXT);"
	"CREATE TABLE IF NOT EXISTS quarantines(workload TEXT PRIMARY KEY COLLATE NOCASE,"
	"  since INTEGER NOT NULL, detected INTEGER NOT NULL, why TEXT NOT NULL);";

/* Version 4's tables, as PostgreSQL has them: BIGINT for SQLite's
 * INTEGER; SQLite's NOCASE as an ICU collation that ignores case (so
 * that the same SQL's "COLLATE NOCASE" works on both); a serial column
 * for SQLite's rowid where order of insertion matters; the events' text
 * searched with a GIN index instead of FTS5. */
static const char pg_base[] =
	"CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2',"
	"  deterministic = false);"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	"  config TEXT, workloads TEXT NOT NULL, updated BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS tags(n BIGINT GENERATED ALWAYS AS IDENTITY,"
	"  workload TEXT NOT NULL, tag TEXT NOT NULL, ltag TEXT NOT NULL, add_ BIGINT NOT NULL,"
	"  PRIMARY KEY(workload, ltag));"
	"CREATE TABLE IF NOT EXISTS revisions(rev BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS alert_revisions(rev BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
	"  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, host TEXT, workload TEXT, created BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS agents(name TEXT PRIMARY KEY, host TEXT, workload TEXT,"
	"  enrolled BIGINT, last_seen BIGINT, applied_rev BIGINT, applied_seq BIGINT,"
	"  applied_at BIGINT, status TEXT);"
	"CREATE TABLE IF NOT EXISTS events(id BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
	"  type TEXT NOT NULL, workload TEXT, host TEXT, actor TEXT, origin TEXT,"
	"  message TEXT NOT NULL, data TEXT, agent TEXT, agent_seq BIGINT,"
	"  received BIGINT NOT NULL DEFAULT 0, size BIGINT NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX IF NOT EXISTS events_agent ON events(agent, agent_seq)"
	"  WHERE agent IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time);"
	"CREATE INDEX IF NOT EXISTS events_received ON events(received);"
	"CREATE INDEX IF NOT EXISTS events_text ON events USING gin(" CD_STORE_PG_TEXT ");"
	"CREATE TABLE IF NOT EXISTS scans(id BIGINT PRIMARY KEY, workload TEXT NOT NULL,"
	"  kind TEXT NOT NULL, state TEXT NOT NULL, by_ TEXT, requested BIGINT NOT NULL,"
	"  updated BIGINT NOT NULL, result TEXT);"
	"CREATE TABLE IF NOT EXISTS quarantines(workload TEXT COLLATE nocase PRIMARY KEY,"
	"  since BIGINT NOT NULL, detected BIGINT NOT NULL, why TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS alerts(id BIGINT PRIMARY KEY, definition TEXT NOT NULL,"
	"  kind TEXT NOT NULL, object TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,"
	"  raised BIGINT NOT NULL, updated BIGINT NOT NULL, cancelled BIGINT, acked_by TEXT,"
	"  acked_at BIGINT, detail TEXT NOT NULL, size BIGINT NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS alerts_active ON alerts(definition, kind, object)"
	"  WHERE state = 'active';"
	"CREATE INDEX IF NOT EXISTS alerts_updated ON alerts(updated);"
	"CREATE TABLE IF NOT EXISTS users(name TEXT COLLATE nocase PRIMARY KEY, role TEXT NOT NULL,"
	"  hash TEXT NOT NULL, created BIGINT NOT NULL, zone TEXT);";

#define PG_BASE_VERSION 4

/* What changed since the first schema, in order: SQLite's step and
 * PostgreSQL's (NULL: in its base schema). */
static const struct step { const char *sqlite, *pg; } steps[] = {
	/* 1: the event log's retention: when the manager took each event
	 * (an agent's own time may be anything) and about how big it is */
	{ "ALTER TABLE events ADD COLUMN received INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE events ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"
	  "UPDATE events SET received = time, size = 64 + length(CAST(type AS BLOB)) +"
	  "  length(CAST(message AS BLOB)) + coalesce(length(CAST(data AS BLOB)), 0) +"
	  "  coalesce(length(CAST(workload AS BLOB)), 0);"
	  "CREATE INDEX events_received ON events(received);", NULL },
	/* 2: alert definitions' revisions, alerts (active and past), and the
	 * events' full-text index (FTS5 over message and data, kept by
	 * triggers) */
	{ "CREATE TABLE alert_revisions(rev INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	  "  author TEXT, comment TEXT, doc TEXT NOT NULL);"
	  "CREATE TABLE alerts(id INTEGER PRIMARY KEY, definition TEXT NOT NULL, kind TEXT NOT NULL,"
	  "  object TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,"
	  "  raised INTEGER NOT NULL, updated INTEGER NOT NULL, cancelled INTEGER,"
	  "  acked_by TEXT, acked_at INTEGER, detail TEXT NOT NULL, size INTEGER NOT NULL);"
	  "CREATE UNIQUE INDEX alerts_active ON alerts(definition, kind, object) WHERE state = 'active';"
	  "CREATE INDEX alerts_updated ON alerts(updated);"
	  "CREATE VIRTUAL TABLE events_fts USING fts5(message, data, content='events', content_rowid='id');"
	  "INSERT INTO events_fts(events_fts) VALUES('rebuild');"
	  "CREATE TRIGGER events_fts_add AFTER INSERT ON events BEGIN"
	  "  INSERT INTO events_fts(rowid, message, data) VALUES(new.id, new.message, new.data); END;"
	  "CREATE TRIGGER events_fts_del AFTER DELETE ON events BEGIN"
	  "  INSERT INTO events_fts(events_fts, rowid, message, data)"
	  "  VALUES('delete', old.id, old.message, old.data); END;", NULL },
	/* 3: users who sign in to the console with a password (its slow salted
	 * hash: libsodium's crypto_pwhash_str, Argon2id) */
	{ "CREATE TABLE users(name TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL,"
	  "  hash TEXT NOT NULL, created INTEGER NOT NULL);", NULL },
	/* 4: the time zone a user's console shows times in (NULL: the
	 * browser's) */
	{ "ALTER TABLE users ADD COLUMN zone TEXT;", NULL },
	/* 5: the change stream kept with the changes (several managers
	 * follow it): each change's number, time and what it was (a delta
	 * as agents get it, or what must be read again) */
	/* and what every manager must see of what one of them heard: whether
	 * an agent is up, a source's state as its connector last said */
	{ "CREATE TABLE changes(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	  "  kind TEXT NOT NULL, body TEXT);"
	  "ALTER TABLE agents ADD COLUMN up INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE sources ADD COLUMN state TEXT;"
	  "ALTER TABLE sources ADD COLUMN error TEXT;",
	  "CREATE TABLE changes(seq BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
	  "  kind TEXT NOT NULL, body TEXT);"
	  "ALTER TABLE agents ADD COLUMN up BIGINT NOT NULL DEFAULT 0;"
	  "ALTER TABLE sources ADD COLUMN state TEXT;"
	  "ALTER TABLE sources ADD COLUMN error TEXT;" },
	/* 6: each origin's sign-in attempts (a token bucket: what it may
	 * take, when that was computed), which several managers share */
	{ "CREATE TABLE signins(origin TEXT PRIMARY KEY, level REAL NOT NULL, at INTEGER NOT NULL);",
	  "CREATE TABLE signins(origin TEXT PRIMARY KEY, level DOUBLE PRECISION NOT NULL,"
	  "  at BIGINT NOT NULL);" },
	/* 7: each workload's newest event of a type (the alerts' states
	 * "detected" and "spoofing") read by type, not by the whole day */
	{ "CREATE INDEX events_type_time ON events(type, time);",
	  "CREATE INDEX events_type_time ON events(type, time);" },
	/* 8: flow records (store_flows.c): one row per minute and key as an
	 * agent saw it (its lists as SEP a SEP b SEP, flows.c's), the batches
	 * taken (per credential and seq: a batch sent again is not stored
	 * again), connections per rule and verdict since the database was
	 * made (never pruned: Prometheus's counters), and the records' sizes
	 * summed (the retention in bytes) */
	{ "CREATE TABLE flows(id INTEGER PRIMARY KEY, minute INTEGER NOT NULL,"
	  "  host TEXT NOT NULL COLLATE NOCASE, vnic TEXT NOT NULL, seen_at TEXT NOT NULL,"
	  "  src_wl TEXT COLLATE NOCASE, src_ip TEXT NOT NULL, dst_wl TEXT COLLATE NOCASE,"
	  "  dst_ip TEXT NOT NULL, proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	  "  verdict TEXT NOT NULL, rule_id INTEGER NOT NULL, rule_name TEXT, rule_cat TEXT,"
	  "  staged_id INTEGER NOT NULL, staged_name TEXT, staged_cat TEXT, connections INTEGER NOT NULL,"
	  "  bytes_out INTEGER NOT NULL, bytes_in INTEGER NOT NULL, packets_out INTEGER NOT NULL,"
	  "  packets_in INTEGER NOT NULL, src_tags TEXT NOT NULL, dst_tags TEXT NOT NULL,"
	  "  src_groups TEXT NOT NULL, dst_groups TEXT NOT NULL, size INTEGER NOT NULL);"
	  "CREATE INDEX flows_minute ON flows(minute, id);"
	  "CREATE INDEX flows_src ON flows(src_wl, minute);"
	  "CREATE INDEX flows_dst ON flows(dst_wl, minute);"
	  "CREATE INDEX flows_key ON flows(minute, src_ip, dst_ip);"
	  "CREATE TABLE flow_batches(cred TEXT NOT NULL, seq INTEGER NOT NULL,"
	  "  received INTEGER NOT NULL, PRIMARY KEY(cred, seq));"
	  "CREATE INDEX flow_batches_received ON flow_batches(received);"
	  "CREATE TABLE flow_totals(rule INTEGER NOT NULL, verdict TEXT NOT NULL,"
	  "  connections INTEGER NOT NULL, PRIMARY KEY(rule, verdict));"
	  "CREATE TABLE flow_bytes(one INTEGER PRIMARY KEY CHECK (one = 1), bytes INTEGER NOT NULL);"
	  "INSERT INTO flow_bytes VALUES(1, 0);",
	  "CREATE TABLE flows(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  minute BIGINT NOT NULL, host TEXT COLLATE nocase NOT NULL, vnic TEXT NOT NULL,"
	  "  seen_at TEXT NOT NULL, src_wl TEXT COLLATE nocase, src_ip TEXT NOT NULL,"
	  "  dst_wl TEXT COLLATE nocase, dst_ip TEXT NOT NULL, proto BIGINT NOT NULL,"
	  "  port BIGINT NOT NULL, verdict TEXT NOT NULL, rule_id BIGINT NOT NULL, rule_name TEXT,"
	  "  rule_cat TEXT, staged_id BIGINT NOT NULL, staged_name TEXT, staged_cat TEXT,"
	  "  connections BIGINT NOT NULL, bytes_out BIGINT NOT NULL, bytes_in BIGINT NOT NULL,"
	  "  packets_out BIGINT NOT NULL, packets_in BIGINT NOT NULL, src_tags TEXT NOT NULL,"
	  "  dst_tags TEXT NOT NULL, src_groups TEXT NOT NULL, dst_groups TEXT NOT NULL,"
	  "  size BIGINT NOT NULL);"
	  "CREATE INDEX flows_minute ON flows(minute, id);"
	  "CREATE INDEX flows_src ON flows(src_wl, minute);"
	  "CREATE INDEX flows_dst ON flows(dst_wl, minute);"
	  "CREATE INDEX flows_key ON flows(minute, src_ip, dst_ip);"
	  "CREATE TABLE flow_batches(cred TEXT NOT NULL, seq BIGINT NOT NULL,"
	  "  received BIGINT NOT NULL, PRIMARY KEY(cred, seq));"
	  "CREATE INDEX flow_batches_received ON flow_batches(received);"
	  "CREATE TABLE flow_totals(rule BIGINT NOT NULL, verdict TEXT NOT NULL,"
	  "  connections BIGINT NOT NULL, PRIMARY KEY(rule, verdict));"
	  "CREATE TABLE flow_bytes(one BIGINT PRIMARY KEY CHECK (one = 1), bytes BIGINT NOT NULL);"
	  "INSERT INTO flow_bytes VALUES(1, 0);" },
	/* 9 (cordon 0.2.0): the versions of cordon that opened the store,
	 * each with when it first did: an upgrade's trail, and what a backup
	 * or an operator is told wrote it */
	{ "CREATE TABLE versions(version TEXT PRIMARY KEY, first_opened INTEGER NOT NULL);",
	  "CREATE TABLE versions(version TEXT PRIMARY KEY, first_opened BIGINT NOT NULL);" },
	/* 10: documents kept by name in revisions of their own (store_named.c):
	 * list views and reports; a revision without a document is the
	 * name's removal */
	{ "CREATE TABLE named_revisions(kind TEXT NOT NULL, name TEXT NOT NULL,"
	  "  rev INTEGER NOT NULL, time INTEGER NOT NULL, author TEXT, comment TEXT, doc TEXT,"
	  "  PRIMARY KEY(kind, name, rev));",
	  "CREATE TABLE named_revisions(kind TEXT NOT NULL, name TEXT NOT NULL,"
	  "  rev BIGINT NOT NULL, time BIGINT NOT NULL, author TEXT, comment TEXT, doc TEXT,"
	  "  PRIMARY KEY(kind, name, rev));" },
	/* 11: reports' runs (store_reports.c): a scheduled one's fire time
	 * (ms) once per report, so that one manager makes it (an on-demand
	 * run has none); its range (ms), start and end (us), outcome and what
	 * it made and where it went (JSON) */
	{ "CREATE TABLE report_runs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, fire INTEGER,"
	  "  trigger TEXT NOT NULL, begin_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
	  "  started INTEGER NOT NULL, finished INTEGER, outcome TEXT NOT NULL, actor TEXT,"
	  "  detail TEXT, UNIQUE(name, fire));"
	  "CREATE INDEX report_runs_name ON report_runs(name, id);",
	  "CREATE TABLE report_runs(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  name TEXT NOT NULL, fire BIGINT, trigger TEXT NOT NULL, begin_ms BIGINT NOT NULL,"
	  "  end_ms BIGINT NOT NULL, started BIGINT NOT NULL, finished BIGINT, outcome TEXT NOT NULL,"
	  "  actor TEXT, detail TEXT, UNIQUE(name, fire));"
	  "CREATE INDEX report_runs_name ON report_runs(name, id);" },
};

static int64_t version(struct cd_store *s)
{
	if (cd_db_kind(s->db) == CD_DB_SQLITE)
		return cd_db_scalar(cd_db_prep(s->db, "PRAGMA user_version", NULL));
	int64_t v = cd_db_scalar(cd_db_prep(s->db, "SELECT CAST(value AS BIGINT) FROM meta "
					    "WHERE key = 'schema'", NULL));
	return v == -ENOENT ? PG_BASE_VERSION : v;
}

static int set_version(struct cd_store *s, int64_t v)
{
	if (cd_db_kind(s->db) == CD_DB_SQLITE) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)v);
		return cd_db_exec(s->db, sql);
	}
	char val[32];
	snprintf(val, sizeof(val), "%lld", (long long)v);
	return cd_store_meta_set(s, "schema", val);
}

int cd_store_migrate(struct cd_store *s)
{
	bool pg = cd_db_kind(s->db) == CD_DB_PG;
	int r = cd_db_begin(s->db);
	if (r == 0)
		r = cd_db_exec(s->db, pg ? pg_base : sqlite_base);
	if (r == 0 && pg && version(s) == PG_BASE_VERSION)
		r = set_version(s, PG_BASE_VERSION);     /* said once, when made */
	r = r == 0 ? cd_db_commit(s->db) : (cd_db_rollback(s->db), r);
	while (r == 0) {
		if ((r = cd_db_begin(s->db)) < 0)
			break;
		int64_t v = version(s);
		if (v < 0) {
			r = (int)v;
		} else if (v > (int64_t)CD_ARRAY_LEN(steps)) {
			r = cd_db_failf(s->db, "the database is of a newer cordon (schema %lld, "
					"this one knows %zu)", (long long)v, CD_ARRAY_LEN(steps));
			r = -EPROTO;
		} else if (v == (int64_t)CD_ARRAY_LEN(steps)) {
			/* up to date: this version's first opening kept */
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			r = cd_store_run(s, cd_store_prep(s, "INSERT INTO versions(version, first_opened) "
							  "VALUES(?, ?) ON CONFLICT(version) DO NOTHING", "si",
							  CD_VERSION, (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000));
			r = r == 0 ? cd_db_commit(s->db) : (cd_db_rollback(s->db), r);
			return r;
		} else {
			const char *sql = pg ? steps[v].pg : steps[v].sqlite;
			r = sql ? cd_db_exec(s->db, sql) : 0;
			if (r == 0)
				r = set_version(s, v + 1);
		}
		r = r == 0 ? cd_db_commit(s->db) : (cd_db_rollback(s->db), r);
	}
	return r;
}

int64_t cd_store_schema_version(void)
{
	return (int64_t)CD_ARRAY_LEN(steps);
}

int cd_store_file_check(const char *path, bool full, int64_t *ver, char *err, size_t errlen)
{
	struct cd_db *db;
	int r = cd_db_open_sqlite_frozen(path, &db);
	if (r == 0 && full)
		r = cd_db_sqlite_check(db);
	/* a store's: its tables (meta is in every version's) */
	int64_t v = -1;
	if (r == 0) {
		int64_t n = cd_db_scalar(cd_db_prep(db, "SELECT count(*) FROM sqlite_schema WHERE "
						    "type = 'table' AND name IN ('meta', 'revisions', "
						    "'tokens', 'events')", NULL));
		r = n < 0 ? (int)n : n != 4 ? cd_db_failf(db, "not a cordon store (no table meta, "
							      "revisions, tokens or events)") : 0;
	}
	if (r == 0) {
		v = cd_db_scalar(cd_db_prep(db, "PRAGMA user_version", NULL));
		r = v < 0 ? (int)v : 0;
	}
	if (r == 0 && v > cd_store_schema_version()) {
		cd_db_failf(db, "its schema is version %lld, of a newer cordon (this one knows up to %lld)",
			    (long long)v, (long long)cd_store_schema_version());
		r = -EPROTO;
	} else if (r < 0 && r != -EPROTO) {
		r = -EINVAL;
	}
	if (r < 0)
		snprintf(err, errlen, "%s", cd_db_error(db));
	if (r == 0 || r == -EPROTO)
		*ver = v;
	cd_db_close(db);
	return r;
}
