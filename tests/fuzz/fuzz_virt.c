/* fuzz_virt.c - libvirt domain XML (cd_virt_domain, and the disks it
 * references: cd_virtvol_domain_refs) on arbitrary input: no crash, no
 * leak; a workload only from a well-formed domain. */
#include <stdint.h>
#include <string.h>

#include "inventory/virt.h"
#include "inventory/virtvol.h"

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
	json_t *refs = json_object();
	if (cd_virtvol_domain_refs((const char *)data, size, refs, &err) != 0 && json_object_size(refs))
		__builtin_trap();      /* refused, yet something taken */
	json_decref(refs);
	cd_buf_free(&err);
	return 0;
}
