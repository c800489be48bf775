/* test_spoof.c - SpoofGuard: the guard's sets from the inventory and its
 * tags, the log records a hostile guest's frames become, and who may
 * report a spoof to the manager. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/spooflog.h"
#include "helpers.h"
#include "manager/mgr.h"
#include "manager/store.h"
#include "policy/guard.h"
#include "policy/host.h"
#include "test.h"

static const char inv[] =
	"workloads:\n"
	"  - {name: web, host: hv1, vnics: [{ifname: vnet1, mac: '52:54:00:00:00:01', ips: [10.0.0.1, 'fd00::1']}]}\n"
	"  - {name: gw, host: hv1, tags: ['spoofguard=allow-router'], vnics: [{ifname: vnet2, ips: [10.0.0.2]}]}\n";

/* The sets hold each vNIC's MAC, its addresses with the link-local one
 * of its MAC, neighbour targets as nft takes a raw payload, and the
 * vNICs whose tags allow a router's or a DHCP server's frames. */
TEST(guard_sets_from_inventory_and_tags)
{
	struct cd_state st;
	must_load(&st, inv, "rules: []\n");
	struct cd_host h;
	ASSERT_EQ(cd_host_build(&h, &st, "hv1", NULL), 0);
	char **v;
	size_t n = cd_guard_elements(&h, &st, CD_GS_V6, &v);
	ASSERT_EQ(n, 2);
	ASSERT_STR_EQ(v[0], "\"vnet1\" . fd00::1");
	ASSERT_STR_EQ(v[1], "\"vnet1\" . fe80::5054:ff:fe00:1");
	cd_strv_free(v, n);
	n = cd_guard_elements(&h, &st, CD_GS_ND, &v);
	ASSERT_EQ(n, 2);
	ASSERT_STR_EQ(v[0], "\"vnet1\" . 0xfd000000000000000000000000000001");
	cd_strv_free(v, n);
	n = cd_guard_elements(&h, &st, CD_GS_NOMAC, &v);
	ASSERT(n == 1 && !strcmp(v[0], "\"vnet2\""));
	cd_strv_free(v, n);
	n = cd_guard_elements(&h, &st, CD_GS_ROUTER, &v);
	ASSERT(n == 1 && !strcmp(v[0], "\"vnet2\""));
	cd_strv_free(v, n);
	n = cd_guard_elements(&h, &st, CD_GS_DHCP, &v);
	ASSERT_EQ(n, 0);
	cd_strv_free(v, n);
	/* web becomes a DHCP server: its vNIC joins dhcp_ok in the three
	 * tables that have it (bridge and inet, not arp) */
	const char *tags[] = { CD_TAG_DHCP_SERVER };
	struct cd_delta delta = { 0 };
	cd_members_set_tags(&st.mem, 0, tags, 1, &delta);
	cd_delta_free(&delta);
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	ASSERT_EQ(cd_guard_retag(&h, &st, 0, false, false, &b), 0);
	ASSERT_STR_EQ(b.data, "add element bridge cordon dhcp_ok { \"vnet1\" }\n"
			      "add element inet cordon dhcp_ok { \"vnet1\" }\n");
	cd_buf_reset(&b);
	ASSERT_EQ(cd_guard_retag(&h, &st, 0, true, false, &b), 0);   /* no change */
	ASSERT_EQ(b.len, 0);
	cd_buf_free(&b);
	cd_host_free(&h);
	cd_state_free(&st);
}

static const uint8_t arp_frame[28] = {
	0, 1, 8, 0, 6, 4, 0, 2, 0x52, 0x54, 0, 9, 2, 3, 10, 9, 2, 254,
};

/* A record says what the frame claimed, per kind; a frame too short for
 * it claims nothing; a prefix not the guard's is not a record. */
TEST(spoof_records_decoded_from_hostile_frames)
{
	struct cd_spoof_seen s;
	const char p_arp[] = "cordon-spoof arp";
	ASSERT_EQ(cd_spoof_decode(p_arp, sizeof(p_arp), NULL, 0, arp_frame, sizeof(arp_frame), &s), 0);
	ASSERT(s.kind == CD_SPOOF_ARP && s.has_mac && s.mac[5] == 3 && s.has_addr);
	ASSERT(s.addr.family == 4 && s.addr.b[0] == 10 && s.addr.b[3] == 254);
	ASSERT_EQ(cd_spoof_decode(p_arp, sizeof(p_arp), NULL, 0, arp_frame, 17, &s), 0);
	ASSERT(!s.has_mac && !s.has_addr);
	uint8_t ip[20] = { 0x45 };
	ip[12] = 10, ip[13] = 9, ip[14] = 2, ip[15] = 7;
	uint8_t hw[6] = { 0x52, 0x54, 0, 0x66, 0x66, 0x66 };
	const char p_ip[] = "cordon-spoof ip";
	ASSERT_EQ(cd_spoof_decode(p_ip, sizeof(p_ip) - 1, hw, 6, ip, sizeof(ip), &s), 0);
	ASSERT(s.kind == CD_SPOOF_IP && !s.has_mac && s.has_addr && s.addr.b[3] == 7);
	const char p_mac[] = "cordon-spoof mac";
	ASSERT_EQ(cd_spoof_decode(p_mac, sizeof(p_mac), hw, 6, ip, sizeof(ip), &s), 0);
	ASSERT(s.kind == CD_SPOOF_MAC && s.has_mac && s.mac[3] == 0x66 && !s.has_addr);
	uint8_t na[64] = { 0x60 };
	na[6] = 58;
	na[40] = 136;
	na[48] = 0xfd;
	na[63] = 0x99;
	const char p_nd[] = "cordon-spoof nd";
	ASSERT_EQ(cd_spoof_decode(p_nd, sizeof(p_nd), NULL, 0, na, sizeof(na), &s), 0);
	ASSERT(s.kind == CD_SPOOF_ND && s.has_addr && s.addr.family == 6 && s.addr.b[0] == 0xfd &&
	       s.addr.b[15] == 0x99);
	na[6] = 0;     /* an extension header first: no target read */
	ASSERT_EQ(cd_spoof_decode(p_nd, sizeof(p_nd), NULL, 0, na, sizeof(na), &s), 0);
	ASSERT(!s.has_addr);
	const char p_ra[] = "cordon-spoof router";
	ASSERT_EQ(cd_spoof_decode(p_ra, sizeof(p_ra), hw, 6, na, sizeof(na), &s), 0);
	ASSERT(s.kind == CD_SPOOF_ROUTER && !s.has_mac && !s.has_addr);
	const char *bad[] = { "cordon-spoof ", "cordon-spoof ipx", "cordon-spoof", "cordon-x ip", "" };
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++)
		ASSERT_EQ(cd_spoof_decode(bad[i], strlen(bad[i]), NULL, 0, ip, sizeof(ip), &s), -EINVAL);
}

/* Only an enforcing (host) agent reports spoofs: a workload's agent, the
 * guest's own perhaps, cannot frame another or clear itself. */
TEST(spoof_events_only_from_host_agents)
{
	struct cd_store *s;
	ASSERT_EQ(cd_store_open(":memory:", &s), 0);
	struct cd_mgr *m;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	ASSERT_EQ(cd_mgr_open(&m, s, NULL, &err), 0);
	json_t *e = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "spoof", "workload", "web",
			      "message", "m", "data", "vnic", "vnet1");
	struct cd_actor host = { .name = "host:hv1", .host = "hv1", .origin = "local" };
	struct cd_actor wl = { .name = "workload:web", .workload = "web", .origin = "local" };
	const char *field;
	struct cd_buf why;
	cd_buf_init(&why, 1024);
	ASSERT_EQ(cd_mgr_agent_event_check(m, &host, e, &field, &why), 0);
	ASSERT_EQ(cd_mgr_agent_event_check(m, &wl, e, &field, &why), -EPERM);
	ASSERT_STR_EQ(field, "type");
	json_decref(e);
	cd_buf_free(&why);
	cd_mgr_close(m);
	cd_store_close(s);
	cd_buf_free(&err);
}

/* An address the inventory lists that the MAC makes too is one element,
 * and a diff adds and removes each element once: from the doubled form
 * to the plain one is nothing, the vNIC's going deletes each once. */
TEST(guard_diff_pairs_elements_once)
{
	static const char twice[] =
		"workloads:\n"
		"  - {name: web, host: hv1, vnics: [{ifname: vnet1, mac: '52:54:00:00:00:01', ips: [10.0.0.1, 'fe80::5054:ff:fe00:1']}]}\n";
	static const char none[] = "workloads:\n  - {name: other, host: hv2}\n";
	struct cd_state a, b, c;
	must_load(&a, twice, "rules: []\n");
	must_load(&b, inv, "rules: []\n");
	must_load(&c, none, "rules: []\n");
	struct cd_host ha, hb, hc;
	ASSERT_EQ(cd_host_build(&ha, &a, "hv1", NULL), 0);
	ASSERT_EQ(cd_host_build(&hb, &b, "hv1", NULL), 0);
	ASSERT_EQ(cd_host_build(&hc, &c, "hv1", NULL), 0);
	char **v;
	size_t n = cd_guard_elements(&ha, &a, CD_GS_V6, &v);
	ASSERT_EQ(n, 1);
	cd_strv_free(v, n);
	struct cd_buf s;
	cd_buf_init(&s, 1 << 16);
	ASSERT_EQ(cd_guard_diff(&ha, &a, &hc, &c, &s), 0);
	/* each of vnet1's elements deleted once from each table holding it */
	ASSERT(strstr(s.data, "delete element bridge cordon addrs_v6 { \"vnet1\" . fe80::5054:ff:fe00:1 }\n"));
	const char *first = strstr(s.data, "addrs_v6 { \"vnet1\" . fe80::5054:ff:fe00:1 }");
	ASSERT(first && strstr(first + 1, "inet cordon addrs_v6 { \"vnet1\" . fe80::5054:ff:fe00:1 }"));
	size_t dels = 0;
	for (const char *p = s.data; (p = strstr(p, "fe80::5054:ff:fe00:1 }")); p++)
		dels++;
	ASSERT_EQ(dels, 2);                /* bridge and inet, once each */
	ASSERT(!strstr(s.data, "add element"));
	cd_buf_free(&s);
	cd_host_free(&ha);
	cd_host_free(&hb);
	cd_host_free(&hc);
	cd_state_free(&a);
	cd_state_free(&b);
	cd_state_free(&c);
}
