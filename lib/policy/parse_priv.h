/* parse_priv.h - what the document parsers share (parse.c): the
 * parser's context, located errors, readers of scalars, lists and
 * mappings, and the key tables.  Not for anything outside parse*.c. */
#ifndef CD_PARSE_PRIV_H
#define CD_PARSE_PRIV_H

#include "policy/node.h"
#include "policy/parse.h"

/* What a parser of one document carries. */
struct pctx {
	struct cd_diags *d;   /* errors found */
	size_t errors;        /* errors at start, to tell whether we added */
};

#define ERR(p, node, ...) cd_error((p)->d, (node)->loc, __VA_ARGS__)

/* The keys of each mapping, as enums the compiler checks: v[RULE_ACTION]
 * is the value of key "action" (X-macros: the enum and the names cannot
 * disagree). */
#define KEY_ENUM(prefix, id, name) prefix##_##id,
#define KEY_NAME(prefix, id, name) name,
#define SCHEMA(prefix, lower, LIST)                                            \
	enum { LIST(prefix, KEY_ENUM) prefix##_NKEYS };                        \
	static const char *const lower##_keys[] = { LIST(prefix, KEY_NAME) };

/* Each reader reports what is wrong at the node's place (ERR) and
 * returns false (or NULL); what names the field in the message. */
bool cd_parse_want_scalar(struct pctx *p, const struct cd_node *n, const char *what);
char *cd_parse_str(struct pctx *p, const struct cd_node *n, const char *what);
bool cd_parse_bool(struct pctx *p, const struct cd_node *n, const char *what, bool *out);
bool cd_parse_uint(struct pctx *p, const struct cd_node *n, const char *what, uint32_t min,
		   uint32_t max, uint32_t *out);
/* One of words; *out its index. */
bool cd_parse_enum(struct pctx *p, const struct cd_node *n, const char *what,
		   const char *const *words, size_t nwords, int *out);
/* A string or a list of strings; *locs (when not NULL) where each was. */
bool cd_parse_strv(struct pctx *p, const struct cd_node *n, const char *what, char ***out,
		   size_t *nout, struct cd_loc **locs);
/* A mapping of these keys only, each once: vals[i] the value of keys[i]
 * or NULL (use the SCHEMA enums as i). */
bool cd_parse_map(struct pctx *p, const struct cd_node *n, const char *what,
		  const char *const *keys, size_t nkeys, const struct cd_node **vals);
bool cd_parse_want_list(struct pctx *p, const struct cd_node *n, const char *what);

#endif
