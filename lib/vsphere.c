/* vsphere.c - the vSphere connector (see vsphere.h). */
#include "vsphere.h"

#include <errno.h>

static int s_open(const json_t *config, void **h, struct cd_buf *err)
{
	(void)config, (void)h;
	cd_buf_printf(err, "not yet");
	return -ENOSYS;
}

const struct cd_src_ops cd_vsphere_ops = { .kind = "vsphere", .open = s_open };
