/* counters.c - reading named counters through libnftables' JSON output. */
#include "dataplane/counters.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/nft.h"
#include "policy/render.h"

static int cmp(const void *a, const void *b)
{
	const struct cd_counter *x = a, *y = b;
	if ((x->rule < 0) != (y->rule < 0))
		return x->rule < 0 ? 1 : -1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->name, y->name);
}

int cd_counters_read(struct cd_counter **out, size_t *n, struct cd_buf *err)
{
	struct cd_buf text;
	cd_buf_init(&text, CD_RENDER_MAX);
	*out = NULL;
	*n = 0;
	int r = cd_nft_list(true, &text, err);
	if (r < 0) {
		cd_buf_free(&text);
		return r;
	}
	json_error_t je;
	json_t *root = json_loadb(text.data ? text.data : "", text.len, 0, &je);
	cd_buf_free(&text);
	json_t *items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		if (err)
			cd_buf_printf(err, "unexpected output from libnftables: %s", je.text);
		json_decref(root);
		return -EPROTO;
	}
	size_t cap = 0, i;
	json_t *item;
	json_array_foreach(items, i, item) {
		json_t *c = json_object_get(item, "counter");
		const char *name = json_string_value(json_object_get(c, "name"));
		if (!name)
			continue;
		struct cd_counter x = {
			.name = cd_strdup(name),
			.rule = -1,
			.packets = (uint64_t)json_integer_value(json_object_get(c, "packets")),
			.bytes = (uint64_t)json_integer_value(json_object_get(c, "bytes")),
		};
		const char *comment = json_string_value(json_object_get(c, "comment"));
		if (comment)
			x.comment = cd_strdup(comment);
		if (name[0] == 'r' && name[1] && strspn(name + 1, "0123456789") == strlen(name + 1))
			x.rule = strtoll(name + 1, NULL, 10);
		CD_PUSH(*out, *n, cap, x);
	}
	json_decref(root);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp);
	return 0;
}

void cd_counters_free(struct cd_counter *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].comment);
	}
	free(v);
}
