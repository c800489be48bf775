/* test_compile.c - programs per vNIC, the evaluator and the renderer. */
#include <stdlib.h>

#include "eval.h"
#include "helpers.h"
#include "render.h"
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
		  "  - {name: web_tier, include: [db]}\n"
		  "rules:\n"
		  "  - {id: 1, source: ['group:web tier'], destination: [group:web_tier], service: [tcp/1-2, icmp], action: reject, log: true}\n");
	struct cd_host_prog hp;
	struct cd_buf b;
	cd_buf_init(&b, 1 << 20);
	cd_compile_host(&st, "HV1", &hp);
	ASSERT_EQ(hp.n, 2);
	ASSERT_EQ(cd_render_host(&st, &hp, &b), 0);
	ASSERT_CONTAINS(b.data, "table inet cordon {");
	ASSERT_CONTAINS(b.data, "set g_web_tier_v4 {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1, 10.0.1.1 }");
	ASSERT_CONTAINS(b.data, "set g_web_tier_1_v4");   /* name collision */
	ASSERT_CONTAINS(b.data, "ip daddr @g_web_tier_1_v4 tcp dport 1-2 log prefix \"cordon r1 \" counter name \"r1\" reject with tcp reset");
	ASSERT_CONTAINS(b.data, "ip daddr @g_web_tier_1_v4 icmp type echo-request log prefix \"cordon r1 \" counter name \"r1\" reject with icmpx type admin-prohibited");
	ASSERT_CONTAINS(b.data, "\"tw\" : jump out_tw");
	ASSERT_CONTAINS(b.data, "ct state established,related accept");
	cd_host_prog_free(&hp);
	cd_buf_free(&b);
	cd_state_free(&st);
}
