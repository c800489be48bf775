/* bridge.c - the bridge table of a host (see bridge.h). */
#include "policy/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cd_bridge_set_names[CD_BRIDGE_SETS] = {
	"vnics", "nomac", "macs", "addrs_v4", "addrs_v6",
};
static const char *const set_types[CD_BRIDGE_SETS] = {
	"ifname", "ifname", "ifname . ether_addr", "ifname . ipv4_addr", "ifname . ipv6_addr",
};

bool cd_mac_parse(const char *mac, uint8_t out[6])
{
	unsigned v[6];
	char end;
	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return true;
}

bool cd_mac_link_local(const char *mac, struct cd_addr *out)
{
	uint8_t m[6];
	if (!cd_mac_parse(mac, m))
		return false;
	memset(out, 0, sizeof(*out));
	out->family = 6;
	out->plen = 128;
	out->b[0] = 0xfe;
	out->b[1] = 0x80;
	out->b[8] = m[0] ^ 0x02;
	out->b[9] = m[1];
	out->b[10] = m[2];
	out->b[11] = 0xff;
	out->b[12] = 0xfe;
	out->b[13] = m[3];
	out->b[14] = m[4];
	out->b[15] = m[5];
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cd_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

size_t cd_bridge_elements(const struct cd_host *h, const struct cd_state *st, int s,
			  char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	for (size_t k = 0; k < h->n; k++) {
		const struct cd_host_vnic *hv = &h->v[k];
		const struct cd_vnic *vn = &st->inv.w[hv->wl].vnics[hv->vnic];
		uint8_t m[6];
		bool mac = cd_mac_parse(vn->mac, m);
		char *e;
		char buf[CD_ADDR_STRLEN];
		switch (s) {
		case 0:
			e = cd_asprintf("\"%s\"", hv->ifname);
			CD_PUSH(v, n, cap, e);
			break;
		case 1:
			if (!mac) {
				e = cd_asprintf("\"%s\"", hv->ifname);
				CD_PUSH(v, n, cap, e);
			}
			break;
		case 2:
			if (mac) {
				e = cd_asprintf("\"%s\" . %02x:%02x:%02x:%02x:%02x:%02x", hv->ifname,
						m[0], m[1], m[2], m[3], m[4], m[5]);
				CD_PUSH(v, n, cap, e);
			}
			break;
		default: {
			int fam = s == 3 ? 4 : 6;
			for (size_t a = 0; a < vn->nips; a++) {
				if (vn->ips[a].family != fam)
					continue;
				e = cd_asprintf("\"%s\" . %s", hv->ifname, cd_addr_fmt(&vn->ips[a], buf));
				CD_PUSH(v, n, cap, e);
			}
			struct cd_addr ll;
			if (fam == 6 && cd_mac_link_local(vn->mac, &ll)) {
				e = cd_asprintf("\"%s\" . %s", hv->ifname, cd_addr_fmt(&ll, buf));
				CD_PUSH(v, n, cap, e);
			}
		}
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

/* the unknown-vNIC rules of a hook, one per glob: KEY is iifname or oifname */
static void unknown_rules(const struct cd_host *h, struct cd_buf *b, const char *key)
{
	if (h->unknown_accept)
		return;
	for (size_t i = 0; i < h->nglobs; i++)
		cd_buf_printf(b, "\t\t%s \"%s\" %s != @vnics counter name \"unknown_vnic\" drop\n",
			      key, h->globs[i], key);
}

int cd_bridge_render(const struct cd_host *h, const struct cd_state *st, struct cd_buf *b)
{
	cd_buf_printf(b, "table bridge %s {\n", CD_TABLE);
	cd_buf_puts(b, "\tcounter unknown_vnic {\n\t}\n\tcounter spoofguard {\n\t}\n");
	for (int s = 0; s < CD_BRIDGE_SETS; s++) {
		char **v;
		size_t n = cd_bridge_elements(h, st, s, &v);
		cd_buf_printf(b, "\tset %s {\n\t\ttype %s\n", cd_bridge_set_names[s], set_types[s]);
		for (size_t i = 0; i < n; i++)
			cd_buf_printf(b, "%s%s", i ? ",\n\t\t\t     " : "\t\telements = { ", v[i]);
		cd_buf_puts(b, n ? " }\n\t}\n" : "\t}\n");
		cd_strv_free(v, n);
	}
	/* a vNIC's frame: one lookup to its guard, the unknown-port rules
	 * never walked for it; in the guard, a frame from its own MAC stops
	 * at the first lookup (what a bridged vNIC's every frame costs:
	 * docs/dataplane.md, "What costs what") */
	cd_buf_puts(b, "\n\tchain prerouting {\n"
		    "\t\ttype filter hook prerouting priority filter; policy accept;\n"
		    "\t\tiifname @vnics goto guard\n");
	unknown_rules(h, b, "iifname");
	cd_buf_puts(b, "\t}\n");
	cd_buf_puts(b, "\n\tchain guard {\n"
		    "\t\tiifname . ether saddr != @macs iifname != @nomac counter name \"spoofguard\" drop\n"
		    "\t\tarp saddr ip != 0.0.0.0 iifname . arp saddr ip != @addrs_v4 counter name \"spoofguard\" drop\n"
		    "\t\tip saddr != 0.0.0.0 iifname . ip saddr != @addrs_v4 counter name \"spoofguard\" drop\n"
		    "\t\tip6 saddr != :: iifname . ip6 saddr != @addrs_v6 counter name \"spoofguard\" drop\n"
		    "\t\tudp sport 67 counter name \"spoofguard\" drop\n"
		    "\t\tudp sport 547 counter name \"spoofguard\" drop\n"
		    "\t\ticmpv6 type nd-router-advert counter name \"spoofguard\" drop\n"
		    "\t\ticmpv6 type nd-redirect counter name \"spoofguard\" drop\n\t}\n");
	const char *hooks[2] = { "forward", "output" };
	for (int i = 0; i < 2; i++) {
		cd_buf_printf(b, "\n\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n",
			      hooks[i], hooks[i]);
		unknown_rules(h, b, "oifname");
		cd_buf_puts(b, "\t}\n");
	}
	return cd_buf_puts(b, "}\n");
}

int cd_bridge_diff(const struct cd_host *old, const struct cd_state *os,
		   const struct cd_host *new, const struct cd_state *ns,
		   struct cd_buf *script)
{
	int r = 0;
	/* deletions first, then additions: an element that changes (a MAC)
	 * goes before its new form comes */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		for (int s = 0; s < CD_BRIDGE_SETS && r == 0; s++) {
			char **a, **b;
			size_t na = cd_bridge_elements(old, os, s, &a);
			size_t nb = cd_bridge_elements(new, ns, s, &b);
			size_t i = 0, j = 0;
			while ((i < na || j < nb) && r == 0) {
				int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
				if (c == 0) {
					i++;
					j++;
				} else if (c < 0) {
					if (pass == 0)
						r = cd_buf_printf(script, "delete element bridge %s %s { %s }\n",
								  CD_TABLE, cd_bridge_set_names[s], a[i]);
					i++;
				} else {
					if (pass == 1)
						r = cd_buf_printf(script, "add element bridge %s %s { %s }\n",
								  CD_TABLE, cd_bridge_set_names[s], b[j]);
					j++;
				}
			}
			cd_strv_free(a, na);
			cd_strv_free(b, nb);
		}
	}
	return r;
}
