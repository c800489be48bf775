/* api_agents.c - the agents' side of the API (changes, heartbeats,
 * events) and the agents and events listings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/api_priv.h"
#include "base/util.h"

void cd_api_h_agents(struct ctx *c)
{
	cd_api_reply(c, 200, cd_mgr_agents(c->m));
}

struct ev_ctx {
	json_t *a;
};

static int ev_row(void *p, const struct cd_event *e)
{
	struct ev_ctx *x = p;
	char t[CD_TIME_STRLEN];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s}", "id", (json_int_t)e->id,
			      "time", cd_time_fmt(e->time, t), "type", e->type,
			      "workload", e->workload, "host", e->host, "actor", e->actor,
			      "origin", e->origin, "message", e->message);
	json_object_set_new(o, "data", e->data ? json_loads(e->data, 0, NULL) : json_null());
	if (!json_object_get(o, "data"))
		json_object_set_new(o, "data", json_null());
	if (!json_object_get(o, "workload"))
		json_object_set_new(o, "workload", json_null());
	json_array_append_new(x->a, o);
	return 0;
}

#define Q_MAX_WORDS 16
#define Q_MAX_BYTES 512

/* Whether text holds a word, at most Q_MAX_WORDS of them and
 * Q_MAX_BYTES (the store makes its search of them). */
static bool words_ok(const char *text)
{
	if (strlen(text) > Q_MAX_BYTES)
		return false;
	int words = 0;
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			words++;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return words > 0 && words <= Q_MAX_WORDS;
}

void cd_api_h_events(struct ctx *c)
{
	/* a page at a time: the next is before= the first id of this one */
	struct cd_event_filter f = { .limit = CD_API_EVENTS_PAGE };
	if (!cd_api_q_int(c, "limit", 1, CD_API_EVENTS_PAGE, &f.limit) ||
	    !cd_api_q_int(c, "before", 1, INT64_MAX, &f.before))
		return;
	static const char *const times[] = { "since", "until" };
	for (int i = 0; i < 2; i++)
		if (cd_api_q(c, times[i]) && cd_time_parse(cd_api_q(c, times[i]), i ? &f.until : &f.since) < 0) {
			cd_api_error(c, 400, times[i], "'%s' must be an RFC 3339 time, as 2026-11-26T12:00:00Z",
				     times[i]);
			return;
		}
	f.workload = cd_api_q(c, "workload");
	f.host = cd_api_q(c, "host");
	f.type = cd_api_q(c, "type");
	if (cd_api_q(c, "q")) {
		if (!words_ok(cd_api_q(c, "q"))) {
			cd_api_error(c, 400, "q", "'q' must hold a word, at most %d of them and %d bytes",
				     Q_MAX_WORDS, Q_MAX_BYTES);
			return;
		}
		f.match = cd_api_q(c, "q");
	}
	struct ev_ctx x = { json_array() };
	int r = cd_mgr_events(c->m, &f, ev_row, &x);
	if (r < 0) {
		json_decref(x.a);
		cd_api_store_failed(c, r);
		return;
	}
	cd_api_reply(c, 200, x.a);
}

void cd_api_changes(struct cd_mgr *m, int64_t since, struct cd_api_resp *out)
{
	json_decref(out->body);
	out->body = NULL;
	out->status = 200;
	if (since < 0 || cd_mgr_needs_snapshot(m, since)) {
		/* a scanning agent sees its settings and scans, not the world */
		if (out->workload)
			out->body = cd_mgr_snapshot_workload(m, out->workload);
		else
			out->blob = cd_mgr_snapshot(m);
		return;
	}
	json_t *o = cd_mgr_changes(m, since, out->workload);
	json_object_set_new(o, "heartbeat_seconds", json_integer(cd_mgr_heartbeat_seconds(m)));
	json_object_set_new(o, "collect_seconds", json_integer(cd_mgr_collect_seconds(m)));
	out->body = o;
}

/* An agent may only speak for its own host or workload. */
static bool own_scope(struct ctx *c, const char *host, const char *wl)
{
	if (host && (!c->tok.host || strcasecmp(host, c->tok.host))) {
		cd_api_error(c, 403, "host", "this agent enforces for host %s, not %.100s",
		      c->tok.host ? c->tok.host : "(none)", host);
		return false;
	}
	if (wl) {
		const char *h = cd_mgr_workload_host(c->m, wl);
		bool mine = c->tok.workload ? !strcasecmp(wl, c->tok.workload)
			  : h && c->tok.host && !strcasecmp(h, c->tok.host);
		if (!mine) {
			cd_api_error(c, 403, "workload", "workload %.100s is not this agent's", wl);
			return false;
		}
	}
	return true;
}

void cd_api_poll_changes(struct ctx *c)
{
	int64_t since = 0, rev = 0, wait = 0, snap = 0;
	if (!cd_api_q_int(c, "since", 0, INT64_MAX, &since) ||
	    !cd_api_q_int(c, "revision", 0, INT64_MAX, &rev) ||
	    !cd_api_q_int(c, "wait", 0, CD_API_WAIT_MAX, &wait) ||
	    !cd_api_q_int(c, "snapshot", 0, 1, &snap) ||
	    !own_scope(c, cd_api_q(c, "host"), NULL))
		return;
	if (c->tok.workload && !c->tok.host)
		c->out->workload = cd_strdup(c->tok.workload);
	/* an agent that came from another manager may be ahead of this
	 * one: take up the others' changes first, not send it a snapshot */
	if (since > cd_mgr_seq(c->m))
		cd_mgr_follow(c->m);
	/* what the agent asks after is what it has realized */
	cd_mgr_seen(c->m, &c->actor, rev, since);
	if (snap) {            /* the agent has nothing to build on */
		cd_api_changes(c->m, -1, c->out);
		return;
	}
	if (cd_mgr_up_to_date(c->m, since) && wait > 0) {
		c->out->wait = true;
		c->out->since = since;
		c->out->wait_ms = (int)wait * 1000;
		c->out->status = 200;
		return;
	}
	cd_api_changes(c->m, since, c->out);
}

void cd_api_h_heartbeat(struct ctx *c)
{
	static const struct field f[] = {
		{ "applied_revision", F_INT, true, 0 }, { "applied_seq", F_INT, true, 0 },
		{ "status", F_OBJ, false, 0 }, { "host", F_STR, false, 256 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)) ||
	    !own_scope(c, json_string_value(json_object_get(c->body, "host")), NULL))
		return;
	json_t *st = json_object_get(c->body, "status");
	char *s = st ? json_dumps(st, JSON_COMPACT) : NULL;
	size_t sl = s ? strlen(s) : 0;
	free(s);
	if (sl > 65536) {
		cd_api_error(c, 400, "status", "'status' is larger than 64 KiB");
		return;
	}
	int r = cd_mgr_heartbeat(c->m, &c->actor,
				 json_integer_value(json_object_get(c->body, "applied_revision")),
				 json_integer_value(json_object_get(c->body, "applied_seq")), st);
	if (r < 0)
		cd_api_store_failed(c, r);
	else
		cd_api_reply(c, 200, json_pack("{s:I, s:i, s:i}", "seq", (json_int_t)cd_mgr_seq(c->m),
					"heartbeat_seconds", cd_mgr_heartbeat_seconds(c->m),
					"collect_seconds", cd_mgr_collect_seconds(c->m)));
}

void cd_api_h_agent_events(struct ctx *c)
{
	static const struct field f[] = { { "events", F_ARR, true, 0 } };
	static const struct field ef[] = {
		{ "seq", F_INT, true, 0 }, { "time", F_STR, true, 64 }, { "type", F_STR, true, 64 },
		{ "workload", F_STR, false, 256 }, { "message", F_STR, true, 4096 },
		{ "data", F_OBJ, false, 0 },
	};
	if (!cd_api_take_body(c, f, CD_ARRAY_LEN(f)))
		return;
	json_t *evs = json_object_get(c->body, "events"), *e;
	if (json_array_size(evs) > 1000) {
		cd_api_error(c, 400, "events", "at most 1000 events at a time");
		return;
	}
	size_t i;
	/* check them all before storing any */
	json_array_foreach(evs, i, e) {
		char field[64];
		if (!json_is_object(e)) {
			snprintf(field, sizeof(field), "events[%zu]", i);
			cd_api_error(c, 400, field, "each event must be an object");
			return;
		}
		const char *k;
		json_t *v;
		json_object_foreach(e, k, v) {
			size_t j;
			for (j = 0; j < CD_ARRAY_LEN(ef) && strcmp(ef[j].name, k); j++)
				;
			snprintf(field, sizeof(field), "events[%zu].%.32s", i, k);
			if (j == CD_ARRAY_LEN(ef)) {
				cd_api_error(c, 400, field, "unknown field");
				return;
			}
			if (!cd_api_type_ok(v, ef[j].type) || (ef[j].type == F_STR && json_string_length(v) >
							 ef[j].max)) {
				cd_api_error(c, 400, field, "must be %s%s", cd_api_ftype_name(ef[j].type),
				      ef[j].type == F_STR ? " of reasonable length" : "");
				return;
			}
		}
		for (size_t j = 0; j < CD_ARRAY_LEN(ef); j++)
			if (ef[j].required && !json_object_get(e, ef[j].name)) {
				snprintf(field, sizeof(field), "events[%zu].%s", i, ef[j].name);
				cd_api_error(c, 400, field, "is required");
				return;
			}
		int64_t t;
		if (cd_time_parse(json_string_value(json_object_get(e, "time")), &t) < 0) {
			snprintf(field, sizeof(field), "events[%zu].time", i);
			cd_api_error(c, 400, field, "must be an RFC 3339 time");
			return;
		}
		if (!own_scope(c, NULL, json_string_value(json_object_get(e, "workload"))))
			return;
		const char *bad;
		struct cd_buf why;
		cd_buf_init(&why, 512);
		int cr = cd_mgr_agent_event_check(c->m, &c->actor, e, &bad, &why);
		if (cr < 0) {
			snprintf(field, sizeof(field), "events[%zu].%s", i, bad);
			cd_api_error(c, cr == -EPERM ? 403 : 400, field, "%s", why.data);
		}
		cd_buf_free(&why);
		if (cr < 0)
			return;
	}
	int retry = 0;
	int64_t acked = 0;
	size_t stored = 0, taken = 0;
	int r = cd_mgr_agent_events(c->m, &c->actor, c->tok.hash, evs, &acked, &stored, &taken,
				    &retry);
	if (r < 0) {
		cd_api_store_failed(c, r);
		return;
	}
	if (retry > 0 && taken == 0) {
		c->out->retry_after = retry;
		cd_api_error(c, 429, NULL, "over this agent's rate of events: again in %d s", retry);
		return;
	}
	cd_api_reply(c, 200, json_pack("{s:I, s:I}", "acked", (json_int_t)acked, "stored",
				       (json_int_t)stored));
}

