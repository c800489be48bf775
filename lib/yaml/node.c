/* node.c - build a located node tree from libyaml's event stream. */
#include "yaml/node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/util.h"

static struct cd_node *node_new(enum cd_node_type t, const char *file,
				yaml_mark_t m)
{
	struct cd_node *n = cd_calloc(1, sizeof(*n));
	n->type = t;
	n->loc.file = file;
	n->loc.line = (int)m.line + 1;
	n->loc.col = (int)m.column + 1;
	return n;
}

void cd_node_free(struct cd_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		cd_node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

bool cd_node_is_null(const struct cd_node *n)
{
	if (!n)
		return true;
	if (n->type != CD_NODE_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	       strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	       strcmp(n->str, "NULL") == 0;
}

const char *cd_node_type_name(const struct cd_node *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case CD_NODE_SCALAR:
		return cd_node_is_null(n) ? "null" : "a scalar";
	case CD_NODE_SEQ:
		return "a list";
	case CD_NODE_MAP:
		return "a mapping";
	}
	return "?";
}

static void add_kid(struct cd_node *parent, struct cd_node *kid)
{
	CD_PUSH(parent->kids, parent->nkids, parent->cap, kid);
}

static void parser_error(const char *file, yaml_parser_t *p,
			 struct cd_diags *d)
{
	struct cd_loc loc = { file, (int)p->problem_mark.line + 1,
			      (int)p->problem_mark.column + 1 };
	const char *what = p->problem ? p->problem : "syntax error";
	if (p->context)
		cd_error(d, loc, "YAML syntax error: %s %s", what, p->context);
	else
		cd_error(d, loc, "YAML syntax error: %s", what);
}

int cd_yaml_load(const char *file, const char *buf, size_t len,
		 struct cd_node **root, struct cd_diags *d)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct cd_node *stack[CD_YAML_MAX_DEPTH + 1];
	size_t depth = 0;
	struct cd_node *top = NULL;
	int docs = 0, r = -EINVAL;
	bool done = false;

	*root = NULL;
	if (!yaml_parser_initialize(&p)) {
		cd_error(d, (struct cd_loc){ file, 1, 1 }, "cannot start YAML parser");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(file, &p, d);
			goto out;
		}
		struct cd_node *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				cd_error(d, (struct cd_loc){ file,
					(int)ev.start_mark.line + 1,
					(int)ev.start_mark.column + 1 },
					 "more than one YAML document in the file");
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			cd_error(d, (struct cd_loc){ file,
				(int)ev.start_mark.line + 1,
				(int)ev.start_mark.column + 1 },
				 "YAML aliases (*%s) are not supported",
				 (const char *)ev.data.alias.anchor);
			yaml_event_delete(&ev);
			goto out;
		case YAML_SCALAR_EVENT:
			n = node_new(CD_NODE_SCALAR, file, ev.start_mark);
			n->len = ev.data.scalar.length;
			/* take libyaml's NUL-terminated copy rather than copy it
			 * again: yaml_event_delete() then frees NULL */
			n->str = (char *)ev.data.scalar.value;
			ev.data.scalar.value = NULL;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = node_new(ev.type == YAML_SEQUENCE_START_EVENT ?
					     CD_NODE_SEQ : CD_NODE_MAP,
				     file, ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (n) {
			if (depth == 0) {
				top = n;
			} else {
				add_kid(stack[depth - 1], n);
			}
			if (n->type != CD_NODE_SCALAR) {
				if (depth >= CD_YAML_MAX_DEPTH) {
					cd_error(d, n->loc,
						 "nesting deeper than %d levels",
						 CD_YAML_MAX_DEPTH);
					yaml_event_delete(&ev);
					goto out;
				}
				stack[depth++] = n;
			}
		}
		yaml_event_delete(&ev);
	}
	if (!top) {
		cd_error(d, (struct cd_loc){ file, 1, 1 }, "the document is empty");
		goto out;
	}
	*root = top;
	top = NULL;
	r = 0;
out:
	cd_node_free(top);
	yaml_parser_delete(&p);
	return r;
}
