/* spooflog.c - SpoofGuard's log records (see spooflog.h). */
#include "dataplane/spooflog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nflog.h"


static void set_addr(struct cd_spoof_seen *s, int fam, const uint8_t *b)
{
	s->has_addr = true;
	s->addr.family = (uint8_t)fam;
	s->addr.plen = fam == 4 ? 32 : 128;
	memset(s->addr.b, 0, sizeof(s->addr.b));
	memcpy(s->addr.b, b, fam == 4 ? 4 : 16);
}

int cd_spoof_decode(const char *prefix, size_t prefixlen, const uint8_t *hw, size_t hwlen,
		    const uint8_t *p, size_t n, struct cd_spoof_seen *out)
{
	size_t pl = strlen(CD_SPOOF_PREFIX);
	memset(out, 0, sizeof(*out));
	if (!prefix)
		return -EINVAL;
	/* the kernel's prefix attribute ends with its NUL, maybe padding */
	while (prefixlen && prefix[prefixlen - 1] == 0)
		prefixlen--;
	if (prefixlen <= pl || memcmp(prefix, CD_SPOOF_PREFIX, pl))
		return -EINVAL;
	int k;
	for (k = 0; k < CD_SPOOF_KINDS; k++)
		if (prefixlen - pl == strlen(cd_spoof_names[k]) &&
		    !memcmp(prefix + pl, cd_spoof_names[k], prefixlen - pl))
			break;
	if (k == CD_SPOOF_KINDS)
		return -EINVAL;
	out->kind = (enum cd_spoof)k;
	/* what it claimed: a foreign source MAC; an ARP's sender; a source
	 * address not its own; a neighbour advertisement's target.  A DHCP
	 * server's answer or a router advertisement claims a role, not an
	 * address. */
	if (k == CD_SPOOF_MAC) {
		if (hw && hwlen >= 6) {
			out->has_mac = true;
			memcpy(out->mac, hw, 6);
		}
	} else if (k == CD_SPOOF_ARP) {
		/* Ethernet/IPv4 ARP: sender MAC at 8, sender address at 14 */
		if (n >= 18 && p[0] == 0 && p[1] == 1 && p[2] == 8 && p[3] == 0 && p[4] == 6 &&
		    p[5] == 4) {
			out->has_mac = true;
			memcpy(out->mac, p + 8, 6);
			set_addr(out, 4, p + 14);
		}
	} else if (k == CD_SPOOF_IP) {
		if (n >= 20 && p[0] >> 4 == 4)
			set_addr(out, 4, p + 12);
		else if (n >= 40 && p[0] >> 4 == 6)
			set_addr(out, 6, p + 8);
	} else if (k == CD_SPOOF_ND) {
		/* the target, at 8 in the ICMPv6 message right after the
		 * header (next header 58, type 136) */
		if (n >= 64 && p[0] >> 4 == 6 && p[6] == 58 && p[40] == 136)
			set_addr(out, 6, p + 48);
	}
	return 0;
}

struct cd_spooflog {
	struct cd_nflog *log;
	void (*cb)(void *ctx, const struct cd_spoof_seen *s);
	void *ctx;
};

int cd_spooflog_open(struct cd_spooflog **out, uint16_t group, struct cd_buf *err)
{
	struct cd_spooflog *l = cd_calloc(1, sizeof(*l));
	int r = cd_nflog_open(&l->log, group, err);
	if (r < 0) {
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

int cd_spooflog_fd(const struct cd_spooflog *l)
{
	return cd_nflog_fd(l->log);
}

struct spoof_ctx {
	void (*cb)(void *, const struct cd_spoof_seen *);
	void *ctx;
};

/* a record of the guard's: its vNIC, a bridge's port when the frame was
 * bridged, else the device */
static void on_rec(void *ctx, const struct cd_nflog_rec *r)
{
	struct spoof_ctx *x = ctx;
	struct cd_spoof_seen s;
	if (cd_spoof_decode(r->prefix, r->prefixlen, r->hw, r->hwlen, r->payload, r->len, &s) < 0)
		return;
	s.ifindex = r->physindev ? r->physindev : r->indev;
	x->cb(x->ctx, &s);
}

int cd_spooflog_read(struct cd_spooflog *l, void (*cb)(void *ctx, const struct cd_spoof_seen *s),
		     void *ctx, uint64_t *lost)
{
	struct spoof_ctx x = { cb, ctx };
	return cd_nflog_read(l->log, on_rec, &x, lost, 1 << 20);   /* (the guard's log is rate-limited) */
}

int cd_spooflog_parse(const void *buf, size_t len, void (*cb)(void *, const struct cd_spoof_seen *),
		      void *ctx, int *count)
{
	struct spoof_ctx x = { cb, ctx };
	return cd_nflog_parse(buf, len, on_rec, &x, count);
}

void cd_spooflog_close(struct cd_spooflog *l)
{
	if (!l)
		return;
	cd_nflog_close(l->log);
	free(l);
}
