/* sel.c - lexer, recursive-descent parser and evaluator of selectors. */
#include "policy/sel.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/model.h"
#include "base/util.h"

enum tok {
	T_END, T_ERR, T_LP, T_RP, T_AND, T_OR, T_NOT, T_FIELD, T_CMP, T_STR
};

struct lexer {
	const char *text;      /* the whole selector */
	size_t pos;            /* next byte to read */
	struct cd_loc at;      /* position of text[0] */
	struct cd_diags *d;    /* where errors go */
	int errors;            /* errors reported so far */
	/* current token */
	enum tok tok;
	size_t tpos;           /* its offset */
	enum cd_sel_field field;
	enum cd_sel_cmp cmp;
	char *str;             /* T_STR value (owned until taken) */
	int depth;
};

static struct cd_loc loc_at(const struct lexer *lx, size_t off)
{
	struct cd_loc l = lx->at;
	for (size_t i = 0; i < off && lx->text[i]; i++) {
		if (lx->text[i] == '\n') {
			l.line++;
			l.col = 1;
		} else {
			l.col++;
		}
	}
	return l;
}

static void lx_error(struct lexer *lx, size_t off, const char *fmt,
		     const char *arg)
{
	if (lx->errors++)
		return;       /* the first error of a selector is the useful one */
	cd_error(lx->d, loc_at(lx, off), fmt, arg);
}

static const char *tok_name(enum tok t)
{
	switch (t) {
	case T_END: return "end of selector";
	case T_ERR: return "invalid token";
	case T_LP: return "'('";
	case T_RP: return "')'";
	case T_AND: return "'and'";
	case T_OR: return "'or'";
	case T_NOT: return "'not'";
	case T_FIELD: return "a field name";
	case T_CMP: return "a comparison operator";
	case T_STR: return "a string";
	}
	return "?";
}

static const char *const field_names[] = {
	[CD_F_TAG] = "tag", [CD_F_NAME] = "name", [CD_F_HOST] = "host",
	[CD_F_OS] = "os", [CD_F_SOURCE] = "source", [CD_F_GROUP] = "group",
};
static const char *const cmp_names[] = {
	[CD_CMP_EQ] = "==", [CD_CMP_NE] = "!=",
	[CD_CMP_GLOB] = "=~", [CD_CMP_NGLOB] = "!~",
};

static void next(struct lexer *lx)
{
	const char *t = lx->text;
	free(lx->str);
	lx->str = NULL;
	while (t[lx->pos] && isspace((unsigned char)t[lx->pos]))
		lx->pos++;
	lx->tpos = lx->pos;
	char c = t[lx->pos];
	if (!c) {
		lx->tok = T_END;
		return;
	}
	if (c == '(' || c == ')') {
		lx->pos++;
		lx->tok = c == '(' ? T_LP : T_RP;
		return;
	}
	if ((c == '=' || c == '!') && (t[lx->pos + 1] == '=' || t[lx->pos + 1] == '~')) {
		lx->cmp = c == '=' ? (t[lx->pos + 1] == '=' ? CD_CMP_EQ : CD_CMP_GLOB)
				   : (t[lx->pos + 1] == '=' ? CD_CMP_NE : CD_CMP_NGLOB);
		lx->pos += 2;
		lx->tok = T_CMP;
		return;
	}
	if (c == '"' || c == '\'') {
		struct cd_buf b;
		cd_buf_init(&b, CD_SEL_MAX_LEN);
		size_t p = lx->pos + 1;
		for (;;) {
			char ch = t[p];
			if (!ch) {
				lx_error(lx, lx->pos, "unterminated string in selector%s", "");
				cd_buf_free(&b);
				lx->tok = T_ERR;
				return;
			}
			if (ch == c) {
				p++;
				break;
			}
			if (ch == '\\' && c == '"' && (t[p + 1] == '"' || t[p + 1] == '\\')) {
				p++;
				ch = t[p];
			}
			char lc = (char)tolower((unsigned char)ch);
			if (cd_buf_add(&b, &lc, 1) < 0) {       /* (the selector is shorter) */
				lx_error(lx, lx->pos, "string longer than the selector's limit%s", "");
				cd_buf_free(&b);
				lx->tok = T_ERR;
				return;
			}
			p++;
		}
		lx->pos = p;
		lx->str = cd_buf_steal(&b);
		lx->tok = T_STR;
		return;
	}
	if (isalpha((unsigned char)c) || c == '_') {
		size_t p = lx->pos;
		while (isalnum((unsigned char)t[p]) || t[p] == '_')
			p++;
		size_t n = p - lx->pos;
		const char *w = t + lx->pos;
		lx->pos = p;
		if (n == 3 && strncasecmp(w, "and", 3) == 0) {
			lx->tok = T_AND;
			return;
		}
		if (n == 2 && strncasecmp(w, "or", 2) == 0) {
			lx->tok = T_OR;
			return;
		}
		if (n == 3 && strncasecmp(w, "not", 3) == 0) {
			lx->tok = T_NOT;
			return;
		}
		for (size_t i = 0; i < CD_ARRAY_LEN(field_names); i++) {
			if (strlen(field_names[i]) == n &&
			    strncasecmp(w, field_names[i], n) == 0) {
				lx->field = (enum cd_sel_field)i;
				lx->tok = T_FIELD;
				return;
			}
		}
		char *word = cd_strndup(w, n > 40 ? 40 : n);
		lx_error(lx, lx->tpos,
			 "unknown field '%s' (expected tag, name, host, os, source or group)",
			 word);
		free(word);
		lx->tok = T_ERR;
		return;
	}
	char tmp[2] = { c, 0 };
	if (c == '=' || c == '!')
		lx_error(lx, lx->tpos, "unknown operator starting with '%s' (expected ==, !=, =~ or !~)", tmp);
	else if (isprint((unsigned char)c))
		lx_error(lx, lx->tpos, "unexpected character '%s' in selector", tmp);
	else
		lx_error(lx, lx->tpos, "unexpected byte in selector%s", "");
	lx->tok = T_ERR;
}

static struct cd_sel *sel_new(enum cd_sel_op op, struct cd_loc loc)
{
	struct cd_sel *s = cd_calloc(1, sizeof(*s));
	s->op = op;
	s->loc = loc;
	return s;
}

void cd_sel_free(struct cd_sel *s)
{
	if (!s)
		return;
	cd_sel_free(s->l);
	cd_sel_free(s->r);
	free(s->value);
	free(s->groups);
	free(s);
}

static void expect_error(struct lexer *lx, const char *what)
{
	if (lx->tok == T_ERR)
		return;   /* the lexer said why */
	char msg[128];
	snprintf(msg, sizeof(msg), "expected %s, found %s", what, tok_name(lx->tok));
	lx_error(lx, lx->tpos, "%s", msg);
}

static struct cd_sel *parse_or(struct lexer *lx);

static struct cd_sel *parse_unary(struct lexer *lx)
{
	struct cd_loc loc = loc_at(lx, lx->tpos);
	if (++lx->depth > CD_SEL_MAX_DEPTH) {
		lx_error(lx, lx->tpos, "selector nested more than %s levels deep", "64");
		return NULL;
	}
	struct cd_sel *s = NULL;
	if (lx->tok == T_NOT) {
		next(lx);
		struct cd_sel *x = parse_unary(lx);
		if (x) {
			s = sel_new(CD_SEL_NOT, loc);
			s->l = x;
		}
	} else if (lx->tok == T_LP) {
		next(lx);
		s = parse_or(lx);
		if (s && lx->tok != T_RP) {
			expect_error(lx, "')'");
			cd_sel_free(s);
			s = NULL;
		} else if (s) {
			next(lx);
		}
	} else if (lx->tok == T_FIELD) {
		enum cd_sel_field f = lx->field;
		next(lx);
		if (lx->tok != T_CMP) {
			expect_error(lx, "==, !=, =~ or !~ after the field name");
		} else {
			enum cd_sel_cmp c = lx->cmp;
			next(lx);
			if (lx->tok != T_STR) {
				expect_error(lx, "a quoted string after the operator");
			} else {
				s = sel_new(CD_SEL_COND, loc);
				s->field = f;
				s->cmp = c;
				s->value = lx->str;
				lx->str = NULL;
				next(lx);
			}
		}
	} else {
		expect_error(lx, "a condition such as tag == \"x\", 'not' or '('");
	}
	lx->depth--;
	return s;
}

static struct cd_sel *parse_bin(struct lexer *lx, enum tok t, enum cd_sel_op op,
				struct cd_sel *(*sub)(struct lexer *))
{
	struct cd_sel *l = sub(lx);
	while (l && lx->tok == t) {
		struct cd_loc loc = l->loc;
		next(lx);
		struct cd_sel *r = sub(lx);
		if (!r) {
			cd_sel_free(l);
			return NULL;
		}
		struct cd_sel *s = sel_new(op, loc);
		s->l = l;
		s->r = r;
		l = s;
	}
	return l;
}

static struct cd_sel *parse_and(struct lexer *lx)
{
	return parse_bin(lx, T_AND, CD_SEL_AND, parse_unary);
}

static struct cd_sel *parse_or(struct lexer *lx)
{
	return parse_bin(lx, T_OR, CD_SEL_OR, parse_and);
}

int cd_sel_parse(const char *text, struct cd_loc at, struct cd_sel **out,
		 struct cd_diags *d)
{
	*out = NULL;
	if (strlen(text) > CD_SEL_MAX_LEN) {
		cd_error(d, at, "selector longer than %d bytes", CD_SEL_MAX_LEN);
		return -EINVAL;
	}
	struct lexer lx = { .text = text, .at = at, .d = d };
	next(&lx);
	if (lx.tok == T_END) {
		cd_error(d, at, "empty selector (leave 'match' out for a group of include only)");
		return -EINVAL;
	}
	struct cd_sel *s = parse_or(&lx);
	if (s && lx.tok != T_END) {
		expect_error(&lx, "'and', 'or' or the end of the selector");
		cd_sel_free(s);
		s = NULL;
	}
	free(lx.str);
	if (!s || lx.errors) {
		cd_sel_free(s);
		if (!lx.errors)
			cd_error(d, at, "invalid selector");
		return -EINVAL;
	}
	*out = s;
	return 0;
}

static bool str_cmp(enum cd_sel_cmp c, const char *v, const char *s)
{
	if (!s)
		s = "";
	switch (c) {
	case CD_CMP_EQ: return strcmp(v, s) == 0;
	case CD_CMP_NE: return strcmp(v, s) != 0;
	case CD_CMP_GLOB: return cd_glob(v, s);
	case CD_CMP_NGLOB: return !cd_glob(v, s);
	}
	return false;
}

static bool eval_cond(const struct cd_sel *s, const struct cd_workload *w,
		      size_t wi, uint64_t *const *gb)
{
	bool neg = s->cmp == CD_CMP_NE || s->cmp == CD_CMP_NGLOB;
	bool any = false;
	switch (s->field) {
	case CD_F_NAME: return str_cmp(s->cmp, s->value, w->lname);
	case CD_F_HOST: return str_cmp(s->cmp, s->value, w->lhost);
	case CD_F_OS: return str_cmp(s->cmp, s->value, w->los);
	case CD_F_SOURCE: return str_cmp(s->cmp, s->value, w->lsource);
	case CD_F_TAG:
		for (size_t i = 0; i < w->ntags && !any; i++)
			any = (s->cmp == CD_CMP_EQ || s->cmp == CD_CMP_NE) ?
				      strcmp(s->value, w->ltags[i]) == 0 :
				      cd_glob(s->value, w->ltags[i]);
		return any != neg;
	case CD_F_GROUP:
		for (size_t i = 0; i < s->ngroups && !any; i++)
			any = cd_bit_get(gb[s->groups[i]], wi);
		return any != neg;
	}
	return false;
}

bool cd_sel_eval(const struct cd_sel *s, const struct cd_workload *w,
		 size_t wi, uint64_t *const *group_bits)
{
	switch (s->op) {
	case CD_SEL_OR:
		return cd_sel_eval(s->l, w, wi, group_bits) ||
		       cd_sel_eval(s->r, w, wi, group_bits);
	case CD_SEL_AND:
		return cd_sel_eval(s->l, w, wi, group_bits) &&
		       cd_sel_eval(s->r, w, wi, group_bits);
	case CD_SEL_NOT:
		return !cd_sel_eval(s->l, w, wi, group_bits);
	case CD_SEL_COND:
		return eval_cond(s, w, wi, group_bits);
	}
	return false;
}

void cd_sel_walk(const struct cd_sel *s,
		 void (*fn)(const struct cd_sel *cond, void *ctx), void *ctx)
{
	if (!s)
		return;
	if (s->op == CD_SEL_COND) {
		fn(s, ctx);
		return;
	}
	cd_sel_walk(s->l, fn, ctx);
	cd_sel_walk(s->r, fn, ctx);
}

static int prec(const struct cd_sel *s)
{
	switch (s->op) {
	case CD_SEL_OR: return 1;
	case CD_SEL_AND: return 2;
	case CD_SEL_NOT: return 3;
	case CD_SEL_COND: return 4;
	}
	return 4;
}

/* Print s, in parentheses when it binds less tightly than min: the
 * fewest parentheses that keep the tree (operators are left-associative,
 * so a right operand of the same operator keeps its parentheses). */
static void fmt(const struct cd_sel *s, int min, struct cd_buf *b)
{
	bool paren = prec(s) < min;
	if (paren)
		cd_buf_puts(b, "(");
	switch (s->op) {
	case CD_SEL_OR:
	case CD_SEL_AND:
		fmt(s->l, prec(s), b);
		cd_buf_puts(b, s->op == CD_SEL_OR ? " or " : " and ");
		fmt(s->r, prec(s) + 1, b);
		break;
	case CD_SEL_NOT:
		cd_buf_puts(b, "not ");
		fmt(s->l, 3, b);
		break;
	case CD_SEL_COND:
		cd_buf_printf(b, "%s %s \"", field_names[s->field], cmp_names[s->cmp]);
		/* (a full buffer fails every write after: what the caller's
		 * limit cut is cut whole) */
		for (const char *p = s->value; *p; p++) {
			if (*p == '"' || *p == '\\')
				cd_buf_puts(b, "\\");
			if (cd_buf_add(b, p, 1) < 0)
				break;
		}
		cd_buf_puts(b, "\"");
		break;
	}
	if (paren)
		cd_buf_puts(b, ")");
}

void cd_sel_fmt(const struct cd_sel *s, struct cd_buf *b)
{
	fmt(s, 0, b);
}
