/* docedit.h - a policy document's text changed in place.
 *
 * A recommendation and a promotion are new revisions of the operator's
 * own document: the text around what changes is kept byte for byte (its
 * comments, its order, its quoting), so that the revision's diff shows
 * only the change.  The document is read with libyaml (yaml/node.h) to
 * find where things are; the text is then cut and joined there.  What
 * cannot be edited in place (a document or list in flow style, as JSON
 * writes them) is refused with a located error, never rewritten. */
#ifndef CD_DOCEDIT_H
#define CD_DOCEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* Append items (YAML block sequence items, "- " at column 0, lines
 * ending in '\n') to the top-level list `key` of the document (the list
 * made when absent or empty), indented as its items are.  *out is the
 * new text (caller frees).  0, -ENOTSUP (flow style) or -EINVAL with d. */
int cd_doc_append(const char *name, const char *text, size_t len, const char *key,
		  const char *items, char **out, struct cd_diags *d);

/* Set `mode: MODE` of the rules of these ids where it is `mode: FROM`
 * (the key written; a rule without it is enforced).  *changed: how many
 * were.  -ENOENT with d naming an id no rule has; -ENOTSUP, -EINVAL. */
int cd_doc_set_mode(const char *name, const char *text, size_t len, const int64_t *ids,
		    size_t n, const char *from, const char *mode, char **out, size_t *changed,
		    struct cd_diags *d);

#endif
