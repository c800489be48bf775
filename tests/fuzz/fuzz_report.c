/* fuzz_report.c - a report's definition (report/report.h) as a user may
 * push it.  Input: the JSON text.  Properties: no crash, leak or read out
 * of bounds; refused with a message (a field, or the JSON's line and
 * column), or taken with every bound kept, and its JSON read back to the
 * same report. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_report r, w;
	char err[512];
	memset(err, 'x', sizeof err);
	int e = cd_report_parse((const char *)data, size, &r, err, sizeof err);
	if (e == -EINVAL) {
		if (!memchr(err, 0, sizeof err) || !err[0])
			abort();
		return 0;
	}
	if (e)
		abort();
	if (!r.nsec || r.nsec > CD_REPORT_SECTIONS_MAX || r.ndest > CD_REPORT_DEST_MAX ||
	    r.range_ms <= 0 || r.range_ms > CD_REPORT_RANGE_MAX || !r.name || !r.title ||
	    !r.timezone || (!r.pdf && !r.csv))
		abort();
	for (size_t i = 0; i < r.nsec; i++)
		if (r.sec[i].kind == CD_RS_CHART &&
		    (!r.sec[i].metric || r.sec[i].nobjects > CD_REPORT_OBJECTS_MAX ||
		     (!r.sec[i].nobjects && (r.sec[i].top < 1 || r.sec[i].top > CD_REPORT_OBJECTS_MAX))))
			abort();
	json_t *j = cd_report_json(&r);
	if (cd_report_from_json(j, &w, err, sizeof err))
		abort();
	json_t *k = cd_report_json(&w);
	if (!json_equal(j, k))
		abort();
	json_decref(j);
	json_decref(k);
	cd_report_free(&r);
	cd_report_free(&w);
	return 0;
}
