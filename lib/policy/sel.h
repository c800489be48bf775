/* sel.h - the group selector language (../shared/spec/policy.md §2).
 *
 *   expr  := or
 *   or    := and ("or" and)*
 *   and   := unary ("and" unary)*
 *   unary := "not" unary | "(" expr ")" | cond
 *   cond  := FIELD ("==" | "!=" | "=~" | "!~") STRING
 *   FIELD := tag | name | host | os | source | group
 *
 * Parsed by hand (recursive descent): the language is six productions and
 * a parser generator would cost more than it saves.  Values are kept in
 * lower case, so comparisons are case-insensitive. */
#ifndef CD_SEL_H
#define CD_SEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/util.h"

#define CD_SEL_MAX_LEN 4096   /* longest selector text accepted */
#define CD_SEL_MAX_DEPTH 64   /* deepest nesting of not/()/and/or */

struct cd_workload;

enum cd_sel_op { CD_SEL_OR, CD_SEL_AND, CD_SEL_NOT, CD_SEL_COND };
enum cd_sel_field {
	CD_F_TAG, CD_F_NAME, CD_F_HOST, CD_F_OS, CD_F_SOURCE, CD_F_GROUP
};
enum cd_sel_cmp { CD_CMP_EQ, CD_CMP_NE, CD_CMP_GLOB, CD_CMP_NGLOB };

struct cd_sel {
	enum cd_sel_op op;
	struct cd_sel *l, *r;    /* operands; NOT uses l only */
	enum cd_sel_field field; /* COND: the field compared */
	enum cd_sel_cmp cmp;     /* COND: the comparison */
	char *value;             /* COND: the string, lower case */
	size_t *groups;          /* COND on group: the groups it names */
	size_t ngroups;          /* (bound by resolve.c) */
	struct cd_loc loc;       /* where this node starts */
};

/* Parse text.  `at` is the position of text's first character in its
 * file.  Returns 0 or -EINVAL with located errors added to d. */
int cd_sel_parse(const char *text, struct cd_loc at, struct cd_sel **out,
		 struct cd_diags *d);
void cd_sel_free(struct cd_sel *s);

/* Evaluate for workload w (index wi).  group_bits[g] is the membership
 * bitset of group g; only the groups this selector names are read, and
 * they must be computed already. */
bool cd_sel_eval(const struct cd_sel *s, const struct cd_workload *w,
		 size_t wi, uint64_t *const *group_bits);

/* Call fn for every COND node (for indexing). */
void cd_sel_walk(const struct cd_sel *s,
		 void (*fn)(const struct cd_sel *cond, void *ctx), void *ctx);

/* Print in canonical form (for tests and `explain`). */
void cd_sel_fmt(const struct cd_sel *s, struct cd_buf *b);

#endif
