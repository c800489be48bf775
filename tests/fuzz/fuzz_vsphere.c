/* fuzz_vsphere.c - the vSphere connector's parsing on arbitrary input: a
 * WaitForUpdatesEx answer applied twice to one object map (as a
 * connection's answers are), then the workloads made of it.  No crash, no
 * leak; every workload has a name, an id and vNIC names Linux accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/vsphere.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *objs = json_object();
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	char *ver = NULL;
	bool trunc;
	/* the input in two halves, as two answers in turn */
	size_t half = size / 2;
	cd_vsphere_apply(objs, (const char *)data, half, &ver, &trunc, &err);
	cd_vsphere_apply(objs, (const char *)data + half, size - half, &ver, &trunc, &err);
	cd_vsphere_apply(objs, (const char *)data, size, &ver, &trunc, &err);
	json_t *tags = json_pack("{s:[s]}", "vm-1", "env=x");
	json_t *ws = cd_vsphere_workloads(objs, tags, "https://vc/sdk"), *w, *vn;
	size_t i, k;
	json_array_foreach(ws, i, w) {
		if (!json_string_length(json_object_get(w, "name")) || !json_is_string(json_object_get(w, "id")))
			__builtin_trap();
		json_array_foreach(json_object_get(w, "vnics"), k, vn)
			if (json_string_length(json_object_get(vn, "ifname")) > 15)
				__builtin_trap();
	}
	json_decref(ws);
	json_decref(tags);
	json_decref(objs);
	free(ver);
	cd_buf_free(&err);
	return 0;
}
