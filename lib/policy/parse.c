/* parse.c - walk YAML node trees into the model, with located errors:
 * the readers every document's parser uses (parse_priv.h), services and
 * references, and loading a file.  The inventory's parser is
 * parse_inventory.c, the policy's parse_policy.c. */
#include "policy/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse_priv.h"

/* --- scalar readers ------------------------------------------------- */

bool cd_parse_want_scalar(struct pctx *p, const struct cd_node *n,
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
char *cd_parse_str(struct pctx *p, const struct cd_node *n, const char *what)
{
	return cd_parse_want_scalar(p, n, what) ? cd_strdup(n->str) : NULL;
}

bool cd_parse_bool(struct pctx *p, const struct cd_node *n, const char *what,
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

bool cd_parse_uint(struct pctx *p, const struct cd_node *n, const char *what,
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
bool cd_parse_enum(struct pctx *p, const struct cd_node *n, const char *what,
		     const char *const *words, size_t nwords, int *out)
{
	if (!cd_parse_want_scalar(p, n, what))
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
bool cd_parse_strv(struct pctx *p, const struct cd_node *n, const char *what,
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
		char *s = cd_parse_str(p, n->kids[i], what);
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
bool cd_parse_map(struct pctx *p, const struct cd_node *n, const char *what,
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

bool cd_parse_want_list(struct pctx *p, const struct cd_node *n, const char *what)
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
