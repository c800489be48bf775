/* fuzz_spooflog.c - what the agent reads from the kernel's log of
 * SpoofGuard's drops: netlink messages whose payload is a frame a hostile
 * guest wrote.  Input: the bytes of one read of the nflog socket.
 * Properties: no crash, leak or read out of bounds; every record taken is
 * of a kind the guard logs, and its claimed address, when there is one,
 * is of a family it can be. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/spooflog.h"

static void seen(void *ctx, const struct cd_spoof_seen *s)
{
	(void)ctx;
	if ((unsigned)s->kind >= CD_SPOOF_KINDS)
		abort();
	if (s->has_addr && s->addr.family != 4 && s->addr.family != 6)
		abort();
	if (s->has_addr && (s->kind == CD_SPOOF_DHCP || s->kind == CD_SPOOF_ROUTER ||
			    s->kind == CD_SPOOF_MAC))
		abort();   /* those claim no address */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* aligned, as a socket buffer is */
	void *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	int n = 0;
	cd_spooflog_parse(buf, size, seen, NULL, &n);
	free(buf);
	return 0;
}
