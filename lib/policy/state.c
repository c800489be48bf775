/* state.c - loading a world and indexing its addresses. */
#include "policy/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse.h"
#include "policy/resolve.h"

static void state_init(struct cd_state *st)
{
	memset(st, 0, sizeof(*st));
	cd_inventory_init(&st->inv);
	cd_policy_init(&st->pol);
	cd_map_init(&st->by_addr);
}

/* Resolve, compute membership, index addresses. */
static int state_finish(struct cd_state *st, int r1, int r2,
			struct cd_diags *d)
{
	if (r1 < 0 || r2 < 0 || cd_resolve(&st->inv, &st->pol, d) < 0)
		return -EINVAL;
	cd_members_init(&st->mem, &st->inv, &st->pol);
	size_t cap = 0;
	for (size_t w = 0; w < st->inv.n; w++) {
		const struct cd_workload *wl = &st->inv.w[w];
		for (size_t v = 0; v < wl->nvnics; v++) {
			for (size_t a = 0; a < wl->vnics[v].nips; a++) {
				char buf[CD_ADDR_STRLEN];
				char *k = cd_strdup(cd_addr_fmt(&wl->vnics[v].ips[a], buf));
				CD_PUSH(st->addr_keys, st->naddr_keys, cap, k);
				cd_map_put(&st->by_addr, k, (w << 16) | v, NULL);
			}
		}
	}
	st->loaded = true;
	return 0;
}

int cd_state_load(struct cd_state *st, const char *inv_file,
		  const char *pol_file, struct cd_diags *d)
{
	state_init(st);
	int r1 = cd_load_inventory(inv_file, &st->inv, d);
	int r2 = cd_load_policy(pol_file, &st->pol, d);
	return state_finish(st, r1, r2, d);
}

int cd_state_parse(struct cd_state *st, const char *inv_name,
		   const char *inv, size_t inv_len, const char *pol_name,
		   const char *pol, size_t pol_len, struct cd_diags *d)
{
	state_init(st);
	int r1 = cd_parse_inventory(inv_name, inv, inv_len, &st->inv, d);
	int r2 = cd_parse_policy(pol_name, pol, pol_len, &st->pol, d);
	return state_finish(st, r1, r2, d);
}

void cd_state_free(struct cd_state *st)
{
	if (st->loaded)
		cd_members_free(&st->mem);
	for (size_t i = 0; i < st->naddr_keys; i++)
		free(st->addr_keys[i]);
	free(st->addr_keys);
	cd_map_free(&st->by_addr);
	cd_policy_free(&st->pol);
	cd_inventory_free(&st->inv);
	memset(st, 0, sizeof(*st));
}

bool cd_state_owner(const struct cd_state *st, const struct cd_addr *a,
		    size_t *wl, size_t *vnic)
{
	if (!cd_addr_is_host(a))
		return false;
	char buf[CD_ADDR_STRLEN];
	size_t v;
	if (!cd_map_get(&st->by_addr, cd_addr_fmt(a, buf), &v))
		return false;
	*wl = v >> 16;
	*vnic = v & 0xffff;
	return true;
}
