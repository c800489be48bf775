/* parse.c - walk YAML node trees into the model, with located errors. */
#include "policy/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sel.h"
#include "policy/node.h"

/* What a parser of one document carries. */
struct pctx {
	struct cd_diags *d;   /* errors found */
	size_t errors;        /* errors at start, to tell whether we added */
};

#define ERR(p, node, ...) cd_error((p)->d, (node)->loc, __VA_ARGS__)

/* --- scalar readers ------------------------------------------------- */

static bool want_scalar(struct pctx *p, const struct cd_node *n,
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
	if (n->len > CD_STR_MAX) {
		ERR(p, n, "%s is longer than %d bytes", what, CD_STR_MAX);
		return false;
	}
	return true;
}

/* A string field; returns a new copy or NULL after an error. */
static char *get_str(struct pctx *p, const struct cd_node *n, const char *what)
{
	return want_scalar(p, n, what) ? cd_strdup(n->str) : NULL;
}

static bool get_bool(struct pctx *p, const struct cd_node *n, const char *what,
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

static bool get_uint(struct pctx *p, const struct cd_node *n, const char *what,
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
static bool get_enum(struct pctx *p, const struct cd_node *n, const char *what,
		     const char *const *words, size_t nwords, int *out)
{
	if (!want_scalar(p, n, what))
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
static bool get_strv(struct pctx *p, const struct cd_node *n, const char *what,
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
		char *s = get_str(p, n->kids[i], what);
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
static bool map_fields(struct pctx *p, const struct cd_node *n, const char *what,
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

static bool want_list(struct pctx *p, const struct cd_node *n, const char *what)
{
	if (n->type == CD_NODE_SEQ)
		return true;
	ERR(p, n, "%s must be a list, not %s", what, cd_node_type_name(n));
	return false;
}

/* --- shared syntax --------------------------------------------------- */

int cd_parse_svc(const char *s, struct cd_svc *out, const char **why)
{
	static const struct { const char *name; enum cd_proto p; } protos[] = {
		{ "any", CD_PROTO_ANY }, { "tcp", CD_PROTO_TCP },
		{ "udp", CD_PROTO_UDP }, { "icmp", CD_PROTO_ICMP },
	};
	const char *slash = strchr(s, '/');
	size_t plen = slash ? (size_t)(slash - s) : strlen(s);
	memset(out, 0, sizeof(*out));
	size_t i;
	for (i = 0; i < CD_ARRAY_LEN(protos); i++)
		if (strlen(protos[i].name) == plen &&
		    strncasecmp(s, protos[i].name, plen) == 0)
			break;
	if (i == CD_ARRAY_LEN(protos)) {
		*why = "unknown protocol (expected tcp, udp, icmp or any)";
		return -EINVAL;
	}
	out->proto = protos[i].p;
	if (!slash)
		return 0;
	if (out->proto != CD_PROTO_TCP && out->proto != CD_PROTO_UDP) {
		*why = "only tcp and udp take ports";
		return -EINVAL;
	}
	const char *q = slash + 1;
	unsigned long v[2];
	int nv = 0;
	for (;;) {
		size_t dl = strspn(q, "0123456789");
		if (dl == 0 || dl > 5) {
			*why = "port is not a number from 1 to 65535";
			return -EINVAL;
		}
		v[nv++] = strtoul(q, NULL, 10);
		if (v[nv - 1] < 1 || v[nv - 1] > 65535) {
			*why = "port is not a number from 1 to 65535";
			return -EINVAL;
		}
		q += dl;
		if (*q == '-' && nv == 1) {
			q++;
			continue;
		}
		break;
	}
	if (*q) {
		*why = "unexpected text after the port (expected PROTO/PORT or PROTO/LOW-HIGH)";
		return -EINVAL;
	}
	out->lo = (uint16_t)v[0];
	out->hi = (uint16_t)(nv == 2 ? v[1] : v[0]);
	if (out->lo > out->hi) {
		*why = "port range is reversed (low is above high)";
		return -EINVAL;
	}
	return 0;
}

int cd_parse_ref(const char *s, bool applied_to, struct cd_ref *out,
		 const char **why)
{
	static const struct { const char *pfx; enum cd_ref_kind k; } kinds[] = {
		{ "group:", CD_REF_GROUP }, { "workload:", CD_REF_WORKLOAD },
		{ "ipset:", CD_REF_IPSET },
	};
	memset(out, 0, sizeof(*out));
	if (strcasecmp(s, "any") == 0) {
		out->kind = CD_REF_ANY;
		return 0;
	}
	for (size_t i = 0; i < CD_ARRAY_LEN(kinds); i++) {
		size_t n = strlen(kinds[i].pfx);
		if (strncasecmp(s, kinds[i].pfx, n) != 0)
			continue;
		if (!s[n]) {
			*why = "reference has no name after the colon";
			return -EINVAL;
		}
		if (applied_to && kinds[i].k == CD_REF_IPSET) {
			*why = "applied_to takes only any, group: and workload:";
			return -EINVAL;
		}
		out->kind = kinds[i].k;
		out->name = cd_strdup(s + n);
		return 0;
	}
	if (applied_to) {
		*why = "applied_to takes only any, group:NAME and workload:NAME";
		return -EINVAL;
	}
	const char *w;
	if (cd_addr_parse(s, true, &out->addr, &w) < 0) {
		bool addrlike = strspn(s, "0123456789abcdefABCDEF:./") == strlen(s);
		*why = addrlike ? w : "unknown reference (expected any, group:NAME, "
				      "workload:NAME, ipset:NAME, an address or a CIDR)";
		return -EINVAL;
	}
	out->kind = CD_REF_ADDR;
	return 0;
}

/* --- inventory ------------------------------------------------------- */

static bool valid_ifname(const char *s, const char **why)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15) {
		*why = "interface names are 1 to 15 bytes long";
		return false;
	}
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		*why = "\".\" and \"..\" are not interface names";
		return false;
	}
	for (const char *c = s; *c; c++) {
		if (*c == '/' || *c == ':' || *c == '"' || *c == '\\' ||
		    isspace((unsigned char)*c) || !isprint((unsigned char)*c)) {
			*why = "interface names have no '/', ':', quotes, spaces or control bytes";
			return false;
		}
	}
	return true;
}

static bool valid_mac(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static void parse_vnic(struct pctx *p, const struct cd_node *n,
		       struct cd_workload *w, size_t wi)
{
	static const char *const keys[] = { "ifname", "mac", "ips" };
	const struct cd_node *v[3];
	struct cd_vnic vn = { .wl = wi, .loc = n->loc };
	if (!map_fields(p, n, "vnic", keys, 3, v))
		return;
	const char *why;
	if (!v[0])
		ERR(p, n, "vnic has no ifname");
	else if ((vn.ifname = get_str(p, v[0], "ifname")) &&
		 !valid_ifname(vn.ifname, &why))
		ERR(p, v[0], "bad ifname \"%s\": %s", vn.ifname, why);
	if (v[1] && (vn.mac = get_str(p, v[1], "mac")) && !valid_mac(vn.mac))
		ERR(p, v[1], "bad mac \"%s\" (expected six hex bytes as 52:54:00:12:34:56)",
		    vn.mac);
	if (v[2] && v[2]->type == CD_NODE_SEQ) {
		vn.ips = cd_calloc(v[2]->nkids, sizeof(*vn.ips));
		for (size_t i = 0; i < v[2]->nkids; i++) {
			const struct cd_node *a = v[2]->kids[i];
			if (!want_scalar(p, a, "ip"))
				continue;
			if (cd_addr_parse(a->str, false, &vn.ips[vn.nips], &why) < 0) {
				ERR(p, a, "bad address \"%s\": %s", a->str,
				    strchr(a->str, '/') ? "vNIC addresses have no prefix length" : why);
				continue;
			}
			vn.nips++;
		}
	} else if (v[2] && !cd_node_is_null(v[2])) {
		ERR(p, v[2], "ips must be a list of addresses, not %s",
		    cd_node_type_name(v[2]));
	}
	w->vnics = cd_realloc(w->vnics, (w->nvnics + 1) * sizeof(*w->vnics));
	w->vnics[w->nvnics++] = vn;
}

static void parse_workload(struct pctx *p, const struct cd_node *n,
			   struct cd_inventory *inv)
{
	static const char *const keys[] = { "name", "id", "host", "os",
					    "source", "tags", "vnics" };
	const struct cd_node *v[7];
	if (!map_fields(p, n, "workload", keys, 7, v))
		return;
	struct cd_workload w = { .loc = n->loc };
	size_t wi = inv->n;
	if (!v[0])
		ERR(p, n, "workload has no name");
	else
		w.name = get_str(p, v[0], "name");
	if (v[1])
		w.id = get_str(p, v[1], "id");
	if (!v[2])
		ERR(p, n, "workload %s%s%shas no host", w.name ? "\"" : "",
		    w.name ? w.name : "", w.name ? "\" " : "");
	else
		w.host = get_str(p, v[2], "host");
	if (v[3] && !cd_node_is_null(v[3]))
		w.os = get_str(p, v[3], "os");
	if (v[4] && !cd_node_is_null(v[4]))
		w.source = get_str(p, v[4], "source");
	if (v[5]) {
		char **tags = NULL;
		size_t nt = 0;
		get_strv(p, v[5], "tags", &tags, &nt, NULL);
		w.tags = cd_calloc(nt ? nt : 1, sizeof(char *));
		w.ltags = cd_calloc(nt ? nt : 1, sizeof(char *));
		for (size_t i = 0; i < nt; i++) {
			char *l = cd_lower(tags[i]);
			bool dup = false;
			for (size_t j = 0; j < w.ntags && !dup; j++)
				dup = strcmp(w.ltags[j], l) == 0;
			if (dup) {
				free(l);
				free(tags[i]);
				continue;
			}
			w.ltags[w.ntags] = l;
			w.tags[w.ntags++] = tags[i];
		}
		free(tags);
	}
	if (v[6] && want_list(p, v[6], "vnics"))
		for (size_t i = 0; i < v[6]->nkids; i++)
			parse_vnic(p, v[6]->kids[i], &w, wi);
	if (!w.id && w.name)
		w.id = cd_strdup(w.name);
	w.lname = cd_lower(w.name ? w.name : "");
	w.lhost = cd_lower(w.host ? w.host : "");
	w.los = cd_lower(w.os ? w.os : "");
	w.lsource = cd_lower(w.source ? w.source : "");
	CD_PUSH(inv->w, inv->n, inv->cap, w);
}

/* Cross-workload checks: unique names, ids, ifnames per host, addresses. */
static void check_inventory(struct pctx *p, struct cd_inventory *inv)
{
	struct cd_map ids, ifs, ips;
	cd_map_init(&ids);
	cd_map_init_exact(&ifs);   /* Linux ifnames are case-sensitive */
	cd_map_init(&ips);
	char **keys = NULL;
	size_t nkeys = 0, capkeys = 0;
	for (size_t i = 0; i < inv->n; i++) {
		struct cd_workload *w = &inv->w[i];
		size_t old;
		bool dup = false;
		if (w->name && !cd_map_put(&inv->by_name, w->name, i, &old)) {
			cd_error(p->d, w->loc,
				 "duplicate workload name \"%s\" (names are case-insensitive; first at line %d)",
				 w->name, inv->w[old].loc.line);
			dup = true;
		}
		if (w->id && !dup && !cd_map_put(&ids, w->id, i, &old))
			cd_error(p->d, w->loc,
				 "duplicate workload id \"%s\" (first at line %d)",
				 w->id, inv->w[old].loc.line);
		for (size_t j = 0; j < w->nvnics; j++) {
			struct cd_vnic *vn = &w->vnics[j];
			if (vn->ifname && w->host) {
				char *k = cd_asprintf("%s\n%s", w->lhost, vn->ifname);
				CD_PUSH(keys, nkeys, capkeys, k);
				if (!cd_map_put(&ifs, k, i, &old))
					cd_error(p->d, vn->loc,
						 "ifname \"%s\" is used twice on host \"%s\" (also by workload \"%s\")",
						 vn->ifname, w->host, inv->w[old].name);
			}
			for (size_t a = 0; a < vn->nips; a++) {
				char buf[CD_ADDR_STRLEN];
				char *k = cd_strdup(cd_addr_fmt(&vn->ips[a], buf));
				CD_PUSH(keys, nkeys, capkeys, k);
				if (!cd_map_put(&ips, k, i, &old))
					cd_error(p->d, vn->loc,
						 "address %s is used twice (also by workload \"%s\"); addresses must identify one vNIC",
						 buf, inv->w[old].name);
			}
		}
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	cd_map_free(&ids);
	cd_map_free(&ifs);
	cd_map_free(&ips);
}

int cd_parse_inventory(const char *file, const char *buf, size_t len,
		       struct cd_inventory *inv, struct cd_diags *d)
{
	struct pctx p = { .d = d, .errors = cd_nerrors(d) };
	struct cd_node *root;
	inv->file = file;
	if (cd_yaml_load(file, buf, len, &root, d) < 0)
		return -EINVAL;
	static const char *const keys[] = { "workloads" };
	const struct cd_node *v[1];
	if (map_fields(&p, root, "the inventory", keys, 1, v)) {
		if (!v[0])
			ERR(&p, root, "the inventory has no \"workloads\" list");
		else if (v[0]->type == CD_NODE_SEQ)
			for (size_t i = 0; i < v[0]->nkids; i++)
				parse_workload(&p, v[0]->kids[i], inv);
		else if (!cd_node_is_null(v[0]))
			want_list(&p, v[0], "workloads");
	}
	check_inventory(&p, inv);
	cd_node_free(root);
	return cd_nerrors(d) > p.errors ? -EINVAL : 0;
}

/* --- policy ---------------------------------------------------------- */

static void parse_ipset(struct pctx *p, const struct cd_node *n,
			struct cd_policy *pol)
{
	static const char *const keys[] = { "name", "addresses" };
	const struct cd_node *v[2];
	if (!map_fields(p, n, "ipset", keys, 2, v))
		return;
	struct cd_ipset s = { .loc = n->loc };
	if (!v[0])
		ERR(p, n, "ipset has no name");
	else
		s.name = get_str(p, v[0], "ipset name");
	if (v[1] && want_list(p, v[1], "addresses")) {
		s.addrs = cd_calloc(v[1]->nkids, sizeof(*s.addrs));
		for (size_t i = 0; i < v[1]->nkids; i++) {
			const struct cd_node *a = v[1]->kids[i];
			const char *why;
			if (!want_scalar(p, a, "address"))
				continue;
			if (cd_addr_parse(a->str, true, &s.addrs[s.n], &why) < 0)
				ERR(p, a, "bad address or CIDR \"%s\": %s", a->str, why);
			else
				s.n++;
		}
	}
	if (s.name) {
		size_t old;
		if (!cd_map_put(&pol->ipset_by_name, s.name, pol->nipsets, &old))
			ERR(p, n, "duplicate ipset name \"%s\" (first at line %d)",
			    s.name, pol->ipsets[old].loc.line);
	}
	CD_PUSH(pol->ipsets, pol->nipsets, pol->ipsets_cap, s);
}

static void parse_service(struct pctx *p, const struct cd_node *n,
			  struct cd_policy *pol)
{
	static const char *const keys[] = { "name", "entries" };
	const struct cd_node *v[2];
	if (!map_fields(p, n, "service", keys, 2, v))
		return;
	struct cd_service s = { .loc = n->loc };
	if (!v[0])
		ERR(p, n, "service has no name");
	else
		s.name = get_str(p, v[0], "service name");
	if (!v[1])
		ERR(p, n, "service has no entries");
	else if (want_list(p, v[1], "entries")) {
		s.e = cd_calloc(v[1]->nkids, sizeof(*s.e));
		for (size_t i = 0; i < v[1]->nkids; i++) {
			const struct cd_node *e = v[1]->kids[i];
			const char *why;
			if (!want_scalar(p, e, "service entry"))
				continue;
			if (cd_parse_svc(e->str, &s.e[s.n], &why) < 0)
				ERR(p, e, "bad service entry \"%s\": %s", e->str, why);
			else
				s.n++;
		}
		if (v[1]->nkids == 0)
			ERR(p, v[1], "service has an empty entries list");
	}
	if (s.name) {
		size_t old;
		if (!cd_map_put(&pol->service_by_name, s.name, pol->nservices, &old))
			ERR(p, n, "duplicate service name \"%s\" (first at line %d)",
			    s.name, pol->services[old].loc.line);
	}
	CD_PUSH(pol->services, pol->nservices, pol->services_cap, s);
}

static void parse_group(struct pctx *p, const struct cd_node *n,
			struct cd_policy *pol)
{
	static const char *const keys[] = { "name", "match", "include", "exclude" };
	const struct cd_node *v[4];
	if (!map_fields(p, n, "group", keys, 4, v))
		return;
	struct cd_group g = { .loc = n->loc };
	if (!v[0])
		ERR(p, n, "group has no name");
	else
		g.name = get_str(p, v[0], "group name");
	if (v[1] && !cd_node_is_null(v[1]) && want_scalar(p, v[1], "match")) {
		struct cd_loc at = v[1]->loc;
		if (!v[1]->plain)
			at.col++;   /* past the opening quote */
		cd_sel_parse(v[1]->str, at, &g.match, p->d);
	}
	if (v[2])
		get_strv(p, v[2], "include", &g.include, &g.ninclude, &g.include_loc);
	if (v[3])
		get_strv(p, v[3], "exclude", &g.exclude, &g.nexclude, &g.exclude_loc);
	if (g.name) {
		size_t old;
		if (!cd_map_put(&pol->group_by_name, g.name, pol->ngroups, &old))
			ERR(p, n, "duplicate group name \"%s\" (names are case-insensitive; first at line %d)",
			    g.name, pol->groups[old].loc.line);
	}
	CD_PUSH(pol->groups, pol->ngroups, pol->groups_cap, g);
}

static void parse_refs(struct pctx *p, const struct cd_node *n, const char *what,
		       bool applied_to, struct cd_ref **out, size_t *nout)
{
	if (!n || cd_node_is_null(n) || !want_list(p, n, what) || n->nkids == 0) {
		if (n && n->type == CD_NODE_SEQ && n->nkids == 0)
			ERR(p, n, "%s is an empty list (leave it out for [any])", what);
		*out = cd_calloc(1, sizeof(**out));
		(*out)->kind = CD_REF_ANY;
		*nout = 1;
		return;
	}
	*out = cd_calloc(n->nkids, sizeof(**out));
	*nout = 0;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct cd_node *e = n->kids[i];
		const char *why;
		if (!want_scalar(p, e, what))
			continue;
		struct cd_ref *r = &(*out)[*nout];
		if (cd_parse_ref(e->str, applied_to, r, &why) < 0) {
			ERR(p, e, "bad %s entry \"%s\": %s", what, e->str, why);
			continue;
		}
		r->loc = e->loc;
		(*nout)++;
	}
	if (*nout == 0) {   /* every entry was bad: keep [any] for the model */
		(*out)[0] = (struct cd_ref){ .kind = CD_REF_ANY };
		*nout = 1;
	}
}

static void parse_rule(struct pctx *p, const struct cd_node *n,
		       struct cd_policy *pol)
{
	static const char *const keys[] = {
		"id", "name", "category", "source", "destination", "service",
		"action", "direction", "applied_to", "disabled", "log" };
	static const char *const cats[] = { "emergency", "infrastructure",
					    "environment", "application" };
	static const char *const acts[] = { "allow", "drop", "reject" };
	static const char *const dirs[] = { "in", "out", "in_out" };
	const struct cd_node *v[11];
	if (!map_fields(p, n, "rule", keys, 11, v))
		return;
	struct cd_rule r = { .loc = n->loc, .category = CD_CAT_APPLICATION,
			     .direction = CD_DIR_IN_OUT, .order = pol->nrules };
	int e;
	if (!v[0])
		ERR(p, n, "rule has no id");
	else
		get_uint(p, v[0], "rule id", 1, UINT32_MAX, &r.id);
	if (v[1] && !cd_node_is_null(v[1]))
		r.name = get_str(p, v[1], "rule name");
	if (v[2] && get_enum(p, v[2], "category", cats, 4, &e))
		r.category = (enum cd_category)e;
	parse_refs(p, v[3], "source", false, &r.src, &r.nsrc);
	parse_refs(p, v[4], "destination", false, &r.dst, &r.ndst);
	if (v[5] && !cd_node_is_null(v[5])) {
		get_strv(p, v[5], "service", &r.svc_raw, &r.nsvc_raw, &r.svc_raw_loc);
		if (v[5]->type == CD_NODE_SEQ && v[5]->nkids == 0)
			ERR(p, v[5], "service is an empty list (leave it out for [any])");
	}
	if (!v[6])
		ERR(p, n, "rule %u has no action (allow, drop or reject)", r.id);
	else if (get_enum(p, v[6], "action", acts, 3, &e))
		r.action = (enum cd_action)e;
	if (v[7] && get_enum(p, v[7], "direction", dirs, 3, &e))
		r.direction = e == 0 ? CD_DIR_IN : e == 1 ? CD_DIR_OUT : CD_DIR_IN_OUT;
	parse_refs(p, v[8], "applied_to", true, &r.applied, &r.napplied);
	if (v[9])
		get_bool(p, v[9], "disabled", &r.disabled);
	if (v[10])
		get_bool(p, v[10], "log", &r.log);
	for (size_t i = 0; i < pol->nrules && r.id; i++) {
		if (pol->rules[i].id == r.id) {
			ERR(p, v[0], "duplicate rule id %u (first at line %d)", r.id,
			    pol->rules[i].loc.line);
			break;
		}
	}
	CD_PUSH(pol->rules, pol->nrules, pol->rules_cap, r);
}

static void parse_antimalware(struct pctx *p, const struct cd_node *n,
			      struct cd_policy *pol)
{
	static const char *const keys[] = {
		"quarantine_tag", "tag_only_if_remediation_fails",
		"remove_tag_on_clean_full_scan", "action", "event_delivery",
		"heartbeat_seconds", "exclude_paths", "full_scan_interval_hours", "release" };
	static const char *const acts[] = { "quarantine_file", "delete", "report" };
	static const char *const dels[] = { "immediate", "heartbeat" };
	static const char *const rels[] = { "scan", "operator" };
	const struct cd_node *v[9];
	struct cd_antimalware *am = &pol->am;
	int e;
	if (!map_fields(p, n, "antimalware", keys, 9, v))
		return;
	if (v[8] && get_enum(p, v[8], "release", rels, 2, &e))
		am->release = (enum cd_am_release)e;
	if (v[7])
		get_uint(p, v[7], "full_scan_interval_hours", 0, 8760, &am->full_scan_interval_hours);
	if (v[0]) {
		char *t = get_str(p, v[0], "quarantine_tag");
		if (t) {
			free(am->quarantine_tag);
			am->quarantine_tag = t;
		}
	}
	if (v[1])
		get_bool(p, v[1], "tag_only_if_remediation_fails",
			 &am->tag_only_if_remediation_fails);
	if (v[2])
		get_bool(p, v[2], "remove_tag_on_clean_full_scan",
			 &am->remove_tag_on_clean_full_scan);
	if (v[3] && get_enum(p, v[3], "antimalware action", acts, 3, &e))
		am->action = (enum cd_am_action)e;
	if (v[4] && get_enum(p, v[4], "event_delivery", dels, 2, &e))
		am->event_delivery = (enum cd_am_delivery)e;
	if (v[5])
		get_uint(p, v[5], "heartbeat_seconds", 1, 86400, &am->heartbeat_seconds);
	if (v[6]) {
		char **paths = NULL;
		size_t np = 0;
		get_strv(p, v[6], "exclude_paths", &paths, &np, NULL);
		for (size_t i = 0; i < am->nexclude_paths; i++)
			free(am->exclude_paths[i]);
		free(am->exclude_paths);
		am->exclude_paths = paths;
		am->nexclude_paths = np;
		for (size_t i = 0; i < np; i++)
			if (paths[i][0] != '/')
				ERR(p, v[6]->kids[i], "exclude path \"%s\" is not absolute",
				    paths[i]);
	}
}

static int cmp_rules(const void *a, const void *b)
{
	const struct cd_rule *x = a, *y = b;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int cd_parse_policy(const char *file, const char *buf, size_t len,
		    struct cd_policy *pol, struct cd_diags *d)
{
	struct pctx p = { .d = d, .errors = cd_nerrors(d) };
	struct cd_node *root;
	pol->file = file;
	if (cd_yaml_load(file, buf, len, &root, d) < 0)
		return -EINVAL;
	static const char *const keys[] = { "default_action", "ipsets", "services",
					    "groups", "rules", "antimalware" };
	static const char *const dacts[] = { "allow", "drop" };
	void (*const parsers[])(struct pctx *, const struct cd_node *,
				struct cd_policy *) = {
		NULL, parse_ipset, parse_service, parse_group, parse_rule };
	const struct cd_node *v[6];
	if (map_fields(&p, root, "the policy", keys, 6, v)) {
		int e;
		if (v[0] && get_enum(&p, v[0], "default_action", dacts, 2, &e))
			pol->default_action = e ? CD_DROP : CD_ALLOW;
		for (int k = 1; k <= 4; k++) {
			if (!v[k] || cd_node_is_null(v[k]))
				continue;
			if (!want_list(&p, v[k], keys[k]))
				continue;
			for (size_t i = 0; i < v[k]->nkids; i++)
				parsers[k](&p, v[k]->kids[i], pol);
		}
		if (v[5] && !cd_node_is_null(v[5]))
			parse_antimalware(&p, v[5], pol);
	}
	cd_node_free(root);
	/* evaluation order: by category, then as written (stable) */
	if (pol->nrules)
		qsort(pol->rules, pol->nrules, sizeof(*pol->rules), cmp_rules);
	return cd_nerrors(d) > p.errors ? -EINVAL : 0;
}

static int load(const char *file, struct cd_diags *d, char **buf, size_t *len)
{
	int r = cd_read_file(file, CD_DOC_MAX_BYTES, buf, len);
	struct cd_loc at = { file, 1, 1 };
	if (r == -EFBIG)
		cd_error(d, at, "file is larger than the %u MiB limit",
			 CD_DOC_MAX_BYTES >> 20);
	else if (r < 0)
		cd_error(d, at, "cannot read: %s", strerror(-r));
	return r;
}

int cd_load_inventory(const char *file, struct cd_inventory *inv,
		      struct cd_diags *d)
{
	char *buf;
	size_t len;
	if (load(file, d, &buf, &len) < 0)
		return -EINVAL;
	int r = cd_parse_inventory(file, buf, len, inv, d);
	free(buf);
	return r;
}

int cd_load_policy(const char *file, struct cd_policy *pol, struct cd_diags *d)
{
	char *buf;
	size_t len;
	if (load(file, d, &buf, &len) < 0)
		return -EINVAL;
	int r = cd_parse_policy(file, buf, len, pol, d);
	free(buf);
	return r;
}
