/* fuzz_selector.c - libFuzzer harness for the selector language.
 * Properties: no crash; a selector that parses prints in a canonical form
 * that parses again to the same canonical form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	struct cd_diags d;
	struct cd_sel *s;
	cd_diags_init(&d);
	if (cd_sel_parse(text, (struct cd_loc){ "f", 1, 1 }, &s, &d) == 0) {
		struct cd_buf a, b;
		struct cd_sel *s2;
		cd_buf_init(&a, 1 << 20);
		cd_buf_init(&b, 1 << 20);
		cd_sel_fmt(s, &a);
		if (cd_sel_parse(a.data, (struct cd_loc){ "f", 1, 1 }, &s2, &d) == 0) {
			cd_sel_fmt(s2, &b);
			if (strcmp(a.data, b.data) != 0)
				abort();   /* canonical form is not stable */
			cd_sel_free(s2);
		} else if (a.len <= CD_SEL_MAX_LEN) {
			abort();       /* a printed selector must parse */
		}
		cd_buf_free(&a);
		cd_buf_free(&b);
		cd_sel_free(s);
	}
	cd_diags_free(&d);
	free(text);
	return 0;
}
