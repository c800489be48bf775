/* diff.c - LCS and unified line diffs (see diff.h). */
#include "base/diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

int cd_lcs(size_t na, size_t nb, bool (*eq)(void *ctx, size_t i, size_t j), void *ctx,
	   bool *keep_a, bool *keep_b)
{
	if ((na + 1) > CD_LCS_MAX_CELLS / (nb + 1))
		return -E2BIG;
	uint32_t *L = cd_calloc((na + 1) * (nb + 1), sizeof(uint32_t));
#define AT(i, j) L[(i) * (nb + 1) + (j)]
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			AT(i, j) = eq(ctx, i, j) ? AT(i + 1, j + 1) + 1
			       : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
	memset(keep_a, 0, na * sizeof(bool));
	memset(keep_b, 0, nb * sizeof(bool));
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		if (eq(ctx, i, j)) {
			keep_a[i++] = true;
			keep_b[j++] = true;
		} else if (AT(i + 1, j) >= AT(i, j + 1)) {
			i++;
		} else {
			j++;
		}
	}
#undef AT
	free(L);
	return 0;
}

struct lines {
	const char **v;
	size_t *len;
	size_t n, cap, nlen, lcap;
};

static void split(const char *t, struct lines *l)
{
	memset(l, 0, sizeof(*l));
	for (const char *c = t; *c;) {
		size_t n = strcspn(c, "\n");
		CD_PUSH(l->v, l->n, l->cap, c);
		CD_PUSH(l->len, l->nlen, l->lcap, n);
		c += n + (c[n] == '\n');
	}
}

struct pair { struct lines *a, *b; };

static bool line_eq(void *ctx, size_t i, size_t j)
{
	struct pair *p = ctx;
	return p->a->len[i] == p->b->len[j] && !memcmp(p->a->v[i], p->b->v[j], p->a->len[i]);
}

char *cd_diff_text(const char *label_a, const char *a, const char *label_b, const char *b)
{
	struct lines la, lb;
	split(a, &la);
	split(b, &lb);
	bool *ka = cd_calloc(la.n + 1, sizeof(bool)), *kb = cd_calloc(lb.n + 1, sizeof(bool));
	struct pair p = { &la, &lb };
	/* every line is written once at most (as context, - or +), with its
	 * mark and newline, plus a hunk header per line at worst */
	struct cd_buf out;
	cd_buf_init(&out, strlen(a) + strlen(b) + strlen(label_a) + strlen(label_b) +
			  80 * (la.n + lb.n + 2));
	if (cd_lcs(la.n, lb.n, line_eq, &p, ka, kb) < 0) {
		cd_buf_printf(&out, "(%s and %s are too large to compare line by line)\n",
			      label_a, label_b);
		goto done;
	}
	/* walk both; an edit script of ' ', '-', '+' lines */
	size_t n = 0, cap = 0;
	struct op { char c; size_t ia, ib; } *ops = NULL;
	size_t i = 0, j = 0;
	while (i < la.n || j < lb.n) {
		if (i < la.n && !ka[i])
			CD_PUSH(ops, n, cap, ((struct op){ '-', i++, j }));
		else if (j < lb.n && !kb[j])
			CD_PUSH(ops, n, cap, ((struct op){ '+', i, j++ }));
		else
			CD_PUSH(ops, n, cap, ((struct op){ ' ', i++, j++ }));
	}
	bool any = false;
	for (size_t k = 0; k < n; k++)
		any |= ops[k].c != ' ';
	if (any)
		cd_buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	/* hunks: runs of changes less than seven unchanged lines apart, with
	 * three lines of context on each side */
	for (size_t k = 0; k < n;) {
		if (ops[k].c == ' ') {
			k++;
			continue;
		}
		size_t last = k;
		for (size_t x = k + 1; x < n && x <= last + 6; x++)
			if (ops[x].c != ' ')
				last = x;
		size_t s = k >= 3 ? k - 3 : 0, e = last + 4 < n ? last + 4 : n;
		size_t na = 0, nb = 0;
		for (size_t x = s; x < e; x++) {
			na += ops[x].c != '+';
			nb += ops[x].c != '-';
		}
		cd_buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", ops[s].ia + (na > 0), na,
			      ops[s].ib + (nb > 0), nb);
		for (size_t x = s; x < e; x++) {
			const struct lines *l = ops[x].c == '+' ? &lb : &la;
			size_t idx = ops[x].c == '+' ? ops[x].ib : ops[x].ia;
			cd_buf_printf(&out, "%c%.*s\n", ops[x].c, (int)l->len[idx], l->v[idx]);
		}
		k = e;
	}
	free(ops);
done:
	free(ka);
	free(kb);
	free(la.v);
	free(la.len);
	free(lb.v);
	free(lb.len);
	char *r = cd_buf_steal(&out);
	return r ? r : cd_strdup("");
}
