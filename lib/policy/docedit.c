/* docedit.c - a policy document's text changed in place (see docedit.h). */
#include "policy/docedit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "yaml/node.h"

/* A place in the text: a line's number and where it starts. */
struct cursor {
	int line;
	size_t o;
};

/* libyaml reads past a byte order mark; its marks start after it. */
static size_t bom(const char *t, size_t len)
{
	return len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* The byte offset of a node's start, from a cursor at or before its line
 * (moved to that line: the nodes of a document are met in order, and
 * the text is read once).  libyaml counts columns in characters, so a
 * line's UTF-8 continuation bytes are stepped over. */
static size_t offset_at(const char *t, size_t len, struct cursor *c, struct cd_loc loc)
{
	if (c->line < 1 || c->line > loc.line)
		*c = (struct cursor){ 1, bom(t, len) };
	size_t o = c->o;
	for (; c->line < loc.line && o < len; o++)
		if (t[o] == '\n') {
			c->line++;
			c->o = o + 1;
		}
	o = c->o;
	for (int col = 1; col < loc.col && o < len && t[o] != '\n';) {
		o++;
		if (o >= len || ((unsigned char)t[o] & 0xc0) != 0x80)
			col++;
	}
	return o;
}

/* Whether the text breaks lines otherwise than at LF or CR LF (a lone
 * CR, NEL, LS, PS: libyaml's lines would not be the ones counted here). */
static bool odd_breaks(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char a = (unsigned char)t[i];
		if ((a == '\r' && (i + 1 == len || t[i + 1] != '\n')) ||
		    (a == 0xc2 && i + 1 < len && (unsigned char)t[i + 1] == 0x85) ||
		    (a == 0xe2 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
		     ((unsigned char)t[i + 2] == 0xa8 || (unsigned char)t[i + 2] == 0xa9)))
			return true;
	}
	return false;
}

static size_t line_start(const char *t, size_t o)
{
	while (o > 0 && t[o - 1] != '\n')
		o--;
	return o;
}

/* Just past the end of the line at o (its '\n' included, when it has one). */
static size_t line_next(const char *t, size_t len, size_t o)
{
	while (o < len && t[o] != '\n')
		o++;
	return o < len ? o + 1 : o;
}

/* Whether the line [a, b) is blank, or a comment starting at a column
 * up to maxcol (0-based; one further in is a block scalar's text). */
static bool idle(const char *t, size_t a, size_t b, size_t maxcol)
{
	size_t col = 0;
	for (; a < b && (t[a] == ' ' || t[a] == '\t'); a++)
		col++;
	return a == b || t[a] == '\r' || t[a] == '\n' || (t[a] == '#' && col <= maxcol);
}

static const struct cd_node *map_get(const struct cd_node *m, const char *key, size_t *at)
{
	for (size_t i = 0; m->type == CD_NODE_MAP && i + 1 < m->nkids; i += 2)
		if (m->kids[i]->type == CD_NODE_SCALAR && !strcmp(m->kids[i]->str, key)) {
			if (at)
				*at = i;
			return m->kids[i + 1];
		}
	return NULL;
}

static int add(struct cd_buf *b, const char *p, size_t n)
{
	return cd_buf_add(b, p, n);
}

/* Each line of items, indent spaces before it. */
static int indented(struct cd_buf *b, const char *items, size_t indent)
{
	int r = 0;
	for (const char *p = items; *p && r == 0;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
		for (size_t i = 0; n > 1 && i < indent && r == 0; i++)
			r = add(b, " ", 1);
		if (r == 0)
			r = add(b, p, n);
		p += n;
	}
	return r;
}

static size_t lines_of(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A document (or its root) in flow style, as JSON writes it. */
static int flow_root(const char *name, const char *t, size_t len, const struct cd_node *root,
		     struct cd_diags *d)
{
	if (root->type != CD_NODE_MAP) {
		cd_error(d, root->loc, "a policy must be a mapping, not %s", cd_node_type_name(root));
		return -EINVAL;
	}
	if (odd_breaks(t, len)) {
		cd_error(d, (struct cd_loc){ name, 0, 0 }, "this document breaks lines with CR, NEL, "
			 "LS or PS: it cannot be edited in place; use LF (or CR LF) line ends");
		return -ENOTSUP;
	}
	struct cursor c = { 0, 0 };
	size_t o = offset_at(t, len, &c, root->loc);
	if (o < len && t[o] == '{') {
		cd_error(d, (struct cd_loc){ name, root->loc.line, root->loc.col },
			 "this document is in flow style (JSON): it cannot be edited in place; "
			 "write it in block style (YAML) first");
		return -ENOTSUP;
	}
	return 0;
}

/* What was made loads (a text a list's end misled: refused, not answered). */
static int still_loads(const char *name, struct cd_buf *b, struct cd_diags *d)
{
	struct cd_diags ignored;
	cd_diags_init(&ignored);
	struct cd_node *n = NULL;
	int r = cd_yaml_load(name, b->data ? b->data : "", b->len, &n, &ignored);
	cd_node_free(n);
	cd_diags_free(&ignored);
	if (r < 0) {
		cd_error(d, (struct cd_loc){ name, 0, 0 }, "this document cannot be edited in place "
			 "(the edit would not load)");
		return -ENOTSUP;
	}
	return 0;
}

int cd_doc_append(const char *name, const char *text, size_t len, const char *key,
		  const char *items, char **out, struct cd_diags *d)
{
	struct cd_node *root;
	if (cd_yaml_load(name, text, len, &root, d) < 0)
		return -EINVAL;
	int r = flow_root(name, text, len, root, d);
	size_t ki = 0;
	const struct cd_node *v = r == 0 ? map_get(root, key, &ki) : NULL;
	struct cd_buf b;
	cd_buf_init(&b, len + strlen(key) + strlen(items) + lines_of(items) * 64 + 64);
	size_t at = len, indent = 2;   /* where the items go, how far in */
	const char *before = "", *head = "";
	if (r < 0) {
		/* refused above */
	} else if (!v) {
		before = len && text[len - 1] != '\n' ? "\n" : "";
		head = key;                /* a new list at the end */
	} else if (v->type == CD_NODE_SCALAR && cd_node_is_null(v) && v->len == 0) {
		struct cursor c = { 0, 0 };
		at = line_next(text, len, offset_at(text, len, &c, root->kids[ki]->loc));
		before = at && text[at - 1] != '\n' ? "\n" : "";
	} else if (v->type != CD_NODE_SEQ) {
		cd_error(d, v->loc, "'%s' must be a list, not %s", key, cd_node_type_name(v));
		r = -EINVAL;
	} else {
		struct cursor cur = { 0, 0 };
		size_t o = offset_at(text, len, &cur, v->loc);
		if (o < len && text[o] == '[') {
			size_t c = o + 1;
			while (c < len && (text[c] == ' ' || text[c] == '\t'))
				c++;
			if (v->nkids || c >= len || text[c] != ']') {
				cd_error(d, v->loc, "'%s' is a list in flow style ([...]): it cannot be "
					 "edited in place; write it in block style first", key);
				r = -ENOTSUP;
			} else {           /* "key: []": the brackets go, items below */
				size_t s = o, e = line_next(text, len, c);
				/* the spaces before "[]" go when nothing follows it
				 * (a comment keeps them: "x:#" would be a key) */
				while (s > 0 && text[s - 1] == ' ' &&
				       (c + 1 == e || text[c + 1] == '\r' || text[c + 1] == '\n'))
					s--;
				r = add(&b, text, s);
				if (r == 0)
					r = add(&b, text + c + 1, e - c - 1);
				if (r == 0 && (e == c + 1 || text[e - 1] != '\n'))
					r = add(&b, "\n", 1);
				if (r == 0)
					r = indented(&b, items, 2);
				if (r == 0)
					r = add(&b, text + e, len - e);
				goto done;
			}
		} else {
			indent = (size_t)(v->loc.col - 1);
			/* after the list's last line: before the next key, and
			 * the blank and comment lines that lead to it */
			at = ki + 2 < root->nkids
				     ? line_start(text, offset_at(text, len, &cur, root->kids[ki + 2]->loc))
				     : len;
			for (size_t s; at > o && idle(text, s = line_start(text, at - 1), at, indent);)
				at = s;
			before = at && text[at - 1] != '\n' ? "\n" : "";
		}
	}
	if (r == 0)
		r = add(&b, text, at);
	if (r == 0)
		r = cd_buf_puts(&b, before);
	if (r == 0 && *head)
		r = cd_buf_printf(&b, "%s:\n", head);
	if (r == 0)
		r = indented(&b, items, indent);
	if (r == 0)
		r = add(&b, text + at, len - at);
done:
	if (r == 0)
		r = still_loads(name, &b, d);
	cd_node_free(root);
	if (r == -E2BIG)
		cd_error(d, (struct cd_loc){ name, 0, 0 }, "the edited document is too large");
	if (r < 0) {
		cd_buf_free(&b);
		return r == -E2BIG ? -EINVAL : r;
	}
	*out = b.data ? cd_buf_steal(&b) : cd_strdup("");
	return 0;
}

struct edit {
	size_t at, n;              /* the value's bytes in the text */
};

static int by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int by_at(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The bytes of scalar v as written (its quotes too), or 0 when the text
 * there is not what was read (then it is not edited). */
static size_t written(const char *t, size_t len, size_t o, const struct cd_node *v)
{
	size_t q = o < len && (t[o] == '"' || t[o] == '\'') ? 1 : 0;
	if (o + v->len + 2 * q > len || memcmp(t + o + q, v->str, v->len) ||
	    (q && t[o + q + v->len] != t[o]))
		return 0;
	return v->len + 2 * q;
}

int cd_doc_set_mode(const char *name, const char *text, size_t len, const int64_t *ids,
		    size_t n, const char *from, const char *mode, char **out, size_t *changed,
		    struct cd_diags *d)
{
	struct cd_node *root;
	if (cd_yaml_load(name, text, len, &root, d) < 0)
		return -EINVAL;
	int r = flow_root(name, text, len, root, d);
	const struct cd_node *rules = r == 0 ? map_get(root, "rules", NULL) : NULL;
	/* the ids sorted (a rule found by a search, not a scan of them) */
	int64_t *sid = cd_calloc(n + 1, sizeof(*sid));
	memcpy(sid, ids, n * sizeof(*ids));
	qsort(sid, n, sizeof(*sid), by_id);
	bool *found = cd_calloc(n + 1, sizeof(*found));
	struct edit *e = cd_calloc(n + 1, sizeof(*e));
	size_t ne = 0;
	struct cursor cur = { 0, 0 };
	for (size_t i = 0; r == 0 && rules && rules->type == CD_NODE_SEQ && i < rules->nkids; i++) {
		const struct cd_node *rule = rules->kids[i], *id = map_get(rule, "id", NULL);
		if (!id || id->type != CD_NODE_SCALAR)
			continue;
		char *end;
		int64_t v = strtoll(id->str, &end, 10);
		const int64_t *hit = *end ? NULL : bsearch(&v, sid, n, sizeof(*sid), by_id);
		if (!hit || found[hit - sid])
			continue;              /* not asked for; a second rule of an id */
		for (size_t j = (size_t)(hit - sid); j > 0 && sid[j - 1] == v; j--)
			found[j - 1] = true;
		for (size_t j = (size_t)(hit - sid); j < n && sid[j] == v; j++)
			found[j] = true;
		const struct cd_node *m = map_get(rule, "mode", NULL);
		if (!m || m->type != CD_NODE_SCALAR || strcasecmp(m->str, from))
			continue;
		size_t o = offset_at(text, len, &cur, m->loc), w = written(text, len, o, m);
		if (!w) {
			cd_error(d, m->loc, "rule %lld's mode cannot be edited in place", (long long)v);
			r = -ENOTSUP;
		}
		e[ne++] = (struct edit){ o, w };
	}
	for (size_t j = 0; r == 0 && j < n; j++)
		if (!found[j] && (j == 0 || sid[j - 1] != sid[j])) {
			cd_error(d, rules ? rules->loc : (struct cd_loc){ name, 0, 0 },
				 "no rule has id %lld", (long long)sid[j]);
			r = -ENOENT;
		}
	free(sid);
	struct cd_buf b;
	cd_buf_init(&b, len + ne * (strlen(mode) + 2) + 1);
	qsort(e, ne, sizeof(*e), by_at);
	size_t at = 0;
	for (size_t i = 0; r == 0 && i < ne; i++) {
		r = add(&b, text + at, e[i].at - at);
		if (r == 0)
			r = cd_buf_puts(&b, mode);
		at = e[i].at + e[i].n;
	}
	if (r == 0)
		r = add(&b, text + at, len - at);
	if (r == 0)
		r = still_loads(name, &b, d);
	cd_node_free(root);
	free(found);
	free(e);
	if (r < 0) {
		cd_buf_free(&b);
		return r;
	}
	*changed = ne;
	*out = b.data ? cd_buf_steal(&b) : cd_strdup("");
	return 0;
}
