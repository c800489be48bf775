/* test_parse.c - documents: fields, types, defaults, located errors. */
#include <stdlib.h>

#include "helpers.h"
#include "policy/parse.h"
#include "test.h"

#define POLICY_ERR(pol, want)                            \
	do {                                             \
		char *e_ = policy_errors(pol);           \
		ASSERT_CONTAINS(e_, want);               \
		free(e_);                                \
	} while (0)
#define INVENTORY_ERR(inv, want)                         \
	do {                                             \
		char *e_ = inventory_errors(inv);        \
		ASSERT_CONTAINS(e_, want);               \
		free(e_);                                \
	} while (0)

TEST(parse_defaults)
{
	struct cd_state st;
	must_load(&st, "workloads: []\n",
		  "rules:\n  - id: 7\n    action: drop\n");
	ASSERT_EQ(st.pol.default_action, CD_ALLOW);
	ASSERT_EQ(st.pol.nrules, 1);
	const struct cd_rule *r = &st.pol.rules[0];
	ASSERT_EQ(r->category, CD_CAT_APPLICATION);
	ASSERT_EQ(r->direction, CD_DIR_IN_OUT);
	ASSERT_EQ(r->nsrc, 1);
	ASSERT_EQ(r->src[0].kind, CD_REF_ANY);
	ASSERT_EQ(r->dst[0].kind, CD_REF_ANY);
	ASSERT_EQ(r->applied[0].kind, CD_REF_ANY);
	ASSERT(r->svc_any);
	ASSERT_STR_EQ(st.pol.am.quarantine_tag, "ANTI_VIRUS.VirusFound.threat=high");
	ASSERT(st.pol.am.remove_tag_on_clean_full_scan);
	ASSERT_EQ(st.pol.am.heartbeat_seconds, 60);
	cd_state_free(&st);
}

TEST(parse_rule_order_by_category_then_document)
{
	struct cd_state st;
	must_load(&st, "workloads: []\n",
		  "rules:\n"
		  "  - {id: 5, action: allow}\n"
		  "  - {id: 3, action: drop, category: emergency}\n"
		  "  - {id: 9, action: drop, category: environment}\n"
		  "  - {id: 1, action: drop, category: emergency}\n"
		  "  - {id: 2, action: drop, category: infrastructure}\n");
	uint32_t want[] = { 3, 1, 2, 9, 5 };
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(st.pol.rules[i].id, want[i]);
	cd_state_free(&st);
}

TEST(parse_services_and_json)
{
	struct cd_state st;
	must_load(&st, "{\"workloads\": [{\"name\": \"a\", \"host\": \"h\"}]}",
		  "{\"services\": [{\"name\": \"web\", \"entries\": [\"tcp/80\", \"TCP/8000-8080\", \"icmp\"]}],"
		  " \"rules\": [{\"id\": 1, \"action\": \"allow\", \"service\": [\"web\", \"udp/53\"]}]}");
	const struct cd_rule *r = &st.pol.rules[0];
	ASSERT_EQ(r->nsvc, 4);
	ASSERT_EQ(r->svc[1].proto, CD_PROTO_TCP);
	ASSERT_EQ(r->svc[1].lo, 8000);
	ASSERT_EQ(r->svc[1].hi, 8080);
	ASSERT_EQ(r->svc[2].proto, CD_PROTO_ICMP);
	ASSERT_EQ(r->svc[3].proto, CD_PROTO_UDP);
	ASSERT(!r->svc_any);
	cd_state_free(&st);
}

TEST(parse_errors_are_located)
{
	POLICY_ERR("rules:\n  - id: 1\n    action: allow\n    sevrice: [x]\n",
		   "pol.yaml:4:5: error: unknown key \"sevrice\" in rule");
	POLICY_ERR("rules:\n  - id: 1\n    action: permit\n",
		   "pol.yaml:3:13: error: action must be allow, drop or reject, not \"permit\"");
	POLICY_ERR("rules:\n  - id: one\n    action: allow\n",
		   "pol.yaml:2:9: error: rule id must be a whole number");
	POLICY_ERR("rules:\n  - id: 0\n    action: allow\n",
		   "pol.yaml:2:9: error: rule id must be between 1 and");
	POLICY_ERR("rules:\n  - id: \"1\"\n    action: allow\n",
		   "pol.yaml:2:9: error: rule id must be a whole number");
	POLICY_ERR("rules:\n  - {id: 1, action: allow}\n  - {id: 1, action: drop}\n",
		   "pol.yaml:3:10: error: duplicate rule id 1 (first at line 2)");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, destination: [group:nope]}\n",
		   "pol.yaml:2:42: error: destination names unknown group \"nope\"");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, source: [10.0.0.1/8]}\n",
		   "error: bad source entry \"10.0.0.1/8\": address has bits set beyond its prefix length");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, applied_to: [ipset:x]}\n",
		   "applied_to takes only any, group: and workload:");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, service: [tcp/90-80]}\n",
		   "port range is reversed");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, service: [tcp/0]}\n",
		   "port is not a number from 1 to 65535");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, service: [sctp/1]}\n",
		   "unknown protocol");
	POLICY_ERR("rules:\n  - {id: 1, action: allow, disabled: maybe}\n",
		   "disabled must be true or false");
	POLICY_ERR("rules:\n  - {id: 1, action: drop, mode: dry-run}\n",
		   "pol.yaml:2:33: error: mode must be enforced or staged, not \"dry-run\"");
	POLICY_ERR("groups:\n  - name: a\n  - name: A\n",
		   "pol.yaml:3:5: error: duplicate group name \"A\"");
	POLICY_ERR("groups:\n  - name: a\n    match: 'tag == \"x\" and'\n",
		   "pol.yaml:3:27: error: expected a condition");
	POLICY_ERR("groups:\n  - name: a\n    match: group == \"b\"\n  - name: b\n    match: group == \"a\"\n",
		   "error: groups form a cycle: a -> b -> a");
	POLICY_ERR("groups:\n  - name: a\n    include: [nobody]\n",
		   "pol.yaml:3:15: error: include names unknown workload \"nobody\"");
	POLICY_ERR("ipsets:\n  - {name: x, addresses: [10.0.0.0/33]}\n",
		   "prefix length is more than 32");
	POLICY_ERR("default_action: reject\n",
		   "default_action must be allow or drop");
	POLICY_ERR("rules: {id: 1}\n", "rules must be a list, not a mapping");
	POLICY_ERR("- 1\n", "the policy must be a mapping");
	POLICY_ERR("rules:\n  - id: 1\n    action: allow\n  bad\n", "YAML syntax error");
	POLICY_ERR("a: &x 1\nb: *x\n", "YAML aliases (*x) are not supported");
	POLICY_ERR("", "pol.yaml:1:1: error: the document is empty");
	POLICY_ERR("antimalware:\n  event_delivery: later\n", "event_delivery must be immediate or heartbeat");
}

TEST(parse_all_errors_reported)
{
	char *e = policy_errors("rules:\n"
				"  - {id: 1, action: allow, colour: red}\n"
				"  - {id: 2, action: nope}\n"
				"  - {id: x, action: drop}\n");
	int lines = 0;
	for (char *p = e; *p; p++)
		lines += *p == '\n';
	ASSERT_EQ(lines, 3);
	free(e);
}

TEST(parse_inventory_errors)
{
	INVENTORY_ERR("workloads:\n  - {name: a, host: h}\n  - {name: A, host: h}\n",
		      "inv.yaml:3:5: error: duplicate workload name \"A\"");
	INVENTORY_ERR("workloads:\n  - {name: a}\n", "workload \"a\" has no host");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, vnics: [{ifname: t, ips: [10.0.0.1/24]}]}\n",
		      "vNIC addresses have no prefix length");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, vnics: [{ifname: t, ips: [10.0.0.1]}]}\n"
		      "  - {name: b, host: h2, vnics: [{ifname: u, ips: [10.0.0.1]}]}\n",
		      "address 10.0.0.1 is used twice");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, vnics: [{ifname: t}]}\n"
		      "  - {name: b, host: H, vnics: [{ifname: t}]}\n",
		      "ifname \"t\" is used twice on host");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, vnics: [{ifname: a-very-long-interface}]}\n",
		      "1 to 15 bytes");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, vnics: [{ifname: t, mac: 52:54}]}\n",
		      "bad mac");
	INVENTORY_ERR("workloads:\n  - {name: a, host: h, tags: env=prod}\n",
		      "tags must be a list of strings");
	INVENTORY_ERR("workloads:\n  - {name: [a], host: h}\n", "name must be a string, not a list");
	INVENTORY_ERR("workloads:\n  - {name: a, id: x, host: h}\n  - {name: b, id: x, host: h}\n",
		      "duplicate workload id \"x\"");
	INVENTORY_ERR("hosts: []\n", "unknown key \"hosts\" in the inventory");
}

TEST(parse_ifnames_are_case_sensitive)
{
	char *e = inventory_errors("workloads:\n  - {name: a, host: h, vnics: [{ifname: tap0}]}\n"
				   "  - {name: b, host: h, vnics: [{ifname: TAP0}]}\n");
	ASSERT_STR_EQ(e, "");
	free(e);
}

TEST(parse_svc_entries)
{
	struct cd_svc s;
	const char *why;
	ASSERT_EQ(cd_parse_svc("any", &s, &why), 0);
	ASSERT_EQ(s.proto, CD_PROTO_ANY);
	ASSERT_EQ(cd_parse_svc("udp/65535", &s, &why), 0);
	ASSERT_EQ(s.hi, 65535);
	ASSERT(cd_parse_svc("udp/65536", &s, &why) < 0);
	ASSERT(cd_parse_svc("icmp/8", &s, &why) < 0);
	ASSERT(cd_parse_svc("tcp/1-2-3", &s, &why) < 0);
	ASSERT(cd_parse_svc("tcp/", &s, &why) < 0);
	ASSERT(cd_parse_svc("tcp/ 80", &s, &why) < 0);
}
