/* fuzz_flowlog.c - what the agent reads from the kernel's log of the
 * policy's drops: netlink messages whose payload is a packet a hostile
 * guest wrote.  Input: the bytes of one read of the nflog socket.
 * Properties: no crash, leak or read out of bounds; a record decoded has
 * addresses of one family, 4 or 6, and ports only for TCP and UDP (an
 * ICMP echo's identifier and sequence for ICMP). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/flowlog.h"

static void rec(void *ctx, const struct cd_nflog_rec *r)
{
	(void)ctx;
	struct cd_flowdrop d;
	if (cd_flowdrop_decode(r, &d) < 0)
		return;
	if ((d.src.family != 4 && d.src.family != 6) || d.src.family != d.dst.family)
		abort();
	if ((d.sport || d.dport) && d.proto != 6 && d.proto != 17 && d.proto != 1 && d.proto != 58)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *buf = malloc(size ? size : 1);      /* aligned, as a socket buffer is */
	memcpy(buf, data, size);
	int n = 0;
	cd_nflog_parse(buf, size, rec, NULL, &n);
	free(buf);
	return 0;
}
