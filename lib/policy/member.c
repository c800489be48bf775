/* member.c - membership bitsets, the tag index and tag-change deltas. */
#include "policy/member.h"

#include <stdlib.h>
#include <string.h>

#include "policy/sel.h"
#include "base/util.h"

static bool eval_group(const struct cd_members *m, size_t g, size_t w)
{
	const struct cd_group *grp = &m->pol->groups[g];
	if (m->exc[g] && cd_bit_get(m->exc[g], w))
		return false;
	if (m->inc[g] && cd_bit_get(m->inc[g], w))
		return true;
	return grp->match &&
	       cd_sel_eval(grp->match, &m->inv->w[w], w, m->bits);
}

struct index_ctx {
	struct cd_members *m;
	size_t g;
	size_t cap_slots;
};

static void push_unique(size_t **v, size_t *n, size_t x)
{
	if (*n && (*v)[*n - 1] == x)
		return;
	*v = cd_realloc(*v, (*n + 1) * sizeof(size_t));
	(*v)[(*n)++] = x;
}

static void index_cond(const struct cd_sel *c, void *ctx)
{
	struct index_ctx *ix = ctx;
	struct cd_members *m = ix->m;
	if (c->field == CD_F_TAG) {
		if (c->cmp == CD_CMP_EQ || c->cmp == CD_CMP_NE) {
			size_t slot;
			if (!cd_map_get(&m->tag_index, c->value, &slot)) {
				slot = m->ntag_slots++;
				cd_grow(&m->tag_groups, &ix->cap_slots, m->ntag_slots,
					sizeof(*m->tag_groups));
				m->ntag_groups = cd_realloc(m->ntag_groups,
							    ix->cap_slots * sizeof(size_t));
				m->tag_groups[slot] = NULL;
				m->ntag_groups[slot] = 0;
				cd_map_put(&m->tag_index, c->value, slot, NULL);
			}
			push_unique(&m->tag_groups[slot], &m->ntag_groups[slot], ix->g);
		} else {
			m->glob_groups = cd_realloc(m->glob_groups,
						    (m->nglob + 1) * sizeof(size_t));
			m->glob_pats = cd_realloc(m->glob_pats,
						  (m->nglob + 1) * sizeof(char *));
			m->glob_groups[m->nglob] = ix->g;
			m->glob_pats[m->nglob++] = c->value;
		}
	} else if (c->field == CD_F_GROUP) {
		for (size_t i = 0; i < c->ngroups; i++)
			push_unique(&m->dependents[c->groups[i]],
				    &m->ndependents[c->groups[i]], ix->g);
	}
}

static uint64_t *names_bits(const struct cd_members *m, const size_t *idx,
			    size_t n)
{
	if (!n)
		return NULL;
	uint64_t *b = cd_calloc(m->words, sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		cd_bit_set(b, idx[i], true);
	return b;
}

/* The bitset of workloads carrying tag t (lower case), made on demand. */
static uint64_t *tag_bitset(struct cd_members *m, const char *t, bool create)
{
	size_t slot;
	if (cd_map_get(&m->tag_bits_index, t, &slot))
		return m->tag_bits[slot];
	if (!create)
		return NULL;
	slot = m->ntag_bits;
	char *key = cd_strdup(t);
	cd_grow(&m->tag_bits, &m->tag_bits_cap, slot + 1, sizeof(*m->tag_bits));
	m->tag_bits_keys = cd_realloc(m->tag_bits_keys, m->tag_bits_cap * sizeof(char *));
	m->tag_bits[slot] = cd_calloc(m->words, sizeof(uint64_t));
	m->tag_bits_keys[slot] = key;
	m->ntag_bits++;
	cd_map_put(&m->tag_bits_index, key, slot, NULL);
	return m->tag_bits[slot];
}

static void bits_not(const struct cd_members *m, uint64_t *b)
{
	for (size_t i = 0; i < m->words; i++)
		b[i] = ~b[i];
	if (m->nwl % 64)
		b[m->words - 1] &= (UINT64_C(1) << (m->nwl % 64)) - 1;
	else if (m->nwl == 0)
		b[0] = 0;
}

/* out = the workloads that selector s selects, all at once. */
static void eval_all(struct cd_members *m, const struct cd_sel *s, uint64_t *out)
{
	size_t W = m->words;
	if (s->op == CD_SEL_NOT) {
		eval_all(m, s->l, out);
		bits_not(m, out);
		return;
	}
	if (s->op == CD_SEL_AND || s->op == CD_SEL_OR) {
		uint64_t *r = cd_malloc(W * sizeof(uint64_t));
		eval_all(m, s->l, out);
		eval_all(m, s->r, r);
		for (size_t i = 0; i < W; i++)
			out[i] = s->op == CD_SEL_AND ? out[i] & r[i] : out[i] | r[i];
		free(r);
		return;
	}
	memset(out, 0, W * sizeof(uint64_t));
	bool neg = s->cmp == CD_CMP_NE || s->cmp == CD_CMP_NGLOB;
	if (s->field == CD_F_TAG) {
		for (size_t k = 0; k < m->ntag_bits; k++) {
			bool hit = (s->cmp == CD_CMP_EQ || s->cmp == CD_CMP_NE)
					   ? strcmp(s->value, m->tag_bits_keys[k]) == 0
					   : cd_glob(s->value, m->tag_bits_keys[k]);
			if (!hit)
				continue;
			for (size_t i = 0; i < W; i++)
				out[i] |= m->tag_bits[k][i];
		}
	} else if (s->field == CD_F_GROUP) {
		for (size_t g = 0; g < s->ngroups; g++)
			for (size_t i = 0; i < W; i++)
				out[i] |= m->bits[s->groups[g]][i];
	} else {
		for (size_t w = 0; w < m->nwl; w++)
			if (cd_sel_eval(s, &m->inv->w[w], w, m->bits))
				cd_bit_set(out, w, true);
		return;   /* the comparison itself handled != and !~ */
	}
	if (neg)
		bits_not(m, out);
}

void cd_members_init(struct cd_members *m, struct cd_inventory *inv,
		     const struct cd_policy *pol)
{
	memset(m, 0, sizeof(*m));
	m->pol = pol;
	m->inv = inv;
	m->nwl = inv->n;
	m->words = CD_BITWORDS(inv->n) ? CD_BITWORDS(inv->n) : 1;
	size_t ng = pol->ngroups ? pol->ngroups : 1;
	m->bits = cd_calloc(ng, sizeof(uint64_t *));
	m->inc = cd_calloc(ng, sizeof(uint64_t *));
	m->exc = cd_calloc(ng, sizeof(uint64_t *));
	m->topo = cd_calloc(ng, sizeof(size_t));
	m->dependents = cd_calloc(ng, sizeof(size_t *));
	m->ndependents = cd_calloc(ng, sizeof(size_t));
	cd_map_init(&m->tag_index);
	cd_map_init(&m->tag_bits_index);
	for (size_t w = 0; w < m->nwl; w++)
		for (size_t t = 0; t < inv->w[w].ntags; t++)
			cd_bit_set(tag_bitset(m, inv->w[w].ltags[t], true), w, true);

	struct index_ctx ix = { .m = m };
	for (size_t g = 0; g < pol->ngroups; g++) {
		const struct cd_group *grp = &pol->groups[g];
		m->bits[g] = cd_calloc(m->words, sizeof(uint64_t));
		m->inc[g] = names_bits(m, grp->inc_idx, grp->ninc_idx);
		m->exc[g] = names_bits(m, grp->exc_idx, grp->nexc_idx);
		m->topo[pol->group_order[g]] = g;
		ix.g = g;
		cd_sel_walk(grp->match, index_cond, &ix);
	}
	for (size_t i = 0; i < pol->ngroups; i++) {
		size_t g = pol->group_order[i];
		uint64_t *b = m->bits[g];
		if (pol->groups[g].match)
			eval_all(m, pol->groups[g].match, b);
		for (size_t k = 0; k < m->words; k++) {
			if (m->inc[g])
				b[k] |= m->inc[g][k];
			if (m->exc[g])
				b[k] &= ~m->exc[g][k];
		}
	}
}

void cd_members_free(struct cd_members *m)
{
	size_t ng = m->pol ? m->pol->ngroups : 0;
	for (size_t g = 0; g < ng; g++) {
		free(m->bits[g]);
		free(m->inc[g]);
		free(m->exc[g]);
		free(m->dependents[g]);
	}
	for (size_t i = 0; i < m->ntag_slots; i++)
		free(m->tag_groups[i]);
	free(m->bits);
	free(m->inc);
	free(m->exc);
	free(m->topo);
	free(m->dependents);
	free(m->ndependents);
	free(m->tag_groups);
	free(m->ntag_groups);
	free(m->glob_groups);
	free(m->glob_pats);
	cd_map_free(&m->tag_index);
	for (size_t i = 0; i < m->ntag_bits; i++) {
		free(m->tag_bits[i]);
		free(m->tag_bits_keys[i]);
	}
	free(m->tag_bits);
	free(m->tag_bits_keys);
	cd_map_free(&m->tag_bits_index);
	memset(m, 0, sizeof(*m));
}

void cd_delta_free(struct cd_delta *delta)
{
	free(delta->v);
	memset(delta, 0, sizeof(*delta));
}

static bool has_tag(char *const *ltags, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ltags[i], t) == 0)
			return true;
	return false;
}

/* Mark the groups a change of tag t (lower case) can affect. */
static void mark_tag(struct cd_members *m, const char *t, unsigned char *hit)
{
	size_t slot;
	if (cd_map_get(&m->tag_index, t, &slot))
		for (size_t i = 0; i < m->ntag_groups[slot]; i++)
			hit[m->tag_groups[slot][i]] = 1;
	for (size_t i = 0; i < m->nglob; i++)
		if (!hit[m->glob_groups[i]] && cd_glob(m->glob_pats[i], t))
			hit[m->glob_groups[i]] = 1;
}

size_t cd_members_set_tags(struct cd_members *m, size_t w,
			   const char *const *tags, size_t n,
			   struct cd_delta *delta)
{
	struct cd_workload *wl = &m->inv->w[w];
	size_t ng = m->pol->ngroups;
	char **nt = cd_calloc(n ? n : 1, sizeof(char *));
	char **nl = cd_calloc(n ? n : 1, sizeof(char *));
	size_t nn = 0;
	for (size_t i = 0; i < n; i++) {
		char *l = cd_lower(tags[i]);
		if (has_tag(nl, nn, l)) {
			free(l);
			continue;
		}
		nl[nn] = l;
		nt[nn++] = cd_strdup(tags[i]);
	}

	/* groups touched by a tag that was added or removed */
	unsigned char stack_hit[512];
	unsigned char *hit = ng <= sizeof(stack_hit) ? stack_hit : cd_malloc(ng);
	memset(hit, 0, ng);
	bool any = false;
	for (size_t i = 0; i < nn; i++)
		if (!has_tag(wl->ltags, wl->ntags, nl[i])) {
			mark_tag(m, nl[i], hit);
			cd_bit_set(tag_bitset(m, nl[i], true), w, true);
			any = true;
		}
	for (size_t i = 0; i < wl->ntags; i++)
		if (!has_tag(nl, nn, wl->ltags[i])) {
			mark_tag(m, wl->ltags[i], hit);
			cd_bit_set(tag_bitset(m, wl->ltags[i], true), w, false);
			any = true;
		}

	for (size_t i = 0; i < wl->ntags; i++) {
		free(wl->tags[i]);
		free(wl->ltags[i]);
	}
	free(wl->tags);
	free(wl->ltags);
	wl->tags = nt;
	wl->ltags = nl;
	wl->ntags = nn;

	size_t added = 0;
	if (any) {
		/* in dependency order, so that nested groups see fresh bits */
		for (size_t i = 0; i < ng; i++) {
			size_t g = m->pol->group_order[i];
			if (!hit[g])
				continue;
			bool now = eval_group(m, g, w);
			if (now == cd_member(m, g, w))
				continue;
			cd_bit_set(m->bits[g], w, now);
			struct cd_delta_entry e = { g, w, now };
			CD_PUSH(delta->v, delta->n, delta->cap, e);
			added++;
			for (size_t j = 0; j < m->ndependents[g]; j++)
				hit[m->dependents[g][j]] = 1;
		}
	}
	if (hit != stack_hit)
		free(hit);
	return added;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **cd_members_names(const struct cd_members *m, size_t g, size_t *n)
{
	const char **v = cd_calloc(m->nwl ? m->nwl : 1, sizeof(char *));
	*n = 0;
	for (size_t w = 0; w < m->nwl; w++)
		if (cd_member(m, g, w))
			v[(*n)++] = m->inv->w[w].name;
	qsort(v, *n, sizeof(char *), cmp_names);
	return v;
}

static bool names_group(const struct cd_ref *v, size_t n, size_t g)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == CD_REF_GROUP && v[i].idx == g)
			return true;
	return false;
}

bool cd_delta_can_deny(const struct cd_policy *pol, const struct cd_delta *delta)
{
	for (size_t r = 0; r < pol->nrules; r++) {
		const struct cd_rule *ru = &pol->rules[r];
		if (ru->disabled || ru->staged)   /* a staged rule denies nothing */
			continue;
		/* the membership change that makes this rule deny more */
		bool want = ru->action != CD_ALLOW;
		for (size_t i = 0; i < delta->n; i++) {
			const struct cd_delta_entry *e = &delta->v[i];
			if (e->added == want &&
			    (names_group(ru->src, ru->nsrc, e->group) ||
			     names_group(ru->dst, ru->ndst, e->group) ||
			     names_group(ru->applied, ru->napplied, e->group)))
				return true;
		}
	}
	return false;
}
