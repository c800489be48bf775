/* fuzz_view.c - libFuzzer harness for a list view's JSON (views/view.h).
 * Properties: no crash; a view that parses writes JSON that parses again
 * to the same JSON; an error always says what is wrong. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "views/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_view v, w;
	char err[512] = "";
	if (cd_view_parse((const char *)data, size, &v, err, sizeof err)) {
		if (!*err)
			abort();       /* refused without a word */
		return 0;
	}
	json_t *a = cd_view_json(&v);
	char *text = json_dumps(a, JSON_COMPACT);
	if (cd_view_parse(text, strlen(text), &w, err, sizeof err))
		abort();               /* what it writes must read back */
	json_t *b = cd_view_json(&w);
	if (!json_equal(a, b))
		abort();
	json_decref(a);
	json_decref(b);
	free(text);
	cd_view_free(&v);
	cd_view_free(&w);
	return 0;
}
