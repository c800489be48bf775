/* read.c - the readers of located YAML nodes (read.h). */
#include "yaml/read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR(p, node, ...) cd_error((p)->d, (node)->loc, __VA_ARGS__)

/* --- scalar readers ------------------------------------------------- */

bool cd_yr_want_scalar(struct cd_yread *p, const struct cd_node *n,
			const char *what)
{
	if (n->type != CD_NODE_SCALAR) {
		ERR(p, n, "%s must be a string, not %s", what, cd_node_type_name(n));
		return false;
	}
	if (cd_node_is_null(n)) {
		ERR(p, n, "%s must not be empty", what);
		return false;
	}
	if (strlen(n->str) != n->len) {
		ERR(p, n, "%s contains a NUL byte", what);
		return false;
	}
	if (n->len > CD_YAML_STR_MAX) {
		ERR(p, n, "%s is longer than %d bytes", what, CD_YAML_STR_MAX);
		return false;
	}
	return true;
}

/* A string field; returns a new copy or NULL after an error. */
char *cd_yr_str(struct cd_yread *p, const struct cd_node *n, const char *what)
{
	return cd_yr_want_scalar(p, n, what) ? cd_strdup(n->str) : NULL;
}

bool cd_yr_bool(struct cd_yread *p, const struct cd_node *n, const char *what,
		     bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	if (n->type == CD_NODE_SCALAR && n->plain) {
		for (size_t i = 0; i < CD_ARRAY_LEN(yes); i++) {
			if (strcasecmp(n->str, yes[i]) == 0) {
				*out = true;
				return true;
			}
			if (strcasecmp(n->str, no[i]) == 0) {
				*out = false;
				return true;
			}
		}
	}
	ERR(p, n, "%s must be true or false", what);
	return false;
}

bool cd_yr_uint(struct cd_yread *p, const struct cd_node *n, const char *what,
		     uint32_t min, uint32_t max, uint32_t *out)
{
	if (n->type == CD_NODE_SCALAR && n->plain && n->len > 0 && n->len <= 10 &&
	    strspn(n->str, "0123456789") == n->len) {
		unsigned long long v = strtoull(n->str, NULL, 10);
		if (v >= min && v <= max) {
			*out = (uint32_t)v;
			return true;
		}
		ERR(p, n, "%s must be between %u and %u", what, min, max);
		return false;
	}
	ERR(p, n, "%s must be a whole number, not %s%s%s", what,
	    n->type == CD_NODE_SCALAR ? "\"" : "",
	    n->type == CD_NODE_SCALAR ? n->str : cd_node_type_name(n),
	    n->type == CD_NODE_SCALAR ? "\"" : "");
	return false;
}

/* Match a scalar against a table of words (case-insensitive). */
bool cd_yr_enum(struct cd_yread *p, const struct cd_node *n, const char *what,
		     const char *const *words, size_t nwords, int *out)
{
	if (!cd_yr_want_scalar(p, n, what))
		return false;
	for (size_t i = 0; i < nwords; i++) {
		if (strcasecmp(n->str, words[i]) == 0) {
			*out = (int)i;
			return true;
		}
	}
	struct cd_buf b;
	cd_buf_init(&b, 1024);
	for (size_t i = 0; i < nwords; i++)
		cd_buf_printf(&b, "%s%s", i ? (i + 1 == nwords ? " or " : ", ") : "",
			      words[i]);
	ERR(p, n, "%s must be %s, not \"%s\"", what, b.data, n->str);
	cd_buf_free(&b);
	return false;
}

/* A list of strings; a single string is not accepted as a list. */
bool cd_yr_strv(struct cd_yread *p, const struct cd_node *n, const char *what,
		     char ***out, size_t *nout, struct cd_loc **locs)
{
	if (n->type != CD_NODE_SEQ) {
		if (cd_node_is_null(n))
			return true;
		ERR(p, n, "%s must be a list of strings, not %s", what,
		    cd_node_type_name(n));
		return false;
	}
	bool ok = true;
	*out = cd_calloc(n->nkids, sizeof(char *));
	if (locs)
		*locs = cd_calloc(n->nkids, sizeof(struct cd_loc));
	for (size_t i = 0; i < n->nkids; i++) {
		char *s = cd_yr_str(p, n->kids[i], what);
		if (!s) {
			ok = false;
			continue;
		}
		if (locs)
			(*locs)[*nout] = n->kids[i]->loc;
		(*out)[(*nout)++] = s;
	}
	return ok;
}

/* --- mappings -------------------------------------------------------- */

/* Check that n is a mapping whose keys are all in `keys` and none is
 * repeated.  vals[i] receives the value of keys[i], or NULL. */
bool cd_yr_map(struct cd_yread *p, const struct cd_node *n, const char *what,
		       const char *const *keys, size_t nkeys,
		       const struct cd_node **vals)
{
	memset(vals, 0, nkeys * sizeof(*vals));
	if (n->type != CD_NODE_MAP) {
		ERR(p, n, "%s must be a mapping (key: value), not %s", what,
		    cd_node_type_name(n));
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i + 1 < n->nkids; i += 2) {
		const struct cd_node *k = n->kids[i];
		if (k->type != CD_NODE_SCALAR) {
			ERR(p, k, "a key of %s must be a string, not %s", what,
			    cd_node_type_name(k));
			ok = false;
			continue;
		}
		size_t j;
		for (j = 0; j < nkeys; j++)
			if (strcmp(k->str, keys[j]) == 0)
				break;
		if (j == nkeys) {
			struct cd_buf b;
			cd_buf_init(&b, 1024);
			for (size_t x = 0; x < nkeys; x++)
				cd_buf_printf(&b, "%s%s", x ? ", " : "", keys[x]);
			char shown[64];
			snprintf(shown, sizeof(shown), "%s", k->str);
			for (char *c = shown; *c; c++)
				if (!isprint((unsigned char)*c))
					*c = '?';
			ERR(p, k, "unknown key \"%s\" in %s (known keys: %s)", shown,
			    what, b.data);
			cd_buf_free(&b);
			ok = false;
			continue;
		}
		if (vals[j]) {
			ERR(p, k, "key \"%s\" repeated in %s (first at line %d)",
			    keys[j], what, vals[j]->loc.line);
			ok = false;
			continue;
		}
		vals[j] = n->kids[i + 1];
	}
	return ok;
}

bool cd_yr_want_list(struct cd_yread *p, const struct cd_node *n, const char *what)
{
	if (n->type == CD_NODE_SEQ)
		return true;
	ERR(p, n, "%s must be a list, not %s", what, cd_node_type_name(n));
	return false;
}
