/* read.h - reading a located YAML tree (node.h) into a model: scalars,
 * lists and mappings checked, each error added to a cd_diags at the
 * node's place, naming the field.  Every document cordon reads (the
 * policy, the inventory, the alert definitions) is walked with these. */
#ifndef CD_YAML_READ_H
#define CD_YAML_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/util.h"
#include "yaml/node.h"

#define CD_YAML_STR_MAX 4096          /* longest string field */

/* What a reader of one document carries. */
struct cd_yread {
	struct cd_diags *d;   /* errors found */
	size_t errors;        /* errors at start, to tell whether we added */
};

/* The keys of each mapping, as enums the compiler checks: v[RULE_ACTION]
 * is the value of key "action" (X-macros: the enum and the names cannot
 * disagree). */
#define KEY_ENUM(prefix, id, name) prefix##_##id,
#define KEY_NAME(prefix, id, name) name,
#define SCHEMA(prefix, lower, LIST)                                            \
	enum { LIST(prefix, KEY_ENUM) prefix##_NKEYS };                        \
	static const char *const lower##_keys[] = { LIST(prefix, KEY_NAME) };

/* Each reader reports what is wrong at the node's place and returns
 * false (or NULL); what names the field in the message. */
bool cd_yr_want_scalar(struct cd_yread *p, const struct cd_node *n, const char *what);
char *cd_yr_str(struct cd_yread *p, const struct cd_node *n, const char *what);
bool cd_yr_bool(struct cd_yread *p, const struct cd_node *n, const char *what, bool *out);
bool cd_yr_uint(struct cd_yread *p, const struct cd_node *n, const char *what, uint32_t min,
		uint32_t max, uint32_t *out);
/* One of words (case-insensitive); *out its index. */
bool cd_yr_enum(struct cd_yread *p, const struct cd_node *n, const char *what,
		const char *const *words, size_t nwords, int *out);
/* A list of strings (a single string is not one); *locs (when not NULL)
 * where each was. */
bool cd_yr_strv(struct cd_yread *p, const struct cd_node *n, const char *what, char ***out,
		size_t *nout, struct cd_loc **locs);
/* A mapping of these keys only, each once: vals[i] the value of keys[i]
 * or NULL (use the SCHEMA enums as i). */
bool cd_yr_map(struct cd_yread *p, const struct cd_node *n, const char *what,
	       const char *const *keys, size_t nkeys, const struct cd_node **vals);
bool cd_yr_want_list(struct cd_yread *p, const struct cd_node *n, const char *what);

#endif
