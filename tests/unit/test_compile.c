/* test_compile.c - programs per vNIC, the evaluator and the renderer. */
#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"
#include "helpers.h"
#include "policy/host.h"
#include "policy/report.h"
#include "test.h"

static const char inv[] =
	"workloads:\n"
	"  - {name: web, host: hv1, tags: [app=web], vnics: [{ifname: tw, ips: [10.0.0.1, 'fd00::1']}]}\n"
	"  - {name: db, host: hv1, tags: [app=db], vnics: [{ifname: td, ips: [10.0.0.2]}]}\n"
	"  - {name: far, host: hv2, tags: [app=web], vnics: [{ifname: tf, ips: [10.0.1.1]}]}\n";

static struct cd_flow flow(const char *s, const char *d, enum cd_proto p,
			   uint16_t port)
{
	struct cd_flow f = { .proto = p, .port = port };
	const char *why;
	cd_addr_parse(s, false, &f.src, &why);
	cd_addr_parse(d, false, &f.dst, &why);
	return f;
}

TEST(compile_drops_rules_that_cannot_apply)
{
	struct cd_state st;
	must_load(&st, inv,
		  "groups:\n"
		  "  - {name: web, match: 'tag == \"app=web\"'}\n"
		  "  - {name: db, match: 'tag == \"app=db\"'}\n"
		  "rules:\n"
		  "  - {id: 1, source: [group:web], destination: [group:db], service: [tcp/5432], action: allow}\n"
		  "  - {id: 2, action: drop, applied_to: [group:db]}\n"
		  "  - {id: 3, action: drop, direction: in, disabled: true}\n"
		  "  - {id: 4, source: [10.0.0.1], action: reject}\n");
	struct cd_prog p;
	cd_compile_vnic(&st, 0, 0, &p);          /* web */
	ASSERT_EQ(p.n[CD_EGRESS], 2);            /* 1 (web is the source), 4 */
	ASSERT_EQ(p.r[CD_EGRESS][0].rule->id, 1);
	ASSERT(p.r[CD_EGRESS][0].local_all);
	ASSERT_EQ(p.r[CD_EGRESS][1].rule->id, 4);
	ASSERT(!p.r[CD_EGRESS][1].local_all);    /* only 10.0.0.1, not fd00::1 */
	ASSERT_EQ(p.r[CD_EGRESS][1].nlocal, 1);
	ASSERT_EQ(p.n[CD_INGRESS], 1);           /* 4 only: web is no destination of 1 */
	ASSERT_EQ(p.r[CD_INGRESS][0].rule->id, 4);
	cd_prog_free(&p);
	cd_compile_vnic(&st, 1, 0, &p);          /* db */
	ASSERT_EQ(p.n[CD_INGRESS], 2);           /* 1, 2 */
	ASSERT_EQ(p.n[CD_EGRESS], 1);            /* 2 only: closes the chain */
	ASSERT(p.closed[CD_EGRESS] && p.closed[CD_INGRESS]);
	cd_prog_free(&p);
	cd_state_free(&st);
}

TEST(eval_both_points_and_default)
{
	struct cd_state st;
	must_load(&st, inv,
		  "default_action: drop\n"
		  "groups:\n"
		  "  - {name: web, match: 'tag == \"app=web\"'}\n"
		  "  - {name: db, match: 'tag == \"app=db\"'}\n"
		  "rules:\n"
		  "  - {id: 10, source: [group:web], destination: [group:db], service: [tcp/5432], action: allow}\n"
		  "  - {id: 11, category: emergency, source: [workload:far], action: reject, direction: out}\n"
		  "  - {id: 12, service: [icmp], action: allow}\n");
	struct cd_verdict v;
	struct cd_flow f = flow("10.0.0.1", "10.0.0.2", CD_PROTO_TCP, 5432);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_ALLOW);
	ASSERT_EQ(v.stage[CD_EGRESS].rule->id, 10);
	ASSERT_EQ(v.stage[CD_INGRESS].rule->id, 10);
	f = flow("10.0.0.1", "10.0.0.2", CD_PROTO_TCP, 5433);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_DROP);
	ASSERT(v.stage[CD_EGRESS].rule == NULL);  /* default decided */
	f = flow("10.0.1.1", "10.0.0.2", CD_PROTO_TCP, 5432);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_REJECT);          /* egress rejects first */
	ASSERT_EQ(v.stage[CD_EGRESS].rule->id, 11);
	ASSERT_EQ(v.stage[CD_INGRESS].verdict, CD_ALLOW);
	f = flow("192.0.2.1", "10.0.0.2", CD_PROTO_ICMP, 0);
	cd_explain(&st, &f, &v);
	ASSERT(!v.stage[CD_EGRESS].checked);      /* unmanaged source */
	ASSERT_EQ(v.verdict, CD_ALLOW);
	f = flow("192.0.2.1", "198.51.100.1", CD_PROTO_UDP, 53);
	cd_explain(&st, &f, &v);
	ASSERT(!v.stage[CD_EGRESS].checked && !v.stage[CD_INGRESS].checked);
	ASSERT_EQ(v.verdict, CD_ALLOW);           /* nobody checks it */
	cd_state_free(&st);
}

/* mode: staged: in the program, counted, never deciding nor closing a
 * chain; explain names the first staged match before the decision */
TEST(eval_staged_rules_never_decide)
{
	struct cd_state st;
	must_load(&st, inv,
		  "groups:\n"
		  "  - {name: web, match: 'tag == \"app=web\"'}\n"
		  "  - {name: db, match: 'tag == \"app=db\"'}\n"
		  "rules:\n"
		  "  - {id: 1, source: [group:web], destination: [group:db], service: [tcp/5432], action: drop, mode: staged}\n"
		  "  - {id: 2, source: [group:web], destination: [group:db], service: [tcp/5432], action: allow}\n"
		  "  - {id: 3, action: drop, applied_to: [group:db], mode: staged}\n"
		  "  - {id: 4, source: [group:web], destination: [group:db], service: [tcp/22], action: reject, mode: enforced}\n");
	ASSERT(st.pol.rules[0].staged && !st.pol.rules[1].staged && !st.pol.rules[3].staged);
	struct cd_prog p;
	cd_compile_vnic(&st, 1, 0, &p);            /* db: 3 would close, but is staged */
	ASSERT(!p.closed[CD_INGRESS] && !p.closed[CD_EGRESS]);
	ASSERT_EQ(p.n[CD_INGRESS], 4);
	cd_prog_free(&p);
	struct cd_verdict v;
	struct cd_flow f = flow("10.0.0.1", "10.0.0.2", CD_PROTO_TCP, 5432);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_ALLOW);            /* 2 decides at both ends */
	ASSERT_EQ(v.stage[CD_EGRESS].rule->id, 2);
	ASSERT_EQ(v.stage[CD_INGRESS].rule->id, 2);
	ASSERT_EQ(v.stage[CD_EGRESS].staged->id, 1);
	ASSERT_EQ(v.stage[CD_INGRESS].staged->id, 1);
	ASSERT(v.staged && v.staged_verdict == CD_DROP);
	f = flow("10.0.0.1", "10.0.0.2", CD_PROTO_TCP, 22);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_REJECT);           /* 4 decides at the source */
	ASSERT(v.stage[CD_EGRESS].staged == NULL);
	ASSERT_EQ(v.stage[CD_INGRESS].staged->id, 3);   /* 3 before 4 at db */
	/* ... but the flow never reaches db: no staged verdict for it */
	ASSERT(!v.staged && v.staged_verdict == CD_REJECT);
	f = flow("10.0.0.1", "10.0.1.1", CD_PROTO_TCP, 80);
	cd_explain(&st, &f, &v);                   /* no staged rule of web's or far's */
	ASSERT(!v.staged && v.staged_verdict == CD_ALLOW && v.verdict == CD_ALLOW);
	/* the rendered chain: the staged rules count and go on */
	struct cd_host h;
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	ASSERT_EQ(cd_host_build(&h, &st, "hv1", NULL), 0);
	ASSERT_EQ(cd_host_render(&h, &st, &b), 0);
	ASSERT_CONTAINS(b.data, "tcp dport 5432 counter name \"r1\"\n");
	ASSERT_CONTAINS(b.data, "tcp dport 5432 counter name \"r2\" accept\n");
	ASSERT_CONTAINS(b.data, "\t\tcounter name \"r3\"\n");
	ASSERT(!strstr(b.data, "\"r3\" drop"));
	cd_buf_free(&b);
	cd_host_free(&h);
	cd_state_free(&st);
}

TEST(eval_service_ranges_and_ipsets)
{
	struct cd_state st;
	must_load(&st, inv,
		  "ipsets:\n  - {name: nets, addresses: [192.0.2.0/24, '2001:db8::/32']}\n"
		  "rules:\n"
		  "  - {id: 1, source: [ipset:nets], service: [tcp/8000-8100, udp], action: drop}\n");
	struct cd_verdict v;
	struct cd_flow f = flow("192.0.2.7", "10.0.0.1", CD_PROTO_TCP, 8050);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_DROP);
	f = flow("192.0.2.7", "10.0.0.1", CD_PROTO_TCP, 8101);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_ALLOW);
	f = flow("192.0.2.7", "10.0.0.1", CD_PROTO_UDP, 1);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_DROP);
	f = flow("192.0.3.7", "10.0.0.1", CD_PROTO_UDP, 1);
	cd_explain(&st, &f, &v);
	ASSERT_EQ(v.verdict, CD_ALLOW);
	cd_state_free(&st);
}

TEST(render_host_shape)
{
	struct cd_state st;
	must_load(&st, inv,
		  "groups:\n"
		  "  - {name: 'web tier', match: 'tag == \"app=web\"'}\n"
		  "  - {name: web.tier-2, include: [db]}\n"
		  "rules:\n"
		  "  - {id: 1, source: ['group:web tier'], destination: [group:web.tier-2], service: [tcp/1-2, icmp], action: reject, log: true}\n");
	struct cd_host h;
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	ASSERT_EQ(cd_host_build(&h, &st, "HV1", NULL), 0);
	ASSERT_EQ(h.n, 2);
	ASSERT_EQ(cd_host_render(&h, &st, &b), 0);
	ASSERT_CONTAINS(b.data, "table inet cordon {");
	/* a name with a space is cleaned and given a hash; a clean one is kept */
	ASSERT_CONTAINS(b.data, "set g_web_tier_");
	ASSERT_CONTAINS(b.data, "_v4 {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1, 10.0.1.1 }");
	ASSERT_CONTAINS(b.data, "set g_web.tier-2_v4 {");
	/* the rule's own log line, then the flow records' (nflog) */
	ASSERT_CONTAINS(b.data, "ip daddr @g_web.tier-2_v4 tcp dport 1-2 log prefix \"cordon r1 \" log prefix \"cordon-flow out r1 reject\" group 4120 counter name \"r1\" reject with tcp reset");
	ASSERT_CONTAINS(b.data, "ip daddr @g_web.tier-2_v4 icmp type echo-request log prefix \"cordon r1 \" log prefix \"cordon-flow out r1 reject\" group 4120 counter name \"r1\" reject with icmpx type admin-prohibited");
	ASSERT_CONTAINS(b.data, "\"tw\" : jump out_tw");
	ASSERT_CONTAINS(b.data, "ct state established,related accept");
	ASSERT_CONTAINS(b.data, "iifname \"tap*\" iifname != @vnics counter name \"unknown_vnic\" drop");
	cd_host_free(&h);
	cd_buf_free(&b);
	cd_state_free(&st);
}

TEST(render_retag_script)
{
	struct cd_state st;
	must_load(&st, inv,
		  "groups:\n"
		  "  - {name: q, match: 'tag == \"virus\"'}\n"
		  "rules:\n"
		  "  - {id: 1, category: emergency, destination: [group:q], action: drop, applied_to: [group:q], direction: in}\n"
		  "  - {id: 2, source: [group:q], action: drop}\n");
	struct cd_host h;
	struct cd_buf b, full;
	cd_buf_init(&b, 1 << 20);
	cd_buf_init(&full, 1 << 20);
	ASSERT_EQ(cd_host_build(&h, &st, "hv1", NULL), 0);
	struct cd_delta d = { 0 };
	struct cd_update u;
	cd_update_init(&u);
	const char *tags[] = { "app=db", "VIRUS" };
	cd_members_set_tags(&st.mem, 1, tags, 2, &d);     /* db, on hv1 */
	ASSERT_EQ(cd_host_retag(&h, &st, 1, &d, &u), 0);
	ASSERT_EQ(u.nops, 1);
	cd_update_script(&u, &b);
	ASSERT_CONTAINS(b.data, "add element inet cordon g_q_v4 { 10.0.0.2 }\n");
	ASSERT_CONTAINS(b.data, "flush chain inet cordon in_td\nadd rule inet cordon in_td log prefix \"cordon-flow in r1 drop\" group 4120 counter name \"r1\" drop\n");
	ASSERT_CONTAINS(b.data, "flush chain inet cordon out_td\nadd rule inet cordon out_td log prefix \"cordon-flow out r2 drop\" group 4120 counter name \"r2\" drop\n");
	/* web's chains do not change: only the set element does */
	ASSERT(!strstr(b.data, "_tw"));
	/* the model now renders as a fresh build of the new state */
	struct cd_host fresh;
	struct cd_buf fb;
	cd_buf_init(&fb, 1 << 20);
	ASSERT_EQ(cd_host_build(&fresh, &st, "hv1", NULL), 0);
	cd_host_render(&fresh, &st, &fb);
	cd_host_render(&h, &st, &full);
	ASSERT_STR_EQ(full.data, fb.data);
	/* and back */
	cd_buf_reset(&b);
	cd_update_reset(&u);
	d.n = 0;
	cd_members_set_tags(&st.mem, 1, tags, 1, &d);
	ASSERT_EQ(cd_host_retag(&h, &st, 1, &d, &u), 0);
	cd_update_script(&u, &b);
	ASSERT_CONTAINS(b.data, "delete element inet cordon g_q_v4 { 10.0.0.2 }\n");
	cd_delta_free(&d);
	cd_update_free(&u);
	cd_host_free(&fresh);
	cd_host_free(&h);
	cd_buf_free(&fb);
	cd_buf_free(&full);
	cd_buf_free(&b);
	cd_state_free(&st);
}

TEST(policy_json_tables_as_written)
{
	struct cd_state st;
	must_load(&st, inv,
		  "default_action: drop\n"
		  "groups:\n"
		  "  - {name: web, match: 'tag == \"app=web\"', exclude: [far]}\n"
		  "rules:\n"
		  "  - {id: 9, name: late, category: application, source: [any], action: allow}\n"
		  "  - {id: 1, category: emergency, source: [group:web], destination: ['10.0.9.0/24', workload:db],\n"
		  "     service: [tcp/443], action: reject, direction: out, applied_to: [group:web], log: true}\n");
	json_t *o = cd_policy_json(&st);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ASSERT_STR_EQ(json_string_value(json_object_get(o, "default_action")), "drop");
	json_t *g = json_array_get(json_object_get(o, "groups"), 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(g, "match")), "tag == \"app=web\"");
	ASSERT_CONTAINS(s, "\"exclude\":[\"far\"]");
	ASSERT_CONTAINS(s, "\"members\":[\"web\"]");
	/* evaluation order: the emergency rule first, endpoints as written */
	json_t *r = json_array_get(json_object_get(o, "rules"), 0);
	ASSERT_EQ(json_integer_value(json_object_get(r, "id")), 1);
	ASSERT_EQ(json_integer_value(json_object_get(r, "line")), 6);
	ASSERT_CONTAINS(s, "\"destination\":[\"10.0.9.0/24\",\"workload:db\"]");
	ASSERT_CONTAINS(s, "\"direction\":\"out\"");
	ASSERT_CONTAINS(s, "\"services\":[\"tcp/443\"]");
	ASSERT_CONTAINS(s, "\"applied_to\":[\"group:web\"]");
	r = json_array_get(json_object_get(o, "rules"), 1);
	ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(r, "services"), 0)), "any");
	ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(r, "source"), 0)), "any");
	free(s);
	json_decref(o);
	cd_state_free(&st);
}
