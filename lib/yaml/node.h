/* node.h - a YAML document as a tree of located nodes, read with libyaml.
 *
 * The parser (parse.c) walks this tree; keeping the tree lets it report
 * every error with its position and check unknown keys in one place.
 * Limits: nesting depth CD_YAML_MAX_DEPTH; aliases are refused (they make
 * exponential documents possible and no cordon document needs them); a
 * stream must hold exactly one document. */
#ifndef CD_NODE_H
#define CD_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/diag.h"

#define CD_YAML_MAX_DEPTH 64

enum cd_node_type { CD_NODE_SCALAR, CD_NODE_SEQ, CD_NODE_MAP };

struct cd_node {
	enum cd_node_type type;  /* scalar, sequence or mapping */
	struct cd_loc loc;       /* where the node starts */
	char *str;               /* scalar: its value, NUL-terminated */
	size_t len;              /* scalar: bytes in str (may hold NULs) */
	bool plain;              /* scalar: unquoted, so null/bool/int apply */
	struct cd_node **kids;   /* seq: items; map: key, value, key, ... */
	size_t nkids;            /* entries in kids */
	size_t cap;              /* allocated entries in kids */
};

/* Parse buf (len bytes, the contents of file) into *root.  Returns 0, or
 * -EINVAL after adding located errors to d.  An empty document is an
 * error. */
int cd_yaml_load(const char *file, const char *buf, size_t len,
		 struct cd_node **root, struct cd_diags *d);
void cd_node_free(struct cd_node *n);

/* Scalar helpers. */
bool cd_node_is_null(const struct cd_node *n);  /* ~, null, empty plain */
const char *cd_node_type_name(const struct cd_node *n);

#endif
