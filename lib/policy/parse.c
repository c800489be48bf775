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
	if (strcasecmp(s, "host") == 0 && !applied_to) {
		out->kind = CD_REF_HOST;
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
		*why = addrlike ? w : "unknown reference (expected any, host, group:NAME, "
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
