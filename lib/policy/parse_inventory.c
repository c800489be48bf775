/* parse_inventory.c - the inventory document: workloads and their vNICs,
 * then the checks across workloads. */
#include "policy/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse_priv.h"
#include "policy/sel.h"

#define VNIC_LIST(P, X) X(P, IFNAME, "ifname") X(P, MAC, "mac") \
	X(P, IPS, "ips")
SCHEMA(VNIC, vnic, VNIC_LIST)
#define WORKLOAD_LIST(P, X) X(P, NAME, "name") X(P, ID, "id") \
	X(P, HOST, "host") X(P, OS, "os") X(P, SOURCE, "source") X(P, TAGS, "tags") \
	X(P, VNICS, "vnics")
SCHEMA(WORKLOAD, workload, WORKLOAD_LIST)
#define INVENTORY_LIST(P, X) X(P, WORKLOADS, "workloads")
SCHEMA(INVENTORY, inventory, INVENTORY_LIST)

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

static void parse_vnic(struct cd_yread *p, const struct cd_node *n,
		       struct cd_workload *w, size_t wi)
{
	const struct cd_node *v[VNIC_NKEYS];
	struct cd_vnic vn = { .wl = wi, .loc = n->loc };
	if (!cd_yr_map(p, n, "vnic", vnic_keys, VNIC_NKEYS, v))
		return;
	const char *why;
	if (!v[VNIC_IFNAME])
		ERR(p, n, "vnic has no ifname");
	else if ((vn.ifname = cd_yr_str(p, v[VNIC_IFNAME], "ifname")) &&
		 !valid_ifname(vn.ifname, &why))
		ERR(p, v[VNIC_IFNAME], "bad ifname \"%s\": %s", vn.ifname, why);
	if (v[VNIC_MAC] && (vn.mac = cd_yr_str(p, v[VNIC_MAC], "mac")) && !valid_mac(vn.mac))
		ERR(p, v[VNIC_MAC], "bad mac \"%s\" (expected six hex bytes as 52:54:00:12:34:56)",
		    vn.mac);
	if (v[VNIC_IPS] && v[VNIC_IPS]->type == CD_NODE_SEQ) {
		vn.ips = cd_calloc(v[VNIC_IPS]->nkids, sizeof(*vn.ips));
		for (size_t i = 0; i < v[VNIC_IPS]->nkids; i++) {
			const struct cd_node *a = v[VNIC_IPS]->kids[i];
			if (!cd_yr_want_scalar(p, a, "ip"))
				continue;
			if (cd_addr_parse(a->str, false, &vn.ips[vn.nips], &why) < 0) {
				ERR(p, a, "bad address \"%s\": %s", a->str,
				    strchr(a->str, '/') ? "vNIC addresses have no prefix length" : why);
				continue;
			}
			vn.nips++;
		}
	} else if (v[VNIC_IPS] && !cd_node_is_null(v[VNIC_IPS])) {
		ERR(p, v[VNIC_IPS], "ips must be a list of addresses, not %s",
		    cd_node_type_name(v[VNIC_IPS]));
	}
	w->vnics = cd_realloc(w->vnics, (w->nvnics + 1) * sizeof(*w->vnics));
	w->vnics[w->nvnics++] = vn;
}

static void parse_workload(struct cd_yread *p, const struct cd_node *n,
			   struct cd_inventory *inv)
{
	const struct cd_node *v[WORKLOAD_NKEYS];
	if (!cd_yr_map(p, n, "workload", workload_keys, WORKLOAD_NKEYS, v))
		return;
	struct cd_workload w = { .loc = n->loc };
	size_t wi = inv->n;
	if (!v[WORKLOAD_NAME])
		ERR(p, n, "workload has no name");
	else
		w.name = cd_yr_str(p, v[WORKLOAD_NAME], "name");
	if (v[WORKLOAD_ID])
		w.id = cd_yr_str(p, v[WORKLOAD_ID], "id");
	if (!v[WORKLOAD_HOST])
		ERR(p, n, "workload %s%s%shas no host", w.name ? "\"" : "",
		    w.name ? w.name : "", w.name ? "\" " : "");
	else
		w.host = cd_yr_str(p, v[WORKLOAD_HOST], "host");
	if (v[WORKLOAD_OS] && !cd_node_is_null(v[WORKLOAD_OS]))
		w.os = cd_yr_str(p, v[WORKLOAD_OS], "os");
	if (v[WORKLOAD_SOURCE] && !cd_node_is_null(v[WORKLOAD_SOURCE]))
		w.source = cd_yr_str(p, v[WORKLOAD_SOURCE], "source");
	if (v[WORKLOAD_TAGS]) {
		char **tags = NULL;
		size_t nt = 0;
		cd_yr_strv(p, v[WORKLOAD_TAGS], "tags", &tags, &nt, NULL);
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
	if (v[WORKLOAD_VNICS] && cd_yr_want_list(p, v[WORKLOAD_VNICS], "vnics"))
		for (size_t i = 0; i < v[WORKLOAD_VNICS]->nkids; i++)
			parse_vnic(p, v[WORKLOAD_VNICS]->kids[i], &w, wi);
	if (!w.id && w.name)
		w.id = cd_strdup(w.name);
	w.lname = cd_lower(w.name ? w.name : "");
	w.lhost = cd_lower(w.host ? w.host : "");
	w.los = cd_lower(w.os ? w.os : "");
	w.lsource = cd_lower(w.source ? w.source : "");
	CD_PUSH(inv->w, inv->n, inv->cap, w);
}

/* Cross-workload checks: unique names, ids, ifnames per host, addresses. */
static void check_inventory(struct cd_yread *p, struct cd_inventory *inv)
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
	struct cd_yread p = { .d = d, .errors = cd_nerrors(d) };
	struct cd_node *root;
	inv->file = file;
	if (cd_yaml_load(file, buf, len, &root, d) < 0)
		return -EINVAL;
	const struct cd_node *v[INVENTORY_NKEYS];
	if (cd_yr_map(&p, root, "the inventory", inventory_keys, INVENTORY_NKEYS, v)) {
		if (!v[INVENTORY_WORKLOADS])
			ERR(&p, root, "the inventory has no \"workloads\" list");
		else if (v[INVENTORY_WORKLOADS]->type == CD_NODE_SEQ)
			for (size_t i = 0; i < v[INVENTORY_WORKLOADS]->nkids; i++)
				parse_workload(&p, v[INVENTORY_WORKLOADS]->kids[i], inv);
		else if (!cd_node_is_null(v[INVENTORY_WORKLOADS]))
			cd_yr_want_list(&p, v[INVENTORY_WORKLOADS], "workloads");
	}
	check_inventory(&p, inv);
	cd_node_free(root);
	return cd_nerrors(d) > p.errors ? -EINVAL : 0;
}

/* --- policy ---------------------------------------------------------- */

