/* cmd_flows.c - cordon flows: the manager's flow records (GET
 * /api/v1/flows) as a table, newest first, or sums by a key. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/http.h"
#include "base/util.h"
#include "cmd.h"
#include "mfmt.h"
#include "online.h"

const char help_flows[] =
	"usage: cordon [ONLINE OPTIONS] flows [--since 1h] [--until T] [--workload W]\n"
	"              [--source W] [--destination W] [--group G] [--tag T] [--port P]\n"
	"              [--protocol P] [--verdict V] [--rule ID] [--host H] [--limit N]\n"
	"              [--top N --by pair|port|rule|workload] [--no-dedupe] [--json]\n"
	"\n"
	"The flow records the agents sent: per minute, the connections of one\n"
	"source, destination, protocol, port and verdict, with the deciding rule.\n"
	"Newest first, the last hour unless --since (a duration back from now, as\n"
	"90s, 5m, 24h, 7d, or a time: RFC 3339 or ms since the epoch) and --until\n"
	"say otherwise; the newest 100 unless --limit N (pages of 1000 asked).\n"
	"\n"
	"  --workload W     either end is W (a workload's name, or an address)\n"
	"  --source W, --destination W   that end is W\n"
	"  --group G, --tag T            either end was in G, or carried T\n"
	"  --port P, --protocol P        tcp, udp, icmp, icmpv6 or a number\n"
	"  --verdict V      allowed, dropped, rejected, would-drop, would-reject\n"
	"  --rule ID        the deciding rule's id, or 'default' (no rule decided)\n"
	"  --host H         the records of H's agent only\n"
	"  --top N --by K   the N largest sums of connections, bytes and packets\n"
	"                   by pair, port, rule or workload (default pair)\n"
	"  --no-dedupe      a connection seen at both its ends (two hosts) is\n"
	"                   counted twice (by default once, as its source saw it)\n"
	"\n"
	"Examples:\n"
	"  cordon flows --workload web-1 --since 24h\n"
	"  cordon flows --verdict dropped --top 10 --by pair\n";

/* A duration back from now, or a time: ms since the epoch into out. */
static int when(const char *opt, const char *s, char out[32])
{
	int64_t ms;
	if (cd_duration_parse(s, &ms) == 0)
		ms = cd_wall_ms() - ms;
	else if (mfmt_when(s, &ms) < 0)
		return usage_error("flows", "--%s takes a duration (90s, 5m, 24h, 7d) or a time "
				   "(RFC 3339, or ms since the epoch)", opt);
	snprintf(out, 32, "%" PRId64, ms);
	return EXIT_OK;
}

static void minute_str(int64_t ms, char buf[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%MZ", &tm);
}

static const char *end_str(json_t *e)
{
	const char *w = json_string_value(json_object_get(e, "workload"));
	return w ? w : online_str(e, "ip");
}

static void proto_str(json_t *o, char buf[32])
{
	json_t *p = json_object_get(o, "protocol"), *port = json_object_get(o, "port");
	char ps[8];
	if (json_is_string(p))
		snprintf(ps, sizeof(ps), "%.7s", json_string_value(p));
	else
		snprintf(ps, sizeof(ps), "%d", (int)json_integer_value(p));
	if (json_is_integer(port))
		snprintf(buf, 32, "%s/%d", ps, (int)json_integer_value(port));
	else
		snprintf(buf, 32, "%s", ps);
}

static void rule_str(json_t *r, char buf[80])
{
	if (!json_is_object(r)) {
		snprintf(buf, 80, "default");
		return;
	}
	const char *n = json_string_value(json_object_get(r, "name"));
	snprintf(buf, 80, "%lld%s%.40s%s", (long long)json_integer_value(json_object_get(r, "id")),
		 n ? " (" : "", n ? n : "", n ? ")" : "");
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void print_records(json_t *a)
{
	printf("%-18s %-20s %-20s %-11s %-12s %-24s %11s %13s\n", "TIME", "SOURCE", "DESTINATION",
	       "PROTO/PORT", "VERDICT", "RULE", "CONNECTIONS", "BYTES OUT/IN");
	size_t i;
	json_t *f;
	json_array_foreach(a, i, f) {
		char t[32], p[32], r[80], b[48];
		minute_str(num(f, "minute"), t);
		proto_str(f, p);
		const char *v = online_str(f, "verdict");
		rule_str(json_object_get(f, strncmp(v, "would-", 6) ? "rule" : "staged_rule"), r);
		snprintf(b, sizeof(b), "%lld/%lld", num(f, "bytes_out"), num(f, "bytes_in"));
		printf("%-18s %-20s %-20s %-11s %-12s %-24s %11lld %13s\n", t,
		       end_str(json_object_get(f, "source")), end_str(json_object_get(f, "destination")), p,
		       v, r, num(f, "connections"), b);
	}
}

static void print_top(json_t *a, const char *by)
{
	printf("%-42s %11s %13s %13s %11s\n", !strcmp(by, "pair") ? "SOURCE -> DESTINATION" :
	       !strcmp(by, "port") ? "PROTO/PORT" : !strcmp(by, "rule") ? "RULE" : "WORKLOAD",
	       "CONNECTIONS", "BYTES OUT", "BYTES IN", "PACKETS");
	size_t i;
	json_t *s;
	json_array_foreach(a, i, s) {
		char k[128];
		if (!strcmp(by, "pair"))
			snprintf(k, sizeof(k), "%.60s -> %.60s", online_str(s, "source"),
				 online_str(s, "destination"));
		else if (!strcmp(by, "port"))
			proto_str(s, k);
		else if (!strcmp(by, "rule"))
			rule_str(json_object_get(s, "rule"), k);
		else
			snprintf(k, sizeof(k), "%s", online_str(s, "workload"));
		printf("%-42s %11lld %13lld %13lld %11lld\n", k, num(s, "connections"), num(s, "bytes_out"),
		       num(s, "bytes_in"), num(s, "packets_out") + num(s, "packets_in"));
	}
}

int cmd_flows(int argc, char **argv)
{
	const char *json = NULL, *since = NULL, *until = NULL, *wl = NULL, *src = NULL, *dst = NULL,
		   *group = NULL, *tag = NULL, *port = NULL, *proto = NULL, *verdict = NULL,
		   *rule = NULL, *host = NULL, *limit = NULL, *top = NULL, *by = NULL, *nodedupe = NULL;
	const struct cli_opt o[] = {
		{ "json", 0, false, &json }, { "since", 0, true, &since }, { "until", 0, true, &until },
		{ "workload", 0, true, &wl }, { "source", 0, true, &src },
		{ "destination", 0, true, &dst }, { "group", 0, true, &group }, { "tag", 0, true, &tag },
		{ "port", 0, true, &port }, { "protocol", 0, true, &proto },
		{ "verdict", 0, true, &verdict }, { "rule", 0, true, &rule }, { "host", 0, true, &host },
		{ "limit", 0, true, &limit }, { "top", 0, true, &top }, { "by", 0, true, &by },
		{ "no-dedupe", 0, false, &nodedupe },
	};
	int r = cli_parse("flows", argc, argv, o, CD_ARRAY_LEN(o), 0, 0, NULL);
	if (r != EXIT_OK)
		return r;
	char s_ms[32], u_ms[32];
	if ((since && (r = when("since", since, s_ms)) != EXIT_OK) ||
	    (until && (r = when("until", until, u_ms)) != EXIT_OK))
		return r;
	if (by && !top)
		return usage_error("flows", "--by goes with --top");
	if (top && limit)
		return usage_error("flows", "--limit does not go with --top");
	long long want = 100;
	if (limit) {
		char *end;
		want = strtoll(limit, &end, 10);
		if (!*limit || *end || want < 1)
			return usage_error("flows", "--limit takes a whole number above 0");
	}
	const char *keys[] = { "since", "until", "workload", "source", "destination", "group", "tag",
			       "port", "protocol", "verdict", "rule", "host", "top", "by" };
	const char *vals[] = { since ? s_ms : NULL, until ? u_ms : NULL, wl, src, dst, group, tag, port,
			       proto, verdict, rule, host, top, by };
	json_t *all = json_array();
	char *next = NULL;
	do {
		struct cd_buf p;
		cd_buf_init(&p, 16384);
		cd_buf_printf(&p, "/api/v1/flows?dedupe=%s", nodedupe ? "false" : "true");
		if (!top)
			cd_buf_printf(&p, "&limit=%lld", want - (long long)json_array_size(all) > 1000 ? 1000 :
				      want - (long long)json_array_size(all));
		if (next)
			cd_buf_printf(&p, "&before=%s", next);
		for (size_t i = 0; i < CD_ARRAY_LEN(keys); i++)
			if (vals[i]) {
				char *e = cd_http_escape(vals[i]);
				cd_buf_printf(&p, "&%s=%s", keys[i], e);
				free(e);
			}
		json_t *page;
		free(next);
		next = NULL;
		r = online_call("flows", "GET", p.data, NULL, &page);
		cd_buf_free(&p);
		if (r != EXIT_OK) {
			json_decref(all);
			return r;
		}
		json_array_extend(all, json_object_get(page, "flows"));
		const char *n = json_string_value(json_object_get(page, "next"));
		next = n && !top ? cd_strdup(n) : NULL;
		json_decref(page);
	} while (next && (long long)json_array_size(all) < want);
	free(next);
	if (json)
		online_print_json(all);
	else if (top)
		print_top(all, by ? by : "pair");
	else
		print_records(all);
	json_decref(all);
	return EXIT_OK;
}
