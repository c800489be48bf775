/* docedit.c - a policy document's text changed in place (see docedit.h). */
#include "policy/docedit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "yaml/node.h"

/* The byte offset of a node's start: libyaml counts columns in
 * characters, so a line's UTF-8 continuation bytes are stepped over. */
static size_t offset_at(const char *t, size_t len, struct cd_loc loc)
{
	size_t o = 0;
	for (int line = 1; line < loc.line && o < len; o++)
		if (t[o] == '\n')
			line++;
	for (int col = 1; col < loc.col && o < len && t[o] != '\n';) {
		o++;
		if (o >= len || ((unsigned char)t[o] & 0xc0) != 0x80)
			col++;
	}
	return o;
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

/* Whether [a, b) holds only blanks, or blanks then a comment. */
static bool idle(const char *t, size_t a, size_t b)
{
	while (a < b && (t[a] == ' ' || t[a] == '\t' || t[a] == '\r' || t[a] == '\n'))
		a++;
	return a == b || t[a] == '#';
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
	size_t o = offset_at(t, len, root->loc);
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
		at = line_next(text, len, offset_at(text, len, root->kids[ki]->loc));
		before = at && text[at - 1] != '\n' ? "\n" : "";
	} else if (v->type != CD_NODE_SEQ) {
		cd_error(d, v->loc, "'%s' must be a list, not %s", key, cd_node_type_name(v));
		r = -EINVAL;
	} else {
		size_t o = offset_at(text, len, v->loc);
		if (o < len && text[o] == '[') {
			size_t c = o + 1;
			while (c < len && (text[c] == ' ' || text[c] == '\t'))
				c++;
			if (v->nkids || c >= len || text[c] != ']') {
				cd_error(d, v->loc, "'%s' is a list in flow style ([...]): it cannot be "
					 "edited in place; write it in block style first", key);
				r = -ENOTSUP;
			} else {           /* "key: []": the brackets go, items below */
				size_t s = o;
				while (s > 0 && text[s - 1] == ' ')
					s--;
				size_t e = line_next(text, len, c);
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
				     ? line_start(text, offset_at(text, len, root->kids[ki + 2]->loc))
				     : len;
			for (size_t s; at > o && idle(text, s = line_start(text, at - 1), at);)
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
	bool *found = cd_calloc(n + 1, sizeof(*found));
	struct edit *e = cd_calloc(n + 1, sizeof(*e));
	size_t ne = 0;
	for (size_t i = 0; r == 0 && rules && rules->type == CD_NODE_SEQ && i < rules->nkids; i++) {
		const struct cd_node *rule = rules->kids[i], *id = map_get(rule, "id", NULL);
		if (!id || id->type != CD_NODE_SCALAR)
			continue;
		char *end;
		long long v = strtoll(id->str, &end, 10);
		size_t j = 0;
		while (j < n && (*end || ids[j] != v))
			j++;
		if (j == n || found[j])
			continue;
		found[j] = true;
		const struct cd_node *m = map_get(rule, "mode", NULL);
		if (!m || m->type != CD_NODE_SCALAR || strcmp(m->str, from))
			continue;
		size_t o = offset_at(text, len, m->loc), w = written(text, len, o, m);
		if (!w) {
			cd_error(d, m->loc, "rule %lld's mode cannot be edited in place", v);
			r = -ENOTSUP;
		}
		e[ne++] = (struct edit){ o, w };
	}
	for (size_t j = 0; r == 0 && j < n; j++)
		if (!found[j]) {
			cd_error(d, rules ? rules->loc : (struct cd_loc){ name, 0, 0 },
				 "no rule has id %lld", (long long)ids[j]);
			r = -ENOENT;
		}
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
