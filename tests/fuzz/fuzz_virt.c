/* fuzz_virt.c - libvirt domain XML (cd_virt_domain) on arbitrary input:
 * no crash, no leak; a workload only from a well-formed domain. */
#include <stdint.h>
#include <string.h>

#include "inventory/virt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	json_t *w = NULL;
	if (cd_virt_domain((const char *)data, size, "h", &w, &err) == 0 &&
	    !json_is_string(json_object_get(w, "name")))
		__builtin_trap();
	json_decref(w);
	cd_buf_free(&err);
	return 0;
}
