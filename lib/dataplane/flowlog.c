/* flowlog.c - the policy's drops in the kernel's log (see flowlog.h). */
#include "dataplane/flowlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words of a prefix after CD_FLOW_PREFIX: DIR RULE VERDICT. */
static int parse_prefix(const char *p, size_t n, struct cd_flowdrop *d)
{
	size_t pl = strlen(CD_FLOW_PREFIX);
	char w[64];
	if (n <= pl || n - pl >= sizeof(w) || memcmp(p, CD_FLOW_PREFIX, pl))
		return -EINVAL;
	memcpy(w, p + pl, n - pl);
	w[n - pl] = 0;
	if (memchr(w, 0, n - pl))
		return -EINVAL;
	char dir[4], rule[16], verdict[8], extra;
	if (sscanf(w, "%3s %15s %7s %c", dir, rule, verdict, &extra) != 3)
		return -EINVAL;
	if (!strcmp(dir, "out"))
		d->egress = true;
	else if (strcmp(dir, "in"))
		return -EINVAL;
	if (!strcmp(verdict, "reject"))
		d->reject = true;
	else if (strcmp(verdict, "drop"))
		return -EINVAL;
	if (!strcmp(rule, "default"))
		return 0;
	char *end;
	unsigned long id = rule[0] == 'r' && rule[1] >= '1' && rule[1] <= '9' ? strtoul(rule + 1, &end, 10) : 0;
	if (!id || *end || id > UINT32_MAX)
		return -EINVAL;
	d->rule = (uint32_t)id;
	return 0;
}

static void set_addr(struct cd_addr *a, int fam, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)fam;
	a->plen = fam == 4 ? 32 : 128;
	memcpy(a->b, b, fam == 4 ? 4 : 16);
}

int cd_flowdrop_decode(const struct cd_nflog_rec *r, struct cd_flowdrop *d)
{
	memset(d, 0, sizeof(*d));
	if (!r->prefix || parse_prefix(r->prefix, r->prefixlen, d) < 0)
		return -EINVAL;
	const uint8_t *p = r->payload;
	size_t n = p ? r->len : 0, l4;
	if (n >= 20 && p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;
		if (ihl < 20 || ihl > n)
			return -EINVAL;
		set_addr(&d->src, 4, p + 12);
		set_addr(&d->dst, 4, p + 16);
		d->proto = p[9];
		/* a fragment past the first has no ports */
		l4 = (p[6] & 0x1f) || p[7] ? n : ihl;
	} else if (n >= 40 && p[0] >> 4 == 6) {
		set_addr(&d->src, 6, p + 8);
		set_addr(&d->dst, 6, p + 24);
		d->proto = p[6];           /* (extension headers: their number) */
		l4 = 40;
	} else {
		return -EINVAL;
	}
	if ((d->proto == 6 || d->proto == 17) && n - l4 >= 4) {
		d->sport = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
		d->dport = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
		if (d->proto == 6 && n - l4 >= 8)
			d->isn = (uint32_t)p[l4 + 4] << 24 | (uint32_t)p[l4 + 5] << 16 |
				 (uint32_t)p[l4 + 6] << 8 | p[l4 + 7];
	} else if ((d->proto == 1 || d->proto == 58) && n - l4 >= 8) {
		/* an echo's identifier and sequence: what tells one attempt */
		d->sport = (uint16_t)(p[l4 + 4] << 8 | p[l4 + 5]);
		d->dport = (uint16_t)(p[l4 + 6] << 8 | p[l4 + 7]);
	}
	/* the vNIC: what sent it on its egress, what it goes to on its
	 * ingress; a bridge's port when the frame was bridged */
	if (d->egress)
		d->ifindex = r->physindev ? r->physindev : r->indev;
	else
		d->ifindex = r->physoutdev ? r->physoutdev : r->outdev;
	return 0;
}
