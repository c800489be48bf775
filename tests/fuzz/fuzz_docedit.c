/* fuzz_docedit.c - a policy document's text edited in place
 * (policy/docedit.h), the document an operator wrote (a recommendation
 * and a promotion edit the current one).  Input: the document.
 * Properties: no crash, leak or read out of bounds; what an append
 * answers is YAML that loads, holding every byte of the input in order
 * (an empty list's brackets aside);
 * a promotion's answer loads too and is the input with some "staged"
 * replaced. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "policy/docedit.h"
#include "yaml/node.h"

static void loads(const char *t)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_node *n;
	if (cd_yaml_load("out", t, strlen(t), &n, &d) < 0)
		abort();
	cd_node_free(n);
	cd_diags_free(&d);
}

/* every byte of a, in order, within b (but an empty list's brackets and
 * the spaces before them: "rules: []" becomes a block list) */
static void kept(const char *a, size_t n, const char *b)
{
	for (size_t i = 0; i < n; i++, b++) {
		if (a[i] == '[' || a[i] == ']' || a[i] == ' ') {
			b--;
			continue;
		}
		while (*b && *b != a[i])
			b++;
		if (!*b)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memchr(data, 0, size))
		return 0;                  /* a document is text */
	char *doc = cd_strndup((const char *)data, size), *out = NULL;
	struct cd_diags d;
	cd_diags_init(&d);
	if (cd_doc_append("in", doc, size, "rules", "# c\n- id: 9\n  mode: staged\n", &out, &d) == 0) {
		loads(out);
		kept(doc, size, out);
		free(out);
		out = NULL;
	}
	int64_t ids[] = { 1, 2, 9 };
	size_t n = 0;
	if (cd_doc_set_mode("in", doc, size, ids, 3, "staged", "enforced", &out, &n, &d) == 0) {
		loads(out);
		free(out);
	}
	cd_diags_free(&d);
	free(doc);
	return 0;
}
