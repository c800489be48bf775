/* fuzz_ctwatch.c - conntrack's events as the agent reads them: netlink
 * messages (the kernel's, but parsed with no length trusted).  Input: the
 * bytes of one read of the socket.  Properties: no crash, leak or read
 * out of bounds; an event has addresses of one family, 4 or 6. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ctwatch.h"

static void ev(void *ctx, const struct cd_ct_event *e)
{
	(void)ctx;
	if ((e->src.family != 4 && e->src.family != 6) || e->src.family != e->dst.family)
		abort();
	if (!e->gone && (e->bytes_out || e->bytes_in))
		abort();                   /* counters come with an end only */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	int n = 0;
	cd_ctwatch_parse(buf, size, ev, NULL, &n);
	free(buf);
	return 0;
}
