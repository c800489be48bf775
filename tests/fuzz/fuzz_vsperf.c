/* fuzz_vsperf.c - vSphere's statistics answers on arbitrary input: the
 * input as a perfCounter answer, as a QueryAvailablePerfMetric answer and
 * as a QueryPerf answer over a VM and a host.  No crash, no leak; the
 * entries come in time order for each object, after what was taken, with
 * finite values and no negative increase. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/vsperf.h"
#include "inventory/vsxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDoc *doc = cd_vsx_parse((const char *)data, size);
	xmlNode *resp = cd_vsx_first_el(cd_vsx_child(doc ? xmlDocGetRootElement(doc) : NULL, "Body"));
	xmlNode *rv = cd_vsx_child(resp, "returnval");
	struct cd_vsp_ids ids;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (cd_vsp_counters(rv, &ids, &err) < 0)        /* the simulator's ids */
		for (int k = 0; k < CD_VSP_N; k++)
			ids.id[k] = (int32_t[]){ 2, 12, 98, 173, 174, 171, 172, 175, 176, 130, 131, 148, 149 }[k];
	(void)cd_vsp_available(rv, &ids);
	json_t *objs = json_pack("{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}",
		"vm-1", "type", "VirtualMachine", "config.instanceUuid", "u-1", "config.hardware.numCPU", "4",
		"host-1", "type", "HostSystem", "name", "h1", "summary.hardware.numCpuThreads", "16",
		"summary.hardware.memorySize", "68719476736");
	json_t *last = json_pack("{s:I}", "vm-1", (json_int_t)1764547200000), *out = json_array();
	cd_vsp_samples(rv, &ids, objs, last, out);
	json_t *e, *prev = NULL;
	size_t i;
	json_array_foreach(out, i, e) {
		const char *kind = json_string_value(json_object_get(e, "kind"));
		int64_t t = json_integer_value(json_object_get(e, "t"));
		if (!kind || (!strcmp(kind, "vm") && t <= 1764547200000))
			__builtin_trap();
		if (prev && !strcmp(kind, json_string_value(json_object_get(prev, "kind"))) &&
		    t <= json_integer_value(json_object_get(prev, "t")))
			__builtin_trap();
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(e, "increase"), k, v)
			if (!isfinite(json_number_value(v)) || json_number_value(v) < 0)
				__builtin_trap();
		json_object_foreach(json_object_get(e, "metrics"), k, v)
			if (!isfinite(json_number_value(v)))
				__builtin_trap();
		prev = e;
	}
	json_decref(out);
	json_decref(last);
	json_decref(objs);
	xmlFreeDoc(doc);
	cd_buf_free(&err);
	return 0;
}
