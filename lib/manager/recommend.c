/* recommend.c - a policy recommended from the flows seen (see
 * recommend.h). */
#define _GNU_SOURCE                /* qsort_r */
#include "manager/recommend.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "manager/store.h"
#include "policy/docedit.h"
#include "policy/member.h"

#define COVERS_NAMED 5             /* flows a rule's comment names */
/* past these, the flows are too many to recommend from (-E2BIG) */
#define REC_MAX_CLASSES 20000
#define REC_MAX_PAIRS 100000
#define REC_MAX_SERVICES 1000      /* a pair's (a port scan: not a service) */
#define REC_MAX_TEXT (16u << 20)   /* what is added: a push takes the whole */

/* A class of ends: an existing group, a new tag group, a workload or an
 * address.  in[] is its workloads (NULL for an address). */
struct cls {
	char *ref;
	bool *in;
};

/* What a source class sent to a destination class. */
struct pair {
	size_t src, dst;           /* classes */
	char **svc;                /* services seen, sorted */
	size_t nsvc, capsvc;
	size_t flows;
	double connections;
	struct cd_buf covers;      /* the first flows, named */
};

struct rec {
	const struct cd_state *st;
	size_t g;
	long *cls_of;              /* a workload's class (-1: not yet) */
	struct cls *cls;
	size_t ncls, capcls;
	struct cd_map cls_by_ref;  /* a class by its ref, and by "\1TAG" */
	struct cd_map tag_n;       /* workloads a tag (lower case), keys borrowed */
	json_t *groups;            /* the groups made: [{name, match}] */
	struct pair *pairs;
	size_t npairs, cappairs;
	struct cd_map pair_by_key;
	char **keys;               /* the maps' keys (owned) */
	size_t nkeys, capkeys;
	size_t flows;
	double connections;
};

static const char *own_key(struct rec *x, char *k)
{
	CD_PUSH(x->keys, x->nkeys, x->capkeys, k);
	return k;
}

/* The existing group whose members are exactly in[] (-1: none). */
static long group_of(const struct cd_state *st, const bool *in)
{
	for (size_t g = 0; g < st->pol.ngroups; g++) {
		size_t w = 0;
		while (w < st->inv.n && cd_member(&st->mem, g, w) == in[w])
			w++;
		if (w == st->inv.n)
			return (long)g;
	}
	return -1;
}

static size_t cls_add(struct rec *x, char *ref, bool *in)
{
	size_t i;
	if (cd_map_get(&x->cls_by_ref, ref, &i)) {
		free(ref);
		free(in);
		return i;
	}
	cd_grow(&x->cls, &x->capcls, x->ncls + 1, sizeof(*x->cls));
	x->cls[x->ncls] = (struct cls){ ref, in };
	cd_map_put(&x->cls_by_ref, own_key(x, cd_strdup(ref)), x->ncls, NULL);
	return x->ncls++;
}

static bool has_tag(const struct cd_workload *w, const char *ltag)
{
	for (size_t t = 0; t < w->ntags; t++)
		if (!strcmp(w->ltags[t], ltag))
			return true;
	return false;
}

/* Whether a group of this name was made here before. */
static bool in_made(const struct rec *x, const char *name)
{
	size_t i;
	json_t *g;
	json_array_foreach(x->groups, i, g)
		if (!strcasecmp(json_string_value(json_object_get(g, "name")), name))
			return true;
	return false;
}

/* A new group's name for a tag: "tag-" and its letters and digits, not
 * a name the policy has (nor one made before). */
static char *tag_group_name(struct rec *x, const char *ltag)
{
	struct cd_buf b;
	cd_buf_init(&b, 512);
	cd_buf_puts(&b, "tag-");
	for (const char *p = ltag; *p && b.len < 200; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if ((ok || b.data[b.len - 1] != '-') && cd_buf_add(&b, ok ? p : "-", 1) < 0)
			break;
	}
	size_t base = b.len, i;
	for (int k = 2; cd_map_get(&x->st->pol.group_by_name, b.data, &i) ||
			in_made(x, b.data); k++) {
		b.len = base;
		b.data[base] = 0;
		cd_buf_printf(&b, "-%d", k);
	}
	return cd_buf_steal(&b);
}

/* The class of workload w: its most specific tag's (one class a tag),
 * else its own. */
static size_t class_of(struct rec *x, size_t w)
{
	if (x->cls_of[w] >= 0)
		return (size_t)x->cls_of[w];
	const struct cd_state *st = x->st;
	const struct cd_workload *wl = &st->inv.w[w];
	const char *qt = st->pol.am.quarantine_tag;
	const char *best = NULL, *best_as = NULL;
	size_t best_n = 0, n, c;
	for (size_t t = 0; t < wl->ntags; t++) {
		const char *lt = wl->ltags[t];
		if ((qt && !strcasecmp(lt, qt)) || !cd_map_get(&x->tag_n, lt, &n))
			continue;
		if (!best || n < best_n || (n == best_n && strcmp(lt, best) < 0)) {
			best = lt;
			best_as = wl->tags[t];
			best_n = n;
		}
	}
	char *tkey = best ? cd_asprintf("\001%s", best) : NULL;
	if (tkey && cd_map_get(&x->cls_by_ref, tkey, &c)) {
		free(tkey);
		x->cls_of[w] = (long)c;
		return c;
	}
	bool *in = cd_calloc(st->inv.n + 1, sizeof(*in));
	for (size_t v = 0; v < st->inv.n; v++)
		in[v] = best ? has_tag(&st->inv.w[v], best) : v == w;
	long g = group_of(st, in);
	char *ref;
	if (g >= 0) {
		ref = cd_asprintf("group:%s", st->pol.groups[g].name);
	} else if (best) {
		char *name = tag_group_name(x, best);
		struct cd_buf m;
		cd_buf_init(&m, 4096);
		cd_buf_puts(&m, "tag == \"");
		for (const char *p = best_as; *p; p++)
			cd_buf_printf(&m, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
		cd_buf_puts(&m, "\"");
		json_array_append_new(x->groups, json_pack("{s:s, s:s}", "name", name, "match", m.data));
		cd_buf_free(&m);
		ref = cd_asprintf("group:%s", name);
		free(name);
	} else {
		ref = cd_asprintf("workload:%s", wl->name);
	}
	c = cls_add(x, ref, in);
	if (tkey)
		cd_map_put(&x->cls_by_ref, own_key(x, tkey), c, NULL);
	x->cls_of[w] = (long)c;
	return c;
}

/* The workload of an end: by its address, else by the record's name
 * (-1: outside the inventory). */
static long owner(const struct rec *x, const char *ip, const char *wlname)
{
	struct cd_addr a;
	const char *why;
	size_t w, v;
	if (cd_addr_parse(ip, false, &a, &why) == 0 && cd_state_owner(x->st, &a, &w, &v))
		return (long)w;
	if (wlname && cd_map_get(&x->st->inv.by_name, wlname, &w))
		return (long)w;
	return -1;
}

/* An end's class: its workload's, else the address itself. */
static size_t end_class(struct rec *x, const char *ip, long wl)
{
	return wl >= 0 ? class_of(x, (size_t)wl) : cls_add(x, cd_strdup(ip), NULL);
}

static const char *service(int proto, int port, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		snprintf(buf, len, "%s/%d", proto == IPPROTO_TCP ? "tcp" : "udp", port);
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		snprintf(buf, len, "icmp");
	else
		return NULL;       /* no service names another protocol alone */
	return buf;
}

static int one(void *arg, const struct cd_flow_key *k)
{
	struct rec *x = arg;
	char svc[32];
	if (!service(k->proto, k->port, svc, sizeof(svc)))
		return 0;
	long sw = owner(x, k->src_ip, k->src_wl), dw = owner(x, k->dst_ip, k->dst_wl);
	if (!((sw >= 0 && cd_member(&x->st->mem, x->g, (size_t)sw)) ||
	      (dw >= 0 && cd_member(&x->st->mem, x->g, (size_t)dw))))
		return 0;                  /* not G's */
	if (x->ncls >= REC_MAX_CLASSES || x->npairs >= REC_MAX_PAIRS)
		return -E2BIG;
	size_t s = end_class(x, k->src_ip, sw), d = end_class(x, k->dst_ip, dw);
	char key[64];
	snprintf(key, sizeof(key), "%zu %zu", s, d);
	size_t i;
	if (!cd_map_get(&x->pair_by_key, key, &i)) {
		cd_grow(&x->pairs, &x->cappairs, x->npairs + 1, sizeof(*x->pairs));
		i = x->npairs++;
		x->pairs[i] = (struct pair){ .src = s, .dst = d };
		cd_buf_init(&x->pairs[i].covers, 4096);
		cd_map_put(&x->pair_by_key, own_key(x, cd_strdup(key)), i, NULL);
	}
	struct pair *p = &x->pairs[i];
	size_t j = 0;
	while (j < p->nsvc && strcmp(p->svc[j], svc) < 0)
		j++;
	if (j == p->nsvc || strcmp(p->svc[j], svc)) {
		if (p->nsvc >= REC_MAX_SERVICES)
			return -E2BIG;
		cd_grow(&p->svc, &p->capsvc, p->nsvc + 1, sizeof(*p->svc));
		memmove(p->svc + j + 1, p->svc + j, (p->nsvc - j) * sizeof(*p->svc));
		p->svc[j] = cd_strdup(svc);
		p->nsvc++;
	}
	/* named as the inventory names them (a record's names are an agent's) */
	if (p->flows < COVERS_NAMED)
		cd_buf_printf(&p->covers, "%s%s -> %s %s (%.0f)", p->flows ? ", " : "",
			      sw >= 0 ? x->st->inv.w[sw].name : k->src_ip,
			      dw >= 0 ? x->st->inv.w[dw].name : k->dst_ip, svc, k->connections);
	p->flows++;
	p->connections += k->connections;
	x->flows++;
	x->connections += k->connections;
	return 0;
}

/* ---- the rules ---- */

static json_t *svc_json(const struct pair *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->nsvc; i++)
		json_array_append_new(a, json_string(p->svc[i]));
	return a;
}

static bool same_svc(const struct pair *a, const struct pair *b)
{
	if (a->nsvc != b->nsvc)
		return false;
	for (size_t i = 0; i < a->nsvc; i++)
		if (strcmp(a->svc[i], b->svc[i]))
			return false;
	return true;
}

static int by_class(const void *pa, const void *pb, void *arg)
{
	const struct pair *a = pa, *b = pb;
	const struct rec *x = arg;
	int c = strcmp(x->cls[a->src].ref, x->cls[b->src].ref);
	return c ? c : strcmp(x->cls[a->dst].ref, x->cls[b->dst].ref);
}

/* The destinations of pairs[from..to) (one source, one set of
 * services): an existing group whose members are exactly theirs, else
 * each. */
static json_t *destinations(struct rec *x, const bool *used, size_t from, size_t to)
{
	const struct cd_state *st = x->st;
	json_t *a = json_array();
	bool *in = cd_calloc(st->inv.n + 1, sizeof(*in)), classes = true;
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		if (!used[i])
			continue;
		const struct cls *c = &x->cls[x->pairs[i].dst];
		json_array_append_new(a, json_string(c->ref));
		n++;
		for (size_t w = 0; c->in && w < st->inv.n; w++)
			in[w] = in[w] || c->in[w];
		classes = classes && c->in;
	}
	long g = n > 1 && classes ? group_of(st, in) : -1;
	free(in);
	if (g >= 0) {
		json_array_clear(a);
		json_array_append_new(a, json_sprintf("group:%s", st->pol.groups[g].name));
	}
	return a;
}

/* A name snprintf may have cut: whole UTF-8 characters only. */
static void clip(char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n + 1 < cap)
		return;
	while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)s[n - 1] >= 0xc0)
		n--;
	s[n] = 0;
}

/* A reference without its kind, for a rule's name. */
static const char *bare(const char *ref)
{
	const char *c = strchr(ref, ':');
	return !strncmp(ref, "group:", 6) || !strncmp(ref, "workload:", 9) ? c + 1 : ref;
}

static void rule_text(struct cd_buf *b, json_t *r, const char *covers)
{
	char *src = json_dumps(json_object_get(r, "source"), 0);
	char *dst = json_dumps(json_object_get(r, "destination"), 0);
	char *svc = json_dumps(json_object_get(r, "service"), 0);
	char *at = json_dumps(json_object_get(r, "applied_to"), 0);
	char *name = json_dumps(json_object_get(r, "name"), JSON_ENCODE_ANY);
	cd_buf_puts(b, "# ");
	/* a comment is one line: printable ASCII only (libyaml breaks a
	 * line at NEL, LS and PS too) */
	for (const char *p = covers; *p; p++)
		cd_buf_printf(b, "%c", (unsigned char)*p < ' ' || (unsigned char)*p > '~' ? '?' : *p);
	cd_buf_printf(b, "\n- id: %lld\n  name: %s\n  category: application\n",
		      (long long)json_integer_value(json_object_get(r, "id")), name);
	if (src)
		cd_buf_printf(b, "  source: %s\n  destination: %s\n  service: %s\n", src, dst, svc);
	if (at)
		cd_buf_printf(b, "  applied_to: %s\n", at);
	cd_buf_printf(b, "  action: %s\n  mode: staged\n",
		      json_string_value(json_object_get(r, "action")));
	free(src);
	free(dst);
	free(svc);
	free(at);
	free(name);
}

/* The allow rules, then the default drop for G: as JSON (rules) and as
 * YAML items (text). */
static int rules(struct rec *x, json_t *out, struct cd_buf *text)
{
	const struct cd_state *st = x->st;
	uint32_t id = 0;
	for (size_t i = 0; i < st->pol.nrules; i++)
		id = st->pol.rules[i].id > id ? st->pol.rules[i].id : id;
	if ((uint64_t)id + x->npairs + 1 > UINT32_MAX)
		return -ERANGE;            /* the ids would pass the largest */
	const char *gname = st->pol.groups[x->g].name;
	qsort_r(x->pairs, x->npairs, sizeof(*x->pairs), by_class, x);
	bool *used = cd_calloc(x->npairs + 1, sizeof(*used)), *done = cd_calloc(x->npairs + 1, 1);
	for (size_t i = 0; i < x->npairs; i++) {
		if (done[i])
			continue;
		/* this source's pairs with the same services */
		size_t to = i, flows = 0;
		double conns = 0;
		bool more = false;
		struct cd_buf covers;
		cd_buf_init(&covers, 8192);
		while (to < x->npairs && x->pairs[to].src == x->pairs[i].src)
			to++;
		for (size_t j = i; j < to; j++) {
			used[j] = !done[j] && same_svc(&x->pairs[i], &x->pairs[j]);
			if (!used[j])
				continue;
			done[j] = true;
			flows += x->pairs[j].flows;
			more = more || x->pairs[j].flows > COVERS_NAMED;
			conns += x->pairs[j].connections;
			cd_buf_printf(&covers, "%s%s", covers.len ? ", " : "", x->pairs[j].covers.data);
		}
		char name[300], head[128];
		json_t *dst = destinations(x, used, i, to);
		snprintf(name, sizeof(name), "%s: %s to %s%s", gname,
			 bare(x->cls[x->pairs[i].src].ref), bare(json_string_value(json_array_get(dst, 0))),
			 json_array_size(dst) > 1 ? " and more" : "");
		clip(name, sizeof(name));
		json_t *r = json_pack("{s:I, s:s, s:[s], s:o, s:o, s:s, s:I, s:f}", "id",
				      (json_int_t)++id, "name", name, "source",
				      x->cls[x->pairs[i].src].ref, "destination", dst, "service",
				      svc_json(&x->pairs[i]), "action", "allow", "flows",
				      (json_int_t)flows, "connections", conns);
		if (!r) {
			cd_buf_free(&covers);
			free(used);
			free(done);
			return -EPROTO;
		}
		snprintf(head, sizeof(head), "covers %zu flow%s, %.0f connection%s: ", flows,
			 flows == 1 ? "" : "s", conns, conns == 1 ? "" : "s");
		struct cd_buf c2;
		cd_buf_init(&c2, 16384);
		cd_buf_printf(&c2, "%s%s%s", head, covers.data ? covers.data : "",
			      more || covers.full ? ", ..." : "");
		rule_text(text, r, c2.data);
		cd_buf_free(&c2);
		cd_buf_free(&covers);
		json_array_append_new(out, r);
		memset(used, 0, x->npairs * sizeof(*used));
	}
	free(used);
	free(done);
	char name[300];
	snprintf(name, sizeof(name), "%s: default drop", gname);
	clip(name, sizeof(name));
	json_t *r = json_pack("{s:I, s:s, s:[o], s:s}", "id", (json_int_t)++id, "name", name,
			      "applied_to", json_sprintf("group:%s", gname), "action", "drop");
	char covers[400];
	snprintf(covers, sizeof(covers), "everything else to and from the members of %s", gname);
	if (!r)
		return -EPROTO;
	rule_text(text, r, covers);
	json_array_append_new(out, r);
	return 0;
}

/* ---- the document ---- */

static void rec_free(struct rec *x)
{
	for (size_t i = 0; i < x->ncls; i++) {
		free(x->cls[i].ref);
		free(x->cls[i].in);
	}
	free(x->cls);
	for (size_t i = 0; i < x->npairs; i++) {
		for (size_t j = 0; j < x->pairs[i].nsvc; j++)
			free(x->pairs[i].svc[j]);
		free(x->pairs[i].svc);
		cd_buf_free(&x->pairs[i].covers);
	}
	free(x->pairs);
	cd_map_free(&x->cls_by_ref);
	cd_map_free(&x->pair_by_key);
	cd_map_free(&x->tag_n);
	for (size_t i = 0; i < x->nkeys; i++)
		free(x->keys[i]);
	free(x->keys);
	free(x->cls_of);
	json_decref(x->groups);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* The groups made, in order of their names. */
static void sort_groups(json_t *groups)
{
	size_t n = json_array_size(groups);
	json_t **v = cd_calloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(groups, i));
	qsort(v, n, sizeof(*v), by_name);
	json_array_clear(groups);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(groups, v[i]);
	free(v);
}

static char *groups_text(json_t *groups)
{
	struct cd_buf b;
	cd_buf_init(&b, 64u << 20);
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g) {
		char *name = json_dumps(json_object_get(g, "name"), JSON_ENCODE_ANY);
		char *match = json_dumps(json_object_get(g, "match"), JSON_ENCODE_ANY);
		cd_buf_printf(&b, "# made for a recommendation: the workloads of one tag\n"
			      "- name: %s\n  match: %s\n", name, match);
		free(name);
		free(match);
	}
	return b.data ? cd_buf_steal(&b) : cd_strdup("");
}

int cd_mgr_policy_recommend(struct cd_mgr *m, const char *group, int64_t since, int64_t until,
			    json_t **out, struct cd_diags *d)
{
	const struct cd_state *st = cd_mgr_state(m);
	struct rec x = { .st = st };
	if (!cd_map_get(&st->pol.group_by_name, group, &x.g))
		return -ENOENT;
	x.cls_of = cd_calloc(st->inv.n + 1, sizeof(*x.cls_of));
	for (size_t w = 0; w < st->inv.n; w++)
		x.cls_of[w] = -1;
	cd_map_init_exact(&x.cls_by_ref);
	cd_map_init_exact(&x.pair_by_key);
	cd_map_init_exact(&x.tag_n);
	for (size_t w = 0; w < st->inv.n; w++)
		for (size_t t = 0; t < st->inv.w[w].ntags; t++) {
			size_t *n = cd_map_ref(&x.tag_n, st->inv.w[w].ltags[t]);
			if (n)
				++*n;
			else
				cd_map_put(&x.tag_n, st->inv.w[w].ltags[t], 1, NULL);
		}
	x.groups = json_array();
	/* the flows that ran: allowed, and those a staged rule let through */
	static const char *const ran[] = { "allowed", "would-drop", "would-reject" };
	int r = 0;
	for (size_t v = 0; r == 0 && v < CD_ARRAY_LEN(ran); v++) {
		struct cd_flow_filter f = { .since = since, .until = until, .proto = -1, .rule = -1,
					    .verdict = ran[v], .dedupe = true };
		r = cd_store_flow_keys(m->store, &f, one, &x);
	}
	json_t *rj = json_array();
	struct cd_buf items;
	cd_buf_init(&items, REC_MAX_TEXT);
	if (r == 0)
		r = rules(&x, rj, &items);
	sort_groups(x.groups);
	char *gtext = groups_text(x.groups), *mid = NULL, *doc = NULL;
	const char *now = cd_mgr_policy_text(m);
	if (!now || !*now)
		now = "default_action: allow\n";   /* before a first policy */
	if (r == 0 && items.full)
		r = -E2BIG;
	if (r == 0 && *gtext)
		r = cd_doc_append("policy", now, strlen(now), "groups", gtext, &mid, d);
	if (r == 0)
		r = cd_doc_append("recommended policy", mid ? mid : now, strlen(mid ? mid : now),
				  "rules", items.data ? items.data : "", &doc, d);
	struct cd_state *check = NULL;
	if (r == 0 && cd_mgr_build(&check, cd_mgr_inventory(m), "recommended policy", doc,
				   strlen(doc), d) < 0)
		r = -EPROTO;               /* a defect here: the text made does not load */
	if (check)
		cd_mgr_state_drop(check);
	if (r == 0)
		*out = json_pack("{s:s, s:s, s:I, s:o, s:O, s:I, s:f}", "document", doc, "group",
				 st->pol.groups[x.g].name, "base_revision",
				 (json_int_t)cd_mgr_policy_rev(m), "rules", rj, "groups", x.groups,
				 "flows", (json_int_t)x.flows, "connections", x.connections);
	else
		json_decref(rj);
	cd_buf_free(&items);
	free(gtext);
	free(mid);
	free(doc);
	rec_free(&x);
	return r;
}
