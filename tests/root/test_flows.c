/* test_flows.c - flow records in a real kernel: two guests in namespaces
 * of their own behind routed veths of this (the host's) namespace, the
 * policy applied, real connections, and the agent's flow watcher reading
 * conntrack's events and the kernel's log.  Allowed connections are
 * counted with their rule and bytes; a staged rule's would-drop is
 * counted while the traffic flows; dropped attempts are counted once
 * however often they are retransmitted, with the rule that dropped them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/flowwatch.h"
#include "dataplane/nltable.h"
#include "helpers.h"
#include "policy/host.h"
#include "test.h"

static const char inv[] =
	"workloads:\n"
	"  - {name: web, host: h, tags: [tier=web], vnics: [{ifname: flw, ips: [10.9.0.1]}]}\n"
	"  - {name: app, host: h, tags: [tier=app], vnics: [{ifname: fla, ips: [10.9.0.2]}]}\n";
static const char pol[] =
	"groups:\n"
	"  - {name: web, match: 'tag == \"tier=web\"'}\n"
	"  - {name: app, match: 'tag == \"tier=app\"'}\n"
	"rules:\n"
	"  - {id: 10, name: web-app, source: [group:web], destination: [group:app], service: [tcp/8080], action: allow}\n"
	"  - {id: 20, name: no-8081, source: [group:web], destination: [group:app], service: [tcp/8081], action: drop, mode: staged}\n"
	"  - {id: 30, name: no-ssh, source: [group:app], destination: [group:web], service: [tcp/22], action: drop}\n";

struct got {
	json_t *records;
};

/* a key, its minute aside: the traffic's ten seconds may straddle a
 * minute's end (make test failed so: 8080's and 22's records in two
 * minutes), and what is checked is the sums */
static bool same_key(json_t *a, json_t *b)
{
	static const char *const k[] = { "verdict", "port", "seen_at", "rule", "staged_rule" };
	for (size_t i = 0; i < sizeof(k) / sizeof(*k); i++)
		if (!json_equal(json_object_get(a, k[i]), json_object_get(b, k[i])))
			return false;
	return json_equal(json_object_get(json_object_get(a, "source"), "ip"),
			  json_object_get(json_object_get(b, "source"), "ip")) &&
	       json_equal(json_object_get(json_object_get(a, "destination"), "ip"),
			  json_object_get(json_object_get(b, "destination"), "ip"));
}

/* the records summed over the test's minutes: a key's minute comes in parts
 * (the watcher sends what it holds every 10 s), added up */
static void take_batch(struct got *g, json_t *batch)
{
	static const char *const n[] = { "connections", "bytes_out", "bytes_in", "packets_out",
					  "packets_in" };
	size_t i, j;
	json_t *r, *o;
	json_array_foreach(json_object_get(batch, "records"), i, r) {
		json_t *found = NULL;
		json_array_foreach(g->records, j, o)
			if (same_key(o, r))
				found = o;
		if (!found) {
			json_array_append(g->records, r);
			continue;
		}
		for (size_t k = 0; k < sizeof(n) / sizeof(*n); k++)
			json_object_set_new(found, n[k], json_integer(json_integer_value(json_object_get(found, n[k])) +
								      json_integer_value(json_object_get(r, n[k]))));
	}
}

static int take(void *ctx, json_t *batches, const char *mark)
{
	size_t i;
	json_t *b;
	(void)mark;
	json_array_foreach(batches, i, b)
		take_batch(ctx, b);
	json_decref(batches);
	return 0;
}

/* the one record of verdict v to port p (NULL: none, or more than one) */
static json_t *record(json_t *rs, const char *v, int p)
{
	json_t *r, *found = NULL;
	size_t i, n = 0;
	json_array_foreach(rs, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "verdict")), v) &&
		    json_integer_value(json_object_get(r, "port")) == p) {
			found = r;
			n++;
		}
	return n == 1 ? found : NULL;
}

static long count_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

TEST(flow_records_from_conntrack_and_the_log)
{
	char ns[2][32], cmd[1024];
	snprintf(ns[0], sizeof(ns[0]), "cdfl-w-%d", (int)getpid());
	snprintf(ns[1], sizeof(ns[1]), "cdfl-a-%d", (int)getpid());
	/* the guests: web (10.9.0.1) and app (10.9.0.2), each behind a veth
	 * of the host's routed to it; connections end quickly in conntrack */
	snprintf(cmd, sizeof(cmd),
		 "set -e; for x in w:%s:flw:1 a:%s:fla:2; do IFS=: read -r k n d i <<EOF\n$x\nEOF\n"
		 " ip netns add $n; ip link add $d type veth peer name g$d; ip link set g$d netns $n;"
		 " ip -n $n addr add 10.9.0.$i/32 dev g$d; ip -n $n link set g$d up; ip -n $n link set lo up;"
		 " ip link set $d up; ip route add 10.9.0.$i/32 dev $d;"
		 " ip -n $n route add default dev g$d;"
		 " sysctl -qw net.ipv4.conf.$d.proxy_arp=1; done;"
		 " sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_time_wait=1"
		 " net.netfilter.nf_conntrack_tcp_timeout_close=1 net.netfilter.nf_conntrack_tcp_timeout_syn_sent=2"
		 " net.netfilter.nf_conntrack_tcp_timeout_fin_wait=1 net.netfilter.nf_conntrack_tcp_timeout_close_wait=1"
		 " net.netfilter.nf_conntrack_tcp_timeout_last_ack=1",
		 ns[0], ns[1]);
	ASSERT_EQ(system(cmd), 0);
	struct cd_state *st = cd_calloc(1, sizeof(*st));
	must_load(st, inv, pol);
	struct cd_host h;
	ASSERT_EQ(cd_host_build(&h, st, "h", NULL), 0);
	struct cd_buf err;
	cd_buf_init(&err, 1 << 16);
	int r = cd_nft_replace_host(&h, st, &err);
	if (r < 0)
		test_fail(__FILE__, __LINE__, "apply: %s", err.data);
	struct got g = { json_array() };
	bool have = true;
	struct cd_flowwatch_opts o = { .ns_fd = -1, .host = "h", .st = &st, .have = &have,
				       .emit = take, .ctx = &g };
	cd_buf_reset(&err);
	struct cd_flowwatch *w;
	r = cd_flowwatch_start(&w, &o, &err);
	if (r < 0 || err.len)
		test_fail(__FILE__, __LINE__, "the watcher: %s", err.data);
	/* app serves 8080 and 8081; web connects 5 times to the first, 3
	 * times to the second (a staged drop: they go through); app tries
	 * web's port 22 twice, 1.5 s each (a SYN and its retransmission) */
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s build/probe serve 8080 8081 22 & p=$!; sleep 0.3;"
		 " for i in 1 2 3 4 5; do ip netns exec %s build/probe tcp 10.9.0.2 8080 2000 | grep -qx connected || exit 1; done;"
		 " for i in 1 2 3; do ip netns exec %s build/probe tcp 10.9.0.2 8081 2000 | grep -qx connected || exit 2; done;"
		 " for i in 1 2; do ip netns exec %s build/probe tcp 10.9.0.1 22 1500 | grep -qx timeout || exit 3; done;"
		 " kill $p",
		 ns[1], ns[0], ns[0], ns[1]);
	int traffic = system(cmd);
	if (traffic) {             /* the guests go before the failure is told */
		snprintf(cmd, sizeof(cmd), "ip netns pids %s | xargs -r kill;"
			 " ip netns del %s; ip netns del %s", ns[1], ns[0], ns[1]);
		(void)!system(cmd);
	}
	ASSERT_EQ(traffic, 0);
	/* every connection's entry deleted from this (the test's own)
	 * namespace's conntrack: their counters are told as they go */
	int flushed = system("conntrack -F >/dev/null 2>&1");
	long left = -1;
	for (int i = 0; i < 50 && left != 0; i++) {
		left = count_file("/proc/sys/net/netfilter/nf_conntrack_count");
		if (left)
			usleep(100000);
	}
	/* (a deletion's event is in the watcher's socket when conntrack
	 * returns: the stop reads what is there, then sends everything) */
	cd_flowwatch_stop(w);
	/* the guests' namespaces go, and their veths with them, before any
	 * check can end the test */
	snprintf(cmd, sizeof(cmd), "ip netns del %s && ip netns del %s && ! ip link show flw 2>/dev/null &&"
		 " ! ip netns list | grep -q '^cdfl-.-%d'", ns[0], ns[1], (int)getpid());
	int gone = system(cmd);
	ASSERT_EQ(flushed, 0);
	ASSERT_EQ(left, 0);
	ASSERT_EQ(gone, 0);
	char *all = json_dumps(g.records, JSON_COMPACT);
	json_t *a = record(g.records, "allowed", 8080), *s = record(g.records, "would-drop", 8081),
	       *d = record(g.records, "dropped", 22);
	if (!a || !s || !d)
		test_fail(__FILE__, __LINE__, "records: %s", all);
	ASSERT_EQ(json_integer_value(json_object_get(a, "connections")), 5);
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(a, "rule"), "id")), 10);
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(a, "rule"), "name")), "web-app");
	ASSERT(json_integer_value(json_object_get(a, "bytes_out")) > 0);
	ASSERT(json_integer_value(json_object_get(a, "packets_in")) >= 5);
	ASSERT_STR_EQ(json_string_value(json_object_get(a, "seen_at")), "both");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(a, "source"), "workload")), "web");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(a, "destination"), "ip")), "10.9.0.2");
	ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(a, "destination_groups"), 0)), "app");
	ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(a, "source_tags"), 0)), "tier=web");
	ASSERT_STR_EQ(json_string_value(json_object_get(a, "protocol")), "tcp");
	ASSERT_EQ(json_integer_value(json_object_get(s, "connections")), 3);
	ASSERT(json_is_null(json_object_get(s, "rule")));          /* the default allowed them */
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(s, "staged_rule"), "id")), 20);
	ASSERT_EQ(json_integer_value(json_object_get(d, "connections")), 2);   /* retransmissions once */
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(d, "rule"), "id")), 30);
	ASSERT_EQ(json_integer_value(json_object_get(d, "bytes_out")), 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(d, "vnic")), "fla");
	free(all);
	json_decref(g.records);
	cd_host_free(&h);
	cd_state_free(st);
	free(st);
	cd_buf_free(&err);
}
